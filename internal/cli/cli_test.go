package cli

import (
	"bytes"
	"context"
	"errors"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stewardhq/steward/internal/store"
	"github.com/stewardhq/steward/internal/store/storetest"
	"github.com/stewardhq/steward/internal/vault"
)

// run calls Main as the binary would and returns exit code and output.
func run(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := Main(context.Background(), args, strings.NewReader(stdin), &out, &errb)
	return code, out.String(), errb.String()
}

// pathsFor gives the flags that point the CLI at a test environment.
func pathsFor(t *testing.T, env storetest.Env) []string {
	args := []string{"--data-dir", env.Dir, "--log-level", "error"}
	if env.Dialect == store.Postgres {
		args = append(args, "--database-url", withSearchPath(t, env.Data.PostgresURL, env.Data.Schema), "--keys-schema", env.Keys.Schema)
	}
	return args
}

// withSearchPath puts the test's schema in the URL, as an operator would.
func withSearchPath(t *testing.T, raw, schema string) string {
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatalf("parse %s: %v", storetest.EnvPostgres, err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

func mustRun(t *testing.T, stdin string, args ...string) string {
	t.Helper()
	code, out, errs := run(t, stdin, args...)
	if code != 0 {
		t.Fatalf("steward %s: exit %d\n%s%s", strings.Join(args, " "), code, out, errs)
	}
	return out
}

// setup initialises an installation with a branch, two workplaces and a
// rep on one of them, all through the CLI.
func setup(t *testing.T, env storetest.Env) []string {
	p := pathsFor(t, env)
	mustRun(t, "", append([]string{"init", "--org", "Union"}, p...)...)
	mustRun(t, "", append([]string{"unit", "add", "North", "--kind", "region", "--parent", "Union"}, p...)...)
	mustRun(t, "", append([]string{"unit", "add", "Riverside Academy", "--kind", "workplace", "--parent", "North"}, p...)...)
	mustRun(t, "", append([]string{"unit", "add", "Hillcrest College", "--kind", "workplace", "--parent", "North"}, p...)...)
	out := mustRun(t, "a long enough password\n", append([]string{"user", "add", "rep.a", "--role", "rep", "--unit", "Riverside Academy"}, p...)...)
	if !strings.Contains(out, "otpauth://totp/") {
		t.Fatalf("user add printed no enrolment secret:\n%s", out)
	}
	return p
}

func TestRepThroughCLISeesOnlyTheirWorkplace(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		p := setup(t, env)
		out := mustRun(t, "", append([]string{"unit", "list", "--as", "rep.a"}, p...)...)
		if !strings.Contains(out, "Riverside Academy") || strings.Contains(out, "Hillcrest") || strings.Contains(out, "North") {
			t.Fatalf("rep's unit list shows more than their workplace:\n%s", out)
		}
		for _, args := range [][]string{
			{"user", "list", "--as", "rep.a"},
			{"unit", "add", "Sneaky", "--kind", "workplace", "--parent", "Riverside Academy", "--as", "rep.a"},
			{"user", "grant", "rep.a", "dpo", "Union", "--as", "rep.a"},
			{"user", "grant", "rep.a", "rep", "Hillcrest College", "--as", "rep.a"},
		} {
			code, out, errs := run(t, "", append(args, p...)...)
			if code == 0 {
				t.Errorf("steward %v as a rep succeeded:\n%s", args, out)
			}
			if !strings.Contains(errs, "steward:") {
				t.Errorf("no clear message for %v: %q", args, errs)
			}
		}
		// The operator sees all units.
		out = mustRun(t, "", append([]string{"unit", "list"}, p...)...)
		if !strings.Contains(out, "Hillcrest") {
			t.Fatalf("operator unit list:\n%s", out)
		}
	})
}

