package calendar

import (
	"strings"
	"testing"
	"time"
)

func TestParseDate(t *testing.T) {
	for _, s := range []string{"2026-03-02", "2028-02-29", "1900-01-01", "2200-12-31"} {
		d, err := ParseDate(s)
		if err != nil || d.String() != s {
			t.Errorf("ParseDate(%q) = %s, %v", s, d, err)
		}
	}
	for s, hint := range map[string]string{
		"":            "YYYY-MM-DD",
		"2026-3-2":    "YYYY-MM-DD",
		"02/03/2026":  "YYYY-MM-DD",
		"2026-02-29":  "February 2026 has 28 days",
		"2026-04-31":  "April 2026 has 30 days",
		"2026-13-01":  "no month 13",
		"2026-00-10":  "no month 0",
		"0202-03-01":  "1900 to 2200",
		"2026-03-02 ": "YYYY-MM-DD",
		"+026-03-02":  "YYYY-MM-DD",
		"2026-+3-02":  "YYYY-MM-DD",
		"2026-03-0x":  "YYYY-MM-DD",
	} {
		_, err := ParseDate(s)
		if err == nil || !strings.Contains(err.Error(), hint) {
			t.Errorf("ParseDate(%q): %v, want a message with %q", s, err, hint)
		}
	}
}

func TestDateBasics(t *testing.T) {
	d := DateOf(2026, time.February, 29)
	if d.String() != "2026-03-01" {
		t.Fatalf("DateOf normalises: %s", d)
	}
	if got := d.Long(); got != "Sunday 1 March 2026" {
		t.Errorf("Long: %q", got)
	}
	if (Date{}).String() != "" || !(Date{}).IsZero() || d.IsZero() {
		t.Error("zero date")
	}
	if DateOf(2026, 3, 31).Sub(DateOf(2026, 3, 1)) != 30 || DateOf(2026, 3, 1).Sub(DateOf(2026, 3, 31)) != -30 {
		t.Error("Sub")
	}
	// Sub counts calendar days across the clock changes.
	if DateOf(2026, 3, 30).Sub(DateOf(2026, 3, 28)) != 2 || DateOf(2026, 10, 26).Sub(DateOf(2026, 10, 24)) != 2 {
		t.Error("Sub across a clock change")
	}
}

// TestAddMonths covers C4 and the ICO's and EDPB's examples.
func TestAddMonths(t *testing.T) {
	for _, tc := range []struct {
		from string
		n    int
		want string
	}{
		{"2026-01-31", 1, "2026-02-28"},
		{"2028-01-31", 1, "2028-02-29"}, // leap year
		{"2027-01-31", 1, "2027-02-28"},
		{"2026-03-05", 1, "2026-04-05"}, // EDPB example 32
		{"2026-08-31", 1, "2026-09-30"}, // EDPB example 33
		{"2026-03-31", 1, "2026-04-30"},
		{"2026-12-31", 1, "2027-01-31"},
		{"2026-11-30", 3, "2027-02-28"},
		{"2027-11-30", 3, "2028-02-29"},
		{"2026-01-31", 3, "2026-04-30"},
		{"2026-05-31", -1, "2026-04-30"},
		{"2026-01-15", -1, "2025-12-15"},
		{"2026-01-15", -13, "2024-12-15"},
		{"2026-01-15", 0, "2026-01-15"},
		{"2024-02-29", 12, "2025-02-28"},
	} {
		from, _ := ParseDate(tc.from)
		if got := AddMonths(from, tc.n).String(); got != tc.want {
			t.Errorf("AddMonths(%s, %d) = %s, want %s", tc.from, tc.n, got, tc.want)
		}
	}
}
