package vault

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"slices"
	"sort"

	"github.com/stewardhq/steward/internal/apperr"
	"github.com/stewardhq/steward/internal/store"
)

// KeyStoreBackup is what a restore must know about a key-store backup
// before it loads anything: that the whole file is sound, which master key
// it was made under, and whom its shred log says was erased.
type KeyStoreBackup struct {
	Header *store.DumpHeader
	Rows   int64
	// KeyID is the id of the master key the backup's data keys are wrapped
	// under (empty if the backup holds no initialised key store).
	KeyID string
	// Shredded maps each id in the backup's shred log to when (Unix ms).
	Shredded map[string]int64
	check    []byte
}

// ReadKeyStoreBackup reads a whole key-store backup, checking its structure
// with store.ScanDump. Nothing is loaded.
func ReadKeyStoreBackup(r io.Reader) (*KeyStoreBackup, error) {
	b := &KeyStoreBackup{Shredded: map[string]int64{}}
	var checkB64 string
	h, n, err := store.ScanDump(r, "keys", func(table string, cols []string, row []any) error {
		// Columns are looked up by name: the dump says its own order.
		get := func(name string) (any, error) {
			i := slices.Index(cols, name)
			if i < 0 {
				return nil, fmt.Errorf("%w: table %s has no column %s", store.ErrBadDump, table, name)
			}
			return row[i], nil
		}
		switch table {
		case "meta":
			name, err := get("name")
			if err != nil {
				return err
			}
			value, err := get("value")
			if err != nil {
				return err
			}
			v, _ := value.(string)
			switch name {
			case metaKEKID:
				b.KeyID = v
			case metaKEKCheck:
				checkB64 = v
			}
		case "shred_log":
			id, err := get("subject_id")
			if err != nil {
				return err
			}
			at, err := get("shredded_at")
			if err != nil {
				return err
			}
			s, _ := id.(string)
			if s == "" {
				return fmt.Errorf("%w: a shred log row without a subject id", store.ErrBadDump)
			}
			ms, _ := at.(int64)
			b.Shredded[s] = ms
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if checkB64 != "" {
		if b.check, err = base64.StdEncoding.DecodeString(checkB64); err != nil {
			return nil, fmt.Errorf("%w: the master key check value is damaged", store.ErrBadDump)
		}
	}
	b.Header, b.Rows = h, n
	return b, nil
}

// CheckKey refuses, before anything is changed, a backup made under another
// master key than the one in o's key file: restoring it would leave every
// data key and both root secrets unreadable.
func (b *KeyStoreBackup) CheckKey(o Options) error {
	o, err := o.withDefaults()
	if err != nil {
		return err
	}
	if len(b.check) == 0 {
		return apperr.New(apperr.Invalid, "the key-store backup holds no master key check value: it is not a backup of an initialised key store")
	}
	return checkKeyFile(o, b.KeyID, b.check)
}

// checkKeyFile reads o's key file and checks it against a key store's
// check value.
func checkKeyFile(o Options, storeID string, check []byte) error {
	path := o.KeyFilePath()
	raw, _, err := readKeyFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return apperr.Wrap(err, apperr.Invalid,
			"the master key file %s does not exist; the key-store backup can only be restored with the key it was made under (key id %s). "+
				"Restore that key file, or point --master-key-file (STEWARD_MASTER_KEY_FILE) at it. Nothing was changed.", path, storeID)
	}
	if err != nil {
		return keyFileUnreadable(path, err)
	}
	k, err := newKEK(raw)
	clear(raw)
	if err != nil {
		return err
	}
	if !k.matches(check) {
		return apperr.New(apperr.Invalid,
			"the key-store backup was made under the master key with id %s, but the key file %s holds key id %s, so none of its keys would open. "+
				"Nothing was changed. Run the restore again with --master-key-file (STEWARD_MASTER_KEY_FILE) pointing at a copy of the key file "+
				"that was in use when the backup was taken (key id %s); after `steward keys rotate` the old key exists only in such a copy.",
			storeID, path, k.id, storeID)
	}
	return nil
}

// FinishKeyStoreRestore runs inside the key-store transaction of a restore
// (the one that loads a key-store backup, or one of its own when only data
// is restored). It checks that the store as it will commit opens under o's
// master key, then records every id of erased in the shred log and deletes
// their data keys. erased must hold every erasure known (the loaded shred
// log's included); a shred log left with more is refused. The commit that brings old keys back is thus the same
// one that removes the erased people's, so no crash can leave them readable.
func FinishKeyStoreRestore(ctx context.Context, o Options, tx *store.Tx, erased map[string]int64) error {
	o, err := o.withDefaults()
	if err != nil {
		return err
	}
	meta, err := readKeyMeta(ctx, tx)
	if err != nil {
		return err
	}
	if !meta.initialised() {
		return keyStoreNotInitialised(o.Keys)
	}
	if err := checkKeyFile(o, meta.kekID, meta.kekCheck); err != nil {
		return err
	}
	ids := make([]string, 0, len(erased))
	for id := range erased {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		if _, err := tx.ExecContext(ctx, `DELETE FROM data_keys WHERE subject_id = $1`, id); err != nil {
			return fmt.Errorf("delete the data key of erased subject %s: %w", id, err)
		}
		at := erased[id]
		if at <= 0 {
			at = store.Millis(tx.Now())
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO shred_log (subject_id, shredded_at) VALUES ($1, $2)
			ON CONFLICT (subject_id) DO NOTHING`, id, at)
		if err != nil {
			return fmt.Errorf("record erased subject %s in the shred log: %w", id, err)
		}
	}
	// erased is meant to be everything known, the loaded shred log
	// included; more rows than that means the file or the store changed
	// since the caller read them, and the caller's other store would miss
	// those erasures.
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM shred_log`).Scan(&n); err != nil {
		return fmt.Errorf("count the shred log: %w", err)
	}
	if n != len(erased) {
		return fmt.Errorf("the shred log holds %d ids but the restore knew of %d erasures: the backup file or the key store changed during the restore; nothing was changed, run it again", n, len(erased))
	}
	return nil
}
