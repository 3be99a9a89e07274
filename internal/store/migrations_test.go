package store_test

import (
	"bytes"
	"context"
	"testing"

	"github.com/stewardhq/steward/internal/store"
	"github.com/stewardhq/steward/internal/store/storetest"
)

// A database made before blind indexes moved onto the subjects row keeps
// every person findable after the upgrade.
func TestBlindIndexesMoveOntoPeopleRows(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		ctx := context.Background()
		db, err := store.Open(ctx, store.Options{Target: env.Data, NoMigrate: true})
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		if err := db.MigrateTo(ctx, store.DataMigrations(), 7); err != nil {
			t.Fatal(err)
		}
		email, name, other := []byte("email-hash-0001"), []byte("name-hash-00001"), []byte("email-hash-0002")
		stmts := []struct {
			q    string
			args []any
		}{
			{`INSERT INTO units (id, kind, name, path, created_at) VALUES ('u', 'organisation', 'Org', '/u/', 0)`, nil},
			{`INSERT INTO subjects (id, unit_id, unit_path, kind, profile, created_at, updated_at) VALUES ('a', 'u', '/u/', 'member', $1, 0, 0)`, []any{[]byte("sealed")}},
			{`INSERT INTO subjects (id, unit_id, unit_path, kind, profile, created_at, updated_at) VALUES ('b', 'u', '/u/', 'member', $1, 0, 0)`, []any{[]byte("sealed")}},
			{`INSERT INTO subject_index (kind, hash, subject_id) VALUES ('email', $1, 'a'), ('name', $2, 'a'), ('email', $3, 'b')`, []any{email, name, other}},
		}
		for _, s := range stmts {
			if _, err := db.Writer().ExecContext(ctx, s.q, s.args...); err != nil {
				t.Fatalf("%s: %v", s.q, err)
			}
		}
		if err := db.MigrateTo(ctx, store.DataMigrations(), -1); err != nil {
			t.Fatal(err)
		}
		var gotEmail, gotName, gotPhone []byte
		err = db.Writer().QueryRowContext(ctx, `SELECT ix_email, ix_name, ix_phone FROM subjects WHERE id = 'a'`).Scan(&gotEmail, &gotName, &gotPhone)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(gotEmail, email) || !bytes.Equal(gotName, name) || gotPhone != nil {
			t.Fatalf("after the upgrade: email %q name %q phone %q", gotEmail, gotName, gotPhone)
		}
		var id string
		if err := db.Writer().QueryRowContext(ctx, `SELECT id FROM subjects WHERE ix_email = $1`, other).Scan(&id); err != nil || id != "b" {
			t.Fatalf("search by the moved index: %q %v", id, err)
		}
		if has, err := db.HasTable(ctx, "subject_index"); err != nil || has {
			t.Fatalf("subject_index still there: %v %v", has, err)
		}
	})
}
