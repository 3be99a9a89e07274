package audit

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stewardhq/steward/internal/store"
	"github.com/stewardhq/steward/internal/store/storetest"
)

// benchEvents is the size of the log BenchmarkVerify checks.
const benchEvents = 200_000

// eachEngine runs a benchmark on a SQLite file and, when configured, on
// PostgreSQL.
func eachEngine(b *testing.B, fn func(b *testing.B, env storetest.Env)) {
	b.Run("sqlite", func(b *testing.B) { fn(b, storetest.SQLiteEnv(b)) })
	if os.Getenv(storetest.EnvPostgres) != "" {
		b.Run("postgres", func(b *testing.B) { fn(b, storetest.PostgresEnv(b)) })
	}
}

// buildLog fills a fresh log with n sample events spread over four months,
// in transactions of 5000. The content is deterministic, so two builds
// yield the same canonical bytes.
func buildLog(tb testing.TB, env storetest.Env, n int) (*store.DB, *Log) {
	db, l, clk := openLog(tb, env)
	const batch = 5000
	for i := 0; i < n; i += batch {
		month := time.Month(9 + i*4/n)
		clk.set(time.Date(2026, month, 1+i%27, 0, 0, 0, 0, time.UTC).Add(time.Duration(i) * time.Millisecond))
		appendN(tb, db, l, i, min(batch, n-i))
	}
	return db, l
}

func BenchmarkAppendBatched(b *testing.B) {
	eachEngine(b, func(b *testing.B, env storetest.Env) {
		db, l, _ := openLog(b, env)
		const batch = 1000
		for b.Loop() {
			appendN(b, db, l, 0, batch)
		}
		b.ReportMetric(float64(b.N*batch)/b.Elapsed().Seconds(), "events/s")
	})
}

func BenchmarkAppendOnePerTransaction(b *testing.B) {
	eachEngine(b, func(b *testing.B, env storetest.Env) {
		_, l, _ := openLog(b, env)
		ctx := context.Background()
		e := sampleEvent(1)
		for b.Loop() {
			if _, err := l.Append(ctx, e); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
	})
}

func BenchmarkVerify(b *testing.B) {
	eachEngine(b, func(b *testing.B, env storetest.Env) {
		_, l := buildLog(b, env, benchEvents)
		for _, tc := range []struct {
			name    string
			workers int
		}{{"serial", 1}, {"parallel", 0}} {
			b.Run(tc.name, func(b *testing.B) {
				l.workers = tc.workers
				var rep Report
				for b.Loop() {
					var err error
					if rep, err = l.Verify(context.Background()); err != nil || rep.FirstBad != nil {
						b.Fatalf("verify: %v %v", err, rep.FirstBad)
					}
				}
				b.SetBytes(rep.Bytes)
				b.ReportMetric(float64(int64(b.N)*rep.Events)/b.Elapsed().Seconds(), "events/s")
			})
		}
	})
}

// TestWriteCanonicalForBench checks that CanonicalBytes writes exactly the
// bytes Verify hashes. With STEWARD_BENCH_CANONICAL_OUT set it writes the
// benchmark's whole log there, so `sha256sum` can be timed over the same
// input:
//
//	STEWARD_BENCH_CANONICAL_OUT=/tmp/audit.bin go test -run TestWriteCanonicalForBench ./internal/audit
//	time sha256sum /tmp/audit.bin
//
// Without it, a small log goes to a temporary file.
func TestWriteCanonicalForBench(t *testing.T) {
	out, events := os.Getenv("STEWARD_BENCH_CANONICAL_OUT"), benchEvents
	if out == "" {
		out, events = filepath.Join(t.TempDir(), "canonical.bin"), 2000
	}
	_, l := buildLog(t, storetest.SQLiteEnv(t), events)
	f, err := os.Create(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	n, err := l.CanonicalBytes(context.Background(), f)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	rep := mustVerify(t, l)
	if rep.Bytes != n || rep.FirstBad != nil {
		t.Fatalf("wrote %d bytes but Verify hashed %d (%v)", n, rep.Bytes, rep.FirstBad)
	}
	t.Logf("wrote %d bytes of %d events to %s", n, rep.Events, out)
}
