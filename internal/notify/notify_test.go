package notify_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stewardhq/steward/internal/access"
	"github.com/stewardhq/steward/internal/apperr"
	"github.com/stewardhq/steward/internal/consent"
	"github.com/stewardhq/steward/internal/notify"
	"github.com/stewardhq/steward/internal/notify/smtptest"
	"github.com/stewardhq/steward/internal/store/storetest"
	"github.com/stewardhq/steward/internal/subjects"
	"github.com/stewardhq/steward/internal/testkit"
)

// memberList stands in for a member list: the real lists service gives
// the same three things.
type memberList struct {
	class       string
	ids, emails []string
}

type lists map[string]memberList

func (l lists) Emails(ctx context.Context, id string) (string, []string, []string, error) {
	if _, err := access.Require(ctx, access.PermListsRequest); err != nil {
		return "", nil, nil, err
	}
	m, ok := l[id]
	if !ok {
		return "", nil, nil, apperr.New(apperr.NotFound, "No list %q.", id)
	}
	return m.class, m.ids, m.emails, nil
}

type tokens struct{}

func (tokens) UnsubscribeToken(_ context.Context, subjectID, purpose string) (string, error) {
	return "tok-" + purpose + "-" + subjectID, nil
}

type world struct {
	c      *testkit.Core
	now    time.Time
	sup    *consent.Suppressions
	reg    *subjects.Service
	out    *notify.Service
	smtp   *smtptest.Server
	people []*subjects.Subject
	rep    context.Context
}

var addresses = []string{"asha@example.org", "ben@example.org", "cara@example.org"}

// newWorld: a workplace with a rep, three members with email addresses
// and one without, a test SMTP server, and the outbox pointed at it.
func newWorld(t *testing.T, env storetest.Env, cfg notify.Config) *world {
	t.Helper()
	w := &world{now: time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC)}
	w.c = testkit.Open(t, env, testkit.Options{Clock: func() time.Time { return w.now }})
	reg := subjects.New(w.c.DB, w.c.Vault, w.c.Audit, w.c.Access, nil, subjects.Config{})
	w.sup = consent.NewSuppressions(w.c.DB, w.c.Vault, w.c.Audit)
	w.reg = reg
	ctx := context.Background()
	root, err := w.c.Access.CreateUnit(access.WithActor(ctx, access.OperatorActor("")), "", access.KindOrganisation, "Union")
	if err != nil {
		t.Fatal(err)
	}
	op := access.WithActor(ctx, access.OperatorActor(root.Path))
	wp := testkit.Unit(t, w.c.Access, op, root.ID, access.KindWorkplace, "Riverside Academy")
	testkit.Account(t, w.c.Access, op, "rep", access.RoleRep, wp.ID)
	testkit.Account(t, w.c.Access, op, "membership", access.RoleMembership, root.ID)
	w.rep = testkit.As(t, w.c.Access, "rep")
	mem := testkit.As(t, w.c.Access, "membership")
	for i, name := range []string{"Asha", "Ben", "Cara", "Dev"} {
		p := subjects.Profile{GivenName: name, FamilyName: "Member"}
		if i < len(addresses) {
			p.Email = addresses[i]
		}
		s, err := reg.Create(mem, subjects.Input{UnitID: wp.ID, Kind: subjects.KindMember, Profile: p})
		if err != nil {
			t.Fatal(err)
		}
		w.people = append(w.people, s)
	}
	if cfg.From == "" {
		cfg.From = "Riverside Union <rep-desk@union.example>"
	}
	if cfg.BaseURL == "" {
		cfg.BaseURL = "https://steward.example/"
	}
	if w.out, err = notify.New(w.c.DB, w.c.Vault, w.c.Audit, w.sup, nil, cfg); err != nil {
		t.Fatal(err)
	}
	w.smtp = smtptest.Start(t)
	m, err := notify.ParseSMTPURL(w.smtp.URL())
	if err != nil {
		t.Fatal(err)
	}
	w.out.UseMailer(m)
	ids, emails := make([]string, len(w.people)), make([]string, len(w.people))
	for i, p := range w.people {
		ids[i], emails[i] = p.ID, p.Profile.Email
	}
	w.out.UseLists(lists{
		"ballot":   {class: "democratic", ids: ids, emails: emails},
		"campaign": {class: "marketing", ids: ids, emails: emails},
	})
	w.out.UseUnsubscribes(tokens{})
	return w
}

