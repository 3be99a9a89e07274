package subjects

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/stewardhq/steward/internal/access"
	"github.com/stewardhq/steward/internal/apperr"
	"github.com/stewardhq/steward/internal/audit"
	"github.com/stewardhq/steward/internal/store"
	"github.com/stewardhq/steward/internal/vault"
)

// Units is what the register needs of the unit tree.
type Units interface {
	Unit(ctx context.Context, id string) (*access.Unit, error)
}

// Config holds the register's settings.
type Config struct {
	// ChildAge is the age under which a person counts as a child (RULES.md
	// section 4: 13 in the UK for online services; organisations may set
	// their own threshold for their processes).
	ChildAge int
}

// Service is the member register.
type Service struct {
	db    *store.DB
	vault *vault.Vault
	audit *audit.Log
	units Units
	log   *slog.Logger
	cfg   Config
}

// New returns the register service.
func New(db *store.DB, v *vault.Vault, al *audit.Log, units Units, log *slog.Logger, cfg Config) *Service {
	if cfg.ChildAge == 0 {
		cfg.ChildAge = 13
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Service{db: db, vault: v, audit: al, units: units, log: log, cfg: cfg}
}

func profileField(id string) vault.Field {
	return vault.Field{Table: "subjects", Column: "profile", Row: id}
}

// record appends an audit event about a person in ctx's transaction.
func (s *Service) record(ctx context.Context, action, subjectID, purpose string, detail map[string]string) error {
	_, err := s.audit.Append(ctx, audit.Event{ActorID: access.ActorID(ctx), Action: action, Entity: "subject",
		EntityID: subjectID, SubjectID: subjectID, Purpose: purpose, Detail: detail})
	if err != nil {
		return fmt.Errorf("audit %s: %w", action, err)
	}
	return nil
}

// childUntil is the day a person born on dob stops being a child, or ""
// when they already are not (or the date is unknown).
func (s *Service) childUntil(dob string, today time.Time) string {
	if dob == "" {
		return ""
	}
	born, err := time.Parse(time.DateOnly, dob)
	if err != nil {
		return ""
	}
	until := born.AddDate(s.cfg.ChildAge, 0, 0).Format(time.DateOnly)
	if until <= today.Format(time.DateOnly) {
		return ""
	}
	return until
}

// indexEntry is one blind index of a search or a lookup.
type indexEntry struct {
	kind string
	hash []byte
}

// personIndexes are a person's blind indexes, one per indexDefs entry in
// the same order, nil where the field is empty.
type personIndexes [numIndexes][]byte

// appendArgs appends the indexes as statement arguments, an absent one as
// NULL (so that people without a membership number never clash on its
// unique index).
func (x *personIndexes) appendArgs(args []any) []any {
	for _, h := range x {
		if h == nil {
			args = append(args, nil)
		} else {
			args = append(args, h)
		}
	}
	return args
}

// indexes computes the blind indexes of a profile. Names are indexed whole
// and by family name, so "Bloggs" and "Jo Bloggs" both find Jo Bloggs.
func (s *Service) indexes(p Profile) (personIndexes, error) {
	var out personIndexes
	for i, d := range indexDefs() {
		v := d.of(p)
		if v == "" {
			continue
		}
		h, err := s.vault.BlindIndex(d.vk, v)
		if err != nil {
			return out, fmt.Errorf("index %s: %w", d.kind, err)
		}
		out[i] = h
	}
	return out, nil
}

// indexDef is one blind index of a person: its kind, the column of
// subjects that holds it, the normaliser that makes equal values equal,
// the profile field it comes from ("" for the whole name) and how to read
// it from a profile.
type indexDef struct {
	kind, column string
	vk           vault.IndexKind
	field        string
	of           func(Profile) string
}

const numIndexes = 8

// indexDefs is the one list of what is searchable: writing indexes,
// searching, validating fields and keying imports all read it. It is an
// array so that the many calls in an import allocate nothing.
func indexDefs() [numIndexes]indexDef {
	return [numIndexes]indexDef{
		{"name", "ix_name", vault.IndexName, "", Profile.FullName},
		{"family", "ix_family", vault.IndexName, "family_name", func(p Profile) string { return p.FamilyName }},
		{"email", "ix_email", vault.IndexEmail, "email", func(p Profile) string { return p.Email }},
		{"phone", "ix_phone", vault.IndexPhone, "phone", func(p Profile) string { return p.Phone }},
		{"ni", "ix_ni", vault.IndexNINumber, "ni_number", func(p Profile) string { return p.NINumber }},
		{"dob", "ix_dob", vault.IndexDate, "date_of_birth", func(p Profile) string { return p.DateOfBirth }},
		// The membership number's index is also its uniqueness: the
		// column has a unique index, and imports update by it.
		{"membership", "membership_key", vault.IndexMembershipNo, "membership_no", func(p Profile) string { return p.MembershipNo }},
		{"postcode", "ix_postcode", vault.IndexPostcode, "postcode", func(p Profile) string { return p.Postcode }},
	}
}

// indexOfField finds the blind index of a profile field.
func indexOfField(field string) (indexDef, bool) {
	for _, d := range indexDefs() {
		if d.field == field && field != "" {
			return d, true
		}
	}
	return indexDef{}, false
}

// indexColumn is the subjects column holding a kind of blind index.
func indexColumn(kind string) (string, bool) {
	for _, d := range indexDefs() {
		if d.kind == kind {
			return d.column, true
		}
	}
	return "", false
}

func (s *Service) membershipKey(no string) ([]byte, error) {
	if no == "" {
		return nil, nil
	}
	return s.vault.BlindIndex(vault.IndexMembershipNo, no)
}

// indexColumns lists the index columns, comma-separated, in indexDefs
// order, for INSERT statements.
func indexColumns() string {
	var cols []string
	for _, d := range indexDefs() {
		cols = append(cols, d.column)
	}
	return strings.Join(cols, ", ")
}

// indexAssignments is "col = $first, ..." over the index columns in
// indexDefs order, for UPDATE statements written with $N parameters.
func indexAssignments(first int) string {
	var cols []string
	for i, def := range indexDefs() {
		cols = append(cols, fmt.Sprintf("%s = $%d", def.column, first+i))
	}
	return strings.Join(cols, ", ")
}

// row is a subjects row as stored.
type row struct {
	id, unitID, unitPath, kind, status string
	restricted                         bool
	childUntil, joined, left, interv   string
	profile                            []byte
	version, created, updated          int64
}

const rowCols = `id, unit_id, unit_path, kind, status, restricted, COALESCE(child_until, ''), COALESCE(joined_on, ''), COALESCE(left_on, ''), COALESCE(interview_on, ''), profile, version, created_at, updated_at`

// subject is the row's Subject without its (sealed) profile.
func (r *row) subject(today string) *Subject {
	return &Subject{ID: r.id, UnitID: r.unitID, Kind: Kind(r.kind), Status: Status(r.status), Restricted: r.restricted,
		Child: r.childUntil != "" && today < r.childUntil, JoinedOn: r.joined, LeftOn: r.left, InterviewOn: r.interv,
		Version: r.version, CreatedAt: store.FromMillis(r.created), UpdatedAt: store.FromMillis(r.updated)}
}

func scanRow(sc interface{ Scan(...any) error }) (*row, error) {
	var r row
	var restricted int64
	err := sc.Scan(&r.id, &r.unitID, &r.unitPath, &r.kind, &r.status, &restricted, &r.childUntil, &r.joined, &r.left, &r.interv, &r.profile, &r.version, &r.created, &r.updated)
	r.restricted = restricted != 0
	return &r, err
}

// loadRow reads a person's row; with lock, inside a write transaction, it
// also locks it (see lockSuffix).
func (s *Service) loadRow(ctx context.Context, id string, lock bool) (*row, error) {
	if !store.ValidID(id) {
		return nil, apperr.New(apperr.NotFound, "No person with id %q.", id)
	}
	r, err := scanRow(s.db.Q(ctx).QueryRowContext(ctx, `SELECT `+rowCols+` FROM subjects WHERE id = $1`+s.lockSuffix(ctx, lock), id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, apperr.New(apperr.NotFound, "No person with id %q.", id)
	}
	if err != nil {
		return nil, fmt.Errorf("load person: %w", err)
	}
	return r, nil
}

// open decrypts a row into a Subject. A shredded key yields an Erased
// subject with an empty profile rather than an error, so lists still work.
func (s *Service) open(ctx context.Context, r *row, today string) (*Subject, error) {
	sub := r.subject(today)
	key, err := s.vault.SubjectKey(ctx, r.id, false)
	if errors.Is(err, vault.ErrShredded) {
		sub.Erased = true
		return sub, nil
	}
	if err != nil {
		return nil, fmt.Errorf("open profile of %s: %w", r.id, err)
	}
	return sub, openProfile(sub, r, key)
}

// openProfile decrypts a row's profile into sub with the person's key, for
// callers that loaded many keys at once.
func openProfile(sub *Subject, r *row, key *vault.SubjectKey) error {
	plain, err := key.Open(profileField(r.id), r.profile)
	if err != nil {
		return fmt.Errorf("open profile of %s: %w", r.id, err)
	}
	if err := json.Unmarshal(plain, &sub.Profile); err != nil {
		return fmt.Errorf("decode profile of %s: %w", r.id, err)
	}
	return nil
}

// inScope loads a row the actor may act on with p, or not_found: a person
// outside the actor's units does not exist for them.
func (s *Service) inScope(ctx context.Context, a *access.Actor, p access.Permission, id string) (*row, error) {
	return s.scoped(ctx, a, p, id, false)
}

// inScopeForUpdate is inScope for a change: the row stays locked until the
// transaction ends.
func (s *Service) inScopeForUpdate(ctx context.Context, a *access.Actor, p access.Permission, id string) (*row, error) {
	return s.scoped(ctx, a, p, id, true)
}

func (s *Service) scoped(ctx context.Context, a *access.Actor, p access.Permission, id string, lock bool) (*row, error) {
	r, err := s.loadRow(ctx, id, lock)
	if err != nil {
		return nil, err
	}
	if !a.CanIn(p, r.unitPath) {
		return nil, apperr.New(apperr.NotFound, "No person with id %q.", id)
	}
	return r, nil
}

func itoa(n int) string { return strconv.Itoa(n) }

// lockSuffix locks the rows a change reads, so the change and the check it
// was based on (version, restriction, scope) cannot be overtaken by a
// concurrent change on PostgreSQL. Reads do not lock: a page of people must
// not hold up edits. SQLite has one writer anyway.
func (s *Service) lockSuffix(ctx context.Context, lock bool) string {
	if !lock || s.db.TxFrom(ctx) == nil {
		return ""
	}
	return s.db.Dialect().ForUpdate()
}

// UnitPathOf returns the unit path of a person, for other services' scope
// checks (a rights request matched to them, say). It reads nothing
// personal, so it is not audited.
func (s *Service) UnitPathOf(ctx context.Context, id string) (string, error) {
	r, err := s.loadRow(ctx, id, false)
	if err != nil {
		return "", err
	}
	return r.unitPath, nil
}
