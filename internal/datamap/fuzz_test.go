package datamap_test

import (
	"strings"
	"testing"
	"time"

	"github.com/stewardhq/steward/internal/apperr"
	"github.com/stewardhq/steward/internal/datamap"
)

// FuzzParseDate: any input either is refused as invalid or becomes a real
// YYYY-MM-DD date that parses back to itself.
func FuzzParseDate(f *testing.F) {
	for _, s := range []string{"", "2027-03-31", "31/03/2027", "1/4/2025", "2027-02-30", "31st March", " 2026-01-01 ", "0001-01-01", "9999-12-31", "\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := datamap.ParseDate("The date", s)
		if err != nil {
			if apperr.CodeOf(err) != apperr.Invalid {
				t.Fatalf("%q: error %v is not invalid", s, err)
			}
			return
		}
		if strings.TrimSpace(s) == "" {
			if got != "" {
				t.Fatalf("blank gave %q", got)
			}
			return
		}
		d, perr := time.Parse("2006-01-02", got)
		if perr != nil || d.Format("2006-01-02") != got {
			t.Fatalf("%q gave %q, not a canonical date", s, got)
		}
	})
}

// FuzzSafeCell: no cell leaves SafeCell starting with a character a
// spreadsheet would treat as the start of a formula, and nothing but the
// apostrophe is added.
func FuzzSafeCell(f *testing.F) {
	for _, s := range []string{"", "=1+1", "+44 20", "-x", "@SUM(A1)", "\tx", "plain", "'quoted"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := datamap.SafeCell(s)
		if got != "" && strings.ContainsRune("=+-@\t\r", rune(got[0])) {
			t.Fatalf("%q left as %q", s, got)
		}
		if got != s && got != "'"+s {
			t.Fatalf("%q changed to %q", s, got)
		}
	})
}
