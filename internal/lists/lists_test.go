package lists_test

import (
	"context"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stewardhq/steward/internal/access"
	"github.com/stewardhq/steward/internal/apperr"
	"github.com/stewardhq/steward/internal/audit"
	"github.com/stewardhq/steward/internal/consent"
	"github.com/stewardhq/steward/internal/lists"
	"github.com/stewardhq/steward/internal/store/storetest"
	"github.com/stewardhq/steward/internal/subjects"
	"github.com/stewardhq/steward/internal/testkit"
)

// clock is a test clock that moves only when told to.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

type world struct {
	core     *testkit.Core
	clock    *clock
	reg      *subjects.Service
	sup      *consent.Suppressions
	svc      *lists.Service
	op       context.Context
	root     *access.Unit
	wpA, wpB *access.Unit
	// people by name
	ids map[string]string
}

func newWorld(t testing.TB, env storetest.Env) *world {
	t.Helper()
	clk := &clock{now: time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)}
	c := testkit.Open(t, env, testkit.Options{Clock: clk.Now})
	w := &world{core: c, clock: clk, ids: map[string]string{}}
	w.reg = subjects.New(c.DB, c.Vault, c.Audit, c.Access, nil, subjects.Config{})
	w.sup = consent.NewSuppressions(c.DB, c.Vault, c.Audit)
	w.svc = lists.New(c.DB, c.Audit, w.reg, c.Access, w.sup, lists.Config{})
	var err error
	if w.root, err = c.Access.CreateUnit(access.WithActor(context.Background(), access.OperatorActor("")), "", access.KindOrganisation, "Union"); err != nil {
		t.Fatal(err)
	}
	w.op = access.WithActor(context.Background(), access.OperatorActor(w.root.Path))
	branch := testkit.Unit(t, c.Access, w.op, w.root.ID, access.KindBranch, "Tyneside")
	w.wpA = testkit.Unit(t, c.Access, w.op, branch.ID, access.KindWorkplace, "Riverside Academy")
	w.wpB = testkit.Unit(t, c.Access, w.op, branch.ID, access.KindWorkplace, "Hillcrest College")
	testkit.Account(t, c.Access, w.op, "rep.a", access.RoleRep, w.wpA.ID)
	testkit.Account(t, c.Access, w.op, "rep.b", access.RoleRep, w.wpB.ID)
	testkit.Account(t, c.Access, w.op, "dpo", access.RoleDPO, w.root.ID)
	testkit.Account(t, c.Access, w.op, "membership", access.RoleMembership, w.root.ID)
	staff := testkit.As(t, c.Access, "membership")
	add := func(name, unit, email, mno, left string) {
		given, family, _ := strings.Cut(name, " ")
		s, err := w.reg.Create(staff, subjects.Input{UnitID: unit, Kind: subjects.KindMember, JoinedOn: "2019-09-01", LeftOn: left,
			Profile: subjects.Profile{GivenName: given, FamilyName: family, Email: email, MembershipNo: mno,
				Address: "1 " + family + " Street\nNewcastle", Postcode: "NE1 4XF", Phone: "07700 900" + mno[len(mno)-3:]}})
		if err != nil {
			t.Fatal(err)
		}
		w.ids[name] = s.ID
	}
	add("Ada Lovelace", w.wpA.ID, "ada@example.org", "M001", "")
	add("Ben Okri", w.wpA.ID, "ben@example.org", "M002", "")
	add("Cara Dillon", w.wpA.ID, "cara@example.org", "M003", "")       // restricted below
	add("Dan Brown", w.wpA.ID, "dan@example.org", "M004", "")          // suppressed below
	add("Eve Left", w.wpA.ID, "eve@example.org", "M005", "2025-07-31") // has left
	add("Fay Weldon", w.wpB.ID, "fay@example.org", "M006", "")         // other workplace
	dpo := testkit.As(t, c.Access, "dpo")
	if err := w.reg.SetRestricted(dpo, w.ids["Cara Dillon"], true, "accuracy contested"); err != nil {
		t.Fatal(err)
	}
	if err := w.sup.Suppress(dpo, consent.SuppressInput{Purpose: consent.PurposeMarketing, Source: consent.SourceStaff,
		Identifiers: consent.Identifiers{Email: "DAN@example.org"}}); err != nil {
		t.Fatal(err)
	}
	return w
}

func (w *world) as(t testing.TB, name string) context.Context {
	return testkit.As(t, w.core.Access, name)
}

