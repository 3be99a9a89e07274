package rights

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/stewardhq/steward/internal/access"
	"github.com/stewardhq/steward/internal/apperr"
	"github.com/stewardhq/steward/internal/collect"
	"github.com/stewardhq/steward/internal/datamap"
	"github.com/stewardhq/steward/internal/store"
)

// Exceptions lists the grounds an erasure request may keep an item under
// (Art 17(3)), the commonest for a membership organisation first.
func Exceptions() []Exemption {
	return []Exemption{"legal_claims", "legal_obligation", "public_interest", "freedom_of_expression", "public_health", "archiving"}
}

func exceptionList() string {
	var out []string
	for _, e := range Exceptions() {
		out = append(out, string(e))
	}
	return strings.Join(out, ", ")
}

// exceptionLabel names an Art 17(3) exception; "" if e is not one.
func exceptionLabel(e Exemption) string {
	switch e {
	case "legal_claims":
		return "Needed for legal claims: casework, a claim or a tribunal (Art 17(3)(e))"
	case "legal_obligation":
		return "Needed to comply with a legal obligation (Art 17(3)(b))"
	case "public_interest":
		return "Needed for a task in the public interest or official authority (Art 17(3)(b))"
	case "freedom_of_expression":
		return "Freedom of expression and information (Art 17(3)(a))"
	case "public_health":
		return "Public health (Art 17(3)(c))"
	case "archiving":
		return "Archiving in the public interest, research or statistics (Art 17(3)(d))"
	}
	return ""
}

// erasable reports whether the source of that name can erase its items.
func (s *Service) erasable(source string) bool {
	for _, src := range s.sources {
		if src.Name() == source {
			_, ok := src.(collect.Eraser)
			return ok
		}
	}
	return false
}

// erased reports whether a request's erasure has been carried out.
func (s *Service) erased(ctx context.Context, requestID string) (bool, error) {
	var n int
	err := s.db.Q(ctx).QueryRowContext(ctx, `SELECT COUNT(*) FROM rights_events WHERE request_id = $1 AND step = 'erased'`, requestID).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("check for the erasure: %w", err)
	}
	return n > 0, nil
}

// reviewed returns a request's items once every one has a decision and
// every search task is done, and says what is missing otherwise.
func (s *Service) reviewed(ctx context.Context, tx *store.Tx, r *row, choices string) ([]Item, error) {
	key, err := s.itemsKey(ctx, tx, r, false)
	if err != nil {
		return nil, err
	}
	items, err := s.items(ctx, key, r.id)
	if err != nil {
		return nil, err
	}
	rkey, err := s.requestKey(ctx, r.id)
	if err != nil {
		return nil, err
	}
	tasks, err := s.tasks(ctx, rkey, r.id)
	if err != nil {
		return nil, err
	}
	if len(items) == 0 {
		return nil, apperr.New(apperr.Conflict, "Collect the person's data first (or close the request as \"nothing held\").")
	}
	undecided, open := 0, 0
	for _, it := range items {
		if it.Decision == "" {
			undecided++
		}
	}
	for _, t := range tasks {
		if !t.Done && t.Kind != TaskNotify {
			open++
		}
	}
	if undecided > 0 {
		return nil, apperr.New(apperr.Conflict, "%d of %d items have no decision yet: %s each one first.", undecided, len(items), choices)
	}
	if open > 0 {
		return nil, apperr.New(apperr.Conflict, "%d search tasks for systems Steward cannot search are still open: finish them (and add what they found) first.", open)
	}
	return items, nil
}

// ErasureReport says what an erasure did.
type ErasureReport struct {
	Erased int `json:"erased"`
	Kept   int `json:"kept"`
	// Notices are the recipients to tell (Art 19), as tasks.
	Notices int `json:"notices"`
}

