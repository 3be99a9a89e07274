// Package disclosures is the disclosure log: every sharing of personal
// data outside the organisation (a processor, an employer, the police, a
// survey or mailing tool), with the recipient, the people, the data
// categories, the lawful basis or exemption, the written request's
// reference, who decided and why. Sharing with a recipient that has no
// current contract, or that is abroad without a recorded safeguard, is
// held until the DPO approves it. The log answers "who has received this
// person's data" for access requests (a collect.Source), for erasure and
// rectification notices (DisclosedTo) and, later, for breaches.
package disclosures

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/stewardhq/steward/internal/access"
	"github.com/stewardhq/steward/internal/apperr"
	"github.com/stewardhq/steward/internal/audit"
	"github.com/stewardhq/steward/internal/calendar"
	"github.com/stewardhq/steward/internal/datamap"
	"github.com/stewardhq/steward/internal/store"
	"github.com/stewardhq/steward/internal/vault"
)

// DataMap is what the log reads from the Art 30 record: recipients and
// data categories. The data map holds no personal data.
type DataMap interface {
	Recipient(ctx context.Context, id string) (*datamap.Recipient, error)
	Recipients(ctx context.Context) ([]datamap.Recipient, error)
	Categories(ctx context.Context) ([]datamap.Category, error)
}

// People tells where a person sits in the unit tree, without reading their
// record (subjects.Service does).
type People interface {
	UnitPathOf(ctx context.Context, id string) (string, error)
}

// Units gives the organisation's root unit (access.Service does): the
// DPO is who holds disclosures:approve and rights:manage over all of it.
type Units interface {
	RootUnit(ctx context.Context) (*access.Unit, error)
}

// Service keeps the disclosure log.
type Service struct {
	db      *store.DB
	vault   *vault.Vault
	audit   *audit.Log
	datamap DataMap
	people  People
	units   Units
}

// New returns the disclosure log service.
func New(db *store.DB, v *vault.Vault, al *audit.Log, dm DataMap, people People, units Units) *Service {
	return &Service{db: db, vault: v, audit: al, datamap: dm, people: people, units: units}
}

// CategoryRef is a data category as the log recorded it.
type CategoryRef struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// Disclosure is one entry of the log.
type Disclosure struct {
	ID            string        `json:"id"`
	RecipientID   string        `json:"recipient_id"`
	RecipientName string        `json:"recipient_name"`
	RecipientKind string        `json:"recipient_kind"`
	DisclosedOn   string        `json:"disclosed_on"`
	Basis         Basis         `json:"basis"`
	CourtOrder    bool          `json:"court_order"`
	Prejudice     bool          `json:"prejudice" doc:"Telling the person would prejudice the purpose of the exemption (for example a criminal investigation): a reviewer may withhold it from an access request"`
	Categories    []CategoryRef `json:"categories"`
	People        int           `json:"people"`
	// SubjectIDs are the people, filled in by Get.
	SubjectIDs []string `json:"subject_ids,omitempty"`
	// Reference, Reasoning and DecisionReason are opened by Get only.
	Reference      string    `json:"reference,omitempty"`
	Reasoning      string    `json:"reasoning,omitempty"`
	DecisionReason string    `json:"decision_reason,omitempty"`
	State          State     `json:"state"`
	HeldFor        []string  `json:"held_for,omitempty" doc:"Why the disclosure waits for the DPO: no_contract, no_safeguard"`
	CreatedBy      string    `json:"created_by"`
	CreatedAt      time.Time `json:"created_at"`
	DecidedBy      string    `json:"decided_by,omitempty"`
	DecidedAt      time.Time `json:"decided_at,omitzero"`
}

// BasisLabel is the basis in words.
func (d Disclosure) BasisLabel() string { return d.Basis.Label() }

// StateLabel is the state in words.
func (d Disclosure) StateLabel() string { return d.State.Label() }

