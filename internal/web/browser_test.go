package web_test

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// envChrome names the variable holding the Chromium binary. CI sets it and
// fails on any skip; a developer without a browser still gets the rest.
const envChrome = "STEWARD_TEST_CHROME"

// chromeOrSkip returns the Chromium binary to drive, or skips the test
// when none is set (CI sets one and fails on any skip).
func chromeOrSkip(t *testing.T) string {
	t.Helper()
	exe := os.Getenv(envChrome)
	if exe == "" {
		t.Skipf("browser tests skipped: set %s to a Chromium binary (e.g. /usr/bin/chromium) to run them", envChrome)
	}
	return exe
}

// tabTimeout bounds one journey, so a selector that never matches fails the
// test with a message instead of hanging until the go test deadline.
const tabTimeout = 60 * time.Second

// queryTimeout bounds the wait for one element on a loaded page.
const queryTimeout = 5 * time.Second

// TestBrowserJourneys drives real Chromium through the main journeys and
// checks what a person sees, above all that one workplace's rep never sees
// another workplace.
func TestBrowserJourneys(t *testing.T) {
	exe := chromeOrSkip(t)
	f := newFixture(t)
	browser := startBrowser(t, exe)

	t.Run("rep sees only their own workplace", func(t *testing.T) {
		b := newBrowserTab(t, browser, f.URL)
		if st := b.signIn(f.RepUser, f.RepPassword, ""); st != http.StatusOK {
			t.Fatalf("sign-in answered %d, want 200", st)
		}
		b.wantPath("/")
		if got, want := b.text("main h1"), "Welcome, "+f.RepUser; got != want {
			t.Errorf("dashboard heading = %q, want %q", got, want)
		}
		units := b.text("ul.units")
		if !strings.Contains(units, f.WorkplaceAName) {
			t.Errorf("dashboard units %q do not list workplace A %q", units, f.WorkplaceAName)
		}
		b.wantNotOnPage(f.WorkplaceBName)

		if st := b.open("/units/" + f.WorkplaceA); st != http.StatusOK {
			t.Errorf("own workplace page answered %d, want 200", st)
		}
		if got := b.text("main h1"); got != f.WorkplaceAName {
			t.Errorf("own workplace page heading = %q, want %q", got, f.WorkplaceAName)
		}

		// Another workplace must look exactly like one that does not exist.
		if st := b.open("/units/" + f.WorkplaceB); st != http.StatusNotFound {
			t.Errorf("other workplace page answered %d, want 404", st)
		}
		if got := b.text("main h1"); got != "Not Found" {
			t.Errorf("other workplace page heading = %q, want %q", got, "Not Found")
		}
		if got := b.text("p.banner.error"); !strings.Contains(got, "No unit") {
			t.Errorf("other workplace page says %q, want a not-found message", got)
		}
		b.wantNotOnPage(f.WorkplaceBName)

		if st := b.open("/units"); st != http.StatusOK {
			t.Errorf("units page answered %d, want 200", st)
		}
		names := b.columnTexts("main table tbody tr td:first-child")
		if !slices.Equal(names, []string{f.WorkplaceAName}) {
			t.Errorf("units page lists %q, want only %q", names, f.WorkplaceAName)
		}
		b.wantNotOnPage(f.WorkplaceBName)
	})

	t.Run("wrong password is refused without a session", func(t *testing.T) {
		b := newBrowserTab(t, browser, f.URL)
		if st := b.signIn(f.RepUser, "not the password at all", ""); st != http.StatusUnauthorized {
			t.Errorf("sign-in answered %d, want 401", st)
		}
		b.wantPath("/login")
		if got, want := b.text("p.banner.error"), "Wrong username, password or code."; !strings.HasPrefix(got, want) {
			t.Errorf("error banner = %q, want it to start %q", got, want)
		}
		if c := b.sessionCookie(); c != nil {
			t.Errorf("browser holds a session cookie %q after a failed sign-in", c.Name)
		}
		b.open("/")
		b.wantPath("/login")
	})

	t.Run("DPO needs the authenticator code and sees every workplace", func(t *testing.T) {
		b := newBrowserTab(t, browser, f.URL)
		if st := b.signIn(f.DPOUser, f.DPOPassword, ""); st != http.StatusUnauthorized {
			t.Errorf("sign-in without a code answered %d, want 401", st)
		}
		b.wantPath("/login")
		// Without the code the answer is the same as for a wrong password,
		// so the page does not confirm that the password was right.
		if got, want := b.text("p.banner.error"), "Wrong username, password or code."; !strings.HasPrefix(got, want) {
			t.Errorf("error banner = %q, want it to start %q", got, want)
		}
		if c := b.sessionCookie(); c != nil {
			t.Fatalf("browser holds a session cookie %q without the second factor", c.Name)
		}

		if st := b.signIn(f.DPOUser, f.DPOPassword, f.DPOCode(t)); st != http.StatusOK {
			t.Fatalf("sign-in with the code answered %d, want 200", st)
		}
		b.wantPath("/")
		units := b.text("ul.units")
		for _, name := range []string{f.WorkplaceAName, f.WorkplaceBName} {
			if !strings.Contains(units, name) {
				t.Errorf("dashboard units %q do not list %q", units, name)
			}
		}
		b.open("/units/" + f.WorkplaceB)
		if got := b.text("main h1"); got != f.WorkplaceBName {
			t.Errorf("workplace B page heading = %q, want %q", got, f.WorkplaceBName)
		}
	})

	t.Run("sign out ends the session", func(t *testing.T) {
		b := newBrowserTab(t, browser, f.URL)
		if st := b.signIn(f.RepUser, f.RepPassword, ""); st != http.StatusOK {
			t.Fatalf("sign-in answered %d, want 200", st)
		}
		old := b.sessionCookie()
		if old == nil {
			t.Fatal("no session cookie after signing in")
		}
		b.follow(`header form[action="/logout"] button`)
		b.wantPath("/login")
		if got := b.text("main h1"); got != "Sign in" {
			t.Errorf("after sign-out the heading is %q, want %q", got, "Sign in")
		}
		b.open("/")
		b.wantPath("/login")

		// The browser dropped the cookie; the server must have ended the
		// session too, or a copied cookie would still work.
		req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, f.URL+"/", nil)
		if err != nil {
			t.Fatal(err)
		}
		req.AddCookie(&http.Cookie{Name: old.Name, Value: old.Value})
		resp, err := noRedirect().Do(req)
		if err != nil {
			t.Fatalf("GET / with the old cookie: %v", err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/login" {
			t.Errorf("GET / with the signed-out cookie answered %d to %q, want 303 to /login", resp.StatusCode, resp.Header.Get("Location"))
		}
	})

	t.Run("API token is shown once and works", func(t *testing.T) {
		b := newBrowserTab(t, browser, f.URL)
		if st := b.signIn(f.RepUser, f.RepPassword, ""); st != http.StatusOK {
			t.Fatalf("sign-in answered %d, want 200", st)
		}
		// Reach settings the way a person does, through the header link.
		b.follow(`header nav a[href="/account"]`)
		b.wantPath("/account")
		b.typeInto("#token-name", "membership sync")
		if st := b.follow(`form[action="/account/tokens"] button[type=submit]`); st != http.StatusOK {
			t.Fatalf("creating a token answered %d, want 200", st)
		}
		if got := b.text("p.banner.notice"); !strings.Contains(got, "will not be shown again") {
			t.Errorf("notice = %q, want it to say the token is shown once", got)
		}
		secret := b.text("#new-token")
		if !strings.HasPrefix(secret, "stp_") {
			t.Fatalf("shown token %q does not look like a personal access token", secret)
		}
		if got := b.text("main table tbody"); !strings.Contains(got, "membership sync") {
			t.Errorf("token table %q does not list the new token", got)
		}

		b.open("/account")
		b.wantNotOnPage(secret)

		req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, f.URL+"/api/v1/me", nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+secret)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatalf("GET /api/v1/me: %v", err)
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET /api/v1/me with the token answered %d, want 200", resp.StatusCode)
		}
		var me struct {
			Username string `json:"username"`
		}
		if err := json.NewDecoder(resp.Body).Decode(&me); err != nil {
			t.Fatalf("decode /api/v1/me: %v", err)
		}
		if me.Username != f.RepUser {
			t.Errorf("/api/v1/me username = %q, want %q", me.Username, f.RepUser)
		}
	})
}

