package cli

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"time"

	"github.com/stewardhq/steward/internal/access"
	"github.com/stewardhq/steward/internal/audit"
	"github.com/stewardhq/steward/internal/store"
	"github.com/stewardhq/steward/internal/subjects"
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
	dataRows, err := writeDump(e.ctx, app.DB, dataPath, "data", store.DataMigrations())
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "Data backup: %s (%d rows; holds no keys).\n", dataPath, dataRows)
	if c.NoKeys {
		return auditBackup(e.ctx, app, "data", dataPath, dataRows, "", 0)
	}
	keysPath := filepath.Join(c.Out, "steward-keys-"+stamp+".dump.gz")
	keyRows, err := writeDump(e.ctx, app.Vault.KeyStore(), keysPath, "keys", vault.KeyStoreMigrations())
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "Key-store backup: %s (%d rows). Keep it apart from the data backups and delete it within days: while it exists, people erased after it was taken can still be decrypted from it.\n", keysPath, keyRows)
	return auditBackup(e.ctx, app, "data+keys", dataPath, dataRows, keysPath, keyRows)
}

// auditBackup records that backups were written: a copy of the data left
// the database, which the audit trail must show. It holds counts and the
// files' names (a timestamp), never their contents.
func auditBackup(ctx context.Context, app *App, kind, dataPath string, dataRows int64, keysPath string, keyRows int64) error {
	detail := map[string]string{"kind": kind, "data_file": filepath.Base(dataPath), "data_rows": fmt.Sprint(dataRows)}
	if keysPath != "" {
		detail["keys_file"] = filepath.Base(keysPath)
		detail["key_rows"] = fmt.Sprint(keyRows)
	}
	err := app.DB.InTx(ctx, func(ctx context.Context, tx *store.Tx) error {
		_, err := app.Audit.Append(ctx, audit.Event{ActorID: access.SystemActorID, Action: "backup.create", Entity: "installation", Detail: detail})
		return err
	})
	if err != nil {
		return fmt.Errorf("the backup files were written but recording them in the audit log failed: %w", err)
	}
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
	rep, err := restore(e.ctx, c.Paths, c.Data, c.Keys, newLogger(e.stderr, c.LogLevel))
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

// restore loads the given backups so that at no moment, whatever fails or
// however the process is stopped, can an erased person be read again:
//
//  1. Every given file is read through to its end and checked (kind,
//     schema version, tables, trailer, checksum; a key-store backup also
//     against the master key) before anything is changed.
//  2. The erasures known anywhere are gathered: the current shred log and
//     erasures table, and those in the backups.
//  3. One key-store transaction loads the key-store backup (if any), puts
//     every gathered id in the shred log and deletes their data keys.
//  4. One data transaction loads the data backup (if any), puts every
//     gathered id in the erasures table and appends the restore's audit
//     event to the restored chain.
//
// A crash between 3 and 4 leaves the old data beside a key store that
// already lacks every erased person's key; running the restore again
// finishes it.
func restore(ctx context.Context, p Paths, dataFile, keysFile string, log *slog.Logger) (*RestoreReport, error) {
	dataT, keysT, err := p.targets()
	if err != nil {
		return nil, err
	}
	vo, err := p.vaultOptions(log)
	if err != nil {
		return nil, err
	}
	erased := map[string]int64{}

	// 1. Check the files.
	var keysB *vault.KeyStoreBackup
	if keysFile != "" {
		if keysB, err = readKeysBackup(keysFile); err != nil {
			return nil, err
		}
		if err := keysB.CheckKey(vo); err != nil {
			return nil, fmt.Errorf("%s: %w", keysFile, err)
		}
		addErasures(erased, keysB.Shredded)
	}
	var dataH *store.DumpHeader
	var dataRows int64
	if dataFile != "" {
		if dataH, dataRows, err = readDataBackup(dataFile, erased); err != nil {
			return nil, err
		}
	}
	if keysFile == "" {
		// The current key store stays: it must open under the master key
		// now, or the data would be loaded beside keys that cannot be read.
		v, err := vault.Open(ctx, vo)
		if err != nil {
			return nil, fmt.Errorf("the current key store cannot be used (%w); if it was lost, restore it too with --keys", err)
		}
		v.Close()
	}

	// Open both stores raw: a fresh data directory has no schema yet, and a
	// lost key store cannot pass the vault's checks until restored.
	keysDB, err := store.Open(ctx, store.Options{Target: keysT, Name: "key store", Logger: log, NoMigrate: true})
	if err != nil {
		return nil, err
	}
	defer keysDB.Close()
	dataDB, err := store.Open(ctx, store.Options{Target: dataT, Logger: log, NoMigrate: true})
	if err != nil {
		return nil, err
	}
	defer dataDB.Close()
	if keysB != nil {
		if err := prepareTarget(ctx, keysDB, keysB.Header, vault.KeyStoreMigrations(), keysFile); err != nil {
			return nil, err
		}
	}
	if dataH != nil {
		if err := prepareTarget(ctx, dataDB, dataH, store.DataMigrations(), dataFile); err != nil {
			return nil, err
		}
	} else if err := dataDB.MigrateTo(ctx, store.DataMigrations(), -1); err != nil {
		// A key-store-only restore still records its erasures and its
		// audit event in the data database.
		return nil, err
	}

	// 2. Gather the erasures the stores know now.
	if err := collectErasures(ctx, keysDB, "shred_log", "shredded_at", erased); err != nil {
		return nil, err
	}
	if err := collectErasures(ctx, dataDB, "erasures", "erased_at", erased); err != nil {
		return nil, err
	}
	preHead, err := auditHead(ctx, dataDB.Q(ctx))
	if err != nil {
		return nil, err
	}
	// The row counts are the checked files'; Load checks them again.
	rep := &RestoreReport{Erasures: len(erased), DataRows: dataRows}
	if keysB != nil {
		rep.KeyRows = keysB.Rows
	}

	// 3. The key store, in one transaction.
	finishKeys := func(ctx context.Context, tx *store.Tx) error {
		return vault.FinishKeyStoreRestore(ctx, vo, tx, erased)
	}
	if keysFile != "" {
		if _, err := loadFile(ctx, keysDB, keysFile, "keys", vault.KeyStoreMigrations(), finishKeys); err != nil {
			return nil, err
		}
	} else if err := keysDB.InTx(ctx, finishKeys); err != nil {
		return nil, err
	}
	keysDB.Close()

	// 4. The data, in one transaction, audited in the chain it restores.
	v, err := vault.Open(ctx, vo)
	if err != nil {
		return nil, fmt.Errorf("the key store was restored but does not open: %w", err)
	}
	defer v.Close()
	al := audit.New(dataDB, v.SystemKey("audit-checkpoint"))
	hasRegister, err := dataDB.HasTable(ctx, "subjects")
	if err != nil {
		return nil, err
	}
	finishData := func(ctx context.Context, tx *store.Tx) error {
		if err := recordErasures(ctx, tx, erased); err != nil {
			return err
		}
		// The backup may still hold rows of people erased since: their
		// keys are gone, and now their rows go too.
		if hasRegister {
			ids := make([]string, 0, len(erased))
			for id := range erased {
				ids = append(ids, id)
			}
			sort.Strings(ids)
			// A backup from before records had keys of their own holds
			// only people to delete, and its tables say so.
			perRecord := dataH == nil || dataH.SchemaVersion >= subjects.RecordKeysSchema
			if err := subjects.DeleteErased(ctx, tx, ids, perRecord); err != nil {
				return err
			}
		}
		backupHead, err := auditHead(ctx, tx)
		if err != nil {
			return err
		}
		_, err = al.Append(ctx, audit.Event{ActorID: access.SystemActorID, Action: "backup.restore", Entity: "installation",
			Detail: map[string]string{
				"data_rows":         fmt.Sprint(rep.DataRows),
				"key_rows":          fmt.Sprint(rep.KeyRows),
				"keys_restored":     fmt.Sprint(keysFile != ""),
				"erasures_replayed": fmt.Sprint(len(erased)),
				// The chain before the restore ended at pre_restore_head_seq;
				// with a data backup, all of it was replaced by the backup's
				// chain, which ends at backup_head_seq, and this event follows.
				"pre_restore_head_seq":     fmt.Sprint(preHead),
				"backup_head_seq":          fmt.Sprint(backupHead),
				"previous_events_replaced": fmt.Sprint(dataFile != ""),
			}})
		return err
	}
	if dataFile != "" {
		if _, err := loadFile(ctx, dataDB, dataFile, "data", store.DataMigrations(), finishData); err != nil {
			return nil, err
		}
	} else if err := dataDB.InTx(ctx, finishData); err != nil {
		return nil, err
	}
	return rep, nil
}

// readKeysBackup reads and checks a whole key-store backup.
func readKeysBackup(path string) (*vault.KeyStoreBackup, error) {
	if err := checkKind(path, "keys"); err != nil {
		return nil, err
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	defer f.Close()
	b, err := vault.ReadKeyStoreBackup(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return b, nil
}

// readDataBackup reads and checks a whole data backup and adds the
// erasures it records to erased.
func readDataBackup(path string, erased map[string]int64) (*store.DumpHeader, int64, error) {
	if err := checkKind(path, "data"); err != nil {
		return nil, 0, err
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, 0, fmt.Errorf("open %s: %w", path, err)
	}
	defer f.Close()
	found := map[string]int64{}
	h, n, err := store.ScanDump(f, "data", func(table string, cols []string, row []any) error {
		if table != "erasures" {
			return nil
		}
		id, idOK := cell[string](cols, row, "subject_id")
		at, _ := cell[int64](cols, row, "erased_at")
		if !idOK || id == "" {
			return fmt.Errorf("%w: an erasures row without a subject id", store.ErrBadDump)
		}
		found[id] = at
		return nil
	})
	if err != nil {
		return nil, 0, fmt.Errorf("%s: %w", path, err)
	}
	addErasures(erased, found)
	return h, n, nil
}

// cell returns the named column of a dumped row, if it has that type.
func cell[T any](cols []string, row []any, name string) (T, bool) {
	var zero T
	i := slices.Index(cols, name)
	if i < 0 {
		return zero, false
	}
	v, ok := row[i].(T)
	return v, ok
}

// checkKind refuses a backup given under the wrong flag, saying which.
func checkKind(path, kind string) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("open %s: %w", path, err)
	}
	defer f.Close()
	h, err := store.ReadDumpHeader(f)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if h.Kind != kind {
		return fmt.Errorf("%s is a %q backup, not a %q one: give it as --%s", path, h.Kind, kind, h.Kind)
	}
	return nil
}

// addErasures merges ids into erased, keeping the earliest time known.
func addErasures(erased, ids map[string]int64) {
	for id, at := range ids {
		if old, ok := erased[id]; !ok || (at > 0 && (old <= 0 || at < old)) {
			erased[id] = at
		}
	}
}

// prepareTarget makes an empty store ready for a backup (migrated to the
// backup's schema version) and checks that the backup fits it, before any
// store is loaded.
func prepareTarget(ctx context.Context, db *store.DB, h *store.DumpHeader, mig fs.FS, path string) error {
	cur, known, err := db.SchemaVersion(ctx, mig)
	if err != nil {
		return err
	}
	if h.SchemaVersion > known {
		return fmt.Errorf("%s was made by a newer Steward (schema %d, this one knows %d); restore it with that version", path, h.SchemaVersion, known)
	}
	if cur == 0 {
		if err := db.MigrateTo(ctx, mig, h.SchemaVersion); err != nil {
			return err
		}
	}
	if err := db.CheckDumpFits(ctx, h, mig); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

// collectErasures adds the ids (and times) in a store's erasure table. A
// store without that table (fresh, or lost and being restored) adds none;
// any other failure is an error, since an id missed here could come back.
func collectErasures(ctx context.Context, db *store.DB, table, atColumn string, into map[string]int64) error {
	ok, err := db.HasTable(ctx, table)
	if err != nil {
		return fmt.Errorf("read the erasures recorded in %s: %w", table, err)
	}
	if !ok {
		return nil
	}
	// table and atColumn are constants of this file, not input.
	rows, err := db.Q(ctx).QueryContext(ctx, `SELECT subject_id, `+atColumn+` FROM `+table)
	if err != nil {
		return fmt.Errorf("read the erasures recorded in %s: %w", table, err)
	}
	defer rows.Close()
	found := map[string]int64{}
	for rows.Next() {
		var id string
		var at int64
		if err := rows.Scan(&id, &at); err != nil {
			return fmt.Errorf("read the erasures recorded in %s: %w", table, err)
		}
		found[id] = at
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read the erasures recorded in %s: %w", table, err)
	}
	addErasures(into, found)
	return nil
}

// recordErasures puts every erased id in the data database's erasures
// table, inside the transaction that restores the data.
func recordErasures(ctx context.Context, tx *store.Tx, erased map[string]int64) error {
	ids := make([]string, 0, len(erased))
	for id := range erased {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		at := erased[id]
		if at <= 0 {
			at = store.Millis(tx.Now())
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO erasures (subject_id, erased_at) VALUES ($1, $2) ON CONFLICT (subject_id) DO NOTHING`, id, at); err != nil {
			return fmt.Errorf("record the erasure of %s: %w", id, err)
		}
	}
	// erased already holds the backup's erasures, read when the file was
	// checked. More rows now means the file changed since, and the key
	// store, already committed, may lack those erasures.
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM erasures`).Scan(&n); err != nil {
		return fmt.Errorf("count erasures: %w", err)
	}
	if n != len(erased) {
		return fmt.Errorf("the erasures table holds %d ids but the restore knew of %d: the backup file changed during the restore; run it again", n, len(erased))
	}
	return nil
}

// auditHead is the seq of the last audit event, 0 for a chain not yet
// begun or a database without one.
func auditHead(ctx context.Context, q store.Querier) (int64, error) {
	var seq int64
	err := q.QueryRowContext(ctx, `SELECT seq FROM audit_head WHERE id = 1`).Scan(&seq)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("read the audit chain's head: %w", err)
	}
	return seq, nil
}

// loadFile loads one checked dump in one transaction that also runs
// finish, then brings the store to this program's schema version.
func loadFile(ctx context.Context, db *store.DB, path, kind string, mig fs.FS, finish func(ctx context.Context, tx *store.Tx) error) (int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, fmt.Errorf("open %s: %w", path, err)
	}
	defer f.Close()
	_, n, err := db.Load(ctx, f, store.LoadOptions{Kind: kind, Migrations: mig,
		BeforeCommit: func(ctx context.Context, tx *store.Tx, _ *store.DumpHeader) error { return finish(ctx, tx) }})
	if err != nil {
		return 0, fmt.Errorf("restore %s: %w", path, err)
	}
	if err := db.MigrateTo(ctx, mig, -1); err != nil {
		return 0, err
	}
	return n, nil
}
