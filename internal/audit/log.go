// Package audit keeps Steward's audit log: append-only events, each written
// in the same transaction as the change or read it records, chained by
// SHA-256 so that altering, removing or reordering any event is detected.
//
// The chain is cut into segments, one per UTC month. When the first event of
// a new month is appended, the previous segment is closed by a checkpoint
// (first and last seq, count, start and end hash) MAC'd with a system key.
// Retention may later delete whole segments from the oldest end: the
// checkpoints are kept forever (they hold no personal data), so verification
// starts at the earliest remaining event and still proves it links to a
// sealed past.
//
// The head row (audit_head) says where the chain ends: the last seq and hash
// and the open segment's start. The open segment has no checkpoint yet, so
// the head carries its own MAC under the checkpoint key, rewritten with it on
// every append. Without it, deleting the newest events and moving the head
// back to the last one kept would verify cleanly, silently cutting up to a
// month of history. Append checks that MAC before extending the chain, as an
// append onto a forged head would otherwise re-seal the forgery.
//
// What the MACs cannot catch: someone with write access to the database who
// kept an earlier head row (with its MAC) and the checkpoints of its time can
// roll the head, the events and the checkpoints back together to that
// earlier state, which is then consistent and correctly MAC'd. The degenerate
// case needs no saved row: deleting every event and checkpoint and restoring
// the head as the migration created it (seq 0, no MAC) looks like a log that
// was never written to. Detecting either needs the head or the checkpoints
// anchored outside the database (exported, or sent to a witness), which can
// come later.
//
// Appenders serialise on the single audit_head row. An append holds that row
// until its transaction ends, so callers should append near the end of long
// transactions.
package audit

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"errors"
	"fmt"
	"hash"

	"github.com/stewardhq/steward/internal/apperr"
	"github.com/stewardhq/steward/internal/store"
)

// KeySize is the length of the checkpoint MAC key.
const KeySize = 32

// ErrHeadInvalid is wrapped by Append's refusal to extend a chain whose head
// fails its MAC check: the head was altered, or the key is not the one that
// sealed it. Appending would re-seal whatever was done to the head, so the
// log stays broken (and the change being audited fails) until someone looks.
var ErrHeadInvalid = errors.New("audit head failed its MAC check")

// Log is the audit log of one database. It is safe for concurrent use.
type Log struct {
	db  *store.DB
	key []byte
	// chunkMin is the fewest events Verify gives one worker; tests lower
	// it to exercise the joins between chunks.
	chunkMin int64
	workers  int // 0: one per CPU, at most the SQLite reader pool
}

// New returns the log stored in db. checkpointKey (32 bytes, from
// vault.SystemKey("audit-checkpoint")) signs segment checkpoints. A key of
// another length is a wiring bug, so New panics rather than let every later
// call fail.
func New(db *store.DB, checkpointKey []byte) *Log {
	if len(checkpointKey) != KeySize {
		panic(fmt.Sprintf("audit.New: checkpoint key must be %d bytes, got %d", KeySize, len(checkpointKey)))
	}
	return &Log{db: db, key: append([]byte(nil), checkpointKey...), chunkMin: minChunk}
}

// stateKey keys the chain head cached in a transaction. The head belongs to
// the database, not to a Log, so one key serves every Log on it.
type stateKey struct{}

// txState is the chain head as this transaction has left it, so that each
// append after the first costs one INSERT and one UPDATE, no SELECT.
type txState struct {
	seq      int64
	hash     []byte
	segment  string
	segFirst int64  // first seq of the open segment
	segStart []byte // prev hash of the open segment's first event
	mac      []byte // the head MAC stored with these fields
	buf      []byte // reused hash input
	m        hash.Hash
	macBuf   []byte // reused MAC input
	insert   *sql.Stmt
	setHead  *sql.Stmt
}

const (
	insertEventSQL = `INSERT INTO audit_events (seq, segment, at, actor_id, action, entity, entity_id, subject_id, purpose, detail, prev_hash, hash)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`
	setHeadSQL     = `UPDATE audit_head SET seq = $1, hash = $2, segment = $3, seg_first_seq = $4, seg_start_hash = $5, mac = $6 WHERE id = 1`
	insertCheckSQL = `INSERT INTO audit_checkpoints (segment, first_seq, last_seq, count, start_hash, end_hash, closed_at, mac) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`
	selectHeadSQL  = `SELECT seq, hash, segment, seg_first_seq, seg_start_hash, mac FROM audit_head WHERE id = 1`
)

