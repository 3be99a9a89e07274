package rights_test

import (
	"fmt"
	"os"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/stewardhq/steward/internal/datamap"
	"github.com/stewardhq/steward/internal/store/storetest"
	"github.com/stewardhq/steward/internal/subjects"
)

// BenchmarkCollate collates a person with 200 records among
// STEWARD_BENCH_COLLATE_PEOPLE others (default 20,000; the target is
// stated for 1,000,000) on SQLite, and reports the first collation and the
// p50 and p99 of collating again:
//
//	STEWARD_BENCH_COLLATE_PEOPLE=1000000 go test -run XXX -bench Collate -benchtime 1x -timeout 30m ./internal/rights
func BenchmarkCollate(b *testing.B) {
	n, _ := strconv.Atoi(os.Getenv("STEWARD_BENCH_COLLATE_PEOPLE"))
	if n <= 0 {
		n = 20_000
	}
	env := storetest.SQLiteEnv(b)
	w := newWorld(b, env, "england-and-wales", "2026-03-20")
	// The crowd, imported in batches as a membership list would be.
	mem := w.as(b, "membership")
	for lo := 0; lo < n; lo += 10_000 {
		var rows []subjects.ImportRow
		for i := lo; i < min(lo+10_000, n); i++ {
			no := fmt.Sprintf("B%07d", i)
			h, err := w.reg.KeyHash("membership_no", no)
			if err != nil {
				b.Fatal(err)
			}
			rows = append(rows, subjects.ImportRow{Line: i + 2, Unit: w.wpA, Profile: subjects.Profile{GivenName: "Member", FamilyName: fmt.Sprint(i),
				Email: fmt.Sprintf("m%d@example.org", i), MembershipNo: no}, KeyHash: h})
		}
		if _, err := w.reg.ApplyImport(mem, subjects.ImportBatch{Key: "membership_no", Reason: "bench", Rows: rows}); err != nil {
			b.Fatal(err)
		}
	}
	dm := datamap.New(w.db, w.al)
	dpo := w.as(b, "dpo")
	if err := dm.Seed(dpo, datamap.Controller{Name: "Union", DPO: "dpo@example.org"}); err != nil {
		b.Fatal(err)
	}
	recs := subjects.NewRecords(w.reg, dm)
	w.svc.Use(w.reg.Source(), recs.Source(dm), w.acc.AccessLogSource(w.al))
	w.svc.UseDataMap(dm)
	p, err := w.reg.Create(mem, subjects.Input{UnitID: w.wpA.ID, Kind: subjects.KindMember,
		Profile: subjects.Profile{GivenName: "Priya", FamilyName: "Raman", Email: "priya.raman@example.org"}})
	if err != nil {
		b.Fatal(err)
	}
	ch, err := dm.FormChoices(dpo)
	if err != nil {
		b.Fatal(err)
	}
	cat, act := ch.Categories[0].ID, ""
	for _, a := range ch.Activities {
		if a.Name == "Casework and representation" {
			act = a.ID
		}
	}
	for _, c := range ch.Categories {
		if c.Name == "Casework notes and correspondence" {
			cat = c.ID
		}
	}
	for i := range 200 {
		if _, err := recs.Add(dpo, p.ID, subjects.RecordInput{Kind: "casework_note", CategoryID: cat, ActivityID: act,
			Title: fmt.Sprintf("Meeting %d", i), Body: "Met the member with the head teacher; agreed a review in four weeks.", OccurredOn: "2026-02-10"}); err != nil {
			b.Fatal(err)
		}
	}
	r, err := w.svc.Log(dpo, verbal("2026-03-02"))
	if err != nil {
		b.Fatal(err)
	}
	if _, err := w.svc.Match(dpo, r.ID, p.ID, r.Version); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	start := time.Now()
	items, _, err := w.svc.Collate(dpo, r.ID)
	if err != nil || len(items) < 200 {
		b.Fatalf("collate: %v %d items", err, len(items))
	}
	first := time.Since(start)
	var times []time.Duration
	for range 100 {
		start := time.Now()
		if _, _, err := w.svc.Collate(dpo, r.ID); err != nil {
			b.Fatal(err)
		}
		times = append(times, time.Since(start))
	}
	slices.Sort(times)
	b.ReportMetric(float64(first.Microseconds())/1000, "first-ms")
	b.ReportMetric(float64(times[49].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(times[98].Microseconds())/1000, "p99-ms")
	b.Logf("%d people, %d items: first collation %v, again p50 %v p99 %v (target p99 < 50ms)", n+1, len(items), first, times[49], times[98])
}
