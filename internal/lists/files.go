package lists

import (
	"bytes"
	"crypto/rand"
	"encoding/csv"
	"fmt"
	"io"
	"strings"

	"filippo.io/age"
	"github.com/xuri/excelize/v2"
)

// passwordAlphabet leaves out letters and digits that are easily confused
// when a password is read off a screen and typed (0/o, 1/l/i).
const passwordAlphabet = "abcdefghjkmnpqrstuvwxyz23456789"

// NewPassword makes a password for one file: five groups of four
// characters, about 99 bits, easy to read out and type on a phone.
func NewPassword() string {
	var b strings.Builder
	buf := make([]byte, 1)
	n := 0
	for n < 20 {
		if _, err := rand.Read(buf); err != nil {
			panic("lists: no randomness: " + err.Error()) // crypto/rand never fails on supported systems
		}
		// Rejection sampling keeps every character equally likely.
		if int(buf[0]) >= 256/len(passwordAlphabet)*len(passwordAlphabet) {
			continue
		}
		if n > 0 && n%4 == 0 {
			b.WriteByte('-')
		}
		b.WriteByte(passwordAlphabet[int(buf[0])%len(passwordAlphabet)])
		n++
	}
	return b.String()
}

// table is a list's content: headings and rows of cells.
type table struct {
	head []string
	rows [][]string
}

// writeXLSX writes the table as a workbook encrypted under password
// (ECMA-376 agile encryption, which Excel and LibreOffice open).
func writeXLSX(w io.Writer, t table, sheet, password string) error {
	f := excelize.NewFile()
	defer f.Close()
	if err := f.SetSheetName("Sheet1", sheet); err != nil {
		return fmt.Errorf("name the sheet: %w", err)
	}
	sw, err := f.NewStreamWriter(sheet)
	if err != nil {
		return fmt.Errorf("write the sheet: %w", err)
	}
	row := make([]any, len(t.head))
	for i, h := range t.head {
		row[i] = h
	}
	if err := sw.SetRow("A1", row); err != nil {
		return fmt.Errorf("write the headings: %w", err)
	}
	for n, r := range t.rows {
		for i, v := range r {
			// Strings are written as text cells, never as formulas.
			row[i] = v
		}
		cell, _ := excelize.CoordinatesToCellName(1, n+2)
		if err := sw.SetRow(cell, row); err != nil {
			return fmt.Errorf("write row %d: %w", n+2, err)
		}
	}
	if err := sw.Flush(); err != nil {
		return fmt.Errorf("write the sheet: %w", err)
	}
	if _, err := f.WriteTo(w, excelize.Options{Password: password}); err != nil {
		return fmt.Errorf("encrypt the workbook: %w", err)
	}
	return nil
}

// scryptWorkFactor is age's scrypt cost (2^15). The passphrase is a
// random 99-bit password, not one a person chose, so the key stretching
// that protects weak passphrases adds nothing but time: the default
// (2^18) costs about a second per file on each side.
const scryptWorkFactor = 15

// writeAgeCSV writes the table as CSV encrypted with age under the
// passphrase.
func writeAgeCSV(w io.Writer, t table, passphrase string) error {
	r, err := age.NewScryptRecipient(passphrase)
	if err != nil {
		return fmt.Errorf("age recipient: %w", err)
	}
	r.SetWorkFactor(scryptWorkFactor)
	enc, err := age.Encrypt(w, r)
	if err != nil {
		return fmt.Errorf("age encrypt: %w", err)
	}
	cw := csv.NewWriter(enc)
	if err := cw.Write(t.head); err != nil {
		return fmt.Errorf("write the headings: %w", err)
	}
	row := make([]string, len(t.head))
	for _, r := range t.rows {
		for i, v := range r {
			row[i] = defuse(v)
		}
		if err := cw.Write(row); err != nil {
			return fmt.Errorf("write a row: %w", err)
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("write the CSV: %w", err)
	}
	if err := enc.Close(); err != nil {
		return fmt.Errorf("finish the encryption: %w", err)
	}
	return nil
}

// defuse stops a spreadsheet from reading a CSV cell as a formula when
// the file is opened in one: a value starting with =, @, a tab or a
// carriage return, or with + or -, gets a leading apostrophe. A phone
// number (a sign followed by nothing but digits and spaces, such as
// +44 7700 900123) stays as it is; anything else after the sign, even
// after a digit (-2+3+cmd|...), is defused.
func defuse(v string) string {
	if v == "" {
		return v
	}
	switch v[0] {
	case '=', '@', '\t', '\r':
		return "'" + v
	case '+', '-':
		if !phoneLike(v[1:]) {
			return "'" + v
		}
	}
	return v
}

// phoneLike reports whether s is digits and spaces only, with a digit.
func phoneLike(s string) bool {
	digit := false
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			digit = true
		case r == ' ':
		default:
			return false
		}
	}
	return digit
}

// DecryptAgeCSV decrypts an age-encrypted list with its passphrase and
// reads the CSV, for tests and for a holder's own tools.
func DecryptAgeCSV(file []byte, passphrase string) ([][]string, error) {
	id, err := age.NewScryptIdentity(passphrase)
	if err != nil {
		return nil, err
	}
	r, err := age.Decrypt(bytes.NewReader(file), id)
	if err != nil {
		return nil, err
	}
	return csv.NewReader(r).ReadAll()
}
