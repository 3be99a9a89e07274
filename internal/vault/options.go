package vault

import (
	"errors"
	"log/slog"
	"path/filepath"
	"time"

	"github.com/stewardhq/steward/internal/store"
)

// DefaultCacheSize bounds the number of unwrapped DEKs kept in memory.
const DefaultCacheSize = 10_000

// DefaultCacheTTL is how long an unwrapped DEK may be served from memory.
const DefaultCacheTTL = 5 * time.Minute

// Options say where the master key and the key store live.
type Options struct {
	// DataDir holds master.key unless MasterKeyFile is set, and keys.db
	// when Keys is left empty.
	DataDir string
	// MasterKeyFile comes from STEWARD_MASTER_KEY_FILE and overrides
	// DataDir/master.key.
	MasterKeyFile string
	// Keys is the key store: a SQLite file (DataDir/keys.db when empty) or
	// a PostgreSQL schema of its own, never the data database's.
	Keys   store.Target
	Logger *slog.Logger
	Clock  func() time.Time
	// CacheSize bounds the in-memory cache of unwrapped DEKs;
	// 0 means DefaultCacheSize.
	CacheSize int
	// CacheTTL bounds how long an unwrapped DEK stays cached; 0 means
	// DefaultCacheTTL. Shred evicts at once in its own process; other app
	// servers sharing the key store stop using the key within CacheTTL.
	CacheTTL time.Duration
}

// KeyFilePath is the master key file Init writes and Open reads.
func (o Options) KeyFilePath() string {
	if o.MasterKeyFile != "" {
		return o.MasterKeyFile
	}
	if o.DataDir == "" {
		return ""
	}
	return filepath.Join(o.DataDir, "master.key")
}

// withDefaults fills the optional fields so the rest of the package never
// checks for nil.
func (o Options) withDefaults() (Options, error) {
	if o.KeyFilePath() == "" {
		return o, errors.New("vault: neither a data directory nor a master key file was given")
	}
	if o.Keys == (store.Target{}) {
		if o.DataDir == "" {
			return o, errors.New("vault: no key store given and no data directory to put keys.db in")
		}
		o.Keys = store.Target{SQLitePath: filepath.Join(o.DataDir, "keys.db")}
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Clock == nil {
		o.Clock = time.Now
	}
	if o.CacheSize <= 0 {
		o.CacheSize = DefaultCacheSize
	}
	if o.CacheTTL <= 0 {
		o.CacheTTL = DefaultCacheTTL
	}
	return o, nil
}
