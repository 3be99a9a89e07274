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
	"github.com/stewardhq/steward/internal/subjects"
)

// BenchmarkWithConsent asks which of STEWARD_BENCH_CONSENT_PEOPLE people
// (default 20,000; a member list may pass 100,000) consented to
// newsletters, on SQLite, as the DPO; every other person has. One op is
// the whole list:
//
//	STEWARD_BENCH_CONSENT_PEOPLE=100000 go test -run XXX -bench WithConsent ./internal/consent
func BenchmarkWithConsent(b *testing.B) {
	n, _ := strconv.Atoi(os.Getenv("STEWARD_BENCH_CONSENT_PEOPLE"))
	if n <= 0 {
		n = 20_000
	}
	w := newWorld(b, storetest.SQLiteEnv(b))
	svc := consent.New(w.db, w.v, w.al, w.sup, w.reg, consent.Config{})
	imp := w.as(b, "membership")
	var ids []string
	for lo := 0; lo < n; lo += 1000 {
		var rows []subjects.ImportRow
		for i := lo; i < min(lo+1000, n); i++ {
			no := fmt.Sprintf("M%07d", i)
			h, err := w.reg.KeyHash("membership_no", no)
			if err != nil {
				b.Fatal(err)
			}
			rows = append(rows, subjects.ImportRow{Line: i + 2, Unit: w.wpA, Profile: subjects.Profile{GivenName: "Member", FamilyName: strconv.Itoa(i), MembershipNo: no}, KeyHash: h})
		}
		out, err := w.reg.ApplyImport(imp, subjects.ImportBatch{Key: "membership_no", Rows: rows})
		if err != nil {
			b.Fatal(err)
		}
		for _, o := range out {
			ids = append(ids, o.SubjectID)
		}
	}
	// Consents are written directly, as a migrated history would be.
	dpo := w.as(b, "dpo")
	wd, err := svc.PublishWording(dpo, consent.ConsentNewsletters, "Would you like our newsletter?")
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	err = w.db.InTx(ctx, func(ctx context.Context, tx *store.Tx) error {
		for i, id := range ids {
			if i%2 == 1 {
				continue
			}
			ev := store.NewID()
			if _, err := tx.ExecContext(ctx, `INSERT INTO consent_events (id, subject_id, unit_path, purpose, given, at, channel, wording_id) VALUES ($1, $2, $3, 'newsletters', 1, 0, 'import', $4)`, ev, id, w.wpA.Path, wd.ID); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO consent_current (subject_id, purpose, event_id, given, at, unit_path) VALUES ($1, 'newsletters', $2, 1, 0, $3)`, id, ev, w.wpA.Path); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		got, err := svc.WithConsent(dpo, consent.ConsentNewsletters, ids)
		if err != nil {
			b.Fatal(err)
		}
		if len(got) != (n+1)/2 {
			b.Fatalf("%d with consent, want %d", len(got), (n+1)/2)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/person")
}
