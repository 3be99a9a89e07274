package notify

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"mime"
	"mime/quotedprintable"
	"net/mail"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/stewardhq/steward/internal/access"
	"github.com/stewardhq/steward/internal/apperr"
	"github.com/stewardhq/steward/internal/consent"
	"github.com/stewardhq/steward/internal/store"
)

// Limits on a group email.
const (
	maxSubject = 200
	maxBody    = 100_000
)

// Message is a group email as composed.
type Message struct {
	Subject string `json:"subject" maxLength:"200"`
	Body    string `json:"body" maxLength:"100000" doc:"Plain text"`
	Mode    Mode   `json:"mode" enum:"each,bcc" doc:"each: one message per member, To: only them; bcc: one message, every address in BCC (not for marketing)"`
	// BCCUnderstood confirms the sender read the BCC warning, required
	// for ModeBCC.
	BCCUnderstood bool `json:"bcc_understood,omitempty"`
}

func (m *Message) clean(class Class) error {
	m.Subject = strings.TrimSpace(m.Subject)
	m.Body = strings.TrimSpace(strings.ReplaceAll(m.Body, "\r\n", "\n"))
	if m.Subject == "" || m.Body == "" {
		return apperr.New(apperr.Invalid, "Write a subject and a message.")
	}
	if strings.ContainsAny(m.Subject, "\r\n") || len(m.Subject) > maxSubject {
		return apperr.New(apperr.Invalid, "The subject must be one line of at most %d characters.", maxSubject)
	}
	if len(m.Body) > maxBody || !utf8.ValidString(m.Body) || !utf8.ValidString(m.Subject) {
		return apperr.New(apperr.Invalid, "The message must be text of at most %d characters.", maxBody)
	}
	if m.Mode == "" {
		m.Mode = ModeEach
	}
	switch m.Mode {
	case ModeEach:
	case ModeBCC:
		if class == ClassMarketing {
			return apperr.New(apperr.Invalid, "Marketing goes one message per member: each carries that member's own unsubscribe link. Choose one message each.")
		}
		if !m.BCCUnderstood {
			return apperr.New(apperr.Invalid, "Before sending one message with every address in BCC, confirm you have read the warning: %s", BCCWarning)
		}
	default:
		return apperr.New(apperr.Invalid, "Choose how to send: one message each, or one message with everyone in BCC.")
	}
	return nil
}

// Queued is what SendToList did.
type Queued struct {
	BatchID  string `json:"batch_id"`
	Class    Class  `json:"class"`
	Mode     Mode   `json:"mode"`
	Messages int    `json:"messages"`
	// Recipients counts the people the email will reach.
	Recipients int `json:"recipients"`
	// Suppressed counts people left out because they objected to
	// marketing; NoEmail those with no usable address.
	Suppressed int `json:"suppressed"`
	NoEmail    int `json:"no_email"`
}

