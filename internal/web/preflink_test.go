package web_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/stewardhq/steward/internal/access"
	"github.com/stewardhq/steward/internal/consent"
	"github.com/stewardhq/steward/internal/notify"
	"github.com/stewardhq/steward/internal/notify/smtptest"
	"github.com/stewardhq/steward/internal/store/storetest"
	"github.com/stewardhq/steward/internal/subjects"
	"github.com/stewardhq/steward/internal/testkit"
	"github.com/stewardhq/steward/internal/web"
)

// prefLinkFixture is the organisation of newFixtureOn served with an
// outbox that can send: a sender, a public address and a test mail server.
// It returns the outbox and a member of workplace A with an email address
// and one without.
func prefLinkFixture(t *testing.T, env storetest.Env) (f *fixture, out *notify.Service, withEmail, without string) {
	t.Helper()
	ctx := context.Background()
	c := testkit.Open(t, env, testkit.Options{})
	f = &fixture{
		RepUser: "rep.a", RepPassword: "correct horse battery staple",
		DPOUser: "dpo", DPOPassword: "purple monkey dishwasher lamp",
		WorkplaceAName: "Alder Road Primary School", WorkplaceBName: "Birchwood Academy",
		Access: c.Access, DB: c.DB, Vault: c.Vault, Audit: c.Audit,
		Subjects: subjects.New(c.DB, c.Vault, c.Audit, c.Access, nil, subjects.Config{}),
	}
	f.build(ctx, t)
	root, err := f.Access.RootUnit(ctx)
	if err != nil {
		t.Fatal(err)
	}
	op := access.WithActor(ctx, access.OperatorActor(root.Path))
	if _, err := f.Access.CreateAccountWithRole(op, repB, repBPassword, access.RoleRep, f.WorkplaceB); err != nil {
		t.Fatal(err)
	}
	f.gate(t, f.RepUser, repB)
	cs := consent.New(c.DB, c.Vault, c.Audit, consent.NewSuppressions(c.DB, c.Vault, c.Audit), f.Subjects, consent.Config{})
	out, err = notify.New(c.DB, c.Vault, c.Audit, cs.Suppressions(), nil, notify.Config{From: "Union <noreply@union.example>", BaseURL: "https://steward.union.example"})
	if err != nil {
		t.Fatal(err)
	}
	srvSMTP := smtptest.Start(t)
	m, err := notify.ParseSMTPURL(srvSMTP.URL())
	if err != nil {
		t.Fatal(err)
	}
	out.UseMailer(m)
	out.UsePreferenceLinks(cs, f.Subjects)
	srv, err := web.New(web.Deps{DB: c.DB, Vault: c.Vault, Access: c.Access, Audit: c.Audit, Subjects: f.Subjects, Governance: f.Gov, Consent: cs, Notify: out}, web.Config{Version: "test"})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)
	f.URL = ts.URL

	a, err := f.Access.Actor(ctx, f.DPOUser, access.ViaSession)
	if err != nil {
		t.Fatal(err)
	}
	dpo := access.WithActor(ctx, a)
	for _, p := range []subjects.Profile{{GivenName: "Ada", FamilyName: "Lovelace", Email: "ada.lovelace@example.org"}, {GivenName: "Nell", FamilyName: "Nomail"}} {
		s, err := f.Subjects.Create(dpo, subjects.Input{UnitID: f.WorkplaceA, Profile: p})
		if err != nil {
			t.Fatal(err)
		}
		if withEmail == "" {
			withEmail = s.ID
		} else {
			without = s.ID
		}
	}
	return f, out, withEmail, without
}

