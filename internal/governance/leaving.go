package governance

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/stewardhq/steward/internal/access"
	"github.com/stewardhq/steward/internal/apperr"
	"github.com/stewardhq/steward/internal/store"
)

// Holding is something a leaver still holds: a member list not yet
// confirmed deleted, a rights request they logged that is still open, an
// open case. Ids and labels only (a list's purpose, a request's
// reference), never a member's details.
type Holding struct {
	Kind  string    `json:"kind" doc:"list, request or case"`
	ID    string    `json:"id"`
	Label string    `json:"label"`
	Since time.Time `json:"since,omitzero"`
	// Link is the page that deals with it, if there is one.
	Link string `json:"link,omitempty"`
}

// Holdings answers what an account still holds of one kind. The lists
// package (HeldBy), rights (OpenLoggedBy) and, later, cases are adapted to
// it when the app is wired; see HoldingsFunc.
type Holdings interface {
	Holdings(ctx context.Context, accountID string) ([]Holding, error)
}

// HoldingsFunc adapts a function to Holdings.
type HoldingsFunc func(ctx context.Context, accountID string) ([]Holding, error)

// Holdings calls f.
func (f HoldingsFunc) Holdings(ctx context.Context, accountID string) ([]Holding, error) {
	return f(ctx, accountID)
}

// Casework is what offboarding needs from casework (no cases package
// exists yet): the leaver's open cases, and handing them all to a
// successor, in the caller's transaction, returning how many moved.
type Casework interface {
	Holdings
	Reassign(ctx context.Context, fromAccountID, toAccountID string) (int, error)
}

// UseLists sets where a leaver's outstanding member lists come from.
func (s *Service) UseLists(h Holdings) { s.lists = h }

// UseRequests sets where a leaver's open rights requests come from.
func (s *Service) UseRequests(h Holdings) { s.requests = h }

// UseCases sets the casework the leaver's open cases are found in and
// handed over through.
func (s *Service) UseCases(c Casework) { s.cases = c }

// Item is one step of the offboarding checklist (rep's guide, "Leaving
// the role"; lay officers' plan, step 8).
type Item string

const (
	ItemReturnData    Item = "return_data"
	ItemDeleteCopies  Item = "delete_copies"
	ItemHandOver      Item = "hand_over_casework"
	ItemConfirmNoData Item = "confirm"
)

// ItemInfo describes a checklist step.
type ItemInfo struct {
	Item  Item   `json:"item"`
	Label string `json:"label"`
}

// Items lists the offboarding checklist in order.
func Items() []ItemInfo {
	return []ItemInfo{
		{ItemReturnData, "Equipment, loaned resources and paper records returned to the branch or the union"},
		{ItemDeleteCopies, "Data saved on personal devices copied back to the branch or union, then every copy (member lists included) deleted"},
		{ItemHandOver, "Open casework handed over to a successor or returned to the branch or region office (casework is kept six years after a case ends)"},
		{ItemConfirmNoData, "The leaver confirmed in writing that they hold no members' data any more"},
	}
}

func (i Item) info() (ItemInfo, bool) {
	for _, it := range Items() {
		if it.Item == i {
			return it, true
		}
	}
	return ItemInfo{}, false
}

// ItemRecord is a checklist step with when it was done and who recorded it.
type ItemRecord struct {
	ItemInfo
	Done       bool      `json:"done"`
	DoneOn     string    `json:"done_on,omitempty"`
	RecordedBy string    `json:"recorded_by,omitempty" doc:"Username of whoever recorded it"`
	RecordedAt time.Time `json:"recorded_at,omitzero"`
}

// Offboarding is a leaver's offboarding: the checklist and what they
// still hold.
type Offboarding struct {
	AccountID   string       `json:"account_id"`
	Username    string       `json:"username"`
	LeftOn      string       `json:"left_on"`
	StartedAt   time.Time    `json:"started_at"`
	StartedBy   string       `json:"started_by"`
	Items       []ItemRecord `json:"items"`
	Holdings    []Holding    `json:"holdings"`
	Complete    bool         `json:"complete"`
	CompletedAt time.Time    `json:"completed_at,omitzero"`
}

// ItemsDone counts the checklist steps recorded.
func (o *Offboarding) ItemsDone() int {
	n := 0
	for _, it := range o.Items {
		if it.Done {
			n++
		}
	}
	return n
}

// holdings gathers what an account still holds from every source wired.
func (s *Service) holdings(ctx context.Context, accountID string) ([]Holding, error) {
	out := []Holding{}
	for _, src := range []Holdings{s.lists, s.requests, s.cases} {
		if src == nil {
			continue
		}
		hs, err := src.Holdings(ctx, accountID)
		if apperr.Is(err, apperr.Forbidden) {
			// An administrator recording a leaving sees no member lists
			// or requests; the DPO sees them on the offboarding page.
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("what the leaver holds: %w", err)
		}
		out = append(out, hs...)
	}
	return out, nil
}

