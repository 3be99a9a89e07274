package vault

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/stewardhq/steward/internal/store"
)

// rotatePage bounds how many DEKs are held in memory at once during a
// rotation, so a key store of millions of people rotates in constant memory.
const rotatePage = 500

// rotateHooks let tests stop a rotation at the points where a crash is
// interesting. Production code passes none.
type rotateHooks struct {
	beforeCommit func() error // inside the transaction, after the re-wrap
	afterCommit  func() error // after commit, before the files are renamed
}

// Rotate replaces the master key: it writes a new key to <keyfile>.new,
// re-wraps every DEK and both root secrets under it in one key-store
// transaction (the sealed data is not touched and blind indexes do not
// change), then moves the new file into place. It returns how many DEKs
// were re-wrapped.
//
// A crash before the commit leaves the old key in force (the .new file
// protects nothing). A crash after it leaves the new key in <keyfile>.new
// and a rotation_pending mark, and the next Open finishes the renames.
// Other running Steward processes must be restarted to read the new key;
// until then they can still open data whose key they have cached, and
// refuse (ErrKeyRotated) to create or unwrap keys.
func Rotate(ctx context.Context, o Options) (rewrapped int, err error) {
	return rotate(ctx, o, rotateHooks{})
}

func rotate(ctx context.Context, o Options, h rotateHooks) (int, error) {
	o, err := o.withDefaults()
	if err != nil {
		return 0, err
	}
	// Open checks the current key and finishes any earlier interrupted
	// rotation, so this one starts from a clean state.
	v, err := Open(ctx, o)
	if err != nil {
		return 0, err
	}
	defer v.Close()
	oldKEK := v.kek
	newRaw := newRawKey()
	newKEK, err := newKEK(newRaw)
	if err != nil {
		return 0, err
	}
	path := o.KeyFilePath()
	n := 0
	err = v.keys.InTx(ctx, func(ctx context.Context, tx *store.Tx) error {
		// The exclusive lock keeps DEK creation and other rotations out
		// until commit; on SQLite the write transaction already does.
		id, err := lockKEKRow(ctx, tx, true)
		if err != nil {
			return err
		}
		if id != oldKEK.id {
			return fmt.Errorf("rotate the master key: %w", ErrKeyRotated)
		}
		// Written inside the transaction: holding the lock, no other
		// rotation can be using this name. Overwriting a stale .new is safe
		// because a stale one never committed.
		if err := writeKeyFile(path+".new", newRaw, false); err != nil {
			return err
		}
		clear(newRaw)
		if n, err = rewrapDEKs(ctx, tx, oldKEK, newKEK); err != nil {
			return err
		}
		if err := rewrapRoots(ctx, tx, oldKEK, newKEK); err != nil {
			return err
		}
		for _, kv := range []struct{ name, value string }{
			{metaKEKID, newKEK.id},
			{metaKEKCheck, b64(newKEK.check)},
			{metaRotationPending, newKEK.id},
		} {
			if err := setMeta(ctx, tx, kv.name, kv.value); err != nil {
				return err
			}
		}
		if h.beforeCommit != nil {
			return h.beforeCommit()
		}
		return nil
	})
	if err != nil {
		// The .new file is left alone: if the error came from COMMIT itself
		// the rotation may have committed, and that file is then the only
		// copy of the key. Open sorts it out either way.
		return 0, fmt.Errorf("rotate the master key (the old key %s is still in force unless the key store says otherwise): %w", path, err)
	}
	o.Logger.Info("re-wrapped the data keys under a new master key", "data_keys", n, "old_key_id", oldKEK.id, "new_key_id", newKEK.id)
	if h.afterCommit != nil {
		if err := h.afterCommit(); err != nil {
			return n, err
		}
	}
	if err := finishRotation(ctx, o.Logger, v.keys, path); err != nil {
		return n, fmt.Errorf("the key store now uses the new master key in %s.new, but moving it into place failed; the next start of Steward will retry: %w", path, err)
	}
	return n, nil
}

