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
	"slices"
	"sort"
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

// cell is one value of a row. Exactly one field is set; a NULL is the JSON
// literal null instead of a cell. B is a pointer so that an empty blob is
// written as {"b":""}: with a plain slice, omitempty would drop it and the
// cell would read back as {}, which is indistinguishable from damage.
type cell struct {
	I *int64   `json:"i,omitempty"`
	S *string  `json:"s,omitempty"`
	B *[]byte  `json:"b,omitempty"`
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
		// Copied because the driver may reuse the buffer on the next Scan.
		b := append([]byte{}, x...)
		c.B = &b
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
	var v any
	n := 0
	if c.I != nil {
		v, n = *c.I, n+1
	}
	if c.S != nil {
		v, n = *c.S, n+1
	}
	if c.F != nil {
		v, n = *c.F, n+1
	}
	if c.T != nil {
		v, n = *c.T, n+1
	}
	if c.B != nil {
		b := *c.B
		if b == nil {
			// {"b":""} decodes to a nil slice, which a driver would bind
			// as NULL; the dump said an empty blob.
			b = []byte{}
		}
		v, n = b, n+1
	}
	switch n {
	case 1:
		return v, nil
	case 0:
		return nil, errors.New("empty cell")
	default:
		return nil, errors.New("a cell holds more than one value")
	}
}

// ErrBadDump says a file is not a complete Steward dump.
var ErrBadDump = errors.New("not a complete Steward backup")

// ErrDumpMismatch says a well-formed dump does not fit the database it is
// being loaded into (another schema version or another set of tables).
var ErrDumpMismatch = errors.New("the backup does not fit this database")

// ReadDumpHeader reads only the header of a dump. It says nothing about
// the rest of the file; ScanDump reads it all.
func ReadDumpHeader(r io.Reader) (*DumpHeader, error) {
	d, err := newDumpReader(r, "")
	if err != nil {
		return nil, err
	}
	return &d.h, nil
}

// dumpReader walks a dump line by line and checks its structure as it
// goes, so that Load and ScanDump accept exactly the same files: a table
// name reaches SQL only once it is a plain identifier listed in the header.
type dumpReader struct {
	dec    *json.Decoder
	h      DumpHeader
	listed map[string]bool // tables in the header
	seen   map[string]bool // tables whose section has started
	table  string          // current section
	cols   []string        // its columns
	row    []any           // the row just read
	rows   int64           // rows read so far
}

type dumpItem int

const (
	itemTable dumpItem = iota // a table's section starts: table and cols are set
	itemRow                   // a row of the current table: row is set
	itemEnd                   // the trailer checked out and nothing follows it
)

func badDump(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrBadDump}, args...)...)
}

// newDumpReader reads and checks the header. An empty kind accepts any.
func newDumpReader(r io.Reader, kind string) (*dumpReader, error) {
	gz, err := gzip.NewReader(r)
	if err != nil {
		return nil, badDump("%v", err)
	}
	d := &dumpReader{dec: json.NewDecoder(bufio.NewReader(gz)), listed: map[string]bool{}, seen: map[string]bool{}}
	if err := d.dec.Decode(&d.h); err != nil || d.h.Format != dumpFormat {
		return nil, badDump("missing or unknown header")
	}
	if kind != "" && d.h.Kind != kind {
		return nil, badDump("this is a %q backup, expected %q", d.h.Kind, kind)
	}
	for _, t := range d.h.Tables {
		if !validIdent(t) {
			return nil, badDump("bad table name %q in the header", t)
		}
		if d.listed[t] {
			return nil, badDump("table %s is listed twice in the header", t)
		}
		d.listed[t] = true
	}
	return d, nil
}

