package store_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"io"
	"slices"
	"strings"
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
		if _, n, err := db.Load(ctx, bytes.NewReader(buf.Bytes()), store.LoadOptions{Kind: "data", Migrations: mig}); err != nil || n != dumped {
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
		if _, _, err := db.Load(ctx, bytes.NewReader(cut), store.LoadOptions{Kind: "data", Migrations: mig}); err == nil {
			t.Fatal("truncated dump loaded without error")
		}
		if n := storetest.Count(t, db.Q(ctx), `SELECT count(*) FROM settings WHERE name='keep'`); n != 1 {
			t.Fatal("a failed load changed the database")
		}
		if _, _, err := db.Load(ctx, bytes.NewReader(buf.Bytes()), store.LoadOptions{Kind: "keys", Migrations: mig}); !errors.Is(err, store.ErrBadDump) {
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
		_, _, err := db.Load(ctx, bytes.NewReader(b), store.LoadOptions{Kind: "data", Migrations: mig})
		if err != nil {
			if n := storetest.Count(t, db.Q(ctx), `SELECT count(*) FROM settings WHERE name='keep'`); n != 1 {
				t.Fatalf("a failed load changed the database (%v)", err)
			}
		}
	})
}

// craft writes a dump by hand: h as the header, then each line as JSON.
func craft(t *testing.T, h *store.DumpHeader, lines ...string) []byte {
	t.Helper()
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	if err := json.NewEncoder(gz).Encode(h); err != nil {
		t.Fatal(err)
	}
	for _, l := range lines {
		if _, err := io.WriteString(gz, l+"\n"); err != nil {
			t.Fatal(err)
		}
	}
	if err := gz.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// emptyTables gives the lines of every table of h but those in skip,
// with no rows: what a dump of an empty database holds.
func emptyTables(h *store.DumpHeader, skip ...string) []string {
	var out []string
	for _, tbl := range h.Tables {
		if !slices.Contains(skip, tbl) {
			out = append(out, `{"table":"`+tbl+`","columns":["x"]}`)
		}
	}
	return out
}

// TestLoadRefusesMalformedDumps feeds Load dumps that a careless loader
// would accept, starting with one whose table name smuggles in SQL. Each
// must be refused with nothing changed.
func TestLoadRefusesMalformedDumps(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		ctx := context.Background()
		db := storetest.OpenData(t, env)
		mig := store.DataMigrations()
		if _, err := db.Writer().ExecContext(ctx, `INSERT INTO settings (name, value, updated_at) VALUES ('keep', 'me', 1)`); err != nil {
			t.Fatal(err)
		}
		var good bytes.Buffer
		if _, _, err := db.Dump(ctx, &good, "data", mig); err != nil {
			t.Fatal(err)
		}
		h, err := store.ReadDumpHeader(bytes.NewReader(good.Bytes()))
		if err != nil {
			t.Fatal(err)
		}
		other := *h
		other.Tables = append(slices.Clone(h.Tables), "people")
		fewer := *h
		fewer.Tables = slices.DeleteFunc(slices.Clone(h.Tables), func(s string) bool { return s == "settings" })
		injected := `settings (name, value, updated_at) SELECT 'x','true',1 --`
		cases := []struct {
			name  string
			dump  []byte
			isErr error
		}{
			{"sql in the table name", craft(t, h, append(emptyTables(h),
				`{"table":"`+injected+`","columns":["x"]}`, `{"r":[]}`, `{"end":true,"rows":1}`)...), store.ErrBadDump},
			{"table not in the header", craft(t, h, append(emptyTables(h), `{"table":"people","columns":["x"]}`, `{"end":true}`)...), store.ErrBadDump},
			{"table twice", craft(t, h, append(emptyTables(h), `{"table":"settings","columns":["x"]}`, `{"end":true}`)...), store.ErrBadDump},
			{"a table missing", craft(t, h, append(emptyTables(h, "settings"), `{"end":true}`)...), store.ErrBadDump},
			{"no columns", craft(t, h, append(emptyTables(h, "settings"), `{"table":"settings","columns":[]}`, `{"end":true}`)...), store.ErrBadDump},
			{"bad column name", craft(t, h, append(emptyTables(h, "settings"), `{"table":"settings","columns":["name","value) VALUES ('x','y',1) --"]}`, `{"end":true}`)...), store.ErrBadDump},
			{"short row", craft(t, h, append(emptyTables(h, "settings"),
				`{"table":"settings","columns":["name","value","updated_at"]}`, `{"r":[{"s":"x"},{"s":"y"}]}`, `{"end":true,"rows":1}`)...), store.ErrBadDump},
			{"two values in a cell", craft(t, h, append(emptyTables(h, "settings"),
				`{"table":"settings","columns":["name","value","updated_at"]}`, `{"r":[{"s":"x"},{"s":"y","i":1},{"i":1}]}`, `{"end":true,"rows":1}`)...), store.ErrBadDump},
			{"data after the trailer", craft(t, h, append(emptyTables(h), `{"end":true}`, `{"table":"settings","columns":["x"]}`)...), store.ErrBadDump},
			{"another schema", craft(t, &other, append(emptyTables(&other), `{"end":true}`)...), store.ErrDumpMismatch},
			{"fewer tables", craft(t, &fewer, append(emptyTables(&fewer), `{"end":true}`)...), store.ErrDumpMismatch},
		}
		for _, c := range cases {
			_, _, err := db.Load(ctx, bytes.NewReader(c.dump), store.LoadOptions{Kind: "data", Migrations: mig})
			if !errors.Is(err, c.isErr) {
				t.Errorf("%s: Load returned %v, want %v", c.name, err, c.isErr)
			}
			if c.isErr == store.ErrBadDump {
				if _, _, err := store.ScanDump(bytes.NewReader(c.dump), "data", nil); !errors.Is(err, store.ErrBadDump) {
					t.Errorf("%s: ScanDump returned %v", c.name, err)
				}
			}
			if n := storetest.Count(t, db.Q(ctx), `SELECT count(*) FROM settings WHERE name='keep'`); n != 1 {
				t.Fatalf("%s: the refused load changed the database", c.name)
			}
			if n := storetest.Count(t, db.Q(ctx), `SELECT count(*) FROM settings WHERE name='x'`); n != 0 {
				t.Fatalf("%s: the crafted row was inserted", c.name)
			}
		}
		// The untouched dump still scans and loads.
		if _, n, err := store.ScanDump(bytes.NewReader(good.Bytes()), "data", nil); err != nil || n < 1 {
			t.Fatalf("scan of a good dump: %d rows, %v", n, err)
		}
		if _, _, err := db.Load(ctx, bytes.NewReader(good.Bytes()), store.LoadOptions{Kind: "data", Migrations: mig}); err != nil {
			t.Fatalf("load of a good dump: %v", err)
		}
	})
}