func rewrapDEKs(ctx context.Context, tx *store.Tx, from, to *kek) (int, error) {
	type row struct {
		id      string
		wrapped []byte
	}
	n := 0
	after := ""
	for {
		rows, err := tx.QueryContext(ctx, `SELECT subject_id, wrapped FROM data_keys WHERE subject_id > $1 ORDER BY subject_id LIMIT $2`, after, rotatePage)
		if err != nil {
			return n, fmt.Errorf("read data keys for rotation: %w", err)
		}
		var page []row
		for rows.Next() {
			var r row
			if err := rows.Scan(&r.id, &r.wrapped); err != nil {
				rows.Close()
				return n, fmt.Errorf("read data keys for rotation: %w", err)
			}
			page = append(page, r)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return n, fmt.Errorf("read data keys for rotation: %w", err)
		}
		for _, r := range page {
			ad := adDEKPrefix + r.id
			dek, err := from.unwrap(r.wrapped, ad)
			if err != nil {
				// One bad row must not stop the rest being readable under
				// the new key, but a rotation that drops a key silently
				// would be worse: stop and say which.
				return n, fmt.Errorf("data key of subject %s: %w", r.id, ErrWrappedKey)
			}
			_, err = tx.ExecContext(ctx, `UPDATE data_keys SET wrapped = $1 WHERE subject_id = $2`, to.wrap(dek, ad), r.id)
			clear(dek)
			if err != nil {
				return n, fmt.Errorf("re-wrap the data key of subject %s: %w", r.id, err)
			}
			n++
		}
		if len(page) < rotatePage {
			return n, nil
		}
		after = page[len(page)-1].id
	}
}

func rewrapRoots(ctx context.Context, tx *store.Tx, from, to *kek) error {
	meta, err := readKeyMeta(ctx, tx)
	if err != nil {
		return err
	}
	for _, r := range []struct {
		name, ad string
		wrapped  []byte
	}{
		{metaIndexRoot, adRootIndex, meta.indexRoot},
		{metaSystemRoot, adRootSystem, meta.systemRoot},
	} {
		secret, err := from.unwrap(r.wrapped, r.ad)
		if err != nil {
			return fmt.Errorf("the key store's %s does not open under the master key: %w", r.name, err)
		}
		err = setMetaBytes(ctx, tx, r.name, to.wrap(secret, r.ad))
		clear(secret)
		if err != nil {
			return err
		}
	}
	return nil
}

// finishRotation moves <keyfile>.new into place once the key store uses
// it: the old file goes to .old, .new becomes the key file, the directory
// is fsynced, then .old is deleted and the pending mark cleared. Each step
// tolerates having been done already, so a crash anywhere is finished by
// running it again (Open does).
func finishRotation(ctx context.Context, log *slog.Logger, db *store.DB, path string) error {
	if err := os.Rename(path, path+".old"); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("move the old master key aside: %w", err)
	}
	if err := os.Rename(path+".new", path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("move the new master key into place: %w", err)
	}
	if err := syncDir(filepath.Dir(path)); err != nil {
		return err
	}
	// The store must now match the file; check before destroying the old
	// key's last copy.
	raw, _, err := readKeyFile(path)
	if err != nil {
		return fmt.Errorf("read back the new master key %s: %w", path, err)
	}
	k, err := newKEK(raw)
	clear(raw)
	if err != nil {
		return err
	}
	meta, err := readKeyMeta(ctx, db.Q(ctx))
	if err != nil {
		return err
	}
	if !k.matches(meta.kekCheck) {
		return fmt.Errorf("after moving %s.new into place the key file does not match the key store; the previous key is kept in %s.old", path, path)
	}
	return cleanUpRotation(ctx, log, db, path)
}

// cleanUpRotation deletes the old key file and the pending mark once the
// key file matches the key store.
func cleanUpRotation(ctx context.Context, log *slog.Logger, db *store.DB, path string) error {
	if err := os.Remove(path + ".old"); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("delete the old master key %s.old: %w", path, err)
	}
	if err := syncDir(filepath.Dir(path)); err != nil {
		return err
	}
	if err := deleteMeta(ctx, db.Writer(), metaRotationPending); err != nil {
		return err
	}
	log.Info("master key rotation complete", "key_file", path)
	return nil
}
