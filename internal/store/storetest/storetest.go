// Package storetest runs one test body on both database engines: a fresh
// SQLite file, and a fresh PostgreSQL schema when STEWARD_TEST_POSTGRES_URL
// is set. There are no mocks: every test talks to a real database.
package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"os"
	"path/filepath"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/stewardhq/steward/internal/store"
)

// EnvPostgres names the variable holding the PostgreSQL URL for tests.
const EnvPostgres = "STEWARD_TEST_POSTGRES_URL"

// Env describes one engine's fresh place for a test: a target for the main
// database and one for the key store, kept apart as in production.
type Env struct {
	Dialect store.Dialect
	Data    store.Target
	Keys    store.Target
	// Dir is a temporary directory for files (master key, backups).
	Dir string
}

// Each runs fn as a subtest on SQLite and on PostgreSQL. The PostgreSQL
// subtest skips, saying why, when STEWARD_TEST_POSTGRES_URL is unset; CI
// sets it and fails on any skip.
func Each(t *testing.T, fn func(t *testing.T, env Env)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) { fn(t, SQLiteEnv(t)) })
	t.Run("postgres", func(t *testing.T) { fn(t, PostgresEnv(t)) })
}

// SQLiteEnv returns fresh SQLite targets in a temporary directory.
func SQLiteEnv(t testing.TB) Env {
	dir := t.TempDir()
	return Env{
		Dialect: store.SQLite,
		Data:    store.Target{SQLitePath: filepath.Join(dir, "steward.db")},
		Keys:    store.Target{SQLitePath: filepath.Join(dir, "keys.db")},
		Dir:     dir,
	}
}

// PostgresEnv returns fresh schemas in the test PostgreSQL database, dropped
// when the test ends, or skips the test when none is configured.
func PostgresEnv(t testing.TB) Env {
	url := os.Getenv(EnvPostgres)
	if url == "" {
		t.Skipf("PostgreSQL test skipped: set %s=postgres://user:pass@host/db to run it", EnvPostgres)
	}
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	schema := "t_" + hex.EncodeToString(b)
	t.Cleanup(func() { dropSchemas(t, url, schema, schema+"_keys") })
	return Env{
		Dialect: store.Postgres,
		Data:    store.Target{PostgresURL: url, Schema: schema},
		Keys:    store.Target{PostgresURL: url, Schema: schema + "_keys"},
		Dir:     t.TempDir(),
	}
}

func dropSchemas(t testing.TB, url string, schemas ...string) {
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		t.Errorf("parse %s: %v", EnvPostgres, err)
		return
	}
	db := stdlib.OpenDB(*cfg)
	defer db.Close()
	for _, s := range schemas {
		if _, err := db.ExecContext(context.Background(), "DROP SCHEMA IF EXISTS "+s+" CASCADE"); err != nil {
			t.Errorf("drop schema %s: %v", s, err)
		}
	}
}

// OpenData opens and migrates the main database of env, closed at cleanup.
func OpenData(t testing.TB, env Env) *store.DB {
	t.Helper()
	db, err := store.Open(context.Background(), store.Options{Target: env.Data, Migrations: store.DataMigrations()})
	if err != nil {
		t.Fatalf("open database: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// Count returns a row count, failing the test on error.
func Count(t testing.TB, q store.Querier, query string, args ...any) int {
	t.Helper()
	var n int
	if err := q.QueryRowContext(context.Background(), query, args...).Scan(&n); err != nil && err != sql.ErrNoRows {
		t.Fatalf("count %q: %v", query, err)
	}
	return n
}
