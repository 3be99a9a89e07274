package web_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/stewardhq/steward/internal/datamap"
	"github.com/stewardhq/steward/internal/rights"
	"github.com/stewardhq/steward/internal/subjects"
	"github.com/stewardhq/steward/internal/testkit"
)

// What the erasure journey's member is known by; none of it is in the
// request the DPO logs, so once erased it must be on no page.
const (
	erasePhone      = "07700 900461"
	eraseKeptTitle  = "Grievance meeting"
	eraseKeptBody   = "Met Priya and the head teacher about the rota. She has since filed an employment tribunal claim."
	eraseGoneTitle  = "Overtime query"
	eraseGoneBody   = "Asked whether the unpaid overtime on parents' evening counts towards her hours."
	eraseKeepReason = "Her employment tribunal claim is open: the meeting note is evidence for it."
	eraseLogReason  = "The record of who saw her data shows the union complied with the law."
)

// addMemberWithTwoRecords seeds the data map and adds a member of
// workplace A with two casework notes, as the DPO; it returns her id.
func addMemberWithTwoRecords(t *testing.T, f *fixture) string {
	t.Helper()
	dpo := testkit.As(t, f.Access, f.DPOUser)
	dm := datamap.New(f.DB, f.Audit)
	if err := dm.Seed(dpo, datamap.Controller{Name: "Test Union", DPO: "Dana Patel, dpo@union.example"}); err != nil {
		t.Fatal(err)
	}
	p, err := f.Subjects.Create(dpo, subjects.Input{UnitID: f.WorkplaceA, Kind: subjects.KindMember,
		Profile: subjects.Profile{GivenName: "Priya", FamilyName: "Raman", Email: "priya.raman@example.org", Phone: erasePhone, MembershipNo: "M-7"}})
	if err != nil {
		t.Fatal(err)
	}
	ch := choices(t, f)
	pick := func(list []datamap.Choice, name string) string {
		for _, c := range list {
			if c.Name == name {
				return c.ID
			}
		}
		t.Fatalf("no %q in the seeded data map", name)
		return ""
	}
	recs := subjects.NewRecords(f.Subjects, dm)
	for _, r := range []struct{ title, body, on string }{{eraseKeptTitle, eraseKeptBody, "2026-02-10"}, {eraseGoneTitle, eraseGoneBody, "2026-02-17"}} {
		_, err := recs.Add(dpo, p.ID, subjects.RecordInput{Kind: "casework_note",
			CategoryID: pick(ch.Categories, "Casework notes and correspondence"), ActivityID: pick(ch.Activities, "Casework and representation"),
			Title: r.title, Body: r.body, OccurredOn: r.on})
		if err != nil {
			t.Fatal(err)
		}
	}
	return p.ID
}

