package access

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/stewardhq/steward/internal/apperr"
	"github.com/stewardhq/steward/internal/store"
)

// errLogin is the one message for every refused sign-in: a wrong
// username, password or code, a missing code, or a locked account. A
// refusal therefore tells a guesser nothing: not which part was wrong, not
// whether the account exists, not whether the password was right.
func errLogin(c Config) error {
	return apperr.New(apperr.Unauthenticated, "Wrong username, password or code. After %d failures in a row an account is locked for %d minutes.",
		c.MaxFailures, int(c.Lockout.Minutes()))
}

// LoginResult is a new session.
type LoginResult struct {
	Token     string
	Actor     *Actor
	ExpiresAt time.Time
}

// DemoTOTPOff reports whether this process runs the demo, where the second
// factor is switched off. It is a property of the process (`steward demo`),
// never of the data, so a restored demo backup cannot switch it off.
func (s *Service) DemoTOTPOff(context.Context) bool { return s.cfg.DemoNoTOTP }

// Login checks a username, password and (where needed) TOTP code, and opens
// a session. Every attempt on an account is counted before the password is
// checked, in its own committed transaction, so parallel guesses cannot
// outrun the lockout: at most MaxFailures passwords are ever checked between
// lockouts. Failures are audited; the event names the account only when it
// exists, never the typed username.
func (s *Service) Login(ctx context.Context, username, password, code string) (*LoginResult, error) {
	u, err := NormaliseUsername(username)
	if err != nil {
		_, _ = VerifyPassword(password, s.dummyHash())
		return nil, s.loginFailed(ctx, "", "malformed_username")
	}
	r, err := s.loadAccount(ctx, "username = $1", u)
	if apperr.Is(err, apperr.NotFound) {
		_, _ = VerifyPassword(password, s.dummyHash())
		return nil, s.loginFailed(ctx, "", "unknown_account")
	}
	if err != nil {
		return nil, err
	}
	attempt, err := s.countAttempt(ctx, r.ID)
	if err != nil {
		return nil, err
	}
	if attempt == 0 || attempt > s.cfg.MaxFailures || r.Disabled {
		// Locked (or disabled): answer as for a wrong password, after the
		// same work, so the answer does not reveal the account.
		_, _ = VerifyPassword(password, s.dummyHash())
		reason := "locked"
		if r.Disabled {
			reason = "disabled"
		}
		return nil, s.refuse(ctx, r.ID, reason, attempt)
	}
	ok, err := VerifyPassword(password, r.passwordHash)
	if err != nil {
		return nil, fmt.Errorf("verify password of %s: %w", r.ID, err)
	}
	if !ok {
		return nil, s.refuse(ctx, r.ID, "password", attempt)
	}
	needTOTP := r.NeedsTOTP() && !s.cfg.DemoNoTOTP
	step := int64(-1)
	if needTOTP || code != "" {
		if !r.TOTP {
			// Answered like any refusal, so it does not confirm the
			// password; the audit event tells an administrator why.
			return nil, s.refuse(ctx, r.ID, "totp_unenrolled", attempt)
		}
		secret, err := s.seal.OpenSystem(totpField(r.ID), r.totpSealed)
		if err != nil {
			return nil, fmt.Errorf("open totp secret of %s: %w", r.ID, err)
		}
		matched, ok := checkTOTP(string(secret), code, s.db.Now(), r.totpLastStep)
		if !ok {
			reason := "totp"
			if code == "" {
				reason = "totp_missing"
			}
			return nil, s.refuse(ctx, r.ID, reason, attempt)
		}
		step = matched
	}
	token, hash, err := newSecret("sts_")
	if err != nil {
		return nil, err
	}
	hold, err := s.hold(ctx, r.ID, r.Grants)
	if err != nil {
		return nil, err
	}
	res := &LoginResult{Token: token, Actor: &Actor{AccountID: r.ID, Username: r.Username, Grants: r.Grants, Via: ViaSession, Hold: hold}}
	err = s.db.InTx(ctx, func(ctx context.Context, tx *store.Tx) error {
		now := tx.Now()
		res.ExpiresAt = now.Add(s.cfg.AbsoluteTimeout)
		// The conditions make the success atomic with respect to parallel
		// attempts: not if a lockout began meanwhile, and a TOTP step is
		// spent once even when two requests carry the same code.
		q := `UPDATE accounts SET failed_logins = 0 WHERE id = $1 AND locked_until <= $2`
		args := []any{r.ID, store.Millis(now)}
		if step >= 0 {
			q = `UPDATE accounts SET failed_logins = 0, totp_last_step = $3 WHERE id = $1 AND locked_until <= $2 AND totp_last_step < $3`
			args = append(args, step)
		}
		res2, err := tx.ExecContext(ctx, q, args...)
		if err != nil {
			return fmt.Errorf("reset failures: %w", err)
		}
		if n, _ := res2.RowsAffected(); n != 1 {
			return errLogin(s.cfg)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO sessions (token_hash, account_id, created_at, last_seen_at, expires_at) VALUES ($1, $2, $3, $3, $4)`,
			hash, r.ID, store.Millis(now), store.Millis(res.ExpiresAt)); err != nil {
			return fmt.Errorf("insert session: %w", err)
		}
		// Expired sessions of anyone are swept here, the one write path
		// every server takes, rather than needing a scheduler.
		if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE expires_at < $1 OR last_seen_at < $2`, store.Millis(now), store.Millis(now.Add(-s.cfg.IdleTimeout))); err != nil {
			return fmt.Errorf("sweep sessions: %w", err)
		}
		return s.record(WithActor(ctx, res.Actor), "session.login", "account", r.ID, map[string]string{"second_factor": fmt.Sprint(step >= 0)})
	})
	if err != nil {
		return nil, err
	}
	return res, nil
}

