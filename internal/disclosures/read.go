package disclosures

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/stewardhq/steward/internal/access"
	"github.com/stewardhq/steward/internal/apperr"
	"github.com/stewardhq/steward/internal/store"
)

type sealed struct{ reference, reasoning, decision []byte }

func scan(sc interface{ Scan(...any) error }) (*Disclosure, *sealed, error) {
	var d Disclosure
	var sl sealed
	var basis, state, held, catJSON string
	var created int64
	var decidedBy sql.NullString
	var decidedAt sql.NullInt64
	if err := sc.Scan(&d.ID, &d.RecipientID, &d.RecipientName, &d.RecipientKind, &d.DisclosedOn, &basis, &d.CourtOrder, &d.Prejudice,
		&catJSON, &d.People, &sl.reference, &sl.reasoning, &sl.decision, &state, &held, &d.CreatedBy, &created, &decidedBy, &decidedAt); err != nil {
		return nil, nil, err
	}
	d.Basis, d.State, d.CreatedAt, d.DecidedBy = Basis(basis), State(state), store.FromMillis(created), decidedBy.String
	if held != "" {
		d.HeldFor = strings.Split(held, ",")
	}
	if decidedAt.Valid {
		d.DecidedAt = store.FromMillis(decidedAt.Int64)
	}
	if err := json.Unmarshal([]byte(catJSON), &d.Categories); err != nil {
		return nil, nil, fmt.Errorf("decode categories of disclosure %s: %w", d.ID, err)
	}
	return &d, &sl, nil
}

// visible is the condition that every person in d is within paths.
func visible(paths []string, first int) (string, []any) {
	where, args := access.ScopeWhere("ds.unit_path", paths, first)
	return `NOT EXISTS (SELECT 1 FROM disclosure_subjects ds WHERE ds.disclosure_id = d.id AND NOT ` + where + `)`, args
}

// load reads one disclosure the actor may see (every person in it within
// their disclosures:approve scope), or not_found.
func (s *Service) load(ctx context.Context, a *access.Actor, id string, lock bool) (*Disclosure, error) {
	where, args := visible(a.Scope(access.PermDisclosures), 2)
	q := `SELECT ` + cols + ` FROM disclosures d WHERE d.id = $1 AND ` + where
	if lock && s.db.TxFrom(ctx) != nil {
		q += s.db.Dialect().ForUpdate()
	}
	d, sl, err := scan(s.db.Q(ctx).QueryRowContext(ctx, q, append([]any{id}, args...)...))
	if err == sql.ErrNoRows {
		return nil, apperr.New(apperr.NotFound, "No disclosure with id %q.", id)
	}
	if err != nil {
		return nil, fmt.Errorf("read disclosure: %w", err)
	}
	if d.Reference, err = s.open(id, "reference", sl.reference); err != nil {
		return nil, err
	}
	if d.Reasoning, err = s.open(id, "reasoning", sl.reasoning); err != nil {
		return nil, err
	}
	if d.DecisionReason, err = s.open(id, "decision_reason", sl.decision); err != nil {
		return nil, err
	}
	return d, nil
}