// Leave records that an account has left the role, on leftOn (today when
// empty). Access ends at once: personal data is held for good, every
// session ends, every token is revoked and sign-in is disabled (the
// leaver has nothing left to do in Steward: the checklist is recorded by
// the DPO from what the leaver returns and confirms). The DPO
// (governance:manage) or an administrator over the account
// (accounts:manage) may do it.
func (s *Service) Leave(ctx context.Context, accountID, leftOn string) (*Offboarding, error) {
	a := access.ActorFrom(ctx)
	if a == nil {
		return nil, apperr.New(apperr.Unauthenticated, "Please sign in.")
	}
	acc, err := s.access.StaffByID(ctx, accountID)
	if err != nil {
		return nil, err
	}
	now := s.db.Now()
	day, err := s.parseDate(leftOn, "leaving date", now)
	if err != nil {
		return nil, err
	}
	held, err := s.holdings(ctx, acc.ID)
	if err != nil {
		return nil, err
	}
	err = s.db.InTx(ctx, func(ctx context.Context, tx *store.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO governance_leavers (account_id, left_on, started_at, started_by) VALUES ($1, $2, $3, $4)`,
			acc.ID, day.String(), store.Millis(tx.Now()), a.AccountID)
		if store.IsUniqueViolation(err) {
			return apperr.New(apperr.Conflict, "%s has already left the role; their offboarding checklist is on their page.", acc.Username)
		}
		if err != nil {
			return fmt.Errorf("insert leaver: %w", err)
		}
		if err := s.access.EndStaffAccess(ctx, acc.ID, true); err != nil {
			return err
		}
		if hl, ok := s.lists.(holderLeft); ok {
			if _, err := hl.HolderLeft(ctx, acc.ID); err != nil {
				return err
			}
		}
		return s.record(ctx, "governance.leave", "account", acc.ID, map[string]string{"left_on": day.String(), "holdings": fmt.Sprint(len(held))})
	})
	if err != nil {
		return nil, err
	}
	o := &Offboarding{AccountID: acc.ID, Username: acc.Username, LeftOn: day.String(), StartedAt: now, StartedBy: a.Username, Holdings: held}
	for _, it := range Items() {
		o.Items = append(o.Items, ItemRecord{ItemInfo: it})
	}
	return o, nil
}

// Offboarding returns a leaver's offboarding, for the DPO.
func (s *Service) Offboarding(ctx context.Context, accountID string) (*Offboarding, error) {
	if _, err := requireManage(ctx); err != nil {
		return nil, err
	}
	acc, err := s.access.StaffByID(ctx, accountID)
	if err != nil {
		return nil, err
	}
	return s.offboarding(ctx, acc.ID, acc.Username)
}

func (s *Service) offboarding(ctx context.Context, accountID, username string) (*Offboarding, error) {
	q := s.db.Q(ctx)
	o := &Offboarding{AccountID: accountID, Username: username}
	var started int64
	var completed sql.NullInt64
	err := q.QueryRowContext(ctx, `SELECT left_on, started_at, started_by, completed_at FROM governance_leavers WHERE account_id = $1`, accountID).
		Scan(&o.LeftOn, &started, &o.StartedBy, &completed)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, apperr.New(apperr.NotFound, "%s has not left the role: start their leaving first.", username)
	}
	if err != nil {
		return nil, fmt.Errorf("load leaver: %w", err)
	}
	o.StartedAt, o.CompletedAt, o.Complete = store.FromMillis(started), store.NullMillis(completed), completed.Valid
	names, err := s.usernames(ctx)
	if err != nil {
		return nil, err
	}
	o.StartedBy = names.of(o.StartedBy)
	done := map[Item]ItemRecord{}
	rows, err := q.QueryContext(ctx, `SELECT item, done_on, recorded_by, recorded_at FROM governance_offboarding WHERE account_id = $1`, accountID)
	if err != nil {
		return nil, fmt.Errorf("load offboarding: %w", err)
	}
	for rows.Next() {
		var r ItemRecord
		var item string
		var at int64
		if err := rows.Scan(&item, &r.DoneOn, &r.RecordedBy, &at); err != nil {
			rows.Close()
			return nil, err
		}
		r.Done, r.RecordedAt, r.RecordedBy = true, store.FromMillis(at), names.of(r.RecordedBy)
		done[Item(item)] = r
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for _, it := range Items() {
		r := done[it.Item]
		r.ItemInfo = it
		o.Items = append(o.Items, r)
	}
	if o.Holdings, err = s.holdings(ctx, accountID); err != nil {
		return nil, err
	}
	return o, nil
}

type nameBook map[string]string

func (n nameBook) of(id string) string {
	if u, ok := n[id]; ok {
		return u
	}
	if id == access.SystemActorID {
		return "operator"
	}
	return id
}

func (s *Service) usernames(ctx context.Context) (nameBook, error) {
	accs, err := s.access.Staff(ctx)
	if err != nil {
		return nil, err
	}
	n := nameBook{}
	for _, a := range accs {
		n[a.ID] = a.Username
	}
	return n, nil
}

// RecordOffboarding records one checklist step as done on doneOn (today
// when empty). For the casework step, when casework is wired and the
// leaver has open cases, handTo names the account (username) that takes
// them over, and they are reassigned in the same transaction. When the
// last step is recorded the offboarding is complete.
func (s *Service) RecordOffboarding(ctx context.Context, accountID string, item Item, doneOn, handTo string) (*Offboarding, error) {
	a, err := requireManage(ctx)
	if err != nil {
		return nil, err
	}
	info, ok := item.info()
	if !ok {
		return nil, apperr.New(apperr.Invalid, "Unknown checklist step %q: use return_data, delete_copies, hand_over_casework or confirm.", item)
	}
	o, err := s.Offboarding(ctx, accountID)
	if err != nil {
		return nil, err
	}
	day, err := s.parseDate(doneOn, "date", s.db.Now())
	if err != nil {
		return nil, err
	}
	if day.String() < o.LeftOn && item != ItemReturnData {
		// Handing things back may start before the last day; deleting and
		// confirming are about what is left afterwards.
		return nil, apperr.New(apperr.Invalid, "%s is before the leaving date %s: give the day it was done, on or after the leaving date (only returning things may come earlier).", day, o.LeftOn)
	}
	var toID string
	if item == ItemHandOver && s.cases != nil && handTo != "" {
		successor, err := s.access.Actor(ctx, handTo, access.ViaSystem)
		if err != nil {
			return nil, apperr.New(apperr.Invalid, "Name the account that takes the casework over: %s", apperr.MessageOf(err))
		}
		if successor.AccountID == o.AccountID {
			return nil, apperr.New(apperr.Invalid, "The casework must go to someone other than the leaver.")
		}
		toID = successor.AccountID
	}
	if item == ItemHandOver && s.cases != nil && toID == "" {
		for _, h := range o.Holdings {
			if h.Kind == "case" {
				return nil, apperr.New(apperr.Invalid, "%s still has open cases: name the account that takes them over.", o.Username)
			}
		}
	}
	err = s.db.InTx(ctx, func(ctx context.Context, tx *store.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO governance_offboarding (account_id, item, done_on, recorded_by, recorded_at) VALUES ($1, $2, $3, $4, $5)`,
			o.AccountID, string(item), day.String(), a.AccountID, store.Millis(tx.Now()))
		if store.IsUniqueViolation(err) {
			return apperr.New(apperr.Conflict, "%q is already recorded for %s.", info.Label, o.Username)
		}
		if err != nil {
			return fmt.Errorf("insert checklist step: %w", err)
		}
		detail := map[string]string{"item": string(item), "done_on": day.String()}
		if toID != "" {
			n, err := s.cases.Reassign(ctx, o.AccountID, toID)
			if err != nil {
				return fmt.Errorf("hand over casework: %w", err)
			}
			detail["cases_reassigned"], detail["to_account_id"] = fmt.Sprint(n), toID
		}
		if err := s.record(ctx, "governance.offboarding_item", "account", o.AccountID, detail); err != nil {
			return err
		}
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM governance_offboarding WHERE account_id = $1`, o.AccountID).Scan(&n); err != nil {
			return fmt.Errorf("count checklist: %w", err)
		}
		if n < len(Items()) {
			return nil
		}
		if _, err := tx.ExecContext(ctx, `UPDATE governance_leavers SET completed_at = $2 WHERE account_id = $1`, o.AccountID, store.Millis(tx.Now())); err != nil {
			return fmt.Errorf("complete offboarding: %w", err)
		}
		return s.record(ctx, "governance.offboarding_complete", "account", o.AccountID, nil)
	})
	if err != nil {
		return nil, err
	}
	return s.offboarding(ctx, o.AccountID, o.Username)
}

// InProgress lists the leavers whose offboarding is not complete, with
// what they still hold, for the DPO's dashboard.
func (s *Service) InProgress(ctx context.Context) ([]Offboarding, error) {
	if _, err := requireManage(ctx); err != nil {
		return nil, err
	}
	ids, err := store.Strings(ctx, s.db.Q(ctx), `SELECT account_id FROM governance_leavers WHERE completed_at IS NULL ORDER BY started_at`)
	if err != nil {
		return nil, fmt.Errorf("list leavers: %w", err)
	}
	out := []Offboarding{}
	for _, id := range ids {
		o, err := s.Offboarding(ctx, id)
		if err != nil {
			return nil, err
		}
		out = append(out, *o)
	}
	return out, nil
}
