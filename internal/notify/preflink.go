package notify

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/stewardhq/steward/internal/access"
	"github.com/stewardhq/steward/internal/apperr"
	"github.com/stewardhq/steward/internal/consent"
	"github.com/stewardhq/steward/internal/store"
)

// PreferenceLinks makes a person's link to the preference centre for
// Steward to email to them, checking the actor holds consent:record in the
// person's unit, and says when it stops working (the consent package
// implements it): BaseURL + "/preferences/" + token.
type PreferenceLinks interface {
	PreferenceLink(ctx context.Context, subjectID string) (token string, expires time.Time, err error)
}

// Addresses reads a person's identifiers from the register, checking scope
// and auditing the read (the subjects package implements it).
type Addresses interface {
	Identifiers(ctx context.Context, subjectID, purpose string) (consent.Identifiers, error)
}

// UsePreferenceLinks sets where emailed preference links come from and
// where the person's address is read.
func (s *Service) UsePreferenceLinks(l PreferenceLinks, a Addresses) {
	s.prefLinks, s.addresses = l, a
}

// PrefLinkSubject is the subject line of the email carrying a person's
// preference link.
const PrefLinkSubject = "Your link to choose what we send you"

// SendPreferenceLink queues one operational email to the person's own
// address on record with their link to the preference centre, so the
// member gets the link and the member of staff who asked never sees it.
// The actor needs consent:record in the person's unit. It is refused,
// changing nothing, when the person has no usable email address, or when
// the sender, the mail server or Steward's public address is not
// configured. The audit events hold ids only: no address, no link.
func (s *Service) SendPreferenceLink(ctx context.Context, subjectID string) (*Queued, error) {
	a, err := access.Require(ctx, access.PermConsentRecord)
	if err != nil {
		return nil, err
	}
	switch {
	case s.prefLinks == nil || s.addresses == nil:
		return nil, apperr.New(apperr.Conflict, "Emailing preference links is not available in this installation.")
	case s.from == nil:
		return nil, apperr.New(apperr.Conflict, "No sender address is configured, so Steward cannot email the link: set STEWARD_SMTP_FROM (or --smtp-from) and restart Steward.")
	case s.mailer == nil:
		return nil, apperr.New(apperr.Conflict, "No mail server is configured, so Steward cannot email the link: set STEWARD_SMTP_URL (or --smtp-url) and restart Steward.")
	case s.cfg.BaseURL == "":
		return nil, apperr.New(apperr.Conflict, "Steward's public address is not configured, so the emailed link would not open: set --base-url (STEWARD_BASE_URL) to the address members reach Steward at, like https://steward.union.example, and restart Steward.")
	}
	var q *Queued
	err = s.db.InTx(ctx, func(ctx context.Context, tx *store.Tx) error {
		// The link first: it checks consent:record in the person's unit,
		// so someone out of scope reads no address.
		tok, expires, err := s.prefLinks.PreferenceLink(ctx, subjectID)
		if err != nil {
			return err
		}
		ids, err := s.addresses.Identifiers(ctx, subjectID, "consent")
		if apperr.CodeOf(err) == apperr.Conflict {
			// The register refuses an erased person's identifiers.
			return apperr.New(apperr.Conflict, "This person has been erased: there is no address to email a link to, and nothing left to choose.")
		}
		if err != nil {
			return err
		}
		addr, ok := cleanAddress(ids.Email)
		if !ok {
			return apperr.New(apperr.Invalid, "This person has no usable email address on record, so Steward cannot email them their link. Add their address to their record first, or ask the DPO to give them a link another way.")
		}
		now := tx.Now()
		q = &Queued{BatchID: store.NewID(), Class: ClassOperational, Mode: ModeEach, Messages: 1, Recipients: 1}
		m := Message{Subject: PrefLinkSubject, Body: prefLinkBody(s.cfg.BaseURL+"/preferences/"+tok, expires)}
		if err := s.queueOne(ctx, tx, q, "", subjectID, addr, s.build(now, addr, m, ""), a.AccountID); err != nil {
			return err
		}
		return s.record(ctx, "outbox.preference_link", q.BatchID, subjectID, map[string]string{"class": string(ClassOperational),
			"expires": expires.Format(time.DateOnly)})
	})
	if err != nil {
		return nil, err
	}
	return q, nil
}

// prefLinkBody is the plain text of the email: what the link is, how long
// it works and that it is the member's alone.
func prefLinkBody(link string, expires time.Time) string {
	return "Hello,\n\n" +
		"You (or a representative helping you) asked for a link to your communication preferences. " +
		"Open it to see what we may send you and to change your choices, for example to stop newsletters or campaign messages:\n\n" +
		link + "\n\n" +
		"The link works until " + expires.UTC().Format("2 January 2006") + ". After that, ask us for a new one.\n\n" +
		"This link is yours alone: it was sent only to this address and nobody else, not even the person who asked for it, can see it. " +
		"Do not forward it, since whoever has it can change your choices until it expires.\n\n" +
		"If you did not expect this message, you can ignore it: nothing changes unless you open the link and save.\n"
}

// queueOne inserts one message to one person, sealed under their key.
func (s *Service) queueOne(ctx context.Context, tx *store.Tx, q *Queued, listID, subjectID, addr string, msg []byte, createdBy string) error {
	id := store.NewID()
	to, err := json.Marshal([]string{addr})
	if err != nil {
		return err
	}
	sealedTo, err := s.seal(ctx, subjectID, id, "rcpt", to)
	if err != nil {
		return err
	}
	sealedMsg, err := s.seal(ctx, subjectID, id, "message", msg)
	if err != nil {
		return err
	}
	now := store.Millis(tx.Now())
	_, err = tx.ExecContext(ctx, `INSERT INTO outbox (id, batch_id, list_id, class, mode, subject_id, recipients, rcpt, message, status,
		attempts, next_attempt_at, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, 1, $7, $8, 'queued', 0, $9, $10, $11)`,
		id, q.BatchID, listID, string(q.Class), string(q.Mode), subjectID, sealedTo, sealedMsg, now, createdBy, now)
	if err != nil {
		return fmt.Errorf("queue message: %w", err)
	}
	return nil
}
