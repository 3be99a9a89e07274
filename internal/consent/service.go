package consent

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/stewardhq/steward/internal/access"
	"github.com/stewardhq/steward/internal/apperr"
	"github.com/stewardhq/steward/internal/audit"
	"github.com/stewardhq/steward/internal/store"
	"github.com/stewardhq/steward/internal/vault"
)

// Person is what the consent service knows of someone in the register
// without opening their profile.
type Person struct {
	ID       string
	UnitPath string
	// ChildUntil is the day the person stops being a child under the
	// organisation's threshold (YYYY-MM-DD), "" for an adult or an unknown
	// date of birth.
	ChildUntil string
}

// ChildOn reports whether the person is a child on day (YYYY-MM-DD).
func (p Person) ChildOn(day string) bool { return p.ChildUntil != "" && day < p.ChildUntil }

// Contact is a person's first name and what the suppression list
// recognises them by; an erased person has neither.
type Contact struct {
	FirstName   string
	Identifiers Identifiers
	Erased      bool
}

// Register is what consent needs of the member register (subjects.Service
// implements it; consent cannot import subjects, which imports consent).
type Register interface {
	// ConsentFacts returns unit paths and child status by id, unknown
	// ids left out. Not audited: it opens nothing.
	ConsentFacts(ctx context.Context, ids []string) (map[string]Person, error)
	// ConsentContact opens a person's first name and identifiers for an
	// actor holding consent:record or rights:manage on their unit, and
	// audits the read for purpose.
	ConsentContact(ctx context.Context, id, purpose string) (*Contact, error)
	// ConsentMatch finds the people holding blind indexes of an email,
	// phone or membership kind, keyed by string(index).
	ConsentMatch(ctx context.Context, kind vault.IndexKind, ixs [][]byte) (map[string][]string, error)
}

// Config holds the consent settings.
type Config struct {
	// LinkLifetime is how long a preference link works: 30 days when
	// zero.
	LinkLifetime time.Duration
	// UnsubscribeLifetime is how long a one-click unsubscribe link works:
	// a year when zero. It sits in a marketing message the person may
	// open long after it came, and it can only stop marketing to them.
	UnsubscribeLifetime time.Duration
}

// Service records consents, withdrawals and opt-outs, answers who has
// consented to what, and runs the preference centre.
type Service struct {
	db       *store.DB
	vault    *vault.Vault
	audit    *audit.Log
	sup      *Suppressions
	reg      Register
	tokenKey []byte
	cfg      Config
}

// New returns the consent service over the suppression list and the
// register.
func New(db *store.DB, v *vault.Vault, al *audit.Log, sup *Suppressions, reg Register, cfg Config) *Service {
	if cfg.LinkLifetime <= 0 {
		cfg.LinkLifetime = 30 * 24 * time.Hour
	}
	if cfg.UnsubscribeLifetime <= 0 {
		cfg.UnsubscribeLifetime = 365 * 24 * time.Hour
	}
	return &Service{db: db, vault: v, audit: al, sup: sup, reg: reg, tokenKey: v.SystemKey("consent-link"), cfg: cfg}
}

// Suppressions returns the suppression list the service records
// objections on.
func (s *Service) Suppressions() *Suppressions { return s.sup }

var (
	recordPerms = []access.Permission{access.PermConsentRecord}
	readPerms   = []access.Permission{access.PermConsentRecord, access.PermRightsManage}
	listPerms   = []access.Permission{access.PermListsRequest, access.PermConsentRecord}
)

// canAny reports whether a holds one of perms on the unit.
func canAny(a *access.Actor, perms []access.Permission, unitPath string) bool {
	for _, p := range perms {
		if a.CanIn(p, unitPath) {
			return true
		}
	}
	return false
}

// person loads someone the actor may act on with one of perms, or
// not_found: a person out of scope does not exist for the actor.
func (s *Service) person(ctx context.Context, a *access.Actor, perms []access.Permission, id string) (Person, error) {
	notFound := apperr.New(apperr.NotFound, "No person with id %q.", id)
	if !store.ValidID(id) {
		return Person{}, notFound
	}
	got, err := s.reg.ConsentFacts(ctx, []string{id})
	if err != nil {
		return Person{}, err
	}
	p, ok := got[id]
	if !ok || !canAny(a, perms, p.UnitPath) {
		return Person{}, notFound
	}
	return p, nil
}

