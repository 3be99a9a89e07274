package rights

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"log/slog"

	"github.com/stewardhq/steward/internal/access"
	"github.com/stewardhq/steward/internal/apperr"
	"github.com/stewardhq/steward/internal/audit"
	"github.com/stewardhq/steward/internal/calendar"
	"github.com/stewardhq/steward/internal/collect"
	"github.com/stewardhq/steward/internal/store"
	"github.com/stewardhq/steward/internal/vault"
)

// Config holds the organisation's choices for rights requests.
type Config struct {
	// Region is whose bank holidays the clock uses: the office that
	// handles requests (RULES C2-C3). Default england-and-wales.
	Region calendar.Region
	// ForwardDays is the internal hand-off to the DPO in working days
	// after receipt (a policy; RULES §9). Default 5.
	ForwardDays int
}

// Units finds units, for scope checks on intake.
type Units interface {
	Unit(ctx context.Context, id string) (*access.Unit, error)
	RootUnit(ctx context.Context) (*access.Unit, error)
}

// People is what the service needs of the register: whether a person is
// within the actor's scope, so a request is matched only to someone the
// matcher may see, and restricting their processing.
type People interface {
	UnitPathOf(ctx context.Context, subjectID string) (string, error)
	SetRestricted(ctx context.Context, subjectID string, on bool, reason string) error
}

// Service runs rights requests.
type Service struct {
	db     *store.DB
	vault  *vault.Vault
	audit  *audit.Log
	units  Units
	people People
	log    *slog.Logger
	cfg    Config
	// sources and the data map are set while wiring (Use, UseDataMap).
	sources []collect.Source
	systems Systems
	datamap DataMap
	// suppress and identify apply objections to direct marketing
	// (UseSuppressions); without them nothing is suppressed.
	suppress Suppressor
	identify Identifying
	// corrections shows what a rectification corrected (UseCorrections).
	corrections Corrections
	// disclosures names who actually received a person's data
	// (UseDisclosures); notices go to them as well as to the data map's
	// routine recipients.
	disclosures Disclosures
	// packTemplates are parsed once, here rather than for every pack.
	packTemplates *template.Template
}

