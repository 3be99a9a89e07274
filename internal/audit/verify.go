package audit

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"fmt"
	"math"
	"runtime"
	"sync"

	"github.com/stewardhq/steward/internal/store"
)

// Report is the outcome of Verify.
type Report struct {
	Events   int64 // events checked
	Segments int   // segments with events present
	Pruned   int   // older segments whose events are gone, vouched for by checkpoints
	Bytes    int64 // bytes hashed (the canonical stream, see CanonicalBytes)
	FirstBad *Break
}

// Break names the first place the log fails verification.
type Break struct {
	Seq     int64
	Segment string
	Reason  string
}

func (b *Break) String() string {
	return fmt.Sprintf("event %d (segment %s): %s", b.Seq, b.Segment, b.Reason)
}

// Verify recomputes every hash and checks every link, seq, checkpoint and
// the head (including its MAC), and names the first bad event. The error is
// for I/O failures only; a damaged log is a Report with FirstBad set. A
// rollback of head, events and checkpoints together to an earlier state
// whose head row was kept still passes; see the package comment.
//
// Every check compares an event only with its predecessor, the checkpoints
// and the head, so the seq range is split into chunks verified in parallel
// and the first break is simply the lowest seq any check reports.
func (l *Log) Verify(ctx context.Context) (Report, error) {
	snap, err := l.snapshot(ctx)
	if err != nil {
		return Report{}, err
	}
	var rep Report
	var v verdict
	chunks, err := l.walkAll(ctx, snap)
	if err != nil {
		return Report{}, err
	}

	// Join the chunks in order. Once a chunk breaks, what follows it is not
	// trustworthy context for the segment checks, so stop there.
	var spans []span
	var first, last *chunk
	var used map[string]bool // checkpoints accounted for
	truncated := false
	for i := range chunks {
		c := &chunks[i]
		rep.Events += c.n
		rep.Bytes += c.bytes
		if c.seen {
			switch {
			case first == nil:
				first = c
				// Before the chunk's own break: a bad link of the first
				// event is the more precise reason than its hash.
				rep.Pruned, used = checkPrefix(snap, first, &v)
			case c.firstSeq != last.lastSeq+1:
				v.add(last.lastSeq+1, c.firstSegment, fmt.Sprintf("event missing: event %d is followed by %d", last.lastSeq, c.firstSeq))
			case !bytes.Equal(c.firstPrev[:], last.lastHash[:]):
				v.add(c.firstSeq, c.firstSegment, fmt.Sprintf("prev_hash does not match the hash of event %d", last.lastSeq))
			}
			spans = mergeSpans(spans, c.spans, &v)
			if c.n > 0 {
				last = c
			}
		}
		if c.brk != nil {
			v.add(c.brk.Seq, c.brk.Segment, c.brk.Reason)
			truncated = true
			break
		}
	}
	if first == nil {
		rep.Pruned, used = checkPrefix(snap, nil, &v)
	}
	rep.Segments = len(spans)
	complete := !truncated
	l.checkSegments(snap, spans, complete, used, &v)
	if h := &snap.head; snap.maxSeq > h.seq {
		v.add(h.seq+1, "", fmt.Sprintf("events %d to %d are beyond the head (head is at %d): the head was moved back", h.seq+1, snap.maxSeq, h.seq))
	}
	if complete {
		checkHead(snap, last, spans, &v)
	}
	// Checked whatever the walk found: the head is the only seal on the open
	// segment. Added after the comparisons above so that, at the same seq,
	// their more specific reason wins.
	if h := &snap.head; !validHead(newMAC(l.key), h) {
		v.add(h.seq+1, h.segment, fmt.Sprintf("the head's MAC is invalid (the head row was altered or forged): the end of the log is unproven and events after %d may have been removed", h.seq))
	}
	rep.FirstBad = v.b
	return rep, nil
}

// verdict keeps the break with the lowest seq; on a tie the first found,
// which is the more specific.
type verdict struct{ b *Break }

func (v *verdict) add(seq int64, segment, reason string) {
	if v.b == nil || seq < v.b.Seq {
		v.b = &Break{Seq: seq, Segment: segment, Reason: reason}
	}
}

