package access_test

import (
	"context"
	"testing"
	"time"

	"github.com/stewardhq/steward/internal/access"
	"github.com/stewardhq/steward/internal/apperr"
	"github.com/stewardhq/steward/internal/audit"
	"github.com/stewardhq/steward/internal/store"
	"github.com/stewardhq/steward/internal/store/storetest"
	"github.com/stewardhq/steward/internal/testkit"
)

const pw = "a long enough password"

type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

type world struct {
	db      *store.DB
	acc     *access.Service
	log     *audit.Log
	clk     *clock
	op      context.Context
	root    *access.Unit
	wpA     *access.Unit
	wpB     *access.Unit
	branch  *access.Unit
	dpoTOTP string
}

func newWorld(t *testing.T, env storetest.Env) *world {
	t.Helper()
	ctx := context.Background()
	clk := &clock{t: time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)}
	c := testkit.Open(t, env, testkit.Options{Clock: clk.now})
	db, acc, al := c.DB, c.Access, c.Audit
	var err error
	w := &world{db: db, acc: acc, log: al, clk: clk}
	w.root, err = acc.CreateUnit(access.WithActor(ctx, access.OperatorActor("")), "", access.KindOrganisation, "Union")
	if err != nil {
		t.Fatal(err)
	}
	w.op = access.WithActor(ctx, access.OperatorActor(w.root.Path))
	region := w.mustUnit(t, w.root.ID, access.KindRegion, "North")
	w.branch = w.mustUnit(t, region.ID, access.KindBranch, "Tyneside")
	w.wpA = w.mustUnit(t, w.branch.ID, access.KindWorkplace, "Riverside Academy")
	w.wpB = w.mustUnit(t, w.branch.ID, access.KindWorkplace, "Hillcrest College")
	w.mustAccount(t, "rep.a", access.RoleRep, w.wpA.ID)
	w.dpoTOTP = w.mustAccount(t, "dpo", access.RoleDPO, w.root.ID)
	w.mustAccount(t, "admin", access.RoleAdmin, w.root.ID)
	return w
}

func (w *world) mustUnit(t *testing.T, parent, kind, name string) *access.Unit {
	t.Helper()
	u, err := w.acc.CreateUnit(w.op, parent, kind, name)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func (w *world) mustAccount(t *testing.T, name string, role access.Role, unit string) string {
	t.Helper()
	na, err := w.acc.CreateAccount(w.op, name, pw)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.acc.Grant(w.op, name, role, unit); err != nil {
		t.Fatal(err)
	}
	return na.TOTPSecret
}

func (w *world) as(t *testing.T, name string) context.Context {
	t.Helper()
	a, err := w.acc.Actor(context.Background(), name, access.ViaCLI)
	if err != nil {
		t.Fatal(err)
	}
	return access.WithActor(context.Background(), a)
}

func wantCode(t *testing.T, err error, code apperr.Code) {
	t.Helper()
	if apperr.CodeOf(err) != code {
		t.Fatalf("got error %v, want code %s", err, code)
	}
}

func TestRepSeesOnlyTheirWorkplace(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		w := newWorld(t, env)
		rep := w.as(t, "rep.a")
		units, err := w.acc.Units(rep)
		if err != nil {
			t.Fatal(err)
		}
		if len(units) != 1 || units[0].ID != w.wpA.ID {
			t.Fatalf("rep sees %v, want only workplace A", units)
		}
		_, err = w.acc.Unit(rep, w.wpB.ID)
		wantCode(t, err, apperr.NotFound)
		_, err = w.acc.Unit(rep, w.branch.ID)
		wantCode(t, err, apperr.NotFound)
		_, err = w.acc.Accounts(rep)
		wantCode(t, err, apperr.Forbidden)
		_, err = w.acc.CreateUnit(rep, w.wpA.ID, access.KindWorkplace, "x")
		wantCode(t, err, apperr.Forbidden)
		_, err = w.acc.Grant(rep, "rep.a", access.RoleDPO, w.root.ID)
		wantCode(t, err, apperr.Forbidden)

		dpo := w.as(t, "dpo")
		all, err := w.acc.Units(dpo)
		if err != nil || len(all) != 5 {
			t.Fatalf("dpo sees %d units (%v), want 5", len(all), err)
		}
	})
}