// TestRootResponseHeaders needs no browser: the headers that keep personal
// data out of caches and scripts out of pages are plain HTTP.
func TestRootResponseHeaders(t *testing.T) {
	f := newFixture(t)
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, f.URL+"/", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := noRedirect().Do(req)
	if err != nil {
		t.Fatalf("GET /: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		t.Errorf("anonymous GET / answered %d, want 303", resp.StatusCode)
	}
	if got := resp.Header.Get("Cache-Control"); got != "no-store" {
		t.Errorf("Cache-Control = %q, want no-store", got)
	}
	csp := resp.Header.Get("Content-Security-Policy")
	if !strings.Contains(csp, "default-src 'none'") {
		t.Errorf("Content-Security-Policy = %q, want one starting from default-src 'none'", csp)
	}
}

// noRedirect returns a client that reports redirects instead of following
// them, so a test sees where a response sends the browser.
func noRedirect() *http.Client {
	return &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// startBrowser starts one Chromium for the test; each journey gets its own
// browser context in it, so no cookie crosses from one journey to the next.
func startBrowser(t *testing.T, exe string) context.Context {
	t.Helper()
	opts := append(slices.Clone(chromedp.DefaultExecAllocatorOptions[:]),
		chromedp.ExecPath(exe),
		chromedp.Headless,
		chromedp.NoSandbox, // CI runs as root, where Chromium's sandbox refuses to start
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.UserDataDir(t.TempDir()),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelBrowser := chromedp.NewContext(allocCtx)
	// Cancelling the allocator waits for Chromium to exit, so the temporary
	// profile directory is free to remove when the cleanup after this runs.
	t.Cleanup(cancelAlloc)
	t.Cleanup(cancelBrowser)
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start %s: %v", exe, err)
	}
	return ctx
}

// browserTab is one tab in a fresh browser context, with the test's
// assertions as methods so journeys read as steps.
type browserTab struct {
	t    *testing.T
	ctx  context.Context
	base string
}

func newBrowserTab(t *testing.T, browser context.Context, base string) *browserTab {
	t.Helper()
	tabCtx, cancelTab := chromedp.NewContext(browser, chromedp.WithNewBrowserContext())
	t.Cleanup(cancelTab)
	// Open the tab before the deadline applies: a tab first run under a
	// deadline would close when the deadline passes.
	if err := chromedp.Do(tabCtx); err != nil {
		t.Fatalf("open tab: %v", err)
	}
	ctx, cancel := context.WithTimeout(tabCtx, tabTimeout)
	t.Cleanup(cancel)
	return &browserTab{t: t, ctx: ctx, base: base}
}

// open loads a page and returns the status of its document.
func (b *browserTab) open(path string) int {
	b.t.Helper()
	resp, err := chromedp.Run(b.ctx, chromedp.NavigateResponse(b.base+path))
	if err != nil {
		b.t.Fatalf("open %s: %v", path, err)
	}
	return int(resp.Status)
}

// follow clicks the element (a submit button or a link), waits for the page
// it leads to and returns that page's status.
func (b *browserTab) follow(sel string) int {
	b.t.Helper()
	resp, err := chromedp.RunResponse(b.ctx, chromedp.Click(chromedp.CSS(sel), chromedp.NodeVisible))
	if err != nil {
		b.t.Fatalf("click %s: %v", sel, err)
	}
	return int(resp.Status)
}

// typeInto replaces a field's value by typing, as a person would.
func (b *browserTab) typeInto(sel, text string) {
	b.t.Helper()
	if err := chromedp.Do(b.ctx,
		chromedp.Clear(chromedp.CSS(sel), chromedp.NodeVisible),
		chromedp.SendKeys(chromedp.CSS(sel), text, chromedp.NodeVisible),
	); err != nil {
		b.t.Fatalf("type into %s: %v", sel, err)
	}
}

// signIn fills the real sign-in form and submits it, returning the status
// of the page it lands on.
func (b *browserTab) signIn(user, password, code string) int {
	b.t.Helper()
	b.open("/login")
	b.typeInto("#username", user)
	b.typeInto("#password", password)
	if code != "" {
		b.typeInto("#code", code)
	}
	return b.follow(`main form[action="/login"] button[type=submit]`)
}

// text returns the visible text of the first element matching sel. Pages
// are server-rendered and already loaded, so a missing element fails after
// queryTimeout rather than the whole journey's time.
func (b *browserTab) text(sel string) string {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, queryTimeout)
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel), chromedp.NodeVisible))
	if err != nil {
		b.t.Fatalf("no visible %s on %s: %v", sel, b.location(), err)
	}
	return strings.TrimSpace(s)
}

