package cli

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stewardhq/steward/internal/access"
	"github.com/stewardhq/steward/internal/audit"
	"github.com/stewardhq/steward/internal/datamap"
	"github.com/stewardhq/steward/internal/rights"
	"github.com/stewardhq/steward/internal/store"
	"github.com/stewardhq/steward/internal/store/storetest"
	"github.com/stewardhq/steward/internal/subjects"
	"github.com/stewardhq/steward/internal/vault"
)

// erasedAfterBackup builds an installation with Ann and Bob sealed in a
// scratch table, backs it up, then erases Ann. It returns the CLI flags,
// the parsed paths, the backup files and both ids.
func erasedAfterBackup(t *testing.T, env storetest.Env) (p []string, paths Paths, dataFile, keysFile, ann, bob string) {
	t.Helper()
	ctx := context.Background()
	p = setup(t, env)
	paths = parsePaths(t, p)
	app, err := openApp(ctx, paths, nil)
	if err != nil {
		t.Fatal(err)
	}
	blob := "BLOB"
	if env.Dialect == store.Postgres {
		blob = "BYTEA"
	}
	if _, err := app.DB.Writer().ExecContext(ctx, `CREATE TABLE scratch_people (id TEXT PRIMARY KEY, name `+blob+`)`); err != nil {
		t.Fatal(err)
	}
	ann, bob = store.NewID(), store.NewID()
	sealPerson(t, ctx, app, ann, "Ann Example")
	sealPerson(t, ctx, app, bob, "Bob Example")
	app.Close()
	dir := t.TempDir()
	mustRun(t, "", append([]string{"backup", "--out", dir}, p...)...)
	dataFile, keysFile = backupFiles(t, dir)
	app, err = openApp(ctx, paths, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer app.Close()
	if err := app.Vault.Shred(ctx, ann); err != nil {
		t.Fatal(err)
	}
	return p, paths, dataFile, keysFile, ann, bob
}

// keyStoreState summarises the key store for before/after comparisons.
func keyStoreState(t *testing.T, ctx context.Context, app *App) string {
	t.Helper()
	log, err := app.Vault.ShredLog(ctx)
	if err != nil {
		t.Fatal(err)
	}
	n := storetest.Count(t, app.Vault.KeyStore().Q(ctx), `SELECT count(*) FROM data_keys`)
	return "key " + app.Vault.KeyID() + " data_keys " + strconv.Itoa(n) + " shred_log " + strings.Join(log, ",")
}

// assertErased checks Ann stays erased, Bob readable, the shred log names
// Ann and the audit chain holds.
func assertErased(t *testing.T, ctx context.Context, paths Paths, ann, bob string) {
	t.Helper()
	app, err := openApp(ctx, paths, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer app.Close()
	if got, err := readPerson(t, ctx, app, ann); !errors.Is(err, vault.ErrShredded) {
		t.Fatalf("Ann came back: %q, %v", got, err)
	}
	if got, err := readPerson(t, ctx, app, bob); err != nil || got != "Bob Example" {
		t.Fatalf("Bob: %q, %v", got, err)
	}
	if log, err := app.Vault.ShredLog(ctx); err != nil || !slices.Contains(log, ann) {
		t.Fatalf("shred log %v lacks Ann (%v)", log, err)
	}
	if rep, err := app.Audit.Verify(ctx); err != nil || rep.FirstBad != nil {
		t.Fatalf("audit chain: %+v, %v", rep.FirstBad, err)
	}
}

// rewriteDump decompresses a dump, lets edit change its lines and writes
// the result to a new file.
func rewriteDump(t *testing.T, path string, edit func(lines []string) []string) string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := io.ReadAll(gz)
	if err != nil {
		t.Fatal(err)
	}
	lines := edit(strings.Split(strings.TrimSuffix(string(raw), "\n"), "\n"))
	var buf bytes.Buffer
	w := gzip.NewWriter(&buf)
	io.WriteString(w, strings.Join(lines, "\n")+"\n")
	w.Close()
	out := filepath.Join(t.TempDir(), "edited.dump.gz")
	if err := os.WriteFile(out, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestRestoreWithATruncatedDataFileChangesNothing: the key-store backup is
// sound but the data backup is cut short. Before, the old key store was
// loaded and committed (Ann's key back, her shred-log entry gone) and only
// then did the data load fail.
func TestRestoreWithATruncatedDataFileChangesNothing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		ctx := context.Background()
		p, paths, dataFile, keysFile, ann, bob := erasedAfterBackup(t, env)
		raw, err := os.ReadFile(dataFile)
		if err != nil {
			t.Fatal(err)
		}
		cut := filepath.Join(t.TempDir(), "cut.dump.gz")
		if err := os.WriteFile(cut, raw[:len(raw)*2/3], 0o600); err != nil {
			t.Fatal(err)
		}
		app, err := openApp(ctx, paths, nil)
		if err != nil {
			t.Fatal(err)
		}
		before := keyStoreState(t, ctx, app)
		app.Close()

		code, _, errs := run(t, "", append([]string{"restore", "--yes", "--keys", keysFile, "--data", cut}, p...)...)
		if code == 0 {
			t.Fatal("restore with a truncated data backup succeeded")
		}
		if !strings.Contains(errs, "cut.dump.gz") {
			t.Errorf("the message does not name the bad file: %q", errs)
		}
		assertErased(t, ctx, paths, ann, bob)
		app, err = openApp(ctx, paths, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer app.Close()
		if after := keyStoreState(t, ctx, app); after != before {
			t.Fatalf("the failed restore changed the key store:\nbefore %s\nafter  %s", before, after)
		}
	})
}

// TestRestoreWhoseDataLoadFailsKeepsTheErasedErased: a data backup that
// passes every check of the file but fails while loading (a duplicated
// row). The key store is loaded first and commits; it must already lack
// Ann's key and list her in the shred log when it does.
func TestRestoreWhoseDataLoadFailsKeepsTheErasedErased(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		ctx := context.Background()
		p, paths, dataFile, keysFile, ann, bob := erasedAfterBackup(t, env)
		dup := rewriteDump(t, dataFile, func(lines []string) []string {
			var out []string
			in := false
			for _, l := range lines {
				switch {
				case strings.HasPrefix(l, `{"table":"scratch_people"`):
					in = true
				case strings.HasPrefix(l, `{"table":`):
					in = false
				case strings.HasPrefix(l, `{"end":true`):
					var trailer struct{ Rows int }
					if err := json.Unmarshal([]byte(l), &trailer); err != nil {
						t.Fatal(err)
					}
					l = `{"end":true,"rows":` + strconv.Itoa(trailer.Rows+1) + `}`
				case in && strings.HasPrefix(l, `{"r":`):
					out = append(out, l) // the same row twice
					in = false
				}
				out = append(out, l)
			}
			return out
		})
		code, _, errs := run(t, "", append([]string{"restore", "--yes", "--keys", keysFile, "--data", dup}, p...)...)
		if code == 0 {
			t.Fatal("restore of a data backup with a duplicated row succeeded")
		}
		if !strings.Contains(errs, "scratch_people") {
			t.Errorf("message: %q", errs)
		}
		assertErased(t, ctx, paths, ann, bob)
	})
}

