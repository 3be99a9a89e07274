package importer

import (
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/stewardhq/steward/internal/subjects"
)

// MaxKeptProblems bounds the problems a Result holds in memory; the report
// file has them all.
const MaxKeptProblems = 1000

// Result is what an import did, or with DryRun would do.
type Result struct {
	ImportID string // "" for a dry run
	DryRun   bool
	// Refused is set when --strict found bad rows and wrote nothing.
	Refused   bool
	Rows      int // data rows read
	Batches   int
	Created   int
	Updated   int
	Unchanged int
	Rejected  int // rows
	Left      int
	// Problems are the reasons rows were rejected, the first
	// MaxKeptProblems of them (a row may have several).
	Problems []Problem
	// Mapping is the column map used; Unused lists headers that fed nothing.
	Mapping *Mapping
	Mapped  []string
	Unused  []string
}

// reportWriter writes the per-row report CSV: line, action, column,
// reason, subject id. Reasons never hold values from the file.
type reportWriter struct {
	w   *csv.Writer
	all bool // every row (a dry run), not only rejections and people marked left
}

func newReportWriter(w io.Writer, all bool) *reportWriter {
	if w == nil {
		return nil
	}
	rw := &reportWriter{w: csv.NewWriter(w), all: all}
	_ = rw.w.Write([]string{"line", "action", "column", "reason", "subject_id"})
	return rw
}

func (rw *reportWriter) problem(p Problem) {
	if rw == nil {
		return
	}
	line := ""
	if p.Line > 0 {
		line = strconv.Itoa(p.Line)
	}
	_ = rw.w.Write([]string{line, string(subjects.ImportRejected), p.Column, p.Reason, ""})
}

func (rw *reportWriter) outcome(o subjects.ImportOutcome, leftOn string) {
	if rw == nil {
		return
	}
	switch o.Action {
	case subjects.ImportLeft:
		_ = rw.w.Write([]string{"", string(o.Action), "", "Not in the file: marked as left on " + leftOn + ".", o.SubjectID})
	case subjects.ImportUpdated:
		if rw.all {
			_ = rw.w.Write([]string{strconv.Itoa(o.Line), string(o.Action), "", "Changes: " + strings.Join(o.Changed, ", ") + ".", o.SubjectID})
		}
	case subjects.ImportCreated, subjects.ImportUnchanged:
		if rw.all {
			_ = rw.w.Write([]string{strconv.Itoa(o.Line), string(o.Action), "", "", o.SubjectID})
		}
	}
}

func (rw *reportWriter) flush() error {
	if rw == nil {
		return nil
	}
	rw.w.Flush()
	if err := rw.w.Error(); err != nil {
		return fmt.Errorf("write the report: %w", err)
	}
	return nil
}

// Summary is the result in a few lines for a person.
func (r *Result) Summary() string {
	var sb strings.Builder
	verb := "Imported"
	switch {
	case r.Refused:
		verb = "Nothing written (--strict and some rows are bad): checked"
	case r.DryRun:
		verb = "Dry run (nothing written): would import"
	}
	fmt.Fprintf(&sb, "%s %d rows: %d created, %d updated, %d unchanged, %d rejected", verb, r.Rows, r.Created, r.Updated, r.Unchanged, r.Rejected)
	if r.Left > 0 {
		fmt.Fprintf(&sb, ", %d marked as left", r.Left)
	}
	sb.WriteString(".\n")
	if r.ImportID != "" {
		fmt.Fprintf(&sb, "Import id: %s\n", r.ImportID)
	}
	return sb.String()
}
