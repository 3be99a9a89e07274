package rights_test

import (
	"strings"
	"testing"

	"github.com/stewardhq/steward/internal/apperr"
	"github.com/stewardhq/steward/internal/rights"
	"github.com/stewardhq/steward/internal/store/storetest"
	"github.com/stewardhq/steward/internal/subjects"
)

// TestRectificationNotifiesRecipients: the DPO corrects the register with
// a reason, records the rectification, and the request shows what was
// corrected and holds a notice task per recipient; it cannot be recorded
// as complied with until those are done.
func TestRectificationNotifiesRecipients(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		w, p, _ := collateWorld(t, env)
		w.svc.UseCorrections(w.reg)
		dpo := w.as(t, "dpo")
		in := verbal("2026-03-19")
		in.Kind = rights.KindRectification
		in.Details.Description = "My surname is Ramanathan, not Raman."
		r := w.logReq(t, "dpo", in)
		_, err := w.svc.Rectified(dpo, r.ID, "Surname corrected.", r.Version)
		wantCode(t, err, apperr.Conflict) // not matched
		r, err = w.svc.Match(dpo, r.ID, p.ID, r.Version)
		if err != nil {
			t.Fatal(err)
		}
		_, err = w.svc.Rectified(dpo, r.ID, "  ", r.Version)
		wantCode(t, err, apperr.Invalid)
		cur, err := w.reg.Get(dpo, p.ID, "")
		if err != nil {
			t.Fatal(err)
		}
		fix := subjects.Input{UnitID: cur.UnitID, Kind: cur.Kind, Profile: cur.Profile}
		fix.Profile.FamilyName = "Ramanathan"
		if _, err := w.reg.Update(dpo, p.ID, cur.Version, fix, "Rectification request "+r.Ref); err != nil {
			t.Fatal(err)
		}
		r, err = w.svc.Rectified(dpo, r.ID, "Surname corrected on her say-so; passport seen.", r.Version)
		if err != nil {
			t.Fatal(err)
		}
		_, events, err := w.svc.Get(dpo, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		note := ""
		for _, e := range events {
			if e.Step == "rectified" {
				note = e.Note
			}
		}
		if !strings.Contains(note, "Corrected in the register: family_name.") {
			t.Fatalf("the step does not say what was corrected: %q", note)
		}
		_, tasks, err := w.svc.Items(dpo, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		notices := 0
		for _, tk := range tasks {
			if tk.Kind == rights.TaskNotify {
				notices++
			}
		}
		if notices == 0 {
			t.Fatalf("no recipient to tell among %+v", tasks)
		}
		_, err = w.svc.Close(dpo, r.ID, rights.CloseInput{Outcome: rights.OutcomeComplied, Note: "Corrected.", Version: r.Version})
		wantCode(t, err, apperr.Conflict)
		for _, tk := range tasks {
			if err := w.svc.CompleteTask(dpo, r.ID, tk.ID, "Told them by email."); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := w.svc.Close(dpo, r.ID, rights.CloseInput{Outcome: rights.OutcomeComplied, Note: "Corrected and recipients told.", Version: r.Version}); err != nil {
			t.Fatal(err)
		}
	})
}
