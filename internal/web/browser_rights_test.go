package web_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/stewardhq/steward/internal/calendar"
	"github.com/stewardhq/steward/internal/rights"
)

// TestBrowserRights: a rep logs a verbal request and the DPO sees the
// forwarding clock. The rep fills the log form for a request made to them
// in person a few days ago and gets its receipt number; the DPO finds it
// on the board with its due date, opens it to see the hand-off line and
// the clock, asks for proof of identity, and sees the status change and
// the due date leave the board, since the clock now waits.
func TestBrowserRights(t *testing.T) {
	exe := chromeOrSkip(t)
	f := newFixture(t)
	br := startBrowser(t, exe)
	received := ukToday(t).AddDays(-3)

	var ref string
	t.Run("rep logs a request made in person", func(t *testing.T) {
		b := newBrowserTab(t, br, f.URL)
		if st := b.signIn(f.RepUser, f.RepPassword, ""); st != http.StatusOK {
			t.Fatalf("sign-in: %d", st)
		}
		b.follow(`header nav a[href="/requests"]`)
		b.wantPath("/requests")
		if st := b.follow(`main a[href="/requests/new"]`); st != http.StatusOK {
			t.Fatalf("log form: %d", st)
		}
		b.choose("#kind", string(rights.KindAccess))
		b.choose("#channel", string(rights.ChannelInPerson))
		// A date field's typed form depends on the browser's locale; its
		// value is always YYYY-MM-DD.
		b.choose("#received_on", received.String())
		if got := b.columnTexts("#unit_id option:checked"); len(got) != 1 || got[0] != f.WorkplaceAName {
			t.Errorf("the form files the request under %q, want the rep's workplace %q", got, f.WorkplaceAName)
		}
		b.typeInNew("#description", "Asked at the school gate for a copy of everything the union holds about her grievance.")
		b.typeInto("#requester_name", "Priya Raman")
		b.typeInto("#requester_email", "priya.raman@example.org")
		if st := b.follow(`main form[action="/requests"] button[type=submit]`); st != http.StatusOK {
			t.Fatalf("logging: %d", st)
		}
		notice := b.text("p.banner.notice")
		ref = b.text("dd.ref")
		if !strings.HasPrefix(ref, "R-") || !strings.Contains(notice, "The receipt number is "+ref) {
			t.Fatalf("after logging: notice %q, receipt number %q", notice, ref)
		}
		if got := b.text("p.status .state"); got != rights.StatusNew.Label() {
			t.Errorf("status %q, want %q", got, rights.StatusNew.Label())
		}
		b.wantNotOnPage(`action="/requests/`) // the DPO's forms
	})
	if ref == "" {
		t.FailNow()
	}

	t.Run("DPO sees the clock, asks for identity, and the due date leaves the board", func(t *testing.T) {
		// The due date the service worked out, to look for on the pages.
		code, list := apiDo(t, f, tokenFor(t, f, f.DPOUser), "GET", "/api/v1/requests", "")
		board := decode[struct {
			Requests []rights.Request `json:"requests"`
		}](t, list).Requests
		if code != http.StatusOK || len(board) != 1 || board[0].Ref != ref {
			t.Fatalf("API board: %d %s", code, list)
		}
		due, err := calendar.ParseDate(board[0].Clock.Applies)
		if err != nil {
			t.Fatalf("no due date on the board: %+v", board[0].Clock)
		}

		b := newBrowserTab(t, br, f.URL)
		if st := b.signIn(f.DPOUser, f.DPOPassword, f.DPOCode(t)); st != http.StatusOK {
			t.Fatalf("sign-in: %d", st)
		}
		b.follow(`header nav a[href="/requests"]`)
		if got := b.text("table.requests tbody td:first-child"); got != ref {
			t.Fatalf("board's first request is %q, want %q", got, ref)
		}
		if got := b.text("table.requests tbody td.due"); !strings.Contains(got, due.Long()) || !strings.Contains(got, "days left") {
			t.Errorf("board's due column %q, want %s with the days left", got, due.Long())
		}

		if st := b.follow(`table.requests tbody td:first-child a`); st != http.StatusOK {
			t.Fatalf("opening the request: %d", st)
		}
		if got := b.text("main h1"); got != "Request "+ref {
			t.Errorf("heading %q", got)
		}
		if got := b.text("p.handoff"); !strings.Contains(got, "within the hand-off deadline") || !strings.Contains(got, received.Long()) {
			t.Errorf("hand-off line %q", got)
		}
		if got := b.text("section.clock dd.applies"); !strings.Contains(got, due.Long()) {
			t.Errorf("deadline that applies %q, want %s", got, due.Long())
		}
		if got := b.text("section.clock ol.why"); !strings.Contains(got, received.Long()) {
			t.Errorf("the clock's reasons %q do not start from the day of receipt", got)
		}
		b.wantNotOnPage("Someone changed this request")

		b.choose("#step", string(rights.StepIDRequested))
		if st := b.follow(`form[action$="/steps"] button[type=submit]`); st != http.StatusOK {
			t.Fatalf("recording the step: %d", st)
		}
		if got := b.text("p.status .state"); got != rights.StatusIdentity.Label() {
			t.Errorf("status after asking for identity %q, want %q", got, rights.StatusIdentity.Label())
		}
		if got := b.text("table.history tbody"); !strings.Contains(got, rights.StepIDRequested.Label()) {
			t.Errorf("history %q lacks the step", got)
		}

		b.follow(`main a[href="/requests"]`)
		if got := b.text("table.requests tbody td.due"); strings.Contains(got, due.Long()) || !strings.Contains(got, "not running") {
			t.Errorf("board's due column while waiting for identity: %q", got)
		}
		b.wantNotOnPage(due.Long())
	})
}

// choose sets a select's or a date field's value, as picking from the
// browser's own control would.
// logEmailedRequest logs, as the signed-in DPO, a request of kind that
// Priya Raman of unitID sent by email, and returns the request page's
// path.
func (b *browserTab) logEmailedRequest(kind rights.Kind, unitID, description string) string {
	b.t.Helper()
	b.follow(`header nav a[href="/requests"]`)
	b.follow(`main a[href="/requests/new"]`)
	b.choose("#kind", string(kind))
	b.choose("#channel", string(rights.ChannelEmail))
	b.choose("#unit_id", unitID)
	b.typeInNew("#description", description)
	b.typeInto("#requester_name", "Priya Raman")
	b.typeInto("#requester_email", "priya.raman@example.org")
	if st := b.follow(`main form[action="/requests"] button[type=submit]`); st != http.StatusOK {
		b.t.Fatalf("logging the request: %d", st)
	}
	path := strings.TrimPrefix(b.location(), b.base)
	return path[:strings.IndexByte(path+"?", '?')]
}

func (b *browserTab) choose(sel, value string) {
	b.t.Helper()
	if err := chromedp.Do(b.ctx, chromedp.SetValue(chromedp.CSS(sel), value, chromedp.NodeVisible)); err != nil {
		b.t.Fatalf("set %s: %v", sel, err)
	}
}

// typeInNew types into an empty field. typeInto clears the field first,
// which Chromium refuses for an empty textarea (it has no text node).
func (b *browserTab) typeInNew(sel, text string) {
	b.t.Helper()
	if err := chromedp.Do(b.ctx, chromedp.SendKeys(chromedp.CSS(sel), text, chromedp.NodeVisible)); err != nil {
		b.t.Fatalf("type into %s: %v", sel, err)
	}
}
