package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"time"
)

// Tx is a write transaction with one timestamp for everything it records,
// so a change and its audit event carry the same instant.
type Tx struct {
	*sql.Tx
	db    *DB
	now   time.Time
	after []func()
	// values holds per-transaction caches owned by other packages (the audit
	// chain's head, for instance), keyed by a private type of theirs.
	values map[any]any
}

// Now is the transaction's timestamp (UTC, millisecond precision).
func (tx *Tx) Now() time.Time { return tx.now }

// DB returns the database the transaction belongs to.
func (tx *Tx) DB() *DB { return tx.db }

// Dialect reports the engine.
func (tx *Tx) Dialect() Dialect { return tx.db.dialect }

// AfterCommit registers fn to run once the outermost transaction commits
// (never if it rolls back). Used for side effects outside the database.
func (tx *Tx) AfterCommit(fn func()) { tx.after = append(tx.after, fn) }

// Value returns the per-transaction value stored under key.
func (tx *Tx) Value(key any) any { return tx.values[key] }

// SetValue stores a per-transaction value under key.
func (tx *Tx) SetValue(key, v any) {
	if tx.values == nil {
		tx.values = map[any]any{}
	}
	tx.values[key] = v
}

type txKey struct{ db *DB }

// TxFrom returns the write transaction of db open in ctx, if any.
func (db *DB) TxFrom(ctx context.Context) *Tx {
	tx, _ := ctx.Value(txKey{db.key}).(*Tx)
	return tx
}

// InTx runs fn in a write transaction. If ctx already carries a transaction
// of this database, fn joins it and the outermost caller commits; otherwise
// a new transaction is begun and committed when fn returns nil. Any error or
// panic rolls back everything.
func (db *DB) InTx(ctx context.Context, fn func(ctx context.Context, tx *Tx) error) (err error) {
	if tx := db.TxFrom(ctx); tx != nil {
		return fn(ctx, tx)
	}
	sqlTx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin transaction on %s: %w", db.name, err)
	}
	tx := &Tx{Tx: sqlTx, db: db, now: db.Now()}
	defer func() {
		if p := recover(); p != nil {
			_ = sqlTx.Rollback()
			panic(p)
		}
		if err != nil {
			if rbErr := sqlTx.Rollback(); rbErr != nil && !errors.Is(rbErr, sql.ErrTxDone) {
				err = errors.Join(err, fmt.Errorf("rollback: %w", rbErr))
			}
		}
	}()
	if err := fn(context.WithValue(ctx, txKey{db.key}, tx), tx); err != nil {
		return err
	}
	if err := sqlTx.Commit(); err != nil {
		return fmt.Errorf("commit on %s: %w", db.name, err)
	}
	for _, f := range tx.after {
		f()
	}
	return nil
}

// Querier is what both *sql.DB and *sql.Tx offer for reading.
type Querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// Q returns the open transaction in ctx if there is one (so reads see the
// transaction's own writes), otherwise the reader pool.
func (db *DB) Q(ctx context.Context) Querier {
	if tx := db.TxFrom(ctx); tx != nil {
		return tx.Tx
	}
	return db.read
}

// ForUpdate returns the row-locking suffix for a SELECT inside a write
// transaction. SQLite has one writer, so it needs none.
func (d Dialect) ForUpdate() string {
	if d == Postgres {
		return " FOR UPDATE"
	}
	return ""
}

// Param is the n-th placeholder of a statement whose parameters appear in
// order. SQLite looks every $N up by name in a list, when preparing and
// again when binding, which makes a multi-row statement with thousands of
// them quadratic; a plain ? costs nothing there. PostgreSQL knows only $N.
func (d Dialect) Param(n int) string {
	if d == SQLite {
		return "?"
	}
	return "$" + strconv.Itoa(n)
}

// Millis converts an instant to the stored form.
func Millis(t time.Time) int64 { return t.UnixMilli() }

// FromMillis converts a stored instant back to UTC time.
func FromMillis(ms int64) time.Time { return time.UnixMilli(ms).UTC() }

// NullMillis converts an optional stored instant.
func NullMillis(n sql.NullInt64) time.Time {
	if !n.Valid {
		return time.Time{}
	}
	return FromMillis(n.Int64)
}

// Strings runs a query whose rows are one text column, such as a list of
// ids, and returns them in order. The rows are closed before it returns,
// so the caller may run further queries on the same transaction.
func Strings(ctx context.Context, q Querier, query string, args ...any) ([]string, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}