// Guardian is the parent or guardian who gave or authorised a child's
// consent (Art 8(1)).
type Guardian struct {
	Name         string `json:"name" maxLength:"200"`
	Relationship string `json:"relationship" maxLength:"100" doc:"Their relationship to the child: mother, father, legal guardian..."`
}

func (g *Guardian) clean() (*Guardian, error) {
	if g == nil {
		return nil, nil
	}
	out := &Guardian{Name: strings.TrimSpace(g.Name), Relationship: strings.TrimSpace(g.Relationship)}
	if out.Name == "" && out.Relationship == "" {
		return nil, nil
	}
	if out.Name == "" || out.Relationship == "" {
		return nil, apperr.New(apperr.Invalid, "Give both the parent or guardian's name and their relationship to the child.")
	}
	if utf8.RuneCountInString(out.Name) > 200 || utf8.RuneCountInString(out.Relationship) > 100 {
		return nil, apperr.New(apperr.Invalid, "The parent or guardian's name (up to 200 characters) or relationship (up to 100) is too long.")
	}
	return out, nil
}

// RecordInput is one act of giving or withdrawing consent.
type RecordInput struct {
	Purpose string `json:"purpose" enum:"newsletters,campaigns,surveys,photos,website,research"`
	// Given must be said: true for consent given, false for withdrawn.
	// Nothing is assumed, as no box may come ticked.
	Given     *bool     `json:"given" required:"true"`
	Channel   Channel   `json:"channel" enum:"web,paper,email,phone,in_person,import"`
	WordingID string    `json:"wording_id,omitempty" doc:"The id of the wording version the person was shown; required when consent is given"`
	Guardian  *Guardian `json:"guardian,omitempty" doc:"For a child under the organisation's age threshold: the parent or guardian who gave consent"`
}

// Event is one recorded act of giving or withdrawing consent.
type Event struct {
	ID             string    `json:"id"`
	SubjectID      string    `json:"subject_id"`
	Purpose        string    `json:"purpose"`
	Given          bool      `json:"given"`
	At             time.Time `json:"at"`
	Channel        Channel   `json:"channel"`
	WordingID      string    `json:"wording_id,omitempty"`
	WordingVersion int       `json:"wording_version,omitempty"`
	ActorID        string    `json:"actor_id,omitempty" doc:"The account that captured it; 'system' for the preference centre and unsubscribe links"`
	Guardian       *Guardian `json:"guardian,omitempty"`
	ImportID       string    `json:"import_id,omitempty"`
}

// PurposeLabel names the event's purpose in words.
func (e Event) PurposeLabel() string {
	if p, err := PurposeOf(e.Purpose); err == nil {
		return p.Label
	}
	return e.Purpose
}

// Record records a consent given or withdrawn for a person, with its
// evidence, and audits it. Giving needs the wording version shown and, for
// a child, the parent or guardian; giving consent to marketing for someone
// who objected to it lifts their suppression, which only the DPO may do
// (or the person themselves, in the preference centre).
func (s *Service) Record(ctx context.Context, subjectID string, in RecordInput) (*Event, error) {
	a, err := requireAny(ctx, recordPerms)
	if err != nil {
		return nil, err
	}
	if err := in.Channel.check(false); err != nil {
		return nil, err
	}
	var out *Event
	err = s.db.InTx(ctx, func(ctx context.Context, tx *store.Tx) error {
		p, err := s.person(ctx, a, recordPerms, subjectID)
		if err != nil {
			return err
		}
		out, err = s.record(ctx, tx, p, in, "")
		return err
	})
	return out, err
}

