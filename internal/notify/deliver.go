package notify

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/stewardhq/steward/internal/access"
	"github.com/stewardhq/steward/internal/apperr"
	"github.com/stewardhq/steward/internal/consent"
	"github.com/stewardhq/steward/internal/store"
	"github.com/stewardhq/steward/internal/vault"
)

// Round is what one delivery round did.
type Round struct {
	Sent, Retrying, Failed, Suppressed, Dropped int
}

// maxBackoff caps the wait between attempts.
const maxBackoff = 6 * time.Hour

// backoff is the wait after the n-th failed attempt (n from 1).
func (s *Service) backoff(n int) time.Duration {
	d := s.cfg.Backoff
	for i := 1; i < n && d < maxBackoff; i++ {
		d *= 2
	}
	return min(d, maxBackoff)
}

type due struct {
	id, subjectID, class, status string
	next                         int64
	rcpt, msg                    []byte
	attempts                     int
}

// Deliver runs one delivery round: every message due is claimed, sent,
// and recorded as sent, to retry later (after a growing wait) or failed
// (a permanent refusal, or MaxAttempts reached). A marketing message whose
// recipient is now suppressed is not sent. Bodies past their retention are
// dropped. It acts as Steward itself; without a mail server it only drops
// old bodies and returns ErrNoMailer.
func (s *Service) Deliver(ctx context.Context) (Round, error) {
	ctx = senderContext(ctx)
	var r Round
	dropped, err := s.dropBodies(ctx)
	r.Dropped = dropped
	if err != nil {
		return r, err
	}
	if s.mailer == nil {
		return r, ErrNoMailer
	}
	if s.from == nil {
		return r, errors.New("notify: a mail server is set but no sender address (--smtp-from)")
	}
	now := s.db.Now()
	rows, err := s.db.Q(ctx).QueryContext(ctx, `SELECT id, COALESCE(subject_id, ''), class, status, next_attempt_at, rcpt, message, attempts FROM outbox
		WHERE status IN ('queued', 'sending') AND next_attempt_at <= $1 ORDER BY next_attempt_at, id LIMIT $2`, store.Millis(now), s.cfg.Batch)
	if err != nil {
		return r, fmt.Errorf("read the outbox: %w", err)
	}
	var list []due
	for rows.Next() {
		var d due
		if err := rows.Scan(&d.id, &d.subjectID, &d.class, &d.status, &d.next, &d.rcpt, &d.msg, &d.attempts); err != nil {
			rows.Close()
			return r, err
		}
		list = append(list, d)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return r, err
	}
	for _, d := range list {
		if err := s.deliverOne(ctx, d, &r); err != nil {
			return r, err
		}
	}
	return r, nil
}

