package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stewardhq/steward/internal/access"
	"github.com/stewardhq/steward/internal/governance"
	"github.com/stewardhq/steward/internal/governance/govtest"
	"github.com/stewardhq/steward/internal/store/storetest"
	"github.com/stewardhq/steward/internal/subjects"
	"github.com/stewardhq/steward/internal/testkit"
)

const newRep, newRepPassword = "rep.new", "a brand new rep password"

// addNewRep makes a rep on workplace A who has not been onboarded, and a
// member there, and returns the rep's account id and the member's id.
func addNewRep(t *testing.T, f *fixture) (string, string) {
	t.Helper()
	ctx := context.Background()
	root, err := f.Access.RootUnit(ctx)
	if err != nil {
		t.Fatal(err)
	}
	na, err := f.Access.CreateAccountWithRole(access.WithActor(ctx, access.OperatorActor(root.Path)), newRep, newRepPassword, access.RoleRep, f.WorkplaceA)
	if err != nil {
		t.Fatal(err)
	}
	dpo := testkit.As(t, f.Access, f.DPOUser)
	m, err := f.Subjects.Create(dpo, subjects.Input{UnitID: f.WorkplaceA, Profile: subjects.Profile{GivenName: "Alice", FamilyName: "Ashworth", MembershipNo: "A-7"}})
	if err != nil {
		t.Fatal(err)
	}
	return na.Account.ID, m.ID
}

func TestOnboardingGatesPagesAndAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		f := newFixtureOn(t, env)
		repID, memberID := addNewRep(t, f)
		rep := signedIn(t, f, newRep, newRepPassword, "")
		tok := tokenFor(t, f, newRep)

		// Held: the pages and the API say why, and the page links to
		// onboarding.
		for _, path := range []string{"/people", "/people/" + memberID} {
			st, b := get(t, f, rep, path)
			if st != http.StatusForbidden || !strings.Contains(b, "paused until your onboarding checklist is complete") || !strings.Contains(b, `href="/onboarding"`) {
				t.Errorf("GET %s while held: %d, want 403 saying why with a link to onboarding:\n%s", path, st, b)
			}
			if strings.Contains(b, "Alice") {
				t.Errorf("GET %s while held shows the member", path)
			}
		}
		if st, b := apiDo(t, f, tok, http.MethodGet, "/api/v1/people", ""); st != http.StatusForbidden || !strings.Contains(b, "device-security declaration") {
			t.Errorf("API while held: %d %s", st, b)
		}
		if st, b := get(t, f, rep, "/"); st != http.StatusOK || !strings.Contains(b, "Your onboarding checklist") {
			t.Errorf("dashboard while held: %d, want the checklist panel:\n%s", st, b)
		}

		// The DPO publishes a policy and a course, and records training.
		dpo := signedIn(t, f, f.DPOUser, f.DPOPassword, f.DPOCode(t))
		if st, loc, b := post(t, f, dpo, "/governance/policies", url.Values{"title": {"Data protection policy"}, "version": {"v3"},
			"body": {"Members' data stays in the union."}, "requires_ack": {"yes"}, "role": {"rep", "officer"}}); st != http.StatusSeeOther {
			t.Fatalf("publish: %d %s %s", st, loc, b)
		}
		if st, _, b := post(t, f, dpo, "/governance/courses", url.Values{"name": {"GDPR"}, "validity_months": {"24"}, "role": {"rep"}}); st != http.StatusSeeOther {
			t.Fatalf("course: %d %s", st, b)
		}
		st, b := get(t, f, rep, "/onboarding")
		if st != http.StatusOK || !strings.Contains(b, "Members&#39; data stays in the union.") || !strings.Contains(b, "complete GDPR training") {
			t.Fatalf("onboarding page: %d\n%s", st, b)
		}
		c, err := f.Gov.MyChecklist(testkit.As(t, f.Access, newRep))
		if err != nil || len(c.Policies) != 1 || len(c.Training) != 1 {
			t.Fatalf("checklist = %+v, %v", c, err)
		}
		// Acknowledging needs the box ticked.
		if st, _, b := post(t, f, rep, "/onboarding/acknowledge", url.Values{"policy_id": {c.Policies[0].PolicyID}}); st != http.StatusBadRequest || !strings.Contains(b, "Tick the box") {
			t.Errorf("acknowledge unticked: %d %s", st, b)
		}
		if st, loc, _ := post(t, f, rep, "/onboarding/acknowledge", url.Values{"policy_id": {c.Policies[0].PolicyID}, "read": {"yes"}}); st != http.StatusSeeOther || loc != "/onboarding?done=acknowledged" {
			t.Errorf("acknowledge: %d %s", st, loc)
		}
		if st, _, b := post(t, f, rep, "/onboarding/declaration", url.Values{"check": govtest.AllChecks()[:3]}); st != http.StatusBadRequest || !strings.Contains(b, "Every statement must be true") {
			t.Errorf("partial declaration: %d %s", st, b)
		}
		if st, _, _ := post(t, f, rep, "/onboarding/declaration", url.Values{"check": govtest.AllChecks()}); st != http.StatusSeeOther {
			t.Errorf("declaration: %d", st)
		}
		if st, _ := get(t, f, rep, "/people"); st != http.StatusForbidden {
			t.Errorf("people page before training is recorded: %d, want 403", st)
		}
		if st, _, b := post(t, f, rep, "/governance/people/"+repID+"/training", url.Values{"course_id": {c.Training[0].CourseID}}); st != http.StatusForbidden {
			t.Errorf("rep recording training: %d %s", st, b)
		}
		if st, _, b := post(t, f, dpo, "/governance/people/"+repID+"/training", url.Values{"course_id": {c.Training[0].CourseID}, "completed_on": {ukToday(t).String()}}); st != http.StatusSeeOther {
			t.Fatalf("DPO recording training: %d %s", st, b)
		}
		st, b = get(t, f, rep, "/people")
		if st != http.StatusOK || !strings.Contains(b, "Ashworth") {
			t.Errorf("people page after onboarding: %d, want the member:\n%s", st, b)
		}
		if st, _ := apiDo(t, f, tok, http.MethodGet, "/api/v1/people", ""); st != http.StatusOK {
			t.Errorf("API after onboarding: %d", st)
		}
		if st, b := get(t, f, dpo, "/governance/people"); st != http.StatusOK || !strings.Contains(b, newRep) {
			t.Errorf("people and onboarding page: %d %s", st, b)
		}

		// Leaving ends the session and the token at once and shows on the
		// DPO's dashboard until the checklist is done.
		if st, _, b := post(t, f, dpo, "/governance/people/"+repID+"/leave", url.Values{"left_on": {ukToday(t).String()}, "confirm": {"yes"}}); st != http.StatusSeeOther {
			t.Fatalf("leave: %d %s", st, b)
		}
		if st, _ := get(t, f, rep, "/people"); st == http.StatusOK {
			t.Error("the leaver's session still reads members")
		}
		if st, _ := apiDo(t, f, tok, http.MethodGet, "/api/v1/people", ""); st != http.StatusUnauthorized {
			t.Errorf("the leaver's token: %d, want 401", st)
		}
		if r := login(t, f, client(t), newRep, newRepPassword, ""); r.StatusCode == http.StatusSeeOther {
			t.Error("the leaver can sign in")
		}
		st, b = get(t, f, dpo, "/")
		if st != http.StatusOK || !strings.Contains(b, "Offboarding in progress") || !strings.Contains(b, newRep) {
			t.Errorf("DPO dashboard: %d, want the leaver under offboarding:\n%s", st, b)
		}
		if st, _, b := post(t, f, dpo, "/governance/people/"+repID+"/offboarding", url.Values{"item": {string(governance.ItemReturnData)}, "done_on": {ukToday(t).String()}}); st != http.StatusSeeOther {
			t.Errorf("record a step: %d %s", st, b)
		}
		st, b = get(t, f, dpo, "/governance/people/"+repID)
		if st != http.StatusOK || !strings.Contains(b, "done "+ukToday(t).Long()) || !strings.Contains(b, "recorded by "+f.DPOUser) {
			t.Errorf("offboarding page: %d, want the step with its date and recorder:\n%s", st, b)
		}
	})
}

