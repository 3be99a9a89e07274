package audit

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/stewardhq/steward/internal/store"
	"github.com/stewardhq/steward/internal/store/storetest"
)

// verifyAllWays runs Verify in one pass and split into chunks of three
// events (edges between 3|4, 6|7, 9|10, 12|13), which must agree.
func verifyAllWays(t *testing.T, l *Log) *Break {
	t.Helper()
	one := mustVerify(t, l).FirstBad
	l.chunkMin, l.workers = 1, 5
	defer func() { l.chunkMin, l.workers = minChunk, 0 }()
	split := mustVerify(t, l).FirstBad
	if (one == nil) != (split == nil) || one != nil && (one.Seq != split.Seq || one.Segment != split.Segment) {
		t.Fatalf("one pass found %v, chunked found %v", one, split)
	}
	return one
}

// eventRow is every stored column of an event but seq.
type eventRow struct {
	segment, actor, action, entity, entityID, subjectID, purpose, detail string
	at                                                                   int64
	prev, hash                                                           []byte
}

func readRow(t *testing.T, db *store.DB, seq int64) eventRow {
	t.Helper()
	var r eventRow
	err := db.Reader().QueryRowContext(context.Background(), `SELECT segment, at, actor_id, action, entity, entity_id, subject_id, purpose, detail, prev_hash, hash FROM audit_events WHERE seq = $1`, seq).
		Scan(&r.segment, &r.at, &r.actor, &r.action, &r.entity, &r.entityID, &r.subjectID, &r.purpose, &r.detail, &r.prev, &r.hash)
	if err != nil {
		t.Fatalf("read event %d: %v", seq, err)
	}
	return r
}

func writeRow(t *testing.T, db *store.DB, seq int64, r eventRow) {
	t.Helper()
	exec(t, db, `UPDATE audit_events SET segment=$1, at=$2, actor_id=$3, action=$4, entity=$5, entity_id=$6, subject_id=$7, purpose=$8, detail=$9, prev_hash=$10, hash=$11 WHERE seq=$12`,
		r.segment, r.at, r.actor, r.action, r.entity, r.entityID, r.subjectID, r.purpose, r.detail, r.prev, r.hash, seq)
}

func swap(t *testing.T, db *store.DB, a, b int64) {
	ra, rb := readRow(t, db, a), readRow(t, db, b)
	writeRow(t, db, a, rb)
	writeRow(t, db, b, ra)
}

