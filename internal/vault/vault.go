package vault

import (
	"context"
	"crypto/cipher"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"

	"github.com/stewardhq/steward/internal/apperr"
	"github.com/stewardhq/steward/internal/store"
)

// Vault seals and opens personal data. It is safe for concurrent use.
type Vault struct {
	keys       *store.DB
	log        *slog.Logger
	kek        *kek
	index      *blindIndexer
	systemRoot []byte
	system     cipher.AEAD
	cache      *dekCache
}

// Init creates the master key file (mode 0600, written atomically) and
// initialises the key store when neither exists. A key file that exists
// beside an empty key store is adopted, so a key provisioned by a secret
// manager works. When the key store already holds keys but the key file is
// missing, Init refuses: a fresh key could never open the existing data.
// When both exist and match, Init does nothing and returns created=false.
func Init(ctx context.Context, o Options) (created bool, err error) {
	o, err = o.withDefaults()
	if err != nil {
		return false, err
	}
	db, err := openKeyStore(ctx, o)
	if err != nil {
		return false, err
	}
	defer db.Close()
	meta, err := readKeyMeta(ctx, db.Q(ctx))
	if err != nil {
		return false, err
	}
	n, err := countDataKeys(ctx, db.Q(ctx))
	if err != nil {
		return false, err
	}
	path := o.KeyFilePath()
	if meta.initialised() {
		if !exists(path) && !exists(path+".new") {
			return false, keyFileMissing(path, o.Keys, fs.ErrNotExist)
		}
		// Both exist: check they match (and finish an interrupted
		// rotation), as Open would.
		v, err := openVault(ctx, o, db)
		if err != nil {
			return false, err
		}
		v.cache.clear()
		return false, nil
	}
	if n > 0 {
		return false, apperr.New(apperr.Invalid,
			"the key store at %s holds %d data keys but no master key check value: it is damaged. "+
				"Restore the key store from its backup; do not run `steward init` on it.", o.Keys, n)
	}
	raw, mode, ferr := readKeyFile(path)
	switch {
	case ferr == nil:
		o.Logger.Info("initialising the key store with the existing master key file", "key_file", path)
		warnMode(o.Logger, path, mode)
	case errors.Is(ferr, fs.ErrNotExist):
		raw = newRawKey()
		if err := writeKeyFile(path, raw, true); err != nil {
			return false, err
		}
		o.Logger.Info("created a new master key; back it up somewhere other than the data backups", "key_file", path)
	default:
		return false, keyFileUnreadable(path, ferr)
	}
	k, err := newKEK(raw)
	if err != nil {
		return false, err
	}
	if err := initKeyStore(ctx, db, k); err != nil {
		return false, err
	}
	return true, nil
}