func TestAuditVerifyDetectsAHandEditedRow(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		p := setup(t, env)
		out := mustRun(t, "", append([]string{"audit", "verify"}, p...)...)
		if !strings.Contains(out, "intact") {
			t.Fatalf("verify: %s", out)
		}
		db, err := store.Open(context.Background(), store.Options{Target: env.Data, NoMigrate: true})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.Writer().ExecContext(context.Background(), `UPDATE audit_events SET action = 'unit.delete' WHERE seq = 3`); err != nil {
			t.Fatal(err)
		}
		db.Close()
		code, _, errs := run(t, "", append([]string{"audit", "verify"}, p...)...)
		if code == 0 || !strings.Contains(errs, "event 3") {
			t.Fatalf("verify after edit: exit %d, %q", code, errs)
		}
	})
}

func TestWrongOrMissingMasterKeyStops(t *testing.T) {
	env := storetest.SQLiteEnv(t)
	p := setup(t, env)
	key := filepath.Join(env.Dir, "master.key")
	if err := os.Rename(key, key+".away"); err != nil {
		t.Fatal(err)
	}
	code, _, errs := run(t, "", append([]string{"unit", "list"}, p...)...)
	if code == 0 || !strings.Contains(errs, key) {
		t.Fatalf("missing key: exit %d, message %q should name %s", code, errs, key)
	}
	// init must not create a fresh key over existing data.
	code, _, errs = run(t, "", append([]string{"init"}, p...)...)
	if code == 0 {
		t.Fatalf("init over existing data without its key succeeded: %s", errs)
	}
	if _, err := os.Stat(key); !errors.Is(err, os.ErrNotExist) {
		t.Fatal("init wrote a new master key over existing data")
	}
	other := storetest.SQLiteEnv(t)
	mustRun(t, "", "init", "--data-dir", other.Dir, "--log-level", "error")
	code, _, errs = run(t, "", append([]string{"unit", "list", "--master-key-file", filepath.Join(other.Dir, "master.key")}, p...)...)
	if code == 0 || !strings.Contains(errs, filepath.Join(other.Dir, "master.key")) {
		t.Fatalf("wrong key: exit %d, %q", code, errs)
	}
}

func TestHelpAndBadFlags(t *testing.T) {
	code, out, _ := run(t, "", "--help")
	if code != 0 || !strings.Contains(out, "backup") || !strings.Contains(out, "restore") {
		t.Fatalf("--help: %d %s", code, out)
	}
	code, _, errs := run(t, "", "user", "grant")
	if code == 0 || errs == "" {
		t.Fatalf("missing arguments: exit %d, %q", code, errs)
	}
	code, _, errs = run(t, "", "unit", "list", "--data-dir", t.TempDir())
	if code == 0 || !strings.Contains(errs, "steward init") {
		t.Fatalf("uninitialised dir: exit %d, %q", code, errs)
	}
}

// sealPerson stores a sealed name for a person in a scratch table, standing
// in for the register, which arrives with its own issue.
func sealPerson(t *testing.T, ctx context.Context, app *App, id, name string) {
	t.Helper()
	ct, err := app.Vault.Seal(ctx, id, vault.Field{Table: "scratch_people", Column: "name", Row: id}, []byte(name))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := app.DB.Writer().ExecContext(ctx, `INSERT INTO scratch_people (id, name) VALUES ($1, $2)`, id, ct); err != nil {
		t.Fatal(err)
	}
}

func readPerson(t *testing.T, ctx context.Context, app *App, id string) (string, error) {
	t.Helper()
	var ct []byte
	if err := app.DB.Reader().QueryRowContext(ctx, `SELECT name FROM scratch_people WHERE id = $1`, id).Scan(&ct); err != nil {
		t.Fatalf("row of %s: %v", id, err)
	}
	pt, err := app.Vault.Open(ctx, id, vault.Field{Table: "scratch_people", Column: "name", Row: id}, ct)
	return string(pt), err
}

func TestRestoreNeverBringsBackTheErased(t *testing.T) {
	for _, withKeys := range []bool{false, true} {
		name := "data-only"
		if withKeys {
			name = "data-and-older-key-store"
		}
		t.Run(name, func(t *testing.T) {
			storetest.Each(t, func(t *testing.T, env storetest.Env) {
				p, paths, dataFile, keysFile, ann, bob := erasedAfterBackup(t, env)
				args := []string{"restore", "--yes", "--data", dataFile}
				if withKeys {
					args = append(args, "--keys", keysFile)
				}
				out := mustRun(t, "", append(args, p...)...)
				if !strings.Contains(out, "Replayed 1 erasures") {
					t.Fatalf("restore output: %s", out)
				}
				assertErased(t, context.Background(), paths, ann, bob)
			})
		})
	}
}

