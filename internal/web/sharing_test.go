package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stewardhq/steward/internal/access"
	"github.com/stewardhq/steward/internal/consent"
	"github.com/stewardhq/steward/internal/disclosures"
	"github.com/stewardhq/steward/internal/lists"
	"github.com/stewardhq/steward/internal/notify"
	"github.com/stewardhq/steward/internal/store/storetest"
)

// TestDisclosuresAPI: the DPO logs a police disclosure through the API;
// it is held, the reasoning comes back only on the single read, the DPO
// approves it, and a rep (without disclosures:approve) is refused.
func TestDisclosuresAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		f := newFixtureOn(t, env)
		member := addMemberWithNote(t, f)
		police, contact := addPolice(t, f)
		dpo, rep := tokenFor(t, f, f.DPOUser), tokenFor(t, f, f.RepUser)
		payload := `{"recipient_id":"` + police + `","subject_ids":["` + member + `"],"category_ids":["` + contact + `"],` +
			`"basis":"sch2_crime_taxation","reference":"NP-1","reasoning":"Tracing a witness; no court order."}`
		if code, b := apiDo(t, f, rep, "POST", "/api/v1/disclosures", payload); code != http.StatusForbidden {
			t.Fatalf("rep logs a disclosure: %d %s", code, b)
		}
		code, b := apiDo(t, f, dpo, "POST", "/api/v1/disclosures", `{"recipient_id":"`+police+`","subject_ids":["`+member+`"],"category_ids":["`+contact+`"],"basis":"sch2_crime_taxation"}`)
		if code != http.StatusBadRequest && code != http.StatusUnprocessableEntity {
			t.Fatalf("an exemption without reasoning: %d %s", code, b)
		}
		code, b = apiDo(t, f, dpo, "POST", "/api/v1/disclosures", payload)
		if code != http.StatusCreated {
			t.Fatalf("log: %d %s", code, b)
		}
		d := decode[disclosures.Disclosure](t, b)
		if d.State != disclosures.StatePending {
			t.Fatalf("state %s", d.State)
		}
		code, b = apiDo(t, f, dpo, "GET", "/api/v1/disclosures?state=pending", "")
		if code != http.StatusOK || !strings.Contains(b, d.ID) || strings.Contains(b, "Tracing a witness") {
			t.Fatalf("list: %d %s", code, b)
		}
		code, b = apiDo(t, f, dpo, "POST", "/api/v1/disclosures/"+d.ID+"/decision", `{"approve":true,"reason":"Sch 2 para 2."}`)
		if code != http.StatusOK || decode[disclosures.Disclosure](t, b).State != disclosures.StateApproved {
			t.Fatalf("decide: %d %s", code, b)
		}
		code, b = apiDo(t, f, dpo, "GET", "/api/v1/disclosures/"+d.ID, "")
		if code != http.StatusOK || !strings.Contains(b, "Tracing a witness") || !strings.Contains(b, member) {
			t.Fatalf("get: %d %s", code, b)
		}
	})
}

// TestComposePageShowsTheBCCWarning: the compose page for a list carries
// the rep's guide's BCC rule and says which list it sends to; a list
// older than a week gets the warning to download a fresh one first; a
// list the rep may not see is not found; and sending before a sender
// address is configured says what to set.
func TestComposePageShowsTheBCCWarning(t *testing.T) {
	f, _, _ := peopleFixture(t)
	ctx := context.Background()
	rep, err := f.Access.Actor(ctx, f.RepUser, access.ViaSession)
	if err != nil {
		t.Fatal(err)
	}
	ls := lists.New(f.DB, f.Audit, f.Subjects, f.Access, consent.NewSuppressions(f.DB, f.Vault, f.Audit), lists.Config{})
	m, err := ls.Create(access.WithActor(ctx, rep), lists.Request{Purpose: "meeting", Format: lists.FormatXLSX})
	if err != nil {
		t.Fatal(err)
	}
	c := signedIn(t, f, f.RepUser, f.RepPassword, "")
	path := "/lists/" + m.List.ID + "/email"
	code, page := get(t, f, c, path)
	if code != http.StatusOK || !strings.Contains(page, "use the BCC field so email addresses are hidden") || !strings.Contains(page, "To the 1 people on your") {
		t.Fatalf("compose page: %d\n%s", code, page)
	}
	if strings.Contains(page, "download a fresh list") {
		t.Fatalf("a list made today is called stale:\n%s", page)
	}
	if _, err := f.DB.Writer().ExecContext(ctx, `UPDATE member_lists SET created_at = created_at - $1 WHERE id = $2`, int64(8*24*time.Hour/time.Millisecond), m.List.ID); err != nil {
		t.Fatal(err)
	}
	if code, page = get(t, f, c, path); code != http.StatusOK || !strings.Contains(page, "This list is 8 days old") {
		t.Fatalf("compose page of an old list: %d\n%s", code, page)
	}
	if code, _ = get(t, f, c, "/lists/some-other-list/email"); code != http.StatusNotFound {
		t.Fatalf("compose page of no list: %d", code)
	}
	code, _, page = post(t, f, c, path, url.Values{"subject": {"Ballot"}, "body": {"Vote."}, "mode": {string(notify.ModeEach)}})
	if code != http.StatusConflict || !strings.Contains(page, "STEWARD_SMTP_FROM") {
		t.Fatalf("sending without a sender: %d\n%s", code, page)
	}
	if code, page = get(t, f, c, "/outbox"); code != http.StatusOK || !strings.Contains(page, "No mail server is configured") {
		t.Fatalf("outbox: %d\n%s", code, page)
	}
}

// TestDisclosureSearchKeepsTermsOutOfURLs: on the disclosure form the
// search for people (a whole email, a name, a date of birth) is posted,
// so the terms never sit in a URL, the browser's history or a proxy's
// log; a search term in the address finds nobody.
func TestDisclosureSearchKeepsTermsOutOfURLs(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		f := newFixtureOn(t, env)
		member := addMemberWithNote(t, f)
		dpo := signedIn(t, f, f.DPOUser, f.DPOPassword, f.DPOCode(t))
		code, page := get(t, f, dpo, "/disclosures/new")
		if code != http.StatusOK || !strings.Contains(page, `<form method="post" action="/disclosures/new">`) {
			t.Fatalf("the search form is not posted: %d\n%s", code, page)
		}
		if _, page = get(t, f, dpo, "/disclosures/new?q=priya.raman%40example.org"); strings.Contains(page, member) {
			t.Fatal("a search term in the URL was searched for")
		}
		code, _, page = post(t, f, dpo, "/disclosures/new", url.Values{"q": {"priya.raman@example.org"}})
		if code != http.StatusOK || !strings.Contains(page, `value="`+member+`"`) || !strings.Contains(page, "Priya Raman") {
			t.Fatalf("posted search: %d\n%s", code, page)
		}
	})
}
