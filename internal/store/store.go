// Package store opens Steward's databases (an embedded SQLite file or
// PostgreSQL), applies their embedded migrations and runs transactions.
//
// SQL is written once for both engines: both bind $1..$n by position, ids are
// text, instants are integer Unix milliseconds and dates are YYYY-MM-DD text.
// The few differences are small helpers on Dialect.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

// Dialect names the database engine.
type Dialect string

const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// Target says where a database lives: a SQLite file path, or a PostgreSQL
// URL and the schema inside it.
type Target struct {
	SQLitePath  string
	PostgresURL string
	// Schema is the PostgreSQL schema the tables live in. It is created when
	// missing. Empty means the search_path of the URL (normally public).
	Schema string
}

// Dialect reports which engine the target uses.
func (t Target) Dialect() Dialect {
	if t.PostgresURL != "" {
		return Postgres
	}
	return SQLite
}

// String describes the target without credentials, for messages and logs.
func (t Target) String() string {
	if t.PostgresURL == "" {
		return t.SQLitePath
	}
	u, err := url.Parse(t.PostgresURL)
	if err != nil {
		return "postgres (unparseable URL)"
	}
	u.User = nil
	u.RawQuery = ""
	s := u.String()
	if t.Schema != "" {
		s += " schema " + t.Schema
	}
	return s
}

// Options configure Open.
type Options struct {
	Target Target
	// Migrations holds sqlite/*.sql and postgres/*.sql goose migrations.
	Migrations fs.FS
	// Name labels the database in messages ("database", "key store").
	Name   string
	Logger *slog.Logger
	// Clock returns the current time; nil means time.Now. Tests pin it.
	Clock func() time.Time
	// NoMigrate opens without migrating: restore and init look at a
	// database as it is before deciding what to do with it.
	NoMigrate bool
	// MustExist opens only a database that is already there: a missing
	// SQLite file or PostgreSQL schema is an error wrapping ErrNoDatabase,
	// and nothing is created. Used to look at a database without leaving
	// an empty one behind (steward init checks for existing data this way).
	MustExist bool
}

// ErrNoDatabase is returned (wrapped) by Open with MustExist when the
// SQLite file or PostgreSQL schema is not there.
var ErrNoDatabase = errors.New("no such database")

// DB is an open database: a writer pool and a reader pool over the same
// database. For SQLite the writer is a single connection so that writes never
// contend for the lock; for PostgreSQL both pools are the same.
type DB struct {
	dialect Dialect
	target  Target
	name    string
	write   *sql.DB
	read    *sql.DB
	log     *slog.Logger
	clock   func() time.Time
	// key identifies this DB in a context so a transaction of one database
	// is never reused by another.
	key *DB
}

// Open opens (creating if needed) and migrates a database.
func Open(ctx context.Context, o Options) (*DB, error) {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Clock == nil {
		o.Clock = time.Now
	}
	if o.Name == "" {
		o.Name = "database"
	}
	db := &DB{dialect: o.Target.Dialect(), target: o.Target, name: o.Name, log: o.Logger, clock: o.Clock}
	db.key = db
	var err error
	switch db.dialect {
	case SQLite:
		err = db.openSQLite(o.Target.SQLitePath, o.MustExist)
	case Postgres:
		err = db.openPostgres(ctx, o.Target, o.MustExist)
	}
	if err != nil {
		return nil, err
	}
	if err := db.read.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("cannot reach the %s at %s: %w", o.Name, o.Target, err)
	}
	if o.Migrations != nil && !o.NoMigrate {
		if err := db.migrate(ctx, o.Migrations); err != nil {
			db.Close()
			return nil, err
		}
	}
	return db, nil
}

func sqliteDSN(path string, readOnly bool) string {
	q := url.Values{}
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "synchronous(FULL)")
	if readOnly {
		q.Add("_pragma", "query_only(1)")
	} else {
		q.Set("_txlock", "immediate")
	}
	return "file:" + path + "?" + q.Encode()
}

func (db *DB) openSQLite(path string, mustExist bool) error {
	if path == "" {
		return errors.New("no SQLite path given")
	}
	if mustExist {
		if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("%w: the %s at %s", ErrNoDatabase, db.name, path)
		} else if err != nil {
			return fmt.Errorf("the %s at %s: %w", db.name, path, err)
		}
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("create directory for %s: %w", path, err)
	}
	w, err := sql.Open("sqlite", sqliteDSN(path, false))
	if err != nil {
		return fmt.Errorf("open %s: %w", path, err)
	}
	// One writer connection: SQLite allows one writer at a time, and
	// queueing in Go is kinder than SQLITE_BUSY.
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	// The first connection creates the file and switches it to WAL before
	// any reader opens it.
	if err := w.Ping(); err != nil {
		w.Close()
		return fmt.Errorf("open %s: %w", path, err)
	}
	_ = os.Chmod(path, 0o600)
	r, err := sql.Open("sqlite", sqliteDSN(path, true))
	if err != nil {
		w.Close()
		return fmt.Errorf("open %s: %w", path, err)
	}
	r.SetMaxOpenConns(8)
	r.SetMaxIdleConns(8)
	db.write, db.read = w, r
	return nil
}