func TestGovernanceAPIRoundTrip(t *testing.T) {
	f := newFixture(t)
	repID, _ := addNewRep(t, f)
	rep, dpo := tokenFor(t, f, newRep), tokenFor(t, f, f.DPOUser)

	st, b := apiDo(t, f, dpo, http.MethodPost, "/api/v1/governance/policies", `{"title":"Data protection policy","version":"v1","body":"Be careful.","requires_acknowledgement":true}`)
	if st != http.StatusCreated {
		t.Fatalf("publish: %d %s", st, b)
	}
	policy := decode[governance.Policy](t, b)
	if st, b := apiDo(t, f, rep, http.MethodPost, "/api/v1/governance/policies", `{"title":"Mine","version":"v1","body":"x"}`); st != http.StatusForbidden {
		t.Errorf("rep publishing: %d %s", st, b)
	}
	st, b = apiDo(t, f, rep, http.MethodGet, "/api/v1/governance/onboarding", "")
	c := decode[governance.Checklist](t, b)
	if st != http.StatusOK || c.Complete || len(c.PolicyTexts) != 1 || c.PolicyTexts[0].Body != "Be careful." || len(c.DeviceChecks) == 0 {
		t.Fatalf("checklist: %d %s", st, b)
	}
	if st, b := apiDo(t, f, rep, http.MethodPost, "/api/v1/governance/acknowledgements", `{"policy_id":"`+policy.ID+`"}`); st != http.StatusNoContent {
		t.Errorf("acknowledge: %d %s", st, b)
	}
	checks := `["` + strings.Join(govtest.AllChecks(), `","`) + `"]`
	if st, b := apiDo(t, f, rep, http.MethodPost, "/api/v1/governance/declarations", `{"checks":`+checks+`}`); st != http.StatusCreated {
		t.Errorf("declare: %d %s", st, b)
	}
	st, b = apiDo(t, f, dpo, http.MethodGet, "/api/v1/governance/people/"+repID, "")
	p := decode[governance.Person](t, b)
	if st != http.StatusOK || !p.Checklist.Complete {
		t.Errorf("person: %d %s", st, b)
	}
	if st, b := apiDo(t, f, dpo, http.MethodPost, "/api/v1/governance/people/"+repID+"/leave", `{}`); st != http.StatusCreated {
		t.Fatalf("leave: %d %s", st, b)
	}
	if st, _ := apiDo(t, f, rep, http.MethodGet, "/api/v1/governance/onboarding", ""); st != http.StatusUnauthorized {
		t.Errorf("leaver's token: %d, want 401", st)
	}
	st, b = apiDo(t, f, dpo, http.MethodPost, "/api/v1/governance/people/"+repID+"/offboarding", `{"item":"confirm"}`)
	o := decode[governance.Offboarding](t, b)
	if st != http.StatusOK || o.ItemsDone() != 1 {
		t.Errorf("offboarding step: %d %s", st, b)
	}
	st, b = apiDo(t, f, dpo, http.MethodGet, "/api/v1/governance/offboarding", "")
	if st != http.StatusOK || !strings.Contains(b, `"username":"`+newRep+`"`) {
		t.Errorf("in progress: %d %s", st, b)
	}
}