func TestAdminSeesNoPersonalData(t *testing.T) {
	for _, p := range access.RoleAdmin.Permissions() {
		if p.PersonalData() {
			t.Errorf("admin holds %s, which reaches personal data", p)
		}
	}
	op := access.OperatorActor("/x/")
	if op.Can(access.PermSubjectsRead) || op.Can(access.PermAuditRead) {
		t.Error("the command-line operator can read personal data")
	}
}

func TestLoginNeedsTOTPBeyondOneWorkplace(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		w := newWorld(t, env)
		ctx := context.Background()
		if _, err := w.acc.Login(ctx, "rep.a", pw, ""); err != nil {
			t.Fatalf("rep without code: %v", err)
		}
		// The right password without the code gets the same answer as a
		// wrong password, so the password cannot be confirmed without it.
		_, err := w.acc.Login(ctx, "dpo", pw, "")
		wantCode(t, err, apperr.Unauthenticated)
		_, errWrong := w.acc.Login(ctx, "dpo", "not the password", "")
		if apperr.MessageOf(err) != apperr.MessageOf(errWrong) {
			t.Fatalf("missing code %q vs wrong password %q", apperr.MessageOf(err), apperr.MessageOf(errWrong))
		}
		code, _ := access.TOTPCode(w.dpoTOTP, w.clk.t)
		res, err := w.acc.Login(ctx, "dpo", pw, code)
		if err != nil {
			t.Fatalf("dpo with code: %v", err)
		}
		// The same code cannot be used twice.
		_, err = w.acc.Login(ctx, "dpo", pw, code)
		wantCode(t, err, apperr.Unauthenticated)
		if a, err := w.acc.SessionActor(ctx, res.Token); err != nil || a.Username != "dpo" {
			t.Fatalf("session actor %v, %v", a, err)
		}
	})
}

func TestSessionTimeouts(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		w := newWorld(t, env)
		ctx := context.Background()
		res, err := w.acc.Login(ctx, "rep.a", pw, "")
		if err != nil {
			t.Fatal(err)
		}
		// Active use every 20 minutes keeps it alive up to the absolute limit.
		for i := 0; i < 30; i++ {
			w.clk.t = w.clk.t.Add(20 * time.Minute)
			_, err := w.acc.SessionActor(ctx, res.Token)
			if elapsed := time.Duration(i+1) * 20 * time.Minute; elapsed <= 12*time.Hour {
				if err != nil {
					t.Fatalf("after %v of activity: %v", elapsed, err)
				}
			} else {
				wantCode(t, err, apperr.Unauthenticated)
				break
			}
		}
		res2, err := w.acc.Login(ctx, "rep.a", pw, "")
		if err != nil {
			t.Fatal(err)
		}
		w.clk.t = w.clk.t.Add(31 * time.Minute)
		_, err = w.acc.SessionActor(ctx, res2.Token)
		wantCode(t, err, apperr.Unauthenticated)
		// Logout ends a session at once.
		res3, _ := w.acc.Login(ctx, "rep.a", pw, "")
		a, _ := w.acc.SessionActor(ctx, res3.Token)
		if err := w.acc.Logout(access.WithActor(ctx, a), res3.Token); err != nil {
			t.Fatal(err)
		}
		_, err = w.acc.SessionActor(ctx, res3.Token)
		wantCode(t, err, apperr.Unauthenticated)
	})
}