// snapshot is the head, checkpoints and seq bounds read in one read
// transaction, so appends running during Verify cannot make them disagree.
// Events up to maxSeq are immutable once committed, so the chunks may read
// them later on other connections.
type snapshot struct {
	head           txState
	checkpoints    []checkpoint
	minSeq, maxSeq int64
}

func (l *Log) snapshot(ctx context.Context) (*snapshot, error) {
	opts := &sql.TxOptions{ReadOnly: true}
	if l.db.Dialect() == store.Postgres {
		opts.Isolation = sql.LevelRepeatableRead
	}
	tx, err := l.db.Reader().BeginTx(ctx, opts)
	if err != nil {
		return nil, fmt.Errorf("begin audit verification: %w", err)
	}
	defer tx.Rollback()
	s := &snapshot{}
	h := &s.head
	if err := tx.QueryRowContext(ctx, selectHeadSQL).Scan(&h.seq, &h.hash, &h.segment, &h.segFirst, &h.segStart, &h.mac); err != nil {
		return nil, fmt.Errorf("read audit head: %w", err)
	}
	if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MIN(seq), 0), COALESCE(MAX(seq), 0) FROM audit_events`).Scan(&s.minSeq, &s.maxSeq); err != nil {
		return nil, fmt.Errorf("read audit bounds: %w", err)
	}
	rows, err := tx.QueryContext(ctx, `SELECT segment, first_seq, last_seq, count, start_hash, end_hash, closed_at, mac FROM audit_checkpoints ORDER BY first_seq, segment`)
	if err != nil {
		return nil, fmt.Errorf("read audit checkpoints: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var c checkpoint
		if err := rows.Scan(&c.segment, &c.first, &c.last, &c.n, &c.start, &c.end, &c.closedAt, &c.mac); err != nil {
			return nil, fmt.Errorf("read audit checkpoint: %w", err)
		}
		s.checkpoints = append(s.checkpoints, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read audit checkpoints: %w", err)
	}
	return s, nil
}

// span is a run of consecutive events with one segment label.
type span struct {
	segment        string
	first, last, n int64
	start, end     [hashSize]byte
	closed         bool // an event of a later segment follows it
}

// chunk is what walking one seq range found.
type chunk struct {
	lo, hi            int64
	n, bytes          int64
	seen              bool // at least one row was read
	firstSeq, lastSeq int64
	firstSegment      string
	firstPrev         [hashSize]byte
	lastHash          [hashSize]byte
	spans             []span
	brk               *Break
	err               error
}

// minChunk keeps small logs in one pass, where goroutines cost more than
// they save.
const minChunk = 20000

func (l *Log) walkAll(ctx context.Context, snap *snapshot) ([]chunk, error) {
	if snap.maxSeq == 0 && snap.minSeq == 0 {
		return nil, nil
	}
	total := snap.maxSeq - snap.minSeq + 1
	n := int64(min(runtime.GOMAXPROCS(0), 8)) // 8: the SQLite reader pool
	if l.workers > 0 {
		n = int64(l.workers)
	}
	n = max(1, min(n, total/l.chunkMin))
	chunks := make([]chunk, n)
	size := (total + n - 1) / n
	for i := range chunks {
		lo := snap.minSeq + int64(i)*size
		chunks[i].lo, chunks[i].hi = lo, min(lo+size-1, snap.maxSeq)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	for i := range chunks {
		wg.Go(func() {
			if err := l.walk(ctx, &chunks[i]); err != nil {
				chunks[i].err = err
				cancel()
			}
		})
	}
	wg.Wait()
	for i := range chunks {
		if chunks[i].err != nil {
			return nil, chunks[i].err
		}
	}
	return chunks, nil
}

// walk checks each event of c's range against its own hash and its
// predecessor, stopping at the first failure. The first event's link to
// the previous chunk is checked when the chunks are joined.
func (l *Log) walk(ctx context.Context, c *chunk) error {
	s, err := l.scanRange(ctx, c.lo, c.hi)
	if err != nil {
		return err
	}
	defer s.close()
	buf := make([]byte, 0, 512)
	r := &s.r
	var cur *span
	stop := func(seq int64, reason string) {
		c.brk = &Break{Seq: seq, Segment: string(r.segment), Reason: reason}
	}
	for {
		ok, err := s.next()
		if err != nil {
			return err
		}
		if !ok {
			return nil
		}
		if !c.seen {
			c.seen = true
			c.firstSeq, c.firstSegment = r.seq, string(r.segment)
			copy(c.firstPrev[:], s.prev)
		} else {
			switch {
			case r.seq != c.lastSeq+1:
				stop(c.lastSeq+1, fmt.Sprintf("event missing: event %d is followed by %d", c.lastSeq, r.seq))
				return nil
			case !bytes.Equal(s.prev, c.lastHash[:]):
				stop(r.seq, fmt.Sprintf("prev_hash does not match the hash of event %d", c.lastSeq))
				return nil
			}
		}
		if r.seq < 1 {
			stop(r.seq, "seq is not positive")
			return nil
		}
		buf = r.hashInput(buf[:0], s.prev)
		sum := sha256.Sum256(buf)
		if !bytes.Equal(sum[:], s.hash) {
			stop(r.seq, "hash does not match the event's contents")
			return nil
		}
		// string(r.segment) in a comparison does not allocate; a new
		// string is made only when a segment starts.
		if cur == nil || cur.segment != string(r.segment) {
			if cur != nil {
				if string(r.segment) < cur.segment {
					stop(r.seq, fmt.Sprintf("segment %s follows later segment %s", r.segment, cur.segment))
					return nil
				}
				cur.closed = true
			}
			c.spans = append(c.spans, span{segment: string(r.segment), first: r.seq})
			cur = &c.spans[len(c.spans)-1]
			copy(cur.start[:], s.prev)
		}
		cur.last, cur.end = r.seq, sum
		cur.n++
		c.n++
		c.bytes += int64(len(buf))
		c.lastSeq, c.lastHash = r.seq, sum
	}
}

// mergeSpans appends next to spans, joining a segment cut by a chunk edge.
func mergeSpans(spans, next []span, v *verdict) []span {
	if len(spans) > 0 && len(next) > 0 {
		tail := &spans[len(spans)-1]
		switch h := next[0]; {
		case h.segment == tail.segment:
			tail.last, tail.end, tail.closed = h.last, h.end, h.closed
			tail.n += h.n
			next = next[1:]
		case h.segment < tail.segment:
			v.add(h.first, h.segment, fmt.Sprintf("segment %s follows later segment %s", h.segment, tail.segment))
		default:
			tail.closed = true
		}
	}
	return append(spans, next...)
}

// checkPrefix checks that the checkpoints of deleted segments cover exactly
// the seqs before the first remaining event (first, nil if none) and link to
// it. It returns how many segments were deleted and their names.
func checkPrefix(snap *snapshot, first *chunk, v *verdict) (int, map[string]bool) {
	firstSeq := int64(math.MaxInt64)
	if first != nil {
		firstSeq = first.firstSeq
	}
	var cover int64
	coverHash := make([]byte, hashSize) // the first event ever follows zeros
	used := map[string]bool{}
	for i := range snap.checkpoints {
		c := &snap.checkpoints[i]
		if c.last >= firstSeq {
			break
		}
		used[c.segment] = true
		switch {
		case c.first != cover+1:
			v.add(cover+1, c.segment, fmt.Sprintf("events %d to %d are missing and no checkpoint covers them", cover+1, c.first-1))
		case !bytes.Equal(c.start, coverHash):
			v.add(c.first, c.segment, "checkpoint start hash does not link to the previous checkpoint")
		case c.n != c.last-c.first+1:
			v.add(c.last, c.segment, "checkpoint count disagrees with its seq range")
		}
		cover, coverHash = c.last, c.end
	}
	if first == nil {
		if snap.head.seq > cover {
			v.add(cover+1, snap.head.segment, fmt.Sprintf("events %d to %d are missing", cover+1, snap.head.seq))
		}
		return len(used), used
	}
	switch {
	case firstSeq != cover+1:
		v.add(cover+1, first.firstSegment, fmt.Sprintf("events %d to %d are missing and no checkpoint covers them", cover+1, firstSeq-1))
	case !bytes.Equal(first.firstPrev[:], coverHash):
		reason := "prev_hash of the first event is not zero"
		if cover > 0 {
			reason = "prev_hash does not match the end hash of the last deleted segment's checkpoint"
		}
		v.add(firstSeq, first.firstSegment, reason)
	}
	return len(used), used
}

// checkSegments checks every checkpoint's MAC and that each closed segment
// present agrees with its checkpoint; when the walk was complete, also that
// every checkpoint is accounted for.
func (l *Log) checkSegments(snap *snapshot, spans []span, complete bool, used map[string]bool, v *verdict) {
	bySeg := make(map[string]*checkpoint, len(snap.checkpoints))
	for i := range snap.checkpoints {
		c := &snap.checkpoints[i]
		bySeg[c.segment] = c
		if !c.validMAC(l.key) {
			v.add(c.last, c.segment, "checkpoint MAC is invalid (the checkpoint was altered or forged)")
		}
	}

	// Segments present: all but the head's open one must be sealed.
	for i := range spans {
		s := &spans[i]
		open := i == len(spans)-1 && s.segment == snap.head.segment
		if !s.closed && !(complete && i == len(spans)-1) {
			continue // cut short by a break; nothing to compare
		}
		c := bySeg[s.segment]
		used[s.segment] = true
		switch {
		case open && c != nil:
			v.add(c.last, c.segment, "the open segment has a checkpoint")
		case open:
		case c == nil:
			v.add(s.last, s.segment, "closed segment has no checkpoint")
		case c.first != s.first || c.last != s.last || c.n != s.n:
			v.add(c.last, c.segment, fmt.Sprintf("checkpoint says events %d to %d (%d), the log holds %d to %d (%d)", c.first, c.last, c.n, s.first, s.last, s.n))
		case !bytes.Equal(c.start, s.start[:]):
			v.add(c.last, c.segment, "checkpoint start hash disagrees with the segment's first event")
		case !bytes.Equal(c.end, s.end[:]):
			v.add(c.last, c.segment, "checkpoint end hash disagrees with the segment's last event")
		}
	}
	if complete {
		for i := range snap.checkpoints {
			if c := &snap.checkpoints[i]; !used[c.segment] {
				v.add(c.first, c.segment, fmt.Sprintf("the events of closed segment %s (%d to %d) are missing", c.segment, c.first, c.last))
			}
		}
	}
}

// checkHead compares the head row with the last event and the open segment,
// so that deleting the newest events is detected, and so is a head whose
// open-segment fields would seal a wrong checkpoint when the month closes.
// (Events after the head are reported by Verify from the seq bounds.)
func checkHead(snap *snapshot, last *chunk, spans []span, v *verdict) {
	h := &snap.head
	if last == nil {
		return // handled with the checkpoints
	}
	open := &spans[len(spans)-1]
	seg := open.segment
	switch {
	case last.lastSeq < h.seq:
		v.add(last.lastSeq+1, h.segment, fmt.Sprintf("events %d to %d are missing (the head is at %d)", last.lastSeq+1, h.seq, h.seq))
	case last.lastSeq > h.seq:
		// Reported by Verify, which sees the bounds even when the walk
		// stopped early.
	case !bytes.Equal(last.lastHash[:], h.hash):
		v.add(h.seq, seg, "the head's hash differs from the last event's")
	case seg != h.segment:
		v.add(h.seq, seg, fmt.Sprintf("the head names segment %s but the last event is in %s", h.segment, seg))
	case open.first != h.segFirst:
		v.add(h.seq, seg, fmt.Sprintf("the head says open segment %s starts at event %d, but it starts at %d", seg, h.segFirst, open.first))
	case !bytes.Equal(open.start[:], h.segStart):
		v.add(h.seq, seg, fmt.Sprintf("the head's start hash of open segment %s differs from the prev_hash of its first event", seg))
	}
}
