package store

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"

	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/database"
)

//go:embed migrations
var dataMigrations embed.FS

// DataMigrations returns the migrations of the main database.
func DataMigrations() fs.FS {
	sub, err := fs.Sub(dataMigrations, "migrations")
	if err != nil {
		panic(err) // the embedded tree is fixed at build time
	}
	return sub
}

// ErrSchemaTooNew is returned when the database was migrated by a newer
// Steward than this one.
var ErrSchemaTooNew = errors.New("database schema is newer than this program")

func (db *DB) provider(migrations fs.FS) (*goose.Provider, error) {
	dir, dialect := "sqlite", goose.DialectSQLite3
	if db.dialect == Postgres {
		dir, dialect = "postgres", goose.DialectPostgres
	}
	sub, err := fs.Sub(migrations, dir)
	if err != nil {
		return nil, fmt.Errorf("migrations for %s: %w", dir, err)
	}
	p, err := goose.NewProvider(dialect, db.write, sub, goose.WithDisableGlobalRegistry(true))
	if err != nil {
		return nil, fmt.Errorf("load %s migrations: %w", db.name, err)
	}
	return p, nil
}

// SchemaVersion reports the database's applied version and the newest
// version this program knows.
func (db *DB) SchemaVersion(ctx context.Context, migrations fs.FS) (current, known int64, err error) {
	p, err := db.provider(migrations)
	if err != nil {
		return 0, 0, err
	}
	srcs := p.ListSources()
	if len(srcs) > 0 {
		known = srcs[len(srcs)-1].Version
	}
	current, err = db.dbVersion(ctx)
	return current, known, err
}

// dbVersion reads the highest applied version straight from goose's table,
// because goose itself only answers for versions it has sources for.
func (db *DB) dbVersion(ctx context.Context) (int64, error) {
	var exists int
	var q string
	if db.dialect == SQLite {
		q = `SELECT count(*) FROM sqlite_master WHERE type='table' AND name='goose_db_version'`
	} else {
		q = `SELECT count(*) FROM information_schema.tables WHERE table_schema=current_schema() AND table_name='goose_db_version'`
	}
	if err := db.write.QueryRowContext(ctx, q).Scan(&exists); err != nil {
		return 0, fmt.Errorf("read schema version of %s: %w", db.name, err)
	}
	if exists == 0 {
		return 0, nil
	}
	var v int64
	err := db.write.QueryRowContext(ctx, `SELECT COALESCE(MAX(version_id),0) FROM goose_db_version WHERE is_applied`).Scan(&v)
	if err != nil {
		return 0, fmt.Errorf("read schema version of %s: %w", db.name, err)
	}
	return v, nil
}

func (db *DB) migrate(ctx context.Context, migrations fs.FS) error {
	return db.MigrateTo(ctx, migrations, -1)
}

// MigrateTo applies migrations up to version (all of them when version < 0).
// It refuses a database whose schema is newer than the program.
func (db *DB) MigrateTo(ctx context.Context, migrations fs.FS, version int64) error {
	current, known, err := db.SchemaVersion(ctx, migrations)
	if err != nil {
		return err
	}
	if current > known {
		return fmt.Errorf("%w: the %s at %s is at schema version %d but this Steward knows only up to %d; run the newer Steward that last used it, or restore a backup made by this version", ErrSchemaTooNew, db.name, db.target, current, known)
	}
	p, err := db.provider(migrations)
	if err != nil {
		return err
	}
	if version < 0 {
		_, err = p.Up(ctx)
	} else {
		_, err = p.UpTo(ctx, version)
	}
	if err != nil && !errors.Is(err, database.ErrVersionNotFound) {
		return fmt.Errorf("migrate the %s at %s: %w", db.name, db.target, err)
	}
	return nil
}
