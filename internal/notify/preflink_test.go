package notify_test

import (
	"bytes"
	"context"
	"io"
	"mime/quotedprintable"
	"net/mail"
	"strings"
	"testing"

	"github.com/stewardhq/steward/internal/access"
	"github.com/stewardhq/steward/internal/apperr"
	"github.com/stewardhq/steward/internal/audit"
	"github.com/stewardhq/steward/internal/consent"
	"github.com/stewardhq/steward/internal/notify"
	"github.com/stewardhq/steward/internal/store/storetest"
	"github.com/stewardhq/steward/internal/testkit"
)

// prefWorld is the outbox world with the real consent service making the
// links and the real register giving the addresses.
func prefWorld(t *testing.T, env storetest.Env) (*world, *consent.Service) {
	t.Helper()
	w := newWorld(t, env, notify.Config{})
	cs := consent.New(w.c.DB, w.c.Vault, w.c.Audit, w.sup, w.reg, consent.Config{})
	w.out.UsePreferenceLinks(cs, w.reg)
	return w, cs
}

// outboxRows counts the messages in the outbox.
func outboxRows(t *testing.T, w *world) int {
	t.Helper()
	var n int
	if err := w.c.DB.Q(context.Background()).QueryRowContext(context.Background(), `SELECT COUNT(*) FROM outbox`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// bodyOf decodes a delivered message's plain-text body.
func bodyOf(t *testing.T, data []byte) string {
	t.Helper()
	m, err := mail.ReadMessage(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(quotedprintable.NewReader(m.Body))
	if err != nil {
		t.Fatal(err)
	}
	return strings.ReplaceAll(string(b), "\r\n", "\n")
}

// TestEmailPreferenceLink: a rep asks Steward to email Asha her
// preference link. One operational message is queued, sealed, to her
// address only; it reaches the mail server addressed to her alone, holds
// no one else's name or address, and the link in it opens her
// preferences. Nothing about her address or the link is in the audit log.
func TestEmailPreferenceLink(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		w, cs := prefWorld(t, env)
		asha := w.people[0]
		q, err := w.out.SendPreferenceLink(w.rep, asha.ID)
		if err != nil {
			t.Fatal(err)
		}
		if q.Messages != 1 || q.Recipients != 1 || q.Class != notify.ClassOperational {
			t.Fatalf("queued: %+v", q)
		}
		ms := w.statuses(t, q.BatchID)
		if len(ms) != 1 || ms[0].SubjectID != asha.ID || ms[0].Status != notify.StatusQueued {
			t.Fatalf("outbox: %+v", ms)
		}
		var rcpt, msg []byte
		if err := w.c.DB.Q(context.Background()).QueryRowContext(context.Background(), `SELECT rcpt, message FROM outbox`).Scan(&rcpt, &msg); err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(rcpt, []byte(addresses[0])) || bytes.Contains(msg, []byte(addresses[0])) || bytes.Contains(msg, []byte("/preferences/")) {
			t.Fatal("the address or the link is in the outbox in clear")
		}

		if r := w.deliver(t); r.Sent != 1 {
			t.Fatalf("round: %+v", r)
		}
		got := w.smtp.Messages()
		if len(got) != 1 {
			t.Fatalf("%d messages reached the server", len(got))
		}
		m := got[0]
		if len(m.To) != 1 || m.To[0] != addresses[0] || header(m.Data, "To") != "<"+addresses[0]+">" {
			t.Fatalf("envelope %v, To header %q", m.To, header(m.Data, "To"))
		}
		if header(m.Data, "List-Unsubscribe") != "" {
			t.Fatal("an operational message carries an unsubscribe header")
		}
		body := bodyOf(t, m.Data)
		for _, other := range []string{addresses[1], addresses[2], "Ben", "Cara", "Dev", "Member"} {
			if strings.Contains(string(m.Data), other) || strings.Contains(body, other) {
				t.Fatalf("Asha's message holds %q:\n%s", other, body)
			}
		}
		if !strings.Contains(body, "works until") || !strings.Contains(body, "nobody else") {
			t.Fatalf("the message does not say how long the link works or that it is hers alone:\n%s", body)
		}
		const prefix = "https://steward.example/preferences/"
		i := strings.Index(body, prefix)
		if i < 0 {
			t.Fatalf("no link built from the base URL in:\n%s", body)
		}
		tok := strings.Fields(body[i+len(prefix):])[0]
		prefs, err := cs.PublicPreferences(access.WithActor(context.Background(), nil), tok)
		if err != nil {
			t.Fatalf("the emailed link does not open: %v", err)
		}
		if prefs.FirstName != "Asha" {
			t.Fatalf("the link opens %q's preferences", prefs.FirstName)
		}

		evs, err := w.c.Audit.List(context.Background(), audit.Filter{SubjectID: asha.ID, Limit: audit.MaxLimit})
		if err != nil {
			t.Fatal(err)
		}
		actions := map[string]bool{}
		for _, e := range evs {
			actions[e.Action] = true
			for k, v := range e.Detail {
				if strings.Contains(v, "@") || strings.Contains(v, tok) || strings.Contains(k, "@") {
					t.Fatalf("audit %s detail %s=%q holds the address or the link", e.Action, k, v)
				}
			}
		}
		for _, a := range []string{"outbox.preference_link", "consent.link", "subject.read"} {
			if !actions[a] {
				t.Fatalf("no %s event for Asha; have %v", a, actions)
			}
		}
	})
}

// TestEmailPreferenceLinkRefused: no address on record, an erased person,
// a rep of another workplace, no base URL, no mail server or no sender: each is refused
// with what to do, and nothing is queued or recorded as made.
func TestEmailPreferenceLinkRefused(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		w, _ := prefWorld(t, env)
		asha, dev := w.people[0], w.people[3]
		linksMade := func() int {
			evs, err := w.c.Audit.List(context.Background(), audit.Filter{Action: "consent.link", Limit: audit.MaxLimit})
			if err != nil {
				t.Fatal(err)
			}
			return len(evs)
		}

		_, err := w.out.SendPreferenceLink(w.rep, dev.ID)
		wantCode(t, err, apperr.Invalid)
		if !strings.Contains(apperr.MessageOf(err), "no usable email address") {
			t.Fatalf("message: %s", apperr.MessageOf(err))
		}

		// A person whose erasure was interrupted after their key went.
		if err := w.c.Vault.Shred(context.Background(), w.people[2].ID); err != nil {
			t.Fatal(err)
		}
		_, err = w.out.SendPreferenceLink(w.rep, w.people[2].ID)
		wantCode(t, err, apperr.Conflict)
		if !strings.Contains(apperr.MessageOf(err), "erased: there is no address to email") {
			t.Fatalf("message: %s", apperr.MessageOf(err))
		}

		mem := testkit.As(t, w.c.Access, "membership")
		wp, err := w.c.Access.Unit(mem, asha.UnitID)
		if err != nil {
			t.Fatal(err)
		}
		root, err := w.c.Access.Unit(mem, wp.ParentID)
		if err != nil {
			t.Fatal(err)
		}
		op := access.WithActor(context.Background(), access.OperatorActor(root.Path))
		other := testkit.Unit(t, w.c.Access, op, root.ID, access.KindWorkplace, "Hillside School")
		testkit.Account(t, w.c.Access, op, "rep2", access.RoleRep, other.ID)
		_, err = w.out.SendPreferenceLink(testkit.As(t, w.c.Access, "rep2"), asha.ID)
		wantCode(t, err, apperr.NotFound)

		if err := w.out.UseSender("Riverside Union <rep-desk@union.example>", ""); err != nil {
			t.Fatal(err)
		}
		_, err = w.out.SendPreferenceLink(w.rep, asha.ID)
		wantCode(t, err, apperr.Conflict)
		if !strings.Contains(apperr.MessageOf(err), "--base-url") {
			t.Fatalf("message: %s", apperr.MessageOf(err))
		}

		if err := w.out.UseSender("", "https://steward.example"); err != nil {
			t.Fatal(err)
		}
		_, err = w.out.SendPreferenceLink(w.rep, asha.ID)
		wantCode(t, err, apperr.Conflict)
		if !strings.Contains(apperr.MessageOf(err), "STEWARD_SMTP_FROM") {
			t.Fatalf("message: %s", apperr.MessageOf(err))
		}

		if err := w.out.UseSender("Riverside Union <rep-desk@union.example>", "https://steward.example"); err != nil {
			t.Fatal(err)
		}
		w.out.UseMailer(nil)
		_, err = w.out.SendPreferenceLink(w.rep, asha.ID)
		wantCode(t, err, apperr.Conflict)
		if !strings.Contains(apperr.MessageOf(err), "STEWARD_SMTP_URL") {
			t.Fatalf("message: %s", apperr.MessageOf(err))
		}

		if n := outboxRows(t, w); n != 0 {
			t.Fatalf("%d messages queued by refused requests", n)
		}
		if n := linksMade(); n != 0 {
			t.Fatalf("%d links recorded as made by refused requests", n)
		}
	})
}
