package rights_test

import (
	"testing"

	"github.com/stewardhq/steward/internal/consent"
	"github.com/stewardhq/steward/internal/rights"
	"github.com/stewardhq/steward/internal/store/storetest"
	"github.com/stewardhq/steward/internal/subjects"
)

// TestMarketingObjectionAppliesAtOnce: an objection to direct marketing
// suppresses the contact details given the moment a rep logs it, before
// anyone has checked who the requester is; the public form does the same;
// matching the request adds the person's other identifiers from the
// register.
func TestMarketingObjectionAppliesAtOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		w := newWorld(t, env, "england-and-wales", "2026-03-20")
		sup := consent.NewSuppressions(w.db, w.v, w.al)
		w.svc.UseSuppressions(sup, w.reg)
		dpo := w.as(t, "dpo")
		suppressed := func(ids consent.Identifiers) bool {
			t.Helper()
			ok, err := sup.Suppressed(dpo, consent.PurposeMarketing, ids)
			if err != nil {
				t.Fatal(err)
			}
			return ok
		}
		in := verbal("2026-03-19")
		in.Kind = rights.KindMarketing
		in.Details.Description = "Stop sending me the campaign emails."
		if suppressed(consent.Identifiers{Email: "priya.raman@example.org"}) {
			t.Fatal("suppressed before anything was asked")
		}
		r := w.logReq(t, "rep.a", in)
		if !suppressed(consent.Identifiers{Email: " Priya.Raman@Example.org "}) {
			t.Fatal("the objection a rep logged did not stop marketing at once")
		}
		_, events, err := w.svc.Get(dpo, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, e := range events {
			found = found || e.Step == "marketing_stopped"
		}
		if !found {
			t.Fatalf("no event says marketing was stopped: %+v", events)
		}

		// The public form.
		if _, err := w.svc.Submit(t.Context(), rights.PublicInput{Kind: rights.KindMarketing, Requester: rights.RequesterSelf,
			Details: rights.Details{RequesterName: "Sam Lee", RequesterPhone: "07700 900456", Description: "No more texts please."}}); err != nil {
			t.Fatal(err)
		}
		if !suppressed(consent.Identifiers{Phone: "+447700900456"}) {
			t.Fatal("the objection from the public form did not stop marketing")
		}

		// Matching adds the register's identifiers.
		p, err := w.reg.Create(w.as(t, "membership"), subjects.Input{UnitID: w.wpA.ID, Kind: subjects.KindMember,
			Profile: subjects.Profile{GivenName: "Priya", FamilyName: "Raman", Email: "p.raman@work.example.org", MembershipNo: "M-77"}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.svc.Match(dpo, r.ID, p.ID, r.Version); err != nil {
			t.Fatal(err)
		}
		if !suppressed(consent.Identifiers{MembershipNo: "m-77"}) || !suppressed(consent.Identifiers{Email: "p.raman@work.example.org"}) {
			t.Fatal("matching did not suppress the person's register identifiers")
		}
		// An access request suppresses nothing.
		acc := verbal("2026-03-19")
		acc.Details.RequesterEmail = "someone.else@example.org"
		w.logReq(t, "rep.a", acc)
		if suppressed(consent.Identifiers{Email: "someone.else@example.org"}) {
			t.Fatal("an access request suppressed marketing")
		}
	})
}
