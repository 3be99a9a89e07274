package consent_test

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stewardhq/steward/internal/access"
	"github.com/stewardhq/steward/internal/apperr"
	"github.com/stewardhq/steward/internal/consent"
	"github.com/stewardhq/steward/internal/store"
	"github.com/stewardhq/steward/internal/store/storetest"
	"github.com/stewardhq/steward/internal/subjects"
	"github.com/stewardhq/steward/internal/testkit"
)

// cworld is the suppression test world with the consent service and a
// published wording for every purpose.
type cworld struct {
	*world
	svc   *consent.Service
	words map[string]consent.Wording
	wpB   *access.Unit
}

func newConsentWorld(t *testing.T, env storetest.Env) *cworld {
	t.Helper()
	w := &cworld{world: newWorld(t, env)}
	w.svc = consent.New(w.db, w.v, w.al, w.sup, w.reg, consent.Config{})
	w.wpB = testkit.Unit(t, w.acc, w.op, w.root.ID, access.KindWorkplace, "Hillside School")
	dpo := w.as(t, "dpo")
	for _, p := range consent.Catalogue() {
		if _, err := w.svc.PublishWording(dpo, p.Code, "Tick to agree to "+p.Label+". You can change your mind at any time."); err != nil {
			t.Fatal(err)
		}
	}
	var err error
	if w.words, err = w.svc.CurrentWordings(context.Background()); err != nil {
		t.Fatal(err)
	}
	return w
}

// person adds someone to the register in unit.
func (w *cworld) person(t *testing.T, unit *access.Unit, given, email, dob string) string {
	t.Helper()
	p, err := w.reg.Create(w.as(t, "membership"), subjects.Input{UnitID: unit.ID, Kind: subjects.KindMember,
		Profile: subjects.Profile{GivenName: given, FamilyName: "Testperson", Email: email, DateOfBirth: dob}})
	if err != nil {
		t.Fatal(err)
	}
	return p.ID
}

func yes() *bool { b := true; return &b }
func no() *bool  { b := false; return &b }

func (w *cworld) give(t *testing.T, who, id, purpose string) {
	t.Helper()
	if _, err := w.svc.Record(w.as(t, who), id, consent.RecordInput{Purpose: purpose, Given: yes(), Channel: consent.ChannelPaper,
		WordingID: w.words[purpose].ID}); err != nil {
		t.Fatal(err)
	}
}

func (w *cworld) state(t *testing.T, id, purpose string) bool {
	t.Helper()
	got, err := w.svc.WithConsent(w.as(t, "rep"), purpose, []string{id})
	if err != nil {
		t.Fatal(err)
	}
	return got[id]
}

func TestConsentNeedsEvidenceAndAnExplicitAnswer(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		w := newConsentWorld(t, env)
		id := w.person(t, w.wpA, "Ada", "ada@example.org", "1980-05-01")
		rep := w.as(t, "rep")
		for name, in := range map[string]consent.RecordInput{
			"no answer (a pre-ticked box)": {Purpose: consent.ConsentNewsletters, Channel: consent.ChannelWeb, WordingID: w.words[consent.ConsentNewsletters].ID},
			"no wording":                   {Purpose: consent.ConsentNewsletters, Given: yes(), Channel: consent.ChannelWeb},
			"another purpose's wording":    {Purpose: consent.ConsentNewsletters, Given: yes(), Channel: consent.ChannelWeb, WordingID: w.words[consent.ConsentPhotos].ID},
			"no channel":                   {Purpose: consent.ConsentNewsletters, Given: yes(), WordingID: w.words[consent.ConsentNewsletters].ID},
			"unknown purpose":              {Purpose: "sales", Given: yes(), Channel: consent.ChannelWeb},
		} {
			_, err := w.svc.Record(rep, id, in)
			if apperr.CodeOf(err) != apperr.Invalid {
				t.Errorf("%s: got %v, want invalid", name, err)
			}
		}
		if n := storetest.Count(t, w.db.Reader(), `SELECT count(*) FROM consent_events`); n != 0 {
			t.Fatalf("%d events recorded from refused input", n)
		}
		w.give(t, "rep", id, consent.ConsentNewsletters)
		p, err := w.svc.Panel(rep, id)
		if err != nil {
			t.Fatal(err)
		}
		e := p.History[0]
		if !e.Given || e.Channel != consent.ChannelPaper || e.WordingVersion != 1 || e.ActorID == "" || !e.At.Equal(w.now) {
			t.Fatalf("evidence not kept: %+v", e)
		}
		if len(w.events(t, "consent.give")) != 1 {
			t.Fatal("no audit event for the consent")
		}
		// A person outside the rep's workplace does not exist for them.
		other := w.person(t, w.wpB, "Bea", "bea@example.org", "")
		_, err = w.svc.Record(rep, other, consent.RecordInput{Purpose: consent.ConsentNewsletters, Given: yes(), Channel: consent.ChannelWeb,
			WordingID: w.words[consent.ConsentNewsletters].ID})
		wantCode(t, err, apperr.NotFound)
		// A trustee records nothing.
		_, err = w.svc.Record(w.as(t, "trustee"), id, consent.RecordInput{Purpose: consent.ConsentNewsletters, Given: no(), Channel: consent.ChannelWeb})
		wantCode(t, err, apperr.Forbidden)
	})
}