func (w *world) deliver(t *testing.T) notify.Round {
	t.Helper()
	r, err := w.out.Deliver(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func (w *world) statuses(t *testing.T, batch string) []notify.MessageStatus {
	t.Helper()
	ms, err := w.out.Messages(w.rep, batch)
	if err != nil {
		t.Fatal(err)
	}
	return ms
}

func wantCode(t *testing.T, err error, code apperr.Code) {
	t.Helper()
	if apperr.CodeOf(err) != code {
		t.Fatalf("got %v, want code %s", err, code)
	}
}

func header(data []byte, name string) string {
	head, _, _ := bytes.Cut(data, []byte("\r\n\r\n"))
	for _, l := range strings.Split(string(head), "\r\n") {
		if k, v, ok := strings.Cut(l, ": "); ok && strings.EqualFold(k, name) {
			return v
		}
	}
	return ""
}

// TestOneMessagePerMember: a ballot reminder goes one by one: each member
// gets their own message, To: only them, with nobody else's address
// anywhere in it and no unsubscribe headers (it is not marketing); the
// member with no email is counted, not mailed; the addresses and bodies
// are sealed in the outbox.
func TestOneMessagePerMember(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		w := newWorld(t, env, notify.Config{})
		q, err := w.out.SendToList(w.rep, "ballot", notify.Message{Subject: "Ballot closes Friday", Body: "Please vote in the branch ballot."})
		if err != nil {
			t.Fatal(err)
		}
		if q.Messages != 3 || q.NoEmail != 1 || q.Suppressed != 0 {
			t.Fatalf("queued: %+v", q)
		}
		var raw bytes.Buffer
		rows, err := w.c.DB.Q(context.Background()).QueryContext(context.Background(), `SELECT rcpt, message FROM outbox`)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var a, b []byte
			if err := rows.Scan(&a, &b); err != nil {
				t.Fatal(err)
			}
			raw.Write(a)
			raw.Write(b)
		}
		rows.Close()
		for _, a := range addresses {
			if bytes.Contains(raw.Bytes(), []byte(a)) {
				t.Fatalf("address %s is in the outbox in clear", a)
			}
		}
		if bytes.Contains(raw.Bytes(), []byte("branch ballot")) {
			t.Fatal("the body is in the outbox in clear")
		}
		if r := w.deliver(t); r.Sent != 3 {
			t.Fatalf("round: %+v", r)
		}
		msgs := w.smtp.Messages()
		if len(msgs) != 3 {
			t.Fatalf("%d messages reached the server", len(msgs))
		}
		seen := map[string]bool{}
		for _, m := range msgs {
			if len(m.To) != 1 {
				t.Fatalf("a message went to %d recipients", len(m.To))
			}
			me := m.To[0]
			seen[me] = true
			if header(m.Data, "To") != "<"+me+">" {
				t.Fatalf("To header %q for %s", header(m.Data, "To"), me)
			}
			for _, other := range addresses {
				if other != me && bytes.Contains(m.Data, []byte(other)) {
					t.Fatalf("%s's message shows %s", me, other)
				}
			}
			if header(m.Data, "List-Unsubscribe") != "" || header(m.Data, "List-Unsubscribe-Post") != "" {
				t.Fatal("a democratic message carries unsubscribe headers")
			}
			if !bytes.Contains(m.Data, []byte("Please vote in the branch ballot.")) {
				t.Fatalf("body missing: %s", m.Data)
			}
		}
		if len(seen) != 3 {
			t.Fatalf("recipients: %v", seen)
		}
		for _, s := range w.statuses(t, q.BatchID) {
			if s.Status != notify.StatusSent || s.Attempts != 1 {
				t.Fatalf("status: %+v", s)
			}
		}
	})
}

