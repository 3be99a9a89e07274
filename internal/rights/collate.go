package rights

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"unicode/utf8"

	"github.com/stewardhq/steward/internal/access"
	"github.com/stewardhq/steward/internal/apperr"
	"github.com/stewardhq/steward/internal/calendar"
	"github.com/stewardhq/steward/internal/collect"
	"github.com/stewardhq/steward/internal/datamap"
	"github.com/stewardhq/steward/internal/store"
	"github.com/stewardhq/steward/internal/vault"
)

// Systems lists where personal data lives, so that systems Steward cannot
// search become search tasks for their owners.
type Systems interface {
	Systems(ctx context.Context) ([]datamap.System, error)
}

// Use adds sources that collation asks about a person, in the order the
// pack shows them. Call it while wiring the application, before serving.
func (s *Service) Use(sources ...collect.Source) { s.sources = append(s.sources, sources...) }

// UseDataMap sets the Art 30 record: its systems become search tasks and
// it gives the supplementary information in a response pack.
func (s *Service) UseDataMap(dm DataMap) { s.datamap, s.systems = dm, dm }

// Decision is what happens to a collected item in the answer.
type Decision string

const (
	Disclose Decision = "disclose"
	Redact   Decision = "redact"
	Withhold Decision = "withhold"
)

// Exemption is a ground for withholding or redacting under the Data
// Protection Act 2018, Schedules 2 and 3.
type Exemption string

// Exemptions lists the grounds a reviewer may name, the commonest first.
func Exemptions() []Exemption {
	return []Exemption{"third_party", "legal_privilege", "confidential_reference", "management_forecast", "negotiations", "crime", "self_incrimination", "serious_harm"}
}

// Label names an exemption with where it is in the law.
func (e Exemption) Label() string {
	switch e {
	case "third_party":
		return "Information about other people (DPA 2018 Sch 2 paras 16-17)"
	case "legal_privilege":
		return "Legal professional privilege (Sch 2 para 19)"
	case "confidential_reference":
		return "Confidential reference given by the organisation (Sch 2 para 24)"
	case "management_forecast":
		return "Management forecasting or planning (Sch 2 para 22)"
	case "negotiations":
		return "Negotiations with the person (Sch 2 para 23)"
	case "crime":
		return "Crime and taxation (Sch 2 para 2)"
	case "self_incrimination":
		return "Self-incrimination (Sch 2 para 20)"
	case "serious_harm":
		return "Serious harm to physical or mental health (Sch 3)"
	}
	return string(e)
}

// Span is a redacted run of an item's text (Field -1) or of one field's
// value (Field i), as byte offsets [Start, End) on character boundaries.
type Span struct {
	Field int `json:"field"`
	Start int `json:"start"`
	End   int `json:"end"`
}

// DecisionInput is a reviewer's decision on one item.
type DecisionInput struct {
	Decision   Decision  `json:"decision" enum:"disclose,redact,withhold"`
	Exemption  Exemption `json:"exemption,omitempty"`
	Reason     string    `json:"reason,omitempty"`
	Redactions []Span    `json:"redactions,omitempty"`
}

// Item is a collected item with its decision.
type Item struct {
	ID         string       `json:"id"`
	N          int          `json:"n"`
	Content    collect.Item `json:"content"`
	Decision   Decision     `json:"decision,omitempty"`
	Exemption  Exemption    `json:"exemption,omitempty"`
	Reason     string       `json:"reason,omitempty"`
	Redactions []Span       `json:"redactions,omitempty"`
	DecidedBy  string       `json:"decided_by,omitempty"`
}

// Task is a search of a system Steward cannot search.
type Task struct {
	ID         string `json:"id"`
	SystemID   string `json:"system_id"`
	SystemName string `json:"system_name"`
	Owner      string `json:"owner"`
	DueOn      string `json:"due_on"`
	Done       bool   `json:"done"`
	Note       string `json:"note,omitempty"`
}

func itemField(id, column string) vault.Field {
	return vault.Field{Table: "rights_items", Column: column, Row: id}
}

