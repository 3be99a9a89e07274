package importer

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/xuri/excelize/v2"

	"github.com/stewardhq/steward/internal/apperr"
)

// xlsxTable streams a worksheet with excelize's row iterator.
type xlsxTable struct {
	f      *excelize.File
	rows   *excelize.Rows
	lim    Limits
	header []string
	line   int
	count  int
}

// openXLSX opens the named sheet, or the first, and reads its header.
// Cell values are read raw (RawCellValue), not through their number
// formats: Excel's default date format is American, and a raw date is a
// serial number the row parser turns into a calendar date.
func openXLSX(r io.ReaderAt, size int64, sheet string, lim Limits) (t *xlsxTable, err error) {
	if size > lim.MaxXLSXBytes {
		return nil, apperr.New(apperr.Invalid, "The workbook is larger than %d MB; save it as CSV and import that.", lim.MaxXLSXBytes>>20)
	}
	// excelize parses untrusted XML and zip structures; a panic in it
	// becomes a clear error rather than a crash of the server.
	defer recoverDamaged(&err)
	f, err := excelize.OpenReader(io.NewSectionReader(r, 0, size), excelize.Options{
		RawCellValue: true, UnzipSizeLimit: lim.MaxXLSXBytes, UnzipXMLSizeLimit: min(lim.MaxXLSXBytes, 64<<20),
	})
	if err != nil {
		return nil, apperr.Wrap(err, apperr.Invalid, "The file looks like an XLSX workbook but cannot be opened: is it damaged or password-protected?")
	}
	t = &xlsxTable{f: f, lim: lim}
	defer func() {
		if err != nil {
			f.Close()
		}
	}()
	sheets := f.GetSheetList()
	if len(sheets) == 0 {
		return nil, apperr.New(apperr.Invalid, "The workbook has no sheets.")
	}
	if sheet == "" {
		sheet = sheets[0]
	} else if !containsFold(sheets, &sheet) {
		return nil, apperr.New(apperr.Invalid, "The workbook has no sheet %q; its sheets are: %s.", sheet, strings.Join(sheets, ", "))
	}
	if t.rows, err = f.Rows(sheet); err != nil {
		return nil, apperr.Wrap(err, apperr.Invalid, "The sheet %q cannot be read.", sheet)
	}
	for {
		line, cells, err := t.next()
		if errors.Is(err, io.EOF) {
			return nil, apperr.New(apperr.Invalid, "The sheet %q is empty.", sheet)
		}
		if err != nil {
			return nil, err
		}
		if blank(cells) {
			continue
		}
		if len(cells) > lim.MaxColumns {
			return nil, apperr.New(apperr.Invalid, "The header has %d columns; at most %d are allowed.", len(cells), lim.MaxColumns)
		}
		for i, c := range cells {
			if len(c) > lim.MaxCellBytes {
				return nil, apperr.New(apperr.Invalid, "Column %d of the header (row %d) is longer than %d bytes.", i+1, line, lim.MaxCellBytes)
			}
			cells[i] = strings.TrimSpace(c)
		}
		t.header = cells
		return t, nil
	}
}

func containsFold(list []string, s *string) bool {
	for _, v := range list {
		if strings.EqualFold(v, *s) {
			*s = v
			return true
		}
	}
	return false
}

func recoverDamaged(err *error) {
	if p := recover(); p != nil {
		*err = apperr.New(apperr.Invalid, "The workbook is damaged and cannot be read.")
	}
}

// next reads one row of the sheet, whatever it holds.
func (t *xlsxTable) next() (line int, cells []string, err error) {
	defer recoverDamaged(&err)
	if !t.rows.Next() {
		if err := t.rows.Error(); err != nil {
			return 0, nil, apperr.Wrap(err, apperr.Invalid, "The sheet cannot be read after row %d.", t.line)
		}
		return 0, nil, io.EOF
	}
	t.line++
	cells, err = t.rows.Columns()
	if err != nil {
		return 0, nil, apperr.Wrap(err, apperr.Invalid, "Row %d of the sheet cannot be read.", t.line)
	}
	return t.line, cells, nil
}

func (t *xlsxTable) Header() []string { return t.header }

func (t *xlsxTable) Next() (int, []string, error) {
	for {
		line, cells, err := t.next()
		if err != nil {
			return 0, nil, err
		}
		if blank(cells) {
			continue
		}
		t.count++
		if t.count > t.lim.MaxRows {
			return 0, nil, tooManyRows(t.lim)
		}
		if err := checkRow(cells, len(t.header), t.lim); err != nil {
			return line, nil, &RowError{Line: line, Reason: err.Error()}
		}
		return line, cells, nil
	}
}

func (t *xlsxTable) Close() error {
	var errs []error
	if t.rows != nil {
		errs = append(errs, t.rows.Close())
	}
	errs = append(errs, t.f.Close())
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("close workbook: %w", err)
	}
	return nil
}