func TestLockoutAfterRepeatedFailuresIsAudited(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		w := newWorld(t, env)
		ctx := context.Background()
		var err error
		for i := 0; i < 5; i++ {
			_, err = w.acc.Login(ctx, "rep.a", "wrong password!!", "")
		}
		wantCode(t, err, apperr.Unauthenticated)
		// Even the right password is refused while locked, with the same
		// answer as a wrong one, so a lockout does not reveal the account.
		_, err2 := w.acc.Login(ctx, "rep.a", pw, "")
		wantCode(t, err2, apperr.Unauthenticated)
		if apperr.MessageOf(err) != apperr.MessageOf(err2) {
			t.Fatalf("locked answer %q differs from wrong-password answer %q", apperr.MessageOf(err2), apperr.MessageOf(err))
		}
		evs, err := w.log.List(ctx, audit.Filter{Action: "account.locked"})
		if err != nil || len(evs) != 1 {
			t.Fatalf("account.locked events: %d, %v", len(evs), err)
		}
		failed, _ := w.log.List(ctx, audit.Filter{Action: "session.login_failed"})
		if len(failed) != 5 {
			t.Fatalf("login_failed events: %d, want 5", len(failed))
		}
		// An unknown username is audited without recording what was typed.
		_, err = w.acc.Login(ctx, "nobody-here", "whatever at all", "")
		wantCode(t, err, apperr.Unauthenticated)
		failed, _ = w.log.List(ctx, audit.Filter{Action: "session.login_failed"})
		for _, e := range failed {
			for _, v := range e.Detail {
				if v == "nobody-here" {
					t.Fatal("typed username stored in the audit trail")
				}
			}
		}
		w.clk.t = w.clk.t.Add(16 * time.Minute)
		if _, err := w.acc.Login(ctx, "rep.a", pw, ""); err != nil {
			t.Fatalf("after lockout expired: %v", err)
		}
		if rep, err := w.log.Verify(ctx); err != nil || rep.FirstBad != nil {
			t.Fatalf("audit chain after logins: %+v %v", rep.FirstBad, err)
		}
	})
}

func TestTokensExpireAndRevoke(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		w := newWorld(t, env)
		ctx := context.Background()
		rep := w.as(t, "rep.a")
		secret, tok, err := w.acc.CreateToken(rep, "sync", 24*time.Hour, nil)
		if err != nil {
			t.Fatal(err)
		}
		a, err := w.acc.TokenActor(ctx, secret)
		if err != nil || a.Username != "rep.a" || a.Via != access.ViaToken {
			t.Fatalf("token actor %+v, %v", a, err)
		}
		// A token cannot mint tokens.
		_, _, err = w.acc.CreateToken(access.WithActor(ctx, a), "x", time.Hour, nil)
		wantCode(t, err, apperr.Forbidden)
		_, err = w.acc.TokenActor(ctx, secret+"x")
		wantCode(t, err, apperr.Unauthenticated)
		if err := w.acc.RevokeToken(rep, tok.ID); err != nil {
			t.Fatal(err)
		}
		_, err = w.acc.TokenActor(ctx, secret)
		wantCode(t, err, apperr.Unauthenticated)
		secret2, _, _ := w.acc.CreateToken(rep, "short", time.Hour, nil)
		w.clk.t = w.clk.t.Add(61 * time.Minute)
		_, err = w.acc.TokenActor(ctx, secret2)
		wantCode(t, err, apperr.Unauthenticated)
		// Someone else cannot revoke my token.
		secret3, tok3, _ := w.acc.CreateToken(rep, "mine", time.Hour, nil)
		err = w.acc.RevokeToken(w.as(t, "dpo"), tok3.ID)
		wantCode(t, err, apperr.NotFound)
		if _, err := w.acc.TokenActor(ctx, secret3); err != nil {
			t.Fatal(err)
		}
		var n int
		if err := w.db.Q(ctx).QueryRowContext(ctx, `SELECT count(*) FROM api_tokens WHERE token_hash = $1`, []byte(secret3)).Scan(&n); err != nil || n != 0 {
			t.Fatal("token stored in clear")
		}
	})
}

func TestRevokeEndsSessionsAtOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		w := newWorld(t, env)
		ctx := context.Background()
		res, err := w.acc.Login(ctx, "rep.a", pw, "")
		if err != nil {
			t.Fatal(err)
		}
		if err := w.acc.Revoke(w.op, "rep.a", access.RoleRep, w.wpA.ID); err != nil {
			t.Fatal(err)
		}
		_, err = w.acc.SessionActor(ctx, res.Token)
		wantCode(t, err, apperr.Unauthenticated)
	})
}

func TestBadInputIsRefusedClearly(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		w := newWorld(t, env)
		_, err := w.acc.CreateAccount(w.op, "x", pw)
		wantCode(t, err, apperr.Invalid)
		_, err = w.acc.CreateAccount(w.op, "shortpw", "short")
		wantCode(t, err, apperr.Invalid)
		_, err = w.acc.CreateAccount(w.op, "rep.a", pw)
		wantCode(t, err, apperr.Conflict)
		_, err = w.acc.Grant(w.op, "rep.a", "king", w.root.ID)
		wantCode(t, err, apperr.Invalid)
		_, err = w.acc.Grant(w.op, "rep.a", access.RoleRep, "not-an-id")
		wantCode(t, err, apperr.NotFound)
		_, err = w.acc.CreateUnit(w.op, w.wpA.ID, access.KindRegion, "Upside down")
		wantCode(t, err, apperr.Invalid)
		_, err = w.acc.CreateUnit(w.op, "", access.KindOrganisation, "Second root")
		wantCode(t, err, apperr.Invalid)
	})
}

func TestParallelGuessesCannotOutrunTheLockout(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		w := newWorld(t, env)
		ctx := context.Background()
		const n = 30
		errs := make(chan error, n)
		for i := 0; i < n; i++ {
			go func() {
				_, err := w.acc.Login(ctx, "rep.a", "a wrong guess here", "")
				errs <- err
			}()
		}
		for i := 0; i < n; i++ {
			if err := <-errs; err == nil {
				t.Fatal("a wrong password signed in")
			}
		}
		failed, err := w.log.List(ctx, audit.Filter{Action: "session.login_failed", Limit: 1000})
		if err != nil {
			t.Fatal(err)
		}
		checked := 0
		for _, e := range failed {
			if e.Detail["reason"] == "password" {
				checked++
			}
		}
		if checked > 5 {
			t.Fatalf("%d passwords checked in parallel, the limit is 5", checked)
		}
		if _, err := w.acc.Login(ctx, "rep.a", pw, ""); err == nil {
			t.Fatal("account not locked after parallel guesses")
		}
	})
}

func TestTOTPCodeSpentOnceUnderParallelUse(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		w := newWorld(t, env)
		ctx := context.Background()
		code, _ := access.TOTPCode(w.dpoTOTP, w.clk.t)
		const n = 6
		oks := make(chan bool, n)
		for i := 0; i < n; i++ {
			go func() {
				_, err := w.acc.Login(ctx, "dpo", pw, code)
				oks <- err == nil
			}()
		}
		got := 0
		for i := 0; i < n; i++ {
			if <-oks {
				got++
			}
		}
		if got != 1 {
			t.Fatalf("one code opened %d sessions, want 1", got)
		}
	})
}

func TestTwoWorkplacesNeedTOTP(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		w := newWorld(t, env)
		if _, err := w.acc.Grant(w.op, "rep.a", access.RoleRep, w.wpB.ID); err != nil {
			t.Fatal(err)
		}
		_, err := w.acc.Login(context.Background(), "rep.a", pw, "")
		wantCode(t, err, apperr.Unauthenticated)
	})
}

func TestGrantEndsTokensSoAPromotionNeedsAFreshSignIn(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		w := newWorld(t, env)
		ctx := context.Background()
		secret, _, err := w.acc.CreateToken(w.as(t, "rep.a"), "sync", 24*time.Hour, nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.acc.Grant(w.op, "rep.a", access.RoleOfficer, w.root.ID); err != nil {
			t.Fatal(err)
		}
		_, err = w.acc.TokenActor(ctx, secret)
		wantCode(t, err, apperr.Unauthenticated)
	})
}

