package subjects

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/stewardhq/steward/internal/access"
	"github.com/stewardhq/steward/internal/apperr"
	"github.com/stewardhq/steward/internal/store"
	"github.com/stewardhq/steward/internal/vault"
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
	p, err := s.sealNew(key, unit, in, tx.Now())
	if err != nil {
		return nil, err
	}
	err = insertPeople(ctx, tx, []*newPerson{p})
	if store.IsUniqueViolation(err) {
		return nil, apperr.New(apperr.Conflict, msgMembershipInUse)
	}
	if err != nil {
		return nil, err
	}
	return p.subject(), nil
}

// newPerson is a new person in stored form. Sealing and hashing are done
// before the transaction, so an import can spread them over every core.
type newPerson struct {
	id, childUntil string
	unit           *access.Unit
	in             Input
	status         Status
	now            time.Time
	sealed         []byte
	idx            personIndexes
}

// sealNew computes a new person's stored form under their key.
func (s *Service) sealNew(key *vault.SubjectKey, unit *access.Unit, in Input, now time.Time) (*newPerson, error) {
	id := key.Subject()
	plain, err := json.Marshal(in.Profile)
	if err != nil {
		return nil, err
	}
	p := &newPerson{id: id, unit: unit, in: in, status: StatusActive, now: now,
		childUntil: s.childUntil(in.Profile.DateOfBirth, now), sealed: key.Seal(profileField(id), plain)}
	if in.LeftOn != "" {
		p.status = StatusLeft
	}
	if p.idx, err = s.indexes(in.Profile); err != nil {
		return nil, err
	}
	return p, nil
}

func (p *newPerson) subject() *Subject {
	return &Subject{ID: p.id, UnitID: p.unit.ID, Kind: p.in.Kind, Status: p.status, Child: p.childUntil != "", JoinedOn: p.in.JoinedOn,
		LeftOn: p.in.LeftOn, InterviewOn: p.in.InterviewOn, Profile: p.in.Profile, Version: 1, CreatedAt: p.now, UpdatedAt: p.now}
}

// insertPeople writes new people, blind indexes included, with one
// prepared statement: Create passes one person, an import a whole batch.
// (Multi-row INSERTs were tried and were slower on SQLite: a statement
// that writes many rows keeps a journal of every page it touches so that it
// can undo itself alone.)
func insertPeople(ctx context.Context, tx *store.Tx, people []*newPerson) error {
	q := `INSERT INTO subjects (id, unit_id, unit_path, kind, status, child_until, joined_on, left_on, interview_on, profile, created_at, updated_at, ` +
		indexColumns() + `, restricted, version) VALUES (` + placeholders(tx.Dialect(), 1, 12+numIndexes) + `, 0, 1)`
	st, err := tx.PrepareContext(ctx, q)
	if err != nil {
		return fmt.Errorf("insert people: %w", err)
	}
	defer st.Close()
	args := make([]any, 0, 12+numIndexes)
	for _, p := range people {
		args = append(args[:0], p.id, p.unit.ID, p.unit.Path, string(p.in.Kind), string(p.status), nullStr(p.childUntil),
			nullStr(p.in.JoinedOn), nullStr(p.in.LeftOn), nullStr(p.in.InterviewOn), p.sealed, store.Millis(p.now), store.Millis(p.now))
		if _, err := st.ExecContext(ctx, p.idx.appendArgs(args)...); err != nil {
			return fmt.Errorf("insert people: %w", err)
		}
	}
	return nil
}

func nullStr(s string) sql.NullString { return sql.NullString{String: s, Valid: s != ""} }
