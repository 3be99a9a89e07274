package store_test

import (
	"bytes"
	"context"
	"errors"
	"testing"

	"github.com/stewardhq/steward/internal/store"
	"github.com/stewardhq/steward/internal/store/storetest"
)

func TestDumpLoadRoundTripAndTruncation(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		ctx := context.Background()
		db := storetest.OpenData(t, env)
		mig := store.DataMigrations()
		exec := func(q string, args ...any) {
			t.Helper()
			if _, err := db.Writer().ExecContext(ctx, q, args...); err != nil {
				t.Fatal(err)
			}
		}
		exec(`INSERT INTO settings (name, value, updated_at) VALUES ('org', 'Union ✓', 42)`)
		exec(`INSERT INTO erasures (subject_id, erased_at) VALUES ('p1', 7)`)
		var buf bytes.Buffer
		_, dumped, err := db.Dump(ctx, &buf, "data", mig)
		if err != nil || dumped < 2 {
			t.Fatalf("dump: %d rows, %v", dumped, err)
		}
		exec(`DELETE FROM settings`)
		exec(`INSERT INTO erasures (subject_id, erased_at) VALUES ('p2', 8)`)
		if _, n, err := db.Load(ctx, bytes.NewReader(buf.Bytes()), "data", mig); err != nil || n != dumped {
			t.Fatalf("load: %d rows of %d, %v", n, dumped, err)
		}
		var v string
		if err := db.Q(ctx).QueryRowContext(ctx, `SELECT value FROM settings WHERE name='org'`).Scan(&v); err != nil || v != "Union ✓" {
			t.Fatalf("restored value %q, %v", v, err)
		}
		if n := storetest.Count(t, db.Q(ctx), `SELECT count(*) FROM erasures`); n != 1 {
			t.Fatalf("erasures after load: %d, want the dump's 1", n)
		}
		// A truncated file changes nothing.
		exec(`INSERT INTO settings (name, value, updated_at) VALUES ('keep', 'me', 1)`)
		cut := buf.Bytes()[:buf.Len()-20]
		if _, _, err := db.Load(ctx, bytes.NewReader(cut), "data", mig); err == nil {
			t.Fatal("truncated dump loaded without error")
		}
		if n := storetest.Count(t, db.Q(ctx), `SELECT count(*) FROM settings WHERE name='keep'`); n != 1 {
			t.Fatal("a failed load changed the database")
		}
		if _, _, err := db.Load(ctx, bytes.NewReader(buf.Bytes()), "keys", mig); !errors.Is(err, store.ErrBadDump) {
			t.Fatalf("loading a data dump as keys: %v", err)
		}
	})
}

// FuzzLoad feeds arbitrary bytes to Load as a restore would: it must never
// panic, and a failed load must leave the database as it was.
func FuzzLoad(f *testing.F) {
	ctx := context.Background()
	env := storetest.SQLiteEnv(f)
	db := storetest.OpenData(f, env)
	mig := store.DataMigrations()
	if _, err := db.Writer().ExecContext(ctx, `INSERT INTO settings (name, value, updated_at) VALUES ('keep', 'me', 1)`); err != nil {
		f.Fatal(err)
	}
	var good bytes.Buffer
	if _, _, err := db.Dump(ctx, &good, "data", mig); err != nil {
		f.Fatal(err)
	}
	f.Add(good.Bytes())
	f.Add([]byte{0x1f, 0x8b})
	f.Add([]byte(`{"format":"steward-dump-1"}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		_, _, err := db.Load(ctx, bytes.NewReader(b), "data", mig)
		if err != nil {
			if n := storetest.Count(t, db.Q(ctx), `SELECT count(*) FROM settings WHERE name='keep'`); n != 1 {
				t.Fatalf("a failed load changed the database (%v)", err)
			}
		}
	})
}
