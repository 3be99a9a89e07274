package cli

import (
	"context"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/stewardhq/steward/internal/access"
	"github.com/stewardhq/steward/internal/apperr"
)

// UserCmd groups the account commands.
type UserCmd struct {
	Add       UserAddCmd       `cmd:"" help:"Add an account; prints its authenticator (TOTP) enrolment secret."`
	Grant     UserGrantCmd     `cmd:"" help:"Grant a role on a unit (it covers the unit's subtree)."`
	Revoke    UserRevokeCmd    `cmd:"" help:"Revoke a role; the account's sessions and tokens end at once."`
	List      UserListCmd      `cmd:"" help:"List accounts and their roles."`
	Unlock    UserUnlockCmd    `cmd:"" help:"Clear a lockout after failed sign-ins."`
	TotpReset UserTotpResetCmd `cmd:"" name:"totp-reset" help:"Issue a new authenticator secret (lost phone)."`
	Leave     UserLeaveCmd     `cmd:"" help:"Record that someone left the role: their access ends at once and offboarding starts."`
}

// Actor is the --as flag: run as an account, with its roles and scope.
type Actor struct {
	As string `name:"as" env:"STEWARD_AS" help:"Act as this account: its roles and unit scope apply. Without it you act as the operator, who manages accounts and units but sees no personal data."`
}

// UserAddCmd adds an account.
type UserAddCmd struct {
	Paths
	Actor
	Username     string `arg:"" help:"Username (lower case; an email address works)."`
	PasswordFile string `name:"password-file" help:"Read the password from this file instead of a prompt or standard input." type:"path"`
	Role         string `name:"role" help:"Also grant this role (dpo, membership, officer, rep, trustee, admin)."`
	Unit         string `name:"unit" help:"Unit for --role: an id or an exact name."`
}

// Run adds the account and prints the enrolment secret once. With --role,
// the account and its role are made in one transaction: a bad unit leaves
// no half-made account behind.
func (c *UserAddCmd) Run(e *env) error {
	if (c.Role == "") != (c.Unit == "") {
		return apperr.New(apperr.Invalid, "--role and --unit go together: give both or neither.")
	}
	return withApp(e, c.Paths, c.As, func(ctx context.Context, app *App) error {
		var role access.Role
		var unit *access.Unit
		if c.Role != "" {
			var ok bool
			if role, ok = access.ParseRole(c.Role); !ok {
				return apperr.New(apperr.Invalid, "Unknown role %q: use one of dpo, membership, officer, rep, trustee, admin.", c.Role)
			}
			var err error
			if unit, err = findUnit(ctx, app, c.Unit); err != nil {
				return err
			}
		}
		pw, err := readPassword(e, c.PasswordFile, "Password for "+c.Username+": ")
		if err != nil {
			return err
		}
		var na *access.NewAccount
		if unit != nil {
			na, err = app.Access.CreateAccountWithRole(ctx, c.Username, pw, role, unit.ID)
		} else {
			na, err = app.Access.CreateAccount(ctx, c.Username, pw)
		}
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "Added account %s.\n", na.Account.Username)
		if unit != nil {
			printGranted(e, na.Account, role, unit)
		}
		fmt.Fprintf(e.stdout, "Authenticator enrolment (shown once; give it only to %s):\n  secret: %s\n  url:    %s\n", na.Account.Username, na.TOTPSecret, na.TOTPURL)
		return nil
	})
}

// UserGrantCmd grants a role.
type UserGrantCmd struct {
	Paths
	Actor
	Username string `arg:""`
	Role     string `arg:"" help:"dpo, membership, officer, rep, trustee or admin."`
	Unit     string `arg:"" help:"Unit id or exact name."`
}

// Run grants the role.
func (c *UserGrantCmd) Run(e *env) error {
	return withApp(e, c.Paths, c.As, func(ctx context.Context, app *App) error {
		return grant(ctx, app, e, c.Username, c.Role, c.Unit)
	})
}

func grant(ctx context.Context, app *App, e *env, username, role, unitRef string) error {
	r, ok := access.ParseRole(role)
	if !ok {
		return apperr.New(apperr.Invalid, "Unknown role %q: use one of dpo, membership, officer, rep, trustee, admin.", role)
	}
	u, err := findUnit(ctx, app, unitRef)
	if err != nil {
		return err
	}
	if _, err := app.Access.Grant(ctx, username, r, u.ID); err != nil {
		return err
	}
	acc, err := app.Access.AccountByUsername(ctx, username)
	if err != nil {
		return err
	}
	printGranted(e, acc, r, u)
	return nil
}

