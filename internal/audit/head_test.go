package audit

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/stewardhq/steward/internal/apperr"
	"github.com/stewardhq/steward/internal/store"
	"github.com/stewardhq/steward/internal/store/storetest"
)

// headRow is every column of audit_head but id.
type headRow struct {
	seq, segFirst       int64
	hash, segStart, mac []byte
	segment             string
}

func readHeadRow(t *testing.T, db *store.DB) headRow {
	t.Helper()
	var h headRow
	err := db.Reader().QueryRowContext(context.Background(), `SELECT seq, hash, segment, seg_first_seq, seg_start_hash, mac FROM audit_head`).
		Scan(&h.seq, &h.hash, &h.segment, &h.segFirst, &h.segStart, &h.mac)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func writeHeadRow(t *testing.T, db *store.DB, h headRow) {
	t.Helper()
	exec(t, db, `UPDATE audit_head SET seq = $1, hash = $2, segment = $3, seg_first_seq = $4, seg_start_hash = $5, mac = $6`,
		h.seq, h.hash, h.segment, h.segFirst, h.segStart, h.mac)
}

// tenEvents builds seqs 1-10, all in the open segment 2026-09, so no
// checkpoint vouches for any of them: only the head does.
func tenEvents(t *testing.T, db *store.DB, l *Log) {
	t.Helper()
	for i := range 3 {
		if _, err := l.Append(context.Background(), sampleEvent(i)); err != nil {
			t.Fatal(err)
		}
	}
	appendN(t, db, l, 3, 7)
}

// The reviewer's case: the newest events are deleted and the head moved back
// to the last one kept. Every remaining link is sound; only the head's MAC
// gives it away, and an append must not re-seal it.
func TestVerifyCatchesTruncationWithHeadMovedBack(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		db, l, _ := openLog(t, env)
		tenEvents(t, db, l)
		if b := verifyAllWays(t, l); b != nil {
			t.Fatalf("untouched log: %v", b)
		}
		h := readHeadRow(t, db)
		exec(t, db, `DELETE FROM audit_events WHERE seq >= 8`)
		h.seq, h.hash = 7, readRow(t, db, 7).hash
		writeHeadRow(t, db, h)

		b := verifyAllWays(t, l)
		if b == nil || b.Seq != 8 || b.Segment != "2026-09" || !strings.Contains(b.Reason, "MAC") {
			t.Fatalf("break %v; want event 8 of 2026-09, head MAC", b)
		}

		// Appending onto the forged head would MAC it afresh and hide the
		// cut for good, so Append refuses and leaves the log as it was.
		_, err := l.Append(context.Background(), sampleEvent(100))
		if !errors.Is(err, ErrHeadInvalid) || !apperr.Is(err, apperr.Internal) {
			t.Fatalf("append onto a forged head: %v, want ErrHeadInvalid", err)
		}
		if n := storetest.Count(t, db.Reader(), `SELECT count(*) FROM audit_events`); n != 7 {
			t.Fatalf("%d events after the refused append, want 7", n)
		}
		if b := verifyAllWays(t, l); b == nil || b.Seq != 8 {
			t.Fatalf("after the refused append: %v", b)
		}
	})
}

// A head row saved earlier carries a genuine MAC. Restored alone it is
// caught by the events after it; restored with the events cut back to it,
// the log is an earlier consistent state and verifies. That is the limitation
// documented in the package comment, pinned here so that a future external
// anchor has a test to turn around.
func TestVerifyReplayedHead(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		db, l, _ := openLog(t, env)
		appendN(t, db, l, 0, 7)
		saved := readHeadRow(t, db)
		appendN(t, db, l, 7, 3)

		writeHeadRow(t, db, saved)
		if b := verifyAllWays(t, l); b == nil || b.Seq != 8 || !strings.Contains(b.Reason, "beyond the head") {
			t.Fatalf("old head with the newer events kept: %v; want event 8 beyond the head", b)
		}
		exec(t, db, `DELETE FROM audit_events WHERE seq >= 8`)
		if b := verifyAllWays(t, l); b != nil {
			t.Fatalf("a consistent rollback to a kept head was expected to pass (documented limitation), got %v", b)
		}
	})
}

func TestHeadMAC(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		ctx := context.Background()
		db, l, clk := openLog(t, env)

		// The migration's row has no MAC and is accepted as is.
		if h := readHeadRow(t, db); len(h.mac) != 0 || h.seq != 0 {
			t.Fatalf("fresh head %+v", h)
		}
		if rep := mustVerify(t, l); rep.FirstBad != nil {
			t.Fatalf("fresh log: %v", rep.FirstBad)
		}

		threeMonths(t, db, l, clk)
		h := readHeadRow(t, db)
		if len(h.mac) != hashSize || h.seq != 15 || h.segFirst != 11 || !bytes.Equal(h.segStart, readRow(t, db, 10).hash) {
			t.Fatalf("head after 15 events: %+v", h)
		}
		if b := verifyAllWays(t, l); b != nil {
			t.Fatalf("untouched log: %v", b)
		}
		// The MAC is over the head's fields alone: recomputing it gives
		// what Append stored.
		st := txState{seq: h.seq, hash: h.hash, segment: h.segment, segFirst: h.segFirst, segStart: h.segStart, mac: h.mac}
		if !validHead(newMAC(testKey()), &st) {
			t.Fatal("stored head MAC does not check")
		}
		if other := bytes.Repeat([]byte{0x5b}, KeySize); validHead(newMAC(other), &st) {
			t.Fatal("head MAC checks under another key")
		}

		// A forged MAC stops appends and nothing is written.
		exec(t, db, `UPDATE audit_head SET mac = $1`, bytes.Repeat([]byte{0xee}, hashSize))
		if _, err := l.Append(ctx, sampleEvent(50)); !errors.Is(err, ErrHeadInvalid) {
			t.Fatalf("append with a forged head MAC: %v", err)
		}
		if got := readHeadRow(t, db); got.seq != 15 {
			t.Fatalf("head moved to %d by a refused append", got.seq)
		}
		// Restoring the genuine MAC lets appends resume and the log verify.
		writeHeadRow(t, db, h)
		if _, err := l.Append(ctx, sampleEvent(50)); err != nil {
			t.Fatal(err)
		}
		if b := verifyAllWays(t, l); b != nil {
			t.Fatalf("after restoring the head: %v", b)
		}
	})
}
