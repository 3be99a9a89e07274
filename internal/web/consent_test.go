package web_test

import (
	"bytes"
	"context"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stewardhq/steward/internal/access"
	"github.com/stewardhq/steward/internal/consent"
	"github.com/stewardhq/steward/internal/store/storetest"
	"github.com/stewardhq/steward/internal/subjects"
)

// consentWorld is a fixture with a consent service of its own (over the
// same database and vault as the server, so links it makes open there),
// a wording for every purpose and a member of workplace A.
type consentWorld struct {
	f      *fixture
	svc    *consent.Service
	dpo    context.Context
	words  map[string]consent.Wording
	member string
}

func newConsentWorld(t *testing.T, env storetest.Env, lifetime time.Duration) *consentWorld {
	t.Helper()
	f := newFixtureOn(t, env)
	w := &consentWorld{f: f, svc: consent.New(f.DB, f.Vault, f.Audit, consent.NewSuppressions(f.DB, f.Vault, f.Audit), f.Subjects, consent.Config{LinkLifetime: lifetime})}
	a, err := f.Access.Actor(context.Background(), f.DPOUser, access.ViaSession)
	if err != nil {
		t.Fatal(err)
	}
	w.dpo = access.WithActor(context.Background(), a)
	for _, p := range consent.Catalogue() {
		if _, err := w.svc.PublishWording(w.dpo, p.Code, "Yes, I would like "+strings.ToLower(p.Label)+"."); err != nil {
			t.Fatal(err)
		}
	}
	if w.words, err = w.svc.CurrentWordings(w.dpo); err != nil {
		t.Fatal(err)
	}
	p, err := f.Subjects.Create(w.dpo, subjects.Input{UnitID: f.WorkplaceA, Profile: subjects.Profile{GivenName: "Ada", FamilyName: "Lovelace",
		Email: "ada.lovelace@example.org", MembershipNo: "A-77"}})
	if err != nil {
		t.Fatal(err)
	}
	w.member = p.ID
	for _, code := range []string{consent.ConsentNewsletters, consent.ConsentCampaigns} {
		w.give(t, code)
	}
	return w
}

func (w *consentWorld) give(t *testing.T, code string) {
	t.Helper()
	yes := true
	if _, err := w.svc.Record(w.dpo, w.member, consent.RecordInput{Purpose: code, Given: &yes, Channel: consent.ChannelPaper, WordingID: w.words[code].ID}); err != nil {
		t.Fatal(err)
	}
}

func (w *consentWorld) given(t *testing.T, code string) bool {
	t.Helper()
	got, err := w.svc.WithConsent(w.dpo, code, []string{w.member})
	if err != nil {
		t.Fatal(err)
	}
	return got[w.member]
}

