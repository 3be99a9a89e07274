package importer

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/stewardhq/steward/internal/apperr"
)

// csvTable streams a CSV file with encoding/csv.
type csvTable struct {
	r      *csv.Reader
	guard  *rowGuard
	lim    Limits
	header []string
	rows   int
}

// openCSV reads the header of a CSV file. head is a peek at its start, for
// the delimiter: spreadsheets set to a European locale write semicolons.
func openCSV(r io.Reader, head []byte, lim Limits) (*csvTable, error) {
	g := &rowGuard{r: r, max: lim.MaxRowBytes + 8<<10}
	cr := csv.NewReader(g)
	cr.Comma = delimiter(bytes.TrimPrefix(head, bom))
	cr.FieldsPerRecord = -1 // ragged rows are checked here, with a clearer message
	cr.ReuseRecord = true
	t := &csvTable{r: cr, guard: g, lim: lim}
	rec, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, apperr.New(apperr.Invalid, "The file is empty.")
	}
	if err != nil {
		return nil, t.fatal(err, 1)
	}
	if len(rec) > lim.MaxColumns {
		return nil, apperr.New(apperr.Invalid, "The header has %d columns; at most %d are allowed.", len(rec), lim.MaxColumns)
	}
	t.header = make([]string, len(rec))
	for i, h := range rec {
		if i == 0 {
			h = strings.TrimPrefix(h, "\uFEFF")
		}
		if len(h) > lim.MaxCellBytes {
			return nil, apperr.New(apperr.Invalid, "Column %d of the header is longer than %d bytes.", i+1, lim.MaxCellBytes)
		}
		t.header[i] = strings.TrimSpace(h)
	}
	return t, nil
}

// delimiter guesses the separator from the first line: whichever of comma,
// semicolon and tab occurs most outside quotes. A one-column file is comma.
func delimiter(head []byte) rune {
	counts := map[rune]int{}
	quoted := false
	for _, c := range string(head) {
		if c == '"' {
			quoted = !quoted
		}
		if c == '\n' && !quoted {
			break
		}
		if !quoted && (c == ',' || c == ';' || c == '\t') {
			counts[c]++
		}
	}
	best := ','
	for _, c := range []rune{';', '\t'} {
		if counts[c] > counts[best] {
			best = c
		}
	}
	return best
}

func (t *csvTable) Header() []string { return t.header }
func (t *csvTable) Close() error     { return nil }

func (t *csvTable) Next() (int, []string, error) {
	for {
		t.guard.reset()
		rec, err := t.r.Read()
		if errors.Is(err, io.EOF) {
			return 0, nil, io.EOF
		}
		var pe *csv.ParseError
		if errors.As(err, &pe) && !errors.Is(err, errRowTooLong) {
			t.rows++
			if t.rows > t.lim.MaxRows {
				return 0, nil, tooManyRows(t.lim)
			}
			return pe.StartLine, nil, &RowError{Line: pe.StartLine, Reason: "The row is not valid CSV (a quote is stray or not closed)."}
		}
		if err != nil {
			line, _ := t.r.FieldPos(0)
			return 0, nil, t.fatal(err, line)
		}
		line, _ := t.r.FieldPos(0)
		if blank(rec) {
			continue
		}
		t.rows++
		if t.rows > t.lim.MaxRows {
			return 0, nil, tooManyRows(t.lim)
		}
		if err := checkRow(rec, len(t.header), t.lim); err != nil {
			return line, nil, &RowError{Line: line, Reason: err.Error()}
		}
		return line, rec, nil
	}
}

func (t *csvTable) fatal(err error, line int) error {
	if errors.Is(err, errRowTooLong) {
		return apperr.New(apperr.Invalid, "Line %d: a row is longer than %d bytes; is this really a list of people?", line, t.lim.MaxRowBytes)
	}
	return apperr.Wrap(err, apperr.Invalid, "The file cannot be read as CSV near line %d.", line)
}

func tooManyRows(lim Limits) error {
	return apperr.New(apperr.Invalid, "The file has more than %d rows; split it into smaller files.", lim.MaxRows)
}

func blank(rec []string) bool {
	for _, c := range rec {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}

// checkRow applies the per-row limits. Extra cells beyond the header are
// an error only when they hold something: spreadsheets often pad rows.
func checkRow(rec []string, width int, lim Limits) error {
	for i, c := range rec {
		if i >= width && strings.TrimSpace(c) != "" {
			return fmt.Errorf("The row has more cells than the header has columns (%d).", width)
		}
		if len(c) > lim.MaxCellBytes {
			return fmt.Errorf("Cell %d is longer than %d bytes.", i+1, lim.MaxCellBytes)
		}
	}
	return nil
}

var errRowTooLong = errors.New("row too long")

// rowGuard fails a read once too many bytes pass without the reader being
// reset (once per row): encoding/csv keeps a whole record in memory, so an
// unclosed quote in a huge file would otherwise read it all.
type rowGuard struct {
	r      io.Reader
	n, max int
}

func (g *rowGuard) reset() { g.n = 0 }

func (g *rowGuard) Read(p []byte) (int, error) {
	if g.n > g.max {
		return 0, errRowTooLong
	}
	n, err := g.r.Read(p)
	g.n += n
	return n, err
}
