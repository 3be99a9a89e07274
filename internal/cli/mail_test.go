package cli

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/stewardhq/steward/internal/access"
	"github.com/stewardhq/steward/internal/governance/govtest"
	"github.com/stewardhq/steward/internal/notify"
	"github.com/stewardhq/steward/internal/notify/smtptest"
	"github.com/stewardhq/steward/internal/store/storetest"
	"github.com/stewardhq/steward/internal/subjects"
)

// oneList is a member list of one person, for the outbox.
type oneList struct{ id, email string }

func (l oneList) Emails(context.Context, string) (string, []string, []string, error) {
	return "operational", []string{l.id}, []string{l.email}, nil
}

// TestOutboxSendOnce: a message queued in the outbox leaves when
// `steward outbox send` runs once with the SMTP URL from a _FILE twin, and
// without a mail server the command says what to set.
func TestOutboxSendOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		p := setup(t, env)
		mustRun(t, "a long enough password\n", append([]string{"user", "add", "membership", "--role", "membership", "--unit", "Union"}, p...)...)
		ctx := context.Background()
		app, err := openApp(ctx, parsePaths(t, p), nil)
		if err != nil {
			t.Fatal(err)
		}
		govtest.Onboard(t, app.Governance, app.Access, nil, "rep.a")
		a, err := app.Access.Actor(ctx, "rep.a", access.ViaCLI)
		if err != nil {
			t.Fatal(err)
		}
		m, err := app.Access.Actor(ctx, "membership", access.ViaCLI)
		if err != nil {
			t.Fatal(err)
		}
		units, err := app.Access.Units(access.WithActor(ctx, a))
		if err != nil {
			t.Fatal(err)
		}
		person, err := app.Subjects.Create(access.WithActor(ctx, m), subjects.Input{UnitID: units[0].ID, Kind: subjects.KindMember,
			Profile: subjects.Profile{GivenName: "Jo", FamilyName: "Bell", Email: "jo@example.org"}})
		if err != nil {
			t.Fatal(err)
		}
		if err := app.useMail(Mail{SMTPFrom: "Union <office@union.example>"}); err != nil {
			t.Fatal(err)
		}
		app.Notify.UseLists(oneList{person.ID, "jo@example.org"})
		if _, err := app.Notify.SendToList(access.WithActor(ctx, a), "list-1", notify.Message{Subject: "Meeting", Body: "Tuesday at four."}); err != nil {
			t.Fatal(err)
		}
		app.Close()

		code, _, errs := run(t, "", append([]string{"outbox", "send"}, p...)...)
		if code == 0 || !strings.Contains(errs, "--smtp-url") {
			t.Fatalf("without a mail server: exit %d %q", code, errs)
		}
		srv := smtptest.Start(t)
		file := t.TempDir() + "/smtp-url"
		if err := os.WriteFile(file, []byte(srv.URL()+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		t.Setenv("STEWARD_SMTP_URL_FILE", file)
		out := mustRun(t, "", append([]string{"outbox", "send", "--smtp-from", "office@union.example"}, p...)...)
		if !strings.Contains(out, "sent 1,") {
			t.Fatalf("outbox send: %s", out)
		}
		got := srv.Messages()
		if len(got) != 1 || got[0].To[0] != "jo@example.org" || !strings.Contains(string(got[0].Data), "Tuesday at four.") {
			t.Fatalf("delivered: %+v", got)
		}
	})
}
