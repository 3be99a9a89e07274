package rights

import (
	"context"
	"fmt"
	"strings"

	"github.com/stewardhq/steward/internal/access"
	"github.com/stewardhq/steward/internal/apperr"
	"github.com/stewardhq/steward/internal/calendar"
	"github.com/stewardhq/steward/internal/store"
	"github.com/stewardhq/steward/internal/vault"
)

// TaskKind says what a task is for.
type TaskKind string

const (
	// TaskSearch is a search of a system Steward cannot search.
	TaskSearch TaskKind = "search"
	// TaskNotify is telling a recipient of the person's data about an
	// erasure or a correction (Art 19).
	TaskNotify TaskKind = "notify"
)

// Task is a search of a system Steward cannot search, or a notice to a
// recipient.
type Task struct {
	ID         string   `json:"id"`
	Kind       TaskKind `json:"kind"`
	SystemID   string   `json:"system_id"`
	SystemName string   `json:"system_name"`
	Owner      string   `json:"owner"`
	DueOn      string   `json:"due_on"`
	Done       bool     `json:"done"`
	Note       string   `json:"note,omitempty"`
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

func (s *Service) tasks(ctx context.Context, key *vault.SubjectKey, requestID string) ([]Task, error) {
	rows, err := s.db.Q(ctx).QueryContext(ctx, `SELECT id, kind, system_id, system_name, owner, due_on, done_at IS NOT NULL, note FROM rights_tasks
		WHERE request_id = $1 ORDER BY due_on, system_name, id`, requestID)
	if err != nil {
		return nil, fmt.Errorf("read tasks: %w", err)
	}
	defer rows.Close()
	var out []Task
	for rows.Next() {
		var t Task
		var note []byte
		if err := rows.Scan(&t.ID, &t.Kind, &t.SystemID, &t.SystemName, &t.Owner, &t.DueOn, &t.Done, &note); err != nil {
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
		key, err := s.requestKey(ctx, r.id)
		if err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `UPDATE rights_tasks SET done_at = $3, done_by = $4, note = $5 WHERE id = $1 AND request_id = $2 AND done_at IS NULL`,
			taskID, r.id, store.Millis(tx.Now()), a.AccountID, key.Seal(vault.Field{Table: "rights_tasks", Column: "note", Row: taskID}, []byte(note)))
		if err != nil {
			return fmt.Errorf("complete task: %w", err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return apperr.New(apperr.NotFound, "No open task %q in this request.", taskID)
		}
		return s.record(ctx, "rights.task_done", r, map[string]string{"task": taskID})
	})
}