func TestChildNeedsParentalConsent(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		w := newConsentWorld(t, env)
		// Ten years old on 2 March 2026.
		child := w.person(t, w.wpA, "Kit", "kit.family@example.org", "2016-01-10")
		rep := w.as(t, "rep")
		in := consent.RecordInput{Purpose: consent.ConsentPhotos, Given: yes(), Channel: consent.ChannelPaper, WordingID: w.words[consent.ConsentPhotos].ID}
		_, err := w.svc.Record(rep, child, in)
		wantCode(t, err, apperr.Invalid)
		if !strings.Contains(apperr.MessageOf(err), "parent or guardian") {
			t.Fatalf("message does not say what is needed: %q", apperr.MessageOf(err))
		}
		in.Guardian = &consent.Guardian{Name: "Sam Family"}
		_, err = w.svc.Record(rep, child, in)
		wantCode(t, err, apperr.Invalid)
		in.Guardian.Relationship = "mother"
		if _, err := w.svc.Record(rep, child, in); err != nil {
			t.Fatal(err)
		}
		p, err := w.svc.Panel(rep, child)
		if err != nil {
			t.Fatal(err)
		}
		if !p.Child || p.History[0].Guardian == nil || p.History[0].Guardian.Name != "Sam Family" {
			t.Fatalf("guardian not recorded: %+v", p.History[0])
		}
		var sealed []byte
		if err := w.db.Reader().QueryRow(`SELECT guardian FROM consent_events`).Scan(&sealed); err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(sealed, []byte("Sam Family")) {
			t.Fatal("the guardian's name is stored in clear")
		}
		// On the preference page the child is told what to do, in words
		// for them, and nothing changes; withdrawing needs nobody.
		pref, err := w.svc.PreferenceToken(rep, child)
		if err != nil {
			t.Fatal(err)
		}
		shown := map[string]string{}
		for code, wd := range w.words {
			shown[code] = wd.ID
		}
		before := storetest.Count(t, w.db.Reader(), `SELECT count(*) FROM consent_events`)
		_, err = w.svc.SavePreferences(context.Background(), pref, consent.PreferenceChoices{Shown: shown,
			Ticked: map[string]bool{consent.ConsentPhotos: true, consent.ConsentResearch: true}})
		wantCode(t, err, apperr.Invalid)
		if msg := apperr.MessageOf(err); !strings.Contains(msg, "your parent or guardian") || strings.Contains(msg, "Record the") {
			t.Fatalf("the child is not told what to do: %q", msg)
		}
		if n := storetest.Count(t, w.db.Reader(), `SELECT count(*) FROM consent_events`); n != before {
			t.Fatalf("%d events recorded from a refused page", n-before)
		}
		if n, err := w.svc.SavePreferences(context.Background(), pref, consent.PreferenceChoices{Shown: shown}); err != nil || n != 1 {
			t.Fatalf("a child withdrawing: %d changes, %v", n, err)
		}
		// An adult needs no guardian.
		adult := w.person(t, w.wpA, "Al", "al@example.org", "1990-01-01")
		if _, err := w.svc.Record(rep, adult, consent.RecordInput{Purpose: consent.ConsentPhotos, Given: yes(), Channel: consent.ChannelPaper, WordingID: w.words[consent.ConsentPhotos].ID}); err != nil {
			t.Fatal(err)
		}
	})
}

