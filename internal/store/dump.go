package store

import (
	"bufio"
	"compress/gzip"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"strings"
	"time"
)

// A dump is a logical, engine-neutral copy of a database: gzip-compressed
// JSON lines, a header, then each table's columns and rows, then a trailer
// with the row count so a truncated file is detected. The same format
// serves SQLite and PostgreSQL, so a backup can move between them.

// DumpHeader opens every dump.
type DumpHeader struct {
	Format        string    `json:"format"`
	Kind          string    `json:"kind"` // "data" or "keys"
	Dialect       Dialect   `json:"dialect"`
	SchemaVersion int64     `json:"schema_version"`
	CreatedAt     time.Time `json:"created_at"`
	Tables        []string  `json:"tables"`
}

const dumpFormat = "steward-dump-1"

type dumpLine struct {
	Table   string            `json:"table,omitempty"`
	Columns []string          `json:"columns,omitempty"`
	Row     []json.RawMessage `json:"r,omitempty"`
	End     bool              `json:"end,omitempty"`
	Rows    int64             `json:"rows,omitempty"`
}

type cell struct {
	I *int64   `json:"i,omitempty"`
	S *string  `json:"s,omitempty"`
	B []byte   `json:"b,omitempty"`
	F *float64 `json:"f,omitempty"`
	T *bool    `json:"t,omitempty"`
}

// Dump writes a consistent snapshot of every table of db to w.
func (db *DB) Dump(ctx context.Context, w io.Writer, kind string, migrations fs.FS) (*DumpHeader, int64, error) {
	ver, _, err := db.SchemaVersion(ctx, migrations)
	if err != nil {
		return nil, 0, err
	}
	tables, err := db.Tables(ctx)
	if err != nil {
		return nil, 0, err
	}
	// A read-only transaction is one snapshot: in SQLite's WAL mode once it
	// has read, and in PostgreSQL under repeatable read.
	opts := &sql.TxOptions{ReadOnly: true}
	if db.dialect == Postgres {
		opts.Isolation = sql.LevelRepeatableRead
	}
	tx, err := db.read.BeginTx(ctx, opts)
	if err != nil {
		return nil, 0, fmt.Errorf("begin snapshot: %w", err)
	}
	defer tx.Rollback()
	gz := gzip.NewWriter(w)
	enc := json.NewEncoder(gz)
	h := &DumpHeader{Format: dumpFormat, Kind: kind, Dialect: db.dialect, SchemaVersion: ver, CreatedAt: db.Now(), Tables: tables}
	if err := enc.Encode(h); err != nil {
		return nil, 0, fmt.Errorf("write dump header: %w", err)
	}
	var total int64
	for _, t := range tables {
		n, err := dumpTable(ctx, tx, enc, t)
		if err != nil {
			return nil, 0, err
		}
		total += n
	}
	if err := enc.Encode(dumpLine{End: true, Rows: total}); err != nil {
		return nil, 0, fmt.Errorf("write dump trailer: %w", err)
	}
	if err := gz.Close(); err != nil {
		return nil, 0, fmt.Errorf("finish dump: %w", err)
	}
	return h, total, nil
}

func dumpTable(ctx context.Context, tx *sql.Tx, enc *json.Encoder, table string) (int64, error) {
	rows, err := tx.QueryContext(ctx, `SELECT * FROM `+table)
	if err != nil {
		return 0, fmt.Errorf("read %s: %w", table, err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return 0, err
	}
	if err := enc.Encode(dumpLine{Table: table, Columns: cols}); err != nil {
		return 0, err
	}
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	var n int64
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return 0, fmt.Errorf("scan %s: %w", table, err)
		}
		line := dumpLine{Row: make([]json.RawMessage, len(cols))}
		for i, v := range vals {
			c, err := toCell(v)
			if err != nil {
				return 0, fmt.Errorf("%s.%s: %w", table, cols[i], err)
			}
			line.Row[i] = c
		}
		if err := enc.Encode(line); err != nil {
			return 0, err
		}
		n++
	}
	return n, rows.Err()
}

func toCell(v any) (json.RawMessage, error) {
	var c cell
	switch x := v.(type) {
	case nil:
		return json.RawMessage("null"), nil
	case int64:
		c.I = &x
	case string:
		c.S = &x
	case []byte:
		c.B = append([]byte{}, x...)
		if c.B == nil {
			c.B = []byte{}
		}
	case float64:
		c.F = &x
	case bool:
		c.T = &x
	case time.Time:
		s := x.UTC().Format(time.RFC3339Nano)
		c.S = &s
	default:
		return nil, fmt.Errorf("cannot dump value of type %T", v)
	}
	b, err := json.Marshal(c)
	return b, err
}