// TestMarketingHonoursOptOuts: marketing leaves out a member suppressed
// before it was queued, stops the message of a member who objects after
// it was queued, and the message that goes carries that member's own
// List-Unsubscribe link and the one-click header (RFC 8058). It cannot go
// in BCC.
func TestMarketingHonoursOptOuts(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		w := newWorld(t, env, notify.Config{})
		suppress := func(email string) {
			t.Helper()
			if err := w.sup.Suppress(w.rep, consent.SuppressInput{Purpose: consent.PurposeMarketing, Source: consent.SourceStaff,
				Identifiers: consent.Identifiers{Email: email}}); err != nil {
				t.Fatal(err)
			}
		}
		_, err := w.out.SendToList(w.rep, "campaign", notify.Message{Subject: "Join the rally", Body: "Saturday at noon.", Mode: notify.ModeBCC, BCCUnderstood: true})
		wantCode(t, err, apperr.Invalid)

		suppress("ASHA@example.org ")
		q, err := w.out.SendToList(w.rep, "campaign", notify.Message{Subject: "Join the rally", Body: "Saturday at noon."})
		if err != nil {
			t.Fatal(err)
		}
		if q.Messages != 2 || q.Suppressed != 1 {
			t.Fatalf("queued: %+v", q)
		}
		suppress("ben@example.org") // objects after the email was queued
		r := w.deliver(t)
		if r.Sent != 1 || r.Suppressed != 1 {
			t.Fatalf("round: %+v", r)
		}
		msgs := w.smtp.Messages()
		if len(msgs) != 1 || msgs[0].To[0] != "cara@example.org" {
			t.Fatalf("delivered: %+v", msgs)
		}
		cara := w.people[2].ID
		if got := header(msgs[0].Data, "List-Unsubscribe"); got != "<https://steward.example/u/tok-all_marketing-"+cara+">" {
			t.Fatalf("List-Unsubscribe: %q", got)
		}
		if got := header(msgs[0].Data, "List-Unsubscribe-Post"); got != "List-Unsubscribe=One-Click" {
			t.Fatalf("List-Unsubscribe-Post: %q", got)
		}
		var suppressed int
		for _, s := range w.statuses(t, q.BatchID) {
			if s.Status == notify.StatusSuppressed {
				suppressed++
				if s.HasBody || s.SubjectID != w.people[1].ID {
					t.Fatalf("suppressed message: %+v", s)
				}
			}
		}
		if suppressed != 1 {
			t.Fatalf("%d messages marked suppressed", suppressed)
		}
	})
}

// TestMarketingWithRealUnsubscribeLinks: with the consent service making
// the links (as app.go wires it), a marketing email is queued, each
// message's List-Unsubscribe link opens as that member's one-click
// unsubscribe, and after the click the next marketing email leaves them
// out.
func TestMarketingWithRealUnsubscribeLinks(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		w := newWorld(t, env, notify.Config{})
		cs := consent.New(w.c.DB, w.c.Vault, w.c.Audit, w.sup, w.reg, consent.Config{})
		w.out.UseUnsubscribes(cs)
		q, err := w.out.SendToList(w.rep, "campaign", notify.Message{Subject: "Join the rally", Body: "Saturday at noon."})
		if err != nil {
			t.Fatal(err)
		}
		if q.Messages != 3 {
			t.Fatalf("queued: %+v", q)
		}
		if r := w.deliver(t); r.Sent != 3 {
			t.Fatalf("round: %+v", r)
		}
		var link string
		for _, m := range w.smtp.Messages() {
			if m.To[0] == addresses[0] {
				link = strings.Trim(header(m.Data, "List-Unsubscribe"), "<>")
			}
		}
		tok, ok := strings.CutPrefix(link, "https://steward.example/u/")
		if !ok {
			t.Fatalf("List-Unsubscribe link %q", link)
		}
		if _, err := cs.Unsubscribe(context.Background(), tok); err != nil {
			t.Fatal(err)
		}
		q, err = w.out.SendToList(w.rep, "campaign", notify.Message{Subject: "Rally report", Body: "Thank you."})
		if err != nil {
			t.Fatal(err)
		}
		if q.Messages != 2 || q.Suppressed != 1 {
			t.Fatalf("after the unsubscribe, queued: %+v", q)
		}
	})
}

// TestBCC: one message with everyone in BCC needs the warning confirmed;
// then one message goes to every address, and none is in its headers.
func TestBCC(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		w := newWorld(t, env, notify.Config{})
		m := notify.Message{Subject: "Meeting moved", Body: "Now in room 4.", Mode: notify.ModeBCC}
		_, err := w.out.SendToList(w.rep, "ballot", m)
		wantCode(t, err, apperr.Invalid)
		if !strings.Contains(apperr.MessageOf(err), "BCC") {
			t.Fatalf("the refusal does not show the warning: %v", err)
		}
		m.BCCUnderstood = true
		if _, err := w.out.SendToList(w.rep, "ballot", m); err != nil {
			t.Fatal(err)
		}
		w.deliver(t)
		msgs := w.smtp.Messages()
		if len(msgs) != 1 || len(msgs[0].To) != 3 {
			t.Fatalf("delivered: %+v", msgs)
		}
		for _, a := range addresses {
			if bytes.Contains(msgs[0].Data, []byte(a)) {
				t.Fatalf("%s is visible in the message", a)
			}
		}
		if header(msgs[0].Data, "To") != "undisclosed-recipients:;" {
			t.Fatalf("To: %q", header(msgs[0].Data, "To"))
		}
		// After the retention period nothing of the message's people is
		// left: a BCC message's addresses are sealed under the system key,
		// so no erasure would ever reach them.
		w.now = w.now.Add(31 * 24 * time.Hour)
		if r := w.deliver(t); r.Dropped != 1 {
			t.Fatalf("retention round: %+v", r)
		}
		var kept int
		if err := w.c.DB.Q(context.Background()).QueryRowContext(context.Background(),
			`SELECT COUNT(*) FROM outbox WHERE rcpt IS NOT NULL OR message IS NOT NULL`).Scan(&kept); err != nil {
			t.Fatal(err)
		}
		if kept != 0 {
			t.Fatalf("%d sent messages keep their addresses or body after the retention period", kept)
		}
	})
}

