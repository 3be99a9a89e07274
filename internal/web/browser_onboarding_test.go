package web_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/stewardhq/steward/internal/governance"
	"github.com/stewardhq/steward/internal/subjects"
	"github.com/stewardhq/steward/internal/testkit"
)

// tick clicks a checkbox, as a person would.
func (b *browserTab) tick(sel string) {
	b.t.Helper()
	if _, err := chromedp.Run(b.ctx, chromedp.Click(chromedp.CSS(sel), chromedp.NodeVisible)); err != nil {
		b.t.Fatalf("tick %s: %v", sel, err)
	}
}

// A new rep signs in and cannot see members: the people page and a person
// page say why and lead to onboarding. They acknowledge the policy and
// sign the device declaration, the DPO records their training, and then
// they see their own workplace's members, and only those.
func TestBrowserNewRepOnboarding(t *testing.T) {
	exe := chromeOrSkip(t)
	f := newFixture(t)
	repID, memberID := addNewRep(t, f)
	dpoCtx := testkit.As(t, f.Access, f.DPOUser)
	if _, err := f.Subjects.Create(dpoCtx, subjects.Input{UnitID: f.WorkplaceB, Profile: subjects.Profile{GivenName: "Bea", FamilyName: "Birchall", MembershipNo: "B-9"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.Gov.PublishPolicy(dpoCtx, governance.PolicyInput{Title: "Data protection policy", Version: "v3", RequiresAck: true,
		Body: "Use members' data only for union business."}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.Gov.CreateCourse(dpoCtx, governance.CourseInput{Name: "GDPR for reps", ValidityMonths: 24}); err != nil {
		t.Fatal(err)
	}
	browser := startBrowser(t, exe)

	rep := newBrowserTab(t, browser, f.URL)
	if st := rep.signIn(newRep, newRepPassword, ""); st != http.StatusOK {
		t.Fatalf("rep sign-in answered %d", st)
	}
	if got := rep.text("section.onboarding-panel"); !strings.Contains(got, "acknowledge the Data protection policy v3") {
		t.Errorf("dashboard panel says %q, want the checklist", got)
	}
	if n := rep.count(`header nav a[href="/people"]`); n != 0 {
		t.Errorf("the menu offers People to a held rep")
	}
	for _, path := range []string{"/people", "/people/" + memberID} {
		if st := rep.open(path); st != http.StatusForbidden {
			t.Errorf("%s answered %d while held, want 403", path, st)
		}
		if got := rep.text("p.banner.error"); !strings.Contains(got, "paused until your onboarding checklist is complete") || !strings.Contains(got, "complete GDPR for reps training") {
			t.Errorf("%s says %q, want why access is paused", path, got)
		}
		rep.wantNotOnPage("Ashworth")
	}
	if st := rep.follow("main p.onboarding-link a"); st != http.StatusOK {
		t.Fatalf("the onboarding link answered %d", st)
	}
	rep.wantPath("/onboarding")
	if got := rep.text("article.policy p.body"); got != "Use members' data only for union business." {
		t.Errorf("policy text shown = %q", got)
	}
	rep.tick(`form[action="/onboarding/acknowledge"] input[name=read]`)
	rep.follow(`form[action="/onboarding/acknowledge"] button`)
	if got := rep.text("p.banner.notice"); got != "Acknowledgement recorded." {
		t.Errorf("after acknowledging: %q", got)
	}
	for _, c := range governance.DeviceChecks() {
		rep.tick(`input[name=check][value="` + c.Code + `"]`)
	}
	rep.follow(`form[action="/onboarding/declaration"] button`)
	if got := rep.text("p.banner.notice"); !strings.HasPrefix(got, "Device-security declaration recorded") {
		t.Errorf("after declaring: %q", got)
	}
	if got := rep.text("section.onboarding-todo"); !strings.Contains(got, "complete GDPR for reps training") || strings.Contains(got, "declaration") {
		t.Errorf("still to do = %q, want only the training", got)
	}
	if st := rep.open("/people"); st != http.StatusForbidden {
		t.Errorf("people page before the training is recorded: %d", st)
	}

	dpo := newBrowserTab(t, browser, f.URL)
	if st := dpo.signIn(f.DPOUser, f.DPOPassword, f.DPOCode(t)); st != http.StatusOK {
		t.Fatalf("DPO sign-in answered %d", st)
	}
	dpo.follow(`header nav a[href="/governance/people"]`)
	dpo.follow(`table.people a[href="/governance/people/` + repID + `"]`)
	if got := dpo.text("main h1"); got != newRep {
		t.Fatalf("DPO is on %q's page, want %q", got, newRep)
	}
	dpo.follow(`form.record-training button`)
	if got := dpo.text("p.banner.notice"); got != "Training recorded." {
		t.Errorf("after recording training: %q", got)
	}
	if got := dpo.text("dd.hold"); got != "on" {
		t.Errorf("the DPO sees access %q, want on", got)
	}

	if st := rep.open("/people"); st != http.StatusOK {
		t.Fatalf("people page after onboarding answered %d", st)
	}
	if got := rep.text("main table"); !strings.Contains(got, "Ashworth") {
		t.Errorf("people page lists %q, want the workplace's member", got)
	}
	rep.wantNotOnPage("Birchall")
	if n := rep.count(`header nav a[href="/people"]`); n != 1 {
		t.Errorf("the menu does not offer People after onboarding")
	}
}