// CategoryNames lists the categories' names, comma separated.
func (d Disclosure) CategoryNames() string {
	names := make([]string, len(d.Categories))
	for i, c := range d.Categories {
		names[i] = c.Name
	}
	return strings.Join(names, ", ")
}

// HeldForLabels says in words why the disclosure waits.
func (d Disclosure) HeldForLabels() []string {
	out := make([]string, len(d.HeldFor))
	for i, h := range d.HeldFor {
		out[i] = HoldLabel(h)
	}
	return out
}

func sealField(id, column string) vault.Field {
	return vault.Field{Table: "disclosures", Column: column, Row: id}
}

func (s *Service) seal(id, column, v string) ([]byte, error) {
	if v == "" {
		return nil, nil
	}
	return s.vault.SealSystem(sealField(id, column), []byte(v))
}

func (s *Service) open(id, column string, b []byte) (string, error) {
	if len(b) == 0 {
		return "", nil
	}
	pt, err := s.vault.OpenSystem(sealField(id, column), b)
	if err != nil {
		return "", err
	}
	return string(pt), nil
}

// mapReader is ctx with a reader of the data map: who records disclosures
// must pick recipients and categories without holding datamap:read (an
// officer does not), and the data map holds no personal data. The account
// stays the actor's, narrowed to datamap:read.
func mapReader(ctx context.Context) context.Context {
	a := access.ActorFrom(ctx)
	if a == nil {
		return ctx
	}
	return access.WithActor(ctx, &access.Actor{AccountID: a.AccountID, Username: a.Username, Via: access.ViaSystem,
		Grants: []access.Grant{{Role: access.RoleTrustee}}, TokenPerms: []access.Permission{access.PermDataMapRead}})
}

func (s *Service) record(ctx context.Context, action, id, subjectID string, detail map[string]string) error {
	_, err := s.audit.Append(ctx, audit.Event{ActorID: access.ActorID(ctx), Action: action, Entity: "disclosure",
		EntityID: id, SubjectID: subjectID, Purpose: "disclosure", Detail: detail})
	if err != nil {
		return fmt.Errorf("audit %s: %w", action, err)
	}
	return nil
}

func londonDay(t time.Time) string {
	if loc, err := calendar.London(); err == nil {
		t = t.In(loc)
	}
	return t.Format("2006-01-02")
}

// inUK reports whether a recipient's country is the UK (or unset, which
// the data map means as the UK).
func inUK(country string) bool {
	switch strings.ToLower(strings.TrimSpace(strings.TrimSuffix(country, "."))) {
	case "", "uk", "u.k", "united kingdom", "gb", "great britain", "england", "scotland", "wales", "northern ireland", "england and wales":
		return true
	}
	return false
}

// Holds says why sharing with r needs the DPO's approval first, as hold
// codes: none when its contract is current on today and it is in the UK
// or its transfer safeguard is recorded.
func Holds(r datamap.Recipient, today string) []string {
	var out []string
	if !r.ContractCurrent(today) {
		out = append(out, HoldNoContract)
	}
	if !inUK(r.Country) && strings.TrimSpace(r.Safeguard) == "" {
		out = append(out, HoldNoSafeguard)
	}
	return out
}

// Limits on what a disclosure holds.
const (
	maxPeople = 10000
	maxText   = 10000
	maxRef    = 500
)

// NewDisclosure is a disclosure to log.
type NewDisclosure struct {
	RecipientID string   `json:"recipient_id" doc:"A recipient from the data map"`
	SubjectIDs  []string `json:"subject_ids" doc:"The people whose data is shared, each within your scope"`
	CategoryIDs []string `json:"category_ids" doc:"The data categories shared, from the data map"`
	Basis       Basis    `json:"basis" doc:"Lawful basis or exemption code (see the catalogue)"`
	DisclosedOn string   `json:"disclosed_on,omitempty" doc:"YYYY-MM-DD; today when empty"`
	Reference   string   `json:"reference,omitempty" maxLength:"500" doc:"The written request's reference"`
	Reasoning   string   `json:"reasoning,omitempty" maxLength:"10000" doc:"Why sharing is justified; required for an exemption"`
	CourtOrder  bool     `json:"court_order,omitempty" doc:"A court order requires the disclosure"`
	Prejudice   bool     `json:"prejudice,omitempty" doc:"Telling the person would prejudice the exemption's purpose"`
}