// record checks and writes one event inside tx.
func (s *Service) record(ctx context.Context, tx *store.Tx, p Person, in RecordInput, importID string) (*Event, error) {
	info, err := PurposeOf(in.Purpose)
	if err != nil {
		return nil, err
	}
	if in.Given == nil {
		return nil, apperr.New(apperr.Invalid, "Say whether the person gave or withdrew consent for %s: nothing is assumed, and no box comes ticked.", strings.ToLower(info.Label))
	}
	g, err := in.Guardian.clean()
	if err != nil {
		return nil, err
	}
	ev := &Event{ID: store.NewID(), SubjectID: p.ID, Purpose: info.Code, Given: *in.Given, At: tx.Now(), Channel: in.Channel,
		ActorID: access.ActorID(ctx), ImportID: importID}
	if ev.Given {
		if strings.TrimSpace(in.WordingID) == "" {
			return nil, apperr.New(apperr.Invalid, "Say which wording the person was shown when they agreed to %s: consent without the words it answered cannot be demonstrated.", strings.ToLower(info.Label))
		}
		w, err := s.wording(ctx, in.WordingID)
		if err != nil {
			return nil, err
		}
		if w.Purpose != info.Code {
			return nil, apperr.New(apperr.Invalid, "The wording shown is for %s, not for %s: record the wording the person was asked about.", w.Purpose, info.Code)
		}
		ev.WordingID, ev.WordingVersion = w.ID, w.Version
		if p.ChildOn(tx.Now().Format(time.DateOnly)) {
			if g == nil {
				return nil, apperr.New(apperr.Invalid, "This person is a child under the organisation's age threshold: their consent must be given or authorised by a parent or guardian. Record the parent or guardian's name and relationship.")
			}
			ev.Guardian = g
		}
		if info.Marketing() {
			if err := s.optBackIn(ctx, tx, p, in.Channel, ev.ID); err != nil {
				return nil, err
			}
		}
	} else {
		if in.WordingID != "" {
			// A withdrawal made against the words shown keeps them too.
			w, err := s.wording(ctx, in.WordingID)
			if err != nil {
				return nil, err
			}
			if w.Purpose == info.Code {
				ev.WordingID, ev.WordingVersion = w.ID, w.Version
			}
		}
		ev.Guardian = g
	}
	var sealed []byte
	if ev.Guardian != nil {
		plain, _ := json.Marshal(ev.Guardian)
		if sealed, err = s.vault.Seal(ctx, p.ID, guardianField(ev.ID), plain); errors.Is(err, vault.ErrShredded) {
			return nil, apperr.New(apperr.Conflict, "This person has been erased: no consent can be recorded for them.")
		} else if err != nil {
			return nil, fmt.Errorf("seal guardian: %w", err)
		}
	}
	given := 0
	if ev.Given {
		given = 1
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO consent_events (id, subject_id, unit_path, purpose, given, at, channel, wording_id, actor_id, guardian, import_id)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`, ev.ID, p.ID, p.UnitPath, ev.Purpose, given, store.Millis(ev.At), string(ev.Channel),
		nullStr(ev.WordingID), nullStr(ev.ActorID), sealed, nullStr(importID)); err != nil {
		return nil, fmt.Errorf("record consent: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO consent_current (subject_id, purpose, event_id, given, at, unit_path) VALUES ($1, $2, $3, $4, $5, $6)
		ON CONFLICT (purpose, subject_id) DO UPDATE SET event_id = excluded.event_id, given = excluded.given, at = excluded.at, unit_path = excluded.unit_path`,
		p.ID, ev.Purpose, ev.ID, given, store.Millis(ev.At), p.UnitPath); err != nil {
		return nil, fmt.Errorf("record consent: %w", err)
	}
	action := "consent.withdraw"
	if ev.Given {
		action = "consent.give"
	}
	detail := map[string]string{"purpose": ev.Purpose, "channel": string(ev.Channel)}
	if ev.WordingID != "" {
		detail["wording"] = ev.WordingID
	}
	if ev.Guardian != nil {
		detail["guardian"] = "recorded"
	}
	if importID != "" {
		detail["import"] = importID
	}
	if _, err := s.audit.Append(ctx, audit.Event{ActorID: ev.ActorID, Action: action, Entity: "consent", EntityID: ev.ID, SubjectID: p.ID,
		Purpose: "consent", Detail: detail}); err != nil {
		return nil, fmt.Errorf("audit %s: %w", action, err)
	}
	return ev, nil
}

