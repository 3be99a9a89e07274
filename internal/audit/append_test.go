package audit

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stewardhq/steward/internal/apperr"
	"github.com/stewardhq/steward/internal/store"
	"github.com/stewardhq/steward/internal/store/storetest"
)

func TestAppendJoinsCallersTransaction(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		ctx := context.Background()
		db, l, _ := openLog(t, env)
		var txNow time.Time
		err := db.InTx(ctx, func(ctx context.Context, tx *store.Tx) error {
			txNow = tx.Now()
			if _, err := tx.ExecContext(ctx, `INSERT INTO settings (name, value, updated_at) VALUES ('x', 'y', $1)`, store.Millis(txNow)); err != nil {
				return err
			}
			for want := int64(1); want <= 2; want++ {
				seq, err := l.Append(ctx, Event{ActorID: "a1", Action: "setting.change", Entity: "setting", EntityID: "x"})
				if err != nil {
					return err
				}
				if seq != want {
					t.Errorf("seq = %d, want %d", seq, want)
				}
			}
			// The events are visible inside the transaction, not outside.
			if got, _ := l.List(ctx, Filter{}); len(got) != 2 {
				t.Errorf("inside the transaction List = %d events, want 2", len(got))
			}
			if n := storetest.Count(t, db.Reader(), `SELECT count(*) FROM audit_events`); n != 0 {
				t.Errorf("outside the open transaction %d events visible, want 0", n)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		got, err := l.List(ctx, Filter{})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 2 || got[0].Seq != 2 || !got[0].At.Equal(txNow) || got[0].Segment != "2026-09" {
			t.Fatalf("after commit: %+v", got)
		}
		if rep := mustVerify(t, l); rep.FirstBad != nil || rep.Events != 2 {
			t.Fatalf("verify: %+v %v", rep, rep.FirstBad)
		}
	})
}

func TestAppendRolledBackLeavesNoTrace(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		ctx := context.Background()
		db, l, clk := openLog(t, env)
		if _, err := l.Append(ctx, sampleEvent(1)); err != nil {
			t.Fatal(err)
		}
		headBefore := readHead(t, db)
		boom := errors.New("boom")
		// The rolled-back transaction would also have closed September.
		clk.set(time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC))
		err := db.InTx(ctx, func(ctx context.Context, tx *store.Tx) error {
			for i := range 3 {
				if _, err := l.Append(ctx, sampleEvent(i)); err != nil {
					return err
				}
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("InTx = %v, want boom", err)
		}
		if n := storetest.Count(t, db.Reader(), `SELECT count(*) FROM audit_events`); n != 1 {
			t.Fatalf("%d events after rollback, want 1", n)
		}
		if n := storetest.Count(t, db.Reader(), `SELECT count(*) FROM audit_checkpoints`); n != 0 {
			t.Fatalf("%d checkpoints after rollback, want 0", n)
		}
		if h := readHead(t, db); h != headBefore {
			t.Fatalf("head changed by a rolled-back append: %q, was %q", h, headBefore)
		}
		seq, err := l.Append(ctx, sampleEvent(2))
		if err != nil || seq != 2 {
			t.Fatalf("next append = %d, %v; want 2", seq, err)
		}
		if rep := mustVerify(t, l); rep.FirstBad != nil || rep.Segments != 2 {
			t.Fatalf("verify: %+v %v", rep, rep.FirstBad)
		}
	})
}

func readHead(tb testing.TB, db *store.DB) string {
	tb.Helper()
	var seq int64
	var hash []byte
	var seg string
	if err := db.Reader().QueryRowContext(context.Background(), `SELECT seq, hash, segment FROM audit_head`).Scan(&seq, &hash, &seg); err != nil {
		tb.Fatal(err)
	}
	return fmt.Sprintf("%d|%x|%s", seq, hash, seg)
}

func TestVerifyGoodChainAcrossMonths(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		db, l, clk := openLog(t, env)
		if rep := mustVerify(t, l); rep.FirstBad != nil || rep.Events != 0 {
			t.Fatalf("empty log: %+v %v", rep, rep.FirstBad)
		}
		threeMonths(t, db, l, clk)
		for _, chunkMin := range []int64{minChunk, 1, 4} {
			l.chunkMin = chunkMin
			rep := mustVerify(t, l)
			if rep.FirstBad != nil {
				t.Fatalf("chunks of %d: %v", chunkMin, rep.FirstBad)
			}
			if rep.Events != 15 || rep.Segments != 3 || rep.Pruned != 0 || rep.Bytes == 0 {
				t.Fatalf("chunks of %d: report %+v", chunkMin, rep)
			}
		}
		if n := storetest.Count(t, db.Reader(), `SELECT count(*) FROM audit_checkpoints`); n != 2 {
			t.Fatalf("%d checkpoints, want 2", n)
		}
		// A server whose clock lags must not reopen a closed month.
		clk.set(time.Date(2026, 10, 31, 0, 0, 0, 0, time.UTC))
		if _, err := l.Append(context.Background(), sampleEvent(99)); err != nil {
			t.Fatal(err)
		}
		got, err := l.List(context.Background(), Filter{Limit: 1})
		if err != nil || got[0].Segment != "2026-11" {
			t.Fatalf("late clock: %+v, %v", got, err)
		}
		if rep := mustVerify(t, l); rep.FirstBad != nil {
			t.Fatal(rep.FirstBad)
		}
	})
}

