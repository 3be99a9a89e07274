package access

import (
	"context"
	"fmt"
	"time"

	"github.com/stewardhq/steward/internal/apperr"
	"github.com/stewardhq/steward/internal/store"
)

// SettingDemoTOTPOff is the settings row that lets demo accounts log in
// without a second factor. Only `steward demo` sets it; pages say so.
const SettingDemoTOTPOff = "demo_totp_off"

// errLogin is the one message for every wrong credential, so a failed login
// does not tell which part was wrong or whether the account exists.
func errLogin() error {
	return apperr.New(apperr.Unauthenticated, "Wrong username, password or code.")
}

// LoginResult is a new session.
type LoginResult struct {
	Token     string
	Actor     *Actor
	ExpiresAt time.Time
}

// DemoTOTPOff reports whether this installation is a demo with the second
// factor switched off.
func (s *Service) DemoTOTPOff(ctx context.Context) bool {
	var v string
	err := s.db.Q(ctx).QueryRowContext(ctx, `SELECT value FROM settings WHERE name = $1`, SettingDemoTOTPOff).Scan(&v)
	return err == nil && v == "true"
}

// Login checks a username, password and (where needed) TOTP code, and opens
// a session. Failures count towards a lockout and are audited; the audit
// event names the account only when it exists, never the typed username.
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
	now := s.db.Now()
	if r.LockedUntil.After(now) {
		if err := s.db.InTx(ctx, func(ctx context.Context, tx *store.Tx) error {
			return s.record(WithActor(ctx, &Actor{AccountID: r.ID}), "session.login_refused", "account", r.ID, map[string]string{"reason": "locked"})
		}); err != nil {
			return nil, err
		}
		return nil, apperr.New(apperr.TooMany, "This account is locked after repeated failed sign-ins. Try again after %s (UTC), or ask an administrator.", r.LockedUntil.Format("15:04"))
	}
	if r.Disabled {
		_, _ = VerifyPassword(password, s.dummyHash())
		return nil, s.loginFailed(ctx, r.ID, "disabled")
	}
	ok, err := VerifyPassword(password, r.passwordHash)
	if err != nil {
		return nil, fmt.Errorf("verify password of %s: %w", r.ID, err)
	}
	if !ok {
		return nil, s.countFailure(ctx, r, "password")
	}
	needTOTP := r.NeedsTOTP() && !s.DemoTOTPOff(ctx)
	step := r.totpLastStep
	if needTOTP || code != "" {
		if !r.TOTP {
			return nil, apperr.New(apperr.Forbidden, "Your role needs a second factor, but no authenticator is set up for this account. Ask an administrator to run `steward user totp-reset %s`.", r.Username)
		}
		secret, err := s.seal.OpenSystem(totpField(r.ID), r.totpSealed)
		if err != nil {
			return nil, fmt.Errorf("open totp secret of %s: %w", r.ID, err)
		}
		matched, ok := checkTOTP(string(secret), code, now, r.totpLastStep)
		if !ok {
			if code == "" {
				return nil, apperr.New(apperr.Unauthenticated, "Enter the 6-digit code from your authenticator app.")
			}
			return nil, s.countFailure(ctx, r, "totp")
		}
		step = matched
	}
	token, hash, err := newSecret("sts_")
	if err != nil {
		return nil, err
	}
	res := &LoginResult{Token: token, Actor: &Actor{AccountID: r.ID, Username: r.Username, Grants: r.Grants, Via: ViaSession}}
	err = s.db.InTx(ctx, func(ctx context.Context, tx *store.Tx) error {
		now := tx.Now()
		res.ExpiresAt = now.Add(s.cfg.AbsoluteTimeout)
		if _, err := tx.ExecContext(ctx, `UPDATE accounts SET failed_logins = 0, locked_until = 0, totp_last_step = $2 WHERE id = $1`, r.ID, step); err != nil {
			return fmt.Errorf("reset failures: %w", err)
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
		return s.record(WithActor(ctx, res.Actor), "session.login", "account", r.ID, map[string]string{"second_factor": fmt.Sprint(step != r.totpLastStep)})
	})
	if err != nil {
		return nil, err
	}
	return res, nil
}

// loginFailed audits a failure that cannot be pinned on an account.
func (s *Service) loginFailed(ctx context.Context, accountID, reason string) error {
	err := s.db.InTx(ctx, func(ctx context.Context, tx *store.Tx) error {
		return s.record(WithActor(ctx, &Actor{AccountID: accountID}), "session.login_failed", "account", accountID, map[string]string{"reason": reason})
	})
	if err != nil {
		return err
	}
	return errLogin()
}

// countFailure records a wrong password or code against the account and
// locks it when the limit is reached. It commits even though the login
// fails: that is the point.
func (s *Service) countFailure(ctx context.Context, r *accountRow, reason string) error {
	locked := false
	err := s.db.InTx(ctx, func(ctx context.Context, tx *store.Tx) error {
		var failed int
		if err := tx.QueryRowContext(ctx, `UPDATE accounts SET failed_logins = failed_logins + 1 WHERE id = $1 RETURNING failed_logins`, r.ID).Scan(&failed); err != nil {
			return fmt.Errorf("count failure: %w", err)
		}
		actx := WithActor(ctx, &Actor{AccountID: r.ID})
		if err := s.record(actx, "session.login_failed", "account", r.ID, map[string]string{"reason": reason, "failures": fmt.Sprint(failed)}); err != nil {
			return err
		}
		if failed >= s.cfg.MaxFailures {
			locked = true
			until := tx.Now().Add(s.cfg.Lockout)
			if _, err := tx.ExecContext(ctx, `UPDATE accounts SET locked_until = $2, failed_logins = 0 WHERE id = $1`, r.ID, store.Millis(until)); err != nil {
				return fmt.Errorf("lock account: %w", err)
			}
			return s.record(actx, "account.locked", "account", r.ID, map[string]string{"minutes": fmt.Sprint(int(s.cfg.Lockout.Minutes()))})
		}
		return nil
	})
	if err != nil {
		return err
	}
	if locked {
		return apperr.New(apperr.TooMany, "Too many failed sign-ins: this account is locked for %d minutes.", int(s.cfg.Lockout.Minutes()))
	}
	return errLogin()
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
		if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE account_id = $1`, acc.ID); err != nil {
			return fmt.Errorf("end sessions: %w", err)
		}
		return s.record(ctx, "account.totp_reset", "account", acc.ID, nil)
	})
	if err != nil {
		return nil, err
	}
	return &NewAccount{Account: acc, TOTPSecret: secret, TOTPURL: TOTPURL(s.cfg.Issuer, acc.Username, secret)}, nil
}

// RecordSetting audits a change of an installation setting made by the
// caller in ctx's transaction.
func (s *Service) RecordSetting(ctx context.Context, name string) error {
	return s.record(ctx, "settings.update", "setting", name, nil)
}