func guardianField(eventID string) vault.Field {
	return vault.Field{Table: "consent_events", Column: "guardian", Row: eventID}
}

// optBackIn lifts a person's marketing suppression when they give consent
// to a marketing purpose. Only their own word lifts it: the preference
// centre, or the DPO recording what they said.
func (s *Service) optBackIn(ctx context.Context, tx *store.Tx, p Person, ch Channel, eventID string) error {
	c, err := s.reg.ConsentContact(ctx, p.ID, "consent")
	if err != nil {
		return err
	}
	if c.Erased {
		return apperr.New(apperr.Conflict, "This person has been erased: no consent can be recorded for them.")
	}
	keys, err := s.sup.keys(c.Identifiers)
	if err != nil || len(keys) == 0 {
		// Identifiers the list cannot read cannot be suppressed either.
		return nil
	}
	found, err := s.sup.active(ctx, PurposeMarketing, keys)
	if err != nil || len(found) == 0 {
		return err
	}
	src := SourceStaff
	if ch == ChannelPreferences {
		if ctx.Value(noLiftKey{}) != nil {
			return apperr.New(apperr.Invalid, "Nothing was changed. You asked us to stop all marketing, and only the organisation's data protection officer can restart it: ask them for a new link to your preferences, or tell them you want marketing again.")
		}
		src = SourcePreferences
	} else if !access.ActorFrom(ctx).Can(access.PermRightsManage) {
		return apperr.New(apperr.Forbidden, "This person objected to direct marketing and is on the suppression list. Only the data protection officer can record them opting back in: pass what they said on to the DPO, or send them their preference link.")
	}
	_, err = s.sup.lift(ctx, tx, LiftInput{Purpose: PurposeMarketing, Identifiers: c.Identifiers, Source: src, Reference: eventID, SubjectID: p.ID})
	return err
}

// OptOutInput is an opt-out told through any channel.
type OptOutInput struct {
	// Purpose is a consent purpose, or all_marketing for the objection to
	// direct marketing (every marketing purpose, and the suppression list).
	Purpose string  `json:"purpose" enum:"newsletters,campaigns,surveys,photos,website,research,all_marketing"`
	Channel Channel `json:"channel" enum:"web,paper,email,phone,in_person,import"`
}

// OptOut records an opt-out: a withdrawal of the purpose, or for all
// marketing a withdrawal of every marketing purpose and the person's
// identifiers put on the suppression list, which outlives their erasure.
// Operational and democratic messages are not affected.
func (s *Service) OptOut(ctx context.Context, subjectID string, in OptOutInput) ([]Event, error) {
	a, err := requireAny(ctx, recordPerms)
	if err != nil {
		return nil, err
	}
	if err := in.Channel.check(false); err != nil {
		return nil, err
	}
	var out []Event
	err = s.db.InTx(ctx, func(ctx context.Context, tx *store.Tx) error {
		p, err := s.person(ctx, a, recordPerms, subjectID)
		if err != nil {
			return err
		}
		out, err = s.optOut(ctx, tx, p, in.Purpose, in.Channel, "")
		return err
	})
	return out, err
}

func (s *Service) optOut(ctx context.Context, tx *store.Tx, p Person, purpose string, ch Channel, importID string) ([]Event, error) {
	no := false
	codes := []string{purpose}
	if purpose == AllMarketing {
		codes = MarketingPurposes()
	} else if _, err := PurposeOf(purpose); err != nil {
		return nil, apperr.New(apperr.Invalid, "%s Or all_marketing to stop all marketing.", apperr.MessageOf(err))
	}
	cur, err := s.current(ctx, p.ID)
	if err != nil {
		return nil, err
	}
	var out []Event
	for _, code := range codes {
		if st, ok := cur[code]; ok && !st {
			continue // already withdrawn: a second click records nothing new
		}
		ev, err := s.record(ctx, tx, p, RecordInput{Purpose: code, Given: &no, Channel: ch}, importID)
		if err != nil {
			return nil, err
		}
		out = append(out, *ev)
	}
	if purpose != AllMarketing {
		return out, nil
	}
	c, err := s.reg.ConsentContact(ctx, p.ID, "consent")
	if err != nil {
		return nil, err
	}
	if c.Erased || c.Identifiers.empty() {
		return out, nil
	}
	ref := importID
	if ref == "" && len(out) > 0 {
		ref = out[0].ID
	}
	if err := s.sup.suppressUnchecked(ctx, tx, SuppressInput{Purpose: PurposeMarketing, Identifiers: c.Identifiers, Source: ch.source(),
		Reference: ref, SubjectID: p.ID}); err != nil {
		return nil, err
	}
	return out, nil
}

