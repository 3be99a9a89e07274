package web_test

import (
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/stewardhq/steward/internal/rights"
)

// TestBrowserRightsPack: a member submits the public form, the DPO
// verifies identity, collates, redacts a third party's name in a casework
// note and the redaction holds in the pack. The member, not signed in,
// makes an access request and checks its status with the code shown
// once; the DPO finds it on the board, records that proof of identity was
// asked for and seen, finds the member in the register to match them by
// id, collects their data, redacts the HR adviser's name from the note by
// pasting it, discloses the rest, completes the search tasks and makes
// the pack. Headless Chromium keeps downloads to itself, so the pack is
// fetched with the browser's own session cookie.
func TestBrowserRightsPack(t *testing.T) {
	exe := chromeOrSkip(t)
	f := newFixture(t)
	member := addMemberWithNote(t, f)
	br := startBrowser(t, exe)

	var ref string
	t.Run("member submits the public form and checks its status", func(t *testing.T) {
		b := newBrowserTab(t, br, f.URL)
		if st := b.open("/login"); st != http.StatusOK {
			t.Fatalf("sign-in page: %d", st)
		}
		if st := b.follow(`main a[href="/request"]`); st != http.StatusOK {
			t.Fatalf("public form: %d", st)
		}
		if b.sessionCookie() != nil {
			t.Fatal("the member has a session")
		}
		b.choose("#kind", string(rights.KindAccess))
		b.choose("#requester", string(rights.RequesterSelf))
		b.typeInNew("#description", "Please send me a copy of everything you hold about me, including the notes of my grievance meeting.")
		b.typeInto("#requester_name", "Priya Raman")
		b.typeInto("#requester_email", "priya.raman@example.org")
		b.typeInNew("#identifiers", "Membership number M-7, Alder Road Primary School")
		if st := b.follow(`main form[action="/request"] button[type=submit]`); st != http.StatusOK {
			t.Fatalf("sending the form: %d", st)
		}
		ref = b.text("dd.ref")
		code := b.text("#status-code")
		if !strings.HasPrefix(ref, "R-") || len(code) < 40 {
			t.Fatalf("receipt %q, code %q", ref, code)
		}
		b.wantPath("/request")
		if got := b.text("#status-url"); got != f.URL+"/request/status" {
			t.Errorf("status address shown %q", got)
		}
		if st := b.follow(`form[action="/request/status"] button[type=submit]`); st != http.StatusOK {
			t.Fatalf("checking the status: %d", st)
		}
		b.wantPath("/request/status")
		if got := b.text("main h1"); got != "Your request "+ref {
			t.Errorf("status page heading %q", got)
		}
		if got := b.text("dd.state"); !strings.Contains(got, "waiting for our data protection officer") {
			t.Errorf("status %q", got)
		}
		if loc := b.location(); strings.Contains(loc, code) {
			t.Errorf("the code is in the address %s", loc)
		}
	})
	if ref == "" {
		t.FailNow()
	}

	t.Run("DPO verifies identity, collates, redacts and makes the pack", func(t *testing.T) {
		b := newBrowserTab(t, br, f.URL)
		if st := b.signIn(f.DPOUser, f.DPOPassword, f.DPOCode(t)); st != http.StatusOK {
			t.Fatalf("sign-in: %d", st)
		}
		b.follow(`header nav a[href="/requests"]`)
		if got := b.text("table.requests tbody td:first-child"); got != ref {
			t.Fatalf("board's first request is %q, want %q", got, ref)
		}
		b.follow(`table.requests tbody td:first-child a`)
		reqPath := strings.TrimPrefix(b.location(), f.URL)

		b.choose("#step", string(rights.StepIDRequested))
		b.follow(`form[action$="/steps"] button[type=submit]`)
		if got := b.text("p.status .state"); got != rights.StatusIdentity.Label() {
			t.Fatalf("status after asking for identity %q", got)
		}
		b.choose("#step", string(rights.StepIDReceived))
		b.typeInNew("#step-note", "Passport seen at the branch office; not copied.")
		b.follow(`form[action$="/steps"] button[type=submit]`)
		if got := b.text("p.status .state"); got != rights.StatusOpen.Label() {
			t.Fatalf("status after identity was seen %q", got)
		}

		// Find the member in the register by the email they gave, and take
		// their id from their record's address.
		b.follow(`header nav a[href="/people"]`)
		b.typeInto("#q", "priya.raman@example.org")
		b.follow(`form[action="/people/search"] button[type=submit]`)
		b.follow(`table.people tbody a`)
		personID := strings.TrimPrefix(b.location(), f.URL+"/people/")
		if personID != member {
			t.Fatalf("found person %q, want %q", personID, member)
		}
		b.open(reqPath)
		b.typeInto("#subject_id", personID)
		b.follow(`form[action$="/match"] button[type=submit]`)

		if st := b.follow(`form[action$="/collate"] button[type=submit]`); st != http.StatusOK {
			t.Fatalf("collecting: %d", st)
		}
		if got := b.text("p.banner.notice"); !strings.HasPrefix(got, "Collected.") {
			t.Errorf("notice after collecting %q", got)
		}
		note := b.evalString(`Array.from(document.querySelectorAll("article.item")).find(a => a.innerText.includes("Grievance meeting")).id`)
		if !strings.HasPrefix(note, "item-") {
			t.Fatalf("no article for the casework note: %q", note)
		}
		itemID := strings.TrimPrefix(note, "item-")
		if got := b.text("#" + note + " .content"); !strings.Contains(got, "Mr Hughes") {
			t.Fatalf("the note before redaction: %q", got)
		}
		b.click("#" + note + ` input[value="redact"]`)
		b.typeInNew("#redact-"+itemID, "Mr Hughes")
		b.choose("#exemption-"+itemID, "third_party")
		b.typeInNew("#reason-"+itemID, "Names the HR adviser, who has not agreed to disclosure.")
		if st := b.follow("#" + note + ` form button[type=submit]`); st != http.StatusOK {
			t.Fatalf("redacting: %d", st)
		}
		if got := b.text("#" + note + " .shown"); got != "Met Priya with [redacted] from HR. [redacted] said the rota would change." {
			t.Errorf("the note as it will be sent: %q", got)
		}
		if got := b.text("#" + note + " p.reason"); !strings.Contains(got, "Names the HR adviser") {
			t.Errorf("reason shown %q", got)
		}

		for range 20 {
			next := b.evalString(`(document.querySelector("article.item:not(.decided)") || {id: ""}).id`)
			if next == "" {
				break
			}
			b.click("#" + next + ` input[value="disclose"]`)
			b.follow("#" + next + ` form button[type=submit]`)
		}
		if got := b.text("p.count"); !strings.Contains(got, "all decided") {
			t.Fatalf("items after deciding: %q", got)
		}

		for range 20 {
			task := b.evalString(`(document.querySelector('form[action$="/done"] textarea') || {id: ""}).id`)
			if task == "" {
				break
			}
			b.typeInNew("#"+task, "Searched by the system's owner: nothing about her.")
			b.follow(`form[action$="/done"] button[type=submit]`)
		}
		b.wantNotOnPage(`/done"`)

		// Make the pack with the browser's session.
		c := b.sessionCookie()
		if c == nil {
			t.Fatal("no session cookie")
		}
		req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, f.URL+reqPath+"/pack", nil)
		if err != nil {
			t.Fatal(err)
		}
		req.AddCookie(&http.Cookie{Name: c.Name, Value: c.Value})
		code, h, zipped := doBytes(t, req)
		if code != http.StatusOK || h.Get("Content-Type") != "application/zip" {
			t.Fatalf("pack: %d %v", code, h)
		}
		files := unzipPack(t, zipped)
		js := files["your-data.json"]
		if strings.Contains(js, "Hughes") || !strings.Contains(js, "[redacted]") || !json.Valid([]byte(js)) {
			t.Errorf("your-data.json:\n%s", js)
		}
		if tool := os.Getenv("STEWARD_TEST_PDFTOTEXT"); tool != "" {
			p := filepath.Join(t.TempDir(), "your-data.pdf")
			if err := os.WriteFile(p, []byte(files["your-data.pdf"]), 0o600); err != nil {
				t.Fatal(err)
			}
			out, err := exec.Command(tool, p, "-").CombinedOutput()
			if err != nil {
				t.Fatalf("pdftotext: %v %s", err, out)
			}
			text := strings.Join(strings.Fields(string(out)), " ")
			if strings.Contains(text, "Hughes") || !strings.Contains(text, "Met Priya with [redacted] from HR.") {
				t.Errorf("the PDF's text:\n%s", text)
			}
		}

		b.open(reqPath)
		if got := b.text("table.letters tbody"); !strings.Contains(got, "Response pack") || !strings.Contains(got, "response-"+ref+".zip") {
			t.Errorf("letters after the pack: %q", got)
		}
		if got := b.text("table.history tbody"); !strings.Contains(got, "Response pack made") || !strings.Contains(got, "Passport seen") {
			t.Errorf("history: %q", got)
		}
	})
}

// click clicks an element that does not lead to another page (a radio).
func (b *browserTab) click(sel string) {
	b.t.Helper()
	if err := chromedp.Do(b.ctx, chromedp.Click(chromedp.CSS(sel), chromedp.NodeVisible)); err != nil {
		b.t.Fatalf("click %s: %v", sel, err)
	}
}

// evalString evaluates a JavaScript expression in the page through the
// DevTools protocol (the page itself runs no scripts) and returns its
// string value.
func (b *browserTab) evalString(expr string) string {
	b.t.Helper()
	s, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](expr))
	if err != nil {
		b.t.Fatalf("evaluate %s: %v", expr, err)
	}
	return s
}

// doBytes sends a request without following redirects and returns the
// status, headers and body.
func doBytes(t *testing.T, req *http.Request) (int, http.Header, []byte) {
	t.Helper()
	resp, err := noRedirect().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header, b
}
