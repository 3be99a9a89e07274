// Package importer loads people into the member register from CSV and XLSX
// files: it reads and maps the columns, checks every row, and drives the
// register's batch import in crash-safe batches with a ledger and a report.
// The file's values never appear in errors or reports: they are personal
// data, and a rejection report is a file that gets passed around.
package importer

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"unicode/utf8"

	"github.com/stewardhq/steward/internal/apperr"
)

// Limits bound what a file may hold, so a hostile or broken file fails
// with a clear message instead of exhausting memory.
type Limits struct {
	MaxRows      int   // data rows
	MaxColumns   int   // cells per row
	MaxCellBytes int   // bytes per cell
	MaxRowBytes  int   // bytes per row, all cells together
	MaxXLSXBytes int64 // the XLSX file itself, and its unzipped XML
}

// DefaultLimits fit a national membership list with room to spare.
func DefaultLimits() Limits {
	return Limits{MaxRows: 2_000_000, MaxColumns: 200, MaxCellBytes: 4096, MaxRowBytes: 64 << 10, MaxXLSXBytes: 512 << 20}
}

// Table is a file's rows, read one at a time.
type Table interface {
	// Header is the first row's cells, trimmed.
	Header() []string
	// Next returns the next data row and its line number in the file (the
	// row number in a spreadsheet), io.EOF at the end, a *RowError for a
	// row that cannot be read (the next call goes on after it), or another
	// error when the file cannot be read further. The slice is reused.
	Next() (line int, cells []string, err error)
	Close() error
}

// RowError is a row that cannot be read. It does not stop the import.
type RowError struct {
	Line   int
	Reason string
}

func (e *RowError) Error() string { return e.Reason }

// Format is a file format the importer reads.
type Format string

const (
	CSV  Format = "csv"
	XLSX Format = "xlsx"
)

// Detect tells the format from a file's first bytes: an XLSX file is a zip
// archive; a CSV file is UTF-8 text. The extension is not trusted.
func Detect(head []byte) (Format, error) {
	switch {
	case len(bytes.TrimSpace(bytes.TrimPrefix(head, bom))) == 0:
		return "", apperr.New(apperr.Invalid, "The file is empty.")
	case bytes.HasPrefix(head, []byte("PK\x03\x04")):
		return XLSX, nil
	case bytes.HasPrefix(head, []byte{0xD0, 0xCF, 0x11, 0xE0}):
		return "", apperr.New(apperr.Invalid, "The file is an old Excel (.xls) workbook: save it as .xlsx or .csv and import that.")
	case bytes.HasPrefix(head, []byte("PK")):
		return "", apperr.New(apperr.Invalid, "The file is a zip archive but not an XLSX workbook.")
	}
	if !validUTF8Prefix(head) || bytes.IndexByte(head, 0) >= 0 {
		return "", apperr.New(apperr.Invalid, "The file is neither CSV (UTF-8 text) nor XLSX. Save it from your spreadsheet as \"CSV UTF-8\" or as .xlsx.")
	}
	return CSV, nil
}

// validUTF8Prefix is utf8.Valid allowing a rune cut off at the end of the
// sniffed prefix.
func validUTF8Prefix(b []byte) bool {
	for i := 0; i < 3 && len(b) > 0; i++ {
		if utf8.Valid(b) {
			return true
		}
		b = b[:len(b)-1]
	}
	return utf8.Valid(b)
}

var bom = []byte{0xEF, 0xBB, 0xBF}

// sniffSize is how much of a file Detect and the delimiter guess look at.
const sniffSize = 8 << 10

// Open reads a CSV or XLSX table from r; size is the file's size (XLSX
// needs random access, so r must then be an io.ReaderAt too). sheet picks
// an XLSX sheet by name ("" is the first).
func Open(r io.Reader, size int64, sheet string, lim Limits) (Table, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	head, err := br.Peek(sniffSize)
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, bufio.ErrBufferFull) {
		return nil, apperr.Wrap(err, apperr.Invalid, "The file cannot be read.")
	}
	f, err := Detect(head)
	if err != nil {
		return nil, err
	}
	var t Table
	switch f {
	case XLSX:
		ra, ok := r.(io.ReaderAt)
		if !ok {
			return nil, errors.New("importer: an XLSX file needs an io.ReaderAt")
		}
		t, err = openXLSX(ra, size, sheet, lim)
	default:
		if sheet != "" {
			return nil, apperr.New(apperr.Invalid, "--sheet is for XLSX workbooks; this file is CSV.")
		}
		t, err = openCSV(br, head, lim)
	}
	if err != nil {
		return nil, err
	}
	if len(t.Header()) == 0 {
		t.Close()
		return nil, apperr.New(apperr.Invalid, "The file has no header row: its first row must name the columns.")
	}
	return t, nil
}
