package subjects_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/stewardhq/steward/internal/apperr"
	"github.com/stewardhq/steward/internal/datamap"
	"github.com/stewardhq/steward/internal/store/storetest"
	"github.com/stewardhq/steward/internal/subjects"
)

// recordsWorld adds a data map: an ordinary category, a health category,
// a casework activity with an Art 9 condition covering both, and one
// without a condition.
type recordsWorld struct {
	*world
	recs                  *subjects.Records
	contact, health       string
	casework, noCondition string
}

func newRecordsWorld(t *testing.T, env storetest.Env) *recordsWorld {
	w := newWorld(t, env)
	dm := datamap.New(w.db, w.log)
	dpo := w.as(t, "dpo")
	rw := &recordsWorld{world: w, recs: subjects.NewRecords(w.reg, dm)}
	c, err := dm.CreateCategory(dpo, datamap.Category{Name: "Contact details"})
	if err != nil {
		t.Fatal(err)
	}
	h, err := dm.CreateCategory(dpo, datamap.Category{Name: "Health", Special: datamap.Special("health")})
	if err != nil {
		t.Fatal(err)
	}
	rw.contact, rw.health = c.ID, h.ID
	a, err := dm.CreateActivity(dpo, datamap.Activity{Name: "Casework", Purposes: "Representing members", LawfulBasis: "f", Art9Condition: "d", CategoryIDs: []string{c.ID, h.ID}})
	if err != nil {
		t.Fatal(err)
	}
	b, err := dm.CreateActivity(dpo, datamap.Activity{Name: "Newsletter", Purposes: "News", LawfulBasis: "f", CategoryIDs: []string{c.ID, h.ID}})
	if err != nil {
		t.Fatal(err)
	}
	rw.casework, rw.noCondition = a.ID, b.ID
	return rw
}

func TestRecordsSpecialCategoryNeedsItsCondition(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		w := newRecordsWorld(t, env)
		p := w.person(t, w.wpA.ID, jo())
		rep := w.as(t, "rep.a")
		_, err := w.recs.Add(rep, p.ID, subjects.RecordInput{Kind: "health", CategoryID: w.health, ActivityID: w.noCondition, Title: "Sick note", Body: "Back pain"})
		wantCode(t, err, apperr.Invalid)
		if !strings.Contains(apperr.MessageOf(err), "Art 9") {
			t.Fatalf("refusal does not say what is missing: %q", apperr.MessageOf(err))
		}
		rec, err := w.recs.Add(rep, p.ID, subjects.RecordInput{Kind: "health", CategoryID: w.health, ActivityID: w.casework, Title: "Sick note", Body: "Back pain, off work two weeks", OccurredOn: "03/03/2026"})
		if err != nil {
			t.Fatalf("rep adding a casework health record: %v", err)
		}
		if rec.Special != "health" || rec.OccurredOn != "2026-03-03" {
			t.Fatalf("record %+v", rec)
		}
		f, err := w.recs.Attach(rep, rec.ID, "fit-note.pdf", "application/pdf", bytes.NewReader([]byte("%PDF-1.4 fit note")))
		if err != nil {
			t.Fatal(err)
		}
		list, err := w.recs.List(w.as(t, "dpo"), p.ID)
		if err != nil || len(list) != 1 || list[0].Body != "Back pain, off work two weeks" || len(list[0].Files) != 1 || list[0].Files[0].Name != "fit-note.pdf" {
			t.Fatalf("records %+v %v", list, err)
		}
		info, data, err := w.recs.File(rep, f.ID)
		if err != nil || string(data) != "%PDF-1.4 fit note" || info.ContentType != "application/pdf" {
			t.Fatalf("download %+v %q %v", info, data, err)
		}
		// Nothing of it is stored in clear.
		ctx := context.Background()
		var title, content []byte
		if err := w.db.Q(ctx).QueryRowContext(ctx, `SELECT title FROM records WHERE id = $1`, rec.ID).Scan(&title); err != nil {
			t.Fatal(err)
		}
		if err := w.db.Q(ctx).QueryRowContext(ctx, `SELECT content FROM record_files WHERE id = $1`, f.ID).Scan(&content); err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(title, []byte("Sick")) || bytes.Contains(content, []byte("fit note")) {
			t.Fatal("record stored in clear")
		}
	})
}

func TestRecordsAreScopedAndErasedWithThePerson(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		w := newRecordsWorld(t, env)
		theirs := w.person(t, w.wpB.ID, subjects.Profile{GivenName: "Sam", FamilyName: "Other"})
		dpo := w.as(t, "dpo")
		rec, err := w.recs.Add(dpo, theirs.ID, subjects.RecordInput{Kind: "casework_note", CategoryID: w.contact, ActivityID: w.casework, Title: "Call", Body: "Rang about pay"})
		if err != nil {
			t.Fatal(err)
		}
		f, err := w.recs.Attach(dpo, rec.ID, "note.txt", "text/plain", strings.NewReader("hello"))
		if err != nil {
			t.Fatal(err)
		}
		rep := w.as(t, "rep.a")
		_, err = w.recs.List(rep, theirs.ID)
		wantCode(t, err, apperr.NotFound)
		_, _, err = w.recs.File(rep, f.ID)
		wantCode(t, err, apperr.NotFound)
		_, err = w.recs.Attach(rep, rec.ID, "x.txt", "text/plain", strings.NewReader("x"))
		wantCode(t, err, apperr.NotFound)
		_, err = w.recs.Add(w.as(t, "dpo"), theirs.ID, subjects.RecordInput{Kind: "unknown", CategoryID: w.contact, ActivityID: w.casework, Title: "x"})
		wantCode(t, err, apperr.Invalid)
		_, err = w.recs.Attach(dpo, rec.ID, "big.bin", "", bytes.NewReader(make([]byte, subjects.MaxFileSize+1)))
		wantCode(t, err, apperr.Invalid)
		if err := w.reg.Erase(dpo, theirs.ID); err != nil {
			t.Fatal(err)
		}
		ctx := context.Background()
		if n := storetest.Count(t, w.db.Q(ctx), `SELECT count(*) FROM records`); n != 0 {
			t.Fatalf("%d records survive the person's erasure", n)
		}
		if n := storetest.Count(t, w.db.Q(ctx), `SELECT count(*) FROM record_files`); n != 0 {
			t.Fatalf("%d files survive the person's erasure", n)
		}
	})
}

func TestRestrictedPersonsRecordsTakeNoFiles(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		w := newRecordsWorld(t, env)
		p := w.person(t, w.wpA.ID, jo())
		rec, err := w.recs.Add(w.as(t, "rep.a"), p.ID, subjects.RecordInput{Kind: "casework_note", CategoryID: w.contact, ActivityID: w.casework, Title: "Call"})
		if err != nil {
			t.Fatal(err)
		}
		if err := w.reg.SetRestricted(w.as(t, "dpo"), p.ID, true, "contested"); err != nil {
			t.Fatal(err)
		}
		_, err = w.recs.Attach(w.as(t, "rep.a"), rec.ID, "more.txt", "text/plain", strings.NewReader("more"))
		wantCode(t, err, apperr.Forbidden)
		_, err = w.recs.Add(w.as(t, "dpo"), p.ID, subjects.RecordInput{Kind: "casework_note", CategoryID: w.contact, ActivityID: w.casework, SystemID: "01a20000-0000-7000-8000-000000000000", Title: "x"})
		wantCode(t, err, apperr.Invalid)
	})
}