func (d *dumpReader) next() (dumpItem, error) {
	var line dumpLine
	if err := d.dec.Decode(&line); err != nil {
		return 0, badDump("%v", err)
	}
	switch {
	case line.End:
		if line.Table != "" || line.Columns != nil || line.Row != nil {
			return 0, badDump("malformed trailer")
		}
		if line.Rows != d.rows {
			return 0, badDump("trailer says %d rows, read %d", line.Rows, d.rows)
		}
		if len(d.seen) != len(d.listed) {
			return 0, badDump("%d of the %d tables in the header are missing", len(d.listed)-len(d.seen), len(d.listed))
		}
		// Reading on to the end makes gzip verify its checksum, and
		// refuses anything appended after the trailer.
		var extra json.RawMessage
		if err := d.dec.Decode(&extra); !errors.Is(err, io.EOF) {
			if err == nil {
				return 0, badDump("data after the trailer")
			}
			return 0, badDump("%v", err)
		}
		return itemEnd, nil
	case line.Table != "":
		if line.Row != nil || line.Rows != 0 {
			return 0, badDump("malformed table line for %q", line.Table)
		}
		if !validIdent(line.Table) || !d.listed[line.Table] {
			return 0, badDump("table %q is not listed in the header", line.Table)
		}
		if d.seen[line.Table] {
			return 0, badDump("table %s appears twice", line.Table)
		}
		d.seen[line.Table] = true
		if len(line.Columns) == 0 {
			return 0, badDump("table %s has no columns", line.Table)
		}
		names := make(map[string]bool, len(line.Columns))
		for _, c := range line.Columns {
			if !validIdent(c) || names[c] {
				return 0, badDump("bad or repeated column name %q in table %s", c, line.Table)
			}
			names[c] = true
		}
		d.table, d.cols = line.Table, line.Columns
		return itemTable, nil
	case line.Row != nil:
		if line.Columns != nil || line.Rows != 0 {
			return 0, badDump("malformed row")
		}
		if d.table == "" {
			return 0, badDump("row before table")
		}
		if len(line.Row) != len(d.cols) {
			return 0, badDump("a row of %s has %d values for %d columns", d.table, len(line.Row), len(d.cols))
		}
		row := make([]any, len(line.Row))
		for i, raw := range line.Row {
			v, err := fromCell(raw)
			if err != nil {
				return 0, badDump("%s.%s: %v", d.table, d.cols[i], err)
			}
			row[i] = v
		}
		d.row = row
		d.rows++
		return itemRow, nil
	default:
		return 0, badDump("a line that is neither table, row nor trailer")
	}
}

// ScanDump reads a whole dump of the given kind without touching any
// database and checks everything that can be checked without one: the
// header, every table and row, the trailer's row count, gzip's checksum
// and that nothing follows the trailer. fn, when not nil, sees every row
// (its slice is not reused). A restore scans every file it was given before
// loading any, so that a damaged second file cannot leave the first loaded
// alone.
func ScanDump(r io.Reader, kind string, fn func(table string, columns []string, row []any) error) (*DumpHeader, int64, error) {
	d, err := newDumpReader(r, kind)
	if err != nil {
		return nil, 0, err
	}
	for {
		item, err := d.next()
		if err != nil {
			return nil, 0, err
		}
		switch item {
		case itemEnd:
			return &d.h, d.rows, nil
		case itemRow:
			if fn != nil {
				if err := fn(d.table, d.cols, d.row); err != nil {
					return nil, 0, err
				}
			}
		}
	}
}

// CheckDumpFits reports whether a dump with header h can be loaded into
// db: the same schema version and exactly the same tables. A dump for
// another schema (another program's, or a data dump aimed at a key store)
// is refused rather than half-loaded.
func (db *DB) CheckDumpFits(ctx context.Context, h *DumpHeader, migrations fs.FS) error {
	ver, _, err := db.SchemaVersion(ctx, migrations)
	if err != nil {
		return err
	}
	if ver != h.SchemaVersion {
		return fmt.Errorf("%w: the backup is at schema version %d but the %s at %s is at %d; restore into a fresh data directory (or empty PostgreSQL schema)",
			ErrDumpMismatch, h.SchemaVersion, db.name, db.target, ver)
	}
	have, err := db.Tables(ctx)
	if err != nil {
		return err
	}
	var onlyDump, onlyDB []string
	inDB := make(map[string]bool, len(have))
	for _, t := range have {
		inDB[t] = true
	}
	inDump := make(map[string]bool, len(h.Tables))
	for _, t := range h.Tables {
		inDump[t] = true
		if !inDB[t] {
			onlyDump = append(onlyDump, t)
		}
	}
	for _, t := range have {
		if !inDump[t] {
			onlyDB = append(onlyDB, t)
		}
	}
	if len(onlyDump) > 0 || len(onlyDB) > 0 {
		sort.Strings(onlyDump)
		return fmt.Errorf("%w: it was made from a database with other tables than the %s at %s (only in the backup: %s; only in the %s: %s); is it a backup of this kind of database, made by this version of Steward?",
			ErrDumpMismatch, db.name, db.target, listOrNone(onlyDump), db.name, listOrNone(onlyDB))
	}
	return nil
}

