package rights_test

import (
	"strings"
	"testing"

	"github.com/stewardhq/steward/internal/apperr"
	"github.com/stewardhq/steward/internal/datamap"
	"github.com/stewardhq/steward/internal/rights"
	"github.com/stewardhq/steward/internal/store/storetest"
	"github.com/stewardhq/steward/internal/subjects"
)

// collateWorld adds the data map, records and the sources to a world, and
// a member of workplace A with a casework note naming someone else.
func collateWorld(t *testing.T, env storetest.Env) (*world, *subjects.Subject, *rights.Request) {
	t.Helper()
	w := newWorld(t, env, "england-and-wales", "2026-03-20")
	dm := datamap.New(w.db, w.al)
	dpo := w.as(t, "dpo")
	if err := dm.Seed(dpo, datamap.Controller{Name: "Union", DPO: "dpo@example.org"}); err != nil {
		t.Fatal(err)
	}
	recs := subjects.NewRecords(w.reg, dm)
	w.svc.Use(w.reg.Source(), recs.Source(dm), w.acc.AccessLogSource(w.al))
	w.svc.UseDataMap(dm)
	p, err := w.reg.Create(w.as(t, "membership"), subjects.Input{UnitID: w.wpA.ID, Kind: subjects.KindMember,
		Profile: subjects.Profile{GivenName: "Priya", FamilyName: "Raman", Email: "priya.raman@example.org", MembershipNo: "M-7"}})
	if err != nil {
		t.Fatal(err)
	}
	ch, err := dm.FormChoices(dpo)
	if err != nil {
		t.Fatal(err)
	}
	pick := func(list []datamap.Choice, name string) string {
		for _, c := range list {
			if c.Name == name {
				return c.ID
			}
		}
		t.Fatalf("no %q in the seeded data map", name)
		return ""
	}
	_, err = recs.Add(dpo, p.ID, subjects.RecordInput{Kind: "casework_note", CategoryID: pick(ch.Categories, "Casework notes and correspondence"),
		ActivityID: pick(ch.Activities, "Casework and representation"), Title: "Grievance meeting",
		Body: "Met Priya with Mr Hughes from HR. Mr Hughes said the rota would change.", OccurredOn: "2026-02-10"})
	if err != nil {
		t.Fatal(err)
	}
	r := w.logReq(t, "dpo", verbal("2026-03-02"))
	if r, err = w.svc.Match(dpo, r.ID, p.ID, r.Version); err != nil {
		t.Fatal(err)
	}
	return w, p, r
}

func itemOf(t *testing.T, items []rights.Item, source string) rights.Item {
	t.Helper()
	for _, it := range items {
		if it.Content.Source == source {
			return it
		}
	}
	t.Fatalf("no item from %s in %+v", source, items)
	return rights.Item{}
}

