package audit

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/stewardhq/steward/internal/store"
)

// Filter selects events for List. Empty fields match everything.
type Filter struct {
	ActorID, SubjectID, EntityID, Action string
	// AfterSeq > 0 lists events after it, oldest first (reading forward, as
	// an export does). Otherwise List returns the newest first, before
	// BeforeSeq when it is set (paging back through history, as pages do).
	AfterSeq  int64
	BeforeSeq int64
	// Limit caps the result: 0 means DefaultLimit, and it never exceeds
	// MaxLimit.
	Limit int
}

const (
	DefaultLimit = 100
	MaxLimit     = 1000
)

// List returns events matching f. It reads through the transaction open in
// ctx, if any, so a caller sees the events it has just appended.
func (l *Log) List(ctx context.Context, f Filter) ([]Event, error) {
	var where []string
	var args []any
	arg := func(cond string, v any) {
		args = append(args, v)
		where = append(where, strings.ReplaceAll(cond, "?", "$"+strconv.Itoa(len(args))))
	}
	if f.ActorID != "" {
		arg("actor_id = ?", f.ActorID)
	}
	if f.SubjectID != "" {
		arg("subject_id = ?", f.SubjectID)
	}
	if f.EntityID != "" {
		arg("entity_id = ?", f.EntityID)
	}
	if f.Action != "" {
		arg("action = ?", f.Action)
	}
	order := "DESC"
	if f.AfterSeq > 0 {
		arg("seq > ?", f.AfterSeq)
		order = "ASC"
	} else if f.BeforeSeq > 0 {
		arg("seq < ?", f.BeforeSeq)
	}
	limit := f.Limit
	if limit <= 0 {
		limit = DefaultLimit
	}
	limit = min(limit, MaxLimit)

	q := `SELECT seq, at, segment, actor_id, action, entity, entity_id, subject_id, purpose, detail, prev_hash, hash FROM audit_events`
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	q += " ORDER BY seq " + order + " LIMIT " + strconv.Itoa(limit)

	rows, err := l.db.Q(ctx).QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("list audit events: %w", err)
	}
	defer rows.Close()
	var out []Event
	for rows.Next() {
		var e Event
		var at int64
		var detail string
		if err := rows.Scan(&e.Seq, &at, &e.Segment, &e.ActorID, &e.Action, &e.Entity, &e.EntityID, &e.SubjectID, &e.Purpose, &detail, &e.PrevHash, &e.Hash); err != nil {
			return nil, fmt.Errorf("list audit events: %w", err)
		}
		e.At = store.FromMillis(at)
		if e.Detail, err = decodeDetail(detail); err != nil {
			return nil, fmt.Errorf("audit event %d: %w", e.Seq, err)
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list audit events: %w", err)
	}
	return out, nil
}