func TestWithdrawalKeepsHistory(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		w := newConsentWorld(t, env)
		id := w.person(t, w.wpA, "Ada", "ada@example.org", "")
		w.give(t, "rep", id, consent.ConsentSurveys)
		if !w.state(t, id, consent.ConsentSurveys) {
			t.Fatal("consent given but not current")
		}
		w.now = w.now.Add(time.Hour)
		if _, err := w.svc.Record(w.as(t, "rep"), id, consent.RecordInput{Purpose: consent.ConsentSurveys, Given: no(), Channel: consent.ChannelEmail}); err != nil {
			t.Fatal(err)
		}
		if w.state(t, id, consent.ConsentSurveys) {
			t.Fatal("withdrawn consent still current")
		}
		p, err := w.svc.Panel(w.as(t, "rep"), id)
		if err != nil {
			t.Fatal(err)
		}
		if len(p.History) != 2 || !p.History[0].Given || p.History[1].Given || p.History[1].Channel != consent.ChannelEmail {
			t.Fatalf("history not kept: %+v", p.History)
		}
	})
}

func TestOptOutStopsMarketingOnly(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		w := newConsentWorld(t, env)
		id := w.person(t, w.wpA, "Ada", "ada@example.org", "")
		w.give(t, "rep", id, consent.ConsentNewsletters)
		w.give(t, "rep", id, consent.ConsentPhotos)
		// The member told their rep by email reply to stop all marketing.
		if _, err := w.svc.OptOut(w.as(t, "rep"), id, consent.OptOutInput{Purpose: consent.AllMarketing, Channel: consent.ChannelEmail}); err != nil {
			t.Fatal(err)
		}
		if w.state(t, id, consent.ConsentNewsletters) {
			t.Fatal("newsletters still consented after opting out of all marketing")
		}
		if !w.state(t, id, consent.ConsentPhotos) {
			t.Fatal("an opt-out from marketing withdrew consent to photos")
		}
		if !w.suppressed(t, consent.Identifiers{Email: "ADA@example.org"}) {
			t.Fatal("the objection did not put the person on the suppression list")
		}
		for _, c := range []consent.Class{consent.ClassDemocratic, consent.ClassOperational} {
			if c.StoppedByOptOut() {
				t.Fatalf("%s messages stop at an opt-out", c)
			}
		}
		if !consent.ClassMarketing.StoppedByOptOut() || consent.ClassOf(consent.ConsentNewsletters) != consent.ClassMarketing {
			t.Fatal("marketing is not stopped by an opt-out")
		}
		// Asking twice changes nothing.
		evs, err := w.svc.OptOut(w.as(t, "rep"), id, consent.OptOutInput{Purpose: consent.AllMarketing, Channel: consent.ChannelPhone})
		if err != nil || len(evs) != 0 {
			t.Fatalf("second opt-out: %d events, %v", len(evs), err)
		}
	})
}

