package subjects

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"

	"github.com/stewardhq/steward/internal/access"
	"github.com/stewardhq/steward/internal/apperr"
	"github.com/stewardhq/steward/internal/store"
)

// Create adds a person to a unit the actor may write in.
func (s *Service) Create(ctx context.Context, in Input) (*Subject, error) {
	a, err := access.Require(ctx, access.PermSubjectsWrite)
	if err != nil {
		return nil, err
	}
	if err := in.clean(); err != nil {
		return nil, err
	}
	unit, err := s.units.Unit(ctx, in.UnitID)
	if err != nil {
		return nil, apperr.New(apperr.Invalid, "Unknown unit %q: choose one of the units you can see.", in.UnitID)
	}
	if !a.CanIn(access.PermSubjectsWrite, unit.Path) {
		return nil, apperr.New(apperr.Forbidden, "You may not add people to %q.", unit.Name)
	}
	id := store.NewID()
	var out *Subject
	err = s.db.InTx(ctx, func(ctx context.Context, tx *store.Tx) error {
		var err error
		out, err = s.insert(ctx, tx, id, unit, in)
		if err != nil {
			return err
		}
		return s.record(ctx, "subject.create", id, "", map[string]string{"unit_id": unit.ID, "kind": string(in.Kind)})
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// insert writes a new person's rows in tx; the caller audits. The key is
// made first, in the key store: if the data transaction then fails, an
// unused key is left behind, which holds nothing.
func (s *Service) insert(ctx context.Context, tx *store.Tx, id string, unit *access.Unit, in Input) (*Subject, error) {
	key, err := s.vault.SubjectKey(ctx, id, true)
	if err != nil {
		return nil, fmt.Errorf("make key: %w", err)
	}
	plain, err := json.Marshal(in.Profile)
	if err != nil {
		return nil, err
	}
	sealed := key.Seal(profileField(id), plain)
	idx, err := s.indexes(in.Profile)
	if err != nil {
		return nil, err
	}
	mkey, err := s.membershipKey(in.Profile.MembershipNo)
	if err != nil {
		return nil, err
	}
	now := tx.Now()
	status := StatusActive
	if in.LeftOn != "" {
		status = StatusLeft
	}
	cu := s.childUntil(in.Profile.DateOfBirth, now)
	_, err = tx.ExecContext(ctx, `INSERT INTO subjects (id, unit_id, unit_path, kind, status, restricted, child_until, joined_on, left_on, interview_on, membership_key, profile, version, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, 0, $6, $7, $8, $9, $10, $11, 1, $12, $12)`,
		id, unit.ID, unit.Path, string(in.Kind), string(status), nullStr(cu), nullStr(in.JoinedOn), nullStr(in.LeftOn), nullStr(in.InterviewOn),
		mkey, sealed, store.Millis(now))
	if store.IsUniqueViolation(err) {
		return nil, apperr.New(apperr.Conflict, "Someone already has the membership number %q.", in.Profile.MembershipNo)
	}
	if err != nil {
		return nil, fmt.Errorf("insert person: %w", err)
	}
	if err := writeIndexes(ctx, tx, id, idx); err != nil {
		return nil, err
	}
	return &Subject{ID: id, UnitID: unit.ID, Kind: in.Kind, Status: status, Child: cu != "", JoinedOn: in.JoinedOn,
		LeftOn: in.LeftOn, InterviewOn: in.InterviewOn, Profile: in.Profile, Version: 1, CreatedAt: now, UpdatedAt: now}, nil
}

func nullStr(s string) sql.NullString { return sql.NullString{String: s, Valid: s != ""} }