// TestDumpRoundTripsEmptyAndNullBlobs: an empty blob, a NULL and a short
// blob each come back as they were.
func TestDumpRoundTripsEmptyAndNullBlobs(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		ctx := context.Background()
		db := storetest.OpenData(t, env)
		mig := store.DataMigrations()
		blob := "BLOB"
		if env.Dialect == store.Postgres {
			blob = "BYTEA"
		}
		exec := func(q string, args ...any) {
			t.Helper()
			if _, err := db.Writer().ExecContext(ctx, q, args...); err != nil {
				t.Fatal(err)
			}
		}
		exec(`CREATE TABLE blobs (id TEXT PRIMARY KEY, b ` + blob + `)`)
		exec(`INSERT INTO blobs (id, b) VALUES ('empty', $1), ('null', NULL), ('some', $2)`, []byte{}, []byte{0, 1, 0xff})
		check := func(when string) {
			t.Helper()
			if n := storetest.Count(t, db.Q(ctx), `SELECT count(*) FROM blobs WHERE id = 'empty' AND b IS NOT NULL AND length(b) = 0`); n != 1 {
				t.Fatalf("%s: the empty blob is not an empty blob", when)
			}
			if n := storetest.Count(t, db.Q(ctx), `SELECT count(*) FROM blobs WHERE id = 'null' AND b IS NULL`); n != 1 {
				t.Fatalf("%s: the NULL blob is not NULL", when)
			}
			var b []byte
			if err := db.Q(ctx).QueryRowContext(ctx, `SELECT b FROM blobs WHERE id = 'some'`).Scan(&b); err != nil || !bytes.Equal(b, []byte{0, 1, 0xff}) {
				t.Fatalf("%s: blob %x, %v", when, b, err)
			}
		}
		check("before the dump")
		var buf bytes.Buffer
		if _, _, err := db.Dump(ctx, &buf, "data", mig); err != nil {
			t.Fatal(err)
		}
		exec(`DELETE FROM blobs`)
		if _, n, err := db.Load(ctx, bytes.NewReader(buf.Bytes()), store.LoadOptions{Kind: "data", Migrations: mig}); err != nil || n != 3+1 {
			// 3 blobs and the audit chain's head row.
			t.Fatalf("load: %d rows, %v", n, err)
		}
		check("after the load")
	})
}

