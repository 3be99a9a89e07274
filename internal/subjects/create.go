package subjects

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
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
	mkey, sealed   []byte
	idx            []indexEntry
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
	if p.mkey, err = s.membershipKey(in.Profile.MembershipNo); err != nil {
		return nil, err
	}
	return p, nil
}

func (p *newPerson) subject() *Subject {
	return &Subject{ID: p.id, UnitID: p.unit.ID, Kind: p.in.Kind, Status: p.status, Child: p.childUntil != "", JoinedOn: p.in.JoinedOn,
		LeftOn: p.in.LeftOn, InterviewOn: p.in.InterviewOn, Profile: p.in.Profile, Version: 1, CreatedAt: p.now, UpdatedAt: p.now}
}

// Rows per multi-row INSERT: 13 parameters a person, 3 an index row, both
// well under the engines' limits on bound parameters (SQLite 32766).
const (
	peoplePerInsert  = 500
	indexesPerInsert = 2000
)

// insertPeople writes new people and their blind indexes with multi-row
// INSERTs: Create passes one person, an import a whole batch, and both go
// through the same statement shape.
func insertPeople(ctx context.Context, tx *store.Tx, people []*newPerson) error {
	for lo := 0; lo < len(people); lo += peoplePerInsert {
		chunk := people[lo:min(lo+peoplePerInsert, len(people))]
		args := make([]any, 0, 13*len(chunk))
		for _, p := range chunk {
			args = append(args, p.id, p.unit.ID, p.unit.Path, string(p.in.Kind), string(p.status), nullStr(p.childUntil),
				nullStr(p.in.JoinedOn), nullStr(p.in.LeftOn), nullStr(p.in.InterviewOn), p.mkey, p.sealed, store.Millis(p.now), store.Millis(p.now))
		}
		q := values(tx.Dialect(), `INSERT INTO subjects (id, unit_id, unit_path, kind, status, child_until, joined_on, left_on, interview_on, membership_key, profile, created_at, updated_at, restricted, version) VALUES `,
			len(chunk), 13, ", 0, 1")
		if _, err := tx.ExecContext(ctx, q, args...); err != nil {
			return fmt.Errorf("insert people: %w", err)
		}
	}
	var args []any
	flush := func() error {
		if len(args) == 0 {
			return nil
		}
		q := values(tx.Dialect(), `INSERT INTO subject_index (kind, hash, subject_id) VALUES `, len(args)/3, 3, "")
		if _, err := tx.ExecContext(ctx, q, args...); err != nil {
			return fmt.Errorf("write indexes: %w", err)
		}
		args = args[:0]
		return nil
	}
	// Index rows are written in key order: their keys are hashes, so in
	// file order each would land on a random page of the index, while in
	// order a batch walks the index once.
	type entry struct {
		indexEntry
		id string
	}
	var all []entry
	for _, p := range people {
		for i, e := range p.idx {
			if !dupIndex(p.idx[:i], e) {
				all = append(all, entry{e, p.id})
			}
		}
	}
	slices.SortFunc(all, func(a, b entry) int {
		if c := strings.Compare(a.kind, b.kind); c != 0 {
			return c
		}
		return bytes.Compare(a.hash, b.hash)
	})
	for _, e := range all {
		args = append(args, e.kind, e.hash, e.id)
		if len(args) >= 3*indexesPerInsert {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	return flush()
}

// dupIndex reports whether e is already among earlier entries (a person
// whose family name is their whole name has one "name" value twice over).
func dupIndex(earlier []indexEntry, e indexEntry) bool {
	for _, o := range earlier {
		if o.kind == e.kind && string(o.hash) == string(e.hash) {
			return true
		}
	}
	return false
}

// values appends n groups of width placeholders to prefix, numbered on
// from 1, each group ending with the literal SQL in suffix.
func values(d store.Dialect, prefix string, n, width int, suffix string) string {
	var sb strings.Builder
	sb.Grow(len(prefix) + n*(width*6+len(suffix)+4))
	sb.WriteString(prefix)
	for i := range n {
		if i > 0 {
			sb.WriteByte(',')
		}
		sb.WriteByte('(')
		base := i * width
		for j := 1; j <= width; j++ {
			if j > 1 {
				sb.WriteString(", ")
			}
			sb.WriteString(d.Param(base + j))
		}
		sb.WriteString(suffix)
		sb.WriteByte(')')
	}
	return sb.String()
}

func nullStr(s string) sql.NullString { return sql.NullString{String: s, Valid: s != ""} }
