package web_test

import (
	"context"
	"encoding/json"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"

	"github.com/stewardhq/steward/internal/access"
	"github.com/stewardhq/steward/internal/datamap"
	"github.com/stewardhq/steward/internal/governance/govtest"
	"github.com/stewardhq/steward/internal/subjects"
	"github.com/stewardhq/steward/internal/testkit"
)

// officerA is an officer on workplace A: unlike the fixture's rep, an
// officer may edit the people of their workplace, so a restriction takes
// something away from them.
const officerA = "officer.a"

// restrictedFile is the file attached to the member's record.
const restrictedFile, restrictedContent = "grievance-letter.txt", "Letter to the head teacher about the rota."

// TestBrowserRestrictedPerson: a restricted person cannot be exported or
// edited by anyone but the DPO (issue 4). An officer who could edit a
// member and download their file sees, once the DPO has restricted the
// member through the person page, the banner and neither the edit link,
// the record form nor a download link; the edit page, the file's address,
// a posted edit, a posted record and the API all answer 403 with the
// reason, and nothing changes. The DPO then edits the member and
// downloads the file.
//
// One journey rather than subtests: the DPO signs in once, since a TOTP
// code works once per 30-second step.
func TestBrowserRestrictedPerson(t *testing.T) {
	exe := chromeOrSkip(t)
	f := newFixture(t)
	ctx := context.Background()
	root, err := f.Access.RootUnit(ctx)
	if err != nil {
		t.Fatal(err)
	}
	testkit.Account(t, f.Access, access.WithActor(ctx, access.OperatorActor(root.Path)), officerA, access.RoleOfficer, f.WorkplaceA)
	govtest.Onboard(t, f.Gov, f.Access, nil, officerA)
	member := addMemberWithNote(t, f)
	fileID := attachToFirstRecord(t, f, member)
	br := startBrowser(t, exe)

	personPath := "/people/" + member
	editLink := `a[href="` + personPath + `/edit"]`
	recordForm := `form[action="` + personPath + `/records"]`
	fileLink := `a[href="/files/` + fileID + `"]`
	dpoToken := tokenFor(t, f, f.DPOUser)

	// Before: the officer is offered the edit link, the record form and
	// the download, and the download works.
	off := newBrowserTab(t, br, f.URL)
	if st := off.signIn(officerA, testkit.Password, ""); st != http.StatusOK {
		t.Fatalf("officer sign-in: %d", st)
	}
	if st := off.open(personPath); st != http.StatusOK {
		t.Fatalf("officer opens the member: %d", st)
	}
	// Waiting for the heading also waits for the new page's document,
	// which wantNotOnPage reads whole.
	if got := off.text("main h1"); got != "Priya Raman" {
		t.Fatalf("person page heading %q", got)
	}
	off.wantNotOnPage("restricted (Art 18)")
	off.text(editLink)
	if off.count(recordForm) != 1 || off.text("main details summary") != "Add a record" {
		t.Error("officer is not offered the record form before the restriction")
	}
	if got := off.text(fileLink); got != restrictedFile {
		t.Errorf("download link reads %q, want %q", got, restrictedFile)
	}
	if st, b := off.get("/files/" + fileID); st != http.StatusOK || b != restrictedContent {
		t.Fatalf("officer downloads the file before the restriction: %d %q", st, b)
	}
	if st := off.follow(editLink); st != http.StatusOK {
		t.Fatalf("officer opens the edit form before the restriction: %d", st)
	}
	off.text(`form[action="` + personPath + `"] #email`)

	// The DPO restricts the member through the page, with a reason.
	dpo := newBrowserTab(t, br, f.URL)
	if st := dpo.signIn(f.DPOUser, f.DPOPassword, f.DPOCode(t)); st != http.StatusOK {
		t.Fatalf("DPO sign-in: %d", st)
	}
	dpo.open(personPath)
	dpo.typeInto(`form[action="`+personPath+`/restriction"] #reason`, "Accuracy of the grievance record contested by the member.")
	if st := dpo.follow(`form[action="` + personPath + `/restriction"] button[type=submit]`); st != http.StatusOK {
		t.Fatalf("restricting: %d", st)
	}
	if got := dpo.text("p.banner.notice"); got != "Saved." {
		t.Errorf("after restricting the notice is %q", got)
	}
	if got := dpo.text(`form[action="` + personPath + `/restriction"] button`); got != "Lift the restriction" {
		t.Errorf("restriction button reads %q after restricting", got)
	}
	if got := dpo.text("table tbody"); !strings.Contains(got, "Accuracy of the grievance record contested") {
		t.Errorf("history %q lacks the restriction's reason", got)
	}
	before := personByAPI(t, f, dpoToken, member)
	if !before.Restricted {
		t.Fatal("the API does not show the member as restricted")
	}
	recordsBefore := recordCount(t, f, member)

	// After: the officer sees the banner, the file's name without a link,
	// and nothing that would change or copy the member's data.
	if st := off.open(personPath); st != http.StatusOK {
		t.Fatalf("officer opens the restricted member: %d", st)
	}
	if got := off.text("main h1"); got != "Priya Raman" {
		t.Fatalf("person page heading %q", got)
	}
	if got := off.text("p.banner.error"); !strings.Contains(got, "restricted (Art 18)") {
		t.Errorf("banner %q", got)
	}
	if got := off.text("ul.files li"); !strings.Contains(got, restrictedFile) || !strings.Contains(got, "no download while processing is restricted") {
		t.Errorf("file entry %q, want the name and why there is no link", got)
	}
	off.wantNotOnPage(`href="` + personPath + `/edit"`)
	off.wantNotOnPage(`action="` + personPath + `/records"`)
	off.wantNotOnPage(`href="/files/`)

	// Going round the page: the edit form, the file's address, a posted
	// edit and a posted record are refused with the reason.
	if st := off.open(personPath + "/edit"); st != http.StatusForbidden {
		t.Errorf("edit page of the restricted member: %d, want 403", st)
	}
	if got := off.text("p.banner.error"); !strings.Contains(got, "only the data protection officer may change it") {
		t.Errorf("edit page refusal %q", got)
	}
	off.wantNotOnPage(`id="email"`)
	if st := off.open("/files/" + fileID); st != http.StatusForbidden {
		t.Errorf("file of the restricted member by its address: %d, want 403", st)
	}
	if got := off.text("p.banner.error"); !strings.Contains(got, "only the data protection officer may download their files") {
		t.Errorf("download refusal %q", got)
	}
	off.wantNotOnPage(restrictedContent)
	edit := map[string]string{"version": strconv.FormatInt(before.Version, 10), "unit_id": f.WorkplaceA, "kind": "member",
		"given_name": "Priya", "family_name": "Raman", "email": "priya.changed@example.org", "membership_no": "M-7",
		"reason": "Member asked for the new address to be used."}
	if st := off.postForm(personPath, edit); st != http.StatusForbidden {
		t.Errorf("posted edit of the restricted member: %d, want 403", st)
	}
	if got := off.text("p.banner.error"); !strings.Contains(got, "only the data protection officer may change it") {
		t.Errorf("posted edit refusal %q", got)
	}
	off.wantNotOnPage(`id="email"`)
	off.wantNotOnPage("priya.changed@example.org")
	ch := choices(t, f)
	record := map[string]string{"kind": "casework_note", "category_id": ch.Categories[0].ID, "activity_id": ch.Activities[0].ID, "title": "Added despite the restriction"}
	if st := off.postForm(personPath+"/records", record); st != http.StatusForbidden {
		t.Errorf("posted record about the restricted member: %d, want 403", st)
	}
	if got := off.text("main"); !strings.Contains(got, "only the data protection officer may add to it") {
		t.Errorf("posted record refusal %q", got)
	}
	off.wantNotOnPage(`action="` + personPath + `/records"`)

	// The API refuses the officer's edit with the same reason.
	body := `{"unit_id":"` + f.WorkplaceA + `","kind":"member","profile":{"given_name":"Priya","family_name":"Raman","email":"priya.changed@example.org","membership_no":"M-7"},"version":` + strconv.FormatInt(before.Version, 10) + `,"reason":"Member asked for the new address to be used."}`
	if code, b := apiDo(t, f, tokenFor(t, f, officerA), "PUT", "/api/v1/people/"+member, body); code != http.StatusForbidden || !strings.Contains(b, "only the data protection officer may change it") {
		t.Errorf("API edit of the restricted member: %d %s", code, b)
	}

	// Nothing changed.
	after := personByAPI(t, f, dpoToken, member)
	if after.Version != before.Version || after.Profile.Email != before.Profile.Email {
		t.Errorf("the member changed: version %d to %d, email %q to %q", before.Version, after.Version, before.Profile.Email, after.Profile.Email)
	}
	if n := recordCount(t, f, member); n != recordsBefore {
		t.Errorf("the member has %d records, had %d", n, recordsBefore)
	}

	// The DPO still edits the member and downloads the file.
	dpo.open(personPath)
	if dpo.count(recordForm) != 1 || dpo.count(fileLink) != 1 {
		t.Error("the DPO is not offered the record form and the download of a restricted member")
	}
	if st := dpo.follow(editLink); st != http.StatusOK {
		t.Fatalf("DPO opens the edit form: %d", st)
	}
	dpo.typeInto("#email", "priya.new@example.org")
	dpo.typeInto("#reason", "Corrected at the member's request; the restriction stays.")
	if st := dpo.follow(`form[action="` + personPath + `"] button[type=submit]`); st != http.StatusOK {
		t.Fatalf("DPO saves the edit: %d", st)
	}
	dpo.wantPath(personPath + "?done=saved")
	if got := dpo.text("dl.facts"); !strings.Contains(got, "priya.new@example.org") {
		t.Errorf("after the DPO's edit the facts read %q", got)
	}
	if got := personByAPI(t, f, dpoToken, member); got.Profile.Email != "priya.new@example.org" || !got.Restricted {
		t.Errorf("after the DPO's edit the API shows email %q, restricted %v", got.Profile.Email, got.Restricted)
	}
	downloads := t.TempDir()
	if _, err := chromedp.CallBrowser(dpo.ctx, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{
		Behavior: browser.SetDownloadBehaviorBehaviorAllow, DownloadPath: downloads,
		BrowserContextID: chromedp.FromContext(dpo.ctx).BrowserContextID}); err != nil {
		t.Fatal(err)
	}
	dpo.click(fileLink)
	if got := waitForFile(t, filepath.Join(downloads, restrictedFile)); got != restrictedContent {
		t.Errorf("DPO's download holds %q", got)
	}
}