// TestRestoreRefusesAKeyBackupFromBeforeARotation: the key-store backup's
// data keys are wrapped under a master key that no longer exists. Loading
// it would make every key unreadable, so it is refused, saying which key
// it needs, before anything changes.
func TestRestoreRefusesAKeyBackupFromBeforeARotation(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		ctx := context.Background()
		p, paths, dataFile, keysFile, ann, bob := erasedAfterBackup(t, env)
		mustRun(t, "", append([]string{"keys", "rotate"}, p...)...)
		app, err := openApp(ctx, paths, nil)
		if err != nil {
			t.Fatal(err)
		}
		before := keyStoreState(t, ctx, app)
		head, err := auditHead(ctx, app.DB.Q(ctx))
		if err != nil {
			t.Fatal(err)
		}
		app.Close()
		keyFile := filepath.Join(env.Dir, "master.key")
		for _, args := range [][]string{
			{"restore", "--yes", "--keys", keysFile},
			{"restore", "--yes", "--keys", keysFile, "--data", dataFile},
		} {
			code, _, errs := run(t, "", append(args, p...)...)
			if code == 0 {
				t.Fatalf("%v: a key-store backup from before the rotation was restored", args)
			}
			if !strings.Contains(errs, keyFile) || !strings.Contains(errs, "key id") || !strings.Contains(errs, "Nothing was changed") {
				t.Errorf("%v: the message should name the key file and the key it needs: %q", args, errs)
			}
		}
		assertErased(t, ctx, paths, ann, bob)
		app, err = openApp(ctx, paths, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer app.Close()
		if after := keyStoreState(t, ctx, app); after != before {
			t.Fatalf("the refused restore changed the key store:\nbefore %s\nafter  %s", before, after)
		}
		if now, _ := auditHead(ctx, app.DB.Q(ctx)); now != head {
			t.Fatalf("the refused restore changed the data: audit head %d, was %d", now, head)
		}
	})
}