func (db *DB) openPostgres(ctx context.Context, t Target, mustExist bool) error {
	cfg, err := pgx.ParseConfig(t.PostgresURL)
	if err != nil {
		return fmt.Errorf("the PostgreSQL URL is not valid (expected postgres://user:password@host:5432/dbname): %w", err)
	}
	if t.Schema == "" && validIdent(cfg.RuntimeParams["search_path"]) {
		// A single schema named in the URL is created like an explicit one.
		t.Schema = cfg.RuntimeParams["search_path"]
	}
	if t.Schema != "" {
		if !validIdent(t.Schema) {
			return fmt.Errorf("schema name %q may use only lower-case letters, digits and underscores", t.Schema)
		}
		boot := stdlib.OpenDB(*cfg.Copy())
		if mustExist {
			var found bool
			err := boot.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1)`, t.Schema).Scan(&found)
			boot.Close()
			if err != nil {
				return fmt.Errorf("cannot reach the %s at %s: %w", db.name, t, err)
			}
			if !found {
				return fmt.Errorf("%w: the %s at %s", ErrNoDatabase, db.name, t)
			}
		} else {
			_, err := boot.ExecContext(ctx, "CREATE SCHEMA IF NOT EXISTS "+t.Schema)
			boot.Close()
			if err != nil {
				return fmt.Errorf("create schema %s in %s: %w", t.Schema, t, err)
			}
		}
		cfg.RuntimeParams["search_path"] = t.Schema
	}
	p := stdlib.OpenDB(*cfg)
	p.SetMaxOpenConns(16)
	p.SetMaxIdleConns(8)
	p.SetConnMaxIdleTime(5 * time.Minute)
	db.write, db.read = p, p
	return nil
}

func validIdent(s string) bool {
	if s == "" || len(s) > 60 {
		return false
	}
	for i, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r == '_':
		case r >= '0' && r <= '9' && i > 0:
		default:
			return false
		}
	}
	return true
}

// Close closes both pools.
func (db *DB) Close() error {
	var errs []error
	if db.write != nil {
		errs = append(errs, db.write.Close())
	}
	if db.read != nil && db.read != db.write {
		errs = append(errs, db.read.Close())
	}
	return errors.Join(errs...)
}

// Dialect reports the engine.
func (db *DB) Dialect() Dialect { return db.dialect }

// Target reports where the database lives.
func (db *DB) Target() Target { return db.target }

// Now returns the clock's current time, in UTC, truncated to milliseconds
// (the precision instants are stored with).
func (db *DB) Now() time.Time { return db.clock().UTC().Truncate(time.Millisecond) }

// Ping checks that the database answers.
func (db *DB) Ping(ctx context.Context) error { return db.read.PingContext(ctx) }

// Writer exposes the writer pool for maintenance work (backup, restore).
func (db *DB) Writer() *sql.DB { return db.write }

// Reader exposes the reader pool for long read-only scans.
func (db *DB) Reader() *sql.DB { return db.read }

// Tables lists the application's tables (not the migration bookkeeping).
func (db *DB) Tables(ctx context.Context) ([]string, error) {
	var q string
	switch db.dialect {
	case SQLite:
		q = `SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%' AND name <> 'goose_db_version' ORDER BY name`
	default:
		q = `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type='BASE TABLE' AND table_name <> 'goose_db_version' ORDER BY table_name`
	}
	rows, err := db.read.QueryContext(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("list tables: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	return out, rows.Err()
}

// HasTable reports whether the database has an application table of that
// name. Code reading a table that a fresh or lost store may lack asks first,
// rather than guessing from error texts that differ between engines.
func (db *DB) HasTable(ctx context.Context, name string) (bool, error) {
	tables, err := db.Tables(ctx)
	if err != nil {
		return false, err
	}
	return slices.Contains(tables, name), nil
}

// IsForeignKeyViolation reports whether err is a failed reference to a row
// that does not exist, or a delete of a row still referred to, on either
// engine (PostgreSQL reports deferred ones at commit).
func IsForeignKeyViolation(err error) bool {
	if err == nil {
		return false
	}
	s := err.Error()
	return strings.Contains(s, "FOREIGN KEY constraint failed") || strings.Contains(s, "SQLSTATE 23503")
}

// IsUniqueViolation reports whether err is a unique-constraint failure on
// either engine, so services can turn it into a conflict message.
func IsUniqueViolation(err error) bool {
	if err == nil {
		return false
	}
	s := err.Error()
	return strings.Contains(s, "UNIQUE constraint failed") || strings.Contains(s, "SQLSTATE 23505")
}