// CarryOut erases what an erasure request decided to erase, once every
// item has its decision (erase, or keep under an Art 17(3) exception) and
// every search task is done. Each source shreds the keys of what goes,
// so no copy stays readable, in backups either. The request's own copies
// of the erased items go the same way: they are re-sealed without the
// erased data under a new key, and the old key is shredded. What the
// request keeps is what honouring it needs: which items went, which
// stayed and why. Each recipient of the person's data in the data map
// becomes a task: tell them (Art 19). Running it again after a failure
// finishes the work.
func (s *Service) CarryOut(ctx context.Context, id string, version int64) (*ErasureReport, error) {
	a, err := access.Require(ctx, access.PermRightsManage)
	if err != nil {
		return nil, err
	}
	// First, in one read: is everything decided, and can it go together?
	var items []Item
	var subjectID string
	err = s.db.InTx(ctx, func(ctx context.Context, tx *store.Tx) error {
		r, err := s.scoped(ctx, a, id, true)
		if err != nil {
			return err
		}
		switch {
		case Kind(r.kind) != KindErasure:
			return apperr.New(apperr.Conflict, "Only an erasure request erases; this one is for %s.", strings.ToLower(Kind(r.kind).Label()))
		case r.version != version:
			return apperr.New(apperr.Conflict, "Someone changed this request since you opened it. Reload it and try again.")
		case r.status != string(StatusOpen):
			return apperr.New(apperr.Conflict, "Erasure can be carried out once the request is open with its clock running (identity confirmed); it is now: %s.", Status(r.status).Label())
		}
		if done, err := s.erased(ctx, r.id); err != nil || done {
			if err == nil {
				err = apperr.New(apperr.Conflict, "The erasure has already been carried out.")
			}
			return err
		}
		if items, err = s.reviewed(ctx, tx, r, "erase or keep"); err != nil {
			return err
		}
		subjectID = r.subjectID.String
		return nil
	})
	if err != nil {
		return nil, err
	}
	erase, keep := map[string][]string{}, map[string][]string{}
	for _, it := range items {
		c := it.Content
		if it.Decision == Erase {
			erase[c.Source] = append(erase[c.Source], c.Key)
		} else {
			keep[c.Source] = append(keep[c.Source], c.Key)
		}
	}
	for _, src := range s.sources {
		if e, ok := src.(collect.Eraser); ok {
			if err := e.CheckErase(erase[src.Name()], keep[src.Name()]); err != nil {
				return nil, err
			}
		} else if len(erase[src.Name()]) > 0 {
			return nil, apperr.New(apperr.Invalid, "Items from %s cannot be erased; decide keep for them.", src.Name())
		}
	}
	// Then each source erases its part, in its own transactions. (A
	// person no longer matched was erased whole by an earlier run.)
	for _, src := range s.sources {
		if e, ok := src.(collect.Eraser); ok && len(erase[src.Name()]) > 0 && subjectID != "" {
			if err := e.Erase(ctx, subjectID, erase[src.Name()]); err != nil {
				return nil, fmt.Errorf("erase from %s: %w", src.Name(), err)
			}
		}
	}
	// Last, the request: its copies, the notices, the event.
	rep := &ErasureReport{}
	var oldKey string
	err = s.db.InTx(ctx, func(ctx context.Context, tx *store.Tx) error {
		r, err := s.scoped(ctx, a, id, true)
		if err != nil {
			return err
		}
		if oldKey, err = s.resealCopies(ctx, tx, r, items); err != nil {
			return err
		}
		for _, it := range items {
			if it.Decision == Erase {
				rep.Erased++
			} else {
				rep.Kept++
			}
		}
		if rep.Notices, err = s.planNotices(ctx, tx, r, items, "erasure"); err != nil {
			return err
		}
		note := fmt.Sprintf("%d items erased, %d kept; %d recipients to tell", rep.Erased, rep.Kept, rep.Notices)
		if err := s.addEvent(ctx, tx, r.id, "erased", londonDay(tx.Now()).String(), note); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE rights_requests SET version = version + 1, updated_at = $2 WHERE id = $1`, r.id, store.Millis(tx.Now())); err != nil {
			return fmt.Errorf("update request: %w", err)
		}
		if oldKey != "" {
			// A restore of an older backup shreds the old copies' key again.
			if _, err := tx.ExecContext(ctx, `INSERT INTO erasures (subject_id, erased_at) VALUES ($1, $2) ON CONFLICT (subject_id) DO NOTHING`, oldKey, store.Millis(tx.Now())); err != nil {
				return fmt.Errorf("log erasure: %w", err)
			}
		}
		return s.record(ctx, "rights.erase", r, map[string]string{"erased": fmt.Sprint(rep.Erased), "kept": fmt.Sprint(rep.Kept), "notices": fmt.Sprint(rep.Notices)})
	})
	if err != nil {
		return nil, err
	}
	if oldKey != "" {
		if err := s.vault.Shred(ctx, oldKey); err != nil {
			return nil, fmt.Errorf("shred the request's old copies: %w", err)
		}
	}
	return rep, nil
}

// resealCopies seals the request's copies again under a new key: kept
// items as they were, erased ones reduced to what the record of the
// erasure needs (where the item was and its kind of data, not the data).
// It returns the old key's id for the caller to shred after commit, or ""
// when the copies were under the request's own key (requests collated
// before copies had keys of their own), which must stay.
func (s *Service) resealCopies(ctx context.Context, tx *store.Tx, r *row, items []Item) (string, error) {
	newID := store.NewID()
	key, err := s.vault.SubjectKey(ctx, newID, true)
	if err != nil {
		return "", err
	}
	for _, it := range items {
		c := it.Content
		if it.Decision == Erase {
			c = collect.Item{Source: c.Source, Key: c.Key, Category: c.Category, Title: "Erased", Date: londonDay(tx.Now()).String()}
		}
		plain, err := json.Marshal(c)
		if err != nil {
			return "", err
		}
		var reason []byte
		if it.Reason != "" {
			reason = key.Seal(itemField(it.ID, "reason"), []byte(it.Reason))
		}
		if _, err := tx.ExecContext(ctx, `UPDATE rights_items SET content = $2, reason = $3, redactions = NULL WHERE id = $1`,
			it.ID, key.Seal(itemField(it.ID, "content"), plain), reason); err != nil {
			return "", fmt.Errorf("reseal item: %w", err)
		}
	}
	old := r.itemsKey.String
	if _, err := tx.ExecContext(ctx, `UPDATE rights_requests SET items_key = $2 WHERE id = $1`, r.id, newID); err != nil {
		return "", fmt.Errorf("set the items key: %w", err)
	}
	return old, nil
}

// Disclosures names the recipients who received a person's data, from
// the disclosure log (disclosures.Service implements it). It runs inside
// the caller's transaction.
type Disclosures interface {
	DisclosedTo(ctx context.Context, subjectID string) ([]string, error)
}

// UseDisclosures sets the disclosure log, so erasure and rectification
// notices also go to the recipients who were given the person's data on a
// particular occasion, not only to the data map's routine recipients.
// Call it while wiring.
func (s *Service) UseDisclosures(d Disclosures) { s.disclosures = d }

// notice is a recipient to tell: its task key and name.
type notice struct{ key, name string }

// noticeRecipients are the recipients to tell of an erasure or correction
// (Art 19): those the data map says receive the data of the items'
// processing activities as a matter of routine (every recipient, when the
// items name none), and those the disclosure log says were given the
// person's data on a particular occasion, each once.
func (s *Service) noticeRecipients(ctx context.Context, r *row, items []Item) ([]notice, error) {
	var out []notice
	seen := map[string]bool{}
	add := func(key, name string) {
		if !seen[key] {
			seen[key] = true
			out = append(out, notice{key: key, name: name})
		}
	}
	var all []datamap.Recipient
	if s.datamap != nil {
		sup, err := s.supplement(ctx, items)
		if err != nil {
			return nil, err
		}
		for _, rc := range sup.recipients {
			add("notify:"+rc.ID, rc.Name)
		}
		if all, err = s.datamap.Recipients(ctx); err != nil {
			return nil, err
		}
	}
	if s.disclosures != nil && r.subjectID.Valid {
		names, err := s.disclosures.DisclosedTo(ctx, r.subjectID.String)
		if err != nil {
			return nil, fmt.Errorf("recipients from the disclosure log: %w", err)
		}
		for _, n := range names {
			key := "notify:name:" + n
			for _, rc := range all {
				if rc.Name == n {
					key = "notify:" + rc.ID
					break
				}
			}
			add(key, n)
		}
	}
	return out, nil
}

// planNotices adds a task for each recipient to tell of the erasure or
// correction (Art 19; see noticeRecipients).
func (s *Service) planNotices(ctx context.Context, tx *store.Tx, r *row, items []Item, what string) (int, error) {
	if s.datamap == nil && s.disclosures == nil {
		return 0, nil
	}
	recips, err := s.noticeRecipients(ctx, r, items)
	if err != nil {
		return 0, err
	}
	today := londonDay(tx.Now())
	due := today
	if c := s.clock(r, today); c.Applies != "" && today.Before(mustDay(c.Applies)) {
		due = mustDay(c.Applies)
	}
	n := 0
	for _, rc := range recips {
		res, err := tx.ExecContext(ctx, `INSERT INTO rights_tasks (id, request_id, system_id, system_name, owner, due_on, kind) VALUES ($1, $2, $3, $4, $5, $6, 'notify')
			ON CONFLICT (request_id, system_id) DO NOTHING`, store.NewID(), r.id, rc.key, rc.name,
			"the data protection officer: tell them of the "+what+", or note why that is impossible or disproportionate", due.String())
		if err != nil {
			return 0, fmt.Errorf("add notice task: %w", err)
		}
		if m, _ := res.RowsAffected(); m == 1 {
			n++
		}
	}
	return n, nil
}

// readyToClose refuses to record a request as complied with while what
// complying takes is not done: an erasure not carried out, or a task (a
// search, a notice to a recipient) still open.
func (s *Service) readyToClose(ctx context.Context, tx *store.Tx, r *row) error {
	if Kind(r.kind) == KindErasure && r.subjectID.Valid {
		done, err := s.erased(ctx, r.id)
		if err != nil {
			return err
		}
		if !done {
			return apperr.New(apperr.Conflict, "Carry out the erasure before recording it as complied with.")
		}
	}
	var open int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM rights_tasks WHERE request_id = $1 AND done_at IS NULL`, r.id).Scan(&open); err != nil {
		return fmt.Errorf("count open tasks: %w", err)
	}
	if open > 0 {
		return apperr.New(apperr.Conflict, "%d tasks are still open: finish each search, and tell each recipient (or note why that is impossible or disproportionate), before recording the request as complied with.", open)
	}
	return nil
}
