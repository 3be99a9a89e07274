package consent_test

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"testing"

	"github.com/stewardhq/steward/internal/consent"
	"github.com/stewardhq/steward/internal/store"
	"github.com/stewardhq/steward/internal/store/storetest"
)

// BenchmarkSuppressedKeys checks a member list of 10,000 people (four keys
// each: email, phone, membership number, name with date of birth) against
// a suppression list of STEWARD_BENCH_SUPPRESSIONS rows (default 100,000)
// on SQLite; one op is the whole list:
//
//	STEWARD_BENCH_SUPPRESSIONS=1000000 go test -run XXX -bench SuppressedKeys ./internal/consent
func BenchmarkSuppressedKeys(b *testing.B) {
	n, _ := strconv.Atoi(os.Getenv("STEWARD_BENCH_SUPPRESSIONS"))
	if n <= 0 {
		n = 100_000
	}
	w := newWorld(b, storetest.SQLiteEnv(b))
	person := func(i int) consent.Identifiers {
		return consent.Identifiers{Email: fmt.Sprintf("member%07d@example.org", i), Phone: fmt.Sprintf("07700 %06d", i%1_000_000),
			MembershipNo: fmt.Sprintf("M%07d", i), Name: fmt.Sprintf("Member %d", i), DateOfBirth: "1980-01-01"}
	}
	// The list is filled directly, as a migrated suppression list would be:
	// one email key per suppressed person.
	ctx := context.Background()
	err := w.db.InTx(ctx, func(ctx context.Context, tx *store.Tx) error {
		for i := range n {
			keys, err := w.sup.Keys(consent.Identifiers{Email: person(i * 2).Email})
			if err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO suppressions (purpose, kind, ix, since, source) VALUES ('marketing', $1, $2, 0, 'import')`,
				string(keys[0].Kind), keys[0].Index); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	const people = 10_000
	sets := make([][]consent.Key, people)
	for i := range sets {
		// Every 100th person of the list is one of the suppressed.
		k := n*2 + i
		if i%100 == 0 {
			k = i * 2
		}
		if sets[i], err = w.sup.Keys(person(k)); err != nil {
			b.Fatal(err)
		}
	}
	rep := w.as(b, "rep")
	b.ResetTimer()
	for b.Loop() {
		got, err := w.sup.SuppressedKeys(rep, consent.PurposeMarketing, sets)
		if err != nil {
			b.Fatal(err)
		}
		hits := 0
		for _, s := range got {
			if s {
				hits++
			}
		}
		if hits != people/100 {
			b.Fatalf("%d suppressed, want %d", hits, people/100)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/people, "ns/person")
}