// onList returns the subject ids recorded on a list, sorted.
func (w *world) onList(t *testing.T, listID string) []string {
	t.Helper()
	rows, err := w.core.DB.Reader().Query(`SELECT subject_id FROM member_list_people WHERE list_id = $1 ORDER BY subject_id`, listID)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		out = append(out, id)
	}
	return out
}

func (w *world) idsOf(names ...string) []string {
	var out []string
	for _, n := range names {
		out = append(out, w.ids[n])
	}
	slices.Sort(out)
	return out
}

func decrypt(t *testing.T, m *lists.Made) [][]string {
	t.Helper()
	if m.List.Format != lists.FormatAgeCSV {
		t.Fatalf("format %s", m.List.Format)
	}
	rows, err := lists.DecryptAgeCSV(m.File.Data, m.File.Password)
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

func names(rows [][]string) []string {
	var out []string
	for _, r := range rows[1:] {
		out = append(out, r[0]+" "+r[1])
	}
	return out
}

func TestBallotListIsMinimalAndScoped(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		w := newWorld(t, env)
		ctx := w.as(t, "rep.a")
		m, err := w.svc.Create(ctx, lists.Request{Purpose: "ballot", Format: lists.FormatAgeCSV})
		if err != nil {
			t.Fatal(err)
		}
		rows := decrypt(t, m)
		if want := []string{"Given name", "Family name", "Workplace", "Membership number"}; !slices.Equal(rows[0], want) {
			t.Fatalf("ballot columns %q, want %q", rows[0], want)
		}
		for _, r := range rows {
			for _, cell := range r {
				if strings.Contains(cell, "Street") || strings.Contains(cell, "NE1") || strings.Contains(cell, "@") {
					t.Fatalf("a ballot list carries a home address or an email: %q", r)
				}
			}
		}
		// Dan objected to marketing but still votes; Cara is restricted,
		// Eve has left, Fay is at another workplace.
		if got, want := names(rows), []string{"Dan Brown", "Ada Lovelace", "Ben Okri"}; !slices.Equal(got, want) {
			t.Fatalf("people %q, want %q (by family name)", got, want)
		}
		if rows[1][2] != "Riverside Academy" || rows[1][3] != "M004" {
			t.Fatalf("first row %q", rows[1])
		}
		if got, want := w.onList(t, m.List.ID), w.idsOf("Ada Lovelace", "Ben Okri", "Dan Brown"); !slices.Equal(got, want) {
			t.Fatalf("recorded people %v, want %v", got, want)
		}
		if m.List.People != 3 || m.Dropped.Restricted != 1 || m.Dropped.Left != 1 || m.Dropped.Suppressed != 0 {
			t.Fatalf("list %+v dropped %+v", m.List, m.Dropped)
		}
		if m.List.HolderName != "rep.a" || m.List.HolderRole != "rep" || m.List.UnitID != w.wpA.ID {
			t.Fatalf("holder %+v", m.List)
		}
		if got := m.List.ExpiresAt.Sub(m.List.CreatedAt); got != 30*24*time.Hour {
			t.Fatalf("expiry after %v, want 30 days", got)
		}
		// A rep cannot ask for another workplace.
		_, err = w.svc.Create(ctx, lists.Request{Purpose: "ballot", Format: lists.FormatAgeCSV, UnitID: w.wpB.ID})
		if code := apperr.CodeOf(err); code != apperr.NotFound && code != apperr.Forbidden {
			t.Fatalf("rep asking for another workplace: %v", err)
		}
		// The other workplace's rep sees only Fay.
		mb, err := w.svc.Create(w.as(t, "rep.b"), lists.Request{Purpose: "ballot", Format: lists.FormatAgeCSV})
		if err != nil {
			t.Fatal(err)
		}
		if got := names(decrypt(t, mb)); !slices.Equal(got, []string{"Fay Weldon"}) {
			t.Fatalf("rep.b sees %q", got)
		}
		// The audit event carries the list id and a count, no names.
		evs, err := w.core.Audit.List(context.Background(), audit.Filter{Action: "member_list.create", EntityID: m.List.ID})
		if err != nil || len(evs) != 1 {
			t.Fatalf("audit events of the list: %v %v", evs, err)
		}
		if evs[0].Detail["people"] != "3" || evs[0].Detail["purpose"] != "ballot" {
			t.Fatalf("audit detail %v", evs[0].Detail)
		}
		for _, v := range evs[0].Detail {
			if strings.Contains(v, "Ada") || strings.Contains(v, "@") {
				t.Fatalf("audit carries personal data: %v", evs[0].Detail)
			}
		}
	})
}

