package access_test

import (
	"context"
	"testing"

	"github.com/stewardhq/steward/internal/access"
	"github.com/stewardhq/steward/internal/audit"
	"github.com/stewardhq/steward/internal/store"
	"github.com/stewardhq/steward/internal/store/storetest"
	"github.com/stewardhq/steward/internal/vault"
)

// BenchmarkLogin measures a whole successful sign-in on SQLite with the
// production argon2id cost: load the account, verify the password, write
// the session and its audit event. The hash dominates, by design.
func BenchmarkLogin(b *testing.B) {
	ctx := context.Background()
	env := storetest.SQLiteEnv(b)
	vo := vault.Options{DataDir: env.Dir, Keys: env.Keys}
	if _, err := vault.Init(ctx, vo); err != nil {
		b.Fatal(err)
	}
	v, err := vault.Open(ctx, vo)
	if err != nil {
		b.Fatal(err)
	}
	defer v.Close()
	db, err := store.Open(ctx, store.Options{Target: env.Data, Migrations: store.DataMigrations()})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	acc, err := access.New(db, v, audit.New(db, v.SystemKey("audit-checkpoint")), nil, access.Config{})
	if err != nil {
		b.Fatal(err)
	}
	root, err := acc.CreateUnit(access.WithActor(ctx, access.OperatorActor("")), "", access.KindOrganisation, "Union")
	if err != nil {
		b.Fatal(err)
	}
	op := access.WithActor(ctx, access.OperatorActor(root.Path))
	wp, err := acc.CreateUnit(op, root.ID, access.KindWorkplace, "School")
	if err != nil {
		b.Fatal(err)
	}
	if _, err := acc.CreateAccount(op, "rep", pw); err != nil {
		b.Fatal(err)
	}
	if _, err := acc.Grant(op, "rep", access.RoleRep, wp.ID); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		if _, err := acc.Login(ctx, "rep", pw, ""); err != nil {
			b.Fatal(err)
		}
	}
}
