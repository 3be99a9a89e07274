package cli

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"time"

	"github.com/stewardhq/steward/internal/access"
	"github.com/stewardhq/steward/internal/audit"
	"github.com/stewardhq/steward/internal/store"
	"github.com/stewardhq/steward/internal/vault"
)

// BackupCmd writes the two backups.
type BackupCmd struct {
	Paths
	Out    string `name:"out" default:"." help:"Directory to write the backup files to." type:"path"`
	NoKeys bool   `name:"no-keys" help:"Write only the data backup."`
}

// Run writes steward-data-<time>.dump.gz and, separately,
// steward-keys-<time>.dump.gz. The data file never holds a key; the keys
// file is meant for short retention, since an old copy could bring back the
// keys of people erased since.
func (c *BackupCmd) Run(e *env) error {
	app, err := openApp(e.ctx, c.Paths, newLogger(e.stderr, c.LogLevel))
	if err != nil {
		return err
	}
	defer app.Close()
	stamp := time.Now().UTC().Format("20060102T150405Z")
	dataPath := filepath.Join(c.Out, "steward-data-"+stamp+".dump.gz")
	n, err := writeDump(e.ctx, app.DB, dataPath, "data", store.DataMigrations())
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "Data backup: %s (%d rows; holds no keys).\n", dataPath, n)
	if c.NoKeys {
		return nil
	}
	keysPath := filepath.Join(c.Out, "steward-keys-"+stamp+".dump.gz")
	n, err = writeDump(e.ctx, app.Vault.KeyStore(), keysPath, "keys", vault.KeyStoreMigrations())
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "Key-store backup: %s (%d rows). Keep it apart from the data backups and delete it within days: while it exists, people erased after it was taken can still be decrypted from it.\n", keysPath, n)
	return nil
}

// writeDump writes a dump to a temporary file and renames it into place, so
// a half-written backup never carries the final name.
func writeDump(ctx context.Context, db *store.DB, path, kind string, mig fs.FS) (int64, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return 0, fmt.Errorf("create %s: %w", filepath.Dir(path), err)
	}
	tmp := path + ".partial"
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return 0, fmt.Errorf("create %s: %w", tmp, err)
	}
	_, n, err := db.Dump(ctx, f, kind, mig)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return 0, fmt.Errorf("write %s backup: %w", kind, err)
	}
	return n, nil
}

// RestoreCmd restores backups.
type RestoreCmd struct {
	Paths
	Data string `name:"data" help:"Data backup to restore (steward-data-*.dump.gz)." type:"existingfile"`
	Keys string `name:"keys" help:"Key-store backup to restore too, only when the key store itself was lost or damaged." type:"existingfile"`
	Yes  bool   `name:"yes" help:"Confirm that the current contents are replaced. Stop the server first."`
}

// Run restores.
func (c *RestoreCmd) Run(e *env) error {
	if c.Data == "" && c.Keys == "" {
		return errors.New("give --data FILE, and --keys FILE only if the key store must be restored too")
	}
	if !c.Yes {
		return errors.New("restoring replaces the current database contents: stop the server, then run again with --yes")
	}
	rep, err := restore(e.ctx, c.Paths, c.Data, c.Keys)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "Restored %d data rows and %d key-store rows. Replayed %d erasures so nobody erased comes back.\n", rep.DataRows, rep.KeyRows, rep.Erasures)
	return nil
}

// RestoreReport says what a restore did.
type RestoreReport struct {
	DataRows, KeyRows int64
	Erasures          int
}