func TestMarketingDropsSuppressedAndWantsConsent(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		w := newWorld(t, env)
		ctx := w.as(t, "rep.a")
		m, err := w.svc.Create(ctx, lists.Request{Purpose: "newsletter", Format: lists.FormatAgeCSV})
		if err != nil {
			t.Fatal(err)
		}
		rows := decrypt(t, m)
		if want := []string{"Given name", "Family name", "Email"}; !slices.Equal(rows[0], want) {
			t.Fatalf("newsletter columns %q", rows[0])
		}
		if got, want := names(rows), []string{"Ada Lovelace", "Ben Okri"}; !slices.Equal(got, want) {
			t.Fatalf("newsletter people %q, want %q: the suppressed are dropped", got, want)
		}
		if m.Dropped.Suppressed != 1 {
			t.Fatalf("dropped %+v", m.Dropped)
		}
		// With consents kept, only those who consented remain.
		w.svc.UseConsents(consents{"newsletters": {w.ids["Ben Okri"]: true}})
		m2, err := w.svc.Create(ctx, lists.Request{Purpose: "newsletter", Format: lists.FormatAgeCSV})
		if err != nil {
			t.Fatal(err)
		}
		if got := names(decrypt(t, m2)); !slices.Equal(got, []string{"Ben Okri"}) {
			t.Fatalf("with consents %q", got)
		}
		if m2.Dropped.NoConsent != 1 {
			t.Fatalf("dropped %+v", m2.Dropped)
		}
		// The democratic list is not touched by consents or opt-outs.
		m3, err := w.svc.Create(ctx, lists.Request{Purpose: "ballot", Format: lists.FormatAgeCSV})
		if err != nil {
			t.Fatal(err)
		}
		if m3.List.People != 3 {
			t.Fatalf("ballot list with consents kept has %d people", m3.List.People)
		}
		// The group email sender gets the addresses of the newsletter list,
		// and is refused them for a list without emails.
		class, ids, emails, err := w.svc.Emails(ctx, m.List.ID)
		if err != nil {
			t.Fatal(err)
		}
		// Consents now say only Ben: the sender re-checks.
		if class != "marketing" || !slices.Equal(emails, []string{"ben@example.org"}) || len(ids) != 1 {
			t.Fatalf("emails %s %v %v", class, ids, emails)
		}
		if _, _, _, err := w.svc.Emails(ctx, m3.List.ID); apperr.CodeOf(err) != apperr.Invalid {
			t.Fatalf("emails of a ballot list: %v", err)
		}
		if _, _, _, err := w.svc.Emails(w.as(t, "rep.b"), m.List.ID); apperr.CodeOf(err) != apperr.NotFound {
			t.Fatalf("emails of someone else's list: %v", err)
		}
	})
}

type consents map[string]map[string]bool

func (c consents) WithConsent(_ context.Context, purpose string, ids []string) (map[string]bool, error) {
	out := map[string]bool{}
	for _, id := range ids {
		out[id] = c[purpose][id]
	}
	return out, nil
}