// State is where a person stands on one purpose.
type State struct {
	PurposeInfo
	// Known is false when nothing was ever recorded: no consent.
	Known   bool      `json:"known"`
	Given   bool      `json:"given"`
	At      time.Time `json:"at,omitzero"`
	Channel Channel   `json:"channel,omitempty"`
}

// Panel is a person's consents: the current state per purpose, the full
// history, and whether they are on the suppression list.
type Panel struct {
	SubjectID  string  `json:"subject_id"`
	Child      bool    `json:"child"`
	Suppressed bool    `json:"suppressed" doc:"On the suppression list for marketing: no marketing of any kind"`
	States     []State `json:"states"`
	History    []Event `json:"history"`
}

// Panel reads a person's consents, for staff holding consent:record or
// rights:manage on their unit; the read is audited.
func (s *Service) Panel(ctx context.Context, subjectID string) (*Panel, error) {
	a, err := requireAny(ctx, readPerms)
	if err != nil {
		return nil, err
	}
	var out *Panel
	err = s.db.InTx(ctx, func(ctx context.Context, tx *store.Tx) error {
		p, err := s.person(ctx, a, readPerms, subjectID)
		if err != nil {
			return err
		}
		out, err = s.panel(ctx, tx, p)
		if err != nil {
			return err
		}
		_, err = s.audit.Append(ctx, audit.Event{ActorID: access.ActorID(ctx), Action: "consent.read", Entity: "subject", EntityID: p.ID,
			SubjectID: p.ID, Purpose: "consent", Detail: map[string]string{"events": strconv.Itoa(len(out.History))}})
		return err
	})
	return out, err
}

func (s *Service) panel(ctx context.Context, tx *store.Tx, p Person) (*Panel, error) {
	hist, err := s.history(ctx, p.ID)
	if err != nil {
		return nil, err
	}
	out := &Panel{SubjectID: p.ID, Child: p.ChildOn(tx.Now().Format(time.DateOnly)), History: hist}
	latest := map[string]Event{}
	for _, e := range hist {
		latest[e.Purpose] = e // history is oldest first
	}
	for _, info := range Catalogue() {
		st := State{PurposeInfo: info}
		if e, ok := latest[info.Code]; ok {
			st.Known, st.Given, st.At, st.Channel = true, e.Given, e.At, e.Channel
		}
		out.States = append(out.States, st)
	}
	c, err := s.reg.ConsentContact(ctx, p.ID, "consent")
	if err != nil {
		return nil, err
	}
	if !c.Erased {
		if keys, err := s.sup.keys(c.Identifiers); err == nil && len(keys) > 0 {
			found, err := s.sup.active(ctx, PurposeMarketing, keys)
			if err != nil {
				return nil, err
			}
			out.Suppressed = len(found) > 0
		}
	}
	return out, nil
}