// TestBrowserRightsErasure: a member asks to be erased while her tribunal
// claim is open. The DPO logs the request, matches and collects it, keeps
// the meeting note for the claim and the access log as the law requires,
// erases the rest, finishes the searches and carries the erasure out in
// the browser. Afterwards the register has no name for her and finds her
// by nothing, the kept note is still there and readable, the other is
// gone, the request holds nothing of what went, and it closes as complied
// with only once every recipient has been told.
func TestBrowserRightsErasure(t *testing.T) {
	exe := chromeOrSkip(t)
	f := newFixture(t)
	member := addMemberWithTwoRecords(t, f)
	br := startBrowser(t, exe)
	b := newBrowserTab(t, br, f.URL)
	if st := b.signIn(f.DPOUser, f.DPOPassword, f.DPOCode(t)); st != http.StatusOK {
		t.Fatalf("sign-in: %d", st)
	}

	// Before: the register finds her, by name on her page and in her
	// workplace's list, with both notes.
	b.follow(`header nav a[href="/people"]`)
	b.typeInto("#q", "priya.raman@example.org")
	b.follow(`form[action="/people/search"] button[type=submit]`)
	if got := b.text("table.people tbody td:first-child"); got != "Priya Raman" {
		t.Fatalf("search before the erasure finds %q", got)
	}
	b.follow(`table.people tbody a`)
	b.wantPath("/people/" + member)
	if got := b.text("main h1"); got != "Priya Raman" {
		t.Fatalf("person page heading before the erasure %q", got)
	}
	if got := b.columnTexts("article.record h3"); len(got) != 2 {
		t.Fatalf("records before the erasure: %q", got)
	}
	tok := tokenFor(t, f, f.DPOUser)
	searchPhone := func() []subjects.Subject {
		t.Helper()
		code, body := apiDo(t, f, tok, "POST", "/api/v1/people/search", `{"query":"`+erasePhone+`"}`)
		if code != http.StatusOK {
			t.Fatalf("API search by phone: %d %s", code, body)
		}
		return decode[struct {
			People []subjects.Subject `json:"people"`
		}](t, body).People
	}
	if found := searchPhone(); len(found) != 1 || found[0].ID != member {
		t.Fatalf("API search by her phone before the erasure: %+v", found)
	}

	// The DPO logs the request; it opens at once, with the clock running.
	reqPath := b.logEmailedRequest(rights.KindErasure, f.WorkplaceA, "Please delete everything you hold about me now that I have left the union.")
	if got := b.text("p.status"); !strings.Contains(got, rights.KindErasure.Label()) || !strings.Contains(got, rights.StatusOpen.Label()) {
		t.Fatalf("status line after logging %q", got)
	}
	b.typeInto("#subject_id", member)
	b.follow(`form[action$="/match"] button[type=submit]`)
	if st := b.follow(`form[action$="/collate"] button[type=submit]`); st != http.StatusOK {
		t.Fatalf("collecting: %d", st)
	}
	if got := b.text("p.banner.notice"); !strings.Contains(got, "erase it, or keep it under an exception") {
		t.Errorf("notice after collecting %q", got)
	}

	// Every item is erased or kept: nothing offers disclosure, and the
	// access log offers keeping only.
	articles := b.columnTexts("article.item h4")
	if len(articles) != 5 {
		t.Fatalf("items collected: %q", articles)
	}
	if n := b.count(`article.item input[value="disclose"], article.item input[value="redact"], article.item input[value="withhold"]`); n != 0 {
		t.Errorf("%d access decisions offered on an erasure", n)
	}
	if n, m := b.count(`article.item input[value="erase"]`), b.count(`article.item input[value="keep"]`); n != 4 || m != 5 {
		t.Errorf("erase offered %d times, keep %d times; want 4 and 5", n, m)
	}
	itemOf := func(title string) string {
		t.Helper()
		id := b.evalString(`(Array.from(document.querySelectorAll("article.item")).find(a => a.querySelector("h4").innerText.startsWith(` + jsString(title) + `)) || {id: ""}).id`)
		if !strings.HasPrefix(id, "item-") {
			t.Fatalf("no item %q on %s", title, b.location())
		}
		return strings.TrimPrefix(id, "item-")
	}
	kept, gone, seen, details := itemOf(eraseKeptTitle), itemOf(eraseGoneTitle), itemOf("Who read or changed your record"), itemOf("Your details in the register")
	if n := b.count("#item-" + seen + ` input[value="erase"]`); n != 0 {
		t.Errorf("the access log can be erased from the page")
	}
	if got := b.text("#item-" + gone + " .content"); !strings.Contains(got, eraseGoneBody) {
		t.Errorf("the note before the erasure: %q", got)
	}
	if got := b.text("#item-" + details + " .content"); !strings.Contains(got, erasePhone) {
		t.Errorf("her details before the erasure: %q", got)
	}
	if got := b.text("section#erasure"); !strings.Contains(got, "decide erase or keep for 5 more items") || b.count(`form[action$="/erasure"]`) != 0 {
		t.Errorf("the erasure section before any decision: %q", got)
	}

	// Keeping needs an exception (Art 17(3)): refused without one, with
	// what was typed kept.
	b.click("#item-" + kept + ` input[value="keep"]`)
	b.typeInNew("#reason-"+kept, eraseKeepReason)
	if st := b.follow("#item-" + kept + ` form button[type=submit]`); st != http.StatusBadRequest {
		t.Errorf("keeping without an exception: %d", st)
	}
	if got := b.text("p.banner.error"); !strings.Contains(got, "Name the exception (Art 17(3))") {
		t.Errorf("refusal of a keep without an exception %q", got)
	}
	b.choose("#exemption-"+kept, "legal_claims")
	if got := b.evalString(`document.querySelector("#reason-` + kept + `").value`); got != eraseKeepReason {
		t.Errorf("the reason after the refusal %q", got)
	}
	b.follow("#item-" + kept + ` form button[type=submit]`)
	if got := b.text("#item-" + kept + " p.decision"); got != "Kept "+rights.Exemption("legal_claims").Label() {
		t.Errorf("the kept note's decision %q", got)
	}
	if got := b.text("#item-" + kept + " p.reason"); got != "Reason: "+eraseKeepReason {
		t.Errorf("the kept note's reason %q", got)
	}

	// Erasing the access log by a crafted form is refused too.
	if st := b.postForm(reqPath+"/items/"+seen+"/decision", map[string]string{"decision": "erase"}); st != http.StatusBadRequest {
		t.Errorf("erasing the access log: %d", st)
	}
	if got := b.text("p.banner.error"); !strings.Contains(got, "cannot be erased") {
		t.Errorf("refusal to erase the access log %q", got)
	}
	b.choose("#exemption-"+seen, "legal_obligation")
	b.typeInNew("#reason-"+seen, eraseLogReason)
	b.follow("#item-" + seen + ` form button[type=submit]`)
	if got := b.text("#item-" + seen + " p.decision"); got != "Kept "+rights.Exemption("legal_obligation").Label() {
		t.Errorf("the access log's decision %q", got)
	}

	for range 10 {
		next := b.evalString(`(document.querySelector("article.item:not(.decided)") || {id: ""}).id`)
		if next == "" {
			break
		}
		b.click("#" + next + ` input[value="erase"]`)
		b.follow("#" + next + ` form button[type=submit]`)
		if got := b.text("#" + next + " p.decision"); got != "To be erased" {
			t.Fatalf("decision of %s: %q", next, got)
		}
	}
	if got := b.text("p.count"); got != "5 items, all decided." {
		t.Fatalf("items after deciding: %q", got)
	}
	if got := b.text("section#erasure"); !strings.Contains(got, "search task") || b.count(`form[action$="/erasure"]`) != 0 {
		t.Errorf("the erasure section with the searches open: %q", got)
	}
	for range 20 {
		task := b.evalString(`(document.querySelector('#tasks form[action$="/done"] textarea') || {id: ""}).id`)
		if task == "" {
			break
		}
		b.typeInNew("#"+task, "Searched by the system's owner: deleted her from it.")
		b.follow(`#tasks form[action$="/done"] button[type=submit]`)
	}
	if n := b.count(`form[action$="/done"]`); n != 0 {
		t.Fatalf("%d tasks still open", n)
	}

	// Ready: the page says what will happen, and that it cannot be undone,
	// before the button.
	if got := b.text("section#erasure p.summary"); got != "3 items to erase, 2 kept." {
		t.Errorf("summary before the erasure %q", got)
	}
	if got := b.text("section#erasure p.warning"); !strings.HasPrefix(got, "This cannot be undone.") {
		t.Errorf("warning %q", got)
	}
	if before := b.evalString(`String(!!(document.querySelector("section#erasure p.warning").compareDocumentPosition(
		document.querySelector('form[action$="/erasure"] button')) & Node.DOCUMENT_POSITION_FOLLOWING))`); before != "true" {
		t.Errorf("the warning does not come before the button")
	}
	if st := b.follow(`form[action$="/erasure"] button[type=submit]`); st != http.StatusOK {
		t.Fatalf("carrying out the erasure: %d", st)
	}
	notices := b.columnTexts("#notices tbody td:first-child")
	if len(notices) == 0 {
		t.Fatal("no recipients to tell after the erasure")
	}
	want := fmt.Sprintf("Erasure carried out: 3 items erased, 2 kept; %d recipients to tell.", len(notices))
	if got := b.text("p.banner.notice"); !strings.HasPrefix(got, want) {
		t.Errorf("notice after the erasure %q, want it to start %q", got, want)
	}
	for _, n := range notices {
		if !strings.HasPrefix(n, "Tell ") || !strings.HasSuffix(n, " (Art 19)") {
			t.Errorf("notice task %q", n)
		}
	}
	if got := strings.Join(notices, "; "); !strings.Contains(got, "Tell Union solicitors (Art 19)") {
		t.Errorf("the recipients of her casework are not all told: %s", got)
	}
	if got := b.text("#tasks"); !strings.Contains(got, "Search tasks") || strings.Contains(got, "Tell ") {
		t.Errorf("the search tasks and the notices are mixed: %q", got)
	}

	// The request keeps what went and what stayed, nothing of the data.
	if n := b.count(`form[action*="/items/"], form[action$="/collate"], form[action$="/erasure"], form[action$="/match"]`); n != 0 {
		t.Errorf("%d decision, collect, erase or match forms after the erasure", n)
	}
	erased := b.columnTexts("article.item.erased h4")
	if len(erased) != 3 {
		t.Errorf("erased items %q", erased)
	}
	for _, h := range erased {
		if !strings.HasPrefix(h, "Erased") {
			t.Errorf("an erased item is headed %q", h)
		}
	}
	if n := b.count("article.item.erased .content, article.item.erased dl"); n != 0 {
		t.Errorf("%d erased items still show data", n)
	}
	if got := b.text("#item-" + gone + " p.decision"); got != "Erased" {
		t.Errorf("the erased note's decision %q", got)
	}
	for _, s := range []string{eraseGoneTitle, eraseGoneBody, erasePhone} {
		b.wantNotOnPage(s)
	}
	if got := b.text("#item-" + kept + " .content"); !strings.Contains(got, eraseKeptBody) {
		t.Errorf("the kept note on the request %q", got)
	}
	if got := b.text("table.history tbody"); !strings.Contains(got, "Erasure carried out") {
		t.Errorf("history %q", got)
	}

	// The API tells the tasks apart too.
	_, body := apiDo(t, f, tok, "GET", "/api/v1"+reqPath+"/items", "")
	var notify int
	for _, tk := range decode[itemsBody](t, body).Tasks {
		if tk.Kind == rights.TaskNotify {
			notify++
		}
	}
	if notify != len(notices) {
		t.Errorf("the API lists %d notice tasks, the page %d", notify, len(notices))
	}

	// The register: no name, found by nothing, the kept note readable and
	// the other gone.
	b.open("/people/" + member)
	if h := b.evalString(`document.querySelector("main h1").innerText`); h != "Erased person" {
		t.Errorf("person page heading after the erasure %q", h)
	}
	if got := b.text("p.banner.notice"); !strings.Contains(got, "details were erased") {
		t.Errorf("the person page does not say the person was erased: %q", got)
	}
	// Nothing is left to edit or restrict.
	b.wantNotOnPage(`/edit"`)
	b.wantNotOnPage(`action="/people/` + member + `/restriction"`)
	for _, s := range []string{"Raman", "priya.raman@example.org", erasePhone, eraseGoneTitle, eraseGoneBody} {
		b.wantNotOnPage(s)
	}
	if got := b.columnTexts("article.record h3"); len(got) != 1 || got[0] != eraseKeptTitle {
		t.Errorf("records after the erasure %q", got)
	}
	if got := b.text("article.record p.body"); got != eraseKeptBody {
		t.Errorf("the kept note reads %q", got)
	}
	b.open("/people?unit=" + f.WorkplaceA)
	if got := b.columnTexts("table.people tbody td:first-child"); len(got) != 1 || got[0] != "erased" {
		t.Errorf("workplace A's people after the erasure %q", got)
	}
	b.wantNotOnPage("Raman")
	b.typeInto("#q", "priya.raman@example.org")
	b.follow(`form[action="/people/search"] button[type=submit]`)
	if got := b.text("table.people tbody"); got != "Nobody in your units matches exactly." {
		t.Errorf("search after the erasure %q", got)
	}
	if found := searchPhone(); len(found) != 0 {
		t.Errorf("API search by her phone after the erasure: %+v", found)
	}

	// Complied with only once every recipient is told.
	b.open(reqPath)
	closeReq := func() int {
		t.Helper()
		if b.count(`details[open]:has(form[action$="/close"])`) == 0 {
			b.click(`details:has(form[action$="/close"]) > summary`)
		}
		b.choose("#outcome", string(rights.OutcomeComplied))
		b.typeInNew("#close-note", "Erased her details and one note; the tribunal note and the access log are kept.")
		return b.follow(`form[action$="/close"] button[type=submit]`)
	}
	if st := closeReq(); st != http.StatusConflict {
		t.Errorf("closing with the notices open: %d", st)
	}
	if got := b.text("p.banner.error"); !strings.Contains(got, fmt.Sprintf("%d tasks are still open", len(notices))) || !strings.Contains(got, "tell each recipient") {
		t.Errorf("refusal to close %q", got)
	}
	if got := b.text("p.status .state"); got != rights.StatusOpen.Label() {
		t.Errorf("status after the refused close %q", got)
	}
	for range 20 {
		task := b.evalString(`(document.querySelector('#notices form[action$="/done"] textarea') || {id: ""}).id`)
		if task == "" {
			break
		}
		b.typeInNew("#"+task, "Emailed them to erase her data too; they confirmed.")
		b.follow(`#notices form[action$="/done"] button[type=submit]`)
		if got := b.text("p.banner.notice"); got != "Recorded how the recipient was told." {
			t.Fatalf("notice after telling a recipient %q", got)
		}
	}
	if got := b.columnTexts("#notices tbody tr.done"); len(got) != len(notices) {
		t.Errorf("recipients told: %d of %d", len(got), len(notices))
	}
	if st := closeReq(); st != http.StatusOK {
		t.Fatalf("closing once all are told: %d", st)
	}
	if got := b.text("p.status"); !strings.Contains(got, rights.StatusClosed.Label()) || !strings.Contains(got, rights.OutcomeComplied.Label()) {
		t.Errorf("status after closing %q", got)
	}
}
