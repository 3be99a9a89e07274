package audit

import (
	"bytes"
	"context"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stewardhq/steward/internal/store"
	"github.com/stewardhq/steward/internal/store/storetest"
)

// testClock is a settable clock for store.Options.Clock.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

func testKey() []byte { return bytes.Repeat([]byte{0x5a}, KeySize) }

// openLog opens a migrated database of env whose clock the test controls,
// starting in September 2026.
func openLog(tb testing.TB, env storetest.Env) (*store.DB, *Log, *testClock) {
	tb.Helper()
	clk := &testClock{t: time.Date(2026, 9, 15, 10, 0, 0, 0, time.UTC)}
	db, err := store.Open(context.Background(), store.Options{
		Target: env.Data, Migrations: store.DataMigrations(), Clock: clk.now,
	})
	if err != nil {
		tb.Fatalf("open database: %v", err)
	}
	tb.Cleanup(func() { db.Close() })
	return db, New(db, testKey()), clk
}

// sampleEvent is a plausible event numbered i.
func sampleEvent(i int) Event {
	return Event{
		ActorID:   "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b",
		Action:    "subject.read",
		Entity:    "subject",
		EntityID:  "0190a1b2-0000-7000-8000-" + strconv.Itoa(100000000000+i),
		SubjectID: "0190a1b2-0000-7000-8000-" + strconv.Itoa(100000000000+i%97),
		Purpose:   "casework",
		Detail:    map[string]string{"count": strconv.Itoa(i % 13), "unit_id": "u" + strconv.Itoa(i%7)},
	}
}

// appendN appends n sample events in one transaction.
func appendN(tb testing.TB, db *store.DB, l *Log, from, n int) {
	tb.Helper()
	err := db.InTx(context.Background(), func(ctx context.Context, tx *store.Tx) error {
		for i := range n {
			if _, err := l.Append(ctx, sampleEvent(from+i)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		tb.Fatalf("append %d events: %v", n, err)
	}
}

// threeMonths builds seqs 1-5 in 2026-09, 6-10 in 2026-10 and 11-15 in
// 2026-11, mixing single-event and batched transactions.
func threeMonths(tb testing.TB, db *store.DB, l *Log, clk *testClock) {
	tb.Helper()
	ctx := context.Background()
	for m, month := range []time.Month{time.September, time.October, time.November} {
		clk.set(time.Date(2026, month, 28, 23, 0, 0, 0, time.UTC))
		if _, err := l.Append(ctx, sampleEvent(m*5)); err != nil {
			tb.Fatal(err)
		}
		appendN(tb, db, l, m*5+1, 4)
	}
}

func mustVerify(tb testing.TB, l *Log) Report {
	tb.Helper()
	rep, err := l.Verify(context.Background())
	if err != nil {
		tb.Fatalf("verify: %v", err)
	}
	return rep
}

func exec(tb testing.TB, db *store.DB, q string, args ...any) {
	tb.Helper()
	if _, err := db.Writer().ExecContext(context.Background(), q, args...); err != nil {
		tb.Fatalf("%s: %v", q, err)
	}
}
