package datamap

import (
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"

	"github.com/stewardhq/steward/internal/apperr"
	"github.com/stewardhq/steward/internal/store"
)

// Art30Columns is the header of the exported record: one column for every
// field Art 30(1) lists (RULES.md 5.1), the DPA 2018 Sch 1 para 41 fields,
// and the ICO's recommended extras. Plain English, citing the provision,
// because the reader is the regulator or a trustee, not a programmer.
func Art30Columns() []string {
	return []string{
		"Processing activity",
		"Controller name and contact details (Art 30(1)(a))",
		"Joint controller name and contact details (Art 30(1)(a))",
		"Controller's representative name and contact details (Art 30(1)(a))",
		"Data protection officer name and contact details (Art 30(1)(a))",
		"Purposes of the processing (Art 30(1)(b))",
		"Categories of data subjects (Art 30(1)(c))",
		"Categories of personal data (Art 30(1)(c))",
		"Categories of recipients, including in third countries or international organisations (Art 30(1)(d))",
		"Transfers to third countries or international organisations and their safeguards (Art 30(1)(e))",
		"Documentation of suitable safeguards for transfers under the second subparagraph of Art 49(1) (Art 30(1)(e))",
		"Envisaged time limits for erasure (Art 30(1)(f))",
		"Technical and organisational security measures (Art 30(1)(g) and Art 32(1))",
		"Lawful basis and how the processing satisfies Art 6 (Art 6(1); DPA 2018 Sch 1 para 41(b))",
		"Special category condition (Art 9(2))",
		"Criminal offence data basis (Art 10; DPA 2018 s.10(5))",
		"DPA 2018 Sch 1 condition relied on (Sch 1 para 41(a))",
		"Appropriate policy document (DPA 2018 Sch 1 Part 4)",
		"Retained and erased in line with the appropriate policy document, and if not why (DPA 2018 Sch 1 para 41(c))",
		"Systems where the data is held",
		"Privacy notice",
		"Owner within the organisation",
	}
}

// ExportFormat describes a format ExportArt30 writes.
type ExportFormat struct {
	ContentType string
	Extension   string
}

// ExportFormatOf returns the content type and file extension of a format
// name, or an invalid error naming the formats there are.
func ExportFormatOf(format string) (ExportFormat, error) {
	switch format {
	case "csv":
		return ExportFormat{ContentType: "text/csv; charset=utf-8", Extension: "csv"}, nil
	case "xlsx":
		return ExportFormat{ContentType: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", Extension: "xlsx"}, nil
	}
	return ExportFormat{}, apperr.New(apperr.Invalid, "The record can be exported as csv or xlsx, not %q.", truncate(format, 20))
}

// ExportArt30 writes the record of processing activities, one row per
// activity, as CSV or XLSX. The export is audited: it is the document the
// organisation gives the regulator.
func (s *Service) ExportArt30(ctx context.Context, w io.Writer, format string) error {
	if err := canRead(ctx); err != nil {
		return err
	}
	if _, err := ExportFormatOf(format); err != nil {
		return err
	}
	m, err := s.load(ctx, "")
	if err != nil {
		return err
	}
	rows := art30Rows(m)
	err = s.db.InTx(ctx, func(ctx context.Context, tx *store.Tx) error {
		return s.record(ctx, "datamap.export", "datamap", "art30", map[string]string{"format": format, "activities": strconv.Itoa(len(rows))})
	})
	if err != nil {
		return err
	}
	if format == "csv" {
		return writeCSV(w, rows)
	}
	return writeXLSX(w, rows)
}

func art30Rows(m *mapData) [][]string {
	ctl := m.controller
	out := make([][]string, 0, len(m.activities))
	for _, a := range m.activities {
		var cats, recips, systems, transfers, docs []string
		for _, id := range a.CategoryIDs {
			c := m.categories[id]
			if c.Special != SpecialNone {
				cats = append(cats, c.Name+" ("+c.Special.Label()+")")
			} else {
				cats = append(cats, c.Name)
			}
		}
		for _, id := range a.RecipientIDs {
			r := m.recipients[id]
			desc := r.Name + " (" + strings.ToLower(r.KindLabel())
			if r.Country != "" {
				desc += "; " + r.Country
			}
			if r.Safeguard != "" {
				desc += "; safeguard: " + r.Safeguard
			}
			recips = append(recips, desc+")")
		}
		for _, id := range a.SystemIDs {
			y := m.systems[id]
			desc := y.Name + " (" + strings.ToLower(y.KindLabel())
			if y.Location != "" {
				desc += "; " + y.Location
			}
			if y.Country != "" {
				desc += "; " + y.Country
			}
			systems = append(systems, desc+")")
		}
		for _, t := range a.Transfers {
			sg := "no safeguard recorded"
			if t.Safeguard != "" {
				sg = t.SafeguardLabel()
			}
			transfers = append(transfers, t.Destination+": "+sg)
			if t.Documentation != "" {
				docs = append(docs, t.Destination+": "+t.Documentation)
			}
		}
		basis := a.LawfulBasisLabel()
		if a.LawfulBasisDetail != "" {
			basis = joinNonEmpty(". ", basis, a.LawfulBasisDetail)
		}
		retention := a.RetentionRule
		if a.RetentionMonths > 0 {
			retention = joinNonEmpty(" ", retention, fmt.Sprintf("(%d months)", a.RetentionMonths))
		}
		apd := "Not needed"
		if a.NeedsAPD() {
			apd = "Needed; none recorded"
			if a.APDReference != "" {
				apd = "Needed: " + a.APDReference
			}
		} else if a.APDReference != "" {
			apd = a.APDReference
		}
		orNone := func(list []string, none string) string {
			if len(list) == 0 {
				return none
			}
			return strings.Join(list, "; ")
		}
		out = append(out, []string{
			a.Name,
			joinNonEmpty(", ", ctl.Name, ctl.Contact),
			orDash(a.JointController),
			orDash(ctl.Representative),
			orDash(ctl.DPO),
			a.Purposes,
			a.DataSubjects,
			strings.Join(cats, "; "),
			orNone(recips, "None"),
			orNone(transfers, "None"),
			orNone(docs, "—"),
			retention,
			a.SecurityMeasures,
			basis,
			orDash(a.Art9Label()),
			orDash(a.Art10Basis),
			orDash(a.Sch1Condition),
			apd,
			orDash(a.APDRetention),
			strings.Join(systems, "; "),
			a.PrivacyNotice,
			a.Owner,
		})
	}
	return out
}

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

func joinNonEmpty(sep string, parts ...string) string {
	var keep []string
	for _, p := range parts {
		if p != "" {
			keep = append(keep, p)
		}
	}
	return strings.Join(keep, sep)
}

// SafeCell neutralises a cell a spreadsheet would otherwise run as a
// formula (CSV injection): text starting with = + - @, a tab or a carriage
// return gets a leading apostrophe, which spreadsheets show as text.
func SafeCell(s string) string {
	if s == "" {
		return s
	}
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r':
		return "'" + s
	}
	return s
}