// attachToFirstRecord attaches restrictedFile to the person's first
// record, as the DPO, and returns the file's id.
func attachToFirstRecord(t *testing.T, f *fixture, personID string) string {
	t.Helper()
	dpo := testkit.As(t, f.Access, f.DPOUser)
	recs := subjects.NewRecords(f.Subjects, datamap.New(f.DB, f.Audit))
	list, err := recs.List(dpo, personID)
	if err != nil || len(list) == 0 {
		t.Fatalf("records of %s: %v (%d)", personID, err, len(list))
	}
	file, err := recs.Attach(dpo, list[0].ID, restrictedFile, "text/plain", strings.NewReader(restrictedContent))
	if err != nil {
		t.Fatal(err)
	}
	return file.ID
}

// recordCount is how many records the DPO sees for the person.
func recordCount(t *testing.T, f *fixture, personID string) int {
	t.Helper()
	list, err := subjects.NewRecords(f.Subjects, datamap.New(f.DB, f.Audit)).List(testkit.As(t, f.Access, f.DPOUser), personID)
	if err != nil {
		t.Fatal(err)
	}
	return len(list)
}

// choices are the data map's categories and activities, for a record.
func choices(t *testing.T, f *fixture) *datamap.Choices {
	t.Helper()
	ch, err := datamap.New(f.DB, f.Audit).FormChoices(testkit.As(t, f.Access, f.DPOUser))
	if err != nil || len(ch.Categories) == 0 || len(ch.Activities) == 0 {
		t.Fatalf("data map choices: %v", err)
	}
	return ch
}

