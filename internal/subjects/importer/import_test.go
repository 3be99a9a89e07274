package importer_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stewardhq/steward/internal/apperr"
	"github.com/stewardhq/steward/internal/store/storetest"
	"github.com/stewardhq/steward/internal/subjects"
	"github.com/stewardhq/steward/internal/subjects/importer"
)

func (w *world) run(t testing.TB, as string, o importer.Options) (*importer.Result, error) {
	t.Helper()
	return w.im.Run(w.as(t, as), o)
}

func (w *world) mustRun(t testing.TB, as string, o importer.Options) *importer.Result {
	t.Helper()
	res, err := w.run(t, as, o)
	if err != nil {
		t.Fatalf("import: %v", err)
	}
	return res
}

func counts(r *importer.Result) [5]int {
	return [5]int{r.Created, r.Updated, r.Unchanged, r.Rejected, r.Left}
}

func TestImportCSVThenIdempotentThenUpdate(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		w := newWorld(t, env)
		// A BOM, semicolons, and a row in another workplace by name.
		file := writeFile(t, "members.csv", "\uFEFF"+strings.ReplaceAll(csvOf(header,
			member(1, "Riverside Academy"), member(2, "riverside academy"), member(3, w.wpB.ID)), ",", ";"))
		res := w.mustRun(t, "membership", importer.Options{Path: file, BatchSize: 2})
		if got := counts(res); got != [5]int{3, 0, 0, 0, 0} || res.Batches != 2 {
			t.Fatalf("first run: %v, %d batches", got, res.Batches)
		}
		w.verify(t)
		found, err := w.reg.Search(w.as(t, "membership"), "P2@example.org")
		if err != nil || len(found) != 1 || found[0].Profile.GivenName != "Given2" || found[0].UnitID != w.wpA.ID {
			t.Fatalf("search after import: %v %+v", err, found)
		}
		if n := storetest.Count(t, w.db.Q(context.Background()), `SELECT count(*) FROM import_rows WHERE import_id = $1 AND action = 'created'`, res.ImportID); n != 3 {
			t.Fatalf("ledger rows: %d", n)
		}
		before := w.snap(t)
		again := w.mustRun(t, "membership", importer.Options{Path: file})
		if got := counts(again); got != [5]int{0, 0, 3, 0, 0} {
			t.Fatalf("re-run: %v", got)
		}
		after := w.snap(t)
		if after.subjects != before.subjects || after.rect != before.rect || after.index != before.index {
			t.Fatalf("re-run changed data: %+v -> %+v", before, after)
		}
		p2, _ := w.reg.Get(w.as(t, "membership"), found[0].ID, "")
		if p2.Version != 1 {
			t.Fatalf("unchanged person's version moved to %d", p2.Version)
		}

		// An update-only file: new email for M00002, a move; other fields kept.
		upd := writeFile(t, "changes.csv", csvOf("Member No,E-mail,Workplace", "M00002,new.two@example.org,Hillcrest College"))
		res = w.mustRun(t, "membership", importer.Options{Path: upd})
		if got := counts(res); got != [5]int{0, 1, 0, 0, 0} {
			t.Fatalf("update: %v %+v", got, res.Problems)
		}
		p2, _ = w.reg.Get(w.as(t, "membership"), found[0].ID, "")
		if p2.Profile.Email != "new.two@example.org" || p2.Profile.GivenName != "Given2" || p2.UnitID != w.wpB.ID || p2.Version != 2 {
			t.Fatalf("after update: %+v", p2)
		}
		hist, err := w.reg.History(w.as(t, "membership"), p2.ID)
		if err != nil || len(hist) != 1 || hist[0].Field != "email" || hist[0].OldValue != "p2@example.org" ||
			hist[0].Reason != "import "+res.ImportID+" from changes.csv" {
			t.Fatalf("history: %v %+v", err, hist)
		}
		w.verify(t)
	})
}