// TestOperationalCommandsAreAudited: backup, keys rotate and restore each
// leave an event, and the restored chain (the backup's plus the restore
// event) verifies.
func TestOperationalCommandsAreAudited(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		ctx := context.Background()
		p := setup(t, env)
		paths := parsePaths(t, p)
		dir := t.TempDir()
		mustRun(t, "", append([]string{"backup", "--out", dir}, p...)...)
		dataFile, _ := backupFiles(t, dir)
		mustRun(t, "", append([]string{"keys", "rotate"}, p...)...)

		app, err := openApp(ctx, paths, nil)
		if err != nil {
			t.Fatal(err)
		}
		b := lastEvent(t, ctx, app, "backup.create")
		if b.ActorID != "system" || b.Detail["kind"] != "data+keys" || b.Detail["data_rows"] == "" || b.Detail["key_rows"] == "" {
			t.Errorf("backup.create event: %+v", b)
		}
		r := lastEvent(t, ctx, app, "keys.rotate")
		if r.Detail["new_key_id"] != app.Vault.KeyID() || r.Detail["old_key_id"] == "" || r.Detail["old_key_id"] == r.Detail["new_key_id"] || r.Detail["rewrapped"] == "" {
			t.Errorf("keys.rotate event: %+v (key now %s)", r, app.Vault.KeyID())
		}
		preHead, err := auditHead(ctx, app.DB.Q(ctx))
		if err != nil {
			t.Fatal(err)
		}
		app.Close()

		mustRun(t, "", append([]string{"restore", "--yes", "--data", dataFile}, p...)...)
		app, err = openApp(ctx, paths, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer app.Close()
		e := lastEvent(t, ctx, app, "backup.restore")
		if e.Detail["pre_restore_head_seq"] != strconv.FormatInt(preHead, 10) || e.Detail["previous_events_replaced"] != "true" {
			t.Errorf("backup.restore event: %+v, want pre_restore_head_seq %d", e.Detail, preHead)
		}
		if e.Detail["backup_head_seq"] != strconv.FormatInt(e.Seq-1, 10) {
			t.Errorf("backup.restore should follow the backup's chain: seq %d, detail %+v", e.Seq, e.Detail)
		}
		if rep, err := app.Audit.Verify(ctx); err != nil || rep.FirstBad != nil {
			t.Fatalf("audit chain after restore: %+v, %v", rep.FirstBad, err)
		}
		mustRun(t, "", append([]string{"audit", "verify"}, p...)...)
	})
}

func lastEvent(t *testing.T, ctx context.Context, app *App, action string) audit.Event {
	t.Helper()
	evs, err := app.Audit.List(ctx, audit.Filter{Action: action, Limit: 1})
	if err != nil || len(evs) != 1 {
		t.Fatalf("no %s event (%v)", action, err)
	}
	return evs[0]
}

