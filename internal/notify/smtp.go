package notify

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/smtp"
	"net/textproto"
	"net/url"
	"strings"
	"time"
)

// Mailer hands a message to a mail server.
type Mailer interface {
	Send(ctx context.Context, from string, to []string, msg []byte) error
}

// SMTP delivers through one SMTP server, configured by a URL:
//
//	smtp://user:pass@host:587   upgraded with STARTTLS before anything is sent
//	smtps://user:pass@host:465  TLS from the first byte (implicit TLS)
//
// By default a server that does not offer STARTTLS is refused, since
// messages hold members' data and an attacker on the path could strip the
// offer; a server on the loopback interface is used without TLS when it
// offers none. ?starttls=auto upgrades only when offered (plain text
// otherwise); ?starttls=off never upgrades (a relay on the same host);
// ?starttls=require also refuses a loopback server without it. The
// password is sent only over TLS, or to a server on the loopback
// interface (net/smtp's rule).
type SMTP struct {
	host, addr string
	implicit   bool
	starttls   string
	auth       smtp.Auth
	// Timeout bounds one delivery (default one minute).
	Timeout time.Duration
}

// ParseSMTPURL reads an SMTP URL (see SMTP). Its error never repeats the
// URL, which may hold a password.
func ParseSMTPURL(raw string) (*SMTP, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		return nil, errors.New("the SMTP URL is not a URL: use smtp://user:pass@host:port or smtps://user:pass@host:port")
	}
	m := &SMTP{host: u.Hostname(), Timeout: time.Minute, starttls: u.Query().Get("starttls")}
	port := u.Port()
	switch u.Scheme {
	case "smtp":
		if port == "" {
			port = "587"
		}
	case "smtps":
		m.implicit = true
		if port == "" {
			port = "465"
		}
	default:
		return nil, errors.New("the SMTP URL must start with smtp:// (STARTTLS when offered) or smtps:// (implicit TLS)")
	}
	if m.host == "" {
		return nil, errors.New("the SMTP URL names no host: use smtp://user:pass@host:port")
	}
	switch m.starttls {
	case "", "auto", "require", "off":
	default:
		return nil, errors.New("the SMTP URL's starttls must be auto, require or off")
	}
	m.addr = net.JoinHostPort(m.host, port)
	if u.User != nil && u.User.Username() != "" {
		pass, _ := u.User.Password()
		m.auth = smtp.PlainAuth("", u.User.Username(), pass, m.host)
	}
	return m, nil
}

// Host is the server's host and port, for messages about it.
func (m *SMTP) Host() string { return m.addr }

// Send implements Mailer.
func (m *SMTP) Send(ctx context.Context, from string, to []string, msg []byte) error {
	ctx, cancel := context.WithTimeout(ctx, m.Timeout)
	defer cancel()
	var conn net.Conn
	var err error
	if m.implicit {
		d := tls.Dialer{Config: &tls.Config{ServerName: m.host, MinVersion: tls.VersionTLS12}}
		conn, err = d.DialContext(ctx, "tcp", m.addr)
	} else {
		var d net.Dialer
		conn, err = d.DialContext(ctx, "tcp", m.addr)
	}
	if err != nil {
		return &deliveryError{what: "could not connect to the mail server " + m.addr, err: err}
	}
	if dl, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(dl)
	}
	c, err := smtp.NewClient(conn, m.host)
	if err != nil {
		conn.Close()
		return &deliveryError{what: "the mail server did not greet", err: err}
	}
	defer c.Close()
	if err := c.Hello("localhost"); err != nil {
		return classify("HELO", err)
	}
	if !m.implicit && m.starttls != "off" {
		if ok, _ := c.Extension("STARTTLS"); ok {
			if err := c.StartTLS(&tls.Config{ServerName: m.host, MinVersion: tls.VersionTLS12}); err != nil {
				return &deliveryError{what: "STARTTLS with the mail server failed", err: err}
			}
		} else if m.starttls == "require" || (m.starttls == "" && !loopback(m.host)) {
			return &deliveryError{what: "the mail server does not offer STARTTLS, so the message would cross the network unencrypted: use smtps:// (port 465), a server that offers STARTTLS, or add ?starttls=auto to the SMTP URL to accept sending in plain text", permanent: true}
		}
	}
	if m.auth != nil {
		if err := c.Auth(m.auth); err != nil {
			return classify("authentication", err)
		}
	}
	if err := c.Mail(from); err != nil {
		return classify("MAIL FROM", err)
	}
	for _, rc := range to {
		if err := c.Rcpt(rc); err != nil {
			return classify("RCPT TO", err)
		}
	}
	w, err := c.Data()
	if err != nil {
		return classify("DATA", err)
	}
	if _, err := w.Write(msg); err != nil {
		return &deliveryError{what: "sending the message to the mail server failed", err: err}
	}
	if err := w.Close(); err != nil {
		return classify("end of DATA", err)
	}
	return c.Quit()
}

// loopback reports whether host is this machine.
func loopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// deliveryError is a failed delivery, described without addresses or
// content (what is safe to store and show), with the server's reply code.
type deliveryError struct {
	what      string
	code      int
	permanent bool
	err       error
}

func (e *deliveryError) Error() string {
	if e.err != nil {
		return e.what + ": " + e.err.Error()
	}
	return e.what
}

func (e *deliveryError) Unwrap() error { return e.err }

// Safe is the failure in words holding no address or content: the
// server's reply text may quote the recipient, so only its code is kept.
func (e *deliveryError) Safe() string {
	if e.code != 0 {
		return fmt.Sprintf("%s (reply code %d)", e.what, e.code)
	}
	return e.what
}

// classify turns a server reply into a deliveryError: 5xx is permanent.
func classify(stage string, err error) error {
	var te *textproto.Error
	if errors.As(err, &te) {
		kind := "temporarily refused"
		if te.Code >= 500 {
			kind = "refused"
		}
		return &deliveryError{what: "the mail server " + kind + " the message at " + stage, code: te.Code, permanent: te.Code >= 500, err: err}
	}
	return &deliveryError{what: "the conversation with the mail server failed at " + stage, err: err}
}

// safeError describes a delivery failure for the outbox row and reports
// whether retrying is pointless.
func safeError(err error) (string, bool) {
	var de *deliveryError
	if errors.As(err, &de) {
		return de.Safe(), de.permanent
	}
	return "the delivery failed", false
}
