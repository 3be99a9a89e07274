// Package testkit opens the core services on a test's fresh databases, the
// way the command line does, so that each package's tests start from the
// same real wiring instead of their own copy of it. Only tests import it.
package testkit

import (
	"context"
	"testing"
	"time"

	"github.com/stewardhq/steward/internal/access"
	"github.com/stewardhq/steward/internal/audit"
	"github.com/stewardhq/steward/internal/store"
	"github.com/stewardhq/steward/internal/store/storetest"
	"github.com/stewardhq/steward/internal/vault"
)

// Core is the vault, database, audit log and access service of one test.
type Core struct {
	Env    storetest.Env
	DB     *store.DB
	Vault  *vault.Vault
	Audit  *audit.Log
	Access *access.Service
}

// Options adjust Open.
type Options struct {
	// Reopen opens an existing installation instead of making the master
	// key (for a second process on the same databases).
	Reopen bool
	// Clock pins the database's clock.
	Clock func() time.Time
}

// FastHash is an argon2id cost for tests: the production one would make
// every account and sign-in slow.
func FastHash() access.HashParams { return access.HashParams{Memory: 8 * 1024, Time: 1, Threads: 1} }

// Open opens the services on env, closing them when the test ends.
func Open(t testing.TB, env storetest.Env, o Options) *Core {
	t.Helper()
	ctx := context.Background()
	vo := vault.Options{DataDir: env.Dir, Keys: env.Keys}
	if !o.Reopen {
		if _, err := vault.Init(ctx, vo); err != nil {
			t.Fatalf("init vault: %v", err)
		}
	}
	v, err := vault.Open(ctx, vo)
	if err != nil {
		t.Fatalf("open vault: %v", err)
	}
	t.Cleanup(func() { v.Close() })
	db, err := store.Open(ctx, store.Options{Target: env.Data, Migrations: store.DataMigrations(), Clock: o.Clock})
	if err != nil {
		t.Fatalf("open database: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	al := audit.New(db, v.SystemKey("audit-checkpoint"))
	acc, err := access.New(db, v, al, nil, access.Config{Hash: FastHash()})
	if err != nil {
		t.Fatalf("access service: %v", err)
	}
	return &Core{Env: env, DB: db, Vault: v, Audit: al, Access: acc}
}

// Password is the password test accounts are made with.
const Password = "a long enough password"

// Unit makes a unit as op (an operator or admin context), failing the test
// on error.
func Unit(t testing.TB, acc *access.Service, op context.Context, parent, kind, name string) *access.Unit {
	t.Helper()
	u, err := acc.CreateUnit(op, parent, kind, name)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// Account makes an account with Password and one role on a unit, as op.
func Account(t testing.TB, acc *access.Service, op context.Context, name string, role access.Role, unitID string) {
	t.Helper()
	if _, err := acc.CreateAccountWithRole(op, name, Password, role, unitID); err != nil {
		t.Fatal(err)
	}
}

// As returns a context acting as the named account, as the command line
// would with --as.
func As(t testing.TB, acc *access.Service, name string) context.Context {
	t.Helper()
	a, err := acc.Actor(context.Background(), name, access.ViaCLI)
	if err != nil {
		t.Fatal(err)
	}
	return access.WithActor(context.Background(), a)
}
