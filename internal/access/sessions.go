package access

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/stewardhq/steward/internal/apperr"
	"github.com/stewardhq/steward/internal/store"
)

// touchEvery limits last-seen writes to one a minute per session: the idle
// time-out is 30 minutes, so finer tracking buys nothing.
const touchEvery = time.Minute

func errSessionEnded() error {
	return apperr.New(apperr.Unauthenticated, "Your session has ended. Please sign in again.")
}

// SessionActor returns the actor of a live session and keeps it alive.
// Sessions end after the idle time-out or the absolute one, whichever is
// first.
func (s *Service) SessionActor(ctx context.Context, token string) (*Actor, error) {
	if !strings.HasPrefix(token, "sts_") || len(token) > 100 {
		return nil, errSessionEnded()
	}
	hash := hashSecret(token)
	var accountID string
	var lastSeen, expires int64
	err := s.db.Q(ctx).QueryRowContext(ctx, `SELECT account_id, last_seen_at, expires_at FROM sessions WHERE token_hash = $1`, hash).Scan(&accountID, &lastSeen, &expires)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errSessionEnded()
	}
	if err != nil {
		return nil, fmt.Errorf("load session: %w", err)
	}
	now := s.db.Now()
	if now.After(store.FromMillis(expires)) || now.Sub(store.FromMillis(lastSeen)) > s.cfg.IdleTimeout {
		_ = s.db.InTx(ctx, func(ctx context.Context, tx *store.Tx) error {
			_, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE token_hash = $1`, hash)
			return err
		})
		return nil, errSessionEnded()
	}
	r, err := s.loadAccount(ctx, "id = $1", accountID)
	if err != nil {
		return nil, err
	}
	if r.Disabled {
		return nil, errSessionEnded()
	}
	if now.Sub(store.FromMillis(lastSeen)) >= touchEvery {
		err := s.db.InTx(ctx, func(ctx context.Context, tx *store.Tx) error {
			_, err := tx.ExecContext(ctx, `UPDATE sessions SET last_seen_at = $2 WHERE token_hash = $1`, hash, store.Millis(tx.Now()))
			return err
		})
		if err != nil {
			return nil, fmt.Errorf("touch session: %w", err)
		}
	}
	hold, err := s.hold(ctx, r.ID, r.Grants)
	if err != nil {
		return nil, err
	}
	return &Actor{AccountID: r.ID, Username: r.Username, Grants: r.Grants, Via: ViaSession, Hold: hold}, nil
}

// Logout ends a session.
func (s *Service) Logout(ctx context.Context, token string) error {
	return s.db.InTx(ctx, func(ctx context.Context, tx *store.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE token_hash = $1`, hashSecret(token))
		if err != nil {
			return fmt.Errorf("delete session: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil
		}
		return s.record(ctx, "session.logout", "account", ActorID(ctx), nil)
	})
}

// SessionInfo describes one of the actor's own sessions.
type SessionInfo struct {
	CreatedAt time.Time `json:"created_at"`
	LastSeen  time.Time `json:"last_seen_at"`
	ExpiresAt time.Time `json:"expires_at"`
	Current   bool      `json:"current"`
}

// Sessions lists the actor's own open sessions.
func (s *Service) Sessions(ctx context.Context, current string) ([]SessionInfo, error) {
	a, err := Require(ctx, PermSelf)
	if err != nil {
		return nil, err
	}
	cur := hashSecret(current)
	rows, err := s.db.Q(ctx).QueryContext(ctx, `SELECT token_hash, created_at, last_seen_at, expires_at FROM sessions WHERE account_id = $1 ORDER BY created_at DESC`, a.AccountID)
	if err != nil {
		return nil, fmt.Errorf("list sessions: %w", err)
	}
	defer rows.Close()
	var out []SessionInfo
	for rows.Next() {
		var h []byte
		var c, l, e int64
		if err := rows.Scan(&h, &c, &l, &e); err != nil {
			return nil, err
		}
		out = append(out, SessionInfo{CreatedAt: store.FromMillis(c), LastSeen: store.FromMillis(l), ExpiresAt: store.FromMillis(e), Current: string(h) == string(cur)})
	}
	return out, rows.Err()
}

// EndOtherSessions signs the actor out everywhere but here.
func (s *Service) EndOtherSessions(ctx context.Context, current string) (int64, error) {
	a, err := Require(ctx, PermSelf)
	if err != nil {
		return 0, err
	}
	var n int64
	err = s.db.InTx(ctx, func(ctx context.Context, tx *store.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE account_id = $1 AND token_hash <> $2`, a.AccountID, hashSecret(current))
		if err != nil {
			return fmt.Errorf("end sessions: %w", err)
		}
		n, _ = res.RowsAffected()
		return s.record(ctx, "session.end_others", "account", a.AccountID, map[string]string{"ended": fmt.Sprint(n)})
	})
	return n, err
}