func (in *NewDisclosure) clean(today string) error {
	in.RecipientID = strings.TrimSpace(in.RecipientID)
	if in.RecipientID == "" {
		return apperr.New(apperr.Invalid, "Choose the recipient from the data map (add them there first if they are missing).")
	}
	if _, ok := in.Basis.option(); !ok {
		return apperr.New(apperr.Invalid, "Choose the lawful basis or exemption the disclosure relies on.")
	}
	ids := make([]string, 0, len(in.SubjectIDs))
	for _, id := range in.SubjectIDs {
		id = strings.TrimSpace(id)
		if id == "" || slices.Contains(ids, id) {
			continue
		}
		if !store.ValidID(id) {
			return apperr.New(apperr.Invalid, "No person with id %q.", id)
		}
		ids = append(ids, id)
	}
	if len(ids) == 0 {
		return apperr.New(apperr.Invalid, "Choose the people whose data is shared.")
	}
	if len(ids) > maxPeople {
		return apperr.New(apperr.Invalid, "A disclosure can name at most %d people: split it.", maxPeople)
	}
	in.SubjectIDs = ids
	cats := make([]string, 0, len(in.CategoryIDs))
	for _, c := range in.CategoryIDs {
		if c = strings.TrimSpace(c); c != "" && !slices.Contains(cats, c) {
			cats = append(cats, c)
		}
	}
	if len(cats) == 0 {
		return apperr.New(apperr.Invalid, "Choose the categories of data shared.")
	}
	in.CategoryIDs = cats
	in.DisclosedOn = strings.TrimSpace(in.DisclosedOn)
	if in.DisclosedOn == "" {
		in.DisclosedOn = today
	}
	if _, err := calendar.ParseDate(in.DisclosedOn); err != nil {
		return apperr.New(apperr.Invalid, "The date of the disclosure must be YYYY-MM-DD.")
	}
	in.Reference, in.Reasoning = strings.TrimSpace(in.Reference), strings.TrimSpace(in.Reasoning)
	if len(in.Reference) > maxRef || len(in.Reasoning) > maxText {
		return apperr.New(apperr.Invalid, "The reference is limited to %d characters and the reasoning to %d.", maxRef, maxText)
	}
	if in.Basis.Exemption() {
		// 002 section 5.5: a request from the police must be in writing,
		// and without a court order the decision must be recorded with
		// its reasons.
		if in.Reference == "" {
			return apperr.New(apperr.Invalid, "A disclosure under an exemption needs the reference of the written request (a police data protection form, an HMRC notice, a court order).")
		}
		if in.Reasoning == "" {
			return apperr.New(apperr.Invalid, "A disclosure under an exemption needs the reasoning: why sharing is necessary and what failing to share would prejudice.")
		}
	}
	if in.Prejudice && !in.Basis.Exemption() {
		return apperr.New(apperr.Invalid, "Only a disclosure under an exemption (crime and taxation, legal proceedings) can be marked as prejudicial to tell the person about.")
	}
	return nil
}

