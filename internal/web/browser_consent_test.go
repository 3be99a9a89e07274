package web_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/stewardhq/steward/internal/consent"
	"github.com/stewardhq/steward/internal/store/storetest"
)

// TestBrowserPreferenceCentre: a member opens the link from their
// newsletter on a phone-sized screen, unticks newsletters and sees it
// saved; the DPO's register shows the withdrawal, and the member's
// campaigns consent is untouched.
func TestBrowserPreferenceCentre(t *testing.T) {
	exe := chromeOrSkip(t)
	w := newConsentWorld(t, storetest.SQLiteEnv(t), 0)
	tok, err := w.svc.PreferenceToken(w.dpo, w.member)
	if err != nil {
		t.Fatal(err)
	}
	browser := startBrowser(t, exe)

	member := newBrowserTab(t, browser, w.f.URL)
	if err := chromedp.Do(member.ctx, chromedp.EmulateViewport(390, 844)); err != nil {
		t.Fatal(err)
	}
	if st := member.open("/preferences/" + tok); st != http.StatusOK {
		t.Fatalf("preference link answered %d", st)
	}
	if got := member.text("main h1"); got != "Ada, your preferences" {
		t.Fatalf("heading %q", got)
	}
	if wide := member.evalString(`String(document.documentElement.scrollWidth > 390)`); wide != "false" {
		t.Fatal("the preference page is wider than a phone's screen")
	}
	member.wantNotOnPage("Lovelace")
	member.wantNotOnPage("ada.lovelace@example.org")
	checked := func(code string) string {
		return member.evalString(`String(document.querySelector('input[name=purpose][value=` + jsString(code) + `]').checked)`)
	}
	if checked(consent.ConsentNewsletters) != "true" || checked(consent.ConsentSurveys) != "false" {
		t.Fatal("the boxes do not show the member's consents")
	}
	member.click(`input[name=purpose][value="newsletters"]`)
	if st := member.follow(`main form button[type=submit]`); st != http.StatusOK {
		t.Fatalf("saving answered %d", st)
	}
	if got := member.text("p.banner.notice"); !strings.Contains(got, "Your choices are saved") {
		t.Fatalf("after saving the page says %q", got)
	}
	if checked(consent.ConsentNewsletters) != "false" || checked(consent.ConsentCampaigns) != "true" {
		t.Fatal("the saved page does not show newsletters unticked and campaigns kept")
	}
	if w.given(t, consent.ConsentNewsletters) || !w.given(t, consent.ConsentCampaigns) {
		t.Fatal("the service does not hold what the member chose")
	}

	dpo := newBrowserTab(t, browser, w.f.URL)
	if st := dpo.signIn(w.f.DPOUser, w.f.DPOPassword, w.f.DPOCode(t)); st != http.StatusOK {
		t.Fatalf("DPO sign-in answered %d", st)
	}
	if st := dpo.open("/consent"); st != http.StatusOK {
		t.Fatalf("register answered %d", st)
	}
	if got := dpo.text(`tr[data-purpose="newsletters"] td.withdrawn`); got != "1" {
		t.Fatalf("register shows %q newsletters withdrawn, want 1", got)
	}
	if got := dpo.text("table.consent-recent tbody tr:first-child"); !strings.Contains(got, "Newsletters") || !strings.Contains(got, "preference centre") {
		t.Fatalf("latest change on the register: %q", got)
	}
}
