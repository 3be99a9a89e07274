package consent

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/stewardhq/steward/internal/access"
	"github.com/stewardhq/steward/internal/apperr"
	"github.com/stewardhq/steward/internal/audit"
	"github.com/stewardhq/steward/internal/store"
)

// Wording is one version of the words a person is shown when asked for
// consent to a purpose. Versions are never edited: the DPO publishes a new
// one, and every consent points to the version the person saw.
type Wording struct {
	ID        string    `json:"id"`
	Purpose   string    `json:"purpose"`
	Version   int       `json:"version"`
	Body      string    `json:"body"`
	CreatedAt time.Time `json:"created_at"`
}

// maxWording bounds a wording's length.
const maxWording = 4000

// PublishWording adds a new version of a purpose's wording. It is the
// DPO's (rights:manage), and audited.
func (s *Service) PublishWording(ctx context.Context, purpose, body string) (*Wording, error) {
	a, err := access.Require(ctx, access.PermRightsManage)
	if err != nil {
		return nil, err
	}
	if _, err := PurposeOf(purpose); err != nil {
		return nil, err
	}
	body = strings.TrimSpace(body)
	if body == "" {
		return nil, apperr.New(apperr.Invalid, "Write the words people will be shown when asked for this consent.")
	}
	if utf8.RuneCountInString(body) > maxWording {
		return nil, apperr.New(apperr.Invalid, "The wording is longer than %d characters: keep it short and plain (Art 7(2)).", maxWording)
	}
	w := &Wording{ID: store.NewID(), Purpose: purpose, Body: body}
	err = s.db.InTx(ctx, func(ctx context.Context, tx *store.Tx) error {
		if err := tx.QueryRowContext(ctx, `SELECT COALESCE(max(version), 0) + 1 FROM consent_wordings WHERE purpose = $1`, purpose).Scan(&w.Version); err != nil {
			return fmt.Errorf("next wording version: %w", err)
		}
		w.CreatedAt = tx.Now()
		if _, err := tx.ExecContext(ctx, `INSERT INTO consent_wordings (id, purpose, version, body, created_at, created_by) VALUES ($1, $2, $3, $4, $5, $6)`,
			w.ID, purpose, w.Version, body, store.Millis(w.CreatedAt), nullStr(a.AccountID)); err != nil {
			return fmt.Errorf("publish wording: %w", err)
		}
		_, err := s.audit.Append(ctx, audit.Event{ActorID: a.AccountID, Action: "consent.wording", Entity: "consent_wording", EntityID: w.ID,
			Detail: map[string]string{"purpose": purpose, "version": fmt.Sprint(w.Version)}})
		return err
	})
	if err != nil {
		return nil, err
	}
	return w, nil
}

// CurrentWordings returns the latest wording of each purpose that has one.
// The wordings are the organisation's public texts: no permission needed.
func (s *Service) CurrentWordings(ctx context.Context) (map[string]Wording, error) {
	rows, err := s.db.Q(ctx).QueryContext(ctx, `SELECT w.id, w.purpose, w.version, w.body, w.created_at FROM consent_wordings w
		WHERE w.version = (SELECT max(v.version) FROM consent_wordings v WHERE v.purpose = w.purpose)`)
	if err != nil {
		return nil, fmt.Errorf("read wordings: %w", err)
	}
	defer rows.Close()
	out := map[string]Wording{}
	for rows.Next() {
		var w Wording
		var at int64
		if err := rows.Scan(&w.ID, &w.Purpose, &w.Version, &w.Body, &at); err != nil {
			return nil, fmt.Errorf("read wordings: %w", err)
		}
		w.CreatedAt = store.FromMillis(at)
		out[w.Purpose] = w
	}
	return out, rows.Err()
}

func (s *Service) wording(ctx context.Context, id string) (*Wording, error) {
	var w Wording
	var at int64
	err := s.db.Q(ctx).QueryRowContext(ctx, `SELECT id, purpose, version, body, created_at FROM consent_wordings WHERE id = $1`, id).
		Scan(&w.ID, &w.Purpose, &w.Version, &w.Body, &at)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, apperr.New(apperr.Invalid, "No consent wording with id %q: choose one of the published wordings.", id)
	}
	if err != nil {
		return nil, fmt.Errorf("read wording: %w", err)
	}
	w.CreatedAt = store.FromMillis(at)
	return &w, nil
}
