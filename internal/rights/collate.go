package rights

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"

	"github.com/stewardhq/steward/internal/access"
	"github.com/stewardhq/steward/internal/apperr"
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
	// Erasable is whether an erasure may erase the item: its source can
	// (the access log cannot; its items are kept).
	Erasable bool `json:"erasable"`
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
		if done, err := s.erased(ctx, r.id); err != nil || done {
			if err == nil {
				err = apperr.New(apperr.Conflict, "The erasure has been carried out: there is nothing more to collect for it.")
			}
			return err
		}
		key, err := s.itemsKey(ctx, tx, r, true)
		if err != nil {
			return err
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
						_, err = tx.ExecContext(ctx, `UPDATE rights_items SET n = $2, content = $3, decision = NULL, erasure = NULL, exemption = NULL, reason = NULL,
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
		rkey, err := s.requestKey(ctx, r.id)
		if err != nil {
			return err
		}
		if tasks, err = s.tasks(ctx, rkey, r.id); err != nil {
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

// items reads a request's items, opened, in pack order.
func (s *Service) items(ctx context.Context, key *vault.SubjectKey, requestID string) ([]Item, error) {
	if key == nil {
		return nil, nil // no copies, or copies whose key was shredded
	}
	rows, err := s.db.Q(ctx).QueryContext(ctx, `SELECT id, n, content, COALESCE(decision, erasure, ''), COALESCE(exemption, ''), reason, redactions, COALESCE(decided_by, '')
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
		it.Erasable = s.erasable(it.Content.Source)
		out = append(out, it)
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
		key, err := s.itemsKey(ctx, tx, r, false)
		if err != nil {
			return err
		}
		if items, err = s.items(ctx, key, r.id); err != nil {
			return err
		}
		rkey, err := s.requestKey(ctx, r.id)
		if err != nil {
			return err
		}
		if tasks, err = s.tasks(ctx, rkey, r.id); err != nil {
			return err
		}
		return s.record(ctx, "rights.items_read", r, nil)
	})
	return items, tasks, err
}