// columnTexts returns the visible text of every element matching sel, for
// checking a whole list rather than its first row.
func (b *browserTab) columnTexts(sel string) []string {
	b.t.Helper()
	texts, err := chromedp.Run(b.ctx, chromedp.Evaluate[[]string](
		`Array.from(document.querySelectorAll(`+jsString(sel)+`), e => e.innerText.trim())`))
	if err != nil {
		b.t.Fatalf("read texts of %s: %v", sel, err)
	}
	return texts
}

// wantNotOnPage fails when s appears anywhere in the page, visible or not:
// a hidden element or an attribute leaks as much as a visible one.
func (b *browserTab) wantNotOnPage(s string) {
	b.t.Helper()
	html, err := chromedp.Run(b.ctx, chromedp.OuterHTML(chromedp.CSS("html")))
	if err != nil {
		b.t.Fatalf("read page: %v", err)
	}
	if strings.Contains(html, s) {
		b.t.Errorf("page %s shows %q", b.location(), s)
	}
}

func (b *browserTab) location() string {
	b.t.Helper()
	loc, err := chromedp.Run(b.ctx, chromedp.Location())
	if err != nil {
		b.t.Fatalf("read location: %v", err)
	}
	return loc
}

// wantPath fails unless the tab shows path on the test server.
func (b *browserTab) wantPath(path string) {
	b.t.Helper()
	if got, want := b.location(), b.base+path; got != want {
		b.t.Errorf("browser is at %s, want %s", got, want)
	}
}

// sessionCookie returns the session cookie the browser holds for the test
// server, or nil.
func (b *browserTab) sessionCookie() *network.Cookie {
	b.t.Helper()
	res, err := chromedp.Call(b.ctx, network.GetCookies, network.GetCookiesParams{URLs: []string{b.base + "/"}})
	if err != nil {
		b.t.Fatalf("read cookies: %v", err)
	}
	for _, c := range res.Cookies {
		if strings.HasSuffix(c.Name, "steward_session") && c.Value != "" {
			return c
		}
	}
	return nil
}

// jsString quotes s as a JavaScript string literal (JSON's rules suffice).
func jsString(s string) string {
	q, _ := json.Marshal(s)
	return string(q)
}