// TestRetries: the server refuses the first two deliveries for now; each
// failure waits longer (one minute, then two), nothing is tried before it
// is due, and the third attempt is sent.
func TestRetries(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		w := newWorld(t, env, notify.Config{Backoff: time.Minute})
		w.out.UseLists(lists{"one": {class: "operational", ids: []string{w.people[0].ID}, emails: []string{addresses[0]}}})
		q, err := w.out.SendToList(w.rep, "one", notify.Message{Subject: "Your case", Body: "Meeting on Tuesday."})
		if err != nil {
			t.Fatal(err)
		}
		w.smtp.FailNext(2)
		if r := w.deliver(t); r.Retrying != 1 {
			t.Fatalf("first round: %+v", r)
		}
		s := w.statuses(t, q.BatchID)[0]
		if s.Status != notify.StatusQueued || s.Attempts != 1 || !strings.Contains(s.LastError, "451") || strings.Contains(s.LastError, "@") {
			t.Fatalf("after one failure: %+v", s)
		}
		if r := w.deliver(t); r != (notify.Round{}) {
			t.Fatalf("tried before it was due: %+v", r)
		}
		w.now = w.now.Add(time.Minute)
		if r := w.deliver(t); r.Retrying != 1 {
			t.Fatalf("second round: %+v", r)
		}
		w.now = w.now.Add(time.Minute)
		if r := w.deliver(t); r.Retrying != 0 || r.Sent != 0 {
			t.Fatalf("the second wait is not longer than the first: %+v", r)
		}
		w.now = w.now.Add(time.Minute)
		if r := w.deliver(t); r.Sent != 1 {
			t.Fatalf("third round: %+v", r)
		}
		s = w.statuses(t, q.BatchID)[0]
		if s.Status != notify.StatusSent || s.Attempts != 3 || len(w.smtp.Messages()) != 1 {
			t.Fatalf("after the retries: %+v", s)
		}
	})
}

// TestPermanentFailure: a permanent refusal is recorded as failed at once;
// temporary refusals give up after MaxAttempts; the error holds no
// address; bodies go after the retention period while the rows stay.
func TestPermanentFailure(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		w := newWorld(t, env, notify.Config{MaxAttempts: 2, Backoff: time.Minute, KeepBodies: 24 * time.Hour})
		w.out.UseLists(lists{"one": {class: "operational", ids: []string{w.people[0].ID}, emails: []string{addresses[0]}}})
		w.smtp.FailAlways(true)
		q, err := w.out.SendToList(w.rep, "one", notify.Message{Subject: "Your case", Body: "Meeting on Tuesday."})
		if err != nil {
			t.Fatal(err)
		}
		if r := w.deliver(t); r.Failed != 1 {
			t.Fatalf("round: %+v", r)
		}
		s := w.statuses(t, q.BatchID)[0]
		if s.Status != notify.StatusFailed || s.Attempts != 1 || !strings.Contains(s.LastError, "550") || strings.Contains(s.LastError, "asha") {
			t.Fatalf("permanent failure: %+v", s)
		}
		w.smtp.FailAlways(false)
		w.smtp.FailNext(5)
		q2, err := w.out.SendToList(w.rep, "one", notify.Message{Subject: "Your case", Body: "Again."})
		if err != nil {
			t.Fatal(err)
		}
		w.deliver(t)
		w.now = w.now.Add(time.Minute)
		if r := w.deliver(t); r.Failed != 1 {
			t.Fatalf("after the last attempt: %+v", r)
		}
		if s := w.statuses(t, q2.BatchID)[0]; s.Status != notify.StatusFailed || s.Attempts != 2 || !s.HasBody {
			t.Fatalf("gave up: %+v", s)
		}
		w.now = w.now.Add(25 * time.Hour)
		if r := w.deliver(t); r.Dropped != 2 {
			t.Fatalf("bodies dropped: %+v", r)
		}
		if s := w.statuses(t, q2.BatchID)[0]; s.HasBody || s.Status != notify.StatusFailed {
			t.Fatalf("after retention: %+v", s)
		}
		batches, err := w.out.Batches(w.rep)
		if err != nil || len(batches) != 2 || batches[0].Failed != 1 {
			t.Fatalf("batches: %+v, %v", batches, err)
		}
	})
}