// New returns the rights service.
func New(db *store.DB, v *vault.Vault, al *audit.Log, units Units, people People, log *slog.Logger, cfg Config) (*Service, error) {
	if cfg.Region == "" {
		cfg.Region = calendar.EnglandAndWales
	}
	if !cfg.Region.Valid() {
		return nil, fmt.Errorf("rights: region %q is not one of england-and-wales, scotland or northern-ireland", cfg.Region)
	}
	if cfg.ForwardDays == 0 {
		cfg.ForwardDays = calendar.ForwardWorkingDays
	}
	if cfg.ForwardDays < 1 || cfg.ForwardDays > calendar.MaxForwardWorkingDays {
		return nil, fmt.Errorf("rights: the hand-off to the DPO must be 1 to %d working days, not %d", calendar.MaxForwardWorkingDays, cfg.ForwardDays)
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	t, err := template.ParseFS(packTemplates, "templates/*.html")
	if err != nil {
		return nil, fmt.Errorf("rights: pack templates: %w", err)
	}
	return &Service{db: db, vault: v, audit: al, units: units, people: people, log: log, cfg: cfg, packTemplates: t}, nil
}

// Config returns the settings in force.
func (s *Service) Config() Config { return s.cfg }

func detailsField(id string) vault.Field {
	return vault.Field{Table: "rights_requests", Column: "details", Row: id}
}

func noteField(eventID string) vault.Field {
	return vault.Field{Table: "rights_events", Column: "note", Row: eventID}
}

// record appends an audit event about a request. The detail holds codes
// and dates only, never what anyone wrote.
func (s *Service) record(ctx context.Context, action string, r *row, detail map[string]string) error {
	_, err := s.audit.Append(ctx, audit.Event{ActorID: access.ActorID(ctx), Action: action, Entity: "rights_request",
		EntityID: r.id, SubjectID: r.subjectID.String, Detail: detail})
	if err != nil {
		return fmt.Errorf("audit %s: %w", action, err)
	}
	return nil
}

// refAlphabet has no letters or digits that are easily confused (0/O, 1/I/L).
const refAlphabet = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"

// newRef makes a receipt number such as "R-7K3F-9QXM": short enough to read
// over the phone, random so that it says nothing about how many requests
// the organisation gets.
func newRef() string {
	b := make([]byte, 8)
	rand.Read(b)
	out := []byte("R-")
	for i, c := range b {
		if i == 4 {
			out = append(out, '-')
		}
		out = append(out, refAlphabet[int(c)%len(refAlphabet)])
	}
	return string(out)
}

// row is a rights_requests row as stored.
type row struct {
	id, ref, kind, channel, requester, status, unitID, unitPath string
	subjectID                                                   sql.NullString
	receivedOn                                                  string
	loggedBy                                                    sql.NullString
	loggedAt                                                    int64
	forwardBy                                                   string
	acceptedBy                                                  sql.NullString
	acceptedAt                                                  sql.NullInt64
	idReq, idRec, authReq, authRec, feeReq, feeRec              sql.NullString
	clarReq, clarRec, extendedOn, unfounded, dueOn, outcome     sql.NullString
	closedAt                                                    sql.NullInt64
	duplicateOf                                                 sql.NullString
	itemsKey                                                    sql.NullString
	details                                                     []byte
	version                                                     int64
}

const rowCols = `id, ref, kind, channel, requester, status, unit_id, unit_path, subject_id, received_on, logged_by, logged_at, forward_by,
	accepted_by, accepted_at, id_requested_on, id_received_on, authority_requested_on, authority_received_on, fee_requested_on, fee_received_on,
	clarification_requested_on, clarification_received_on, extended_on, unfounded, due_on, outcome, closed_at, duplicate_of, items_key, details, version`

func scanRow(sc interface{ Scan(...any) error }) (*row, error) {
	r := &row{}
	err := sc.Scan(&r.id, &r.ref, &r.kind, &r.channel, &r.requester, &r.status, &r.unitID, &r.unitPath, &r.subjectID, &r.receivedOn,
		&r.loggedBy, &r.loggedAt, &r.forwardBy, &r.acceptedBy, &r.acceptedAt, &r.idReq, &r.idRec, &r.authReq, &r.authRec, &r.feeReq, &r.feeRec,
		&r.clarReq, &r.clarRec, &r.extendedOn, &r.unfounded, &r.dueOn, &r.outcome, &r.closedAt, &r.duplicateOf, &r.itemsKey, &r.details, &r.version)
	return r, err
}

func (r *row) dates() Dates {
	return Dates{IDRequested: r.idReq.String, IDReceived: r.idRec.String, AuthorityRequested: r.authReq.String,
		AuthorityReceived: r.authRec.String, FeeRequested: r.feeReq.String, FeeReceived: r.feeRec.String,
		ClarificationRequested: r.clarReq.String, ClarificationReceived: r.clarRec.String}
}

// request converts the row without its sealed details.
func (s *Service) request(r *row, today calendar.Date) Request {
	out := Request{ID: r.id, Ref: r.ref, Kind: Kind(r.kind), Channel: Channel(r.channel), Requester: Requester(r.requester),
		Status: Status(r.status), UnitID: r.unitID, SubjectID: r.subjectID.String, ReceivedOn: r.receivedOn, LoggedBy: r.loggedBy.String,
		LoggedAt: store.FromMillis(r.loggedAt), ForwardBy: r.forwardBy, AcceptedBy: r.acceptedBy.String, Dates: r.dates(),
		Extended: r.extendedOn.String, Unfounded: r.unfounded.String, DueOn: r.dueOn.String, Outcome: Outcome(r.outcome.String),
		DuplicateOf: r.duplicateOf.String, Version: r.version}
	if r.acceptedAt.Valid {
		out.AcceptedAt = store.FromMillis(r.acceptedAt.Int64)
	}
	if r.closedAt.Valid {
		out.ClosedAt = store.FromMillis(r.closedAt.Int64)
	}
	out.Clock = s.clock(r, today)
	return out
}

// requestKey is a request's own key, which seals everything about it.
func (s *Service) requestKey(ctx context.Context, id string) (*vault.SubjectKey, error) {
	key, err := s.vault.SubjectKey(ctx, id, false)
	if err != nil {
		return nil, fmt.Errorf("request key: %w", err)
	}
	return key, nil
}

// itemsKey is the key a request's collected copies are sealed under: a
// key of their own (so that an erasure can shred the copies of what it
// erased), or the request's for requests collated before copies had one.
// With create, a request without copies gets its own key. It is nil when
// there is none, or when it was shredded (in a database restored from
// before an erasure): then there are no readable copies.
func (s *Service) itemsKey(ctx context.Context, tx *store.Tx, r *row, create bool) (*vault.SubjectKey, error) {
	if !r.itemsKey.Valid {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM rights_items WHERE request_id = $1`, r.id).Scan(&n); err != nil {
			return nil, fmt.Errorf("count items: %w", err)
		}
		if n > 0 {
			return s.requestKey(ctx, r.id)
		}
		if !create {
			return nil, nil
		}
		id := store.NewID()
		if _, err := tx.ExecContext(ctx, `UPDATE rights_requests SET items_key = $2 WHERE id = $1`, r.id, id); err != nil {
			return nil, fmt.Errorf("set the items key: %w", err)
		}
		r.itemsKey = sql.NullString{String: id, Valid: true}
	}
	key, err := s.vault.SubjectKey(ctx, r.itemsKey.String, create)
	if errors.Is(err, vault.ErrShredded) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("items key: %w", err)
	}
	return key, nil
}

// open decrypts a row's details under the request's key.
func (s *Service) open(ctx context.Context, r *row) (*Details, error) {
	key, err := s.requestKey(ctx, r.id)
	if err != nil {
		return nil, err
	}
	plain, err := key.Open(detailsField(r.id), r.details)
	if err != nil {
		return nil, fmt.Errorf("open request %s: %w", r.id, err)
	}
	var d Details
	if err := json.Unmarshal(plain, &d); err != nil {
		return nil, fmt.Errorf("request %s details: %w", r.id, err)
	}
	return &d, nil
}

// load reads one request, locking it on PostgreSQL when lock is set.
func (s *Service) load(ctx context.Context, id string, lock bool) (*row, error) {
	if !store.ValidID(id) {
		return nil, apperr.New(apperr.NotFound, "No request with id %q.", id)
	}
	q := `SELECT ` + rowCols + ` FROM rights_requests WHERE id = $1`
	if lock {
		q += s.db.Dialect().ForUpdate()
	}
	r, err := scanRow(s.db.Q(ctx).QueryRowContext(ctx, q, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, apperr.New(apperr.NotFound, "No request with id %q.", id)
	}
	if err != nil {
		return nil, fmt.Errorf("load request: %w", err)
	}
	return r, nil
}

// visible reports whether the actor may see a request: a manager within
// their units, anyone who may log requests the ones they logged.
func visible(a *access.Actor, r *row) bool {
	if a.CanIn(access.PermRightsManage, r.unitPath) {
		return true
	}
	return a.CanIn(access.PermRightsLog, r.unitPath) && r.loggedBy.Valid && r.loggedBy.String == a.AccountID
}

// scoped loads a request the actor may see, and for a change (manage set)
// one they may manage, hiding the others as not found.
func (s *Service) scoped(ctx context.Context, a *access.Actor, id string, manage bool) (*row, error) {
	r, err := s.load(ctx, id, manage)
	if err != nil {
		return nil, err
	}
	if manage && !a.CanIn(access.PermRightsManage, r.unitPath) || !visible(a, r) {
		return nil, apperr.New(apperr.NotFound, "No request with id %q.", id)
	}
	return r, nil
}