// restore loads the given backups and then replays every erasure known to
// either store, before or after: the union of the current shred log and
// erasures table with the restored ones. A person erased after a backup was
// taken therefore stays erased whichever of the two backups is older.
func restore(ctx context.Context, p Paths, dataFile, keysFile string) (*RestoreReport, error) {
	dataT, keysT, err := p.targets()
	if err != nil {
		return nil, err
	}
	rep := &RestoreReport{}
	erased := map[string]bool{}
	// Open both stores raw: a fresh data directory has no schema yet, and a
	// lost key store cannot pass the vault's checks until restored.
	keysDB, err := store.Open(ctx, store.Options{Target: keysT, Name: "key store", NoMigrate: true})
	if err != nil {
		return nil, err
	}
	defer keysDB.Close()
	dataDB, err := store.Open(ctx, store.Options{Target: dataT, NoMigrate: true})
	if err != nil {
		return nil, err
	}
	defer dataDB.Close()
	collectIDs(ctx, keysDB, `SELECT subject_id FROM shred_log`, erased)
	collectIDs(ctx, dataDB, `SELECT subject_id FROM erasures`, erased)
	if keysFile != "" {
		if rep.KeyRows, err = loadFile(ctx, keysDB, keysFile, "keys", vault.KeyStoreMigrations()); err != nil {
			return nil, err
		}
	}
	if dataFile != "" {
		if rep.DataRows, err = loadFile(ctx, dataDB, dataFile, "data", store.DataMigrations()); err != nil {
			return nil, err
		}
	}
	collectIDs(ctx, keysDB, `SELECT subject_id FROM shred_log`, erased)
	collectIDs(ctx, dataDB, `SELECT subject_id FROM erasures`, erased)
	keysDB.Close()
	dataDB.Close()

	app, err := openApp(ctx, p, nil)
	if err != nil {
		return nil, fmt.Errorf("after restore: %w", err)
	}
	defer app.Close()
	ids := make([]string, 0, len(erased))
	for id := range erased {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		if err := app.Vault.Shred(ctx, id); err != nil {
			return nil, fmt.Errorf("replay erasure of %s: %w", id, err)
		}
	}
	err = app.DB.InTx(ctx, func(ctx context.Context, tx *store.Tx) error {
		for _, id := range ids {
			if _, err := tx.ExecContext(ctx, `INSERT INTO erasures (subject_id, erased_at) VALUES ($1, $2) ON CONFLICT (subject_id) DO NOTHING`, id, store.Millis(tx.Now())); err != nil {
				return fmt.Errorf("record erasure: %w", err)
			}
		}
		_, err := app.Audit.Append(ctx, audit.Event{ActorID: access.SystemActorID, Action: "backup.restore", Entity: "installation",
			Detail: map[string]string{"data_rows": fmt.Sprint(rep.DataRows), "key_rows": fmt.Sprint(rep.KeyRows), "erasures_replayed": fmt.Sprint(len(ids))}})
		return err
	})
	if err != nil {
		return nil, err
	}
	rep.Erasures = len(ids)
	return rep, nil
}

// collectIDs adds the ids a query returns; a missing table (a fresh or lost
// store) simply adds none.
func collectIDs(ctx context.Context, db *store.DB, q string, into map[string]bool) {
	rows, err := db.Reader().QueryContext(ctx, q)
	if err != nil {
		return
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		if rows.Scan(&id) == nil {
			into[id] = true
		}
	}
}

// loadFile restores one dump. An empty store is first migrated to the
// dump's schema version, and afterwards to this program's.
func loadFile(ctx context.Context, db *store.DB, path, kind string, mig fs.FS) (int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, fmt.Errorf("open %s: %w", path, err)
	}
	defer f.Close()
	h, err := store.ReadDumpHeader(f)
	if err != nil {
		return 0, fmt.Errorf("%s: %w", path, err)
	}
	if h.Kind != kind {
		return 0, fmt.Errorf("%s is a %s backup; give it as --%s", path, h.Kind, h.Kind)
	}
	cur, known, err := db.SchemaVersion(ctx, mig)
	if err != nil {
		return 0, err
	}
	if h.SchemaVersion > known {
		return 0, fmt.Errorf("%s was made by a newer Steward (schema %d, this one knows %d); restore it with that version", path, h.SchemaVersion, known)
	}
	if cur == 0 {
		if err := db.MigrateTo(ctx, mig, h.SchemaVersion); err != nil {
			return 0, err
		}
	}
	if _, err := f.Seek(0, 0); err != nil {
		return 0, err
	}
	_, n, err := db.Load(ctx, f, kind, mig)
	if err != nil {
		return 0, fmt.Errorf("restore %s: %w", path, err)
	}
	if err := db.MigrateTo(ctx, mig, -1); err != nil {
		return 0, err
	}
	return n, nil
}