// TestInterruptedDeliveriesCount: a message whose server stopped while
// sending it is taken again when the lease ends, and each interruption
// counts as an attempt, so a message that stops the server every time is
// not sent again and again for ever.
func TestInterruptedDeliveriesCount(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		w := newWorld(t, env, notify.Config{MaxAttempts: 3})
		w.out.UseLists(lists{"one": {class: "operational", ids: []string{w.people[0].ID}, emails: []string{addresses[0]}}})
		q, err := w.out.SendToList(w.rep, "one", notify.Message{Subject: "Your case", Body: "Meeting on Tuesday."})
		if err != nil {
			t.Fatal(err)
		}
		interrupt := func(attempts int) {
			t.Helper()
			// As a server leaves it when it stops mid-delivery: sending,
			// with a lease that has now run out.
			if _, err := w.c.DB.Writer().ExecContext(context.Background(), `UPDATE outbox SET status = 'sending', attempts = $1, next_attempt_at = $2`,
				attempts, w.now.Add(-time.Minute).UnixMilli()); err != nil {
				t.Fatal(err)
			}
		}
		interrupt(0)
		if r := w.deliver(t); r.Sent != 1 {
			t.Fatalf("after one interruption: %+v", r)
		}
		if s := w.statuses(t, q.BatchID)[0]; s.Attempts != 2 {
			t.Fatalf("the interrupted attempt was not counted: %+v", s)
		}
		interrupt(2)
		if r := w.deliver(t); r.Failed != 1 || r.Sent != 0 {
			t.Fatalf("after the last interruption: %+v", r)
		}
		if n := len(w.smtp.Messages()); n != 1 {
			t.Fatalf("%d messages reached the server", n)
		}
		if s := w.statuses(t, q.BatchID)[0]; s.Status != notify.StatusFailed || !strings.Contains(s.LastError, "interrupted") {
			t.Fatalf("gave up: %+v", s)
		}
	})
}

// TestWithoutMailServer: without STEWARD_SMTP_URL messages wait.
func TestWithoutMailServer(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		w := newWorld(t, env, notify.Config{})
		w.out.UseMailer(nil)
		if _, err := w.out.SendToList(w.rep, "ballot", notify.Message{Subject: "Ballot", Body: "Vote."}); err != nil {
			t.Fatal(err)
		}
		if _, err := w.out.Deliver(context.Background()); !errors.Is(err, notify.ErrNoMailer) {
			t.Fatalf("got %v", err)
		}
	})
}

func TestParseSMTPURL(t *testing.T) {
	for _, c := range []struct {
		in   string
		host string
		ok   bool
	}{
		{"smtp://user:secret@mail.example:2525", "mail.example:2525", true},
		{"smtps://user:secret@mail.example", "mail.example:465", true},
		{"smtp://mail.example", "mail.example:587", true},
		{"http://mail.example", "", false},
		{"smtp://user:secret@", "", false},
		{"smtp://mail.example?starttls=maybe", "", false},
	} {
		m, err := notify.ParseSMTPURL(c.in)
		if (err == nil) != c.ok {
			t.Fatalf("%s: %v", c.in, err)
		}
		if err != nil && strings.Contains(err.Error(), "secret") {
			t.Fatalf("%s: the error repeats the password: %v", c.in, err)
		}
		if err == nil && m.Host() != c.host {
			t.Fatalf("%s: host %s", c.in, m.Host())
		}
	}
}

// FuzzParseSMTPURL: any text gives a mailer or an error, and an error
// never repeats the password.
func FuzzParseSMTPURL(f *testing.F) {
	for _, s := range []string{"smtp://u:p4ssw0rd@h:25", "smtps://h", "smtp://[::1]:2525?starttls=off", "smtp://u:p4ssw0rd@/", "%zz"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		_, err := notify.ParseSMTPURL(raw)
		if err != nil && strings.Contains(raw, "p4ssw0rd") && strings.Contains(err.Error(), "p4ssw0rd") {
			t.Fatalf("the error repeats the password: %v", err)
		}
	})
}