// writeCSV writes UTF-8 with a byte-order mark, which is what makes Excel
// read it as UTF-8 rather than the local code page, and CRLF line ends
// (RFC 4180).
func writeCSV(w io.Writer, rows [][]string) error {
	if _, err := io.WriteString(w, "\ufeff"); err != nil {
		return fmt.Errorf("write csv: %w", err)
	}
	cw := csv.NewWriter(w)
	cw.UseCRLF = true
	if err := cw.Write(Art30Columns()); err != nil {
		return fmt.Errorf("write csv: %w", err)
	}
	for _, r := range rows {
		safe := make([]string, len(r))
		for i, c := range r {
			safe[i] = SafeCell(c)
		}
		if err := cw.Write(safe); err != nil {
			return fmt.Errorf("write csv: %w", err)
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("write csv: %w", err)
	}
	return nil
}

// maxXLSXCell is Excel's limit on the characters in one cell.
const maxXLSXCell = 32767

const sheetName = "Art 30 record"

// writeXLSX writes a workbook with one sheet. Every cell is written as a
// string, never a formula, so text starting with = stays text and needs no
// apostrophe.
func writeXLSX(w io.Writer, rows [][]string) (err error) {
	f := excelize.NewFile()
	defer func() {
		if cerr := f.Close(); cerr != nil && err == nil {
			err = fmt.Errorf("close workbook: %w", cerr)
		}
	}()
	if err := f.SetSheetName("Sheet1", sheetName); err != nil {
		return fmt.Errorf("name sheet: %w", err)
	}
	header, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}, Alignment: &excelize.Alignment{WrapText: true, Vertical: "top"},
		Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"DDEBE7"}}})
	if err != nil {
		return fmt.Errorf("header style: %w", err)
	}
	body, err := f.NewStyle(&excelize.Style{Alignment: &excelize.Alignment{WrapText: true, Vertical: "top"}})
	if err != nil {
		return fmt.Errorf("body style: %w", err)
	}
	cols := Art30Columns()
	for r, row := range append([][]string{cols}, rows...) {
		for c, v := range row {
			cell, err := excelize.CoordinatesToCellName(c+1, r+1)
			if err != nil {
				return fmt.Errorf("cell name: %w", err)
			}
			if utf8.RuneCountInString(v) > maxXLSXCell {
				v = string([]rune(v)[:maxXLSXCell-1]) + "…"
			}
			if err := f.SetCellStr(sheetName, cell, v); err != nil {
				return fmt.Errorf("write cell %s: %w", cell, err)
			}
		}
	}
	last, err := excelize.ColumnNumberToName(len(cols))
	if err != nil {
		return fmt.Errorf("column name: %w", err)
	}
	if err := f.SetColWidth(sheetName, "A", last, 40); err != nil {
		return fmt.Errorf("column width: %w", err)
	}
	if err := f.SetCellStyle(sheetName, "A1", last+"1", header); err != nil {
		return fmt.Errorf("style header: %w", err)
	}
	if len(rows) > 0 {
		if err := f.SetCellStyle(sheetName, "A2", last+strconv.Itoa(len(rows)+1), body); err != nil {
			return fmt.Errorf("style rows: %w", err)
		}
	}
	// Keep the header and the activity names in view while scrolling.
	if err := f.SetPanes(sheetName, &excelize.Panes{Freeze: true, XSplit: 1, YSplit: 1, TopLeftCell: "B2", ActivePane: "bottomRight"}); err != nil {
		return fmt.Errorf("freeze panes: %w", err)
	}
	if err := f.SetDocProps(&excelize.DocProperties{Title: "Record of processing activities (UK GDPR Art 30)", Creator: "Steward"}); err != nil {
		return fmt.Errorf("document properties: %w", err)
	}
	if _, err := f.WriteTo(w); err != nil {
		return fmt.Errorf("write workbook: %w", err)
	}
	return nil
}