func listOrNone(s []string) string {
	if len(s) == 0 {
		return "none"
	}
	return strings.Join(s, ", ")
}

// LoadOptions configure Load.
type LoadOptions struct {
	// Kind is the kind of dump expected ("data" or "keys").
	Kind string
	// Migrations are the database's own, to read its schema version.
	Migrations fs.FS
	// BeforeCommit, when set, runs inside the load's transaction after
	// every row is in and the trailer has checked out; an error rolls the
	// whole load back. It exists so that work which must never be
	// separated from the loaded rows (re-applying erasures, for one)
	// commits with them or not at all.
	BeforeCommit func(ctx context.Context, tx *Tx, h *DumpHeader) error
}

// Load replaces the contents of every table with the dump's rows, in one
// transaction: a failure part-way changes nothing. The database must be at
// the dump's schema version with the same tables, and a dump of another
// kind is refused.
func (db *DB) Load(ctx context.Context, r io.Reader, o LoadOptions) (*DumpHeader, int64, error) {
	d, err := newDumpReader(r, o.Kind)
	if err != nil {
		return nil, 0, err
	}
	if err := db.CheckDumpFits(ctx, &d.h, o.Migrations); err != nil {
		return nil, 0, err
	}
	err = db.InTx(ctx, func(ctx context.Context, tx *Tx) error {
		if db.dialect == Postgres {
			if _, err := tx.ExecContext(ctx, `SET CONSTRAINTS ALL DEFERRED`); err != nil {
				return err
			}
		} else if _, err := tx.ExecContext(ctx, `PRAGMA defer_foreign_keys = ON`); err != nil {
			return err
		}
		// The header's names were checked by newDumpReader and against
		// the database's own table list by CheckDumpFits.
		for _, t := range d.h.Tables {
			if _, err := tx.ExecContext(ctx, `DELETE FROM `+t); err != nil {
				return fmt.Errorf("clear %s: %w", t, err)
			}
		}
		var insert string
		var seen []tableColumns
		for {
			item, err := d.next()
			if err != nil {
				return err
			}
			switch item {
			case itemEnd:
				// Checked once the whole file has proved well formed, so
				// a damaged file is reported as such first.
				for _, tc := range seen {
					if err := sameColumns(ctx, tx, tc.table, tc.cols); err != nil {
						return err
					}
				}
				if o.BeforeCommit != nil {
					return o.BeforeCommit(ctx, tx, &d.h)
				}
				return nil
			case itemTable:
				seen = append(seen, tableColumns{d.table, d.cols})
				ph := make([]string, len(d.cols))
				for i := range ph {
					ph[i] = fmt.Sprintf("$%d", i+1)
				}
				insert = `INSERT INTO ` + d.table + ` (` + strings.Join(d.cols, ", ") + `) VALUES (` + strings.Join(ph, ", ") + `)`
			case itemRow:
				if _, err := tx.ExecContext(ctx, insert, d.row...); err != nil {
					return fmt.Errorf("restore a row of %s: %w", d.table, err)
				}
			}
		}
	})
	if err != nil {
		return nil, 0, err
	}
	return &d.h, d.rows, nil
}

type tableColumns struct {
	table string
	cols  []string
}

// sameColumns refuses a dump whose columns for a table differ from the
// table's own: a column left out would silently take its default (for a
// token's permissions, "all of them").
func sameColumns(ctx context.Context, tx *Tx, table string, cols []string) error {
	rows, err := tx.QueryContext(ctx, `SELECT * FROM `+table+` LIMIT 0`)
	if err != nil {
		return fmt.Errorf("read columns of %s: %w", table, err)
	}
	have, err := rows.Columns()
	rows.Close()
	if err != nil {
		return fmt.Errorf("read columns of %s: %w", table, err)
	}
	want := slices.Clone(cols)
	slices.Sort(have)
	slices.Sort(want)
	if !slices.Equal(have, want) {
		return fmt.Errorf("%w: table %s has columns %s but the backup gives %s", ErrDumpMismatch, table, strings.Join(have, ", "), strings.Join(want, ", "))
	}
	return nil
}
