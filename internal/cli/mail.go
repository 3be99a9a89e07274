package cli

import (
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/stewardhq/steward/internal/notify"
)

// Mail are the flags of the outbox: where email goes, who it is from, and
// Steward's public address for links in it.
type Mail struct {
	SMTPURL  string `name:"smtp-url" env:"STEWARD_SMTP_URL" help:"Mail server for Steward's email: smtp://user:pass@host:587 (STARTTLS required unless the server is on this machine; ?starttls=auto sends in plain text when it is not offered, ?starttls=off never upgrades) or smtps://user:pass@host:465 (implicit TLS). STEWARD_SMTP_URL_FILE may name a file holding it. Without it, email waits in the outbox."`
	SMTPFrom string `name:"smtp-from" env:"STEWARD_SMTP_FROM" help:"Sender address of Steward's email, e.g. \"Union <noreply@union.example>\"."`
	BaseURL  string `name:"base-url" env:"STEWARD_BASE_URL" help:"Steward's public address (https://steward.union.example), for unsubscribe links in marketing email, emailed preference links and the links Steward shows (preference links, the request status page). Without it they use the address the browser reached."`
}

// useMail configures the outbox from the flags: the sender, the base URL
// and the SMTP server as its mailer.
func (a *App) useMail(m Mail) error {
	raw, err := secretFromEnvFile(m.SMTPURL, "STEWARD_SMTP_URL")
	if err != nil {
		return err
	}
	base := strings.TrimSpace(m.BaseURL)
	if base != "" {
		u, err := url.Parse(base)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return errors.New("--base-url (STEWARD_BASE_URL) must be Steward's public address, like https://steward.union.example")
		}
	}
	if raw != "" && strings.TrimSpace(m.SMTPFrom) == "" {
		return errors.New("--smtp-url needs --smtp-from (STEWARD_SMTP_FROM): the address Steward's email comes from")
	}
	if err := a.Notify.UseSender(m.SMTPFrom, base); err != nil {
		return fmt.Errorf("--smtp-from: %w", err)
	}
	if raw != "" {
		mailer, err := notify.ParseSMTPURL(raw)
		if err != nil {
			return fmt.Errorf("--smtp-url: %w", err)
		}
		a.Notify.UseMailer(mailer)
	}
	return nil
}

// OutboxCmd groups the outbox's commands.
type OutboxCmd struct {
	Send OutboxSendCmd `cmd:"" help:"Deliver the email that is due, once, and exit (serve does it every 30 seconds)."`
}

// OutboxSendCmd runs one delivery round.
type OutboxSendCmd struct {
	Paths
	Mail
}

// Run delivers what is due and says what happened.
func (c *OutboxSendCmd) Run(e *env) error {
	app, err := openApp(e.ctx, c.Paths, newLogger(e.stderr, c.LogLevel))
	if err != nil {
		return err
	}
	defer app.Close()
	if err := app.useMail(c.Mail); err != nil {
		return err
	}
	if !app.Notify.Configured() {
		return errors.New("no mail server: give --smtp-url (or STEWARD_SMTP_URL) and --smtp-from")
	}
	r, err := app.Notify.Deliver(e.ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "sent %d, to retry %d, failed %d, stopped by an opt-out %d; %d old message bodies dropped\n",
		r.Sent, r.Retrying, r.Failed, r.Suppressed, r.Dropped)
	return nil
}
