package lists

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/stewardhq/steward/internal/access"
	"github.com/stewardhq/steward/internal/apperr"
	"github.com/stewardhq/steward/internal/audit"
	"github.com/stewardhq/steward/internal/calendar"
	"github.com/stewardhq/steward/internal/consent"
	"github.com/stewardhq/steward/internal/store"
	"github.com/stewardhq/steward/internal/subjects"
)

// Consents tells who gave consent for a purpose ("newsletters",
// "campaigns", "surveys"): the map holds true for each subject id that
// has a consent in force. The consent service implements it.
type Consents interface {
	WithConsent(ctx context.Context, purpose string, subjectIDs []string) (map[string]bool, error)
}

// Suppressions is the direct-marketing suppression list, checked by the
// blind indexes the register holds (consent.Suppressions).
type Suppressions interface {
	SuppressedKeys(ctx context.Context, p consent.Purpose, people [][]consent.Key) ([]bool, error)
}

// Units names units (access.Service).
type Units interface {
	Unit(ctx context.Context, id string) (*access.Unit, error)
}

// Config holds the member lists' settings.
type Config struct {
	// Expiry is how long a holder may keep a list before they must
	// delete it and confirm they did (30 days when zero).
	Expiry time.Duration
	// StaleAfter is the age from which a list is too old to contact
	// people from: the rep's guide asks for a fresh download before any
	// communication (7 days when zero).
	StaleAfter time.Duration
}

// Service makes and records member lists.
type Service struct {
	db       *store.DB
	audit    *audit.Log
	people   *subjects.Service
	units    Units
	sup      Suppressions
	consents Consents
	cfg      Config
	// london gives the UK dates people are told (a file's name, an
	// access pack).
	london *time.Location
}

// New returns the member lists service. sup may be nil only where nobody
// can object to marketing (tests of other things); then nobody is dropped
// as suppressed.
func New(db *store.DB, al *audit.Log, people *subjects.Service, units Units, sup Suppressions, cfg Config) *Service {
	if cfg.Expiry <= 0 {
		cfg.Expiry = 30 * 24 * time.Hour
	}
	if cfg.StaleAfter <= 0 {
		cfg.StaleAfter = 7 * 24 * time.Hour
	}
	london, err := calendar.London()
	if err != nil {
		london = time.UTC // no time zone data: UTC dates are a day out at worst
	}
	return &Service{db: db, audit: al, people: people, units: units, sup: sup, cfg: cfg, london: london}
}

// day is the UK calendar date of t.
func (s *Service) day(t time.Time) string { return t.In(s.london).Format(time.DateOnly) }

// UseConsents sets where consents are kept. Until it is called nobody is
// left out of a list for want of consent, since none are recorded.
func (s *Service) UseConsents(c Consents) { s.consents = c }

// Config returns the settings in force.
func (s *Service) Config() Config { return s.cfg }

// List is the record of one member list. It holds no personal data: the
// people on it are in its own table, by id.
type List struct {
	ID           string    `json:"id"`
	Purpose      string    `json:"purpose"`
	PurposeLabel string    `json:"purpose_label"`
	Class        Class     `json:"class"`
	Fields       []Field   `json:"fields"`
	Format       Format    `json:"format"`
	HolderID     string    `json:"holder_id"`
	HolderName   string    `json:"holder_name"`
	HolderRole   string    `json:"holder_role"`
	UnitID       string    `json:"unit_id"`
	People       int       `json:"people"`
	BasedOn      string    `json:"based_on,omitempty"`
	ReplacedBy   string    `json:"replaced_by,omitempty"`
	CreatedAt    time.Time `json:"created_at"`
	ExpiresAt    time.Time `json:"expires_at"`
	// DeletedAt is when the holder confirmed deleting every copy.
	DeletedAt *time.Time `json:"deleted_at,omitempty"`
	DeletedBy string     `json:"deleted_by,omitempty"`
	// Outstanding: past its expiry and not confirmed deleted.
	Outstanding bool `json:"outstanding"`
	// Stale: older than the configured age, too old to contact people
	// from (download a fresh one).
	Stale bool `json:"stale"`
	// AgeDays is its age in whole days.
	AgeDays int `json:"age_days"`
}

// Held reports whether the holder has not yet confirmed deleting it.
func (l *List) Held() bool { return l.DeletedAt == nil }

// FieldLabels are the list's column headings, comma-separated.
func (l *List) FieldLabels() string { return Purpose{Fields: l.Fields}.FieldLabels() }

const listCols = `id, purpose, class, fields, format, holder_id, holder_name, holder_role, unit_id, unit_path, people,
	COALESCE(based_on, ''), COALESCE(replaced_by, ''), created_at, expires_at, deleted_at, COALESCE(deleted_by, '')`

