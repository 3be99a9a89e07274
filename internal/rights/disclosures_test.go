package rights_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/stewardhq/steward/internal/datamap"
	"github.com/stewardhq/steward/internal/disclosures"
	"github.com/stewardhq/steward/internal/rights"
	"github.com/stewardhq/steward/internal/store/storetest"
	"github.com/stewardhq/steward/internal/subjects"
)

// TestNoticesFromTheDisclosureLog: with the disclosure log wired, a
// rectification's notices go to the data map's routine recipients and also
// to those the log says received the person's data on an occasion (the
// police, under an approved disclosure), each once; a person the log has
// nothing on gets the data map's recipients only; and the access request's
// collection lists the disclosure.
func TestNoticesFromTheDisclosureLog(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		w, p, access := collateWorld(t, env)
		dpo := w.as(t, "dpo")
		dm := datamap.New(w.db, w.al)
		log := disclosures.New(w.db, w.v, w.al, dm, w.reg, w.acc)
		w.svc.Use(log.Source())
		w.svc.UseDisclosures(log)
		w.svc.UseCorrections(w.reg)
		police, err := dm.CreateRecipient(dpo, datamap.Recipient{Name: "Northumbria Police", Kind: "public_authority"})
		if err != nil {
			t.Fatal(err)
		}
		cats, err := dm.Categories(dpo)
		if err != nil {
			t.Fatal(err)
		}
		d, err := log.Create(dpo, disclosures.NewDisclosure{RecipientID: police.ID, SubjectIDs: []string{p.ID}, CategoryIDs: []string{cats[0].ID},
			Basis: disclosures.BasisCrime, Reference: "NP-1", Reasoning: "Witness tracing; no court order; minimum data."})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := log.Decide(dpo, d.ID, true, "Sch 2 para 2 applies."); err != nil {
			t.Fatal(err)
		}

		items, _, err := w.svc.Collate(dpo, access.ID)
		if err != nil {
			t.Fatal(err)
		}
		if it := itemOf(t, items, disclosures.SourceName); !strings.Contains(fieldsText(it), "Northumbria Police") {
			t.Fatalf("disclosure item: %+v", it)
		}

		notices := func(subjectID string) []string {
			in := verbal("2026-03-19")
			in.Kind = rights.KindRectification
			in.Details.Description = "My surname is wrong."
			r := w.logReq(t, "dpo", in)
			r, err := w.svc.Match(dpo, r.ID, subjectID, r.Version)
			if err != nil {
				t.Fatal(err)
			}
			if _, err = w.svc.Rectified(dpo, r.ID, "Checked: nothing needed correcting beyond the note.", r.Version); err != nil {
				t.Fatal(err)
			}
			_, tasks, err := w.svc.Items(dpo, r.ID)
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, tk := range tasks {
				if tk.Kind == rights.TaskNotify {
					out = append(out, tk.SystemName)
				}
			}
			return out
		}
		withLog := notices(p.ID)
		if !slices.Contains(withLog, "Northumbria Police") || len(withLog) < 3 {
			t.Fatalf("notices for Priya: %v, want the data map's recipients and the police", withLog)
		}
		for i, n := range withLog {
			if slices.Contains(withLog[i+1:], n) {
				t.Fatalf("notices for Priya name %q twice: %v", n, withLog)
			}
		}
		other, err := w.reg.Create(w.as(t, "membership"), subjects.Input{UnitID: w.wpA.ID, Kind: subjects.KindMember,
			Profile: subjects.Profile{GivenName: "Sam", FamilyName: "Okafor", Email: "sam@example.org"}})
		if err != nil {
			t.Fatal(err)
		}
		if got := notices(other.ID); len(got) != len(withLog)-1 || slices.Contains(got, "Northumbria Police") {
			t.Fatalf("notices for someone the log has nothing on: %v, want the data map's recipients", got)
		}
	})
}

// TestPrejudicialDisclosureStaysOutOfTheAccessLog: a police disclosure
// marked as prejudicial to tell the person about reaches the reviewer with
// a note; the access log item, which the person gets too, does not say
// that a disclosure was logged about them (which would tell them what the
// reviewer may withhold), and its own note tells the reviewer a line was
// left out.
func TestPrejudicialDisclosureStaysOutOfTheAccessLog(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		w, p, access := collateWorld(t, env)
		dpo := w.as(t, "dpo")
		dm := datamap.New(w.db, w.al)
		log := disclosures.New(w.db, w.v, w.al, dm, w.reg, w.acc)
		w.svc.Use(log.Source())
		police, err := dm.CreateRecipient(dpo, datamap.Recipient{Name: "Northumbria Police", Kind: "public_authority"})
		if err != nil {
			t.Fatal(err)
		}
		cats, err := dm.Categories(dpo)
		if err != nil {
			t.Fatal(err)
		}
		d, err := log.Create(dpo, disclosures.NewDisclosure{RecipientID: police.ID, SubjectIDs: []string{p.ID}, CategoryIDs: []string{cats[0].ID},
			Basis: disclosures.BasisCrime, Reference: "NP-1", Reasoning: "Suspect in an investigation; telling them would tip them off.", Prejudice: true})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := log.Decide(dpo, d.ID, true, "Sch 2 para 2 applies."); err != nil {
			t.Fatal(err)
		}
		items, _, err := w.svc.Collate(dpo, access.ID)
		if err != nil {
			t.Fatal(err)
		}
		if it := itemOf(t, items, disclosures.SourceName); it.Content.ReviewNote == "" {
			t.Fatalf("the disclosure reaches the reviewer without its note: %+v", it)
		}
		al := itemOf(t, items, "access_log")
		if txt := strings.ToLower(fieldsText(al)); strings.Contains(txt, "disclosure") || strings.Contains(txt, "shared") {
			t.Fatalf("the access log tells the person about the disclosure:\n%s", fieldsText(al))
		}
		if !strings.Contains(al.Content.ReviewNote, "left out") {
			t.Fatalf("the access log's note does not tell the reviewer: %q", al.Content.ReviewNote)
		}
	})
}
