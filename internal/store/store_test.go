package store_test

import (
	"context"
	"errors"
	"testing"

	"github.com/stewardhq/steward/internal/store"
	"github.com/stewardhq/steward/internal/store/storetest"
)

func TestMigrationsApplyAndAreRecorded(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		ctx := context.Background()
		db := storetest.OpenData(t, env)
		cur, known, err := db.SchemaVersion(ctx, store.DataMigrations())
		if err != nil {
			t.Fatal(err)
		}
		if cur != known || cur == 0 {
			t.Fatalf("schema at %d, program knows %d: want equal and > 0", cur, known)
		}
		tables, err := db.Tables(ctx)
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, n := range tables {
			found = found || n == "settings"
		}
		if !found {
			t.Fatalf("settings table missing from %v", tables)
		}
		// Opening again is a no-op, not an error.
		db2, err := store.Open(ctx, store.Options{Target: env.Data, Migrations: store.DataMigrations()})
		if err != nil {
			t.Fatalf("reopen: %v", err)
		}
		db2.Close()
	})
}

func TestRefusesNewerSchema(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		ctx := context.Background()
		db := storetest.OpenData(t, env)
		_, err := db.Writer().ExecContext(ctx, `INSERT INTO goose_db_version (version_id, is_applied) VALUES (999999, true)`)
		if err != nil {
			t.Fatal(err)
		}
		_, err = store.Open(ctx, store.Options{Target: env.Data, Migrations: store.DataMigrations()})
		if !errors.Is(err, store.ErrSchemaTooNew) {
			t.Fatalf("open of newer schema: got %v, want ErrSchemaTooNew", err)
		}
	})
}

func TestInTxReusesOpenTransactionAndRollsBackAsOne(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		ctx := context.Background()
		db := storetest.OpenData(t, env)
		boom := errors.New("boom")
		err := db.InTx(ctx, func(ctx context.Context, outer *store.Tx) error {
			if _, err := outer.ExecContext(ctx, `INSERT INTO settings (name, value, updated_at) VALUES ('a', '1', $1)`, store.Millis(outer.Now())); err != nil {
				return err
			}
			return db.InTx(ctx, func(ctx context.Context, inner *store.Tx) error {
				if inner != outer {
					t.Error("inner InTx began a new transaction instead of joining the open one")
				}
				if inner.Now() != outer.Now() {
					t.Error("joined transaction has a different timestamp")
				}
				// The inner work sees the outer write through Q.
				if n := storetest.Count(t, db.Q(ctx), `SELECT count(*) FROM settings WHERE name='a'`); n != 1 {
					t.Errorf("inner read sees %d rows, want 1", n)
				}
				return boom
			})
		})
		if !errors.Is(err, boom) {
			t.Fatalf("got %v, want boom", err)
		}
		if n := storetest.Count(t, db.Q(ctx), `SELECT count(*) FROM settings`); n != 0 {
			t.Fatalf("after rollback %d rows remain, want 0", n)
		}
		committed := false
		err = db.InTx(ctx, func(ctx context.Context, tx *store.Tx) error {
			tx.AfterCommit(func() { committed = true })
			_, err := tx.ExecContext(ctx, `INSERT INTO settings (name, value, updated_at) VALUES ('b', '2', $1)`, store.Millis(tx.Now()))
			return err
		})
		if err != nil || !committed {
			t.Fatalf("commit: err %v, after-commit ran %v", err, committed)
		}
		if n := storetest.Count(t, db.Q(ctx), `SELECT count(*) FROM settings WHERE name='b'`); n != 1 {
			t.Fatalf("committed row count %d, want 1", n)
		}
	})
}

func TestSQLitePragmasOnEveryConnection(t *testing.T) {
	ctx := context.Background()
	db := storetest.OpenData(t, storetest.SQLiteEnv(t))
	for _, p := range []struct{ q, want string }{
		{"PRAGMA journal_mode", "wal"},
		{"PRAGMA foreign_keys", "1"},
		{"PRAGMA synchronous", "2"},
	} {
		for _, pool := range []store.Querier{db.Writer(), db.Reader()} {
			var got string
			if err := pool.QueryRowContext(ctx, p.q).Scan(&got); err != nil {
				t.Fatal(err)
			}
			if got != p.want {
				t.Errorf("%s = %s, want %s", p.q, got, p.want)
			}
		}
	}
	if _, err := db.Reader().ExecContext(ctx, `INSERT INTO settings VALUES ('x','y',0)`); err == nil {
		t.Error("reader pool accepted a write; it must be read-only")
	}
}

func TestValidID(t *testing.T) {
	id := store.NewID()
	if !store.ValidID(id) {
		t.Fatalf("NewID %q not valid", id)
	}
	for _, bad := range []string{"", "1", "../../etc/passwd", id + "x"} {
		if store.ValidID(bad) {
			t.Errorf("ValidID(%q) = true", bad)
		}
	}
}