// The chain under test: 2026-09 holds 1-5, 2026-10 holds 6-10, 2026-11
// (open) holds 11-15.
func TestVerifyNamesFirstBadEvent(t *testing.T) {
	junk := bytes.Repeat([]byte{0xee}, hashSize)
	for _, tc := range []struct {
		name    string
		tamper  func(t *testing.T, db *store.DB)
		seq     int64
		segment string // checked when set
		reason  string // substring of the reason
	}{
		{"action", sqlTamper(`UPDATE audit_events SET action = 'subject.export' WHERE seq = 7`), 7, "2026-10", "hash"},
		{"actor", sqlTamper(`UPDATE audit_events SET actor_id = 'someone-else' WHERE seq = 7`), 7, "", "hash"},
		{"at", sqlTamper(`UPDATE audit_events SET at = at + 1 WHERE seq = 7`), 7, "", "hash"},
		{"detail", sqlTamper(`UPDATE audit_events SET detail = '{"count":"9"}' WHERE seq = 7`), 7, "", "hash"},
		{"subject", sqlTamper(`UPDATE audit_events SET subject_id = '' WHERE seq = 7`), 7, "", "hash"},
		{"entity id", sqlTamper(`UPDATE audit_events SET entity_id = 'x' WHERE seq = 12`), 12, "", "hash"},
		{"purpose", sqlTamper(`UPDATE audit_events SET purpose = 'marketing' WHERE seq = 1`), 1, "", "hash"},
		{"segment label", sqlTamper(`UPDATE audit_events SET segment = '2026-11' WHERE seq = 10`), 10, "", "hash"},
		{"hash", sqlTamper(`UPDATE audit_events SET hash = $1 WHERE seq = 7`, junk), 7, "", "hash"},
		{"hash at a chunk edge", sqlTamper(`UPDATE audit_events SET hash = $1 WHERE seq = 6`, junk), 6, "", "hash"},
		{"hash of the last event", sqlTamper(`UPDATE audit_events SET hash = $1 WHERE seq = 15`, junk), 15, "", "hash"},
		{"prev hash", sqlTamper(`UPDATE audit_events SET prev_hash = $1 WHERE seq = 7`, junk), 7, "", "prev_hash"},
		{"prev hash of the first event", sqlTamper(`UPDATE audit_events SET prev_hash = $1 WHERE seq = 1`, junk), 1, "", "prev_hash"},
		{"delete a middle event", sqlTamper(`DELETE FROM audit_events WHERE seq = 7`), 7, "", "missing"},
		{"delete at a chunk edge", sqlTamper(`DELETE FROM audit_events WHERE seq = 4`), 4, "", "missing"},
		{"delete a segment's first event", sqlTamper(`DELETE FROM audit_events WHERE seq = 11`), 11, "", "missing"},
		{"delete a closed segment's last event", sqlTamper(`DELETE FROM audit_events WHERE seq = 10`), 10, "", "missing"},
		{"delete the first event", sqlTamper(`DELETE FROM audit_events WHERE seq = 1`), 1, "", "missing"},
		{"delete the last event", sqlTamper(`DELETE FROM audit_events WHERE seq = 15`), 15, "2026-11", "missing"},
		{"delete the last two events", sqlTamper(`DELETE FROM audit_events WHERE seq >= 14`), 14, "", "missing"},
		{"delete a middle segment", sqlTamper(`DELETE FROM audit_events WHERE segment = '2026-10'`), 6, "", "missing"},
		{"delete the open segment", sqlTamper(`DELETE FROM audit_events WHERE segment = '2026-11'`), 11, "", "missing"},
		{"renumber an event", sqlTamper(`UPDATE audit_events SET seq = 1000 WHERE seq = 7`), 7, "", "missing"},
		{"swap two events", func(t *testing.T, db *store.DB) { swap(t, db, 3, 8) }, 3, "", ""},
		{"swap the last two events", func(t *testing.T, db *store.DB) { swap(t, db, 14, 15) }, 14, "", ""},
		{"head rolled back", sqlTamper(`UPDATE audit_head SET seq = 14`), 15, "", "beyond the head"},
		{"head hash", sqlTamper(`UPDATE audit_head SET hash = $1`, junk), 15, "", "head"},
		{"head MAC", sqlTamper(`UPDATE audit_head SET mac = $1`, junk), 16, "2026-11", "MAC"},
		{"head MAC removed", sqlTamper(`UPDATE audit_head SET mac = $1`, []byte{}), 16, "2026-11", "MAC"},
		{"head open segment first seq", sqlTamper(`UPDATE audit_head SET seg_first_seq = 12`), 15, "2026-11", "starts at event 12"},
		{"head open segment start hash", sqlTamper(`UPDATE audit_head SET seg_start_hash = $1`, junk), 15, "2026-11", "start hash"},
		{"head rolled back to the migration's row", sqlTamper(`UPDATE audit_head SET seq = 0, hash = $1, segment = '', seg_first_seq = 0, seg_start_hash = $1, mac = $2`, make([]byte, hashSize), []byte{}), 1, "", "beyond the head"},
		{"head and last two events rolled back", func(t *testing.T, db *store.DB) {
			exec(t, db, `DELETE FROM audit_events WHERE seq >= 14`)
			exec(t, db, `UPDATE audit_head SET seq = 13, hash = $1`, readRow(t, db, 13).hash)
		}, 14, "2026-11", "MAC"},
		{"checkpoint MAC", sqlTamper(`UPDATE audit_checkpoints SET mac = $1 WHERE segment = '2026-10'`, junk), 10, "2026-10", "MAC"},
		{"checkpoint end hash", sqlTamper(`UPDATE audit_checkpoints SET end_hash = $1 WHERE segment = '2026-09'`, junk), 5, "2026-09", "MAC"},
		{"checkpoint count", sqlTamper(`UPDATE audit_checkpoints SET count = 4 WHERE segment = '2026-09'`), 5, "2026-09", ""},
		{"checkpoint deleted", sqlTamper(`DELETE FROM audit_checkpoints WHERE segment = '2026-10'`), 10, "2026-10", "no checkpoint"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			storetest.Each(t, func(t *testing.T, env storetest.Env) {
				db, l, clk := openLog(t, env)
				threeMonths(t, db, l, clk)
				tc.tamper(t, db)
				b := verifyAllWays(t, l)
				if b == nil {
					t.Fatal("tampering not detected")
				}
				if b.Seq != tc.seq || tc.segment != "" && b.Segment != tc.segment || !strings.Contains(b.Reason, tc.reason) {
					t.Fatalf("break %v; want event %d segment %q reason containing %q", b, tc.seq, tc.segment, tc.reason)
				}
			})
		})
	}
}