func TestExpiryOutstandingAndFreshList(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		w := newWorld(t, env)
		rep, dpo := w.as(t, "rep.a"), w.as(t, "dpo")
		m, err := w.svc.Create(rep, lists.Request{Purpose: "meeting", Format: lists.FormatXLSX})
		if err != nil {
			t.Fatal(err)
		}
		out, err := w.svc.Outstanding(dpo)
		if err != nil || len(out) != 0 {
			t.Fatalf("outstanding at once: %v %v", out, err)
		}
		if _, err := w.svc.Outstanding(rep); apperr.CodeOf(err) != apperr.Forbidden {
			t.Fatalf("a rep reads the DPO's outstanding lists: %v", err)
		}
		w.clock.add(8 * 24 * time.Hour)
		got, err := w.svc.Get(rep, m.List.ID)
		if err != nil || !got.Stale || got.Outstanding {
			t.Fatalf("after 8 days: %+v %v", got, err)
		}
		// Re-sending to the same people from an 8-day-old list warns.
		again, err := w.svc.Create(rep, lists.Request{BasedOn: m.List.ID})
		if err != nil {
			t.Fatal(err)
		}
		if len(again.Warnings) == 0 || !strings.Contains(again.Warnings[0], "8 days old") {
			t.Fatalf("no staleness warning: %q", again.Warnings)
		}
		if again.List.BasedOn != m.List.ID || again.List.Purpose != "meeting" || again.List.People != 3 {
			t.Fatalf("based-on list %+v", again.List)
		}
		if _, err := w.svc.ConfirmDeleted(rep, again.List.ID); err != nil {
			t.Fatal(err)
		}
		w.clock.add(23 * 24 * time.Hour)
		out, err = w.svc.Outstanding(dpo)
		if err != nil || len(out) != 1 || out[0].ID != m.List.ID || out[0].HolderName != "rep.a" {
			t.Fatalf("outstanding after 31 days: %+v %v", out, err)
		}
		held, err := w.svc.HeldBy(dpo, out[0].HolderID)
		if err != nil || len(held) != 1 || held[0].ID != m.List.ID {
			t.Fatalf("held by the rep: %+v %v", held, err)
		}
		// A fresh list replaces the old one, which stays due until
		// its deletion is confirmed.
		fresh, err := w.svc.Create(rep, lists.Request{Replaces: m.List.ID})
		if err != nil {
			t.Fatal(err)
		}
		if fresh.List.Format != lists.FormatXLSX || fresh.List.Purpose != "meeting" || fresh.List.BasedOn != m.List.ID {
			t.Fatalf("fresh list %+v", fresh.List)
		}
		old, err := w.svc.Get(rep, m.List.ID)
		if err != nil || old.ReplacedBy != fresh.List.ID || !old.Outstanding {
			t.Fatalf("old list after replacement %+v %v", old, err)
		}
		if _, err := w.svc.Create(rep, lists.Request{Replaces: m.List.ID}); apperr.CodeOf(err) != apperr.Conflict {
			t.Fatalf("replacing twice: %v", err)
		}
		if _, err := w.svc.ConfirmDeleted(w.as(t, "rep.b"), m.List.ID); apperr.CodeOf(err) != apperr.NotFound {
			t.Fatalf("another rep confirms: %v", err)
		}
		if _, err := w.svc.ConfirmDeleted(rep, m.List.ID); err != nil {
			t.Fatal(err)
		}
		if out, _ := w.svc.Outstanding(dpo); len(out) != 0 {
			t.Fatalf("still outstanding: %+v", out)
		}
		mine, err := w.svc.Mine(rep, false)
		if err != nil || len(mine) != 1 || mine[0].ID != fresh.List.ID {
			t.Fatalf("held lists %+v %v", mine, err)
		}
		// Replacing with the old copy confirmed deleted at once.
		fresh2, err := w.svc.Create(rep, lists.Request{Replaces: fresh.List.ID, OldDeleted: true})
		if err != nil {
			t.Fatal(err)
		}
		if f, _ := w.svc.Get(rep, fresh.List.ID); f.DeletedAt == nil || f.ReplacedBy != fresh2.List.ID {
			t.Fatalf("replaced with confirmation: %+v", f)
		}
	})
}

func TestRightsSourceListsWhatAPersonWasOn(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		w := newWorld(t, env)
		rep := w.as(t, "rep.a")
		if _, err := w.svc.Create(rep, lists.Request{Purpose: "ballot", Format: lists.FormatXLSX}); err != nil {
			t.Fatal(err)
		}
		if _, err := w.svc.Create(rep, lists.Request{Purpose: "newsletter", Format: lists.FormatXLSX}); err != nil {
			t.Fatal(err)
		}
		dpo := w.as(t, "dpo")
		items, err := w.svc.Source().Collect(dpo, w.ids["Dan Brown"])
		if err != nil {
			t.Fatal(err)
		}
		if len(items) != 1 || items[0].Title != "Member list: Ballot or election reminder" {
			t.Fatalf("Dan was on the ballot list only (suppressed from the newsletter): %+v", items)
		}
		var role string
		for _, f := range items[0].Fields {
			if f.Label == "Given to" {
				role = f.Value
			}
		}
		if role != "a workplace rep" {
			t.Fatalf("fields %+v", items[0].Fields)
		}
		items, err = w.svc.Source().Collect(dpo, w.ids["Ada Lovelace"])
		if err != nil || len(items) != 2 {
			t.Fatalf("Ada: %+v %v", items, err)
		}
		if _, err := w.svc.Source().Collect(rep, w.ids["Ada Lovelace"]); apperr.CodeOf(err) != apperr.Forbidden {
			t.Fatalf("a rep collects: %v", err)
		}
	})
}
