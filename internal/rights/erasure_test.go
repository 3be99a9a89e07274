package rights_test

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/stewardhq/steward/internal/apperr"
	"github.com/stewardhq/steward/internal/rights"
	"github.com/stewardhq/steward/internal/store/storetest"
	"github.com/stewardhq/steward/internal/subjects"
)

// TestErasureEndToEnd: an erasure request erases the person's details and
// one record, keeps another record for a tribunal claim, and keeps the
// access log; the request's own copies of what went are shredded; each
// recipient becomes a notice task; and nothing closes as complied with
// until the erasure is carried out and every notice is done.
func TestErasureEndToEnd(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		w, p, _ := collateWorld(t, env)
		dpo := w.as(t, "dpo")
		ctx := context.Background()
		recs := subjects.NewRecords(w.reg, nil)
		list, err := recs.List(dpo, p.ID)
		if err != nil || len(list) != 1 {
			t.Fatalf("records: %+v %v", list, err)
		}
		in := verbal("2026-03-02")
		in.Kind = rights.KindErasure
		in.Details.Description = "Asked us to delete everything about her now she has left."
		r := w.logReq(t, "dpo", in)
		if r, err = w.svc.Match(dpo, r.ID, p.ID, r.Version); err != nil {
			t.Fatal(err)
		}
		items, tasks, err := w.svc.Collate(dpo, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		var oldKey string
		if err := w.db.Q(ctx).QueryRowContext(ctx, `SELECT items_key FROM rights_requests WHERE id = $1`, r.ID).Scan(&oldKey); err != nil {
			t.Fatal(err)
		}
		note := itemOf(t, items, "records")
		seen := itemOf(t, items, "access_log")

		// Access decisions do not fit an erasure; the access log cannot go;
		// keeping needs an exception and a reason.
		for _, bad := range []struct {
			item string
			in   rights.DecisionInput
		}{
			{note.ID, rights.DecisionInput{Decision: rights.Disclose}},
			{seen.ID, rights.DecisionInput{Decision: rights.Erase}},
			{note.ID, rights.DecisionInput{Decision: rights.Keep, Reason: "tribunal"}},
			{note.ID, rights.DecisionInput{Decision: rights.Keep, Exemption: "third_party", Reason: "tribunal"}},
			{note.ID, rights.DecisionInput{Decision: rights.Keep, Exemption: "legal_claims"}},
		} {
			_, err := w.svc.Decide(dpo, r.ID, bad.item, bad.in)
			wantCode(t, err, apperr.Invalid)
		}
		for _, it := range items {
			d := rights.DecisionInput{Decision: rights.Erase}
			if it.Content.Source == "access_log" {
				d = rights.DecisionInput{Decision: rights.Keep, Exemption: "legal_obligation", Reason: "The record of who saw her data shows we complied."}
			}
			if _, err := w.svc.Decide(dpo, r.ID, it.ID, d); err != nil {
				t.Fatal(err)
			}
		}
		_, err = w.svc.CarryOut(dpo, r.ID, r.Version)
		wantCode(t, err, apperr.Conflict) // search tasks open
		for _, tk := range tasks {
			if err := w.svc.CompleteTask(dpo, r.ID, tk.ID, "Searched; deleted her from the mailbox."); err != nil {
				t.Fatal(err)
			}
		}
		_, err = w.svc.CarryOut(w.as(t, "rep.a"), r.ID, r.Version)
		wantCode(t, err, apperr.Forbidden)
		rep, err := w.svc.CarryOut(dpo, r.ID, r.Version)
		if err != nil {
			t.Fatal(err)
		}
		if rep.Erased != len(items)-countSource(items, "access_log") || rep.Kept != countSource(items, "access_log") || rep.Notices == 0 {
			t.Fatalf("report %+v for %d items", rep, len(items))
		}
		for _, id := range []string{p.ID, note.Content.Key, oldKey} {
			if shredded, _ := w.v.Shredded(ctx, id); !shredded {
				t.Errorf("key %s was not shredded", id)
			}
		}
		if n := storetest.Count(t, w.db.Q(ctx), `SELECT count(*) FROM subjects WHERE id = $1`, p.ID); n != 0 {
			t.Error("the erased person's row is still there")
		}
		if found, err := w.reg.Search(dpo, "priya.raman@example.org"); err != nil || len(found) != 0 {
			t.Fatalf("search finds the erased person: %+v %v", found, err)
		}
		// The request keeps what it needs: which items went, and why the
		// rest stayed; nothing of the erased data.
		after, tasks, err := w.svc.Items(dpo, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, it := range after {
			body := it.Content.Title + fieldsText(it) + it.Content.Text
			if it.Decision == rights.Erase && (strings.Contains(body, "Priya") || strings.Contains(body, "Hughes") || it.Content.Title != "Erased") {
				t.Errorf("an erased item's copy still holds data: %+v", it.Content)
			}
			if it.Decision == rights.Keep && it.Reason == "" {
				t.Errorf("a kept item lost its reason: %+v", it)
			}
		}
		notices := 0
		for _, tk := range tasks {
			if tk.Kind == rights.TaskNotify {
				notices++
			}
		}
		if notices != rep.Notices {
			t.Fatalf("%d notice tasks, report says %d", notices, rep.Notices)
		}
		cur, _, err := w.svc.Get(dpo, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		_, err = w.svc.CarryOut(dpo, r.ID, cur.Version)
		wantCode(t, err, apperr.Conflict)
		_, err = w.svc.Close(dpo, r.ID, rights.CloseInput{Outcome: rights.OutcomeComplied, Note: "Erased.", Version: cur.Version})
		wantCode(t, err, apperr.Conflict) // notices open
		for _, tk := range tasks {
			if !tk.Done {
				if err := w.svc.CompleteTask(dpo, r.ID, tk.ID, "Emailed them on 20 March."); err != nil {
					t.Fatal(err)
				}
			}
		}
		if _, err := w.svc.Close(dpo, r.ID, rights.CloseInput{Outcome: rights.OutcomeComplied, Note: "Erased; access log kept.", Version: cur.Version}); err != nil {
			t.Fatal(err)
		}
	})
}

// TestErasureKeepsARecordForLegalClaims: the person's details go, a
// record kept for a claim stays readable, and the erasure cannot be
// recorded as complied with before it is carried out.
func TestErasureKeepsARecordForLegalClaims(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		w, p, _ := collateWorld(t, env)
		dpo := w.as(t, "dpo")
		in := verbal("2026-03-02")
		in.Kind = rights.KindErasure
		r := w.logReq(t, "dpo", in)
		r, err := w.svc.Match(dpo, r.ID, p.ID, r.Version)
		if err != nil {
			t.Fatal(err)
		}
		items, tasks, err := w.svc.Collate(dpo, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, tk := range tasks {
			if err := w.svc.CompleteTask(dpo, r.ID, tk.ID, "Nothing there."); err != nil {
				t.Fatal(err)
			}
		}
		_, err = w.svc.Close(dpo, r.ID, rights.CloseInput{Outcome: rights.OutcomeComplied, Note: "Done", Version: r.Version})
		wantCode(t, err, apperr.Conflict)
		for _, it := range items {
			d := rights.DecisionInput{Decision: rights.Erase}
			switch it.Content.Source {
			case "access_log":
				d = rights.DecisionInput{Decision: rights.Keep, Exemption: "legal_obligation", Reason: "Accountability."}
			case "records":
				d = rights.DecisionInput{Decision: rights.Keep, Exemption: "legal_claims", Reason: "Her tribunal claim is open."}
			}
			if it.Content.Key == "membership" {
				// The details and the membership go together.
				d = rights.DecisionInput{Decision: rights.Keep, Exemption: "legal_claims", Reason: "x"}
			}
			if _, err := w.svc.Decide(dpo, r.ID, it.ID, d); err != nil {
				t.Fatal(err)
			}
		}
		_, err = w.svc.CarryOut(dpo, r.ID, r.Version)
		wantCode(t, err, apperr.Invalid)
		mem := itemWithKey(t, items, "membership")
		if _, err := w.svc.Decide(dpo, r.ID, mem.ID, rights.DecisionInput{Decision: rights.Erase}); err != nil {
			t.Fatal(err)
		}
		if _, err := w.svc.CarryOut(dpo, r.ID, r.Version); err != nil {
			t.Fatal(err)
		}
		got, err := w.reg.Get(dpo, p.ID, "")
		if err != nil || !got.Erased {
			t.Fatalf("person after erasure: %+v %v", got, err)
		}
		list, err := subjects.NewRecords(w.reg, nil).List(dpo, p.ID)
		if err != nil || len(list) != 1 || !strings.Contains(list[0].Body, "rota") {
			t.Fatalf("the record kept for the claim: %+v %v", list, err)
		}

		// The outcome letter names what was erased and, for each item
		// kept, the exception and the reason (Art 12(4)).
		_, tasks, err = w.svc.Items(dpo, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, tk := range tasks {
			if !tk.Done {
				if err := w.svc.CompleteTask(dpo, r.ID, tk.ID, "Told them."); err != nil {
					t.Fatal(err)
				}
			}
		}
		cur, _, err := w.svc.Get(dpo, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.svc.Close(dpo, r.ID, rights.CloseInput{Outcome: rights.OutcomePartly, Note: "Some records are kept.", Version: cur.Version}); err != nil {
			t.Fatal(err)
		}
		_, body, err := w.svc.MakeLetter(dpo, r.ID, rights.LetterOutcome)
		if err != nil {
			t.Fatal(err)
		}
		text := strings.Join(strings.Fields(pdfText(t, body)), " ")
		wants := []string{"We have erased your data of these kinds", "tribunal", "Accountability", "Kept as:"}
		if os.Getenv("STEWARD_TEST_PDFTOTEXT") != "" {
			// Whole sentences, which the raw PDF breaks across lines.
			wants = append(wants, "Needed for legal claims: casework, a claim or a tribunal (Art 17(3)(e)). Our reason: Her tribunal claim is open.",
				"Needed to comply with a legal obligation (Art 17(3)(b))")
		}
		for _, want := range wants {
			if !strings.Contains(text, want) {
				t.Errorf("the outcome letter lacks %q:\n%s", want, text)
			}
		}
	})
}

func countSource(items []rights.Item, source string) int {
	n := 0
	for _, it := range items {
		if it.Content.Source == source {
			n++
		}
	}
	return n
}

func itemWithKey(t *testing.T, items []rights.Item, key string) rights.Item {
	t.Helper()
	for _, it := range items {
		if it.Content.Key == key {
			return it
		}
	}
	t.Fatalf("no item %q", key)
	return rights.Item{}
}