func TestOptBackIn(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		w := newConsentWorld(t, env)
		id := w.person(t, w.wpA, "Ada", "ada@example.org", "")
		if _, err := w.svc.OptOut(w.as(t, "rep"), id, consent.OptOutInput{Purpose: consent.AllMarketing, Channel: consent.ChannelInPerson}); err != nil {
			t.Fatal(err)
		}
		in := consent.RecordInput{Purpose: consent.ConsentNewsletters, Given: yes(), Channel: consent.ChannelPaper, WordingID: w.words[consent.ConsentNewsletters].ID}
		_, err := w.svc.Record(w.as(t, "rep"), id, in)
		wantCode(t, err, apperr.Forbidden)
		if !w.suppressed(t, consent.Identifiers{Email: "ada@example.org"}) {
			t.Fatal("a rep lifted a suppression")
		}
		if _, err := w.svc.Record(w.as(t, "dpo"), id, in); err != nil {
			t.Fatal(err)
		}
		if w.suppressed(t, consent.Identifiers{Email: "ada@example.org"}) {
			t.Fatal("opting back in did not lift the suppression")
		}
		if !w.state(t, id, consent.ConsentNewsletters) || len(w.events(t, "suppression.lift")) != 1 {
			t.Fatal("opting back in was not recorded")
		}
	})
}

func TestWithConsentInBatches(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		w := newConsentWorld(t, env)
		a := w.person(t, w.wpA, "Ada", "ada@example.org", "")
		b := w.person(t, w.wpA, "Ben", "ben@example.org", "")
		c := w.person(t, w.wpB, "Cy", "cy@example.org", "")
		for _, id := range []string{a, c} {
			w.give(t, "dpo", id, consent.ConsentCampaigns)
		}
		// 2,500 ids, the real ones beyond the first batch.
		var ids []string
		for range 2500 {
			ids = append(ids, store.NewID())
		}
		ids = append(ids, a, b, c)
		got, err := w.svc.WithConsent(w.as(t, "rep"), consent.ConsentCampaigns, ids)
		if err != nil {
			t.Fatal(err)
		}
		if !got[a] || got[b] || got[c] || len(got) != 1 {
			t.Fatalf("rep sees %v; want only %s (c is outside their workplace)", got, a)
		}
		got, err = w.svc.WithConsent(w.as(t, "dpo"), consent.ConsentCampaigns, ids)
		if err != nil {
			t.Fatal(err)
		}
		if !got[a] || !got[c] || got[b] {
			t.Fatalf("dpo sees %v", got)
		}
		_, err = w.svc.WithConsent(w.as(t, "trustee"), consent.ConsentCampaigns, ids)
		wantCode(t, err, apperr.Forbidden)
	})
}

func TestImportOptOuts(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		w := newConsentWorld(t, env)
		a := w.person(t, w.wpA, "Ada", "ada@example.org", "")
		w.give(t, "rep", a, consent.ConsentNewsletters)
		count := func() int {
			return storetest.Count(t, w.db.Reader(), `SELECT (SELECT count(*) FROM consent_events) + (SELECT count(*) FROM suppressions) + (SELECT count(*) FROM consent_imports)`)
		}
		before := count()
		good := "Email Address,Mobile,Purpose\nADA@example.org,,all marketing\nstranger@example.net,07700 900555,all marketing\nnobody@example.net,,newsletters\n"
		rep := w.as(t, "rep")
		r, err := w.svc.ImportOptOuts(rep, strings.NewReader(good), "", true)
		if err != nil {
			t.Fatal(err)
		}
		if r.Written || r.Matched != 1 || r.SuppressedOnly != 1 || r.Unmatched != 1 || count() != before {
			t.Fatalf("dry run: %+v, %d rows written", r, count()-before)
		}
		bad := "email,purpose\nok@example.org,newsletters\nnot-an-email,newsletters\nx@example.org,holidays\n,\n"
		r, err = w.svc.ImportOptOuts(rep, strings.NewReader(bad), "", false)
		if err != nil {
			t.Fatal(err)
		}
		if r.Written || len(r.Problems) != 2 || r.Problems[0].Line != 3 || r.Problems[1].Line != 4 || count() != before {
			t.Fatalf("bad file: %+v, %d rows written", r, count()-before)
		}
		_, err = w.svc.ImportOptOuts(rep, strings.NewReader("name,phone\nAda,07700900123\n"), "newsletters", false)
		wantCode(t, err, apperr.Invalid)
		r, err = w.svc.ImportOptOuts(rep, strings.NewReader(good), "", false)
		if err != nil {
			t.Fatal(err)
		}
		if !r.Written || r.Matched != 1 {
			t.Fatalf("import: %+v", r)
		}
		if w.state(t, a, consent.ConsentNewsletters) {
			t.Fatal("the imported opt-out did not withdraw the matched person's consent")
		}
		if !w.suppressed(t, consent.Identifiers{Phone: "+447700900555"}) || !w.suppressed(t, consent.Identifiers{Email: "ada@example.org"}) {
			t.Fatal("the imported objection is not on the suppression list")
		}
		if n := storetest.Count(t, w.db.Reader(), `SELECT count(*) FROM consent_import_rows`); n != 3 {
			t.Fatalf("%d rows recorded, want every row (3)", n)
		}
	})
}

