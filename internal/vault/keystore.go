package vault

import (
	"context"
	"database/sql"
	"embed"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"

	"github.com/stewardhq/steward/internal/store"
)

// keyMigrations is the key store's schema, embedded like the data
// database's so the binary carries everything it needs.
//
//go:embed migrations
var keyMigrations embed.FS

// KeyStoreMigrations returns the key store's migrations (sqlite/ and
// postgres/), for backup and restore code that opens a copy of it.
func KeyStoreMigrations() fs.FS {
	sub, err := fs.Sub(keyMigrations, "migrations")
	if err != nil {
		panic(err) // the embedded tree is fixed at build time
	}
	return sub
}

// Names of the rows of the meta table.
const (
	metaKEKID           = "kek_id"
	metaKEKCheck        = "kek_check"
	metaIndexRoot       = "index_root"
	metaSystemRoot      = "system_root"
	metaRotationPending = "rotation_pending"
)

func openKeyStore(ctx context.Context, o Options) (*store.DB, error) {
	db, err := store.Open(ctx, store.Options{
		Target:     o.Keys,
		Migrations: KeyStoreMigrations(),
		Name:       "key store",
		Logger:     o.Logger,
		Clock:      o.Clock,
	})
	if err != nil {
		return nil, fmt.Errorf("open the key store: %w", err)
	}
	return db, nil
}

// keyMeta is the meta table as the vault uses it. Empty fields were absent.
type keyMeta struct {
	kekID      string
	kekCheck   []byte
	indexRoot  []byte
	systemRoot []byte
	pending    string
}

func (m keyMeta) initialised() bool { return len(m.kekCheck) > 0 }

func readKeyMeta(ctx context.Context, q store.Querier) (keyMeta, error) {
	rows, err := q.QueryContext(ctx, `SELECT name, value FROM meta`)
	if err != nil {
		return keyMeta{}, fmt.Errorf("read the key store's meta table: %w", err)
	}
	defer rows.Close()
	var m keyMeta
	for rows.Next() {
		var name, value string
		if err := rows.Scan(&name, &value); err != nil {
			return keyMeta{}, fmt.Errorf("read the key store's meta table: %w", err)
		}
		var dst *[]byte
		switch name {
		case metaKEKID:
			m.kekID = value
		case metaRotationPending:
			m.pending = value
		case metaKEKCheck:
			dst = &m.kekCheck
		case metaIndexRoot:
			dst = &m.indexRoot
		case metaSystemRoot:
			dst = &m.systemRoot
		}
		if dst != nil {
			b, err := base64.StdEncoding.DecodeString(value)
			if err != nil {
				return keyMeta{}, fmt.Errorf("the key store's meta value %s is damaged: %w", name, err)
			}
			*dst = b
		}
	}
	if err := rows.Err(); err != nil {
		return keyMeta{}, fmt.Errorf("read the key store's meta table: %w", err)
	}
	return m, nil
}

func setMeta(ctx context.Context, q store.Querier, name, value string) error {
	_, err := q.ExecContext(ctx, `INSERT INTO meta (name, value) VALUES ($1, $2)
		ON CONFLICT (name) DO UPDATE SET value = excluded.value`, name, value)
	if err != nil {
		return fmt.Errorf("write %s to the key store: %w", name, err)
	}
	return nil
}

func setMetaBytes(ctx context.Context, q store.Querier, name string, value []byte) error {
	return setMeta(ctx, q, name, base64.StdEncoding.EncodeToString(value))
}

func deleteMeta(ctx context.Context, q store.Querier, name string) error {
	if _, err := q.ExecContext(ctx, `DELETE FROM meta WHERE name = $1`, name); err != nil {
		return fmt.Errorf("clear %s in the key store: %w", name, err)
	}
	return nil
}

// countDataKeys tells an empty key store from one that protects data.
func countDataKeys(ctx context.Context, q store.Querier) (int64, error) {
	var n int64
	if err := q.QueryRowContext(ctx, `SELECT count(*) FROM data_keys`).Scan(&n); err != nil {
		return 0, fmt.Errorf("count the key store's data keys: %w", err)
	}
	return n, nil
}

// lockKEKRow takes the lock that orders DEK creation against rotation:
// rotation holds it exclusively while it re-wraps, creators share it, so no
// DEK is ever written wrapped under a master key that is being replaced.
// SQLite needs no lock: its write transactions are already serial.
func lockKEKRow(ctx context.Context, tx *store.Tx, exclusive bool) (string, error) {
	suffix := ""
	if tx.Dialect() == store.Postgres {
		suffix = " FOR SHARE"
		if exclusive {
			suffix = " FOR UPDATE"
		}
	}
	var id string
	err := tx.QueryRowContext(ctx, `SELECT value FROM meta WHERE name = $1`+suffix, metaKEKID).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return "", errors.New("the key store has no master key id: it was not initialised")
	}
	if err != nil {
		return "", fmt.Errorf("lock the key store's master key id: %w", err)
	}
	return id, nil
}

// KeyStoreInitialised reports whether the key store of o exists and holds
// a master key check value. Unlike Init and Open it creates nothing, so
// `steward init` can ask before deciding whether a new key store is safe.
func KeyStoreInitialised(ctx context.Context, o Options) (bool, error) {
	o, err := o.withDefaults()
	if err != nil {
		return false, err
	}
	db, err := store.Open(ctx, store.Options{Target: o.Keys, Name: "key store", Logger: o.Logger, NoMigrate: true, MustExist: true})
	if errors.Is(err, store.ErrNoDatabase) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("open the key store: %w", err)
	}
	defer db.Close()
	if ok, err := db.HasTable(ctx, "meta"); err != nil || !ok {
		return false, err
	}
	meta, err := readKeyMeta(ctx, db.Q(ctx))
	if err != nil {
		return false, err
	}
	return meta.initialised(), nil
}
