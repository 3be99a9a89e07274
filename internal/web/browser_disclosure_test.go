package web_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/stewardhq/steward/internal/access"
	"github.com/stewardhq/steward/internal/datamap"
	"github.com/stewardhq/steward/internal/disclosures"
	"github.com/stewardhq/steward/internal/rights"
)

// addPolice puts the police in the data map as a public authority with no
// contract, and returns its id and the id of the contact-details category.
func addPolice(t *testing.T, f *fixture) (police, contact string) {
	t.Helper()
	ctx := context.Background()
	a, err := f.Access.Actor(ctx, f.DPOUser, access.ViaSession)
	if err != nil {
		t.Fatal(err)
	}
	dpo := access.WithActor(ctx, a)
	dm := datamap.New(f.DB, f.Audit)
	rc, err := dm.CreateRecipient(dpo, datamap.Recipient{Name: "Northumbria Police", Kind: "public_authority", Country: "United Kingdom"})
	if err != nil {
		t.Fatal(err)
	}
	cats, err := dm.Categories(dpo)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cats {
		if strings.HasPrefix(c.Name, "Contact details") {
			return rc.ID, c.ID
		}
	}
	return rc.ID, cats[0].ID
}

// TestBrowserPoliceDisclosure: the police ask in writing, without a court
// order, for a member's address. The DPO finds her by her email on the
// disclosure form, logs the request with its reference and reasoning; as
// the police have no contract in the data map it waits for approval, and
// the DPO approves it with a reason. Her page lists it, and when she then
// asks for her data the collected items and the pack show who received it.
func TestBrowserPoliceDisclosure(t *testing.T) {
	exe := chromeOrSkip(t)
	f := newFixture(t)
	member := addMemberWithNote(t, f)
	police, contact := addPolice(t, f)
	br := startBrowser(t, exe)
	b := newBrowserTab(t, br, f.URL)
	if st := b.signIn(f.DPOUser, f.DPOPassword, f.DPOCode(t)); st != http.StatusOK {
		t.Fatalf("sign-in: %d", st)
	}

	b.open("/disclosures")
	if st := b.follow(`main a[href="/disclosures/new"]`); st != http.StatusOK {
		t.Fatalf("new disclosure form: %d", st)
	}
	b.typeInNew("#q", "priya.raman@example.org")
	b.follow(`form[action="/disclosures/new"] button[type=submit]`)
	b.click(`input[name="person"][value="` + member + `"]`)
	b.choose("#recipient", police)
	b.click(`input[name="category_id"][value="` + contact + `"]`)
	b.choose("#basis", string(disclosures.BasisCrime))
	b.typeInNew("#reference", "Northumbria Police form DP7, ref NP-2026-0412")
	b.typeInNew("#reasoning", "Written request from the force's data protection officer; no court order. They are tracing a witness to an assault; refusing would prejudice the investigation. Address only.")
	b.click(`input[name="prejudice"]`)
	if st := b.follow(`main form[action="/disclosures"] button[type=submit]`); st != http.StatusOK {
		t.Fatalf("logging the disclosure: %d", st)
	}
	if got := b.text("#disclosure-state"); got != disclosures.StatePending.Label() {
		t.Fatalf("state after logging %q", got)
	}
	if got := b.text("p.banner.error"); !strings.Contains(got, "no current contract") {
		t.Errorf("hold banner %q", got)
	}
	discPath := strings.TrimPrefix(b.location(), f.URL)
	discPath = discPath[:strings.IndexByte(discPath+"?", '?')]

	// The DPO's queue shows it; approving needs a reason.
	b.open("/disclosures/pending")
	if got := b.text("main table tbody"); !strings.Contains(got, "Northumbria Police") {
		t.Fatalf("pending queue: %q", got)
	}
	b.open(discPath)
	b.typeInNew("#reason", "Sch 2 para 2 applies: a written request, a specific investigation, the minimum data.")
	if st := b.follow(`button[value="approve"]`); st != http.StatusOK {
		t.Fatalf("approving: %d", st)
	}
	if got := b.text("#disclosure-state"); got != disclosures.StateApproved.Label() {
		t.Fatalf("state after approval %q", got)
	}
	if got := b.text("main section.card dl"); !strings.Contains(got, "refusing would prejudice the investigation") || !strings.Contains(got, "NP-2026-0412") {
		t.Errorf("the record does not show the reasoning and reference: %q", got)
	}

	b.open("/people/" + member)
	if got := b.text("#disclosures"); !strings.Contains(got, "Northumbria Police") {
		t.Errorf("person page disclosures: %q", got)
	}

	// She asks for her data.
	reqPath := b.logEmailedRequest(rights.KindAccess, f.WorkplaceA, "Please send me everything you hold about me and who you have given it to.")
	b.typeInto("#subject_id", member)
	b.follow(`form[action$="/match"] button[type=submit]`)
	if st := b.follow(`form[action$="/collate"] button[type=submit]`); st != http.StatusOK {
		t.Fatalf("collecting: %d", st)
	}
	item := b.evalString(`(Array.from(document.querySelectorAll("article.item")).find(a => a.innerText.includes("Northumbria Police")) || {id: ""}).id`)
	if item == "" {
		t.Fatal("the collected items do not show the disclosure to the police")
	}
	if got := b.text("#" + item); !strings.Contains(got, "Sch 2 para 2") || strings.Contains(got, "NP-2026-0412") {
		t.Errorf("the collected disclosure: %q", got)
	}
	// It was marked as prejudicial to tell her about: the reviewer sees
	// the mark. Here the DPO decides the investigation is over and
	// discloses it; the mark never reaches her.
	if got := b.text("#" + item + " .review-note"); !strings.Contains(got, "may prejudice") {
		t.Errorf("review note on the collected disclosure: %q", got)
	}

	for range 20 {
		next := b.evalString(`(document.querySelector("article.item:not(.decided)") || {id: ""}).id`)
		if next == "" {
			break
		}
		b.click("#" + next + ` input[value="disclose"]`)
		b.follow("#" + next + ` form button[type=submit]`)
	}
	for range 20 {
		task := b.evalString(`(document.querySelector('form[action$="/done"] textarea') || {id: ""}).id`)
		if task == "" {
			break
		}
		b.typeInNew("#"+task, "Searched: nothing about her.")
		b.follow(`form[action$="/done"] button[type=submit]`)
	}
	c := b.sessionCookie()
	if c == nil {
		t.Fatal("no session cookie")
	}
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, f.URL+reqPath+"/pack", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.AddCookie(&http.Cookie{Name: c.Name, Value: c.Value})
	code, _, zipped := doBytes(t, req)
	if code != http.StatusOK {
		t.Fatalf("pack: %d %s", code, zipped)
	}
	files := unzipPack(t, zipped)
	if js := files["your-data.json"]; !strings.Contains(js, "Northumbria Police") || !strings.Contains(js, "Who has received your data") ||
		strings.Contains(js, "prejudice") || strings.Contains(js, "review_note") {
		t.Errorf("the pack does not list the disclosure:\n%s", js)
	}
}