// oneClick posts as a mail provider does (RFC 8058): no cookie, no CSRF
// token, a fixed body, and whatever headers the provider's client sends.
func oneClick(t *testing.T, u string, headers map[string]string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, u, strings.NewReader("List-Unsubscribe=One-Click"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, body(t, resp)
}

func TestOneClickUnsubscribeWithoutCookies(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		w := newConsentWorld(t, env, 0)
		tok, err := w.svc.UnsubscribeToken(w.dpo, w.member, consent.ConsentNewsletters)
		if err != nil {
			t.Fatal(err)
		}
		u := w.f.URL + "/u/" + tok
		// Opening the link (or a scanner following it) only asks.
		resp, err := http.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		page := body(t, resp)
		if resp.StatusCode != http.StatusOK || !strings.Contains(page, "Newsletters") || !strings.Contains(page, `action="/u/`+tok+`"`) {
			t.Fatalf("GET: %d %s", resp.StatusCode, page)
		}
		if !w.given(t, consent.ConsentNewsletters) {
			t.Fatal("a GET unsubscribed")
		}
		// A mail provider's server: no Origin, no Sec-Fetch-Site, no cookie.
		if code, page := oneClick(t, u, nil); code != http.StatusOK || !strings.Contains(page, "You are unsubscribed") {
			t.Fatalf("one-click POST: %d %s", code, page)
		}
		if w.given(t, consent.ConsentNewsletters) || !w.given(t, consent.ConsentCampaigns) {
			t.Fatal("one-click unsubscribe did not withdraw newsletters only")
		}
		// A webmail that posts from the browser, cross-site, works too.
		all, err := w.svc.UnsubscribeToken(w.dpo, w.member, "")
		if err != nil {
			t.Fatal(err)
		}
		if code, page := oneClick(t, w.f.URL+"/u/"+all, map[string]string{"Sec-Fetch-Site": "cross-site", "Origin": "https://mail.example.net"}); code != http.StatusOK {
			t.Fatalf("cross-site one-click POST: %d %s", code, page)
		}
		if w.given(t, consent.ConsentCampaigns) {
			t.Fatal("unsubscribing from all marketing left campaigns on")
		}
		sup, err := w.svc.Suppressions().Suppressed(w.dpo, consent.PurposeMarketing, consent.Identifiers{Email: "ada.lovelace@example.org"})
		if err != nil || !sup {
			t.Fatalf("not suppressed after unsubscribing from all marketing: %v", err)
		}
		// A preference link a rep made says whom to ask to restart
		// marketing (the rep cannot lift an objection); the DPO's offers
		// the boxes.
		rep, err := w.f.Access.Actor(context.Background(), w.f.RepUser, access.ViaSession)
		if err != nil {
			t.Fatal(err)
		}
		repPref, err := w.svc.PreferenceToken(access.WithActor(context.Background(), rep), w.member)
		if err != nil {
			t.Fatal(err)
		}
		resp, err = http.Get(w.f.URL + "/preferences/" + repPref)
		if err != nil {
			t.Fatal(err)
		}
		if page := body(t, resp); !strings.Contains(page, "data protection officer") || strings.Contains(page, "Tick a box below to start") {
			t.Fatalf("preference page of a rep's link for a suppressed member:\n%s", page)
		}
		// Other forms keep their cross-origin protection.
		pref, err := w.svc.PreferenceToken(w.dpo, w.member)
		if err != nil {
			t.Fatal(err)
		}
		resp, err = http.Get(w.f.URL + "/preferences/" + pref)
		if err != nil {
			t.Fatal(err)
		}
		if page := body(t, resp); !strings.Contains(page, "Tick a box below to start") {
			t.Fatalf("preference page of the DPO's link for a suppressed member:\n%s", page)
		}
		if code, _ := oneClick(t, w.f.URL+"/preferences/"+pref, map[string]string{"Sec-Fetch-Site": "cross-site"}); code != http.StatusForbidden {
			t.Fatalf("cross-site POST to the preference page answered %d, want 403", code)
		}
		// A changed token gets the page that says how to get a new link.
		bad := []byte(tok)
		bad[5] ^= 1
		if code, page := oneClick(t, w.f.URL+"/u/"+string(bad), nil); code != http.StatusNotFound || !strings.Contains(page, "new link") {
			t.Fatalf("tampered link: %d %s", code, page)
		}
	})
}

func TestExpiredLinksSayHowToGetANewOne(t *testing.T) {
	w := newConsentWorld(t, storetest.SQLiteEnv(t), time.Nanosecond)
	tok, err := w.svc.PreferenceToken(w.dpo, w.member)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.Get(w.f.URL + "/preferences/" + tok)
	if err != nil {
		t.Fatal(err)
	}
	page := body(t, resp)
	if resp.StatusCode != http.StatusGone || !strings.Contains(page, "expired") || !strings.Contains(page, "new link") || strings.Contains(page, "Ada") {
		t.Fatalf("expired link: %d %s", resp.StatusCode, page)
	}
}

func TestPreferencePageAndRegister(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		w := newConsentWorld(t, env, 0)
		tok, err := w.svc.PreferenceToken(w.dpo, w.member)
		if err != nil {
			t.Fatal(err)
		}
		resp, err := http.Get(w.f.URL + "/preferences/" + tok)
		if err != nil {
			t.Fatal(err)
		}
		page := body(t, resp)
		if resp.StatusCode != http.StatusOK || !strings.Contains(page, "Ada, your preferences") {
			t.Fatalf("preference page: %d %s", resp.StatusCode, page)
		}
		for _, leak := range []string{"Lovelace", "ada.lovelace@example.org", "A-77", w.member} {
			if strings.Contains(page, leak) {
				t.Errorf("the preference page shows %q", leak)
			}
		}
		if !strings.Contains(page, `value="newsletters" checked`) || strings.Contains(page, `value="surveys" checked`) {
			t.Fatal("the boxes do not show the current consents")
		}
		// Keep campaigns, untick newsletters, tick research.
		form := url.Values{"purpose": {consent.ConsentCampaigns, consent.ConsentResearch}}
		for code, wd := range w.words {
			form.Set("wording_"+code, wd.ID)
		}
		resp, err = noRedirect().PostForm(w.f.URL+"/preferences/"+tok, form)
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("save: %d %s", resp.StatusCode, body(t, resp))
		}
		if w.given(t, consent.ConsentNewsletters) || !w.given(t, consent.ConsentCampaigns) || !w.given(t, consent.ConsentResearch) {
			t.Fatal("the choices were not saved")
		}
		c := signedIn(t, w.f, w.f.DPOUser, w.f.DPOPassword, w.f.DPOCode(t))
		code, reg := get(t, w.f, c, "/consent")
		if code != http.StatusOK || !strings.Contains(reg, `<tr data-purpose="newsletters"><td>Newsletters and news by email or post</td><td>marketing</td><td class="given">0</td><td class="withdrawn">1</td>`) {
			t.Fatalf("register: %d %s", code, reg)
		}
		if !strings.Contains(reg, "preference centre") {
			t.Fatal("the register's recent changes do not show the preference centre")
		}
		// The person page carries the consent panel.
		code, pp := get(t, w.f, c, "/people/"+w.member)
		if code != http.StatusOK || !strings.Contains(pp, `id="consent"`) || !strings.Contains(pp, "wording v1") {
			t.Fatalf("person page: %d", code)
		}
	})
}