// Append records e and returns its seq. It joins the transaction open in ctx
// (so the event commits or rolls back with the change it records) or runs
// in its own. At and Segment are set from the transaction's clock; Seq,
// PrevHash and Hash are assigned here.
func (l *Log) Append(ctx context.Context, e Event) (int64, error) {
	if err := validate(&e); err != nil {
		return 0, err
	}
	detail, err := encodeDetail(e.Detail)
	if err != nil {
		return 0, err
	}
	var seq int64
	err = l.db.InTx(ctx, func(ctx context.Context, tx *store.Tx) error {
		var err error
		seq, err = l.append(ctx, tx, &e, detail)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("append audit event %s: %w", e.Action, err)
	}
	return seq, nil
}

func (l *Log) append(ctx context.Context, tx *store.Tx, e *Event, detail string) (seq int64, err error) {
	st, err := l.state(ctx, tx)
	if err != nil {
		return 0, err
	}
	defer func() {
		if err != nil {
			// Part of this append may have reached the database; make the
			// next append in this transaction read the head afresh.
			tx.SetValue(stateKey{}, nil)
		}
	}()

	at := tx.Now()
	seg := segmentOf(at)
	// With several app servers, a clock slightly behind could name a month
	// already closed; segments must never reopen, so the event stays in the
	// open one. Its At still records the server's time.
	if seg < st.segment {
		seg = st.segment
	}
	if st.seq > 0 && seg != st.segment {
		if err := l.closeSegment(ctx, tx, st, store.Millis(at)); err != nil {
			return 0, err
		}
		st.segFirst, st.segStart = st.seq+1, st.hash
	} else if st.seq == 0 {
		st.segFirst, st.segStart = 1, st.hash
	}

	r := record[string]{
		seq: st.seq + 1, at: store.Millis(at), segment: seg,
		actor: e.ActorID, action: e.Action, entity: e.Entity, entityID: e.EntityID,
		subjectID: e.SubjectID, purpose: e.Purpose, detail: detail,
	}
	st.buf = r.hashInput(st.buf[:0], st.hash)
	sum := sha256.Sum256(st.buf)
	hash := sum[:]

	if _, err := st.exec(ctx, tx, &st.insert, insertEventSQL,
		r.seq, r.segment, r.at, r.actor, r.action, r.entity, r.entityID, r.subjectID, r.purpose, r.detail, st.hash, hash); err != nil {
		return 0, fmt.Errorf("insert event %d: %w", r.seq, err)
	}
	// The MAC goes in the same UPDATE as the fields it covers, so no reader
	// ever sees one without the other.
	next := txState{seq: r.seq, hash: hash, segment: seg, segFirst: st.segFirst, segStart: st.segStart}
	var mac []byte
	mac, st.macBuf = headMAC(st.m, st.macBuf, &next)
	if _, err := st.exec(ctx, tx, &st.setHead, setHeadSQL, r.seq, hash, seg, st.segFirst, st.segStart, mac); err != nil {
		return 0, fmt.Errorf("advance head to %d: %w", r.seq, err)
	}
	st.seq, st.hash, st.segment, st.mac = r.seq, hash, seg, mac
	return r.seq, nil
}

// state returns the head cached in tx, reading and locking the head row on
// the transaction's first append. FOR UPDATE makes concurrent appenders on
// PostgreSQL queue here; SQLite has a single writer already.
func (l *Log) state(ctx context.Context, tx *store.Tx) (*txState, error) {
	if st, ok := tx.Value(stateKey{}).(*txState); ok {
		return st, nil
	}
	st := &txState{m: newMAC(l.key)}
	err := tx.QueryRowContext(ctx, selectHeadSQL+tx.Dialect().ForUpdate()).
		Scan(&st.seq, &st.hash, &st.segment, &st.segFirst, &st.segStart, &st.mac)
	if err != nil {
		return nil, fmt.Errorf("read audit head (is migration 00002_audit applied?): %w", err)
	}
	// Once per transaction: later appends in it trust the cached state,
	// which only this transaction can have changed (it holds the row lock).
	if !validHead(st.m, st) {
		return nil, apperr.Wrap(ErrHeadInvalid, apperr.Internal,
			"audit head at event %d failed its MAC check (altered, or a different checkpoint key); run audit verification", st.seq)
	}
	tx.SetValue(stateKey{}, st)
	return st, nil
}

// exec runs a statement of the append path. On SQLite it prepares the
// statement once per transaction, which makes batched appends markedly
// cheaper; pgx already caches prepared statements per connection, and an
// explicit prepare there would cost extra round trips for the common
// one-event transaction.
func (st *txState) exec(ctx context.Context, tx *store.Tx, stmt **sql.Stmt, query string, args ...any) (sql.Result, error) {
	if tx.Dialect() != store.SQLite {
		return tx.ExecContext(ctx, query, args...)
	}
	if *stmt == nil {
		s, err := tx.PrepareContext(ctx, query)
		if err != nil {
			return nil, err
		}
		*stmt = s // closed by database/sql when the transaction ends
	}
	return (*stmt).ExecContext(ctx, args...)
}

// closeSegment writes the MAC'd checkpoint of the open segment, in the same
// transaction as the first event of the next one.
func (l *Log) closeSegment(ctx context.Context, tx *store.Tx, st *txState, closedAt int64) error {
	c := checkpoint{
		segment: st.segment, first: st.segFirst, last: st.seq, n: st.seq - st.segFirst + 1,
		start: st.segStart, end: st.hash, closedAt: closedAt,
	}
	c.mac = c.sum(l.key)
	_, err := tx.ExecContext(ctx, insertCheckSQL, c.segment, c.first, c.last, c.n, c.start, c.end, c.closedAt, c.mac)
	if err != nil {
		return fmt.Errorf("write checkpoint of segment %s: %w", c.segment, err)
	}
	return nil
}