func sqlTamper(q string, args ...any) func(t *testing.T, db *store.DB) {
	return func(t *testing.T, db *store.DB) { exec(t, db, q, args...) }
}

// Retention deletes whole segments from the oldest end; verification then
// starts from the checkpoints. Any other deletion is still detected.
func TestVerifyAfterRetention(t *testing.T) {
	junk := bytes.Repeat([]byte{0xee}, hashSize)
	for _, tc := range []struct {
		name   string
		delete []string // SQL run in order
		pruned int
		events int64
		bad    int64 // 0: the log must verify
	}{
		{"oldest segment", []string{`DELETE FROM audit_events WHERE segment = '2026-09'`}, 1, 10, 0},
		{"two oldest segments", []string{`DELETE FROM audit_events WHERE segment <= '2026-10'`}, 2, 5, 0},
		{"a segment that is not the oldest", []string{`DELETE FROM audit_events WHERE segment = '2026-10'`}, 0, 0, 6},
		{"part of the oldest segment", []string{`DELETE FROM audit_events WHERE seq <= 3`}, 0, 0, 1},
		{"oldest segment and more", []string{`DELETE FROM audit_events WHERE seq <= 7`}, 0, 0, 6},
		{"oldest segment and its checkpoint", []string{`DELETE FROM audit_events WHERE segment = '2026-09'`, `DELETE FROM audit_checkpoints WHERE segment = '2026-09'`}, 0, 0, 1},
		{"every event", []string{`DELETE FROM audit_events`}, 0, 0, 11},
	} {
		t.Run(tc.name, func(t *testing.T) {
			storetest.Each(t, func(t *testing.T, env storetest.Env) {
				db, l, clk := openLog(t, env)
				threeMonths(t, db, l, clk)
				for _, q := range tc.delete {
					exec(t, db, q)
				}
				b := verifyAllWays(t, l)
				if tc.bad != 0 {
					if b == nil || b.Seq != tc.bad {
						t.Fatalf("break %v, want at event %d", b, tc.bad)
					}
					return
				}
				if b != nil {
					t.Fatalf("retention broke verification: %v", b)
				}
				rep := mustVerify(t, l)
				if rep.Pruned != tc.pruned || rep.Events != tc.events {
					t.Fatalf("report %+v, want %d pruned and %d events", rep, tc.pruned, tc.events)
				}
				// Appending after retention keeps the log valid, and a
				// forged checkpoint of a deleted segment is still caught.
				appendN(t, db, l, 100, 3)
				if b := verifyAllWays(t, l); b != nil {
					t.Fatalf("after further appends: %v", b)
				}
				exec(t, db, `UPDATE audit_checkpoints SET end_hash = $1 WHERE segment = '2026-09'`, junk)
				if b := verifyAllWays(t, l); b == nil || b.Segment != "2026-09" || b.Seq != 5 {
					t.Fatalf("forged checkpoint of a deleted segment: %v", b)
				}
			})
		})
	}
}
