package web_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/stewardhq/steward/internal/access"
	"github.com/stewardhq/steward/internal/testkit"
)

// TestDPODashboardShowsWhatWaits: a disclosure held for the DPO and a new
// rep who has not done their onboarding appear on the DPO's dashboard with
// links to where they are dealt with; a rep's dashboard has no such panel.
func TestDPODashboardShowsWhatWaits(t *testing.T) {
	f := newFixture(t)
	member := addMemberWithNote(t, f)
	police, contact := addPolice(t, f)
	dpo := tokenFor(t, f, f.DPOUser)
	c := signedIn(t, f, f.DPOUser, f.DPOPassword, f.DPOCode(t))
	if _, page := get(t, f, c, "/"); strings.Contains(page, `id="due"`) {
		t.Fatalf("nothing waits, yet the dashboard says:\n%s", page)
	}
	payload := `{"recipient_id":"` + police + `","subject_ids":["` + member + `"],"category_ids":["` + contact + `"],` +
		`"basis":"sch2_crime_taxation","reference":"NP-1","reasoning":"Tracing a witness; no court order."}`
	if code, b := apiDo(t, f, dpo, "POST", "/api/v1/disclosures", payload); code != http.StatusCreated {
		t.Fatalf("log: %d %s", code, b)
	}
	op := access.WithActor(t.Context(), access.OperatorActor("/"))
	testkit.Account(t, f.Access, op, "rep.new", access.RoleRep, f.WorkplaceA)

	code, page := get(t, f, c, "/")
	if code != http.StatusOK {
		t.Fatalf("dashboard: %d", code)
	}
	for _, want := range []string{`href="/disclosures/pending">1 disclosure held for your approval`, `href="/governance/people">1 rep or officer kept from members&#39; data`} {
		if !strings.Contains(page, want) {
			t.Errorf("the DPO's dashboard lacks %q:\n%s", want, page)
		}
	}
	rep := signedIn(t, f, f.RepUser, f.RepPassword, "")
	if _, page := get(t, f, rep, "/"); strings.Contains(page, `id="due"`) {
		t.Fatalf("a rep's dashboard shows the DPO's panel:\n%s", page)
	}
}