// TestLoadRunsBeforeCommitInItsTransaction: the callback sees the loaded
// rows, its writes commit with them, and its error undoes the whole load.
func TestLoadRunsBeforeCommitInItsTransaction(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		ctx := context.Background()
		db := storetest.OpenData(t, env)
		mig := store.DataMigrations()
		if _, err := db.Writer().ExecContext(ctx, `INSERT INTO erasures (subject_id, erased_at) VALUES ('p1', 1)`); err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		if _, _, err := db.Dump(ctx, &buf, "data", mig); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Writer().ExecContext(ctx, `INSERT INTO erasures (subject_id, erased_at) VALUES ('p2', 2)`); err != nil {
			t.Fatal(err)
		}
		boom := errors.New("boom")
		_, _, err := db.Load(ctx, bytes.NewReader(buf.Bytes()), store.LoadOptions{Kind: "data", Migrations: mig,
			BeforeCommit: func(ctx context.Context, tx *store.Tx, h *store.DumpHeader) error {
				if n := storetest.Count(t, tx, `SELECT count(*) FROM erasures`); n != 1 {
					t.Errorf("BeforeCommit sees %d erasures, want the dump's 1", n)
				}
				return boom
			}})
		if !errors.Is(err, boom) {
			t.Fatalf("load with a failing callback: %v", err)
		}
		if n := storetest.Count(t, db.Q(ctx), `SELECT count(*) FROM erasures`); n != 2 {
			t.Fatalf("a load whose callback failed changed the database: %d erasures", n)
		}
		_, _, err = db.Load(ctx, bytes.NewReader(buf.Bytes()), store.LoadOptions{Kind: "data", Migrations: mig,
			BeforeCommit: func(ctx context.Context, tx *store.Tx, h *store.DumpHeader) error {
				_, err := tx.ExecContext(ctx, `INSERT INTO erasures (subject_id, erased_at) VALUES ('p2', 2)`)
				return err
			}})
		if err != nil {
			t.Fatal(err)
		}
		if n := storetest.Count(t, db.Q(ctx), `SELECT count(*) FROM erasures`); n != 2 {
			t.Fatalf("the callback's write did not commit with the load: %d erasures", n)
		}
	})
}

func TestLoadRefusesADumpMissingAColumn(t *testing.T) {
	ctx := context.Background()
	db := storetest.OpenData(t, storetest.SQLiteEnv(t))
	mig := store.DataMigrations()
	var buf bytes.Buffer
	if _, _, err := db.Dump(ctx, &buf, "data", mig); err != nil {
		t.Fatal(err)
	}
	// Rewrite the dump with one column of api_tokens left out.
	var out bytes.Buffer
	raw := gunzip(t, buf.Bytes())
	cut := strings.Replace(raw, `"permissions",`, ``, 1)
	if cut == raw {
		t.Fatal("no permissions column in the dump to remove")
	}
	gz := gzip.NewWriter(&out)
	gz.Write([]byte(cut))
	gz.Close()
	_, _, err := db.Load(ctx, &out, store.LoadOptions{Kind: "data", Migrations: mig})
	if !errors.Is(err, store.ErrDumpMismatch) {
		t.Fatalf("dump without a column: %v, want ErrDumpMismatch", err)
	}
}

func gunzip(t *testing.T, b []byte) string {
	t.Helper()
	r, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	out, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}