func printGranted(e *env, acc *access.Account, r access.Role, u *access.Unit) {
	fmt.Fprintf(e.stdout, "Granted %s on %s (%s) to %s; their sessions and tokens have ended.\n", r, u.Name, u.Kind, acc.Username)
	if acc.NeedsTOTP() {
		fmt.Fprintln(e.stdout, "Their roles now reach beyond one workplace, so signing in needs the authenticator code.")
	}
}

// findUnit resolves a unit by id or exact (case-insensitive) name, within
// what the actor may see.
func findUnit(ctx context.Context, app *App, ref string) (*access.Unit, error) {
	units, err := app.Access.Units(ctx)
	if err != nil {
		return nil, err
	}
	var found []access.Unit
	for _, u := range units {
		if u.ID == ref || strings.EqualFold(u.Name, ref) {
			found = append(found, u)
		}
	}
	switch len(found) {
	case 0:
		return nil, apperr.New(apperr.NotFound, "No unit %q; `steward unit list` shows them.", ref)
	case 1:
		return &found[0], nil
	}
	return nil, apperr.New(apperr.Invalid, "%d units are called %q; give the id instead (see `steward unit list`).", len(found), ref)
}

// UserRevokeCmd revokes a role.
type UserRevokeCmd struct {
	Paths
	Actor
	Username string `arg:""`
	Role     string `arg:""`
	Unit     string `arg:"" help:"Unit id or exact name."`
}

// Run revokes the role.
func (c *UserRevokeCmd) Run(e *env) error {
	return withApp(e, c.Paths, c.As, func(ctx context.Context, app *App) error {
		u, err := findUnit(ctx, app, c.Unit)
		if err != nil {
			return err
		}
		if err := app.Access.Revoke(ctx, c.Username, access.Role(c.Role), u.ID); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "Revoked %s on %s from %s; their sessions and tokens have ended.\n", c.Role, u.Name, c.Username)
		return nil
	})
}

// UserListCmd lists accounts.
type UserListCmd struct {
	Paths
	Actor
}

// Run lists the accounts.
func (c *UserListCmd) Run(e *env) error {
	return withApp(e, c.Paths, c.As, func(ctx context.Context, app *App) error {
		accs, err := app.Access.Accounts(ctx)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(e.stdout, 2, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "USERNAME\tROLES\tSECOND FACTOR\tSTATUS")
		for _, a := range accs {
			var roles []string
			for _, g := range a.Grants {
				roles = append(roles, fmt.Sprintf("%s@%s", g.Role, g.UnitName))
			}
			if len(roles) == 0 {
				roles = []string{"-"}
			}
			f := "optional"
			if a.NeedsTOTP() {
				f = "required"
			}
			st := "active"
			if a.Disabled {
				st = "disabled"
			} else if !a.LockedUntil.IsZero() && a.LockedUntil.After(app.DB.Now()) {
				st = "locked"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", a.Username, strings.Join(roles, ", "), f, st)
		}
		return tw.Flush()
	})
}

// UserUnlockCmd clears a lockout.
type UserUnlockCmd struct {
	Paths
	Actor
	Username string `arg:""`
}

// Run unlocks the account.
func (c *UserUnlockCmd) Run(e *env) error {
	return withApp(e, c.Paths, c.As, func(ctx context.Context, app *App) error {
		if err := app.Access.Unlock(ctx, c.Username); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "Unlocked %s.\n", c.Username)
		return nil
	})
}

// UserTotpResetCmd issues a new TOTP secret.
type UserTotpResetCmd struct {
	Paths
	Actor
	Username string `arg:""`
}

// Run resets the secret and prints the new one.
func (c *UserTotpResetCmd) Run(e *env) error {
	return withApp(e, c.Paths, c.As, func(ctx context.Context, app *App) error {
		na, err := app.Access.ResetTOTP(ctx, c.Username)
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "New authenticator enrolment for %s (the old one no longer works):\n  secret: %s\n  url:    %s\n", na.Account.Username, na.TOTPSecret, na.TOTPURL)
		return nil
	})
}

// withApp opens the app, sets the actor and runs fn.
func withApp(e *env, p Paths, as string, fn func(ctx context.Context, app *App) error) error {
	app, err := openApp(e.ctx, p, newLogger(e.stderr, p.LogLevel))
	if err != nil {
		return err
	}
	defer app.Close()
	ctx, err := app.operator(e.ctx, as)
	if err != nil {
		return err
	}
	return fn(ctx, app)
}
