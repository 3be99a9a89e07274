package subjects

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/stewardhq/steward/internal/access"
	"github.com/stewardhq/steward/internal/apperr"
	"github.com/stewardhq/steward/internal/store"
	"github.com/stewardhq/steward/internal/vault"
)

// Update replaces a person's record (rectification, Art 16). Each changed
// identifier keeps its old value, sealed, with the reason and who changed
// it. version must be the version the caller read, so two people editing
// at once cannot silently overwrite each other. A person under restriction
// (Art 18) can be changed only by someone who manages rights requests.
func (s *Service) Update(ctx context.Context, id string, version int64, in Input, reason string) (*Subject, error) {
	a, err := access.Require(ctx, access.PermSubjectsWrite)
	if err != nil {
		return nil, err
	}
	reason = strings.TrimSpace(reason)
	if reason == "" || utf8.RuneCountInString(reason) > 500 {
		return nil, apperr.New(apperr.Invalid, "Say why the record is changed (up to 500 characters): the reason is kept with the old values.")
	}
	if err := in.clean(); err != nil {
		return nil, err
	}
	var out *Subject
	err = s.db.InTx(ctx, func(ctx context.Context, tx *store.Tx) error {
		r, err := s.inScopeForUpdate(ctx, a, access.PermSubjectsWrite, id)
		if err != nil {
			return err
		}
		if r.version != version {
			return apperr.New(apperr.Conflict, "Someone changed this record since you opened it. Reload it, check their change, and make yours again.")
		}
		if r.restricted && !a.CanIn(access.PermRightsManage, r.unitPath) {
			return apperr.New(apperr.Forbidden, "This person's data is restricted (Art 18): only the data protection officer may change it.")
		}
		cur, err := s.open(ctx, r, tx.Now().Format(time.DateOnly))
		if err != nil {
			return err
		}
		if cur.Erased {
			return apperr.New(apperr.Conflict, "This person has been erased.")
		}
		unit, err := s.units.Unit(ctx, in.UnitID)
		if err != nil || !a.CanIn(access.PermSubjectsWrite, unit.Path) {
			return apperr.New(apperr.Invalid, "Unknown unit %q: choose one of the units you may add people to.", in.UnitID)
		}
		key, err := s.vault.SubjectKey(ctx, id, false)
		if err != nil {
			return fmt.Errorf("key of %s: %w", id, err)
		}
		var changed []string
		out, changed, err = s.rectify(ctx, tx, r, cur, key, unit, in, reason)
		if store.IsUniqueViolation(err) {
			return apperr.New(apperr.Conflict, msgMembershipInUse)
		}
		if err != nil {
			return err
		}
		return s.record(ctx, "subject.update", id, "", map[string]string{"fields": strings.Join(changed, " "), "unit_id": unit.ID})
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// rectify writes a change to a person in tx: each changed identifier's old
// value sealed in the history with the reason and the actor, then the new
// row (version + 1) and its indexes. It returns the person as changed and
// the fields that changed; the caller checks permissions, and audits.
// Update and the importer share it, so an import keeps the same history a
// hand edit does.
func (s *Service) rectify(ctx context.Context, tx *store.Tx, r *row, cur *Subject, key *vault.SubjectKey, unit *access.Unit, in Input, reason string) (*Subject, []string, error) {
	id := r.id
	var changed []string
	for _, f := range Fields() {
		old := cur.Profile.Get(f)
		if old == in.Profile.Get(f) {
			continue
		}
		changed = append(changed, f)
		if err := writeHistory(ctx, tx, key, id, f, old, reason); err != nil {
			return nil, nil, err
		}
	}
	plain, err := json.Marshal(in.Profile)
	if err != nil {
		return nil, nil, err
	}
	idx, err := s.indexes(in.Profile)
	if err != nil {
		return nil, nil, err
	}
	status := StatusActive
	if in.LeftOn != "" {
		status = StatusLeft
	}
	cu := s.childUntil(in.Profile.DateOfBirth, tx.Now())
	args := idx.appendArgs([]any{id, unit.ID, unit.Path, string(in.Kind), string(status), nullStr(cu), nullStr(in.JoinedOn), nullStr(in.LeftOn),
		nullStr(in.InterviewOn), key.Seal(profileField(id), plain), store.Millis(tx.Now()), r.version})
	res, err := tx.ExecContext(ctx, `UPDATE subjects SET unit_id = $2, unit_path = $3, kind = $4, status = $5, child_until = $6, joined_on = $7, left_on = $8,
		interview_on = $9, profile = $10, version = version + 1, updated_at = $11, `+indexAssignments(13)+` WHERE id = $1 AND version = $12`,
		args...)
	if err != nil {
		return nil, nil, fmt.Errorf("update person: %w", err)
	}
	// The row is locked when read in a write transaction; the version
	// condition is the second lock, should anything have changed it since.
	if n, _ := res.RowsAffected(); n != 1 {
		return nil, nil, apperr.New(apperr.Conflict, "Someone changed this record at the same moment. Reload it and make your change again.")
	}
	return &Subject{ID: id, UnitID: unit.ID, Kind: in.Kind, Status: status, Restricted: r.restricted, Child: cu != "",
		JoinedOn: in.JoinedOn, LeftOn: in.LeftOn, InterviewOn: in.InterviewOn, Profile: in.Profile, Version: r.version + 1,
		CreatedAt: store.FromMillis(r.created), UpdatedAt: tx.Now()}, changed, nil
}

// Change is one entry of a person's rectification history.
type Change struct {
	Field    string    `json:"field"`
	OldValue string    `json:"old_value"`
	Reason   string    `json:"reason"`
	ActorID  string    `json:"actor_id"`
	At       time.Time `json:"at"`
}

// History returns a person's rectifications, newest first. It is a read of
// their data and is audited as one.
func (s *Service) History(ctx context.Context, id string) ([]Change, error) {
	a, err := access.Require(ctx, access.PermSubjectsRead)
	if err != nil {
		return nil, err
	}
	var out []Change
	err = s.db.InTx(ctx, func(ctx context.Context, tx *store.Tx) error {
		if _, err := s.inScope(ctx, a, access.PermSubjectsRead, id); err != nil {
			return err
		}
		key, err := s.vault.SubjectKey(ctx, id, false)
		if err != nil {
			return nil // erased: no readable history
		}
		rows, err := tx.QueryContext(ctx, `SELECT id, field, old_value, reason, actor_id, at FROM rectifications WHERE subject_id = $1 ORDER BY at DESC, id DESC`, id)
		if err != nil {
			return fmt.Errorf("read history: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var rid string
			var c Change
			var old, why []byte
			var at int64
			if err := rows.Scan(&rid, &c.Field, &old, &why, &c.ActorID, &at); err != nil {
				return err
			}
			o, err := key.Open(vault.Field{Table: "rectifications", Column: "old_value", Row: rid}, old)
			if err != nil {
				return fmt.Errorf("open history %s: %w", rid, err)
			}
			w, err := key.Open(vault.Field{Table: "rectifications", Column: "reason", Row: rid}, why)
			if err != nil {
				return fmt.Errorf("open history %s: %w", rid, err)
			}
			c.OldValue, c.Reason, c.At = string(o), string(w), store.FromMillis(at)
			out = append(out, c)
		}
		if err := rows.Err(); err != nil {
			return err
		}
		return s.record(ctx, "subject.read", id, "history", nil)
	})
	return out, err
}

// writeHistory records one change to a person: the field, its old value
// and the reason, both sealed under their key.
func writeHistory(ctx context.Context, tx *store.Tx, key *vault.SubjectKey, id, field, old, reason string) error {
	rid := store.NewID()
	_, err := tx.ExecContext(ctx, `INSERT INTO rectifications (id, subject_id, field, old_value, reason, actor_id, at) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		rid, id, field, key.Seal(vault.Field{Table: "rectifications", Column: "old_value", Row: rid}, []byte(old)),
		key.Seal(vault.Field{Table: "rectifications", Column: "reason", Row: rid}, []byte(reason)),
		access.ActorID(ctx), store.Millis(tx.Now()))
	if err != nil {
		return fmt.Errorf("record rectification: %w", err)
	}
	return nil
}

// SetRestricted starts or lifts a restriction of processing (Art 18). Only
// those who manage rights requests may, and only with a reason (the Art
// 18(1) ground, or why it ends), which the person's history keeps.
func (s *Service) SetRestricted(ctx context.Context, id string, on bool, reason string) error {
	a, err := access.Require(ctx, access.PermRightsManage)
	if err != nil {
		return err
	}
	reason = strings.TrimSpace(reason)
	switch {
	case reason == "" && on:
		return apperr.New(apperr.Invalid, "Give the reason for the restriction: accuracy contested, processing unlawful, needed for legal claims, or an objection being weighed (Art 18(1)).")
	case reason == "":
		return apperr.New(apperr.Invalid, "Give the reason the restriction ends, and tell the person before it does (Art 18(3)).")
	case len(reason) > 2000:
		return apperr.New(apperr.Invalid, "The reason is longer than 2000 characters.")
	}
	return s.db.InTx(ctx, func(ctx context.Context, tx *store.Tx) error {
		r, err := s.inScopeForUpdate(ctx, a, access.PermRightsManage, id)
		if err != nil {
			return err
		}
		if r.restricted == on {
			return nil
		}
		key, err := s.vault.SubjectKey(ctx, id, false)
		if err != nil {
			return fmt.Errorf("person's key: %w", err)
		}
		old := "not restricted"
		if r.restricted {
			old = "restricted"
		}
		if err := writeHistory(ctx, tx, key, id, "restriction", old, reason); err != nil {
			return err
		}
		v := 0
		if on {
			v = 1
		}
		if _, err := tx.ExecContext(ctx, `UPDATE subjects SET restricted = $2, version = version + 1, updated_at = $3 WHERE id = $1`, id, v, store.Millis(tx.Now())); err != nil {
			return fmt.Errorf("restrict: %w", err)
		}
		action := "subject.restriction_lifted"
		if on {
			action = "subject.restricted"
		}
		return s.record(ctx, action, id, "", nil)
	})
}

// ChangedFields lists the fields of a person's record corrected since a
// moment, for a rectification request to show what was done. It reads
// their history and is audited as History is.
func (s *Service) ChangedFields(ctx context.Context, id string, since time.Time) ([]string, error) {
	changes, err := s.History(ctx, id)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, c := range changes {
		if !c.At.Before(since) && c.Field != "restriction" && !slices.Contains(out, c.Field) {
			out = append(out, c.Field)
		}
	}
	slices.Sort(out)
	return out, nil
}