func TestCollateRedactAndRecollate(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		w, p, r := collateWorld(t, env)
		dpo := w.as(t, "dpo")
		items, tasks, err := w.svc.Collate(dpo, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		profile, note, seen := itemOf(t, items, "register"), itemOf(t, items, "records"), itemOf(t, items, "access_log")
		if !strings.Contains(fieldsText(profile), "priya.raman@example.org") || note.Content.Category != "Casework notes and correspondence" ||
			!strings.Contains(note.Content.Purpose, "Casework") || !strings.Contains(fieldsText(seen), "Account membership added you to the register") {
			t.Fatalf("items: %+v", items)
		}
		// Every system Steward cannot search is a task for its owner, due
		// five working days before 2 April (Good Friday is 3 April):
		// 26 March.
		if len(tasks) != 6 || tasks[0].DueOn != "2026-03-26" {
			t.Fatalf("tasks: %+v", tasks)
		}
		for _, tk := range tasks {
			if tk.SystemName == "Steward" || tk.Owner == "" {
				t.Fatalf("task: %+v", tk)
			}
		}

		// Redact the third party's name in the note, both times.
		text := note.Content.Text
		var spans []rights.Span
		for i := 0; ; {
			j := strings.Index(text[i:], "Mr Hughes")
			if j < 0 {
				break
			}
			spans = append(spans, rights.Span{Field: -1, Start: i + j, End: i + j + len("Mr Hughes")})
			i += j + len("Mr Hughes")
		}
		bad := []rights.DecisionInput{
			{Decision: rights.Redact, Reason: "third party", Redactions: nil},
			{Decision: rights.Redact, Redactions: spans},
			{Decision: rights.Withhold, Reason: "privileged"},
			{Decision: rights.Withhold, Exemption: "because", Reason: "x"},
			{Decision: rights.Redact, Reason: "x", Redactions: []rights.Span{{Field: -1, Start: 5, End: 500}}},
			{Decision: rights.Redact, Reason: "x", Redactions: []rights.Span{{Field: -1, Start: 0, End: 6}, {Field: -1, Start: 3, End: 9}}},
			{Decision: rights.Redact, Reason: "x", Redactions: []rights.Span{{Field: 7, Start: 0, End: 1}}},
			{Decision: "shred", Reason: "x"},
		}
		for _, in := range bad {
			_, err := w.svc.Decide(dpo, r.ID, note.ID, in)
			wantCode(t, err, apperr.Invalid)
		}
		dec, err := w.svc.Decide(dpo, r.ID, note.ID, rights.DecisionInput{Decision: rights.Redact, Exemption: "third_party",
			Reason: "Names an HR adviser who has not consented.", Redactions: spans})
		if err != nil {
			t.Fatal(err)
		}
		out, ok := dec.Apply()
		if !ok || strings.Contains(out.Text, "Hughes") || strings.Count(out.Text, rights.RedactedMark) != 2 || !strings.Contains(out.Text, "Met Priya with") {
			t.Fatalf("applied: %q", out.Text)
		}
		if _, err := w.svc.Decide(dpo, r.ID, profile.ID, rights.DecisionInput{Decision: rights.Disclose}); err != nil {
			t.Fatal(err)
		}
		// A rep may not collate or see the items.
		_, _, err = w.svc.Collate(w.as(t, "rep.a"), r.ID)
		wantCode(t, err, apperr.Forbidden)

		// The person's email changes: collating again resets the profile's
		// decision and keeps the note's.
		cur, err := w.reg.Get(w.as(t, "membership"), p.ID, "")
		if err != nil {
			t.Fatal(err)
		}
		in := subjects.Input{UnitID: cur.UnitID, Kind: cur.Kind, Profile: cur.Profile, JoinedOn: cur.JoinedOn}
		in.Profile.Email = "priya@example.net"
		if _, err := w.reg.Update(w.as(t, "membership"), p.ID, cur.Version, in, "member's new address"); err != nil {
			t.Fatal(err)
		}
		items, _, err = w.svc.Collate(dpo, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		if it := itemOf(t, items, "records"); it.Decision != rights.Redact || it.Reason == "" || len(it.Redactions) != 2 {
			t.Fatalf("note's decision lost: %+v", it)
		}
		for _, it := range items {
			if it.Content.Source == "register" && it.Content.Key == "profile" && it.Decision != "" {
				t.Fatalf("changed profile kept its old decision: %+v", it)
			}
		}
		// What was collected is sealed like everything else about them.
		got, _, err := w.svc.Items(dpo, r.ID)
		if err != nil || len(got) != len(items) {
			t.Fatalf("items: %v %d", err, len(got))
		}
	})
}

func TestCollateNeedsAMatchedPerson(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		w, _, _ := collateWorld(t, env)
		r := w.logReq(t, "dpo", verbal("2026-03-03"))
		_, _, err := w.svc.Collate(w.as(t, "dpo"), r.ID)
		wantCode(t, err, apperr.Conflict)
		if !strings.Contains(apperr.MessageOf(err), "nothing held") {
			t.Fatalf("message: %s", apperr.MessageOf(err))
		}
	})
}

func fieldsText(it rights.Item) string {
	var sb strings.Builder
	for _, f := range it.Content.Fields {
		sb.WriteString(f.Label + ": " + f.Value + "\n")
	}
	return sb.String()
}