// countAttempt records an attempt on an account that is not locked and
// returns its number since the last success, or 0 when the account is
// locked. It commits at once so that parallel attempts see each other.
func (s *Service) countAttempt(ctx context.Context, accountID string) (int, error) {
	n := 0
	err := s.db.InTx(ctx, func(ctx context.Context, tx *store.Tx) error {
		err := tx.QueryRowContext(ctx, `UPDATE accounts SET failed_logins = failed_logins + 1 WHERE id = $1 AND locked_until <= $2 RETURNING failed_logins`,
			accountID, store.Millis(tx.Now())).Scan(&n)
		if errors.Is(err, sql.ErrNoRows) {
			n = 0
			return nil
		}
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("count sign-in attempt: %w", err)
	}
	return n, nil
}

// loginFailed audits a failure that cannot be pinned on an account.
func (s *Service) loginFailed(ctx context.Context, accountID, reason string) error {
	err := s.db.InTx(ctx, func(ctx context.Context, tx *store.Tx) error {
		return s.record(WithActor(ctx, &Actor{AccountID: accountID}), "session.login_failed", "account", accountID, map[string]string{"reason": reason})
	})
	if err != nil {
		return err
	}
	return errLogin(s.cfg)
}

// refuse audits a refused attempt on an existing account, already counted
// by countAttempt, and starts a lockout when this attempt reached the limit.
// It commits even though the sign-in fails: that is the point. The account
// row is written before the audit event, the same order as every other
// path, so that on PostgreSQL two sign-ins never wait on each other's locks
// in opposite orders.
func (s *Service) refuse(ctx context.Context, accountID, reason string, attempt int) error {
	err := s.db.InTx(ctx, func(ctx context.Context, tx *store.Tx) error {
		actx := WithActor(ctx, &Actor{AccountID: accountID})
		if attempt == 0 {
			return s.record(actx, "session.login_refused", "account", accountID, map[string]string{"reason": reason})
		}
		locked := false
		if attempt >= s.cfg.MaxFailures {
			until := tx.Now().Add(s.cfg.Lockout)
			res, err := tx.ExecContext(ctx, `UPDATE accounts SET locked_until = $2, failed_logins = 0 WHERE id = $1 AND locked_until <= $3`, accountID, store.Millis(until), store.Millis(tx.Now()))
			if err != nil {
				return fmt.Errorf("lock account: %w", err)
			}
			n, _ := res.RowsAffected()
			locked = n == 1 // else a parallel attempt locked it first
		}
		if err := s.record(actx, "session.login_failed", "account", accountID, map[string]string{"reason": reason, "failures": fmt.Sprint(attempt)}); err != nil {
			return err
		}
		if !locked {
			return nil
		}
		return s.record(actx, "account.locked", "account", accountID, map[string]string{"minutes": fmt.Sprint(int(s.cfg.Lockout.Minutes()))})
	})
	if err != nil {
		return err
	}
	return errLogin(s.cfg)
}

// clearAttempts forgets counted attempts once the password was right, so a
// later refusal for another reason (a weak new password, say) never adds up
// to a lockout of someone who knows their password.
func (s *Service) clearAttempts(ctx context.Context, accountID string) error {
	return s.db.InTx(ctx, func(ctx context.Context, tx *store.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE accounts SET failed_logins = 0 WHERE id = $1 AND locked_until <= $2`, accountID, store.Millis(tx.Now()))
		return err
	})
}

// Unlock clears a lockout (admin).
func (s *Service) Unlock(ctx context.Context, username string) error {
	acc, err := s.AccountByUsername(ctx, username)
	if err != nil {
		return err
	}
	return s.db.InTx(ctx, func(ctx context.Context, tx *store.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE accounts SET locked_until = 0, failed_logins = 0 WHERE id = $1`, acc.ID); err != nil {
			return fmt.Errorf("unlock: %w", err)
		}
		return s.record(ctx, "account.unlock", "account", acc.ID, nil)
	})
}

// ResetTOTP gives an account a new TOTP secret (admin), for a lost phone.
func (s *Service) ResetTOTP(ctx context.Context, username string) (*NewAccount, error) {
	acc, err := s.AccountByUsername(ctx, username)
	if err != nil {
		return nil, err
	}
	secret, err := NewTOTPSecret()
	if err != nil {
		return nil, err
	}
	sealed, err := s.seal.SealSystem(totpField(acc.ID), []byte(secret))
	if err != nil {
		return nil, fmt.Errorf("seal totp secret: %w", err)
	}
	err = s.db.InTx(ctx, func(ctx context.Context, tx *store.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE accounts SET totp_secret = $2, totp_last_step = 0 WHERE id = $1`, acc.ID, sealed); err != nil {
			return fmt.Errorf("reset totp: %w", err)
		}
		if err := endAccess(ctx, tx, acc.ID); err != nil {
			return err
		}
		return s.record(ctx, "account.totp_reset", "account", acc.ID, nil)
	})
	if err != nil {
		return nil, err
	}
	return &NewAccount{Account: acc, TOTPSecret: secret, TOTPURL: TOTPURL(s.cfg.Issuer, acc.Username, secret)}, nil
}