// Create logs a disclosure. The actor needs disclosures:approve over every
// person in it. It is approved at once, with the actor as approver, when
// the recipient's contract is current and any transfer has a safeguard;
// otherwise it waits for the DPO (StatePending) and nothing may be shared
// until they approve. Bad input changes nothing.
func (s *Service) Create(ctx context.Context, in NewDisclosure) (*Disclosure, error) {
	a, err := access.Require(ctx, access.PermDisclosures)
	if err != nil {
		return nil, err
	}
	var out *Disclosure
	err = s.db.InTx(ctx, func(ctx context.Context, tx *store.Tx) error {
		today := londonDay(tx.Now())
		if err := in.clean(today); err != nil {
			return err
		}
		paths := make([]string, len(in.SubjectIDs))
		for i, id := range in.SubjectIDs {
			p, err := s.people.UnitPathOf(ctx, id)
			if err != nil || !a.CanIn(access.PermDisclosures, p) {
				return apperr.New(apperr.NotFound, "No person with id %q in your scope.", id)
			}
			paths[i] = p
		}
		rc, err := s.datamap.Recipient(mapReader(ctx), in.RecipientID)
		if apperr.Is(err, apperr.NotFound) {
			return apperr.New(apperr.Invalid, "No recipient with id %q in the data map.", in.RecipientID)
		}
		if err != nil {
			return err
		}
		all, err := s.datamap.Categories(mapReader(ctx))
		if err != nil {
			return err
		}
		var cats []CategoryRef
		for _, id := range in.CategoryIDs {
			i := slices.IndexFunc(all, func(c datamap.Category) bool { return c.ID == id })
			if i < 0 {
				return apperr.New(apperr.Invalid, "No data category with id %q in the data map.", id)
			}
			cats = append(cats, CategoryRef{ID: id, Name: all[i].Name})
		}
		d := &Disclosure{ID: store.NewID(), RecipientID: rc.ID, RecipientName: rc.Name, RecipientKind: rc.Kind,
			DisclosedOn: in.DisclosedOn, Basis: in.Basis, CourtOrder: in.CourtOrder, Prejudice: in.Prejudice,
			Categories: cats, People: len(in.SubjectIDs), SubjectIDs: in.SubjectIDs, Reference: in.Reference,
			Reasoning: in.Reasoning, HeldFor: Holds(*rc, today), CreatedBy: a.AccountID, CreatedAt: tx.Now()}
		d.State = StateApproved
		if len(d.HeldFor) > 0 {
			d.State = StatePending
		} else {
			d.DecidedBy, d.DecidedAt = a.AccountID, tx.Now()
		}
		ref, err := s.seal(d.ID, "reference", d.Reference)
		if err != nil {
			return err
		}
		why, err := s.seal(d.ID, "reasoning", d.Reasoning)
		if err != nil {
			return err
		}
		catJSON, _ := json.Marshal(cats)
		var decidedAt sql.NullInt64
		if d.State == StateApproved {
			decidedAt = sql.NullInt64{Int64: store.Millis(d.DecidedAt), Valid: true}
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO disclosures (id, recipient_id, recipient_name, recipient_kind, disclosed_on, basis,
			court_order, prejudice, categories, people, reference, reasoning, state, held_for, created_by, created_at, decided_by, decided_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)`,
			d.ID, d.RecipientID, d.RecipientName, d.RecipientKind, d.DisclosedOn, string(d.Basis), d.CourtOrder, d.Prejudice,
			string(catJSON), d.People, ref, why, string(d.State), strings.Join(d.HeldFor, ","), d.CreatedBy, store.Millis(d.CreatedAt),
			nullStr(d.DecidedBy), decidedAt)
		if err != nil {
			return fmt.Errorf("insert disclosure: %w", err)
		}
		for i, id := range in.SubjectIDs {
			if _, err := tx.ExecContext(ctx, `INSERT INTO disclosure_subjects (disclosure_id, subject_id, unit_path) VALUES ($1, $2, $3)`,
				d.ID, id, paths[i]); err != nil {
				return fmt.Errorf("insert disclosure person: %w", err)
			}
			detail := map[string]string{"recipient_id": rc.ID}
			if d.Prejudice {
				// The access log leaves this event out of what the person
				// is given (see access.AccessLogSource).
				detail["prejudice"] = "true"
			}
			if err := s.record(ctx, "disclosure.subject", d.ID, id, detail); err != nil {
				return err
			}
		}
		out = d
		return s.record(ctx, "disclosure.create", d.ID, "", map[string]string{"recipient_id": rc.ID, "basis": string(d.Basis),
			"state": string(d.State), "held_for": strings.Join(d.HeldFor, ","), "people": strconv.Itoa(d.People),
			"categories": strconv.Itoa(len(cats)), "court_order": strconv.FormatBool(d.CourtOrder)})
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// canDecide reports whether the actor is the DPO: disclosures:approve and
// rights:manage over the whole organisation. An officer granted on the
// root unit approves disclosures too, but is not the DPO, so
// disclosures:approve alone is not enough.
func (s *Service) canDecide(ctx context.Context, a *access.Actor) (bool, error) {
	root, err := s.units.RootUnit(ctx)
	if err != nil {
		return false, err
	}
	return a.CanIn(access.PermDisclosures, root.Path) && a.CanIn(access.PermRightsManage, root.Path), nil
}

// CanDecide reports whether the actor in ctx may approve or refuse held
// disclosures.
func (s *Service) CanDecide(ctx context.Context) bool {
	a := access.ActorFrom(ctx)
	if a == nil {
		return false
	}
	ok, err := s.canDecide(ctx, a)
	return err == nil && ok
}

// Decide approves or refuses a disclosure waiting for the DPO, with their
// reason (sealed). Only the DPO (disclosures:approve and rights:manage
// over the whole organisation) decides; a disclosure already decided is a conflict.
func (s *Service) Decide(ctx context.Context, id string, approve bool, reason string) (*Disclosure, error) {
	a, err := access.Require(ctx, access.PermDisclosures)
	if err != nil {
		return nil, err
	}
	ok, err := s.canDecide(ctx, a)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, apperr.New(apperr.Forbidden, "Only the data protection officer can approve or refuse a held disclosure: ask them to decide it (it is on their list of disclosures waiting for approval).")
	}
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return nil, apperr.New(apperr.Invalid, "Give the reason for the decision: it is the record of why the data was, or was not, shared.")
	}
	if len(reason) > maxText {
		return nil, apperr.New(apperr.Invalid, "The reason is limited to %d characters.", maxText)
	}
	state := StateRefused
	if approve {
		state = StateApproved
	}
	err = s.db.InTx(ctx, func(ctx context.Context, tx *store.Tx) error {
		d, err := s.load(ctx, a, id, true)
		if err != nil {
			return err
		}
		if d.State != StatePending {
			return apperr.New(apperr.Conflict, "This disclosure was already %s.", strings.ToLower(d.State.Label()))
		}
		sealed, err := s.seal(id, "decision_reason", reason)
		if err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `UPDATE disclosures SET state = $1, decision_reason = $2, decided_by = $3, decided_at = $4
			WHERE id = $5 AND state = 'pending'`, string(state), sealed, a.AccountID, store.Millis(tx.Now()), id)
		if err != nil {
			return fmt.Errorf("decide disclosure: %w", err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return apperr.New(apperr.Conflict, "This disclosure was decided meanwhile.")
		}
		return s.record(ctx, "disclosure."+map[bool]string{true: "approve", false: "refuse"}[approve], id, "",
			map[string]string{"recipient_id": d.RecipientID, "held_for": strings.Join(d.HeldFor, ",")})
	})
	if err != nil {
		return nil, err
	}
	return s.Get(ctx, id)
}

const cols = `d.id, d.recipient_id, d.recipient_name, d.recipient_kind, d.disclosed_on, d.basis, d.court_order, d.prejudice,
	d.categories, d.people, d.reference, d.reasoning, d.decision_reason, d.state, d.held_for, d.created_by, d.created_at, d.decided_by, d.decided_at`