// TestInitRefusesANewKeyStoreOverData: the key store is gone (deleted
// keys.db, dropped schema) or mistyped (--keys-schema), but master.key and
// the data remain. init used to adopt the key with fresh root secrets and
// say nothing changed.
func TestInitRefusesANewKeyStoreOverData(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		p := setup(t, env)
		keyFile := filepath.Join(env.Dir, "master.key")
		key, err := os.ReadFile(keyFile)
		if err != nil {
			t.Fatal(err)
		}
		refused := func(args []string, keysAt string) {
			t.Helper()
			code, out, errs := run(t, "", args...)
			if code == 0 {
				t.Fatalf("init over data without its key store succeeded:\n%s", out)
			}
			if !strings.Contains(errs, "holds data but the key store at") || !strings.Contains(errs, keysAt) || !strings.Contains(errs, "steward restore --keys") {
				t.Fatalf("message: %q", errs)
			}
			if now, _ := os.ReadFile(keyFile); !bytes.Equal(now, key) {
				t.Fatal("init touched master.key")
			}
		}
		if env.Dialect == store.SQLite {
			keysDB := filepath.Join(env.Dir, "keys.db")
			for _, f := range []string{keysDB, keysDB + "-wal", keysDB + "-shm"} {
				if err := os.Remove(f); err != nil && !errors.Is(err, os.ErrNotExist) {
					t.Fatal(err)
				}
			}
			refused(append([]string{"init"}, p...), keysDB)
			if _, err := os.Stat(keysDB); !errors.Is(err, os.ErrNotExist) {
				t.Fatal("the refused init created keys.db")
			}
			return
		}
		// PostgreSQL: a mistyped key-store schema, which must not be
		// created, then the real one dropped.
		typo := env.Keys.Schema + "_typo"
		t.Cleanup(func() { dropSchema(t, env, typo) })
		args := append([]string{"init"}, p...)
		args = append(args, "--keys-schema", typo)
		refused(args, typo)
		if schemaExists(t, env, typo) {
			t.Fatal("the refused init created the mistyped schema")
		}
		dropSchema(t, env, env.Keys.Schema)
		refused(append([]string{"init"}, p...), env.Keys.Schema)
	})
}

func pgAdmin(t *testing.T, env storetest.Env) *store.DB {
	t.Helper()
	db, err := store.Open(context.Background(), store.Options{Target: store.Target{PostgresURL: env.Data.PostgresURL}, NoMigrate: true})
	if err != nil {
		t.Fatal(err)
	}
	return db
}

func schemaExists(t *testing.T, env storetest.Env, schema string) bool {
	t.Helper()
	db := pgAdmin(t, env)
	defer db.Close()
	return storetest.Count(t, db.Q(context.Background()), `SELECT count(*) FROM pg_namespace WHERE nspname = $1`, schema) == 1
}

func dropSchema(t *testing.T, env storetest.Env, schema string) {
	t.Helper()
	db := pgAdmin(t, env)
	defer db.Close()
	if _, err := db.Writer().ExecContext(context.Background(), `DROP SCHEMA IF EXISTS `+schema+` CASCADE`); err != nil {
		t.Fatal(err)
	}
}