func TestImportXLSX(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		w := newWorld(t, env)
		// Dates as real Excel dates (serial numbers), a numeric membership
		// number, phone numbers stored as numbers (so without their 0 or
		// +), and a bad email.
		file := writeXLSX(t, [][]any{
			{"Membership No", "Forename", "Surname", "Email", "DOB", "Date joined", "Mobile"},
			{"X-1", "Ann", "Ash", "ann@example.org", 29265, "01/09/2019", 7700900123},
			{1234, "Bob", "Birch", "not an email", "1980-01-01", "", ""},
			{"X-3", "Cat", "Cole", "cat@example.org", "", "", 447700900456},
		})
		res := w.mustRun(t, "membership", importer.Options{Path: filepath.Join(file), Unit: "Riverside Academy"})
		if got := counts(res); got != [5]int{2, 0, 0, 1, 0} {
			t.Fatalf("xlsx: %v %+v", got, res.Problems)
		}
		if p := res.Problems[0]; p.Line != 3 || p.Column != "Email" || strings.Contains(p.Reason, "not an email") {
			t.Fatalf("problem: %+v", p)
		}
		found, err := w.reg.Search(w.as(t, "membership"), "X-1")
		if err != nil || len(found) != 1 || found[0].Profile.DateOfBirth != "1980-02-14" || found[0].JoinedOn != "2019-09-01" {
			t.Fatalf("xlsx person: %v %+v", err, found)
		}
		for q, want := range map[string]string{"07700 900123": "Ann", "+44 7700 900456": "Cat"} {
			found, err := w.reg.Search(w.as(t, "membership"), q)
			if err != nil || len(found) != 1 || found[0].Profile.GivenName != want {
				t.Fatalf("search %q: %v %+v, want %s", q, err, found, want)
			}
		}
		w.verify(t)
	})
}

func TestImportBadRowsReported(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		w := newWorld(t, env)
		file := writeFile(t, "m.csv", csvOf(header+",DOB,Type",
			member(1, "Riverside Academy")+",14/02/1980,member",
			"M00002,Two,Person,two.example.org,07700 900002,Riverside Academy,,", // bad email
			"M00003,Three,Person,three@example.org,12345,Riverside Academy,,",    // bad phone
			"M00004,Four,Person,four@example.org,,Riverside Academy,31/02/1990,", // no such date
			"M00005,Five,Person,five@example.org,,Riverside Academy,,wizard",     // bad kind
			",Six,Person,six@example.org,,Riverside Academy,,",                   // no key
			"M00001,Dup,Licate,dup@example.org,,Riverside Academy,,",             // duplicate key
			`M00008,"Eight,Person,eight@example.org,,Riverside Academy,,`,        // stray quote swallows the rest
		))
		var report bytes.Buffer
		res, err := w.run(t, "membership", importer.Options{Path: file, Report: &report})
		if err != nil {
			t.Fatal(err)
		}
		if res.Created != 1 || res.Rejected != 7 {
			t.Fatalf("counts: %v %+v", counts(res), res.Problems)
		}
		recs, err := csv.NewReader(&report).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]string{"3": "Email address", "4": "Mobile", "5": "DOB", "6": "Type", "7": "Membership number", "8": "Membership number", "9": ""}
		for _, r := range recs[1:] {
			col, ok := want[r[0]]
			if !ok || r[1] != "rejected" || r[2] != col || r[3] == "" {
				t.Errorf("report row %v", r)
			}
			delete(want, r[0])
			for _, secret := range []string{"two.example.org", "12345", "31/02/1990", "wizard", "dup@example.org"} {
				if strings.Contains(r[3], secret) {
					t.Errorf("report echoes a value: %v", r)
				}
			}
		}
		if len(want) != 0 {
			t.Errorf("lines missing from the report: %v", want)
		}
		if !strings.Contains(recs[len(recs)-2][3], "same as on line 2") {
			t.Errorf("duplicate reason: %v", recs[len(recs)-2])
		}
		w.verify(t)
	})
}

