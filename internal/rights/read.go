package rights

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/stewardhq/steward/internal/access"
	"github.com/stewardhq/steward/internal/store"
	"github.com/stewardhq/steward/internal/vault"
)

func isNoRows(err error) bool { return errors.Is(err, sql.ErrNoRows) }

// Event is one entry of a request's history.
type Event struct {
	Step      string    `json:"step"`
	StepLabel string    `json:"step_label"`
	On        string    `json:"on" doc:"The day it happened"`
	ActorID   string    `json:"actor_id,omitempty"`
	ActorName string    `json:"actor_name,omitempty" doc:"The account's username, when it still exists"`
	At        time.Time `json:"at" doc:"When it was recorded"`
	Note      string    `json:"note,omitempty"`
}

// Get returns a request with what the requester told us and its history.
// Opening it is a read of their personal data, so it is audited.
func (s *Service) Get(ctx context.Context, id string) (*Request, []Event, error) {
	a, err := access.Require(ctx, access.PermRightsLog)
	if err != nil {
		return nil, nil, err
	}
	var out *Request
	var events []Event
	err = s.db.InTx(ctx, func(ctx context.Context, tx *store.Tx) error {
		r, err := s.scoped(ctx, a, id, false)
		if err != nil {
			return err
		}
		d, err := s.open(ctx, r)
		if err != nil {
			return err
		}
		if events, err = s.history(ctx, r.id); err != nil {
			return err
		}
		req := s.request(r, londonDay(tx.Now()))
		req.Details = d
		if !a.CanIn(access.PermRightsManage, r.unitPath) {
			// Whoever logged it follows its progress, not the DPO's notes
			// (identity documents seen, reasons) or other requests.
			for i := range events {
				events[i].Note = ""
			}
			req.DuplicateOf = ""
		}
		out = &req
		return s.record(ctx, "rights.read", r, nil)
	})
	if err != nil {
		return nil, nil, err
	}
	return out, events, nil
}

func (s *Service) history(ctx context.Context, id string) ([]Event, error) {
	rows, err := s.db.Q(ctx).QueryContext(ctx, `SELECT e.id, e.step, e.on_day, COALESCE(e.actor_id, ''), COALESCE(a.username, ''), e.at, e.note
		FROM rights_events e LEFT JOIN accounts a ON a.id = e.actor_id WHERE e.request_id = $1 ORDER BY e.at, e.id`, id)
	if err != nil {
		return nil, fmt.Errorf("read history: %w", err)
	}
	defer rows.Close()
	type sealedEvent struct {
		Event
		id   string
		note []byte
	}
	var all []sealedEvent
	for rows.Next() {
		var e sealedEvent
		var at int64
		if err := rows.Scan(&e.id, &e.Step, &e.On, &e.ActorID, &e.ActorName, &at, &e.note); err != nil {
			return nil, fmt.Errorf("read history: %w", err)
		}
		e.At = store.FromMillis(at)
		e.StepLabel = EventLabel(e.Step)
		all = append(all, e)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows.Close()
	var out []Event
	var key *vault.SubjectKey // loaded once, at the first note
	for _, e := range all {
		if e.note != nil {
			if key == nil {
				if key, err = s.requestKey(ctx, id); err != nil {
					return nil, err
				}
			}
			plain, err := key.Open(noteField(e.id), e.note)
			if err != nil {
				return nil, fmt.Errorf("open note: %w", err)
			}
			e.Note = string(plain)
		}
		out = append(out, e.Event)
	}
	return out, nil
}

// Filter narrows the board.
type Filter struct {
	// Closed lists closed requests instead of the ones still running.
	Closed bool
	Limit  int
}

// List is the board: requests the actor may see, without what the
// requesters wrote (so listing them reads no one's personal data), the
// ones running first by the deadline that applies, so overdue ones lead;
// those waiting for identity or a fee, with no deadline yet, after them.
func (s *Service) List(ctx context.Context, f Filter) ([]Request, error) {
	a, err := access.Require(ctx, access.PermRightsLog)
	if err != nil {
		return nil, err
	}
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 500
	}
	// Managers see their units' requests; everyone else the ones they
	// logged. Both in SQL, so the limit counts only what is shown.
	manage, margs := access.ScopeWhere("unit_path", a.Scope(access.PermRightsManage), 1)
	logged, largs := access.ScopeWhere("unit_path", a.Scope(access.PermRightsLog), len(margs)+1)
	args := append(margs, largs...)
	args = append(args, a.AccountID)
	where := fmt.Sprintf("(%s OR (%s AND logged_by = $%d))", manage, logged, len(args))
	status := `status <> 'closed'`
	order := `due_on IS NULL, due_on, logged_at, id`
	if f.Closed {
		status, order = `status = 'closed'`, `closed_at DESC, id`
	}
	q := `SELECT ` + rowCols + ` FROM rights_requests WHERE ` + where + ` AND ` + status + ` ORDER BY ` + order + fmt.Sprintf(` LIMIT %d`, f.Limit)
	rows, err := s.db.Q(ctx).QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("list requests: %w", err)
	}
	defer rows.Close()
	today := londonDay(s.db.Now())
	var out []Request
	for rows.Next() {
		r, err := scanRow(rows)
		if err != nil {
			return nil, fmt.Errorf("list requests: %w", err)
		}
		if visible(a, r) {
			req := s.request(r, today)
			if !a.CanIn(access.PermRightsManage, r.unitPath) {
				req.DuplicateOf = ""
			}
			out = append(out, req)
		}
	}
	return out, rows.Err()
}

// EventLabel names a history step for people.
func EventLabel(step string) string {
	switch {
	case step == "logged":
		return "Received"
	case step == "accepted":
		return "Taken on by the DPO"
	case step == "matched":
		return "Matched to a person in the register"
	case step == "unmatched":
		return "Match to a person removed"
	case step == "extended":
		return "Deadline extended; the person was told why"
	case step == "collated":
		return "Data collected from Steward"
	case step == "pack_made":
		return "Response pack made"
	case step == "restricted":
		return "Processing restricted: stored only"
	case step == "lift_planned":
		return "Decided to end the restriction"
	case step == "restriction_lifted":
		return "Restriction ended"
	case step == "erased":
		return "Erasure carried out"
	case step == "marketing_stopped":
		return "Direct marketing stopped"
	case step == "rectified":
		return "Correction made; recipients to be told"
	case strings.HasPrefix(step, "closed:"):
		return "Closed: " + Outcome(strings.TrimPrefix(step, "closed:")).Label()
	}
	return Step(step).Label()
}