// Collate asks every source what it holds about the person the request is
// matched to, keeps a sealed copy of each item, and turns every system
// Steward cannot search into a task for its owner, due inside the clock.
// Collating again keeps the decision on every item whose content has not
// changed, drops items that are gone and leaves new or changed ones
// undecided.
func (s *Service) Collate(ctx context.Context, id string) ([]Item, []Task, error) {
	a, err := access.Require(ctx, access.PermRightsManage)
	if err != nil {
		return nil, nil, err
	}
	var items []Item
	var tasks []Task
	err = s.db.InTx(ctx, func(ctx context.Context, tx *store.Tx) error {
		r, err := s.scoped(ctx, a, id, true)
		if err != nil {
			return err
		}
		if r.status == string(StatusClosed) {
			return apperr.New(apperr.Conflict, "This request is closed.")
		}
		if !r.subjectID.Valid {
			return apperr.New(apperr.Conflict, "Match the request to a person in the register first. If the organisation holds nothing about them, close it as \"nothing held\": that is an answer too.")
		}
		key, err := s.vault.SubjectKey(ctx, r.id, false)
		if err != nil {
			return fmt.Errorf("request key: %w", err)
		}
		old, err := s.items(ctx, key, r.id)
		if err != nil {
			return err
		}
		byKey := map[string]Item{}
		for _, it := range old {
			byKey[it.Content.Source+"\x00"+it.Content.Key] = it
		}
		now := store.Millis(tx.Now())
		n, kept := 0, map[string]bool{}
		for _, src := range s.sources {
			got, err := src.Collect(ctx, r.subjectID.String)
			if err != nil {
				return fmt.Errorf("collect from %s: %w", src.Name(), err)
			}
			for _, c := range got {
				c.Source = src.Name()
				n++
				k := c.Source + "\x00" + c.Key
				if kept[k] {
					return fmt.Errorf("source %s returned key %q twice", c.Source, c.Key)
				}
				kept[k] = true
				plain, err := json.Marshal(c)
				if err != nil {
					return err
				}
				if prev, ok := byKey[k]; ok {
					if reflect.DeepEqual(prev.Content, c) {
						_, err = tx.ExecContext(ctx, `UPDATE rights_items SET n = $2 WHERE id = $1`, prev.ID, n)
					} else {
						_, err = tx.ExecContext(ctx, `UPDATE rights_items SET n = $2, content = $3, decision = NULL, exemption = NULL, reason = NULL,
							redactions = NULL, decided_by = NULL, decided_at = NULL, collected_at = $4 WHERE id = $1`,
							prev.ID, n, key.Seal(itemField(prev.ID, "content"), plain), now)
					}
				} else {
					iid := store.NewID()
					_, err = tx.ExecContext(ctx, `INSERT INTO rights_items (id, request_id, n, source, item_key, content, collected_at) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
						iid, r.id, n, c.Source, c.Key, key.Seal(itemField(iid, "content"), plain), now)
				}
				if err != nil {
					return fmt.Errorf("keep item: %w", err)
				}
			}
		}
		for k, it := range byKey {
			if !kept[k] {
				if _, err := tx.ExecContext(ctx, `DELETE FROM rights_items WHERE id = $1`, it.ID); err != nil {
					return fmt.Errorf("drop item: %w", err)
				}
			}
		}
		if err := s.planTasks(ctx, tx, r); err != nil {
			return err
		}
		if items, err = s.items(ctx, key, r.id); err != nil {
			return err
		}
		if tasks, err = s.tasks(ctx, key, r.id); err != nil {
			return err
		}
		if err := s.addEvent(ctx, tx, r.id, "collated", londonDay(tx.Now()).String(), fmt.Sprintf("%d items, %d search tasks", len(items), len(tasks))); err != nil {
			return err
		}
		return s.record(ctx, "rights.collate", r, map[string]string{"items": fmt.Sprint(len(items)), "tasks": fmt.Sprint(len(tasks))})
	})
	if err != nil {
		return nil, nil, err
	}
	return items, tasks, nil
}

// planTasks adds a task for each system in the data map that Steward
// cannot search, due five working days before the deadline that applies
// (or today, if that has passed).
func (s *Service) planTasks(ctx context.Context, tx *store.Tx, r *row) error {
	if s.systems == nil {
		return nil
	}
	systems, err := s.systems.Systems(ctx)
	if err != nil {
		return fmt.Errorf("list systems: %w", err)
	}
	today := londonDay(tx.Now())
	due := today
	if c := s.clock(r, today); c.Applies != "" {
		due = workingDaysBefore(s.cfg.Region, mustDay(c.Applies), 5)
		if due.Before(today) {
			due = today
		}
	}
	for _, y := range systems {
		if y.SearchableBySteward || y.Kind == "steward" {
			continue
		}
		owner := y.Owner
		if owner == "" {
			owner = "the data protection officer (no owner is recorded for this system)"
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO rights_tasks (id, request_id, system_id, system_name, owner, due_on) VALUES ($1, $2, $3, $4, $5, $6)
			ON CONFLICT (request_id, system_id) DO NOTHING`, store.NewID(), r.id, y.ID, y.Name, owner, due.String())
		if err != nil {
			return fmt.Errorf("add search task: %w", err)
		}
	}
	return nil
}

// workingDaysBefore is the nth working day before d.
func workingDaysBefore(r calendar.Region, d calendar.Date, n int) calendar.Date {
	for n > 0 {
		d = d.AddDays(-1)
		if calendar.IsWorkingDay(r, d) {
			n--
		}
	}
	return d
}

// items reads a request's items, opened, in pack order.
func (s *Service) items(ctx context.Context, key *vault.SubjectKey, requestID string) ([]Item, error) {
	rows, err := s.db.Q(ctx).QueryContext(ctx, `SELECT id, n, content, COALESCE(decision, ''), COALESCE(exemption, ''), reason, redactions, COALESCE(decided_by, '')
		FROM rights_items WHERE request_id = $1 ORDER BY n, id`, requestID)
	if err != nil {
		return nil, fmt.Errorf("read items: %w", err)
	}
	defer rows.Close()
	var out []Item
	for rows.Next() {
		var it Item
		var content, reason, red []byte
		var dec, ex string
		if err := rows.Scan(&it.ID, &it.N, &content, &dec, &ex, &reason, &red, &it.DecidedBy); err != nil {
			return nil, fmt.Errorf("read items: %w", err)
		}
		it.Decision, it.Exemption = Decision(dec), Exemption(ex)
		plain, err := key.Open(itemField(it.ID, "content"), content)
		if err != nil {
			return nil, fmt.Errorf("open item: %w", err)
		}
		if err := json.Unmarshal(plain, &it.Content); err != nil {
			return nil, fmt.Errorf("item %s: %w", it.ID, err)
		}
		if reason != nil {
			p, err := key.Open(itemField(it.ID, "reason"), reason)
			if err != nil {
				return nil, fmt.Errorf("open reason: %w", err)
			}
			it.Reason = string(p)
		}
		if red != nil {
			p, err := key.Open(itemField(it.ID, "redactions"), red)
			if err != nil {
				return nil, fmt.Errorf("open redactions: %w", err)
			}
			if err := json.Unmarshal(p, &it.Redactions); err != nil {
				return nil, fmt.Errorf("item %s redactions: %w", it.ID, err)
			}
		}
		out = append(out, it)
	}
	return out, rows.Err()
}

func (s *Service) tasks(ctx context.Context, key *vault.SubjectKey, requestID string) ([]Task, error) {
	rows, err := s.db.Q(ctx).QueryContext(ctx, `SELECT id, system_id, system_name, owner, due_on, done_at IS NOT NULL, note FROM rights_tasks
		WHERE request_id = $1 ORDER BY due_on, system_name, id`, requestID)
	if err != nil {
		return nil, fmt.Errorf("read tasks: %w", err)
	}
	defer rows.Close()
	var out []Task
	for rows.Next() {
		var t Task
		var note []byte
		if err := rows.Scan(&t.ID, &t.SystemID, &t.SystemName, &t.Owner, &t.DueOn, &t.Done, &note); err != nil {
			return nil, fmt.Errorf("read tasks: %w", err)
		}
		if note != nil {
			p, err := key.Open(vault.Field{Table: "rights_tasks", Column: "note", Row: t.ID}, note)
			if err != nil {
				return nil, fmt.Errorf("open task note: %w", err)
			}
			t.Note = string(p)
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// Items returns a request's collected items and search tasks. They are the
// person's data, so reading them is audited.
func (s *Service) Items(ctx context.Context, id string) ([]Item, []Task, error) {
	a, err := access.Require(ctx, access.PermRightsManage)
	if err != nil {
		return nil, nil, err
	}
	var items []Item
	var tasks []Task
	err = s.db.InTx(ctx, func(ctx context.Context, tx *store.Tx) error {
		r, err := s.scoped(ctx, a, id, false)
		if err != nil {
			return err
		}
		key, err := s.vault.SubjectKey(ctx, r.id, false)
		if err != nil {
			return fmt.Errorf("request key: %w", err)
		}
		if items, err = s.items(ctx, key, r.id); err != nil {
			return err
		}
		if tasks, err = s.tasks(ctx, key, r.id); err != nil {
			return err
		}
		return s.record(ctx, "rights.items_read", r, nil)
	})
	return items, tasks, err
}

// Decide records the decision on one item. Redacting needs the spans and
// the reason; withholding needs the exemption and the reason (the
// reasons are kept, and the letter says that something was withheld).
func (s *Service) Decide(ctx context.Context, requestID, itemID string, in DecisionInput) (*Item, error) {
	a, err := access.Require(ctx, access.PermRightsManage)
	if err != nil {
		return nil, err
	}
	in.Reason = strings.TrimSpace(in.Reason)
	switch in.Decision {
	case Disclose:
		in.Exemption, in.Redactions = "", nil
	case Redact:
		if len(in.Redactions) == 0 {
			return nil, apperr.New(apperr.Invalid, "Mark what to redact.")
		}
	case Withhold:
		in.Redactions = nil
		if in.Exemption == "" {
			return nil, apperr.New(apperr.Invalid, "Name the exemption the item is withheld under.")
		}
	default:
		return nil, apperr.New(apperr.Invalid, "Choose disclose, redact or withhold.")
	}
	if in.Exemption != "" && !validExemption(in.Exemption) {
		return nil, apperr.New(apperr.Invalid, "Unknown exemption %q.", in.Exemption)
	}
	if in.Decision != Disclose && in.Reason == "" {
		return nil, apperr.New(apperr.Invalid, "Give the reason: it is kept with the request, and the organisation must be able to explain it.")
	}
	if len(in.Reason) > maxLong {
		return nil, apperr.New(apperr.Invalid, "The reason is longer than %d characters.", maxLong)
	}
	var out *Item
	err = s.db.InTx(ctx, func(ctx context.Context, tx *store.Tx) error {
		r, err := s.scoped(ctx, a, requestID, true)
		if err != nil {
			return err
		}
		if r.status == string(StatusClosed) {
			return apperr.New(apperr.Conflict, "This request is closed.")
		}
		key, err := s.vault.SubjectKey(ctx, r.id, false)
		if err != nil {
			return fmt.Errorf("request key: %w", err)
		}
		items, err := s.items(ctx, key, r.id)
		if err != nil {
			return err
		}
		var it *Item
		for i := range items {
			if items[i].ID == itemID {
				it = &items[i]
			}
		}
		if it == nil {
			return apperr.New(apperr.NotFound, "No item %q in this request.", itemID)
		}
		if err := checkSpans(it.Content, in.Redactions); err != nil {
			return err
		}
		var reason, red []byte
		if in.Reason != "" {
			reason = key.Seal(itemField(it.ID, "reason"), []byte(in.Reason))
		}
		if len(in.Redactions) > 0 {
			j, err := json.Marshal(in.Redactions)
			if err != nil {
				return err
			}
			red = key.Seal(itemField(it.ID, "redactions"), j)
		}
		_, err = tx.ExecContext(ctx, `UPDATE rights_items SET decision = $2, exemption = $3, reason = $4, redactions = $5, decided_by = $6, decided_at = $7 WHERE id = $1`,
			it.ID, string(in.Decision), nullable(string(in.Exemption)), reason, red, a.AccountID, store.Millis(tx.Now()))
		if err != nil {
			return fmt.Errorf("record decision: %w", err)
		}
		it.Decision, it.Exemption, it.Reason, it.Redactions, it.DecidedBy = in.Decision, in.Exemption, in.Reason, in.Redactions, a.AccountID
		out = it
		return s.record(ctx, "rights.decide", r, map[string]string{"item": it.ID, "decision": string(in.Decision), "exemption": string(in.Exemption)})
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func validExemption(e Exemption) bool {
	for _, x := range Exemptions() {
		if x == e {
			return true
		}
	}
	return false
}

// checkSpans refuses spans outside their text, across a character, or
// overlapping each other.
func checkSpans(c collect.Item, spans []Span) error {
	for i, sp := range spans {
		var text string
		switch {
		case sp.Field == -1:
			text = c.Text
		case sp.Field >= 0 && sp.Field < len(c.Fields):
			text = c.Fields[sp.Field].Value
		default:
			return apperr.New(apperr.Invalid, "Redaction %d points at a field the item does not have.", i+1)
		}
		if sp.Start < 0 || sp.End > len(text) || sp.Start >= sp.End {
			return apperr.New(apperr.Invalid, "Redaction %d is outside the text it redacts.", i+1)
		}
		if (sp.Start < len(text) && !utf8.RuneStart(text[sp.Start])) || (sp.End < len(text) && !utf8.RuneStart(text[sp.End])) {
			return apperr.New(apperr.Invalid, "Redaction %d cuts a character in half.", i+1)
		}
		for j, o := range spans[:i] {
			if o.Field == sp.Field && sp.Start < o.End && o.Start < sp.End {
				return apperr.New(apperr.Invalid, "Redactions %d and %d overlap; join them into one.", j+1, i+1)
			}
		}
	}
	return nil
}

// Apply returns the item as it may be disclosed: redacted runs replaced by
// a marker, or nothing when withheld or undecided. It is what every format
// of the response pack is made from, so a redaction holds in all of them.
func (it Item) Apply() (collect.Item, bool) {
	if it.Decision != Disclose && it.Decision != Redact {
		return collect.Item{}, false
	}
	c := it.Content
	c.Fields = append([]collect.Field(nil), c.Fields...)
	if it.Decision == Redact {
		c.Text = redact(c.Text, it.Redactions, -1)
		for i := range c.Fields {
			c.Fields[i].Value = redact(c.Fields[i].Value, it.Redactions, i)
		}
	}
	return c, true
}

// RedactedMark replaces every redacted run.
const RedactedMark = "[redacted]"

func redact(text string, spans []Span, field int) string {
	var mine []Span
	for _, sp := range spans {
		if sp.Field == field {
			mine = append(mine, sp)
		}
	}
	if len(mine) == 0 {
		return text
	}
	// Apply from the end so earlier offsets stay valid.
	for i := 0; i < len(mine); i++ {
		for j := i + 1; j < len(mine); j++ {
			if mine[j].Start > mine[i].Start {
				mine[i], mine[j] = mine[j], mine[i]
			}
		}
	}
	for _, sp := range mine {
		if sp.End <= len(text) && sp.Start < sp.End {
			text = text[:sp.Start] + RedactedMark + text[sp.End:]
		}
	}
	return text
}

// CompleteTask records that a system's search is done and what it found.
func (s *Service) CompleteTask(ctx context.Context, requestID, taskID, note string) error {
	a, err := access.Require(ctx, access.PermRightsManage)
	if err != nil {
		return err
	}
	note = strings.TrimSpace(note)
	if note == "" {
		return apperr.New(apperr.Invalid, "Say what the search found: nothing, or what was found and how it was added to the answer.")
	}
	if len(note) > maxLong {
		return apperr.New(apperr.Invalid, "The note is longer than %d characters.", maxLong)
	}
	return s.db.InTx(ctx, func(ctx context.Context, tx *store.Tx) error {
		r, err := s.scoped(ctx, a, requestID, true)
		if err != nil {
			return err
		}
		key, err := s.vault.SubjectKey(ctx, r.id, false)
		if err != nil {
			return fmt.Errorf("request key: %w", err)
		}
		res, err := tx.ExecContext(ctx, `UPDATE rights_tasks SET done_at = $3, done_by = $4, note = $5 WHERE id = $1 AND request_id = $2 AND done_at IS NULL`,
			taskID, r.id, store.Millis(tx.Now()), a.AccountID, key.Seal(vault.Field{Table: "rights_tasks", Column: "note", Row: taskID}, []byte(note)))
		if err != nil {
			return fmt.Errorf("complete task: %w", err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return apperr.New(apperr.NotFound, "No open search task %q in this request.", taskID)
		}
		return s.record(ctx, "rights.task_done", r, map[string]string{"task": taskID})
	})
}
