package web_test

import (
	"context"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"

	"github.com/stewardhq/steward/internal/access"
	"github.com/stewardhq/steward/internal/consent"
	"github.com/stewardhq/steward/internal/lists"
	"github.com/stewardhq/steward/internal/subjects"
)

// downloadList asks for a list for purpose as an age-encrypted CSV on the
// lists page, downloads it and returns the decrypted rows.
func (b *browserTab) downloadList(purpose string) [][]string {
	b.t.Helper()
	b.open("/lists")
	if err := chromedp.Do(b.ctx,
		chromedp.Click(chromedp.CSS(`input[name=purpose][value=`+purpose+`]`), chromedp.NodeVisible),
		chromedp.Click(chromedp.CSS(`input[name=format][value="csv.age"]`), chromedp.NodeVisible),
		chromedp.Click(chromedp.CSS(`input[name=understood]`), chromedp.NodeVisible),
	); err != nil {
		b.t.Fatal(err)
	}
	if st := b.follow(`form[action="/lists"] button[type=submit]`); st != http.StatusOK {
		b.t.Fatalf("making the %s list: %d", purpose, st)
	}
	password := b.text("#password")
	dir := b.t.TempDir()
	_, err := chromedp.CallBrowser(b.ctx, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{
		Behavior: browser.SetDownloadBehaviorBehaviorAllow, DownloadPath: dir,
		BrowserContextID: chromedp.FromContext(b.ctx).BrowserContextID})
	if err != nil {
		b.t.Fatal(err)
	}
	if err := chromedp.Do(b.ctx, chromedp.Click(chromedp.CSS(`form[action="/lists/download"] button`), chromedp.NodeVisible)); err != nil {
		b.t.Fatal(err)
	}
	rows, err := lists.DecryptAgeCSV(waitForGlob(b.t, filepath.Join(dir, purpose+"-*.csv.age")), password)
	if err != nil {
		b.t.Fatalf("decrypt the %s list: %v", purpose, err)
	}
	return rows
}

// givenNames is the first column of a list's rows, header left out.
func givenNames(rows [][]string) []string {
	var out []string
	for _, r := range rows[1:] {
		out = append(out, r[0])
	}
	slices.Sort(out)
	return out
}

// TestBrowserUnsubscribeLeavesTheBallotList: two members consented to the
// newsletter; one unsubscribes through the link in an email, as a mail
// client would open it, without signing in. The rep's next newsletter list
// leaves her out, and her ballot list still has her: an opt-out stops
// marketing only, never the union's democracy.
func TestBrowserUnsubscribeLeavesTheBallotList(t *testing.T) {
	exe := chromeOrSkip(t)
	f, alice, _ := peopleFixture(t)
	ctx := context.Background()
	dpoActor, err := f.Access.Actor(ctx, f.DPOUser, access.ViaSession)
	if err != nil {
		t.Fatal(err)
	}
	dpo := access.WithActor(ctx, dpoActor)
	cathy, err := f.Subjects.Create(dpo, subjects.Input{UnitID: f.WorkplaceA, Profile: subjects.Profile{GivenName: "Cathy", FamilyName: "Stays",
		Email: "cathy.stays@example.org", MembershipNo: "A-3"}})
	if err != nil {
		t.Fatal(err)
	}
	cs := consent.New(f.DB, f.Vault, f.Audit, consent.NewSuppressions(f.DB, f.Vault, f.Audit), f.Subjects, consent.Config{})
	w, err := cs.PublishWording(dpo, "newsletters", "Send me the union's monthly newsletter by email.")
	if err != nil {
		t.Fatal(err)
	}
	yes := true
	for _, id := range []string{alice.ID, cathy.ID} {
		if _, err := cs.Record(dpo, id, consent.RecordInput{Purpose: "newsletters", Given: &yes, Channel: consent.Channel("web"), WordingID: w.ID}); err != nil {
			t.Fatal(err)
		}
	}
	token, err := cs.UnsubscribeToken(dpo, alice.ID, "")
	if err != nil {
		t.Fatal(err)
	}
	br := startBrowser(t, exe)

	rep := newBrowserTab(t, br, f.URL)
	if st := rep.signIn(f.RepUser, f.RepPassword, ""); st != http.StatusOK {
		t.Fatalf("rep sign-in: %d", st)
	}
	if got := givenNames(rep.downloadList("newsletter")); !slices.Equal(got, []string{"Alice", "Cathy"}) {
		t.Fatalf("newsletter list before the unsubscribe: %q", got)
	}

	member := newBrowserTab(t, br, f.URL)
	if st := member.open("/u/" + token); st != http.StatusOK {
		t.Fatalf("unsubscribe link: %d", st)
	}
	member.wantNotOnPage("Mine") // no surname on a public page
	if st := member.follow(`form[action^="/u/"] button`); st != http.StatusOK {
		t.Fatalf("unsubscribe: %d", st)
	}
	if got := member.text("h1"); got != "You are unsubscribed" {
		t.Fatalf("after unsubscribing the page says %q", got)
	}

	if got := givenNames(rep.downloadList("newsletter")); !slices.Equal(got, []string{"Cathy"}) {
		t.Fatalf("newsletter list after Alice unsubscribed: %q", got)
	}
	if got := givenNames(rep.downloadList("ballot")); !slices.Equal(got, []string{"Alice", "Cathy"}) {
		t.Fatalf("ballot list after Alice unsubscribed: %q", got)
	}
}

