package importer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/stewardhq/steward/internal/store"
	"github.com/stewardhq/steward/internal/subjects"
)

// batch is a run of parsed rows with the problems found while parsing.
type batch struct {
	rows     []subjects.ImportRow
	problems []Problem
	rejected int // rows rejected while parsing
	read     int // rows read, good and bad
}

// pass reads the file and applies it batch by batch. One goroutine reads
// and parses while this one writes, so the file's parsing overlaps the
// database's work; the register seals new people on every core.
func (im *Importer) pass(ctx context.Context, p *plan, o *Options) (*Result, error) {
	res := &Result{DryRun: o.DryRun, Mapping: p.cols.mapping(), Mapped: p.cols.describe(), Unused: p.cols.unused()}
	if !o.DryRun {
		res.ImportID = store.NewID()
	}
	rw := newReportWriter(o.Report, o.DryRun)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	batches := make(chan *batch, 2)
	seen := newKeySet(p.rows)
	readErr := make(chan error, 1)
	go func() {
		defer close(batches)
		readErr <- im.read(ctx, p, o, seen, batches)
	}()
	reason := fmt.Sprintf("import %s from %s", res.ImportID, o.Name)
	for b := range batches {
		outs, err := im.apply(ctx, res, o, b, reason)
		if err != nil {
			cancel()
			for range batches {
			}
			im.failed(res)
			return nil, err
		}
		res.Rows += b.read
		res.Rejected += b.rejected
		for _, pr := range b.problems {
			rw.problem(pr)
			keep(res, pr)
		}
		for _, out := range outs {
			switch out.Action {
			case subjects.ImportCreated:
				res.Created++
			case subjects.ImportUpdated:
				res.Updated++
			case subjects.ImportUnchanged:
				res.Unchanged++
			case subjects.ImportRejected:
				res.Rejected++
				pr := Problem{Line: out.Line, Column: headerOf(p.cols, out.Field), Reason: out.Reason}
				rw.problem(pr)
				keep(res, pr)
			}
			rw.outcome(out, "")
		}
		if o.Progress != nil {
			o.Progress(res.Rows, p.rows)
		}
	}
	if err := <-readErr; err != nil {
		return nil, err
	}
	if o.FullRefresh {
		if err := im.markLeft(ctx, p, o, res, seen, rw); err != nil {
			im.failed(res)
			return nil, err
		}
	}
	if err := rw.flush(); err != nil {
		return nil, err
	}
	if res.ImportID != "" && res.Batches > 0 {
		if err := finishImport(ctx, im.db, im.audit, res.ImportID, res); err != nil {
			return nil, err
		}
	}
	return res, nil
}

// failed marks a run that stopped on an error, as far as it still can (a
// cancelled context or a lost database cannot): the batches it committed
// stay, and running the file again finishes the job.
func (im *Importer) failed(res *Result) {
	if res.ImportID == "" || res.Batches == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, err := im.db.Writer().ExecContext(ctx, `UPDATE imports SET status = 'failed', finished_at = $2 WHERE id = $1`,
		res.ImportID, store.Millis(im.db.Now()))
	if err != nil {
		im.log.Warn("could not mark the import as failed", "import_id", res.ImportID, "err", err)
	}
}

func keep(res *Result, pr Problem) {
	if len(res.Problems) < MaxKeptProblems {
		res.Problems = append(res.Problems, pr)
	}
}

// headerOf names the file column of a field, for the report.
func headerOf(c *columns, field string) string {
	if i := c.column(field); i >= 0 {
		return c.header[i]
	}
	return field
}

// apply writes one batch in one transaction (or, dry, decides it).
func (im *Importer) apply(ctx context.Context, res *Result, o *Options, b *batch, reason string) ([]subjects.ImportOutcome, error) {
	ib := subjects.ImportBatch{Key: o.Key, Reason: reason, DryRun: o.DryRun, Workers: o.Workers, Rows: b.rows}
	if o.DryRun {
		// A dry run writes nothing, but it compares the file with what is
		// stored and says per person what would change: that is a read of
		// their data, so each batch is audited, with the people compared.
		var outs []subjects.ImportOutcome
		err := im.db.InTx(ctx, func(ctx context.Context, tx *store.Tx) error {
			var err error
			if outs, err = im.reg.ApplyImport(ctx, ib); err != nil {
				return err
			}
			return auditDryRun(ctx, im.audit, res.Batches+1, outs)
		})
		if err == nil {
			res.Batches++
		}
		return outs, err
	}
	var outs []subjects.ImportOutcome
	err := im.db.InTx(ctx, func(ctx context.Context, tx *store.Tx) error {
		if err := memoryTemp(ctx, tx); err != nil {
			return err
		}
		if res.Batches == 0 {
			if err := startImport(ctx, tx, res.ImportID, o, unitID(o)); err != nil {
				return err
			}
		}
		var err error
		if outs, err = im.reg.ApplyImport(ctx, ib); err != nil {
			return err
		}
		c := counts{rejected: b.rejected}
		for _, out := range outs {
			c.add(out.Action)
		}
		return recordBatch(ctx, tx, im.audit, res.ImportID, res.Batches+1, outs, c)
	})
	if err != nil {
		return nil, err
	}
	res.Batches++
	return outs, nil
}