// Get returns one disclosure with its people, its reference and its
// reasoning. Reading them is audited.
func (s *Service) Get(ctx context.Context, id string) (*Disclosure, error) {
	a, err := access.Require(ctx, access.PermDisclosures)
	if err != nil {
		return nil, err
	}
	var out *Disclosure
	err = s.db.InTx(ctx, func(ctx context.Context, tx *store.Tx) error {
		d, err := s.load(ctx, a, id, false)
		if err != nil {
			return err
		}
		rows, err := tx.QueryContext(ctx, `SELECT subject_id FROM disclosure_subjects WHERE disclosure_id = $1 ORDER BY subject_id`, id)
		if err != nil {
			return fmt.Errorf("read disclosure people: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var sid string
			if err := rows.Scan(&sid); err != nil {
				return err
			}
			d.SubjectIDs = append(d.SubjectIDs, sid)
		}
		if err := rows.Err(); err != nil {
			return err
		}
		out = d
		return s.record(ctx, "disclosure.read", id, "", map[string]string{"people": strconv.Itoa(len(d.SubjectIDs))})
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Filter narrows the log.
type Filter struct {
	State       State
	RecipientID string
}

// List returns the disclosures the actor may see, newest first, without
// their sealed fields or people.
func (s *Service) List(ctx context.Context, f Filter) ([]Disclosure, error) {
	a, err := access.Require(ctx, access.PermDisclosures)
	if err != nil {
		return nil, err
	}
	where, args := visible(a.Scope(access.PermDisclosures), 1)
	q := `SELECT ` + cols + ` FROM disclosures d WHERE ` + where
	if f.State != "" {
		args = append(args, string(f.State))
		q += ` AND d.state = $` + strconv.Itoa(len(args))
	}
	if f.RecipientID != "" {
		args = append(args, f.RecipientID)
		q += ` AND d.recipient_id = $` + strconv.Itoa(len(args))
	}
	q += ` ORDER BY d.created_at DESC, d.id DESC LIMIT 500`
	return s.list(ctx, q, args...)
}

func (s *Service) list(ctx context.Context, q string, args ...any) ([]Disclosure, error) {
	rows, err := s.db.Q(ctx).QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("list disclosures: %w", err)
	}
	defer rows.Close()
	var out []Disclosure
	for rows.Next() {
		d, _, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, *d)
	}
	return out, rows.Err()
}

// ForSubject lists the disclosures of one person, newest first, for their
// page: who received their data, when, what and on what basis (no
// reasoning). The actor needs subjects:read over the person; the read is
// audited. A disclosure marked as prejudicial to tell the person about (a
// police investigation) is listed only to those who hold
// disclosures:approve over them: a rep who sees the member every day is
// not shown it.
func (s *Service) ForSubject(ctx context.Context, subjectID string) ([]Disclosure, error) {
	a, err := access.Require(ctx, access.PermSubjectsRead)
	if err != nil {
		return nil, err
	}
	p, err := s.people.UnitPathOf(ctx, subjectID)
	if err != nil || !a.CanIn(access.PermSubjectsRead, p) {
		return nil, apperr.New(apperr.NotFound, "No person with id %q.", subjectID)
	}
	var out []Disclosure
	err = s.db.InTx(ctx, func(ctx context.Context, tx *store.Tx) error {
		all, err := s.forSubject(ctx, subjectID, "")
		if err != nil {
			return err
		}
		sees := a.CanIn(access.PermDisclosures, p)
		for _, d := range all {
			if !d.Prejudice || sees {
				out = append(out, d)
			}
		}
		return s.record(ctx, "disclosure.list_subject", "", subjectID, map[string]string{"count": strconv.Itoa(len(out))})
	})
	return out, err
}

func (s *Service) forSubject(ctx context.Context, subjectID string, state State) ([]Disclosure, error) {
	q := `SELECT ` + cols + ` FROM disclosures d JOIN disclosure_subjects ds ON ds.disclosure_id = d.id WHERE ds.subject_id = $1`
	args := []any{subjectID}
	if state != "" {
		q += ` AND d.state = $2`
		args = append(args, string(state))
	}
	return s.list(ctx, q+` ORDER BY d.disclosed_on DESC, d.id DESC`, args...)
}

// DisclosedTo names the recipients who received the person's data under
// an approved disclosure, in the order they first did, for erasure and
// rectification notices (Art 19). It runs inside the caller's transaction
// as the rights service's actor (rights:manage).
func (s *Service) DisclosedTo(ctx context.Context, subjectID string) ([]string, error) {
	a := access.ActorFrom(ctx)
	if a == nil || !(a.Can(access.PermRightsManage) || a.Can(access.PermDisclosures)) {
		return nil, apperr.New(apperr.Forbidden, "Reading who received a person's data needs rights:manage or disclosures:approve.")
	}
	p, err := s.people.UnitPathOf(ctx, subjectID)
	if err != nil || !(a.CanIn(access.PermRightsManage, p) || a.CanIn(access.PermDisclosures, p)) {
		return nil, apperr.New(apperr.NotFound, "No person with id %q.", subjectID)
	}
	list, err := s.forSubject(ctx, subjectID, StateApproved)
	if err != nil {
		return nil, err
	}
	var names []string
	for i := len(list) - 1; i >= 0; i-- {
		if n := list[i].RecipientName; !slices.Contains(names, n) {
			names = append(names, n)
		}
	}
	return names, nil
}

// FormOptions are what the form for a new disclosure offers.
type FormOptions struct {
	Recipients []RecipientChoice `json:"recipients"`
	Categories []CategoryRef     `json:"categories"`
	Bases      []BasisOption     `json:"bases"`
}

// RecipientChoice is a recipient with whether sharing with it waits for
// the DPO and why.
type RecipientChoice struct {
	ID      string   `json:"id"`
	Name    string   `json:"name"`
	Kind    string   `json:"kind"`
	HeldFor []string `json:"held_for,omitempty"`
}

// FormChoices lists recipients (with their holds today), categories and
// the bases, for whoever may log a disclosure.
func (s *Service) FormChoices(ctx context.Context) (*FormOptions, error) {
	if _, err := access.Require(ctx, access.PermDisclosures); err != nil {
		return nil, err
	}
	rcs, err := s.datamap.Recipients(mapReader(ctx))
	if err != nil {
		return nil, err
	}
	cats, err := s.datamap.Categories(mapReader(ctx))
	if err != nil {
		return nil, err
	}
	today := londonDay(s.db.Now())
	out := &FormOptions{Bases: Bases(), Recipients: []RecipientChoice{}, Categories: []CategoryRef{}}
	for _, r := range rcs {
		out.Recipients = append(out.Recipients, RecipientChoice{ID: r.ID, Name: r.Name, Kind: r.KindLabel(), HeldFor: Holds(r, today)})
	}
	for _, c := range cats {
		out.Categories = append(out.Categories, CategoryRef{ID: c.ID, Name: c.Name})
	}
	return out, nil
}

func nullStr(s string) sql.NullString { return sql.NullString{String: s, Valid: s != ""} }