// TestBrowserLeaverListsOutstanding: a rep holds a member list that is not
// due for deletion for a month; the DPO records that the rep has left, the
// leaver's page lists the list, and the DPO's dashboard shows it as
// outstanding until its deletion is confirmed.
func TestBrowserLeaverListsOutstanding(t *testing.T) {
	exe := chromeOrSkip(t)
	f, _, _ := peopleFixture(t)
	ctx := context.Background()
	repActor, err := f.Access.Actor(ctx, f.RepUser, access.ViaSession)
	if err != nil {
		t.Fatal(err)
	}
	ls := lists.New(f.DB, f.Audit, f.Subjects, f.Access, consent.NewSuppressions(f.DB, f.Vault, f.Audit), lists.Config{})
	m, err := ls.Create(access.WithActor(ctx, repActor), lists.Request{Purpose: "meeting", Format: lists.FormatXLSX})
	if err != nil {
		t.Fatal(err)
	}
	br := startBrowser(t, exe)
	b := newBrowserTab(t, br, f.URL)
	if st := b.signIn(f.DPOUser, f.DPOPassword, f.DPOCode(t)); st != http.StatusOK {
		t.Fatalf("sign-in: %d", st)
	}
	if strings.Contains(b.text("main"), "Meeting notice") {
		t.Fatal("a list a month from its delete-by date is already outstanding")
	}
	b.open("/governance/people/" + repActor.AccountID)
	if err := chromedp.Do(b.ctx, chromedp.Click(chromedp.CSS(`form[action$="/leave"] input[name=confirm]`), chromedp.NodeVisible)); err != nil {
		t.Fatal(err)
	}
	if st := b.follow(`form[action$="/leave"] button`); st != http.StatusOK {
		t.Fatalf("recording leaving: %d", st)
	}
	if got := b.text("ul.holdings"); !strings.Contains(got, "Meeting notice") {
		t.Fatalf("the leaver's page lists %q", got)
	}
	b.open("/")
	got := b.text("#outstanding-lists")
	if !strings.Contains(got, "Meeting notice") || !strings.Contains(got, f.RepUser) {
		t.Fatalf("the DPO's outstanding lists after the rep left: %q", got)
	}
	if st := b.follow(`#outstanding-lists a[href="/lists/` + m.List.ID + `"]`); st != http.StatusOK {
		t.Fatalf("opening the list: %d", st)
	}
}