func TestLinks(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		w := newConsentWorld(t, env)
		a := w.person(t, w.wpA, "Ada", "ada@example.org", "")
		w.give(t, "rep", a, consent.ConsentNewsletters)
		w.give(t, "rep", a, consent.ConsentCampaigns)
		rep := w.as(t, "rep")
		pref, err := w.svc.PreferenceToken(rep, a)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(pref, a) {
			t.Fatal("the token shows the person's id")
		}
		// Whoever holds the link acts for the person, so making one is on
		// the record: who made it, for whom.
		if evs := w.events(t, "consent.link"); len(evs) != 1 || evs[0].SubjectID != a || evs[0].ActorID == "" || evs[0].ActorID == access.SystemActorID {
			t.Fatalf("making a preference link is not audited: %+v", evs)
		}
		ctx := context.Background()
		got, err := w.svc.PublicPreferences(ctx, pref)
		if err != nil {
			t.Fatal(err)
		}
		if got.FirstName != "Ada" || !got.Choices[0].Given || got.Choices[0].Wording == nil {
			t.Fatalf("preferences: %+v", got)
		}
		// Tampering: every flipped character is refused.
		for _, i := range []int{0, len(pref) / 2, len(pref) - 2} {
			b := []byte(pref)
			if b[i] == 'A' {
				b[i] = 'B'
			} else {
				b[i] = 'A'
			}
			_, err := w.svc.PublicPreferences(ctx, string(b))
			wantCode(t, err, apperr.NotFound)
		}
		// A preference link does not unsubscribe, nor the other way round.
		_, err = w.svc.Unsubscribe(ctx, pref)
		wantCode(t, err, apperr.NotFound)
		unsub, err := w.svc.UnsubscribeToken(rep, a, consent.ConsentNewsletters)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.svc.PublicPreferences(ctx, unsub); apperr.CodeOf(err) != apperr.NotFound {
			t.Fatal("an unsubscribe link opened the preference centre")
		}
		// Untick newsletters on the page: campaigns stay ticked.
		shown := map[string]string{}
		for _, c := range got.Choices {
			shown[c.Code] = c.Wording.ID
		}
		n, err := w.svc.SavePreferences(ctx, pref, consent.PreferenceChoices{Ticked: map[string]bool{consent.ConsentCampaigns: true, consent.ConsentResearch: true}, Shown: shown})
		if err != nil || n != 2 {
			t.Fatalf("save: %d changes, %v", n, err)
		}
		if w.state(t, a, consent.ConsentNewsletters) || !w.state(t, a, consent.ConsentCampaigns) || !w.state(t, a, consent.ConsentResearch) {
			t.Fatal("the preferences were not saved as ticked")
		}
		// One-click unsubscribe from campaigns for all marketing.
		all, err := w.svc.UnsubscribeToken(rep, a, "")
		if err != nil {
			t.Fatal(err)
		}
		if what, err := w.svc.Unsubscribe(ctx, all); err != nil || what != "all marketing messages" {
			t.Fatalf("unsubscribe: %q, %v", what, err)
		}
		if w.state(t, a, consent.ConsentCampaigns) || !w.state(t, a, consent.ConsentResearch) || !w.suppressed(t, consent.Identifiers{Email: "ada@example.org"}) {
			t.Fatal("unsubscribing from all marketing did not stop marketing only")
		}
		// A link a rep made cannot lift the objection: the rep holds the
		// link too, and lifting one is the DPO's. The page says whom to ask.
		got, err = w.svc.PublicPreferences(ctx, pref)
		if err != nil || !got.Suppressed || got.OptBackIn {
			t.Fatalf("preferences of a suppressed person through a rep's link: %+v, %v", got, err)
		}
		_, err = w.svc.SavePreferences(ctx, pref, consent.PreferenceChoices{Ticked: map[string]bool{consent.ConsentNewsletters: true, consent.ConsentResearch: true}, Shown: shown})
		wantCode(t, err, apperr.Invalid)
		if !strings.Contains(apperr.MessageOf(err), "data protection officer") {
			t.Fatalf("the refusal does not say whom to ask: %v", err)
		}
		if !w.suppressed(t, consent.Identifiers{Email: "ada@example.org"}) || w.state(t, a, consent.ConsentNewsletters) {
			t.Fatal("a rep's link lifted the objection to marketing")
		}
		// The person opts back in on a link from the DPO: their own word
		// lifts it.
		pref, err = w.svc.PreferenceToken(w.as(t, "dpo"), a)
		if err != nil {
			t.Fatal(err)
		}
		if got, err = w.svc.PublicPreferences(ctx, pref); err != nil || !got.OptBackIn {
			t.Fatalf("preferences through the DPO's link: %+v, %v", got, err)
		}
		if _, err := w.svc.SavePreferences(ctx, pref, consent.PreferenceChoices{Ticked: map[string]bool{consent.ConsentNewsletters: true, consent.ConsentResearch: true}, Shown: shown}); err != nil {
			t.Fatal(err)
		}
		if w.suppressed(t, consent.Identifiers{Email: "ada@example.org"}) || !w.state(t, a, consent.ConsentNewsletters) {
			t.Fatal("opting back in through the preference centre did not lift the suppression")
		}
		// Thirty days later the preference link has expired; the
		// unsubscribe link, which sits in a message the person may read
		// months later and can only stop marketing, still works.
		w.now = w.now.Add(30*24*time.Hour + time.Second)
		_, err = w.svc.PublicPreferences(ctx, pref)
		if !consent.LinkExpired(err) {
			t.Fatalf("expired link: %v", err)
		}
		if _, err := w.svc.Unsubscribe(ctx, unsub); err != nil {
			t.Fatalf("a month-old unsubscribe link: %v", err)
		}
		w.now = w.now.Add(336 * 24 * time.Hour)
		_, err = w.svc.Unsubscribe(ctx, unsub)
		if !consent.LinkExpired(err) {
			t.Fatalf("expired unsubscribe link: %v", err)
		}
	})
}

func TestRightsSource(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		w := newConsentWorld(t, env)
		a := w.person(t, w.wpA, "Ada", "ada@example.org", "")
		w.give(t, "rep", a, consent.ConsentNewsletters)
		if _, err := w.svc.OptOut(w.as(t, "rep"), a, consent.OptOutInput{Purpose: consent.AllMarketing, Channel: consent.ChannelEmail}); err != nil {
			t.Fatal(err)
		}
		items, err := w.svc.Source().Collect(w.as(t, "dpo"), a)
		if err != nil {
			t.Fatal(err)
		}
		var titles []string
		for _, it := range items {
			titles = append(titles, it.Title)
		}
		all := strings.Join(titles, "|")
		if !strings.Contains(all, "You gave consent: Newsletters") || !strings.Contains(all, "You withdrew consent or opted out: Campaigns") {
			t.Fatalf("items: %s", all)
		}
		last := items[len(items)-1]
		if last.Key != "suppression" || !strings.Contains(last.Fields[0].Value, "suppression list and receive no marketing") {
			t.Fatalf("suppression item: %+v", last)
		}
	})
}
