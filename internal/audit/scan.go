package audit

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"

	"github.com/stewardhq/steward/internal/store"
)

// The range queries stream events in chain order for Verify and
// CanonicalBytes. Each row comes back as two columns: every byte field
// concatenated (prev_hash, hash, then the eight text fields), and a text of
// numbers "seq,at,len1,...,len10" to cut it apart. Drivers pay per column
// (modernc's SQLite boxes and copies each one): two columns instead of
// twelve cut allocations from 22 to 4 per event and CPU per event by about
// 10% (measured on SQLite, 200k events).
//
// SQLite's || yields text with the bytes of its operands, which the CAST
// keeps; PostgreSQL needs the texts converted to bytea first.
const (
	rangeSQLite = `SELECT CAST(prev_hash || hash || segment || actor_id || action || entity || entity_id || subject_id || purpose || detail AS BLOB),
 seq || ',' || at || ',' || octet_length(prev_hash) || ',' || octet_length(hash) || ',' ||
 octet_length(segment) || ',' || octet_length(actor_id) || ',' || octet_length(action) || ',' || octet_length(entity) || ',' ||
 octet_length(entity_id) || ',' || octet_length(subject_id) || ',' || octet_length(purpose) || ',' || octet_length(detail)
FROM audit_events WHERE seq >= $1 AND seq <= $2 ORDER BY seq`
	rangePostgres = `SELECT prev_hash || hash || convert_to(segment, 'UTF8') || convert_to(actor_id, 'UTF8') || convert_to(action, 'UTF8') ||
 convert_to(entity, 'UTF8') || convert_to(entity_id, 'UTF8') || convert_to(subject_id, 'UTF8') || convert_to(purpose, 'UTF8') || convert_to(detail, 'UTF8'),
 seq || ',' || at || ',' || octet_length(prev_hash) || ',' || octet_length(hash) || ',' ||
 octet_length(convert_to(segment, 'UTF8')) || ',' || octet_length(convert_to(actor_id, 'UTF8')) || ',' || octet_length(convert_to(action, 'UTF8')) || ',' ||
 octet_length(convert_to(entity, 'UTF8')) || ',' || octet_length(convert_to(entity_id, 'UTF8')) || ',' || octet_length(convert_to(subject_id, 'UTF8')) || ',' ||
 octet_length(convert_to(purpose, 'UTF8')) || ',' || octet_length(convert_to(detail, 'UTF8'))
FROM audit_events WHERE seq >= $1 AND seq <= $2 ORDER BY seq`
)

// eventScanner reads event rows into reused buffers. sql.RawBytes keeps
// database/sql from copying; the fields of r, prev and hash slice it and are
// valid only until the next call to next.
type eventScanner struct {
	rows       *sql.Rows
	r          record[sql.RawBytes]
	prev, hash sql.RawBytes
	body, meta sql.RawBytes
	fields     [10]*sql.RawBytes
}

func (l *Log) scanRange(ctx context.Context, lo, hi int64) (*eventScanner, error) {
	q := rangeSQLite
	if l.db.Dialect() == store.Postgres {
		q = rangePostgres
	}
	rows, err := l.db.Reader().QueryContext(ctx, q, lo, hi)
	if err != nil {
		return nil, fmt.Errorf("read audit events %d to %d: %w", lo, hi, err)
	}
	s := &eventScanner{rows: rows}
	r := &s.r
	s.fields = [10]*sql.RawBytes{&s.prev, &s.hash, &r.segment, &r.actor, &r.action, &r.entity, &r.entityID, &r.subjectID, &r.purpose, &r.detail}
	return s, nil
}

// next advances to the next event; false at the end or on error.
func (s *eventScanner) next() (bool, error) {
	if !s.rows.Next() {
		return false, s.rows.Err()
	}
	if err := s.rows.Scan(&s.body, &s.meta); err != nil {
		return false, fmt.Errorf("scan audit event: %w", err)
	}
	if err := s.split(); err != nil {
		return false, fmt.Errorf("scan audit event: %w (row %q)", err, s.meta)
	}
	return true, nil
}

// split reads seq and at from meta and cuts body into the fields by the
// lengths that follow them.
func (s *eventScanner) split() error {
	meta, body := s.meta, s.body
	num := func() (int64, error) {
		neg := len(meta) > 0 && meta[0] == '-'
		if neg {
			meta = meta[1:]
		}
		var n uint64
		digits := 0
		for len(meta) > 0 && meta[0] != ',' {
			c := meta[0]
			if c < '0' || c > '9' || digits == 19 {
				return 0, errors.New("bad number")
			}
			n = n*10 + uint64(c-'0')
			digits++
			meta = meta[1:]
		}
		if digits == 0 || n > math.MaxInt64 {
			return 0, errors.New("bad number")
		}
		if len(meta) > 0 {
			meta = meta[1:]
		}
		if neg {
			return -int64(n), nil
		}
		return int64(n), nil
	}
	var err error
	if s.r.seq, err = num(); err != nil {
		return err
	}
	if s.r.at, err = num(); err != nil {
		return err
	}
	for _, f := range s.fields {
		n, err := num()
		if err != nil {
			return err
		}
		if n < 0 || n > int64(len(body)) {
			return errors.New("field lengths exceed the row")
		}
		*f, body = body[:n:n], body[n:]
	}
	if len(body) != 0 || len(meta) != 0 {
		return errors.New("field lengths fall short of the row")
	}
	return nil
}

func (s *eventScanner) close() error { return s.rows.Close() }
