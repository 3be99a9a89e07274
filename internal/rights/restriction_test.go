package rights_test

import (
	"testing"

	"github.com/stewardhq/steward/internal/apperr"
	"github.com/stewardhq/steward/internal/rights"
	"github.com/stewardhq/steward/internal/store/storetest"
	"github.com/stewardhq/steward/internal/subjects"
)

func TestRestrictionIsLiftedOnlyAfterTheNotice(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		w := newWorld(t, env, "england-and-wales", "2026-03-20")
		dpo := w.as(t, "dpo")
		p, err := w.reg.Create(w.as(t, "membership"), subjects.Input{UnitID: w.wpA.ID, Kind: subjects.KindMember,
			Profile: subjects.Profile{GivenName: "Priya", FamilyName: "Raman", Email: "priya.raman@example.org"}})
		if err != nil {
			t.Fatal(err)
		}
		in := verbal("2026-03-02")
		in.Kind = rights.KindRestriction
		r := w.logReq(t, "dpo", in)
		_, err = w.svc.Restrict(dpo, r.ID, "Address contested.", r.Version)
		wantCode(t, err, apperr.Conflict) // not matched yet
		if r, err = w.svc.Match(dpo, r.ID, p.ID, r.Version); err != nil {
			t.Fatal(err)
		}
		_, err = w.svc.Restrict(dpo, r.ID, "", r.Version)
		wantCode(t, err, apperr.Invalid)
		if r, err = w.svc.Restrict(dpo, r.ID, "She says the address is wrong; checking it.", r.Version); err != nil {
			t.Fatal(err)
		}
		if got, _ := w.reg.Get(dpo, p.ID, ""); !got.Restricted {
			t.Fatal("person not restricted")
		}
		_, err = w.svc.Lift(dpo, r.ID, r.Version)
		wantCode(t, err, apperr.Conflict) // no reason recorded
		if r, err = w.svc.PlanLift(dpo, r.ID, "The address was checked with her employer and is right.", r.Version); err != nil {
			t.Fatal(err)
		}
		_, err = w.svc.Lift(dpo, r.ID, r.Version)
		wantCode(t, err, apperr.Conflict) // no notice yet
		if got, _ := w.reg.Get(dpo, p.ID, ""); !got.Restricted {
			t.Fatal("restriction lifted without the notice")
		}
		if _, _, err := w.svc.MakeLetter(dpo, r.ID, rights.LetterRestrictionLift); err != nil {
			t.Fatal(err)
		}
		if _, err = w.svc.Lift(dpo, r.ID, r.Version); err != nil {
			t.Fatal(err)
		}
		if got, _ := w.reg.Get(dpo, p.ID, ""); got.Restricted {
			t.Fatal("restriction not lifted")
		}
		// An access request cannot restrict anyone.
		acc := w.logReq(t, "dpo", verbal("2026-03-02"))
		acc, _ = w.svc.Match(dpo, acc.ID, p.ID, acc.Version)
		_, err = w.svc.Restrict(dpo, acc.ID, "x", acc.Version)
		wantCode(t, err, apperr.Conflict)
	})
}
