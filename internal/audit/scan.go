package audit

import (
	"context"
	"database/sql"
	"fmt"
)

// selectRangeSQL streams events in chain order. Columns match eventScanner.
const selectRangeSQL = `SELECT seq, at, segment, actor_id, action, entity, entity_id, subject_id, purpose, detail, prev_hash, hash
FROM audit_events WHERE seq >= $1 AND seq <= $2 ORDER BY seq`

// eventScanner reads event rows into reused buffers. sql.RawBytes keeps
// database/sql from allocating per column; the values are valid only until
// the next call to next.
type eventScanner struct {
	rows       *sql.Rows
	r          record[sql.RawBytes]
	prev, hash sql.RawBytes
	dest       []any
}

func (l *Log) scanRange(ctx context.Context, lo, hi int64) (*eventScanner, error) {
	rows, err := l.db.Reader().QueryContext(ctx, selectRangeSQL, lo, hi)
	if err != nil {
		return nil, fmt.Errorf("read audit events %d to %d: %w", lo, hi, err)
	}
	s := &eventScanner{rows: rows}
	r := &s.r
	s.dest = []any{&r.seq, &r.at, &r.segment, &r.actor, &r.action, &r.entity, &r.entityID, &r.subjectID, &r.purpose, &r.detail, &s.prev, &s.hash}
	return s, nil
}

// next advances to the next event; false at the end or on error (see err).
func (s *eventScanner) next() (bool, error) {
	if !s.rows.Next() {
		return false, s.rows.Err()
	}
	if err := s.rows.Scan(s.dest...); err != nil {
		return false, fmt.Errorf("scan audit event: %w", err)
	}
	return true, nil
}

func (s *eventScanner) close() error { return s.rows.Close() }
