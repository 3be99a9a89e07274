package subjects_test

import (
	"bytes"
	"context"
	"testing"

	"github.com/stewardhq/steward/internal/apperr"
	"github.com/stewardhq/steward/internal/store/storetest"
	"github.com/stewardhq/steward/internal/subjects"
)

// TestEraseOneRecord: erasing one record shreds its own key and deletes
// it; the person and their other records stay readable.
func TestEraseOneRecord(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		w := newRecordsWorld(t, env)
		ctx := context.Background()
		p := w.person(t, w.wpA.ID, jo())
		rep, dpo := w.as(t, "rep.a"), w.as(t, "dpo")
		gone, err := w.recs.Add(rep, p.ID, subjects.RecordInput{Kind: "casework_note", CategoryID: w.contact, ActivityID: w.casework, Title: "Old grievance", Body: "Settled"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.recs.Attach(rep, gone.ID, "letter.txt", "text/plain", bytes.NewReader([]byte("dear sir"))); err != nil {
			t.Fatal(err)
		}
		stays, err := w.recs.Add(rep, p.ID, subjects.RecordInput{Kind: "casework_note", CategoryID: w.contact, ActivityID: w.casework, Title: "Open claim", Body: "Tribunal in May"})
		if err != nil {
			t.Fatal(err)
		}
		_, err = w.recs.Erase(rep, p.ID, []string{gone.ID})
		wantCode(t, err, apperr.Forbidden)
		legacy, err := w.recs.Erase(dpo, p.ID, []string{gone.ID})
		if err != nil || legacy != 0 {
			t.Fatalf("erase: %d legacy, %v", legacy, err)
		}
		if shredded, _ := w.v.Shredded(ctx, gone.ID); !shredded {
			t.Error("the record's key was not shredded")
		}
		if shredded, _ := w.v.Shredded(ctx, p.ID); shredded {
			t.Error("the person's key was shredded with one record")
		}
		list, err := w.recs.List(dpo, p.ID)
		if err != nil || len(list) != 1 || list[0].ID != stays.ID || list[0].Body != "Tribunal in May" {
			t.Fatalf("records after the erasure: %+v %v", list, err)
		}
		if n := storetest.Count(t, w.db.Q(ctx), `SELECT count(*) FROM record_files`); n != 0 {
			t.Errorf("%d files left", n)
		}
		if n := storetest.Count(t, w.db.Q(ctx), `SELECT count(*) FROM erasures WHERE subject_id = $1`, gone.ID); n != 1 {
			t.Error("the record's erasure is not logged for restores")
		}
		// Again is a no-op.
		if _, err := w.recs.Erase(dpo, p.ID, []string{gone.ID}); err != nil {
			t.Fatal(err)
		}
	})
}

// TestEraseDetailsKeepsRecords: the person's details go, the records kept
// for an exception stay readable, and the person can no longer be found.
func TestEraseDetailsKeepsRecords(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		w := newRecordsWorld(t, env)
		ctx := context.Background()
		p := w.person(t, w.wpA.ID, jo())
		rep, dpo := w.as(t, "rep.a"), w.as(t, "dpo")
		kept, err := w.recs.Add(rep, p.ID, subjects.RecordInput{Kind: "casework_note", CategoryID: w.contact, ActivityID: w.casework, Title: "Open claim", Body: "Tribunal in May"})
		if err != nil {
			t.Fatal(err)
		}
		if err := w.reg.EraseDetails(dpo, p.ID); err != nil {
			t.Fatal(err)
		}
		got, err := w.reg.Get(dpo, p.ID, "")
		if err != nil || !got.Erased || got.Profile.FamilyName != "" {
			t.Fatalf("after erasing the details: %+v %v", got, err)
		}
		found, err := w.reg.Search(dpo, "jo.bloggs@example.org")
		if err != nil || len(found) != 0 {
			t.Fatalf("search still finds the erased person: %+v %v", found, err)
		}
		list, err := w.recs.List(dpo, p.ID)
		if err != nil || len(list) != 1 || list[0].Body != "Tribunal in May" {
			t.Fatalf("kept records: %+v %v", list, err)
		}
		_, err = w.recs.Add(dpo, p.ID, subjects.RecordInput{Kind: "casework_note", CategoryID: w.contact, ActivityID: w.casework, Title: "More", Body: "x"})
		wantCode(t, err, apperr.Conflict)
		// When the last kept record goes, the person's row goes with it.
		if _, err := w.recs.Erase(dpo, p.ID, []string{kept.ID}); err != nil {
			t.Fatal(err)
		}
		if n := storetest.Count(t, w.db.Q(ctx), `SELECT count(*) FROM subjects WHERE id = $1`, p.ID); n != 0 {
			t.Error("an erased person with no records left is still a row")
		}
	})
}

// TestEraseTakesEveryRecordKey: erasing a person shreds the keys of their
// records too, so no backup copy of a record stays readable.
func TestEraseTakesEveryRecordKey(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		w := newRecordsWorld(t, env)
		ctx := context.Background()
		p := w.person(t, w.wpA.ID, jo())
		rec, err := w.recs.Add(w.as(t, "rep.a"), p.ID, subjects.RecordInput{Kind: "casework_note", CategoryID: w.contact, ActivityID: w.casework, Title: "Claim", Body: "x"})
		if err != nil {
			t.Fatal(err)
		}
		if err := w.reg.Erase(w.as(t, "dpo"), p.ID); err != nil {
			t.Fatal(err)
		}
		for _, id := range []string{p.ID, rec.ID} {
			if shredded, _ := w.v.Shredded(ctx, id); !shredded {
				t.Errorf("key %s not shredded", id)
			}
		}
		if n := storetest.Count(t, w.db.Q(ctx), `SELECT count(*) FROM records`); n != 0 {
			t.Errorf("%d records left", n)
		}
	})
}