// TestRepEmailsPreferenceLink: a rep's person page offers to email the
// member their preference link and no longer offers to show it; the rep
// cannot get the link shown by posting the old form; the email button
// queues one operational message to the member (the outbox page shows
// it) and the page says so without the link; a member without an email
// address gets no button; a rep of another workplace gets not found; the
// API does the same and never returns the link.
func TestRepEmailsPreferenceLink(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		f, out, ada, nell := prefLinkFixture(t, env)
		rep := signedIn(t, f, f.RepUser, f.RepPassword, "")

		code, page := get(t, f, rep, "/people/"+ada)
		if code != http.StatusOK || !strings.Contains(page, "Email them a link to their preferences") ||
			!strings.Contains(page, `action="/people/`+ada+`/preference-link/email"`) {
			t.Fatalf("rep's person page: %d\n%s", code, page)
		}
		if strings.Contains(page, `action="/people/`+ada+`/preference-link"`) || strings.Contains(page, "Show the link instead") {
			t.Fatalf("the rep's page still offers to show the link:\n%s", page)
		}
		if code, _, page := post(t, f, rep, "/people/"+ada+"/preference-link", url.Values{}); code != http.StatusForbidden || strings.Contains(page, "/preferences/") {
			t.Fatalf("a rep asking to see the link: %d\n%s", code, page)
		}

		code, loc, page := post(t, f, rep, "/people/"+ada+"/preference-link/email", url.Values{})
		if code != http.StatusSeeOther || !strings.HasPrefix(loc, "/people/"+ada+"?done=link_emailed") {
			t.Fatalf("email the link: %d %s\n%s", code, loc, page)
		}
		if code, page = get(t, f, rep, loc); code != http.StatusOK || !strings.Contains(page, "in the outbox, addressed to them only") || strings.Contains(page, "/preferences/") {
			t.Fatalf("page after emailing: %d\n%s", code, page)
		}
		if code, page = get(t, f, rep, "/outbox"); code != http.StatusOK || !strings.Contains(page, "<td>Operational</td>") || strings.Contains(page, "Nothing sent yet") {
			t.Fatalf("outbox after emailing: %d\n%s", code, page)
		}
		batches, err := out.Batches(testkit.As(t, f.Access, f.RepUser))
		if err != nil {
			t.Fatal(err)
		}
		if len(batches) != 1 || batches[0].Recipients != 1 || batches[0].Queued != 1 || batches[0].Class != notify.ClassOperational {
			t.Fatalf("outbox: %+v", batches)
		}

		code, page = get(t, f, rep, "/people/"+nell)
		if code != http.StatusOK || !strings.Contains(page, "No email address on record") || strings.Contains(page, "Email them a link") {
			t.Fatalf("page of a member without email: %d\n%s", code, page)
		}
		if code, _, page = post(t, f, rep, "/people/"+nell+"/preference-link/email", url.Values{}); code != http.StatusBadRequest || !strings.Contains(page, "no usable email address") {
			t.Fatalf("emailing a member without email: %d\n%s", code, page)
		}

		other := signedIn(t, f, repB, repBPassword, "")
		if code, _, _ = post(t, f, other, "/people/"+ada+"/preference-link/email", url.Values{}); code != http.StatusNotFound {
			t.Fatalf("a rep of another workplace emailing the link: %d", code)
		}

		tok := tokenFor(t, f, f.RepUser)
		code, page = apiDo(t, f, tok, http.MethodPost, "/api/v1/people/"+ada+"/preference-link/email", "")
		if code != http.StatusAccepted || !strings.Contains(page, `"messages":1`) || strings.Contains(page, "/preferences/") || strings.Contains(page, "ada.lovelace") {
			t.Fatalf("API: %d %s", code, page)
		}
		if code, _ = apiDo(t, f, tokenFor(t, f, repB), http.MethodPost, "/api/v1/people/"+ada+"/preference-link/email", ""); code != http.StatusNotFound {
			t.Fatalf("API, rep of another workplace: %d", code)
		}
	})
}

// TestDPOMayStillShowPreferenceLink: the DPO's person page offers both,
// with the warning that a shown link must reach the member unused, and
// showing it works.
func TestDPOMayStillShowPreferenceLink(t *testing.T) {
	f, _, ada, _ := prefLinkFixture(t, storetest.SQLiteEnv(t))
	dpo := signedIn(t, f, f.DPOUser, f.DPOPassword, f.DPOCode(t))
	code, page := get(t, f, dpo, "/people/"+ada)
	if code != http.StatusOK || !strings.Contains(page, "Email them a link to their preferences") || !strings.Contains(page, "Show the link instead (DPO only)") ||
		!strings.Contains(page, "must reach the member unused") {
		t.Fatalf("DPO's person page: %d\n%s", code, page)
	}
	code, _, page = post(t, f, dpo, "/people/"+ada+"/preference-link", url.Values{})
	if code != http.StatusOK || !strings.Contains(page, `<code class="link">`+f.URL+"/preferences/") {
		t.Fatalf("DPO showing the link: %d\n%s", code, page)
	}
}
