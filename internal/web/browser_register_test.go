package web_test

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"
)

// TestBrowserRegister: a rep finds and opens a member of their own
// workplace and is refused one of another (by search, by URL and through
// the API); the DPO imports a CSV with bad rows, sees them, and downloads
// the rejection report.
func TestBrowserRegister(t *testing.T) {
	exe := chromeOrSkip(t)
	f, mine, theirs := peopleFixture(t)
	br := startBrowser(t, exe)

	t.Run("rep searches and opens their own member only", func(t *testing.T) {
		b := newBrowserTab(t, br, f.URL)
		if st := b.signIn(f.RepUser, f.RepPassword, ""); st != http.StatusOK {
			t.Fatalf("sign-in: %d", st)
		}
		b.open("/people")
		b.typeInto("#q", "alice.mine@example.org")
		if st := b.follow(`form.search button[type=submit]`); st != http.StatusOK {
			t.Fatalf("search: %d", st)
		}
		if got := b.text("table.people tbody"); !strings.Contains(got, "Alice Mine") {
			t.Fatalf("search results %q lack the rep's own member", got)
		}
		if st := b.follow(`table.people tbody a`); st != http.StatusOK {
			t.Fatalf("opening the member: %d", st)
		}
		if got := b.text("main h1"); got != "Alice Mine" {
			t.Fatalf("person page heading %q", got)
		}
		b.open("/people")
		b.typeInto("#q", "bob.theirs@example.org")
		b.follow(`form.search button[type=submit]`)
		if got := b.text("table.people tbody"); !strings.Contains(got, "Nobody in your units matches") {
			t.Fatalf("search for another workplace's member shows %q", got)
		}
		b.wantNotOnPage("Bob")
		if st := b.open("/people/" + theirs.ID); st != http.StatusNotFound {
			t.Fatalf("another workplace's member by URL: %d", st)
		}
		b.wantNotOnPage("Theirs")
		tok := tokenFor(t, f, f.RepUser)
		if code, body := apiDo(t, f, tok, "GET", "/api/v1/people/"+theirs.ID, ""); code != 404 || strings.Contains(body, "Bob") {
			t.Fatalf("another workplace's member through the API: %d", code)
		}
		if code, _ := apiDo(t, f, tok, "GET", "/api/v1/people/"+mine.ID, ""); code != 200 {
			t.Fatalf("own member through the API: %d", code)
		}
	})

	t.Run("DPO imports a CSV with bad rows and downloads the report", func(t *testing.T) {
		b := newBrowserTab(t, br, f.URL)
		if st := b.signIn(f.DPOUser, f.DPOPassword, f.DPOCode(t)); st != http.StatusOK {
			t.Fatalf("sign-in: %d", st)
		}
		dir := t.TempDir()
		csvPath := filepath.Join(dir, "members.csv")
		content := "Membership number,First name,Surname,Email,Date of birth,Workplace\n" +
			"N1,Dee,Good,dee@example.org,01/02/1980," + f.WorkplaceAName + "\n" +
			"N2,Eve,Bad,eve-at-example,02/03/1981," + f.WorkplaceAName + "\n" +
			"N3,Fay,Worse,fay@example.org,31/02/1982," + f.WorkplaceBName + "\n"
		if err := os.WriteFile(csvPath, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		b.open("/people/import")
		if err := chromedp.Do(b.ctx, chromedp.SetUploadFiles(chromedp.CSS("#file"), []string{csvPath}, chromedp.NodeVisible)); err != nil {
			t.Fatal(err)
		}
		if st := b.follow(`button[value=import]`); st != http.StatusOK {
			t.Fatalf("import: %d", st)
		}
		if got := b.text("p.banner.notice"); !strings.Contains(got, "1 created") || !strings.Contains(got, "2 rejected") {
			t.Fatalf("import summary %q", got)
		}
		problems := b.text("table.problems tbody")
		if !strings.Contains(problems, "3") || !strings.Contains(problems, "4") {
			t.Fatalf("rejected rows %q do not name lines 3 and 4", problems)
		}
		b.wantNotOnPage("eve-at-example")

		downloads := t.TempDir()
		_, err := chromedp.CallBrowser(b.ctx, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{
			Behavior: browser.SetDownloadBehaviorBehaviorAllow, DownloadPath: downloads,
			BrowserContextID: chromedp.FromContext(b.ctx).BrowserContextID})
		if err != nil {
			t.Fatal(err)
		}
		b.open("/people/import")
		if err := chromedp.Do(b.ctx,
			chromedp.SetUploadFiles(chromedp.CSS("#file"), []string{csvPath}, chromedp.NodeVisible),
			chromedp.Click(chromedp.CSS(`input[name=dry_run]`), chromedp.NodeVisible),
			chromedp.Click(chromedp.CSS(`button[value=report]`), chromedp.NodeVisible),
		); err != nil {
			t.Fatal(err)
		}
		report := waitForFile(t, filepath.Join(downloads, "members.csv.report.csv"))
		if !strings.HasPrefix(report, "line,action,column,reason,subject_id") || !strings.Contains(report, "3,rejected,Email,") || !strings.Contains(report, "4,rejected,Date of birth,") {
			t.Fatalf("downloaded report:\n%s", report)
		}
		if strings.Contains(report, "eve-at-example") || strings.Contains(report, "31/02/1982") {
			t.Fatal("the report echoes rejected values")
		}
	})
}

// waitForFile polls for a download to finish.
func waitForFile(t *testing.T, path string) string {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		if b, err := os.ReadFile(path); err == nil && len(b) > 0 {
			return string(b)
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("no download at %s", path)
	return ""
}