// TestDatabaseURLFromAFile: with the URL in STEWARD_DATABASE_URL_FILE the
// data directory holds at most the key file. openApp tested the flag, not
// the resolved URL, so without a key file there it said "no Steward data,
// run steward init" about a PostgreSQL database full of data, instead of
// naming the missing key.
func TestDatabaseURLFromAFile(t *testing.T) {
	env := storetest.PostgresEnv(t)
	p := setup(t, env)
	paths := parsePaths(t, p)
	urlFile := filepath.Join(t.TempDir(), "database-url")
	if err := os.WriteFile(urlFile, []byte(paths.DatabaseURL+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("STEWARD_DATABASE_URL", "")
	t.Setenv("STEWARD_DATABASE_URL_FILE", urlFile)
	out := mustRun(t, "", "unit", "list", "--data-dir", env.Dir, "--log-level", "error", "--keys-schema", env.Keys.Schema)
	if !strings.Contains(out, "Riverside Academy") {
		t.Fatalf("unit list with the URL from a file: %s", out)
	}
	empty := t.TempDir()
	code, _, errs := run(t, "", "unit", "list", "--data-dir", empty, "--log-level", "error", "--keys-schema", env.Keys.Schema)
	if code == 0 || strings.Contains(errs, "no Steward data") || !strings.Contains(errs, filepath.Join(empty, "master.key")) {
		t.Fatalf("without the key file: exit %d, %q; want the missing key file named", code, errs)
	}
}

// TestRestoreDeletesRegisterRowsOfTheErased: a person in the register,
// erased after the backup, has neither key nor rows after a restore.
func TestRestoreDeletesRegisterRowsOfTheErased(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		ctx := context.Background()
		p := setup(t, env)
		paths := parsePaths(t, p)
		app, err := openApp(ctx, paths, nil)
		if err != nil {
			t.Fatal(err)
		}
		op := mustOperator(t, ctx, app)
		unit, err := findUnit(op, app, "Riverside Academy")
		if err != nil {
			t.Fatal(err)
		}
		dpo := addDPO(t, ctx, app, op, unit.ID)
		ann, err := app.Subjects.Create(dpo, subjects.Input{UnitID: unit.ID, Profile: subjects.Profile{GivenName: "Ann", FamilyName: "Example", Email: "ann@example.org"}})
		if err != nil {
			t.Fatal(err)
		}
		app.Close()
		dir := t.TempDir()
		mustRun(t, "", append([]string{"backup", "--out", dir, "--no-keys"}, p...)...)
		dataFile, _ := filepath.Glob(filepath.Join(dir, "steward-data-*.dump.gz"))

		app, err = openApp(ctx, paths, nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := app.Subjects.Erase(dpo, ann.ID); err != nil {
			t.Fatal(err)
		}
		app.Close()
		mustRun(t, "", append([]string{"restore", "--yes", "--data", dataFile[0]}, p...)...)
		app, err = openApp(ctx, paths, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer app.Close()
		if n := storetest.Count(t, app.DB.Q(ctx), `SELECT count(*) FROM subjects WHERE id = $1`, ann.ID); n != 0 {
			t.Fatal("the erased person's row came back with the restore")
		}
		if hits, err := app.Subjects.Search(dpo, "ann@example.org"); err != nil || len(hits) != 0 {
			t.Fatalf("the erased person is found after the restore: %d %v", len(hits), err)
		}
	})
}

// TestRestoreAfterAnErasureRequest: a data backup is taken; an erasure
// request then erases a member's details and one record, and keeps
// another record for a claim. Restoring the backup brings back neither
// the details nor the erased record, in any readable form, while the
// kept record still opens.
func TestRestoreAfterAnErasureRequest(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		ctx := context.Background()
		p := setup(t, env)
		paths := parsePaths(t, p)
		app, err := openApp(ctx, paths, nil)
		if err != nil {
			t.Fatal(err)
		}
		op := mustOperator(t, ctx, app)
		unit, err := findUnit(op, app, "Riverside Academy")
		if err != nil {
			t.Fatal(err)
		}
		root, err := app.Access.RootUnit(ctx)
		if err != nil {
			t.Fatal(err)
		}
		dpo := addDPO(t, ctx, app, op, root.ID)
		if err := app.Datamap.Seed(dpo, datamap.Controller{Name: "Union", DPO: "dpo@example.org"}); err != nil {
			t.Fatal(err)
		}
		ch, err := app.Datamap.FormChoices(dpo)
		if err != nil {
			t.Fatal(err)
		}
		pick := func(list []datamap.Choice, name string) string {
			for _, c := range list {
				if c.Name == name {
					return c.ID
				}
			}
			t.Fatalf("no %q in the seeded data map", name)
			return ""
		}
		cat, act := pick(ch.Categories, "Casework notes and correspondence"), pick(ch.Activities, "Casework and representation")
		ann, err := app.Subjects.Create(dpo, subjects.Input{UnitID: unit.ID, Profile: subjects.Profile{GivenName: "Ann", FamilyName: "Example", Email: "ann@example.org"}})
		if err != nil {
			t.Fatal(err)
		}
		recs := subjects.NewRecords(app.Subjects, app.Datamap)
		add := func(title, body string) *subjects.Record {
			r, err := recs.Add(dpo, ann.ID, subjects.RecordInput{Kind: "casework_note", CategoryID: cat, ActivityID: act, Title: title, Body: body})
			if err != nil {
				t.Fatalf("add record: %v", err)
			}
			return r
		}
		gone := add("Old grievance", "Settled in 2019 with the head teacher")
		kept := add("Tribunal claim", "Claim lodged, hearing in May")
		app.Close()
		dir := t.TempDir()
		mustRun(t, "", append([]string{"backup", "--out", dir, "--no-keys"}, p...)...)
		dataFile, _ := filepath.Glob(filepath.Join(dir, "steward-data-*.dump.gz"))

		app, err = openApp(ctx, paths, nil)
		if err != nil {
			t.Fatal(err)
		}
		r, err := app.Rights.Log(dpo, rights.LogInput{Kind: rights.KindErasure, Channel: rights.ChannelEmail, Requester: rights.RequesterSelf,
			ReceivedOn: time.Now().Format(time.DateOnly), Details: rights.Details{RequesterName: "Ann Example", RequesterEmail: "ann@example.org", Description: "Please delete everything you hold about me."}})
		if err != nil {
			t.Fatal(err)
		}
		if r, err = app.Rights.Match(dpo, r.ID, ann.ID, r.Version); err != nil {
			t.Fatal(err)
		}
		items, tasks, err := app.Rights.Collate(dpo, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, tk := range tasks {
			if err := app.Rights.CompleteTask(dpo, r.ID, tk.ID, "Nothing there."); err != nil {
				t.Fatal(err)
			}
		}
		for _, it := range items {
			d := rights.DecisionInput{Decision: rights.Erase}
			if it.Content.Source == "access_log" || it.Content.Key == kept.ID {
				d = rights.DecisionInput{Decision: rights.Keep, Exemption: "legal_claims", Reason: "Open claim."}
			}
			if _, err := app.Rights.Decide(dpo, r.ID, it.ID, d); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := app.Rights.CarryOut(dpo, r.ID, r.Version); err != nil {
			t.Fatal(err)
		}
		app.Close()

		mustRun(t, "", append([]string{"restore", "--yes", "--data", dataFile[0]}, p...)...)
		app, err = openApp(ctx, paths, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer app.Close()
		got, err := app.Subjects.Get(dpo, ann.ID, "")
		if err != nil || !got.Erased || got.Profile.Email != "" {
			t.Fatalf("after the restore the person is %+v, %v; want erased, kept for the claim", got, err)
		}
		if hits, err := app.Subjects.Search(dpo, "ann@example.org"); err != nil || len(hits) != 0 {
			t.Fatalf("the erased person is found after the restore: %d %v", len(hits), err)
		}
		if n := storetest.Count(t, app.DB.Q(ctx), `SELECT count(*) FROM records WHERE id = $1`, gone.ID); n != 0 {
			t.Fatal("the erased record's row came back with the restore")
		}
		list, err := subjects.NewRecords(app.Subjects, app.Datamap).List(dpo, ann.ID)
		if err != nil || len(list) != 1 || list[0].ID != kept.ID || list[0].Body != "Claim lodged, hearing in May" {
			t.Fatalf("the kept record after the restore: %+v %v", list, err)
		}
		// The backup's copy of the erased record does not open either.
		for _, id := range []string{ann.ID, gone.ID} {
			if _, err := app.Vault.SubjectKey(ctx, id, false); !errors.Is(err, vault.ErrShredded) {
				t.Errorf("key %s after the restore: %v, want shredded", id, err)
			}
		}
	})
}

// addDPO makes an account "dpo" with the DPO role on unit and returns ctx
// acting as it; the actor stays valid across reopening the app.
func addDPO(t *testing.T, ctx context.Context, app *App, op context.Context, unitID string) context.Context {
	t.Helper()
	if _, err := app.Access.CreateAccountWithRole(op, "dpo", "a long enough password", access.RoleDPO, unitID); err != nil {
		t.Fatal(err)
	}
	a, err := app.Access.Actor(ctx, "dpo", access.ViaCLI)
	if err != nil {
		t.Fatal(err)
	}
	return access.WithActor(ctx, a)
}
