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
	"github.com/stewardhq/steward/internal/vault"
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
	vo := vault.Options{DataDir: env.Dir, Keys: env.Keys}
	if _, err := vault.Init(ctx, vo); err != nil {
		t.Fatal(err)
	}
	v, err := vault.Open(ctx, vo)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { v.Close() })
	db, err := store.Open(ctx, store.Options{Target: env.Data, Migrations: store.DataMigrations(), Clock: clk.now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	al := audit.New(db, v.SystemKey("audit-checkpoint"))
	acc, err := access.New(db, v, al, nil, access.Config{Hash: access.HashParams{Memory: 8 * 1024, Time: 1, Threads: 1}})
	if err != nil {
		t.Fatal(err)
	}
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
		_, err := w.acc.Login(ctx, "dpo", pw, "")
		wantCode(t, err, apperr.Unauthenticated)
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
		wantCode(t, err, apperr.TooMany)
		// Even the right password is refused while locked.
		_, err = w.acc.Login(ctx, "rep.a", pw, "")
		wantCode(t, err, apperr.TooMany)
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
		secret, tok, err := w.acc.CreateToken(rep, "sync", 24*time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		a, err := w.acc.TokenActor(ctx, secret)
		if err != nil || a.Username != "rep.a" || a.Via != access.ViaToken {
			t.Fatalf("token actor %+v, %v", a, err)
		}
		// A token cannot mint tokens.
		_, _, err = w.acc.CreateToken(access.WithActor(ctx, a), "x", time.Hour)
		wantCode(t, err, apperr.Forbidden)
		_, err = w.acc.TokenActor(ctx, secret+"x")
		wantCode(t, err, apperr.Unauthenticated)
		if err := w.acc.RevokeToken(rep, tok.ID); err != nil {
			t.Fatal(err)
		}
		_, err = w.acc.TokenActor(ctx, secret)
		wantCode(t, err, apperr.Unauthenticated)
		secret2, _, _ := w.acc.CreateToken(rep, "short", time.Hour)
		w.clk.t = w.clk.t.Add(61 * time.Minute)
		_, err = w.acc.TokenActor(ctx, secret2)
		wantCode(t, err, apperr.Unauthenticated)
		// Someone else cannot revoke my token.
		secret3, tok3, _ := w.acc.CreateToken(rep, "mine", time.Hour)
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