// claim marks a message as being sent, with a lease: a server that dies
// mid-delivery leaves it to be taken again when the lease ends.
func (s *Service) claim(ctx context.Context, d due) (bool, error) {
	var ok bool
	err := s.db.InTx(ctx, func(ctx context.Context, tx *store.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE outbox SET status = 'sending', next_attempt_at = $1 WHERE id = $2 AND status = $3 AND next_attempt_at = $4`,
			store.Millis(tx.Now().Add(s.leaseFor)), d.id, d.status, d.next)
		if err != nil {
			return fmt.Errorf("claim message: %w", err)
		}
		n, _ := res.RowsAffected()
		ok = n == 1
		return nil
	})
	return ok, err
}

// finish records the outcome of one attempt and audits it.
func (s *Service) finish(ctx context.Context, d due, status Status, attempts int, next time.Time, lastErr string, dropBody bool) error {
	return s.db.InTx(ctx, func(ctx context.Context, tx *store.Tx) error {
		var sentAt, dropped sql.NullInt64
		now := store.Millis(tx.Now())
		if status == StatusSent {
			sentAt = sql.NullInt64{Int64: now, Valid: true}
		}
		q := `UPDATE outbox SET status = $1, attempts = $2, next_attempt_at = $3, last_error = $4, sent_at = $5 WHERE id = $6`
		args := []any{string(status), attempts, store.Millis(next), lastErr, sentAt, d.id}
		if dropBody {
			dropped = sql.NullInt64{Int64: now, Valid: true}
			q = `UPDATE outbox SET status = $1, attempts = $2, next_attempt_at = $3, last_error = $4, sent_at = $5, rcpt = NULL, message = NULL, body_dropped_at = $7 WHERE id = $6`
			args = append(args, dropped)
		}
		if _, err := tx.ExecContext(ctx, q, args...); err != nil {
			return fmt.Errorf("record delivery: %w", err)
		}
		if status == StatusQueued {
			return nil
		}
		return s.record(ctx, "outbox."+string(status), d.id, d.subjectID, map[string]string{"class": d.class, "attempts": strconv.Itoa(attempts)})
	})
}

func (s *Service) deliverOne(ctx context.Context, d due, r *Round) error {
	ok, err := s.claim(ctx, d)
	if err != nil || !ok {
		return err
	}
	if d.status == string(StatusSending) {
		// A server stopped while sending it and its lease ran out: that
		// attempt counts, so a message that stops the server every time
		// is not sent again and again for ever.
		d.attempts++
		if d.attempts >= s.cfg.MaxAttempts {
			r.Failed++
			return s.finish(ctx, d, StatusFailed, d.attempts, s.db.Now(), "the delivery was interrupted (Steward stopped while sending) too many times; it may or may not have arrived", false)
		}
	}
	rcptJSON, err := s.open(ctx, d.subjectID, d.id, "rcpt", d.rcpt)
	if errors.Is(err, vault.ErrShredded) {
		r.Failed++
		return s.finish(ctx, d, StatusFailed, d.attempts, s.db.Now(), "the recipient was erased before the message left", true)
	}
	if err != nil {
		return err
	}
	msg, err := s.open(ctx, d.subjectID, d.id, "message", d.msg)
	if err != nil {
		return err
	}
	var rcpt []string
	if err := json.Unmarshal(rcptJSON, &rcpt); err != nil {
		return fmt.Errorf("decode recipients of message %s: %w", d.id, err)
	}
	if Class(d.class) == ClassMarketing {
		// Checked again as the message leaves: an objection made since
		// it was queued stops it.
		checks := make([]consent.Identifiers, len(rcpt))
		for i, a := range rcpt {
			checks[i] = consent.Identifiers{Email: a}
		}
		sup, err := s.sup.SuppressedEach(ctx, consent.PurposeMarketing, checks)
		if err != nil {
			return err
		}
		kept := rcpt[:0]
		for i, a := range rcpt {
			if !sup[i] {
				kept = append(kept, a)
			}
		}
		if len(kept) == 0 {
			r.Suppressed++
			return s.finish(ctx, d, StatusSuppressed, d.attempts, s.db.Now(), "", true)
		}
		rcpt = kept
	}
	attempts := d.attempts + 1
	err = s.mailer.Send(ctx, s.from.Address, rcpt, msg)
	if err == nil {
		r.Sent++
		return s.finish(ctx, d, StatusSent, attempts, s.db.Now(), "", false)
	}
	safe, permanent := safeError(err)
	s.log.WarnContext(ctx, "email delivery failed", "message", d.id, "attempt", attempts, "reason", safe)
	if permanent || attempts >= s.cfg.MaxAttempts {
		r.Failed++
		return s.finish(ctx, d, StatusFailed, attempts, s.db.Now(), safe, false)
	}
	r.Retrying++
	return s.finish(ctx, d, StatusQueued, attempts, s.db.Now().Add(s.backoff(attempts)), safe, false)
}

// dropBodies drops the bodies and addresses of messages sent, failed or
// suppressed more than KeepBodies ago; the rows stay.
func (s *Service) dropBodies(ctx context.Context) (int, error) {
	var n int64
	err := s.db.InTx(ctx, func(ctx context.Context, tx *store.Tx) error {
		now := tx.Now()
		cut := store.Millis(now.Add(-s.cfg.KeepBodies))
		res, err := tx.ExecContext(ctx, `UPDATE outbox SET rcpt = NULL, message = NULL, body_dropped_at = $1
			WHERE (message IS NOT NULL OR rcpt IS NOT NULL) AND status IN ('sent', 'failed', 'suppressed') AND COALESCE(sent_at, created_at) < $2`, store.Millis(now), cut)
		if err != nil {
			return fmt.Errorf("drop old message bodies: %w", err)
		}
		n, _ = res.RowsAffected()
		if n == 0 {
			return nil
		}
		return s.record(ctx, "outbox.bodies_dropped", "", "", map[string]string{"count": strconv.FormatInt(n, 10)})
	})
	return int(n), err
}

// Run delivers every interval until ctx ends. Errors are logged and the
// loop goes on.
func (s *Service) Run(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if r, err := s.Deliver(ctx); err != nil && !errors.Is(err, ErrNoMailer) && ctx.Err() == nil {
			s.log.ErrorContext(ctx, "outbox delivery round", "err", err)
		} else if r.Sent+r.Failed+r.Retrying+r.Suppressed > 0 {
			s.log.InfoContext(ctx, "outbox delivery round", "sent", r.Sent, "retrying", r.Retrying, "failed", r.Failed, "suppressed", r.Suppressed)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Batch is one group email as the outbox page shows it.
type Batch struct {
	ID         string    `json:"id"`
	ListID     string    `json:"list_id"`
	Class      Class     `json:"class"`
	Mode       Mode      `json:"mode"`
	CreatedBy  string    `json:"created_by"`
	CreatedAt  time.Time `json:"created_at"`
	Recipients int       `json:"recipients"`
	Queued     int       `json:"queued"`
	Sent       int       `json:"sent"`
	Failed     int       `json:"failed"`
	Suppressed int       `json:"suppressed"`
	// LastError is the latest failure, in words holding no address.
	LastError string `json:"last_error,omitempty"`
}

// Batches lists group emails, newest first: the actor's own, or everyone's
// for the DPO (audit:read). No address or content is read.
func (s *Service) Batches(ctx context.Context) ([]Batch, error) {
	a, err := access.Require(ctx, access.PermListsRequest)
	if err != nil {
		return nil, err
	}
	q := `SELECT batch_id, MIN(list_id), MIN(class), MIN(mode), MIN(created_by), MIN(created_at), SUM(recipients),
		SUM(CASE WHEN status IN ('queued', 'sending') THEN 1 ELSE 0 END), SUM(CASE WHEN status = 'sent' THEN recipients ELSE 0 END),
		SUM(CASE WHEN status = 'failed' THEN 1 ELSE 0 END), SUM(CASE WHEN status = 'suppressed' THEN 1 ELSE 0 END), MAX(last_error)
		FROM outbox`
	var args []any
	if !a.Can(access.PermAuditRead) {
		q += ` WHERE created_by = $1`
		args = append(args, a.AccountID)
	}
	q += ` GROUP BY batch_id ORDER BY MIN(created_at) DESC LIMIT 200`
	rows, err := s.db.Q(ctx).QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("list the outbox: %w", err)
	}
	defer rows.Close()
	var out []Batch
	for rows.Next() {
		var b Batch
		var created int64
		var class, mode string
		if err := rows.Scan(&b.ID, &b.ListID, &class, &mode, &b.CreatedBy, &created, &b.Recipients, &b.Queued, &b.Sent, &b.Failed, &b.Suppressed, &b.LastError); err != nil {
			return nil, err
		}
		b.Class, b.Mode, b.CreatedAt = Class(class), Mode(mode), store.FromMillis(created)
		out = append(out, b)
	}
	return out, rows.Err()
}

// MessageStatus is one message's state, for tests and the API: no address or
// content.
type MessageStatus struct {
	ID        string `json:"id"`
	SubjectID string `json:"subject_id,omitempty"`
	Status    Status `json:"status"`
	Attempts  int    `json:"attempts"`
	LastError string `json:"last_error,omitempty"`
	HasBody   bool   `json:"has_body"`
}

// Messages lists the messages of a batch the actor may see.
func (s *Service) Messages(ctx context.Context, batchID string) ([]MessageStatus, error) {
	a, err := access.Require(ctx, access.PermListsRequest)
	if err != nil {
		return nil, err
	}
	q := `SELECT id, COALESCE(subject_id, ''), status, attempts, last_error, message IS NOT NULL FROM outbox WHERE batch_id = $1`
	args := []any{batchID}
	if !a.Can(access.PermAuditRead) {
		q += ` AND created_by = $2`
		args = append(args, a.AccountID)
	}
	rows, err := s.db.Q(ctx).QueryContext(ctx, q+` ORDER BY id`, args...)
	if err != nil {
		return nil, fmt.Errorf("list messages: %w", err)
	}
	defer rows.Close()
	var out []MessageStatus
	for rows.Next() {
		var m MessageStatus
		var st string
		if err := rows.Scan(&m.ID, &m.SubjectID, &st, &m.Attempts, &m.LastError, &m.HasBody); err != nil {
			return nil, err
		}
		m.Status = Status(st)
		out = append(out, m)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, apperr.New(apperr.NotFound, "No group email with id %q.", batchID)
	}
	return out, nil
}

func nullStr(s string) sql.NullString { return sql.NullString{String: s, Valid: s != ""} }
