package web_test

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"

	"github.com/stewardhq/steward/internal/access"
	"github.com/stewardhq/steward/internal/consent"
	"github.com/stewardhq/steward/internal/lists"
	"github.com/stewardhq/steward/internal/subjects"
)

// TestBrowserLists: a rep asks for a ballot list, sees the password once
// with the rules that apply, downloads the file once and finds in it their
// own members with no home address; the DPO's dashboard shows a list past
// its delete-by date with its holder.
func TestBrowserLists(t *testing.T) {
	exe := chromeOrSkip(t)
	f, _, _ := peopleFixture(t)
	ctx := context.Background()
	dpoActor, err := f.Access.Actor(ctx, f.DPOUser, access.ViaSession)
	if err != nil {
		t.Fatal(err)
	}
	dpo := access.WithActor(ctx, dpoActor)
	if _, err := f.Subjects.Create(dpo, subjects.Input{UnitID: f.WorkplaceA, Profile: subjects.Profile{GivenName: "Carol", FamilyName: "Home",
		MembershipNo: "A-2", Address: "12 Secret Lane\nGateshead", Postcode: "NE8 1AA"}}); err != nil {
		t.Fatal(err)
	}
	br := startBrowser(t, exe)

	t.Run("rep downloads a ballot list without home addresses", func(t *testing.T) {
		b := newBrowserTab(t, br, f.URL)
		if st := b.signIn(f.RepUser, f.RepPassword, ""); st != http.StatusOK {
			t.Fatalf("sign-in: %d", st)
		}
		b.open("/lists")
		if got := b.text(`label:has(input[value=postal_ballot])`); !strings.Contains(got, "Home address") {
			t.Fatalf("the postal ballot purpose does not say it has home addresses: %q", got)
		}
		if got := b.text(`label:has(input[value=ballot])`); strings.Contains(got, "address") || !strings.Contains(got, "Membership number") {
			t.Fatalf("the ballot purpose shows %q", got)
		}
		if err := chromedp.Do(b.ctx,
			chromedp.Click(chromedp.CSS(`input[name=purpose][value=ballot]`), chromedp.NodeVisible),
			chromedp.Click(chromedp.CSS(`input[name=format][value="csv.age"]`), chromedp.NodeVisible),
			chromedp.Click(chromedp.CSS(`input[name=understood]`), chromedp.NodeVisible),
		); err != nil {
			t.Fatal(err)
		}
		if st := b.follow(`form[action="/lists"] button[type=submit]`); st != http.StatusOK {
			t.Fatalf("making the list: %d", st)
		}
		password := b.text("#password")
		if len(password) != 24 {
			t.Fatalf("password %q", password)
		}
		// The rules that apply now are on the page with the password.
		page := b.text("main")
		for _, rule := range []string{"only time Steward shows it", "never in the same email", "Do not forward it", "BCC"} {
			if !strings.Contains(page, rule) {
				t.Errorf("the download page does not say %q", rule)
			}
		}
		b.wantNotOnPage("Secret Lane")

		downloads := t.TempDir()
		_, err := chromedp.CallBrowser(b.ctx, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{
			Behavior: browser.SetDownloadBehaviorBehaviorAllow, DownloadPath: downloads,
			BrowserContextID: chromedp.FromContext(b.ctx).BrowserContextID})
		if err != nil {
			t.Fatal(err)
		}
		if err := chromedp.Do(b.ctx, chromedp.Click(chromedp.CSS(`form[action="/lists/download"] button`), chromedp.NodeVisible)); err != nil {
			t.Fatal(err)
		}
		file := waitForGlob(t, filepath.Join(downloads, "ballot-*.csv.age"))
		rows, err := lists.DecryptAgeCSV(file, password)
		if err != nil {
			t.Fatalf("decrypt the download with the page's password: %v", err)
		}
		if want := []string{"Given name", "Family name", "Workplace", "Membership number"}; !slices.Equal(rows[0], want) {
			t.Fatalf("header %q, want %q", rows[0], want)
		}
		var people []string
		for _, r := range rows[1:] {
			people = append(people, r[0]+" "+r[1])
			for _, cell := range r {
				if strings.Contains(cell, "Secret Lane") || strings.Contains(cell, "NE8") {
					t.Fatalf("a home address on the ballot list: %q", r)
				}
			}
		}
		if !slices.Equal(people, []string{"Carol Home", "Alice Mine"}) {
			t.Fatalf("people on the list %q", people)
		}
		// The download works once.
		if st := b.follow(`form[action="/lists/download"] button`); st != http.StatusNotFound {
			t.Fatalf("a second download answered %d", st)
		}
	})

	t.Run("DPO dashboard shows a list past its delete-by date", func(t *testing.T) {
		repActor, err := f.Access.Actor(ctx, f.RepUser, access.ViaSession)
		if err != nil {
			t.Fatal(err)
		}
		expired := lists.New(f.DB, f.Audit, f.Subjects, f.Access, consent.NewSuppressions(f.DB, f.Vault, f.Audit), lists.Config{Expiry: time.Millisecond})
		m, err := expired.Create(access.WithActor(ctx, repActor), lists.Request{Purpose: "meeting", Format: lists.FormatXLSX})
		if err != nil {
			t.Fatal(err)
		}
		time.Sleep(2 * time.Millisecond) // past its (one-millisecond) expiry
		b := newBrowserTab(t, br, f.URL)
		if st := b.signIn(f.DPOUser, f.DPOPassword, f.DPOCode(t)); st != http.StatusOK {
			t.Fatalf("sign-in: %d", st)
		}
		got := b.text("#outstanding-lists")
		if !strings.Contains(got, "Meeting notice") || !strings.Contains(got, f.RepUser) {
			t.Fatalf("the DPO's outstanding lists: %q", got)
		}
		if st := b.follow(`#outstanding-lists a[href="/lists/` + m.List.ID + `"]`); st != http.StatusOK {
			t.Fatalf("opening the list: %d", st)
		}
		if got := b.text("p.banner.error"); !strings.Contains(got, "past its delete-by date") {
			t.Fatalf("the list page says %q", got)
		}
	})
}

// waitForGlob waits for a download matching pattern to finish.
func waitForGlob(t *testing.T, pattern string) []byte {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		if m, _ := filepath.Glob(pattern); len(m) == 1 {
			if b, err := os.ReadFile(m[0]); err == nil && len(b) > 0 {
				return b
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("no download matching %s", pattern)
	return nil
}