// personByAPI reads a person through the API with a token.
func personByAPI(t *testing.T, f *fixture, token, id string) subjects.Subject {
	t.Helper()
	code, b := apiDo(t, f, token, "GET", "/api/v1/people/"+id, "")
	if code != http.StatusOK {
		t.Fatalf("GET person %s: %d %s", id, code, b)
	}
	return decode[subjects.Subject](t, b)
}

// get fetches a path with the tab's session, outside the page (a file
// download would not show in the tab), and returns the status and body.
func (b *browserTab) get(path string) (int, string) {
	b.t.Helper()
	c := b.sessionCookie()
	if c == nil {
		b.t.Fatal("no session cookie in the tab")
	}
	req, err := http.NewRequestWithContext(b.ctx, http.MethodGet, b.base+path, nil)
	if err != nil {
		b.t.Fatal(err)
	}
	req.AddCookie(&http.Cookie{Name: c.Name, Value: c.Value})
	st, _, body := doBytes(b.t, req)
	return st, string(body)
}

// count is how many elements of the page match sel, shown or not.
func (b *browserTab) count(sel string) int {
	b.t.Helper()
	n, err := chromedp.Run(b.ctx, chromedp.Evaluate[int](`document.querySelectorAll(`+jsString(sel)+`).length`))
	if err != nil {
		b.t.Fatalf("count %s: %v", sel, err)
	}
	return n
}

// postForm submits a form the page does not offer, built in the page
// through the DevTools protocol, as someone editing the HTML would; it
// returns the status of the page the post leads to.
func (b *browserTab) postForm(path string, fields map[string]string) int {
	b.t.Helper()
	obj, err := json.Marshal(fields)
	if err != nil {
		b.t.Fatal(err)
	}
	js := `(() => { const f = document.createElement("form"); f.method = "post"; f.action = ` + jsString(path) + `;
	for (const [k, v] of Object.entries(` + string(obj) + `)) {
		const i = document.createElement("input"); i.type = "hidden"; i.name = k; i.value = v; f.appendChild(i);
	}
	document.body.appendChild(f); f.submit(); })()`
	resp, err := chromedp.RunResponse(b.ctx, chromedp.Evaluate[chromedp.Void](js))
	if err != nil {
		b.t.Fatalf("post %s: %v", path, err)
	}
	return int(resp.Status)
}