func fromCell(raw json.RawMessage) (any, error) {
	if string(raw) == "null" {
		return nil, nil
	}
	var c cell
	if err := json.Unmarshal(raw, &c); err != nil {
		return nil, err
	}
	switch {
	case c.I != nil:
		return *c.I, nil
	case c.S != nil:
		return *c.S, nil
	case c.F != nil:
		return *c.F, nil
	case c.T != nil:
		return *c.T, nil
	case c.B != nil:
		return c.B, nil
	}
	// {"b":""} decodes to a nil slice: an empty blob.
	if strings.Contains(string(raw), `"b"`) {
		return []byte{}, nil
	}
	return nil, errors.New("empty cell")
}

// ErrBadDump says a file is not a complete Steward dump.
var ErrBadDump = errors.New("not a complete Steward backup")

// ReadDumpHeader reads only the header of a dump.
func ReadDumpHeader(r io.Reader) (*DumpHeader, error) {
	gz, err := gzip.NewReader(r)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadDump, err)
	}
	dec := json.NewDecoder(bufio.NewReader(gz))
	var h DumpHeader
	if err := dec.Decode(&h); err != nil || h.Format != dumpFormat {
		return nil, fmt.Errorf("%w: missing or unknown header", ErrBadDump)
	}
	return &h, nil
}

// Load replaces the contents of every table named in the dump with the
// dump's rows, in one transaction: a failure part-way changes nothing. The
// database must be at the dump's schema version, and a dump of a different
// kind is refused.
func (db *DB) Load(ctx context.Context, r io.Reader, kind string, migrations fs.FS) (*DumpHeader, int64, error) {
	gz, err := gzip.NewReader(r)
	if err != nil {
		return nil, 0, fmt.Errorf("%w: %v", ErrBadDump, err)
	}
	dec := json.NewDecoder(bufio.NewReader(gz))
	var h DumpHeader
	if err := dec.Decode(&h); err != nil || h.Format != dumpFormat {
		return nil, 0, fmt.Errorf("%w: missing or unknown header", ErrBadDump)
	}
	if h.Kind != kind {
		return nil, 0, fmt.Errorf("%w: this is a %q backup, expected %q", ErrBadDump, h.Kind, kind)
	}
	ver, _, err := db.SchemaVersion(ctx, migrations)
	if err != nil {
		return nil, 0, err
	}
	if ver != h.SchemaVersion {
		return nil, 0, fmt.Errorf("the backup is at schema version %d but the %s is at %d; restore into a fresh data directory (or empty PostgreSQL schema)", h.SchemaVersion, db.name, ver)
	}
	var total int64
	err = db.InTx(ctx, func(ctx context.Context, tx *Tx) error {
		if db.dialect == Postgres {
			if _, err := tx.ExecContext(ctx, `SET CONSTRAINTS ALL DEFERRED`); err != nil {
				return err
			}
		} else if _, err := tx.ExecContext(ctx, `PRAGMA defer_foreign_keys = ON`); err != nil {
			return err
		}
		for _, t := range h.Tables {
			if !validIdent(t) {
				return fmt.Errorf("%w: bad table name %q", ErrBadDump, t)
			}
			if _, err := tx.ExecContext(ctx, `DELETE FROM `+t); err != nil {
				return fmt.Errorf("clear %s: %w", t, err)
			}
		}
		var insert string
		var table string
		for {
			var line dumpLine
			if err := dec.Decode(&line); err != nil {
				return fmt.Errorf("%w: %v", ErrBadDump, err)
			}
			switch {
			case line.End:
				if line.Rows != total {
					return fmt.Errorf("%w: trailer says %d rows, read %d", ErrBadDump, line.Rows, total)
				}
				return nil
			case line.Table != "":
				table = line.Table
				for _, c := range line.Columns {
					if !validIdent(c) {
						return fmt.Errorf("%w: bad column name %q", ErrBadDump, c)
					}
				}
				ph := make([]string, len(line.Columns))
				for i := range ph {
					ph[i] = fmt.Sprintf("$%d", i+1)
				}
				insert = `INSERT INTO ` + table + ` (` + strings.Join(line.Columns, ", ") + `) VALUES (` + strings.Join(ph, ", ") + `)`
			default:
				if insert == "" {
					return fmt.Errorf("%w: row before table", ErrBadDump)
				}
				args := make([]any, len(line.Row))
				for i, raw := range line.Row {
					v, err := fromCell(raw)
					if err != nil {
						return fmt.Errorf("%w: %s: %v", ErrBadDump, table, err)
					}
					args[i] = v
				}
				if _, err := tx.ExecContext(ctx, insert, args...); err != nil {
					return fmt.Errorf("restore a row of %s: %w", table, err)
				}
				total++
			}
		}
	})
	if err != nil {
		return nil, 0, err
	}
	return &h, total, nil
}