func TestImportStrictAndDryRunWriteNothing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		w := newWorld(t, env)
		seed := writeFile(t, "seed.csv", csvOf(header, member(1, "Riverside Academy")))
		w.mustRun(t, "membership", importer.Options{Path: seed})
		file := writeFile(t, "m.csv", csvOf(header,
			"M00001,Given1,Changed,p1@example.org,07700 900001,Riverside Academy",
			member(2, "Riverside Academy"), "M00003,Bad,Email,nope,,Riverside Academy"))
		before := w.snap(t)
		res, err := w.run(t, "membership", importer.Options{Path: file, Strict: true})
		wantCode(t, err, apperr.Invalid, "with --strict nothing was imported")
		if res == nil || res.Rejected != 1 || res.Problems[0].Line != 4 {
			t.Fatalf("strict result: %+v", res)
		}
		// Strict checks the file as a dry run would, which compares it with
		// stored data: only those reads are audited, nothing else changes.
		if after := w.snap(t); after != before {
			t.Fatalf("strict wrote: %+v -> %+v", before, after)
		}
		var report bytes.Buffer
		res = w.mustRun(t, "membership", importer.Options{Path: file, DryRun: true, Report: &report})
		if got := counts(res); got != [5]int{1, 1, 0, 1, 0} || res.ImportID != "" {
			t.Fatalf("dry run: %v", got)
		}
		if after := w.snap(t); after != before {
			t.Fatalf("dry run wrote: %+v -> %+v", before, after)
		}
		for _, want := range []string{"2,updated,,Changes: family_name.,", "3,created", "4,rejected,Email address"} {
			if !strings.Contains(report.String(), want) {
				t.Errorf("dry-run report lacks %q:\n%s", want, report.String())
			}
		}
		// Strict with a clean file imports.
		clean := writeFile(t, "clean.csv", csvOf(header, member(2, "Riverside Academy")))
		if res := w.mustRun(t, "membership", importer.Options{Path: clean, Strict: true}); res.Created != 1 {
			t.Fatalf("strict clean: %v", counts(res))
		}
	})
}

func TestImportFileErrorsChangeNothing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		w := newWorld(t, env)
		before := w.snap(t)
		cases := []struct {
			name, content string
			o             importer.Options
			code          apperr.Code
			msg           string
		}{
			{"empty", "", importer.Options{}, apperr.Invalid, "empty"},
			{"blank", "\uFEFF\n\n", importer.Options{}, apperr.Invalid, "empty"},
			{"header only", header + "\n", importer.Options{}, apperr.Invalid, "no rows"},
			{"binary", "\x00\x01\x02garbage\xff\xfe", importer.Options{}, apperr.Invalid, "neither CSV"},
			{"zip not xlsx", "PK\x03\x04rest of a zip", importer.Options{}, apperr.Invalid, "cannot be opened"},
			{"old xls", "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1", importer.Options{}, apperr.Invalid, ".xls"},
			{"no key column", csvOf("First name,Surname", "Jo,Bloggs"), importer.Options{}, apperr.Invalid, "no membership number column"},
			{"unknown unit", csvOf(header, member(1, "Riverside Academy"), member(2, "Atlantis High")), importer.Options{}, apperr.NotFound, "Atlantis High"},
			{"unknown --unit", csvOf(header, member(1, "")), importer.Options{Unit: "Atlantis High"}, apperr.NotFound, "Unknown unit"},
			{"bad map", csvOf(header, member(1, "")), importer.Options{Map: &importer.Mapping{Columns: map[string]string{"Nope": "email"}}}, apperr.Invalid, "does not have"},
			{"full refresh without unit", csvOf(header, member(1, "")), importer.Options{FullRefresh: true}, apperr.Invalid, "needs --unit"},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				c.o.Path = writeFile(t, "f.csv", c.content)
				_, err := w.run(t, "membership", c.o)
				wantCode(t, err, c.code, c.msg)
			})
		}
		if after := w.snap(t); after != before {
			t.Fatalf("a failed import wrote: %+v -> %+v", before, after)
		}
	})
}

func TestImportScope(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		w := newWorld(t, env)
		file := writeFile(t, "m.csv", csvOf(header, member(1, "Seaview School")))
		before := w.snap(t)
		_, err := w.run(t, "rep.a", importer.Options{Path: file})
		wantCode(t, err, apperr.Forbidden, "subjects:import")
		// The north's membership officer cannot see the south's workplace.
		_, err = w.run(t, "north.membership", importer.Options{Path: file})
		wantCode(t, err, apperr.NotFound, "Seaview School")
		_, err = w.run(t, "north.membership", importer.Options{Path: file, Unit: w.wpS.ID})
		wantCode(t, err, apperr.NotFound, "Unknown unit")
		if after := w.snap(t); after != before {
			t.Fatalf("refused import wrote: %+v -> %+v", before, after)
		}
		// A southern person matched by key is not the north's to change.
		w.mustRun(t, "membership", importer.Options{Path: file})
		moved := writeFile(t, "m2.csv", csvOf(header, "M00001,Given1,Family1,changed@example.org,,Riverside Academy"))
		res := w.mustRun(t, "north.membership", importer.Options{Path: moved})
		if res.Rejected != 1 || !strings.Contains(res.Problems[0].Reason, "already in use") {
			t.Fatalf("cross-region update: %v %+v", counts(res), res.Problems)
		}
	})
}