// SendToList queues a group email to a member list. The actor needs
// lists:request, and the Lists implementation checks they may use this
// list. Marketing leaves out everyone on the suppression list (and is
// checked again when each message leaves) and carries the unsubscribe
// headers. Nothing is queued if anything is wrong.
func (s *Service) SendToList(ctx context.Context, listID string, m Message) (*Queued, error) {
	a, err := access.Require(ctx, access.PermListsRequest)
	if err != nil {
		return nil, err
	}
	if s.lists == nil {
		return nil, apperr.New(apperr.Conflict, "Member lists are not available in this installation, so there is no list to email.")
	}
	if s.from == nil {
		return nil, apperr.New(apperr.Conflict, "No sender address is configured: set STEWARD_SMTP_FROM (or --smtp-from) and restart Steward.")
	}
	var q *Queued
	err = s.db.InTx(ctx, func(ctx context.Context, tx *store.Tx) error {
		cls, ids, emails, err := s.lists.Emails(ctx, listID)
		if err != nil {
			return err
		}
		class := Class(cls)
		if !class.Valid() {
			return apperr.New(apperr.Invalid, "The list's purpose has no communication class (marketing, operational or democratic).")
		}
		if err := m.clean(class); err != nil {
			return err
		}
		if len(ids) != len(emails) {
			return fmt.Errorf("notify: the list gave %d people and %d addresses", len(ids), len(emails))
		}
		q = &Queued{BatchID: store.NewID(), Class: class, Mode: m.Mode}
		type person struct{ id, email string }
		var people []person
		for i, e := range emails {
			addr, ok := cleanAddress(e)
			if !ok {
				q.NoEmail++
				continue
			}
			people = append(people, person{ids[i], addr})
		}
		if class == ClassMarketing {
			if s.cfg.BaseURL == "" || s.unsubs == nil {
				return apperr.New(apperr.Conflict, "Marketing email needs unsubscribe links: set STEWARD_BASE_URL to Steward's public address.")
			}
			checks := make([]consent.Identifiers, len(people))
			for i, p := range people {
				checks[i] = consent.Identifiers{Email: p.email}
			}
			sup, err := s.sup.SuppressedEach(ctx, consent.PurposeMarketing, checks)
			if err != nil {
				return err
			}
			kept := people[:0]
			for i, p := range people {
				if sup[i] {
					q.Suppressed++
					continue
				}
				kept = append(kept, p)
			}
			people = kept
		}
		if len(people) == 0 {
			return apperr.New(apperr.Invalid, "Nobody on this list can be emailed (%d have no email address, %d objected to marketing).", q.NoEmail, q.Suppressed)
		}
		now := tx.Now()
		insert := func(subjectID string, rcpt []string, msg []byte) error {
			id := store.NewID()
			to, _ := json.Marshal(rcpt)
			sealedTo, err := s.seal(ctx, subjectID, id, "rcpt", to)
			if err != nil {
				return err
			}
			sealedMsg, err := s.seal(ctx, subjectID, id, "message", msg)
			if err != nil {
				return err
			}
			_, err = tx.ExecContext(ctx, `INSERT INTO outbox (id, batch_id, list_id, class, mode, subject_id, recipients, rcpt, message, status,
				attempts, next_attempt_at, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'queued', 0, $10, $11, $12)`,
				id, q.BatchID, listID, string(class), string(m.Mode), nullStr(subjectID), len(rcpt), sealedTo, sealedMsg,
				store.Millis(now), a.AccountID, store.Millis(now))
			if err != nil {
				return fmt.Errorf("queue message: %w", err)
			}
			q.Messages++
			return nil
		}
		switch m.Mode {
		case ModeEach:
			for _, p := range people {
				var unsub string
				if class == ClassMarketing {
					tok, err := s.unsubs.UnsubscribeToken(ctx, p.id, consent.AllMarketing)
					if err != nil {
						return err
					}
					unsub = s.cfg.BaseURL + "/u/" + tok
				}
				msg := s.build(now, p.email, m, unsub)
				if err := insert(p.id, []string{p.email}, msg); err != nil {
					return err
				}
				if err := s.record(ctx, "outbox.queue_message", q.BatchID, p.id, map[string]string{"class": string(class)}); err != nil {
					return err
				}
			}
		case ModeBCC:
			rcpt := make([]string, len(people))
			for i, p := range people {
				rcpt[i] = p.email
			}
			if err := insert("", rcpt, s.build(now, "", m, "")); err != nil {
				return err
			}
		}
		q.Recipients = len(people)
		return s.record(ctx, "outbox.queue", q.BatchID, "", map[string]string{"list_id": listID, "class": string(class),
			"mode": string(m.Mode), "messages": strconv.Itoa(q.Messages), "recipients": strconv.Itoa(q.Recipients),
			"suppressed": strconv.Itoa(q.Suppressed), "no_email": strconv.Itoa(q.NoEmail)})
	})
	if err != nil {
		return nil, err
	}
	return q, nil
}

// cleanAddress returns the bare address of e, if it is one.
func cleanAddress(e string) (string, bool) {
	e = strings.TrimSpace(e)
	if e == "" || strings.ContainsAny(e, "\r\n<>,;\"") {
		return "", false
	}
	a, err := mail.ParseAddress(e)
	if err != nil || a.Address != e {
		return "", false
	}
	return a.Address, true
}

// build writes the RFC 5322 message: To is the one recipient, or
// undisclosed-recipients for BCC, so no address but the reader's own ever
// appears in it. unsub, for marketing, is the one-click unsubscribe link.
func (s *Service) build(now time.Time, to string, m Message, unsub string) []byte {
	var b bytes.Buffer
	h := func(k, v string) { b.WriteString(k + ": " + v + "\r\n") }
	h("From", s.from.String())
	if to != "" {
		h("To", "<"+to+">")
	} else {
		h("To", "undisclosed-recipients:;")
	}
	h("Subject", mime.QEncoding.Encode("utf-8", m.Subject))
	h("Date", now.Format(time.RFC1123Z))
	h("Message-ID", "<"+randomID()+"@"+domainOf(s.from.Address)+">")
	h("MIME-Version", "1.0")
	h("Content-Type", "text/plain; charset=utf-8")
	h("Content-Transfer-Encoding", "quoted-printable")
	body := m.Body
	if unsub != "" {
		// RFC 8058: the POST to the link unsubscribes without a page.
		h("List-Unsubscribe", "<"+unsub+">")
		h("List-Unsubscribe-Post", "List-Unsubscribe=One-Click")
		body += "\n\n--\nYou receive this because you have not opted out of our marketing messages. To stop all of them, open " + unsub
	}
	b.WriteString("\r\n")
	qp := quotedprintable.NewWriter(&b)
	_, _ = qp.Write([]byte(strings.ReplaceAll(body, "\n", "\r\n")))
	_ = qp.Close()
	b.WriteString("\r\n")
	return b.Bytes()
}

func randomID() string {
	r := make([]byte, 12)
	_, _ = rand.Read(r)
	return hex.EncodeToString(r)
}

func domainOf(addr string) string {
	if i := strings.LastIndexByte(addr, '@'); i >= 0 {
		return addr[i+1:]
	}
	return "steward.invalid"
}
