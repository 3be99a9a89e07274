package lists_test

import (
	"fmt"
	"testing"

	"github.com/stewardhq/steward/internal/lists"
	"github.com/stewardhq/steward/internal/store/storetest"
	"github.com/stewardhq/steward/internal/subjects"
)

// benchWorld is the test world with n more members at workplace A,
// imported in batches as a membership list would be.
func benchWorld(b *testing.B, n int) *world {
	w := newWorld(b, storetest.SQLiteEnv(b))
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
				Email: fmt.Sprintf("m%d@example.org", i), MembershipNo: no, Address: fmt.Sprintf("%d High Street\nNewcastle", i), Postcode: "NE1 4XF"}, KeyHash: h})
		}
		if _, err := w.reg.ApplyImport(mem, subjects.ImportBatch{Key: "membership_no", Reason: "bench", Rows: rows}); err != nil {
			b.Fatal(err)
		}
	}
	return w
}

// benchCreate makes the list b.N times and checks its size.
func benchCreate(b *testing.B, n int, req lists.Request) {
	w := benchWorld(b, n)
	rep := w.as(b, "rep.a")
	b.ResetTimer()
	for b.Loop() {
		m, err := w.svc.Create(rep, req)
		if err != nil {
			b.Fatal(err)
		}
		if m.List.People < n {
			b.Fatalf("%d people on the list, want at least %d", m.List.People, n)
		}
	}
}

// BenchmarkXLSX5000 makes a password-protected ballot workbook of 5,000
// members end to end (choose, open, lay out, encrypt, record). Target: 2 s.
//
//	go test -run XXX -bench 'XLSX5000|AgeCSV100k' -benchtime 3x ./internal/lists
func BenchmarkXLSX5000(b *testing.B) {
	benchCreate(b, 5_000, lists.Request{Purpose: "ballot", Format: lists.FormatXLSX})
}

// BenchmarkAgeCSV100k makes an age-encrypted meeting-notice CSV of
// 100,000 members end to end. Target: 3 s.
func BenchmarkAgeCSV100k(b *testing.B) {
	benchCreate(b, 100_000, lists.Request{Purpose: "meeting", Format: lists.FormatAgeCSV})
}
