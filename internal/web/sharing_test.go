package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stewardhq/steward/internal/disclosures"
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
// the rep's guide's BCC rule, and sending before a sender address is
// configured says what to set.
func TestComposePageShowsTheBCCWarning(t *testing.T) {
	f := newFixture(t)
	c := signedIn(t, f, f.RepUser, f.RepPassword, "")
	code, page := get(t, f, c, "/lists/some-list/email")
	if code != http.StatusOK || !strings.Contains(page, "use the BCC field so email addresses are hidden") {
		t.Fatalf("compose page: %d\n%s", code, page)
	}
	code, _, page = post(t, f, c, "/lists/some-list/email", url.Values{"subject": {"Ballot"}, "body": {"Vote."}, "mode": {string(notify.ModeEach)}})
	if code != http.StatusConflict || !strings.Contains(page, "STEWARD_SMTP_FROM") {
		t.Fatalf("sending without a sender: %d\n%s", code, page)
	}
	if code, page = get(t, f, c, "/outbox"); code != http.StatusOK || !strings.Contains(page, "No mail server is configured") {
		t.Fatalf("outbox: %d\n%s", code, page)
	}
}