func TestScopedAdminStaysInScope(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		w := newWorld(t, env)
		w.mustAccount(t, "wp.admin", access.RoleAdmin, w.wpA.ID)
		adm := w.as(t, "wp.admin")
		_, err := w.acc.ResetTOTP(adm, "dpo")
		wantCode(t, err, apperr.NotFound)
		wantCode(t, w.acc.Unlock(adm, "dpo"), apperr.NotFound)
		accs, err := w.acc.Accounts(adm)
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range accs {
			if a.Username == "dpo" || a.Username == "admin" {
				t.Fatalf("workplace admin lists %s", a.Username)
			}
		}
		if len(accs) != 2 { // rep.a and wp.admin, both on workplace A only
			t.Fatalf("workplace admin lists %d accounts", len(accs))
		}
		// The root admin cannot grant itself a role.
		_, err = w.acc.Grant(w.as(t, "admin"), "admin", access.RoleDPO, w.root.ID)
		wantCode(t, err, apperr.Forbidden)
	})
}

func TestReadOnlyTokenCannotWrite(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		w := newWorld(t, env)
		ctx := context.Background()
		admin := w.as(t, "admin")
		perms := []access.Permission{access.PermSelf, access.PermUnitsRead}
		secret, tok, err := w.acc.CreateToken(admin, "reader", time.Hour, perms)
		if err != nil {
			t.Fatal(err)
		}
		if len(tok.Permissions) != 2 {
			t.Fatalf("token permissions %v", tok.Permissions)
		}
		a, err := w.acc.TokenActor(ctx, secret)
		if err != nil {
			t.Fatal(err)
		}
		tctx := access.WithActor(ctx, a)
		if _, err := w.acc.Units(tctx); err != nil {
			t.Fatalf("read-only token cannot read: %v", err)
		}
		_, err = w.acc.CreateUnit(tctx, w.root.ID, access.KindRegion, "South")
		wantCode(t, err, apperr.Forbidden)
		_, err = w.acc.Accounts(tctx)
		wantCode(t, err, apperr.Forbidden)
		// A token cannot be given what the account lacks.
		_, _, err = w.acc.CreateToken(w.as(t, "rep.a"), "greedy", time.Hour, []access.Permission{access.PermAccountsManage})
		wantCode(t, err, apperr.Invalid)
	})
}

func TestPasswordChangeRevokesTokensAndCountsWrongGuesses(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		w := newWorld(t, env)
		ctx := context.Background()
		rep := w.as(t, "rep.a")
		secret, _, err := w.acc.CreateToken(rep, "sync", time.Hour, nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := w.acc.ChangePassword(rep, pw, "another long password", ""); err != nil {
			t.Fatal(err)
		}
		_, err = w.acc.TokenActor(ctx, secret)
		wantCode(t, err, apperr.Unauthenticated)
		for i := 0; i < 5; i++ {
			wantCode(t, w.acc.ChangePassword(rep, "wrong guess number", "x another long password", ""), apperr.Invalid)
		}
		// Five wrong guesses through the settings page lock sign-in too.
		_, err = w.acc.Login(ctx, "rep.a", "another long password", "")
		wantCode(t, err, apperr.Unauthenticated)
	})
}

func TestRightAndWrongPasswordsInParallel(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		w := newWorld(t, env)
		ctx := context.Background()
		for round := 0; round < 15; round++ {
			// Start each round one failure short of the limit, so the
			// wrong password starts a lockout while the right one signs in.
			if _, err := w.db.Writer().ExecContext(ctx, `UPDATE accounts SET failed_logins = 3, locked_until = 0 WHERE username = 'rep.a'`); err != nil {
				t.Fatal(err)
			}
			errs := make(chan error, 2)
			go func() { _, err := w.acc.Login(ctx, "rep.a", "not the password!", ""); errs <- err }()
			go func() { _, err := w.acc.Login(ctx, "rep.a", pw, ""); errs <- err }()
			for i := 0; i < 2; i++ {
				if err := <-errs; err != nil && apperr.CodeOf(err) != apperr.Unauthenticated {
					t.Fatalf("round %d: %v", round, err)
				}
			}
		}
		if rep, err := w.log.Verify(ctx); err != nil || rep.FirstBad != nil {
			t.Fatalf("audit after parallel sign-ins: %+v %v", rep.FirstBad, err)
		}
	})
}

