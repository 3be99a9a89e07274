package access

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/stewardhq/steward/internal/apperr"
	"github.com/stewardhq/steward/internal/store"
	"github.com/stewardhq/steward/internal/vault"
)

// Account is a staff or volunteer login.
type Account struct {
	ID          string    `json:"id"`
	Username    string    `json:"username"`
	Grants      []Grant   `json:"grants"`
	TOTP        bool      `json:"totp_enrolled"`
	LockedUntil time.Time `json:"locked_until,omitzero"`
	Disabled    bool      `json:"disabled"`
	CreatedAt   time.Time `json:"created_at"`
}

// NeedsTOTP reports whether the account's roles reach beyond a single
// workplace, which makes a second factor mandatory.
func (a *Account) NeedsTOTP() bool { return grantsNeedTOTP(a.Grants) }

// grantsNeedTOTP is true when the grants reach beyond one workplace: a
// grant above workplace level, or grants on two or more workplaces.
func grantsNeedTOTP(gs []Grant) bool {
	workplace := ""
	for _, g := range gs {
		if g.UnitKind != KindWorkplace {
			return true
		}
		if workplace != "" && g.UnitID != workplace {
			return true
		}
		workplace = g.UnitID
	}
	return false
}

// canManage reports whether the actor manages accounts over everything the
// target account can reach. An account with no grants belongs to whoever
// manages accounts at the top of the tree.
func canManage(a *Actor, target *Account) bool {
	if len(target.Grants) == 0 {
		for _, g := range a.Grants {
			if g.Role.Grants(PermAccountsManage) && strings.Count(g.UnitPath, "/") <= 2 && a.tokenAllows(PermAccountsManage) {
				return true
			}
		}
		return false
	}
	for _, g := range target.Grants {
		if !a.CanIn(PermAccountsManage, g.UnitPath) {
			return false
		}
	}
	return true
}

var usernameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9._@-]{1,63}$`)

// NormaliseUsername lower-cases and validates a username.
func NormaliseUsername(u string) (string, error) {
	u = strings.ToLower(strings.TrimSpace(u))
	if !usernameRE.MatchString(u) {
		return "", apperr.New(apperr.Invalid, "A username is 2 to 64 characters: lower-case letters, digits, and . _ @ - (not first).")
	}
	return u, nil
}

// NewAccount is what CreateAccount returns: the account and the TOTP
// enrolment secret, shown once to the person who will use it.
type NewAccount struct {
	Account    *Account
	TOTPSecret string
	TOTPURL    string
}

func totpField(accountID string) vault.Field {
	return vault.Field{Table: "accounts", Column: "totp_secret", Row: accountID}
}

// CreateAccount adds an account with a password and a fresh TOTP secret and
// no role. Only whoever manages accounts at the top of the tree may: an
// account without a role is outside every narrower scope, so a scoped admin
// would make an account they could never see again. Scoped admins use
// CreateAccountWithRole.
func (s *Service) CreateAccount(ctx context.Context, username, password string) (*NewAccount, error) {
	a, err := Require(ctx, PermAccountsManage)
	if err != nil {
		return nil, err
	}
	if !canManage(a, &Account{}) {
		return nil, apperr.New(apperr.Forbidden, "Give the new account a role on a unit in your scope (--role and --unit).")
	}
	return s.createAccount(ctx, username, password, nil)
}

// CreateAccountWithRole adds an account and its first role, in one
// transaction: a refused role leaves no account behind.
func (s *Service) CreateAccountWithRole(ctx context.Context, username, password string, role Role, unitID string) (*NewAccount, error) {
	if _, err := Require(ctx, PermAccountsManage); err != nil {
		return nil, err
	}
	a := ActorFrom(ctx)
	return s.createAccount(ctx, username, password, func(ctx context.Context, acc *Account) error {
		g, err := s.addGrant(ctx, a, acc, role, unitID)
		if err != nil {
			return err
		}
		acc.Grants = []Grant{*g}
		return nil
	})
}

// createAccount hashes outside the transaction (argon2id takes tens of
// milliseconds, and SQLite has one writer), then inserts the account and
// runs then, if given, in the same transaction.
func (s *Service) createAccount(ctx context.Context, username, password string, then func(context.Context, *Account) error) (*NewAccount, error) {
	username, err := NormaliseUsername(username)
	if err != nil {
		return nil, err
	}
	if err := CheckPasswordPolicy(password, username); err != nil {
		return nil, err
	}
	hash, err := HashPassword(password, s.cfg.Hash)
	if err != nil {
		return nil, err
	}
	secret, err := NewTOTPSecret()
	if err != nil {
		return nil, err
	}
	acc := &Account{ID: store.NewID(), Username: username, TOTP: true}
	sealed, err := s.seal.SealSystem(totpField(acc.ID), []byte(secret))
	if err != nil {
		return nil, fmt.Errorf("seal totp secret: %w", err)
	}
	err = s.db.InTx(ctx, func(ctx context.Context, tx *store.Tx) error {
		acc.CreatedAt = tx.Now()
		now := store.Millis(tx.Now())
		_, err := tx.ExecContext(ctx, `INSERT INTO accounts (id, username, password_hash, totp_secret, created_at, password_changed_at) VALUES ($1, $2, $3, $4, $5, $5)`,
			acc.ID, username, hash, sealed, now)
		if store.IsUniqueViolation(err) {
			return apperr.New(apperr.Conflict, "The username %q is taken; choose another.", username)
		}
		if err != nil {
			return fmt.Errorf("insert account: %w", err)
		}
		if err := s.record(ctx, "account.create", "account", acc.ID, nil); err != nil {
			return err
		}
		if then != nil {
			return then(ctx, acc)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &NewAccount{Account: acc, TOTPSecret: secret, TOTPURL: TOTPURL(s.cfg.Issuer, username, secret)}, nil
}

// accountRow is the stored account with what login needs.
type accountRow struct {
	Account
	passwordHash string
	totpSealed   []byte
	totpLastStep int64
	failed       int
}

func (s *Service) loadAccount(ctx context.Context, where string, arg any) (*accountRow, error) {
	var r accountRow
	var locked int64
	var disabled sql.NullInt64
	var created int64
	err := s.db.Q(ctx).QueryRowContext(ctx, `SELECT id, username, password_hash, totp_secret, totp_last_step, failed_logins, locked_until, disabled_at, created_at FROM accounts WHERE `+where, arg).
		Scan(&r.ID, &r.Username, &r.passwordHash, &r.totpSealed, &r.totpLastStep, &r.failed, &locked, &disabled, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, apperr.New(apperr.NotFound, "No such account.")
	}
	if err != nil {
		return nil, fmt.Errorf("load account: %w", err)
	}
	if locked > 0 {
		r.LockedUntil = store.FromMillis(locked)
	}
	r.Disabled = disabled.Valid
	r.CreatedAt = store.FromMillis(created)
	r.TOTP = len(r.totpSealed) > 0
	r.Grants, err = s.grantsOf(ctx, r.ID)
	if err != nil {
		return nil, err
	}
	return &r, nil
}

func (s *Service) grantsOf(ctx context.Context, accountID string) ([]Grant, error) {
	rows, err := s.db.Q(ctx).QueryContext(ctx, `SELECT g.id, g.role, u.id, u.path, u.name, u.kind FROM grants g JOIN units u ON u.id = g.unit_id WHERE g.account_id = $1 ORDER BY u.path, g.role`, accountID)
	if err != nil {
		return nil, fmt.Errorf("load grants: %w", err)
	}
	defer rows.Close()
	var out []Grant
	for rows.Next() {
		var g Grant
		if err := rows.Scan(&g.ID, &g.Role, &g.UnitID, &g.UnitPath, &g.UnitName, &g.UnitKind); err != nil {
			return nil, fmt.Errorf("scan grant: %w", err)
		}
		out = append(out, g)
	}
	return out, rows.Err()
}

// AccountByUsername returns an account for those who manage accounts over
// all of its scope. Accounts beyond the actor's scope are not found.
func (s *Service) AccountByUsername(ctx context.Context, username string) (*Account, error) {
	a, err := Require(ctx, PermAccountsManage)
	if err != nil {
		return nil, err
	}
	u, err := NormaliseUsername(username)
	if err != nil {
		return nil, err
	}
	r, err := s.loadAccount(ctx, "username = $1", u)
	if apperr.Is(err, apperr.NotFound) {
		return nil, apperr.New(apperr.NotFound, "No account is called %q; `steward user list` shows them.", u)
	}
	if err != nil {
		return nil, err
	}
	if !canManage(a, &r.Account) {
		return nil, apperr.New(apperr.NotFound, "No account is called %q; `steward user list` shows them.", u)
	}
	return &r.Account, nil
}

// Accounts lists the accounts the actor manages (admins: accounts are not
// member data, and managing them is the admin's job).
func (s *Service) Accounts(ctx context.Context) ([]Account, error) {
	a, err := Require(ctx, PermAccountsManage)
	if err != nil {
		return nil, err
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
		if canManage(a, &r.Account) {
			out = append(out, r.Account)
		}
	}
	return out, nil
}

// Grant gives an account a role on a unit. The granter must manage
// accounts over that unit.
func (s *Service) Grant(ctx context.Context, username string, role Role, unitID string) (*Grant, error) {
	a, err := Require(ctx, PermAccountsManage)
	if err != nil {
		return nil, err
	}
	acc, err := s.AccountByUsername(ctx, username)
	if err != nil {
		return nil, err
	}
	return s.addGrant(ctx, a, acc, role, unitID)
}

// addGrant checks and records a grant on an account the actor may manage
// (or has just created).
func (s *Service) addGrant(ctx context.Context, a *Actor, acc *Account, role Role, unitID string) (*Grant, error) {
	if _, ok := ParseRole(string(role)); !ok {
		return nil, apperr.New(apperr.Invalid, "Unknown role %q: use one of dpo, membership, officer, rep, trustee, admin.", role)
	}
	unit, err := s.unitByID(ctx, unitID)
	if err != nil {
		return nil, err
	}
	if !a.CanIn(PermAccountsManage, unit.Path) {
		return nil, apperr.New(apperr.Forbidden, "You may not grant roles on %q.", unit.Name)
	}
	if !mayGrantData(a, role, unit.Path) {
		return nil, apperr.New(apperr.Forbidden, "The role %s reaches personal data, which your own roles on %q do not: it is granted by the operator at the command line, or by someone who holds that access.", role, unit.Name)
	}
	if acc.ID == a.AccountID {
		return nil, apperr.New(apperr.Forbidden, "You may not grant roles to yourself; ask another administrator.")
	}
	g := &Grant{ID: store.NewID(), Role: role, UnitID: unit.ID, UnitPath: unit.Path, UnitName: unit.Name, UnitKind: unit.Kind}
	err = s.db.InTx(ctx, func(ctx context.Context, tx *store.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO grants (id, account_id, role, unit_id, granted_at, granted_by) VALUES ($1, $2, $3, $4, $5, $6)`,
			g.ID, acc.ID, string(role), unit.ID, store.Millis(tx.Now()), ActorID(ctx))
		if store.IsUniqueViolation(err) {
			return apperr.New(apperr.Conflict, "%s already has the role %s on %q.", acc.Username, role, unit.Name)
		}
		if err != nil {
			return fmt.Errorf("insert grant: %w", err)
		}
		// A change of role ends existing sessions and tokens, so the new
		// scope (and any new need for a second factor) applies only after
		// a fresh sign-in.
		if err := endAccess(ctx, tx, acc.ID); err != nil {
			return err
		}
		return s.record(ctx, "account.grant", "account", acc.ID, map[string]string{"role": string(role), "unit_id": unit.ID})
	})
	if err != nil {
		return nil, err
	}
	return g, nil
}

