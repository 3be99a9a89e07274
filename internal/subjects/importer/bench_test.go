package importer_test

import (
	"bufio"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/stewardhq/steward/internal/access"
	"github.com/stewardhq/steward/internal/store/storetest"
	"github.com/stewardhq/steward/internal/subjects/importer"
)

// envBenchRows turns on the scale import: STEWARD_BENCH_IMPORT_ROWS=1000000.
const envBenchRows = "STEWARD_BENCH_IMPORT_ROWS"

var (
	givenNames  = []string{"Amelia", "Oliver", "Isla", "George", "Ava", "Noah", "Mia", "Arthur", "Ivy", "Muhammad", "Freya", "Leo", "Aisha", "Harry", "Siobhan", "Dafydd", "Zofia", "Kwame", "Priya", "Eilidh"}
	familyNames = []string{"Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Patel", "Robinson", "Wright", "Thompson", "Evans", "Walker", "White", "Roberts", "Green", "Hall", "Khan", "O'Neill"}
	streets     = []string{"High Street", "Station Road", "Church Lane", "Victoria Road", "Park Avenue", "Mill Lane", "Queen Street", "The Green"}
	towns       = []string{"Gateshead", "Leeds", "Bristol", "Cardiff", "Glasgow", "Norwich", "Derby", "Preston"}
)

// workplaceName names the i-th of the benchmark's workplaces.
func workplaceName(i int) string { return fmt.Sprintf("School %02d", i) }

// generate writes n realistic members as CSV, about 10 fields each.
func generate(path string, n, workplaces int) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	r := rand.New(rand.NewPCG(1, 2))
	fmt.Fprintln(w, "Membership number,First name,Surname,Email address,Mobile,Address,Postcode,DOB,Date joined,Workplace")
	for i := 1; i <= n; i++ {
		g, fam := givenNames[r.IntN(len(givenNames))], familyNames[r.IntN(len(familyNames))]
		fmt.Fprintf(w, "M%07d,%s,%s,%s.%s%d@example.org,07700 %06d,\"%d %s, %s\",NE%d %d%c%c,%02d/%02d/%d,%d-%02d-01,%s\n",
			i, g, fam, g, fam, i, r.IntN(1000000), 1+r.IntN(200), streets[r.IntN(len(streets))], towns[r.IntN(len(towns))],
			1+r.IntN(40), r.IntN(10), 'A'+rune(r.IntN(26)), 'A'+rune(r.IntN(26)),
			1+r.IntN(28), 1+r.IntN(12), 1950+r.IntN(50), 2000+r.IntN(25), 1+r.IntN(12), workplaceName(r.IntN(workplaces)))
	}
	if err := w.Flush(); err != nil {
		return err
	}
	return f.Close()
}

// BenchmarkScaleImport imports STEWARD_BENCH_IMPORT_ROWS (default 100,000)
// generated members into a fresh SQLite data directory, once, and compares
// the rate with the sqlite3 shell's .import of the same file into a plain
// table. It is a benchmark so that it runs only when asked:
//
//	STEWARD_BENCH_IMPORT_ROWS=1000000 go test -run XXX -bench ScaleImport -benchtime 1x ./internal/subjects/importer
func BenchmarkScaleImport(b *testing.B) {
	t := b
	n, _ := strconv.Atoi(os.Getenv(envBenchRows))
	if n <= 0 {
		n = 100_000
	}
	env := storetest.SQLiteEnv(t)
	w := newWorld(t, env)
	for i := range 30 {
		w.unit(t, w.north.ID, access.KindWorkplace, workplaceName(i))
	}
	file := filepath.Join(env.Dir, "members.csv")
	if err := generate(file, n, 30); err != nil {
		t.Fatal(err)
	}
	st, _ := os.Stat(file)
	start := time.Now()
	res, err := w.im.Run(w.as(t, "membership"), importer.Options{Path: file, BatchSize: batchFromEnv()})
	if err != nil {
		t.Fatal(err)
	}
	took := time.Since(start)
	if res.Created != n {
		t.Fatalf("created %d of %d: %+v", res.Created, n, res.Problems)
	}
	rate := float64(n) / took.Seconds()
	t.Logf("steward import: %d rows (%.0f MB) in %v = %.0f rows/s (%d batches)", n, float64(st.Size())/1e6, took.Round(time.Millisecond), rate, res.Batches)
	searchLatency(t, w, file)

	start = time.Now()
	again, err := w.im.Run(w.as(t, "membership"), importer.Options{Path: file, BatchSize: batchFromEnv()})
	if err != nil || again.Unchanged != n {
		t.Fatalf("re-run: %v %+v", err, again)
	}
	t.Logf("steward re-run (all unchanged): %v = %.0f rows/s", time.Since(start).Round(time.Millisecond), float64(n)/time.Since(start).Seconds())

	raw := filepath.Join(env.Dir, "raw.db")
	start = time.Now()
	out, err := exec.Command("sqlite3", raw, ".mode csv", ".import "+file+" people").CombinedOutput()
	if err != nil {
		t.Fatalf("sqlite3 .import: %v %s", err, out)
	}
	rawTook := time.Since(start)
	rawRate := float64(n) / rawTook.Seconds()
	t.Logf("sqlite3 .import: %v = %.0f rows/s; steward is %.2f of the raw rate (target 0.5)", rawTook.Round(time.Millisecond), rawRate, rate/rawRate)
	for _, f := range []string{"steward.db", "steward.db-wal", "keys.db", "keys.db-wal", "raw.db"} {
		if st, err := os.Stat(filepath.Join(env.Dir, f)); err == nil {
			t.Logf("%s: %.0f MB", f, float64(st.Size())/1e6)
		}
	}
}

func batchFromEnv() int {
	b, _ := strconv.Atoi(os.Getenv("STEWARD_BENCH_IMPORT_BATCH"))
	return b
}