// history reads a person's events oldest first, guardians opened.
func (s *Service) history(ctx context.Context, subjectID string) ([]Event, error) {
	rows, err := s.db.Q(ctx).QueryContext(ctx, `SELECT e.id, e.purpose, e.given, e.at, e.channel, COALESCE(e.wording_id, ''), COALESCE(w.version, 0),
		COALESCE(e.actor_id, ''), e.guardian, COALESCE(e.import_id, '')
		FROM consent_events e LEFT JOIN consent_wordings w ON w.id = e.wording_id WHERE e.subject_id = $1 ORDER BY e.at, e.id`, subjectID)
	if err != nil {
		return nil, fmt.Errorf("read consents: %w", err)
	}
	defer rows.Close()
	var out []Event
	for rows.Next() {
		e := Event{SubjectID: subjectID}
		var given, at int64
		var ch string
		var sealed []byte
		if err := rows.Scan(&e.ID, &e.Purpose, &given, &at, &ch, &e.WordingID, &e.WordingVersion, &e.ActorID, &sealed, &e.ImportID); err != nil {
			return nil, fmt.Errorf("read consents: %w", err)
		}
		e.Given, e.At, e.Channel = given == 1, store.FromMillis(at), Channel(ch)
		if len(sealed) > 0 {
			plain, err := s.vault.Open(ctx, subjectID, guardianField(e.ID), sealed)
			switch {
			case errors.Is(err, vault.ErrShredded):
				e.Guardian = &Guardian{Name: "(erased)", Relationship: "(erased)"}
			case err != nil:
				return nil, fmt.Errorf("open guardian: %w", err)
			default:
				e.Guardian = &Guardian{}
				if err := json.Unmarshal(plain, e.Guardian); err != nil {
					return nil, fmt.Errorf("decode guardian: %w", err)
				}
			}
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// withChunk bounds the ids of one WithConsent statement.
const withChunk = 1000

// WithConsent reports, for the ids given, which have a current consent for
// the purpose: true for those, absent or false for everyone else
// (including people out of the caller's scope and unknown ids). The
// caller needs lists:request or consent:record; ids are checked in batches
// so a list of 100,000 people costs a few hundred queries. One audit event
// records the check with counts.
func (s *Service) WithConsent(ctx context.Context, purpose string, subjectIDs []string) (map[string]bool, error) {
	a, err := requireAny(ctx, listPerms)
	if err != nil {
		return nil, err
	}
	if _, err := PurposeOf(purpose); err != nil {
		return nil, err
	}
	facts, err := s.reg.ConsentFacts(ctx, subjectIDs)
	if err != nil {
		return nil, err
	}
	var inScope []any
	for _, id := range subjectIDs {
		if p, ok := facts[id]; ok && canAny(a, listPerms, p.UnitPath) {
			inScope = append(inScope, id)
		}
	}
	out := make(map[string]bool, len(inScope))
	q := s.db.Q(ctx)
	for lo := 0; lo < len(inScope); lo += withChunk {
		chunk := inScope[lo:min(lo+withChunk, len(inScope))]
		var sb strings.Builder
		sb.WriteString(`SELECT subject_id FROM consent_current WHERE purpose = $1 AND given = 1 AND subject_id IN (`)
		for i := range chunk {
			if i > 0 {
				sb.WriteString(", ")
			}
			sb.WriteString(s.db.Dialect().Param(i + 2))
		}
		sb.WriteString(")")
		rows, err := q.QueryContext(ctx, sb.String(), append([]any{purpose}, chunk...)...)
		if err != nil {
			return nil, fmt.Errorf("check consents: %w", err)
		}
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return nil, fmt.Errorf("check consents: %w", err)
			}
			out[id] = true
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, fmt.Errorf("check consents: %w", err)
		}
	}
	err = s.db.InTx(ctx, func(ctx context.Context, tx *store.Tx) error {
		_, err := s.audit.Append(ctx, audit.Event{ActorID: a.AccountID, Action: "consent.check", Entity: "consent", Purpose: "consent",
			Detail: map[string]string{"purpose": purpose, "asked": strconv.Itoa(len(subjectIDs)), "in_scope": strconv.Itoa(len(inScope)), "given": strconv.Itoa(len(out))}})
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("audit consent check: %w", err)
	}
	return out, nil
}

// current is the person's current state per purpose recorded.
func (s *Service) current(ctx context.Context, subjectID string) (map[string]bool, error) {
	rows, err := s.db.Q(ctx).QueryContext(ctx, `SELECT purpose, given FROM consent_current WHERE subject_id = $1`, subjectID)
	if err != nil {
		return nil, fmt.Errorf("read consents: %w", err)
	}
	defer rows.Close()
	out := map[string]bool{}
	for rows.Next() {
		var p string
		var g int64
		if err := rows.Scan(&p, &g); err != nil {
			return nil, fmt.Errorf("read consents: %w", err)
		}
		out[p] = g == 1
	}
	return out, rows.Err()
}