// initKeyStore records the key's id and check value and creates the root
// secrets. Plain INSERTs (not upserts) make a concurrent Init fail instead
// of silently pairing the store with the other process's key.
func initKeyStore(ctx context.Context, db *store.DB, k *kek) error {
	err := db.InTx(ctx, func(ctx context.Context, tx *store.Tx) error {
		values := []struct {
			name, value string
		}{
			{metaKEKID, k.id},
			{metaKEKCheck, b64(k.check)},
			{metaIndexRoot, b64(k.wrap(newRawKey(), adRootIndex))},
			{metaSystemRoot, b64(k.wrap(newRawKey(), adRootSystem))},
		}
		for _, kv := range values {
			if _, err := tx.ExecContext(ctx, `INSERT INTO meta (name, value) VALUES ($1, $2)`, kv.name, kv.value); err != nil {
				if store.IsUniqueViolation(err) {
					return apperr.Wrap(err, apperr.Conflict, "another `steward init` initialised the key store at the same time; run `steward init` again to check the result")
				}
				return fmt.Errorf("initialise the key store: %w", err)
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	return nil
}

// Open reads the master key and the key store and returns a ready Vault.
// A missing, malformed or wrong key file is an apperr.Invalid error naming
// the file and saying what to do. Open also completes a key rotation that
// was interrupted after it committed.
func Open(ctx context.Context, o Options) (*Vault, error) {
	o, err := o.withDefaults()
	if err != nil {
		return nil, err
	}
	if o.Keys.Dialect() == store.SQLite && !exists(o.Keys.SQLitePath) {
		// Opening would create an empty key store and then complain it is
		// empty; say what is wrong instead.
		return nil, apperr.New(apperr.Invalid,
			"there is no key store at %s. For a new installation run `steward init`; otherwise restore the key store from its backup.",
			o.Keys.SQLitePath)
	}
	db, err := openKeyStore(ctx, o)
	if err != nil {
		return nil, err
	}
	v, err := openVault(ctx, o, db)
	if err != nil {
		db.Close()
		return nil, err
	}
	return v, nil
}

func openVault(ctx context.Context, o Options, db *store.DB) (*Vault, error) {
	meta, err := readKeyMeta(ctx, db.Q(ctx))
	if err != nil {
		return nil, err
	}
	if !meta.initialised() {
		return nil, keyStoreNotInitialised(o.Keys)
	}
	k, err := loadKEK(ctx, o, db, meta)
	if err != nil {
		return nil, err
	}
	indexRoot, err := k.unwrap(meta.indexRoot, adRootIndex)
	if err != nil {
		return nil, fmt.Errorf("the key store's index root secret does not open under the master key; the key store at %s is damaged: %w", o.Keys, err)
	}
	systemRoot, err := k.unwrap(meta.systemRoot, adRootSystem)
	if err != nil {
		return nil, fmt.Errorf("the key store's system root secret does not open under the master key; the key store at %s is damaged: %w", o.Keys, err)
	}
	system, err := newAEAD(deriveKey(systemRoot, labelSystemSeal, keySize))
	if err != nil {
		return nil, err
	}
	index := newBlindIndexer(indexRoot)
	clear(indexRoot)
	return &Vault{
		keys:       db,
		log:        o.Logger,
		kek:        k,
		index:      index,
		systemRoot: systemRoot,
		system:     system,
		cache:      newDEKCache(o.CacheSize, o.CacheTTL, o.Clock),
	}, nil
}

// loadKEK reads the key file and checks it against the key store. If the
// file is missing or wrong but path.new holds the store's key, a rotation
// committed and was interrupted before the files were renamed: finish it.
func loadKEK(ctx context.Context, o Options, db *store.DB, meta keyMeta) (*kek, error) {
	path := o.KeyFilePath()
	raw, mode, ferr := readKeyFile(path)
	var fileID string
	if ferr == nil {
		k, err := newKEK(raw)
		clear(raw)
		if err != nil {
			return nil, err
		}
		if k.matches(meta.kekCheck) {
			warnMode(o.Logger, path, mode)
			if meta.pending != "" || exists(path+".old") {
				if err := cleanUpRotation(ctx, o.Logger, db, path); err != nil {
					return nil, err
				}
			}
			if exists(path + ".new") {
				o.Logger.Warn("ignoring a stale new master key file left by a rotation that did not commit; it protects nothing and can be deleted once no rotation is running",
					"file", path+".new")
			}
			return k, nil
		}
		fileID = k.id
	}
	if nraw, _, err := readKeyFile(path + ".new"); err == nil {
		nk, err := newKEK(nraw)
		clear(nraw)
		if err == nil && nk.matches(meta.kekCheck) {
			o.Logger.Warn("completing an interrupted master key rotation", "key_file", path, "key_id", nk.id)
			if err := finishRotation(ctx, o.Logger, db, path); err != nil {
				return nil, err
			}
			return nk, nil
		}
	}
	switch {
	case errors.Is(ferr, fs.ErrNotExist):
		return nil, keyFileMissing(path, o.Keys, ferr)
	case ferr != nil:
		return nil, keyFileUnreadable(path, ferr)
	default:
		return nil, keyFileMismatch(path, fileID, o.Keys, meta.kekID)
	}
}

func warnMode(log *slog.Logger, path string, mode fs.FileMode) {
	if mode&0o077 != 0 {
		log.Warn("the master key file can be read by other users; restrict it with chmod 600",
			"file", path, "mode", fmt.Sprintf("%#o", mode))
	}
}

func exists(path string) bool {
	_, err := os.Lstat(path)
	return err == nil
}

// Close closes the key store and drops the cached data keys. Go cannot
// promise to wipe key material from memory, so Close does not pretend to.
func (v *Vault) Close() error {
	v.cache.clear()
	return v.keys.Close()
}

// KeyStore exposes the key store's database, for backup and restore.
func (v *Vault) KeyStore() *store.DB { return v.keys }

// KeyID is the public id of the master key in use (not secret: an HKDF
// output), for messages and the admin pages.
func (v *Vault) KeyID() string { return v.kek.id }
