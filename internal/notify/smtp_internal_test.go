package notify

import (
	"context"
	"strings"
	"testing"

	"github.com/stewardhq/steward/internal/notify/smtptest"
)

// TestSTARTTLSRequiredOffLoopback: a smtp:// server elsewhere on the
// network that offers no STARTTLS gets nothing (the offer may have been
// stripped on the way), and the failure is permanent and says what to do;
// ?starttls=auto accepts plain text, and a server on the loopback
// interface is used as it is.
func TestSTARTTLSRequiredOffLoopback(t *testing.T) {
	srv := smtptest.Start(t) // offers no STARTTLS
	send := func(url, host string) error {
		t.Helper()
		m, err := ParseSMTPURL(url)
		if err != nil {
			t.Fatal(err)
		}
		m.host = host // as if the server were mail.example; the connection still reaches srv
		return m.Send(context.Background(), "desk@union.example", []string{"asha@example.org"}, []byte("Subject: x\r\n\r\nHello.\r\n"))
	}
	err := send(srv.URL(), "mail.example")
	if err == nil || len(srv.Messages()) != 0 {
		t.Fatalf("sent in plain text to a server off this machine: %v", err)
	}
	safe, permanent := safeError(err)
	if !permanent || !strings.Contains(safe, "starttls=auto") || !strings.Contains(safe, "smtps://") {
		t.Fatalf("failure %q (permanent %v) does not say what to do", safe, permanent)
	}
	if err := send(srv.URL()+"?starttls=auto", "mail.example"); err != nil || len(srv.Messages()) != 1 {
		t.Fatalf("starttls=auto: %v", err)
	}
	if err := send(srv.URL(), "127.0.0.1"); err != nil || len(srv.Messages()) != 2 {
		t.Fatalf("loopback: %v", err)
	}
	if err := send(srv.URL()+"?starttls=require", "127.0.0.1"); err == nil || len(srv.Messages()) != 2 {
		t.Fatalf("starttls=require on loopback: %v", err)
	}
}