func TestImportFullRefreshMarksLeft(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		w := newWorld(t, env)
		all := writeFile(t, "all.csv", csvOf(header, member(1, "Riverside Academy"), member(2, "Riverside Academy"),
			member(3, "Riverside Academy"), member(4, "Hillcrest College")))
		w.mustRun(t, "membership", importer.Options{Path: all})
		// The workplace list now lacks 2; 3 is there with a bad email (not left).
		list := writeFile(t, "riverside.csv", csvOf(header, member(1, ""), "M00003,Given3,Family3,bad,,"))
		var report bytes.Buffer
		dry := w.mustRun(t, "membership", importer.Options{Path: list, Unit: "Riverside Academy", FullRefresh: true, DryRun: true, Report: &report})
		if got := counts(dry); got != [5]int{0, 0, 1, 1, 1} {
			t.Fatalf("dry full refresh: %v", got)
		}
		res := w.mustRun(t, "membership", importer.Options{Path: list, Unit: "Riverside Academy", FullRefresh: true})
		if got := counts(res); got != [5]int{0, 0, 1, 1, 1} {
			t.Fatalf("full refresh: %v", got)
		}
		found, _ := w.reg.Search(w.as(t, "membership"), "M00002")
		if len(found) != 1 || found[0].Status != subjects.StatusLeft || found[0].LeftOn == "" {
			t.Fatalf("missing member: %+v", found)
		}
		for _, no := range []string{"M00001", "M00003", "M00004"} {
			found, _ := w.reg.Search(w.as(t, "membership"), no)
			if len(found) != 1 || found[0].Status != subjects.StatusActive {
				t.Fatalf("%s: %+v", no, found)
			}
		}
		w.verify(t)
	})
}

func TestImportKeyByEmailAndMapping(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		w := newWorld(t, env)
		file := writeFile(t, "m.csv", csvOf("Mail,Given,Family,Ref,Site",
			"a@example.org,Ann,Ash,R1,Riverside Academy", "b@example.org,Bob,Birch,R1,Riverside Academy"))
		mapFile := filepath.Join(t.TempDir(), "map.json")
		saved := &importer.Mapping{Columns: map[string]string{"Given": "given_name", "Family": "family_name", "Ref": "membership_no"}}
		if err := saved.Save(mapFile); err != nil {
			t.Fatal(err)
		}
		m, err := importer.LoadMapping(mapFile)
		if err != nil {
			t.Fatal(err)
		}
		over, err := importer.ParseMap([]string{"Site=unit"})
		if err != nil {
			t.Fatal(err)
		}
		res := w.mustRun(t, "membership", importer.Options{Path: file, Key: "email", Mapping: m, Map: over})
		// Bob reuses Ann's membership number: the later row is rejected.
		if got := counts(res); got != [5]int{1, 0, 0, 1, 0} || res.Problems[0].Column != "Ref" {
			t.Fatalf("by email: %v %+v", got, res.Problems)
		}
		if res.Mapping.Columns["Mail"] != "email" || res.Mapping.Columns["Site"] != "unit" {
			t.Fatalf("mapping used: %+v", res.Mapping)
		}
		if _, err := os.Stat(mapFile); err != nil {
			t.Fatal(err)
		}
	})
}

// TestImportByEmailDoesNotSeeOtherUnits: people outside the importer's
// units neither match a row nor block it, so an import cannot be used to
// learn who is registered elsewhere.
func TestImportByEmailDoesNotSeeOtherUnits(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		w := newWorld(t, env)
		w.mustRun(t, "membership", importer.Options{Path: writeFile(t, "s.csv", csvOf(header, "S00001,Sam,South,shared@example.org,,Seaview School"))})
		res := w.mustRun(t, "north.membership", importer.Options{Key: "email",
			Path: writeFile(t, "n.csv", csvOf(header, "N00001,Nia,North,shared@example.org,,Riverside Academy"))})
		if res.Created != 1 || res.Rejected != 0 {
			t.Fatalf("import by an email held outside the importer's units: %v %+v", counts(res), res.Problems)
		}
	})
}