func backupFiles(t *testing.T, dir string) (data, keys string) {
	t.Helper()
	d, _ := filepath.Glob(filepath.Join(dir, "steward-data-*.dump.gz"))
	k, _ := filepath.Glob(filepath.Join(dir, "steward-keys-*.dump.gz"))
	if len(d) != 1 || len(k) != 1 {
		t.Fatalf("backup files: %v %v", d, k)
	}
	raw, err := os.ReadFile(d[0])
	if err != nil {
		t.Fatal(err)
	}
	h, err := store.ReadDumpHeader(bytes.NewReader(raw))
	if err != nil || h.Kind != "data" {
		t.Fatalf("data backup header %+v, %v", h, err)
	}
	for _, tbl := range h.Tables {
		if tbl == "data_keys" || tbl == "meta" {
			t.Fatalf("data backup holds key-store table %s", tbl)
		}
	}
	return d[0], k[0]
}

// parsePaths turns CLI flags back into Paths for direct use in tests.
func parsePaths(t *testing.T, args []string) Paths {
	var p Paths
	p.KeysSchema = "steward_keys"
	for i := 0; i+1 < len(args); i += 2 {
		switch args[i] {
		case "--data-dir":
			p.DataDir = args[i+1]
		case "--database-url":
			p.DatabaseURL = args[i+1]
		case "--keys-schema":
			p.KeysSchema = args[i+1]
		}
	}
	return p
}

func TestKeysRotateKeepsEverythingReadable(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		ctx := context.Background()
		p := setup(t, env)
		paths := parsePaths(t, p)
		app, err := openApp(ctx, paths, nil)
		if err != nil {
			t.Fatal(err)
		}
		idx, err := app.Vault.BlindIndex(vault.IndexEmail, "jo@example.org")
		if err != nil {
			t.Fatal(err)
		}
		app.Close()
		old, err := os.ReadFile(filepath.Join(env.Dir, "master.key"))
		if err != nil {
			t.Fatal(err)
		}
		out := mustRun(t, "", append([]string{"keys", "rotate"}, p...)...)
		if !strings.Contains(out, "Rotated the master key") {
			t.Fatalf("rotate: %s", out)
		}
		now, _ := os.ReadFile(filepath.Join(env.Dir, "master.key"))
		if bytes.Equal(old, now) {
			t.Fatal("master.key unchanged after rotation")
		}
		// The rep's TOTP secret (sealed under a system key) and the audit
		// checkpoint key survive, and so do blind indexes.
		out = mustRun(t, "", append([]string{"unit", "list", "--as", "rep.a"}, p...)...)
		if !strings.Contains(out, "Riverside Academy") {
			t.Fatalf("after rotation: %s", out)
		}
		mustRun(t, "", append([]string{"audit", "verify"}, p...)...)
		app, err = openApp(ctx, paths, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer app.Close()
		idx2, _ := app.Vault.BlindIndex(vault.IndexEmail, "jo@example.org")
		if !bytes.Equal(idx, idx2) {
			t.Fatal("blind index changed with the master key")
		}
		if _, err := app.Access.ResetTOTP(mustOperator(t, ctx, app), "rep.a"); err != nil {
			t.Fatalf("system sealing after rotation: %v", err)
		}
	})
}

