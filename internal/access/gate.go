package access

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/stewardhq/steward/internal/apperr"
	"github.com/stewardhq/steward/internal/store"
)

// Gate decides whether an account's access to personal data is on. It is
// asked each time an actor is built (every request), so it must be cheap.
// A non-empty reason holds the account: its permissions that reach
// personal data stop working, and the reason is what it is told, saying
// why and what to do.
type Gate interface {
	Hold(ctx context.Context, accountID string, grants []Grant) (reason string, err error)
}

// UseGate puts a gate in front of personal data. Without one, roles alone
// decide. Set it once, while wiring, before serving requests.
func (s *Service) UseGate(g Gate) { s.gate = g }

// hold asks the gate, if any, about an account.
func (s *Service) hold(ctx context.Context, accountID string, grants []Grant) (string, error) {
	if s.gate == nil {
		return "", nil
	}
	reason, err := s.gate.Hold(ctx, accountID, grants)
	if err != nil {
		return "", fmt.Errorf("access gate: %w", err)
	}
	return reason, nil
}

// Held reports whether the actor's roles (and token, if any) include p
// but a hold stops it.
func (a *Actor) Held(p Permission) bool {
	if a == nil || a.Hold == "" || !p.PersonalData() || !a.tokenAllows(p) {
		return false
	}
	for _, g := range a.Grants {
		if g.Role.Grants(p) {
			return true
		}
	}
	return false
}

// DeniedMessage is what to tell an actor refused p: the hold's reason when
// a hold is what stops it, otherwise the caller's message.
func (a *Actor) DeniedMessage(p Permission, otherwise string) string {
	if a.Held(p) {
		return a.Hold
	}
	if a != nil && !a.tokenAllows(p) {
		return a.tokenLimit(p)
	}
	return otherwise
}

// tokenLimit says that a limited token stops p.
func (a *Actor) tokenLimit(p Permission) string {
	return fmt.Sprintf("This API token is limited to %s and does not include %q: use a token that does, or create one under Account settings.", joinPerms(a.TokenPerms), p)
}

func mayRunStaff(a *Actor) bool {
	return a.Can(PermGovernanceManage) || a.Can(PermAccountsManage)
}

// Staff lists every account with its roles, for the DPO's onboarding and
// offboarding pages (governance:manage) or an administrator
// (accounts:manage, limited to the accounts they manage).
func (s *Service) Staff(ctx context.Context) ([]Account, error) {
	a := ActorFrom(ctx)
	if a == nil {
		return nil, apperr.New(apperr.Unauthenticated, "Please sign in.")
	}
	if !a.Can(PermGovernanceManage) {
		return s.Accounts(ctx)
	}
	ids, err := store.Strings(ctx, s.db.Q(ctx), `SELECT id FROM accounts ORDER BY username`)
	if err != nil {
		return nil, fmt.Errorf("list accounts: %w", err)
	}
	out := make([]Account, 0, len(ids))
	for _, id := range ids {
		r, err := s.loadAccount(ctx, "id = $1", id)
		if err != nil {
			return nil, err
		}
		out = append(out, r.Account)
	}
	return out, nil
}

// StaffByID returns one account for governance:manage, or for an
// administrator who manages it.
func (s *Service) StaffByID(ctx context.Context, id string) (*Account, error) {
	a := ActorFrom(ctx)
	if a == nil {
		return nil, apperr.New(apperr.Unauthenticated, "Please sign in.")
	}
	if !mayRunStaff(a) {
		return nil, apperr.New(apperr.Forbidden, "Only the DPO (governance:manage) or an administrator (accounts:manage) sees other accounts.")
	}
	if !store.ValidID(id) {
		return nil, apperr.New(apperr.NotFound, "No account with id %q.", id)
	}
	r, err := s.loadAccount(ctx, "id = $1", id)
	if err != nil {
		return nil, err
	}
	if !a.Can(PermGovernanceManage) && !canManage(a, &r.Account) {
		return nil, apperr.New(apperr.NotFound, "No account with id %q.", id)
	}
	return &r.Account, nil
}

// EndStaffAccess ends an account's access at once, in the caller's
// transaction if there is one: every session ends, every token is revoked
// and, with disable, the account can no longer sign in. Offboarding uses
// it when someone leaves the role; the caller records the audit event of
// the leaving, this records the access change.
func (s *Service) EndStaffAccess(ctx context.Context, accountID string, disable bool) error {
	a := ActorFrom(ctx)
	if a == nil {
		return apperr.New(apperr.Unauthenticated, "Please sign in.")
	}
	if !mayRunStaff(a) {
		return apperr.New(apperr.Forbidden, "Only the DPO (governance:manage) or an administrator (accounts:manage) may end another account's access.")
	}
	if accountID == a.AccountID {
		return apperr.New(apperr.Forbidden, "You may not end your own access this way; ask another DPO or administrator.")
	}
	return s.db.InTx(ctx, func(ctx context.Context, tx *store.Tx) error {
		var id string
		err := tx.QueryRowContext(ctx, `SELECT id FROM accounts WHERE id = $1`, accountID).Scan(&id)
		if errors.Is(err, sql.ErrNoRows) {
			return apperr.New(apperr.NotFound, "No account with id %q.", accountID)
		}
		if err != nil {
			return fmt.Errorf("load account: %w", err)
		}
		if err := endAccess(ctx, tx, accountID); err != nil {
			return err
		}
		detail := map[string]string{"disabled": "false"}
		if disable {
			if _, err := tx.ExecContext(ctx, `UPDATE accounts SET disabled_at = $2 WHERE id = $1 AND disabled_at IS NULL`, accountID, store.Millis(tx.Now())); err != nil {
				return fmt.Errorf("disable account: %w", err)
			}
			detail["disabled"] = "true"
		}
		return s.record(ctx, "account.access_end", "account", accountID, detail)
	})
}
