package access

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/stewardhq/steward/internal/apperr"
	"github.com/stewardhq/steward/internal/store"
)

// Token is a personal access token for the API, shown without its secret.
type Token struct {
	ID          string       `json:"id"`
	Name        string       `json:"name"`
	Permissions []Permission `json:"permissions,omitempty" doc:"The permissions the token is limited to; absent means all of the account's."`
	CreatedAt   time.Time    `json:"created_at"`
	ExpiresAt   time.Time    `json:"expires_at"`
	RevokedAt   time.Time    `json:"revoked_at,omitzero"`
	LastUsed    time.Time    `json:"last_used_at,omitzero"`
}

// Active reports whether the token can still be used at t.
func (t Token) Active(now time.Time) bool { return t.RevokedAt.IsZero() && now.Before(t.ExpiresAt) }

// CreateToken issues a token for the actor's own account, limited to perms
// (all of the account's when empty). The secret is returned once and only
// its hash is kept.
func (s *Service) CreateToken(ctx context.Context, name string, ttl time.Duration, perms []Permission) (string, *Token, error) {
	a, err := Require(ctx, PermSelf)
	if err != nil {
		return "", nil, err
	}
	if a.Via == ViaToken {
		return "", nil, apperr.New(apperr.Forbidden, "A token cannot create tokens; sign in to the web pages to make one.")
	}
	name = strings.TrimSpace(name)
	if name == "" || utf8.RuneCountInString(name) > 100 {
		return "", nil, apperr.New(apperr.Invalid, "Give the token a name of 1 to 100 characters, saying what will use it.")
	}
	if ttl <= 0 || ttl > s.cfg.TokenMaxTTL {
		return "", nil, apperr.New(apperr.Invalid, "A token must expire within %d days.", int(s.cfg.TokenMaxTTL.Hours()/24))
	}
	held := a.Permissions()
	for _, p := range perms {
		if p != PermSelf && !slices.Contains(held, p) {
			return "", nil, apperr.New(apperr.Invalid, "You cannot give a token the permission %q: your roles do not include it.", p)
		}
	}
	secret, hash, err := newSecret("stp_")
	if err != nil {
		return "", nil, err
	}
	t := &Token{ID: store.NewID(), Name: name, Permissions: perms}
	err = s.db.InTx(ctx, func(ctx context.Context, tx *store.Tx) error {
		t.CreatedAt = tx.Now()
		t.ExpiresAt = tx.Now().Add(ttl)
		if _, err := tx.ExecContext(ctx, `INSERT INTO api_tokens (id, account_id, name, permissions, token_hash, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
			t.ID, a.AccountID, name, joinPerms(perms), hash, store.Millis(t.CreatedAt), store.Millis(t.ExpiresAt)); err != nil {
			return fmt.Errorf("insert token: %w", err)
		}
		return s.record(ctx, "token.create", "api_token", t.ID, map[string]string{"days": fmt.Sprint(int(ttl.Hours() / 24))})
	})
	if err != nil {
		return "", nil, err
	}
	return secret, t, nil
}

// Tokens lists the actor's own tokens.
func (s *Service) Tokens(ctx context.Context) ([]Token, error) {
	a, err := Require(ctx, PermSelf)
	if err != nil {
		return nil, err
	}
	rows, err := s.db.Q(ctx).QueryContext(ctx, `SELECT id, name, permissions, created_at, expires_at, revoked_at, last_used_at FROM api_tokens WHERE account_id = $1 ORDER BY created_at DESC`, a.AccountID)
	if err != nil {
		return nil, fmt.Errorf("list tokens: %w", err)
	}
	defer rows.Close()
	var out []Token
	for rows.Next() {
		var t Token
		var c, e int64
		var r, l sql.NullInt64
		var perms string
		if err := rows.Scan(&t.ID, &t.Name, &perms, &c, &e, &r, &l); err != nil {
			return nil, err
		}
		t.Permissions = splitPerms(perms)
		t.CreatedAt, t.ExpiresAt, t.RevokedAt, t.LastUsed = store.FromMillis(c), store.FromMillis(e), store.NullMillis(r), store.NullMillis(l)
		out = append(out, t)
	}
	return out, rows.Err()
}

// RevokeToken revokes one of the actor's own tokens.
func (s *Service) RevokeToken(ctx context.Context, id string) error {
	a, err := Require(ctx, PermSelf)
	if err != nil {
		return err
	}
	if a.Via == ViaToken && len(a.TokenPerms) > 0 {
		// A limited (say read-only) token must not be able to switch off
		// the account's other tokens.
		return apperr.New(apperr.Forbidden, "A limited token cannot revoke tokens; use the account settings page.")
	}
	if !store.ValidID(id) {
		return apperr.New(apperr.NotFound, "No token with id %q.", id)
	}
	return s.db.InTx(ctx, func(ctx context.Context, tx *store.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE api_tokens SET revoked_at = $3 WHERE id = $1 AND account_id = $2 AND revoked_at IS NULL`, id, a.AccountID, store.Millis(tx.Now()))
		if err != nil {
			return fmt.Errorf("revoke token: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return apperr.New(apperr.NotFound, "No active token of yours with id %q.", id)
		}
		return s.record(ctx, "token.revoke", "api_token", id, nil)
	})
}

func errBadToken() error {
	return apperr.New(apperr.Unauthenticated, "The API token is not valid: it may be mistyped, expired or revoked. Create a new one under Account settings.")
}

// TokenActor returns the actor of a valid token and notes its use.
func (s *Service) TokenActor(ctx context.Context, secret string) (*Actor, error) {
	if !strings.HasPrefix(secret, "stp_") || len(secret) > 100 {
		return nil, errBadToken()
	}
	var id, accountID, perms string
	var expires int64
	var revoked, lastUsed sql.NullInt64
	err := s.db.Q(ctx).QueryRowContext(ctx, `SELECT id, account_id, permissions, expires_at, revoked_at, last_used_at FROM api_tokens WHERE token_hash = $1`, hashSecret(secret)).
		Scan(&id, &accountID, &perms, &expires, &revoked, &lastUsed)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errBadToken()
	}
	if err != nil {
		return nil, fmt.Errorf("load token: %w", err)
	}
	now := s.db.Now()
	if revoked.Valid || !now.Before(store.FromMillis(expires)) {
		return nil, errBadToken()
	}
	r, err := s.loadAccount(ctx, "id = $1", accountID)
	if err != nil {
		return nil, err
	}
	if r.Disabled {
		return nil, errBadToken()
	}
	if !lastUsed.Valid || now.Sub(store.FromMillis(lastUsed.Int64)) >= touchEvery {
		err := s.db.InTx(ctx, func(ctx context.Context, tx *store.Tx) error {
			_, err := tx.ExecContext(ctx, `UPDATE api_tokens SET last_used_at = $2 WHERE id = $1`, id, store.Millis(tx.Now()))
			return err
		})
		if err != nil {
			return nil, fmt.Errorf("note token use: %w", err)
		}
	}
	hold, err := s.hold(ctx, r.ID, r.Grants)
	if err != nil {
		return nil, err
	}
	return &Actor{AccountID: r.ID, Username: r.Username, Grants: r.Grants, Via: ViaToken, TokenPerms: splitPerms(perms), Hold: hold}, nil
}

func joinPerms(ps []Permission) string {
	s := make([]string, len(ps))
	for i, p := range ps {
		s[i] = string(p)
	}
	return strings.Join(s, ",")
}

func splitPerms(s string) []Permission {
	if s == "" {
		return nil
	}
	var out []Permission
	for _, p := range strings.Split(s, ",") {
		out = append(out, Permission(p))
	}
	return out
}