func mustOperator(t *testing.T, ctx context.Context, app *App) context.Context {
	t.Helper()
	ctx, err := app.operator(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	return ctx
}

func TestDemoBuildsAndItsAuditChainVerifies(t *testing.T) {
	dir := t.TempDir()
	out := mustRun(t, "", "demo", "--data-dir", dir, "--no-serve", "--log-level", "error")
	for _, want := range []string{DemoPassword, "rep.1", "dpo", "trustee", "admin", "OFF for this demo only"} {
		if !strings.Contains(out, want) {
			t.Errorf("demo output lacks %q:\n%s", want, out)
		}
	}
	units := mustRun(t, "", "unit", "list", "--data-dir", dir, "--log-level", "error")
	if n := strings.Count(units, "workplace"); n < 25 || n > 35 {
		t.Errorf("demo has %d workplaces, want about 30", n)
	}
	// A second run reuses the demo rather than building another.
	again := mustRun(t, "", "demo", "--data-dir", dir, "--no-serve", "--log-level", "error")
	if strings.Contains(again, "Building") {
		t.Error("second demo run rebuilt the organisation")
	}
	mustRun(t, "", "audit", "verify", "--data-dir", dir, "--log-level", "error")
	db, err := store.Open(context.Background(), store.Options{Target: store.Target{SQLitePath: filepath.Join(dir, "steward.db")}, NoMigrate: true})
	if err != nil {
		t.Fatal(err)
	}
	if n := storetest.Count(t, db.Reader(), `SELECT count(*) FROM subjects`); n != 2000 {
		t.Errorf("demo has %d people, want 2000", n)
	}
	if n := storetest.Count(t, db.Reader(), `SELECT count(*) FROM consent_events WHERE given = 1 AND wording_id IS NOT NULL`); n < 50 {
		t.Errorf("demo has %d consents with their wording, want some", n)
	}
	if n := storetest.Count(t, db.Reader(), `SELECT count(*) FROM disclosures`); n != 3 {
		t.Errorf("demo has %d disclosures, want 3", n)
	}
	if _, err := db.Writer().ExecContext(context.Background(), `UPDATE audit_events SET actor_id = 'someone-else' WHERE seq = 10`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	code, _, errs := run(t, "", "audit", "verify", "--data-dir", dir, "--log-level", "error")
	if code == 0 || !strings.Contains(errs, "event 10") {
		t.Fatalf("verify after editing the demo's audit: exit %d %q", code, errs)
	}
}

func TestDemoRefusesARealInstallation(t *testing.T) {
	env := storetest.SQLiteEnv(t)
	setup(t, env)
	code, out, errs := run(t, "", "demo", "--data-dir", env.Dir, "--no-serve", "--log-level", "error")
	if code == 0 || strings.Contains(out, "OFF") || !strings.Contains(errs, "did not build") {
		t.Fatalf("demo over a real installation: exit %d\n%s%s", code, out, errs)
	}
}

// TestDemoBuildIsTakenUpAgain: a build stopped after its first step (the
// mark says "building") is finished by the next run, without duplicating
// anyone.
func TestDemoBuildIsTakenUpAgain(t *testing.T) {
	dir := t.TempDir()
	mustRun(t, "", "demo", "--data-dir", dir, "--no-serve", "--subjects", "120", "--log-level", "error")
	db, err := store.Open(context.Background(), store.Options{Target: store.Target{SQLitePath: filepath.Join(dir, "steward.db")}, NoMigrate: true})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	// As if killed after the people were imported but before the records.
	for _, q := range []string{`DELETE FROM record_files`, `DELETE FROM records`, `UPDATE settings SET value = 'building' WHERE name = 'demo_installation'`} {
		if _, err := db.Writer().ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()
	mustRun(t, "", "demo", "--data-dir", dir, "--no-serve", "--subjects", "120", "--log-level", "error")
	db, err = store.Open(ctx, store.Options{Target: store.Target{SQLitePath: filepath.Join(dir, "steward.db")}, NoMigrate: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if n := storetest.Count(t, db.Reader(), `SELECT count(*) FROM subjects`); n != 120 {
		t.Fatalf("%d people after the resumed build, want 120", n)
	}
	if n := storetest.Count(t, db.Reader(), `SELECT count(*) FROM records`); n == 0 {
		t.Fatal("the resumed build made no records")
	}
	if n := storetest.Count(t, db.Reader(), `SELECT count(*) FROM settings WHERE name = 'demo_installation' AND value = 'ready'`); n != 1 {
		t.Fatal("the demo is not marked ready")
	}
	mustRun(t, "", "audit", "verify", "--data-dir", dir, "--log-level", "error")
}