// Revoke removes a role from an account and ends its sessions at once.
func (s *Service) Revoke(ctx context.Context, username string, role Role, unitID string) error {
	a, err := Require(ctx, PermAccountsManage)
	if err != nil {
		return err
	}
	acc, err := s.AccountByUsername(ctx, username)
	if err != nil {
		return err
	}
	unit, err := s.unitByID(ctx, unitID)
	if err != nil {
		return err
	}
	if !a.CanIn(PermAccountsManage, unit.Path) {
		return apperr.New(apperr.Forbidden, "You may not revoke roles on %q.", unit.Name)
	}
	return s.db.InTx(ctx, func(ctx context.Context, tx *store.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM grants WHERE account_id = $1 AND role = $2 AND unit_id = $3`, acc.ID, string(role), unit.ID)
		if err != nil {
			return fmt.Errorf("delete grant: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return apperr.New(apperr.NotFound, "%s does not have the role %s on %q.", acc.Username, role, unit.Name)
		}
		if err := endAccess(ctx, tx, acc.ID); err != nil {
			return err
		}
		return s.record(ctx, "account.revoke", "account", acc.ID, map[string]string{"role": string(role), "unit_id": unit.ID})
	})
}

// Actor builds the actor for an account, as a session or token would.
// The CLI's --as uses it.
func (s *Service) Actor(ctx context.Context, username string, via Via) (*Actor, error) {
	u, err := NormaliseUsername(username)
	if err != nil {
		return nil, err
	}
	r, err := s.loadAccount(ctx, "username = $1", u)
	if apperr.Is(err, apperr.NotFound) {
		return nil, apperr.New(apperr.NotFound, "No account is called %q.", u)
	}
	if err != nil {
		return nil, err
	}
	if r.Disabled {
		return nil, apperr.New(apperr.Forbidden, "The account %q is disabled.", u)
	}
	hold, err := s.hold(ctx, r.ID, r.Grants)
	if err != nil {
		return nil, err
	}
	return &Actor{AccountID: r.ID, Username: r.Username, Grants: r.Grants, Via: via, Hold: hold}, nil
}

// Me returns the signed-in account.
func (s *Service) Me(ctx context.Context) (*Account, error) {
	a, err := Require(ctx, PermSelf)
	if err != nil {
		return nil, err
	}
	r, err := s.loadAccount(ctx, "id = $1", a.AccountID)
	if err != nil {
		return nil, err
	}
	return &r.Account, nil
}

// ChangePassword changes the actor's own password after checking the
// current one, and ends their other sessions.
func (s *Service) ChangePassword(ctx context.Context, current, next string, keepSession string) error {
	a, err := Require(ctx, PermSelf)
	if err != nil {
		return err
	}
	r, err := s.loadAccount(ctx, "id = $1", a.AccountID)
	if err != nil {
		return err
	}
	// The new password is checked first: refusing it must not count
	// against someone who typed their current password right.
	if err := CheckPasswordPolicy(next, r.Username); err != nil {
		return err
	}
	attempt, err := s.countAttempt(ctx, r.ID)
	if err != nil {
		return err
	}
	if attempt == 0 {
		return apperr.New(apperr.TooMany, "Too many wrong passwords: the account is locked for up to %d minutes.", int(s.cfg.Lockout.Minutes()))
	}
	ok, err := VerifyPassword(current, r.passwordHash)
	if attempt > s.cfg.MaxFailures || err != nil || !ok {
		// Wrong guesses here count towards the same lockout as at sign-in,
		// so a borrowed session cannot be used to guess the password.
		_ = s.refuse(ctx, r.ID, "password_change", attempt)
		return apperr.New(apperr.Invalid, "The current password is not right.")
	}
	if err := s.clearAttempts(ctx, r.ID); err != nil {
		return err
	}
	hash, err := HashPassword(next, s.cfg.Hash)
	if err != nil {
		return err
	}
	return s.db.InTx(ctx, func(ctx context.Context, tx *store.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE accounts SET password_hash = $2, password_changed_at = $3, failed_logins = 0 WHERE id = $1`, r.ID, hash, store.Millis(tx.Now())); err != nil {
			return fmt.Errorf("update password: %w", err)
		}
		// Tokens made by whoever knew the old password stop working too.
		if _, err := tx.ExecContext(ctx, `UPDATE api_tokens SET revoked_at = $2 WHERE account_id = $1 AND revoked_at IS NULL`, r.ID, store.Millis(tx.Now())); err != nil {
			return fmt.Errorf("revoke tokens: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE account_id = $1 AND token_hash <> $2`, r.ID, hashSecret(keepSession)); err != nil {
			return fmt.Errorf("end other sessions: %w", err)
		}
		return s.record(ctx, "account.password_change", "account", r.ID, nil)
	})
}

// mayGrantData keeps administration and personal data apart: a role that
// reaches personal data may be granted only by someone who holds each of
// those permissions on the unit, or by the operator (who holds the master
// key and so could read everything anyway). Otherwise an admin, who sees
// no personal data, could make an account with the DPO role and use it.
func mayGrantData(a *Actor, role Role, unitPath string) bool {
	if a.AccountID == SystemActorID && a.Via == ViaCLI {
		return true
	}
	for _, p := range role.Permissions() {
		if p.PersonalData() && !a.CanIn(p, unitPath) {
			return false
		}
	}
	return true
}

// endAccess ends every session and revokes every token of an account, in
// the caller's transaction.
func endAccess(ctx context.Context, tx *store.Tx, accountID string) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE account_id = $1`, accountID); err != nil {
		return fmt.Errorf("end sessions: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE api_tokens SET revoked_at = $2 WHERE account_id = $1 AND revoked_at IS NULL`, accountID, store.Millis(tx.Now())); err != nil {
		return fmt.Errorf("revoke tokens: %w", err)
	}
	return nil
}