// read parses the file into batches. Duplicate keys are caught here, over
// the whole file: the later row is rejected and the earlier imported.
func (im *Importer) read(ctx context.Context, p *plan, o *Options, seen *keySet, out chan<- *batch) error {
	t, closeFile, err := o.open()
	if err != nil {
		return err
	}
	defer closeFile()
	_, serials := t.(*xlsxTable)
	ps := &parser{cols: p.cols, key: o.Key, units: p.units, unit: p.unit, serials: serials, hash: im.reg.KeyHash}
	var members *keySet
	if o.Key != "membership_no" && p.cols.has("membership_no") {
		members = newKeySet(0)
	}
	b := &batch{}
	send := func() error {
		select {
		case out <- b:
		case <-ctx.Done():
			return ctx.Err()
		}
		b = &batch{}
		return nil
	}
	for {
		line, cells, err := t.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		var re *RowError
		if errors.As(err, &re) {
			b.read++
			b.rejected++
			b.problems = append(b.problems, Problem{Line: re.Line, Reason: re.Reason})
			continue
		}
		if err != nil {
			return err
		}
		b.read++
		row, probs := ps.parse(line, cells)
		if len(row.KeyHash) > 0 {
			if first, dup := seen.add(row.KeyHash, line); dup {
				probs = append(probs, Problem{Line: line, Column: headerOf(p.cols, o.Key),
					Reason: fmt.Sprintf("The %s is the same as on line %d; the earlier row is imported.", label(o.Key), first)})
			}
		}
		if members != nil && row.Profile.MembershipNo != "" && len(probs) == 0 {
			h, err := im.reg.KeyHash("membership_no", row.Profile.MembershipNo)
			if err == nil {
				if first, dup := members.add(h, line); dup {
					probs = append(probs, Problem{Line: line, Column: headerOf(p.cols, "membership_no"),
						Reason: fmt.Sprintf("The membership number is the same as on line %d; the earlier row is imported.", first)})
				}
			}
		}
		if len(probs) > 0 {
			b.rejected++
			b.problems = append(b.problems, probs...)
		} else {
			b.rows = append(b.rows, row)
		}
		if b.read >= o.BatchSize {
			if err := send(); err != nil {
				return err
			}
		}
	}
	if b.read > 0 {
		return send()
	}
	return nil
}

func label(field string) string {
	switch field {
	case "membership_no":
		return "membership number"
	case "email":
		return "email address"
	case "phone":
		return "phone number"
	case "ni_number":
		return "National Insurance number"
	}
	return field
}

// markLeft marks as left, in batches, the people of the refreshed unit who
// have the key identifier but are missing from the file.
func (im *Importer) markLeft(ctx context.Context, p *plan, o *Options, res *Result, seen *keySet, rw *reportWriter) error {
	var missing []string
	err := im.reg.ImportKeyHolders(ctx, p.unit, o.Key, func(id string, h []byte) {
		if !seen.has(h) {
			missing = append(missing, id)
		}
	})
	if err != nil {
		return err
	}
	today := im.db.Now().Format(time.DateOnly)
	for lo := 0; lo < len(missing); lo += o.BatchSize {
		ids := missing[lo:min(lo+o.BatchSize, len(missing))]
		var outs []subjects.ImportOutcome
		if o.DryRun {
			if outs, err = im.reg.MarkLeft(ctx, ids, today, true); err != nil {
				return err
			}
		} else {
			err = im.db.InTx(ctx, func(ctx context.Context, tx *store.Tx) error {
				if res.Batches == 0 {
					if err := startImport(ctx, tx, res.ImportID, o, unitID(o)); err != nil {
						return err
					}
				}
				var err error
				if outs, err = im.reg.MarkLeft(ctx, ids, today, false); err != nil {
					return err
				}
				var c counts
				for _, out := range outs {
					c.add(out.Action)
				}
				return recordBatch(ctx, tx, im.audit, res.ImportID, res.Batches+1, outs, c)
			})
			if err != nil {
				return err
			}
			res.Batches++
		}
		for _, out := range outs {
			switch out.Action {
			case subjects.ImportLeft:
				res.Left++
			case subjects.ImportRejected:
				res.Rejected++
				pr := Problem{Reason: out.Reason}
				rw.problem(pr)
				keep(res, pr)
			}
			rw.outcome(out, today)
		}
	}
	return nil
}

// keySet holds the blind indexes of keys seen in a file, with the line
// each was first on; 16-byte arrays keep a million of them compact.
type keySet struct{ m map[[16]byte]int }

func newKeySet(n int) *keySet { return &keySet{m: make(map[[16]byte]int, n)} }

func (s *keySet) add(h []byte, line int) (first int, dup bool) {
	var k [16]byte
	copy(k[:], h)
	if first, ok := s.m[k]; ok {
		return first, true
	}
	s.m[k] = line
	return line, false
}

func (s *keySet) has(h []byte) bool {
	var k [16]byte
	copy(k[:], h)
	_, ok := s.m[k]
	return ok
}

// memoryTemp keeps SQLite's statement journal in memory. A multi-row
// INSERT must be able to undo itself alone, so SQLite journals every page
// it touches; in a temporary file that is a system call per page, which
// was a quarter of an import's time. The writer pool has one connection,
// and the setting is harmless for everything else it runs.
func memoryTemp(ctx context.Context, tx *store.Tx) error {
	if tx.Dialect() != store.SQLite {
		return nil
	}
	for _, p := range []string{`PRAGMA temp_store = MEMORY`, `PRAGMA cache_size = -65536`} {
		if _, err := tx.ExecContext(ctx, p); err != nil {
			return fmt.Errorf("%s: %w", p, err)
		}
	}
	return nil
}