func TestListFilters(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		ctx := context.Background()
		db, l, _ := openLog(t, env)
		appendN(t, db, l, 0, 30)
		all, err := l.List(ctx, Filter{Limit: 1000})
		if err != nil || len(all) != 30 || all[0].Seq != 30 || all[29].Seq != 1 {
			t.Fatalf("all newest first: %d, %v", len(all), err)
		}
		if all[0].Detail["count"] == "" || len(all[0].Hash) != hashSize {
			t.Fatalf("event not fully read: %+v", all[0])
		}
		subj := sampleEvent(5).SubjectID
		bySubj, err := l.List(ctx, Filter{SubjectID: subj})
		if err != nil || len(bySubj) != 1 || bySubj[0].SubjectID != subj {
			t.Fatalf("by subject: %+v, %v", bySubj, err)
		}
		fwd, err := l.List(ctx, Filter{AfterSeq: 10, Limit: 5})
		if err != nil || len(fwd) != 5 || fwd[0].Seq != 11 || fwd[4].Seq != 15 {
			t.Fatalf("after 10: %+v, %v", fwd, err)
		}
		back, err := l.List(ctx, Filter{BeforeSeq: 10, Limit: 3, EntityID: sampleEvent(8).EntityID, Action: "subject.read", ActorID: sampleEvent(8).ActorID})
		if err != nil || len(back) != 1 || back[0].Seq != 9 {
			t.Fatalf("before 10, by entity: %+v, %v", back, err)
		}
	})
}

func TestAppendRefusesBadEvents(t *testing.T) {
	db, l, _ := openLog(t, storetest.SQLiteEnv(t))
	long := strings.Repeat("é", MaxDetailValue+1)
	for _, tc := range []struct {
		name string
		e    Event
	}{
		{"no action", Event{}},
		{"action upper case", Event{Action: "Session.Login"}},
		{"detail key upper case", Event{Action: "a.b", Detail: map[string]string{"Name": "x"}}},
		{"detail key with space", Event{Action: "a.b", Detail: map[string]string{"first name": "x"}}},
		{"detail key empty", Event{Action: "a.b", Detail: map[string]string{"": "x"}}},
		{"detail value too long", Event{Action: "a.b", Detail: map[string]string{"note": long}}},
		{"detail value bad utf8", Event{Action: "a.b", Detail: map[string]string{"note": "\xff"}}},
		{"actor too long", Event{Action: "a.b", ActorID: strings.Repeat("a", maxField+1)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := l.Append(context.Background(), tc.e)
			if !errors.Is(err, ErrInvalidEvent) || !apperr.Is(err, apperr.Invalid) {
				t.Fatalf("err = %v, want ErrInvalidEvent with code invalid", err)
			}
			if strings.Contains(err.Error(), "éé") {
				t.Fatal("the refused value is echoed in the error")
			}
		})
	}
	ok := Event{Action: "a.b", Detail: map[string]string{"note_2": strings.Repeat("é", MaxDetailValue)}}
	if _, err := l.Append(context.Background(), ok); err != nil {
		t.Fatalf("a value of exactly %d characters: %v", MaxDetailValue, err)
	}
	if n := storetest.Count(t, db.Reader(), `SELECT count(*) FROM audit_events`); n != 1 {
		t.Fatalf("%d events stored, want 1", n)
	}
}

func TestConcurrentAppendersKeepOneChain(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		ctx := context.Background()
		db, l, clk := openLog(t, env)
		const workers, txs, perTx = 8, 25, 3
		var wg sync.WaitGroup
		errs := make(chan error, workers)
		for w := range workers {
			wg.Go(func() {
				for i := range txs {
					if w == 0 && i == txs/2 {
						// Close a segment while others append.
						clk.set(time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC))
					}
					err := db.InTx(ctx, func(ctx context.Context, tx *store.Tx) error {
						for j := range perTx {
							if _, err := l.Append(ctx, sampleEvent(w*1000+i*10+j)); err != nil {
								return err
							}
						}
						return nil
					})
					if err != nil {
						errs <- err
						return
					}
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		rep := mustVerify(t, l)
		if rep.FirstBad != nil || rep.Events != workers*txs*perTx || rep.Segments != 2 {
			t.Fatalf("report %+v, break %v", rep, rep.FirstBad)
		}
		// Each transaction's events are consecutive: the head lock was held
		// from a transaction's first append to its commit.
		all, err := l.List(ctx, Filter{Limit: MaxLimit})
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i+2 < len(all); i += 3 {
			if a, c := all[i+2].EntityID, all[i].EntityID; a[len(a)-1] != '0' || c[len(c)-1] != '2' || a[:len(a)-1] != c[:len(c)-1] {
				t.Fatalf("events %d-%d interleave transactions: %s .. %s", all[i+2].Seq, all[i].Seq, a, c)
			}
		}
	})
}
