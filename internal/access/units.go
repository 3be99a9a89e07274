package access

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/stewardhq/steward/internal/apperr"
	"github.com/stewardhq/steward/internal/store"
)

// Unit kinds, from the top of the tree down.
const (
	KindOrganisation = "organisation"
	KindRegion       = "region"
	KindBranch       = "branch"
	KindWorkplace    = "workplace"
)

// Unit is a node of the organisation tree.
type Unit struct {
	ID        string    `json:"id"`
	ParentID  string    `json:"parent_id,omitempty"`
	Kind      string    `json:"kind"`
	Name      string    `json:"name"`
	Path      string    `json:"-"`
	CreatedAt time.Time `json:"created_at"`
}

func validKind(k string) bool {
	switch k {
	case KindOrganisation, KindRegion, KindBranch, KindWorkplace:
		return true
	}
	return false
}

// kindRank orders kinds so a child is never "above" its parent.
func kindRank(k string) int {
	switch k {
	case KindRegion:
		return 1
	case KindBranch:
		return 2
	case KindWorkplace:
		return 3
	}
	return 0
}

// CreateUnit adds a unit under parentID. The first unit, the organisation
// itself, has no parent and can be made only when the tree is empty.
func (s *Service) CreateUnit(ctx context.Context, parentID, kind, name string) (*Unit, error) {
	a, err := Require(ctx, PermUnitsManage)
	if err != nil {
		return nil, err
	}
	name = strings.TrimSpace(name)
	if name == "" || utf8.RuneCountInString(name) > 200 {
		return nil, apperr.New(apperr.Invalid, "A unit needs a name of 1 to 200 characters.")
	}
	if !validKind(kind) {
		return nil, apperr.New(apperr.Invalid, "Unknown unit kind %q: use organisation, region, branch or workplace.", kind)
	}
	u := &Unit{ID: store.NewID(), Kind: kind, Name: name}
	err = s.db.InTx(ctx, func(ctx context.Context, tx *store.Tx) error {
		u.CreatedAt = tx.Now()
		if parentID == "" {
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM units`).Scan(&n); err != nil {
				return fmt.Errorf("count units: %w", err)
			}
			if n > 0 {
				return apperr.New(apperr.Invalid, "The organisation already exists; give the new unit a parent.")
			}
			if kind != KindOrganisation {
				return apperr.New(apperr.Invalid, "The top unit must be of kind organisation.")
			}
			u.Path = "/" + u.ID + "/"
		} else {
			parent, err := s.unitByID(ctx, parentID)
			if err != nil {
				return err
			}
			if !a.CanIn(PermUnitsManage, parent.Path) {
				return apperr.New(apperr.Forbidden, "You may not add units under %q.", parent.Name)
			}
			if kindRank(kind) <= kindRank(parent.Kind) {
				return apperr.New(apperr.Invalid, "A %s cannot sit under a %s.", kind, parent.Kind)
			}
			u.ParentID = parent.ID
			u.Path = parent.Path + u.ID + "/"
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO units (id, parent_id, kind, name, path, created_at) VALUES ($1, $2, $3, $4, $5, $6)`,
			u.ID, sql.NullString{String: u.ParentID, Valid: u.ParentID != ""}, u.Kind, u.Name, u.Path, store.Millis(u.CreatedAt))
		if err != nil {
			return fmt.Errorf("insert unit: %w", err)
		}
		return s.record(ctx, "unit.create", "unit", u.ID, map[string]string{"kind": kind, "parent_id": u.ParentID})
	})
	if err != nil {
		return nil, err
	}
	return u, nil
}

const unitCols = `id, COALESCE(parent_id, ''), kind, name, path, created_at`

func scanUnit(sc interface{ Scan(...any) error }) (*Unit, error) {
	var u Unit
	var created int64
	if err := sc.Scan(&u.ID, &u.ParentID, &u.Kind, &u.Name, &u.Path, &created); err != nil {
		return nil, err
	}
	u.CreatedAt = store.FromMillis(created)
	return &u, nil
}

// unitByID loads a unit without a scope check, for internal use.
func (s *Service) unitByID(ctx context.Context, id string) (*Unit, error) {
	if !store.ValidID(id) {
		return nil, apperr.New(apperr.NotFound, "No unit with id %q.", id)
	}
	u, err := scanUnit(s.db.Q(ctx).QueryRowContext(ctx, `SELECT `+unitCols+` FROM units WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, apperr.New(apperr.NotFound, "No unit with id %q.", id)
	}
	if err != nil {
		return nil, fmt.Errorf("load unit: %w", err)
	}
	return u, nil
}

// Unit returns a unit the actor may see. A unit outside the actor's scope
// is reported as not found, so scope does not leak what exists.
func (s *Service) Unit(ctx context.Context, id string) (*Unit, error) {
	a, err := Require(ctx, PermUnitsRead)
	if err != nil {
		return nil, err
	}
	u, err := s.unitByID(ctx, id)
	if err != nil {
		return nil, err
	}
	if !a.CanIn(PermUnitsRead, u.Path) {
		return nil, apperr.New(apperr.NotFound, "No unit with id %q.", id)
	}
	return u, nil
}

// Units lists the units the actor may see, in tree order.
func (s *Service) Units(ctx context.Context) ([]Unit, error) {
	a, err := Require(ctx, PermUnitsRead)
	if err != nil {
		return nil, err
	}
	where, args := ScopeWhere("path", a.Scope(PermUnitsRead), 1)
	rows, err := s.db.Q(ctx).QueryContext(ctx, `SELECT `+unitCols+` FROM units WHERE `+where+` ORDER BY path`, args...)
	if err != nil {
		return nil, fmt.Errorf("list units: %w", err)
	}
	defer rows.Close()
	var out []Unit
	for rows.Next() {
		u, err := scanUnit(rows)
		if err != nil {
			return nil, fmt.Errorf("scan unit: %w", err)
		}
		out = append(out, *u)
	}
	return out, rows.Err()
}

// RootUnit returns the organisation unit, or not_found before init.
func (s *Service) RootUnit(ctx context.Context) (*Unit, error) {
	u, err := scanUnit(s.db.Q(ctx).QueryRowContext(ctx, `SELECT `+unitCols+` FROM units WHERE parent_id IS NULL`))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, apperr.New(apperr.NotFound, "The organisation has not been set up; run `steward init`.")
	}
	if err != nil {
		return nil, fmt.Errorf("load root unit: %w", err)
	}
	return u, nil
}

// ScopeWhere builds a SQL condition limiting column (a unit path) to the
// given subtrees, with placeholders numbered from first. No scope matches
// nothing. Every service that lists scoped rows uses it.
func ScopeWhere(column string, paths []string, first int) (string, []any) {
	if len(paths) == 0 {
		return "1 = 0", nil
	}
	conds := make([]string, len(paths))
	args := make([]any, len(paths))
	for i, p := range paths {
		// Paths are ids and slashes only, so no LIKE wildcards can occur.
		conds[i] = fmt.Sprintf("%s LIKE $%d", column, first+i)
		args[i] = p + "%"
	}
	return "(" + strings.Join(conds, " OR ") + ")", args
}