func TestRefusedNewPasswordsNeverLockOut(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		w := newWorld(t, env)
		rep := w.as(t, "rep.a")
		for i := 0; i < 7; i++ {
			wantCode(t, w.acc.ChangePassword(rep, pw, "short", ""), apperr.Invalid)
		}
		if err := w.acc.ChangePassword(rep, pw, "a perfectly fine new password", ""); err != nil {
			t.Fatalf("valid change after refused ones: %v", err)
		}
		if _, err := w.acc.Login(context.Background(), "rep.a", "a perfectly fine new password", ""); err != nil {
			t.Fatalf("sign-in after change: %v", err)
		}
	})
}

func TestScopedAdminCreatesAccountsInScopeOnly(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		w := newWorld(t, env)
		w.mustAccount(t, "wp.admin", access.RoleAdmin, w.wpA.ID)
		adm := w.as(t, "wp.admin")
		if _, err := w.acc.CreateAccountWithRole(adm, "new.trustee", pw, access.RoleTrustee, w.wpA.ID); err != nil {
			t.Fatalf("workplace admin adding a trustee in scope: %v", err)
		}
		accs, _ := w.acc.Accounts(adm)
		found := false
		for _, a := range accs {
			found = found || a.Username == "new.trustee"
		}
		if !found {
			t.Fatal("the new account is not in its creator's list")
		}
		_, err := w.acc.CreateAccountWithRole(adm, "far.away", pw, access.RoleTrustee, w.wpB.ID)
		wantCode(t, err, apperr.Forbidden)
		_, err = w.acc.CreateAccount(adm, "no.role", pw)
		wantCode(t, err, apperr.Forbidden)
		// Neither account exists after the refusals.
		for _, u := range []string{"far.away", "no.role"} {
			if _, err := w.acc.AccountByUsername(w.op, u); !apperr.Is(err, apperr.NotFound) {
				t.Fatalf("%s exists after a refused creation: %v", u, err)
			}
		}
	})
}

func TestAdminCannotGrantDataRoles(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		w := newWorld(t, env)
		admin := w.as(t, "admin")
		// An admin makes a puppet account but cannot give it the DPO role.
		_, err := w.acc.CreateAccountWithRole(admin, "puppet", pw, access.RoleDPO, w.root.ID)
		wantCode(t, err, apperr.Forbidden)
		if _, err := w.acc.CreateAccountWithRole(admin, "puppet", pw, access.RoleTrustee, w.root.ID); err != nil {
			t.Fatalf("admin granting a role without personal data: %v", err)
		}
		_, err = w.acc.Grant(admin, "puppet", access.RoleRep, w.wpA.ID)
		wantCode(t, err, apperr.Forbidden)
		// The operator can.
		if _, err := w.acc.Grant(w.op, "puppet", access.RoleRep, w.wpA.ID); err != nil {
			t.Fatalf("operator granting rep: %v", err)
		}
	})
}

func TestLimitedTokenCannotRevokeTokens(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		w := newWorld(t, env)
		ctx := context.Background()
		rep := w.as(t, "rep.a")
		_, full, _ := w.acc.CreateToken(rep, "full", time.Hour, nil)
		ro, _, err := w.acc.CreateToken(rep, "ro", time.Hour, []access.Permission{access.PermSelf, access.PermUnitsRead})
		if err != nil {
			t.Fatal(err)
		}
		a, err := w.acc.TokenActor(ctx, ro)
		if err != nil {
			t.Fatal(err)
		}
		wantCode(t, w.acc.RevokeToken(access.WithActor(ctx, a), full.ID), apperr.Forbidden)
	})
}
