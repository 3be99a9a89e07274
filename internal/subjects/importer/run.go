package importer

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/stewardhq/steward/internal/access"
	"github.com/stewardhq/steward/internal/apperr"
	"github.com/stewardhq/steward/internal/audit"
	"github.com/stewardhq/steward/internal/store"
	"github.com/stewardhq/steward/internal/subjects"
)

// Importer loads people from files into the register.
type Importer struct {
	db     *store.DB
	audit  *audit.Log
	access *access.Service
	reg    *subjects.Service
	log    *slog.Logger
}

// New returns an importer over the register's services.
func New(db *store.DB, al *audit.Log, acc *access.Service, reg *subjects.Service, log *slog.Logger) *Importer {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Importer{db: db, audit: al, access: acc, reg: reg, log: log}
}

// DefaultBatch is the rows per transaction: large enough that commits
// (fsyncs) and per-statement costs are spread thin, small enough that a
// batch's work lost to a crash is a second or two.
const DefaultBatch = 10000

// Options configure one import.
type Options struct {
	Path string // the file
	// Data, when set, is the file's content instead of Path: an upload
	// from the web is imported from memory and never written to disk in
	// clear. Name then names it.
	Data  []byte
	Name  string // its name as recorded; default the base name of Path
	Sheet string // XLSX sheet; default the first
	// Unit (a name or id) puts every row in that unit, overriding any
	// unit column.
	Unit string
	// Key is the identifier rows are matched to people by; default
	// membership_no.
	Key string
	// Map (from --map) and Mapping (a saved file) name the columns; Map
	// wins, then Mapping, then the header names recognised automatically.
	Map, Mapping *Mapping
	DryRun       bool // decide and report everything, write nothing
	Strict       bool // write nothing unless every row is valid
	// FullRefresh (with Unit): people in the unit's subtree who have the
	// key identifier but are missing from the file are marked as left.
	FullRefresh bool
	BatchSize   int
	Workers     int // sealing goroutines; 0 means one per core
	Limits      Limits
	// Report receives the per-row report as CSV (see reportWriter).
	Report io.Writer
	// Progress is called after each batch with the rows done and the
	// total.
	Progress func(done, total int)

	unitID string // Unit, resolved
}

func (o *Options) defaults() error {
	if o.Name == "" {
		o.Name = filepath.Base(o.Path)
	}
	o.Name = filepath.Base(o.Name)
	if o.Key == "" {
		o.Key = "membership_no"
	}
	if !slices.Contains(subjects.KeyFields(), o.Key) {
		return apperr.New(apperr.Invalid, "--key %q: use one of %s.", o.Key, strings.Join(subjects.KeyFields(), ", "))
	}
	if o.FullRefresh && o.Unit == "" {
		return apperr.New(apperr.Invalid, "--full-refresh needs --unit: it marks as left the people of that unit who are missing from the file.")
	}
	if o.BatchSize <= 0 {
		o.BatchSize = DefaultBatch
	}
	if o.Limits == (Limits{}) {
		o.Limits = DefaultLimits()
	}
	return nil
}

// Run imports a file. A file that cannot be read, has no rows, has no key
// column or names an unknown unit fails before anything is written. Each
// batch is one transaction: people, their indexes, the ledger rows and an
// audit event commit together, so a crash leaves whole people or none and
// running the same file again finishes the job (rows already imported are
// unchanged).
func (im *Importer) Run(ctx context.Context, o Options) (*Result, error) {
	a, err := access.Require(ctx, access.PermSubjectsImport)
	if err != nil {
		return nil, err
	}
	if err := o.defaults(); err != nil {
		return nil, err
	}
	plan, err := im.prepare(ctx, a, &o)
	if err != nil {
		return nil, err
	}
	if o.Strict && !o.DryRun {
		check := o
		check.DryRun, check.Report, check.Progress = true, nil, nil
		res, err := im.pass(ctx, plan, &check)
		if err != nil {
			return nil, err
		}
		if res.Rejected > 0 {
			// Report what was wrong, as a dry run would have.
			check.Report = o.Report
			if res, err = im.pass(ctx, plan, &check); err != nil {
				return nil, err
			}
			res.Refused = true
			return res, apperr.New(apperr.Invalid, "%d of %d rows are not valid; with --strict nothing was imported.", res.Rejected, res.Rows)
		}
	}
	return im.pass(ctx, plan, &o)
}

// plan is what the first reading of the file established.
type plan struct {
	cols  *columns
	units *unitIndex
	unit  *access.Unit
	rows  int
}

// prepare reads the file once, before anything is written: the header and
// the column map, the key column, every unit named, the number of rows,
// and any fault that would stop the import midway.
func (im *Importer) prepare(ctx context.Context, a *access.Actor, o *Options) (*plan, error) {
	units, err := im.access.Units(ctx)
	if err != nil {
		return nil, err
	}
	p := &plan{units: newUnitIndex(units, a)}
	if o.Unit != "" {
		if p.unit, err = p.units.find(o.Unit); err != nil {
			return nil, err
		}
		o.unitID = p.unit.ID
	}
	t, closeFile, err := o.open()
	if err != nil {
		return nil, err
	}
	defer closeFile()
	if p.cols, err = resolve(t.Header(), o.Map, o.Mapping); err != nil {
		return nil, err
	}
	if p.cols.column(o.Key) < 0 {
		return nil, apperr.New(apperr.Invalid, "The file has no %s column, which rows are matched to people by. Its columns are: %s. Map one with --map \"Header=%s\" or choose another --key.",
			label(o.Key), strings.Join(t.Header(), ", "), o.Key)
	}
	unitCol := -1
	if p.unit == nil {
		unitCol = p.cols.column(TargetUnit)
	}
	seen := map[string]bool{}
	for {
		line, cells, err := t.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		var re *RowError
		if errors.As(err, &re) {
			p.rows++
			continue
		}
		if err != nil {
			return nil, err
		}
		p.rows++
		if unitCol < 0 || unitCol >= len(cells) {
			continue
		}
		ref := strings.TrimSpace(cells[unitCol])
		if ref == "" || seen[ref] {
			continue
		}
		seen[ref] = true
		if _, err := p.units.find(ref); err != nil {
			return nil, apperr.Wrap(err, apperr.CodeOf(err), "Line %d: %s Nothing was imported.", line, apperr.MessageOf(err))
		}
	}
	if p.rows == 0 {
		return nil, apperr.New(apperr.Invalid, "The file has a header but no rows of data.")
	}
	return p, nil
}

// open opens the file as a table.
func (o *Options) open() (Table, func(), error) {
	if o.Data != nil {
		t, err := Open(bytes.NewReader(o.Data), int64(len(o.Data)), o.Sheet, o.Limits)
		if err != nil {
			return nil, nil, err
		}
		return t, func() { t.Close() }, nil
	}
	f, err := os.Open(o.Path)
	if err != nil {
		return nil, nil, apperr.Wrap(err, apperr.Invalid, "Cannot open %s.", o.Path)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, nil, fmt.Errorf("stat %s: %w", o.Path, err)
	}
	t, err := Open(f, st.Size(), o.Sheet, o.Limits)
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	return t, func() { t.Close(); f.Close() }, nil
}