type listRow struct {
	List
	unitPath string
}

func (s *Service) scanList(sc interface{ Scan(...any) error }, now time.Time) (*listRow, error) {
	var r listRow
	var fields, class, format string
	var created, expires int64
	var deleted sql.NullInt64
	err := sc.Scan(&r.ID, &r.Purpose, &class, &fields, &format, &r.HolderID, &r.HolderName, &r.HolderRole, &r.UnitID, &r.unitPath,
		&r.People, &r.BasedOn, &r.ReplacedBy, &created, &expires, &deleted, &r.DeletedBy)
	if err != nil {
		return nil, err
	}
	r.Class, r.Format = Class(class), Format(format)
	for _, f := range strings.Split(fields, ",") {
		if f != "" {
			r.Fields = append(r.Fields, Field(f))
		}
	}
	r.PurposeLabel = r.Purpose
	if p, err := PurposeByCode(r.Purpose); err == nil {
		r.PurposeLabel = p.Label
	}
	r.CreatedAt, r.ExpiresAt = store.FromMillis(created), store.FromMillis(expires)
	if deleted.Valid {
		t := store.FromMillis(deleted.Int64)
		r.DeletedAt = &t
	}
	r.Outstanding = r.DeletedAt == nil && !now.Before(r.ExpiresAt)
	age := now.Sub(r.CreatedAt)
	r.Stale = age >= s.cfg.StaleAfter
	r.AgeDays = int(age / (24 * time.Hour))
	return &r, nil
}

// query reads lists.
func (s *Service) query(ctx context.Context, where string, args ...any) ([]List, error) {
	rows, err := s.db.Q(ctx).QueryContext(ctx, `SELECT `+listCols+` FROM member_lists WHERE `+where+` ORDER BY created_at DESC, id DESC`, args...)
	if err != nil {
		return nil, fmt.Errorf("read member lists: %w", err)
	}
	defer rows.Close()
	now := s.db.Now()
	var out []List
	for rows.Next() {
		r, err := s.scanList(rows, now)
		if err != nil {
			return nil, fmt.Errorf("read member lists: %w", err)
		}
		out = append(out, r.List)
	}
	return out, rows.Err()
}

// load reads one list, or not_found.
func (s *Service) load(ctx context.Context, id string) (*listRow, error) {
	if !store.ValidID(id) {
		return nil, apperr.New(apperr.NotFound, "No member list with id %q.", id)
	}
	q := `SELECT ` + listCols + ` FROM member_lists WHERE id = $1`
	if tx := s.db.TxFrom(ctx); tx != nil {
		q += s.db.Dialect().ForUpdate()
	}
	r, err := s.scanList(s.db.Q(ctx).QueryRowContext(ctx, q, id), s.db.Now())
	if errors.Is(err, sql.ErrNoRows) {
		return nil, apperr.New(apperr.NotFound, "No member list with id %q.", id)
	}
	if err != nil {
		return nil, fmt.Errorf("read member list: %w", err)
	}
	return r, nil
}

// visible loads a list the actor may see: their own, or one in a unit
// where they approve disclosures (the DPO, an officer for their branch).
// Anyone else's list does not exist for them.
func (s *Service) visible(ctx context.Context, a *access.Actor, id string) (*listRow, error) {
	r, err := s.load(ctx, id)
	if err != nil {
		return nil, err
	}
	if r.HolderID != a.AccountID && !a.CanIn(access.PermDisclosures, r.unitPath) {
		return nil, apperr.New(apperr.NotFound, "No member list with id %q.", id)
	}
	return r, nil
}

// record appends an audit event about a list.
func (s *Service) record(ctx context.Context, action, listID, subjectID string, detail map[string]string) error {
	_, err := s.audit.Append(ctx, audit.Event{ActorID: access.ActorID(ctx), Action: action, Entity: "member_list",
		EntityID: listID, SubjectID: subjectID, Purpose: "member_list", Detail: detail})
	if err != nil {
		return fmt.Errorf("audit %s: %w", action, err)
	}
	return nil
}

func signedIn(ctx context.Context) (*access.Actor, error) {
	a := access.ActorFrom(ctx)
	if a == nil || a.AccountID == "" || a.AccountID == access.SystemActorID {
		return nil, apperr.New(apperr.Unauthenticated, "Please sign in as yourself: a member list is held by a person.")
	}
	return a, nil
}

// Emailable reports whether the list's purpose includes email addresses,
// so that its holder can send its people a message through the outbox.
func (l List) Emailable() bool { return slices.Contains(l.Fields, FieldEmail) }
