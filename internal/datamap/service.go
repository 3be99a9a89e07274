// Package datamap is the data map: the record of processing activities that
// Art 30 UK GDPR requires, the categories of personal data they use, the
// systems the data lives in and the recipients it goes to. Other services
// ask it whether a piece of data may be held under an activity.
//
// The map describes processing; it holds no member's personal data, so
// nothing is sealed. Reading needs datamap:read, changing datamap:write;
// every change writes its audit event in the same transaction.
package datamap

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/stewardhq/steward/internal/access"
	"github.com/stewardhq/steward/internal/apperr"
	"github.com/stewardhq/steward/internal/audit"
	"github.com/stewardhq/steward/internal/store"
)

// Recorder appends audit events inside the caller's transaction.
type Recorder interface {
	Append(ctx context.Context, e audit.Event) (int64, error)
}

// Service is the data map service.
type Service struct {
	db    *store.DB
	audit Recorder
}

// New returns the data map service.
func New(db *store.DB, rec Recorder) *Service {
	return &Service{db: db, audit: rec}
}

// record appends an audit event for the actor in ctx, in ctx's transaction.
// Details carry ids and codes only.
func (s *Service) record(ctx context.Context, action, entity, entityID string, detail map[string]string) error {
	_, err := s.audit.Append(ctx, audit.Event{ActorID: access.ActorID(ctx), Action: action, Entity: entity, EntityID: entityID, Detail: detail})
	if err != nil {
		return fmt.Errorf("audit %s: %w", action, err)
	}
	return nil
}

func canRead(ctx context.Context) error {
	_, err := access.Require(ctx, access.PermDataMapRead)
	return err
}

func canWrite(ctx context.Context) error {
	_, err := access.Require(ctx, access.PermDataMapWrite)
	return err
}

// Limits on free text. Generous for prose fields (purposes, security
// measures) but bounded, so a form or API call cannot store megabytes.
const (
	maxName = 200
	maxText = 10000
)

// cleanName trims a name and checks its length.
func cleanName(what, s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" || utf8.RuneCountInString(s) > maxName {
		return "", apperr.New(apperr.Invalid, "A %s needs a name of 1 to %d characters.", what, maxName)
	}
	return s, nil
}

// text is a free-text field with the label used in messages.
type text struct {
	label string
	p     *string
}

// cleanText trims each free-text field and checks it, naming the first
// field that fails in the message.
func cleanText(fields ...text) error {
	for _, f := range fields {
		*f.p = strings.TrimSpace(*f.p)
		if !utf8.ValidString(*f.p) {
			return apperr.New(apperr.Invalid, "%s is not valid text.", f.label)
		}
		if utf8.RuneCountInString(*f.p) > maxText {
			return apperr.New(apperr.Invalid, "%s is longer than %d characters.", f.label, maxText)
		}
	}
	return nil
}

// notFound is the error for an id that names nothing of the given kind.
func notFound(what, id string) error {
	if !store.ValidID(id) {
		return apperr.New(apperr.NotFound, "No %s with id %q.", what, truncate(id, 40))
	}
	return apperr.New(apperr.NotFound, "No %s with id %q.", what, id)
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// scanner is what *sql.Row and *sql.Rows share.
type scanner interface{ Scan(...any) error }

// listAll runs a query for every row of one kind of entity and scans each;
// what names the kind in errors.
func listAll[T any](ctx context.Context, q store.Querier, query, what string, scan func(scanner) (*T, error)) ([]T, error) {
	rows, err := q.QueryContext(ctx, query)
	if err != nil {
		return nil, fmt.Errorf("list every %s: %w", what, err)
	}
	defer rows.Close()
	out := []T{}
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, fmt.Errorf("scan %s: %w", what, err)
		}
		out = append(out, *v)
	}
	return out, rows.Err()
}

// loadOne runs a query for the entity with id, or answers not found.
func loadOne[T any](ctx context.Context, q store.Querier, query, what, id string, scan func(scanner) (*T, error)) (*T, error) {
	if !store.ValidID(id) {
		return nil, notFound(what, id)
	}
	v, err := scan(q.QueryRowContext(ctx, query, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound(what, id)
	}
	if err != nil {
		return nil, fmt.Errorf("load %s: %w", what, err)
	}
	return v, nil
}

// exists reports whether a row with id exists in table. The table name is
// always a constant of this package.
func (s *Service) exists(ctx context.Context, table, id string) (bool, error) {
	if !store.ValidID(id) {
		return false, nil
	}
	var one int
	err := s.db.Q(ctx).QueryRowContext(ctx, `SELECT 1 FROM `+table+` WHERE id = $1`, id).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("look up %s: %w", table, err)
	}
	return true, nil
}

// countUses counts the activities linked to id through a link table, so a
// category, system or recipient in use is not deleted from under them.
func (s *Service) countUses(ctx context.Context, linkTable, col, id string) (int, error) {
	var n int
	if err := s.db.Q(ctx).QueryRowContext(ctx, `SELECT count(*) FROM `+linkTable+` WHERE `+col+` = $1`, id).Scan(&n); err != nil {
		return 0, fmt.Errorf("count uses in %s: %w", linkTable, err)
	}
	return n, nil
}

// deleteUnused deletes a category, system or recipient that no processing
// activity uses, audited in the same transaction. name loads the row (and
// says not found); the link table and column say where activities use it.
func (s *Service) deleteUnused(ctx context.Context, what, table, linkTable, column, entity, id string, name func(context.Context) (string, error)) error {
	if err := canWrite(ctx); err != nil {
		return err
	}
	err := s.db.InTx(ctx, func(ctx context.Context, tx *store.Tx) error {
		n, err := name(ctx)
		if err != nil {
			return err
		}
		uses, err := s.countUses(ctx, linkTable, column, id)
		if err != nil {
			return err
		}
		if uses > 0 {
			return apperr.New(apperr.Conflict, "The %s %q is used by %d processing activities; take it off them first.", what, n, uses)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM `+table+` WHERE id = $1`, id); err != nil {
			return fmt.Errorf("delete %s: %w", what, err)
		}
		return s.record(ctx, "datamap."+strings.TrimPrefix(entity, "data_")+".delete", entity, id, nil)
	})
	return deleteError(err, what, id)
}

// deleteError explains a delete the database refused because other data
// still refers to the row: records held under an activity, in a category
// or a system. PostgreSQL reports deferred references only at commit, so
// this looks at the transaction's final error.
func deleteError(err error, what, id string) error {
	var ae *apperr.Error
	if err == nil || errors.As(err, &ae) || !store.IsForeignKeyViolation(err) {
		return err
	}
	return apperr.Wrap(err, apperr.Conflict, "The %s %s is still referred to by records; move or remove them first.", what, id)
}