func uploadOptOuts(t *testing.T, f *fixture, c *http.Client, content string, fields map[string]string) (int, string) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, v := range fields {
		mw.WriteField(k, v)
	}
	fw, _ := mw.CreateFormFile("file", "unsubscribes.csv")
	fw.Write([]byte(content))
	mw.Close()
	req, _ := http.NewRequest("POST", f.URL+"/consent/import", &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, body(t, resp)
}

func TestOptOutImportPage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		w := newConsentWorld(t, env, 0)
		c := signedIn(t, w.f, w.f.RepUser, w.f.RepPassword, "")
		events := func() int { return storetest.Count(t, w.f.DB.Reader(), `SELECT count(*) FROM consent_events`) }
		before := events()
		file := "email,membership number\nAda.Lovelace@example.org,\nunknown@example.net,\n"
		code, page := uploadOptOuts(t, w.f, c, file, map[string]string{"purpose": "all_marketing", "dry_run": "on"})
		if code != http.StatusOK || !strings.Contains(page, `<dd class="matched">1</dd>`) || !strings.Contains(page, `<dd class="suppressed">1</dd>`) || events() != before {
			t.Fatalf("dry run: %d, %d events written\n%s", code, events()-before, page)
		}
		code, page = uploadOptOuts(t, w.f, c, "email\nada@example.org\nno-at-sign\n\"broken\n", map[string]string{"purpose": "newsletters"})
		if code != http.StatusBadRequest || !strings.Contains(page, "<td>3</td><td>the email address has no @</td>") || events() != before {
			t.Fatalf("bad file: %d, %d events written\n%s", code, events()-before, page)
		}
		code, page = uploadOptOuts(t, w.f, c, file, map[string]string{"purpose": "all_marketing"})
		if code != http.StatusOK || !strings.Contains(page, "Recorded") {
			t.Fatalf("import: %d %s", code, page)
		}
		if w.given(t, consent.ConsentNewsletters) {
			t.Fatal("the import did not withdraw the matched member's consent")
		}
	})
}

func TestConsentAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		w := newConsentWorld(t, env, 0)
		tok := tokenFor(t, w.f, w.f.RepUser)
		base := "/api/v1/people/" + w.member
		wid := w.words[consent.ConsentSurveys].ID
		if code, b := apiDo(t, w.f, tok, "POST", base+"/consents", fmt.Sprintf(`{"purpose":"surveys","channel":"phone","wording_id":%q}`, wid)); code < 400 || code >= 500 {
			t.Fatalf("consent without given: %d %s", code, b)
		}
		if code, b := apiDo(t, w.f, tok, "POST", base+"/consents", fmt.Sprintf(`{"purpose":"surveys","given":true,"channel":"phone","wording_id":%q}`, wid)); code != http.StatusCreated {
			t.Fatalf("record: %d %s", code, b)
		}
		if !w.given(t, consent.ConsentSurveys) {
			t.Fatal("the API's consent was not recorded")
		}
		if code, b := apiDo(t, w.f, tok, "POST", base+"/consents/surveys/withdraw", `{"channel":"email"}`); code != http.StatusCreated {
			t.Fatalf("withdraw: %d %s", code, b)
		}
		if code, b := apiDo(t, w.f, tok, "POST", base+"/opt-outs", `{"purpose":"all_marketing","channel":"email"}`); code != http.StatusCreated || !strings.Contains(b, `"purpose":"newsletters"`) {
			t.Fatalf("opt-out: %d %s", code, b)
		}
		code, b := apiDo(t, w.f, tok, "GET", base+"/consents", "")
		if code != http.StatusOK || !strings.Contains(b, `"suppressed":true`) {
			t.Fatalf("get: %d %s", code, b)
		}
		got := decode[consent.Panel](t, b)
		if len(got.History) != 6 {
			t.Fatalf("history has %d events, want 6: %s", len(got.History), b)
		}
		// Rep B's workplace does not hold this member.
		if code, _ := apiDo(t, w.f, tokenFor(t, w.f, repB), "GET", base+"/consents", ""); code != http.StatusNotFound {
			t.Fatalf("rep of another workplace: %d, want 404", code)
		}
	})
}
