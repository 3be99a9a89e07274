package calendar

import (
	"errors"
	"strings"
	"testing"
)

// TestForwardBy covers RULES §9: the 5th working day after receipt, the
// day of receipt never counted, in the receiving office's region; the
// examples are those §9 names.
func TestForwardBy(t *testing.T) {
	for _, tc := range []struct {
		name     string
		region   Region
		received string
		n        int
		want     string
		says     string
	}{
		{"Christmas in England and Wales", EnglandAndWales, "2025-12-24", 5, "2026-01-05", "the bank holidays Christmas Day (Thursday 25 December 2025), Boxing Day (Friday 26 December 2025) and New Year's Day (Thursday 1 January 2026)"},
		{"Christmas in Northern Ireland", NorthernIreland, "2025-12-24", 5, "2026-01-05", "4 weekend days"},
		{"Scotland's 2 January", Scotland, "2025-12-24", 5, "2026-01-06", "2nd January (Friday 2 January 2026)"},
		{"Easter in Northern Ireland", NorthernIreland, "2026-04-02", 5, "2026-04-13", "Easter Monday (Monday 6 April 2026)"},
		{"Easter in Scotland", Scotland, "2026-04-02", 5, "2026-04-10", "the bank holiday Good Friday (Friday 3 April 2026)"},
		{"Easter in England and Wales", EnglandAndWales, "2026-04-02", 5, "2026-04-13", "Easter Monday"},
		{"12 July substitute in Northern Ireland, 2026", NorthernIreland, "2026-07-10", 5, "2026-07-20", "Battle of the Boyne (Orangemen's Day) (substitute day) (Monday 13 July 2026)"},
		{"12 July substitute elsewhere, 2026", EnglandAndWales, "2026-07-10", 5, "2026-07-17", "2 weekend days"},
		{"12 July substitute in Northern Ireland, 2025", NorthernIreland, "2025-07-11", 5, "2025-07-21", "(Monday 14 July 2025)"},
		{"12 July substitute elsewhere, 2025", Scotland, "2025-07-11", 5, "2025-07-18", "2 weekend days"},
		{"St Andrew's Day substitute in Scotland", Scotland, "2025-11-28", 5, "2025-12-08", "St Andrew's Day (substitute day) (Monday 1 December 2025)"},
		{"St Andrew's Day elsewhere", EnglandAndWales, "2025-11-28", 5, "2025-12-05", "2 weekend days"},
		{"receipt on a working day is not counted", EnglandAndWales, "2026-03-02", 5, "2026-03-09", "2 weekend days"},
		{"receipt on a Saturday", EnglandAndWales, "2026-03-07", 5, "2026-03-13", "1 weekend day"},
		{"one working day", EnglandAndWales, "2026-03-06", 1, "2026-03-09", "2 weekend days"},
		{"one working day, nothing passed over", EnglandAndWales, "2026-03-02", 1, "2026-03-03", "no weekend days or bank holidays"},
		{"ten working days", EnglandAndWales, "2026-03-02", 10, "2026-03-16", "4 weekend days"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, err := ForwardBy(tc.region, d(t, tc.received), tc.n)
			if err != nil {
				t.Fatal(err)
			}
			if f.Date.String() != tc.want {
				t.Errorf("forward_by %s, want %s", f.Date, tc.want)
			}
			if !strings.Contains(f.Why, tc.says) || !strings.Contains(f.Why, "not counted") {
				t.Errorf("reason %q lacks %q", f.Why, tc.says)
			}
		})
	}
	for _, tc := range []struct {
		region Region
		n      int
		field  string
	}{
		{EnglandAndWales, 0, "working_days"},
		{EnglandAndWales, -5, "working_days"},
		{EnglandAndWales, MaxForwardWorkingDays + 1, "working_days"},
		{"cornwall", 5, "region"},
	} {
		_, err := ForwardBy(tc.region, d(t, "2026-03-02"), tc.n)
		var ie *InputError
		if !errors.As(err, &ie) || ie.Field != tc.field {
			t.Errorf("ForwardBy(%s, %d): %v", tc.region, tc.n, err)
		}
	}
}

// TestComplaintAcknowledgeBy covers RULES §10: received + 29 days, never
// moved off a weekend or bank holiday.
func TestComplaintAcknowledgeBy(t *testing.T) {
	for _, tc := range []struct {
		received, want, says string
	}{
		{"2026-06-19", "2026-07-18", "It stays there although it is at the weekend"},
		{"2026-11-27", "2026-12-26", "at the weekend"},
		{"2026-12-20", "2027-01-18", "day 30 is Monday 18 January 2027"},
		{"2026-12-01", "2026-12-30", "the date never moves"},
		{"2028-02-01", "2028-03-01", "day 30 is Wednesday 1 March 2028"},
		{"2026-06-01", "2026-06-30", "received on or after Friday 19 June 2026"},
	} {
		f, err := ComplaintAcknowledgeBy(d(t, tc.received))
		if err != nil {
			t.Fatal(err)
		}
		if f.Date.String() != tc.want {
			t.Errorf("received %s: acknowledge_by %s, want %s", tc.received, f.Date, tc.want)
		}
		if !strings.Contains(f.Why, tc.says) {
			t.Errorf("received %s: %q lacks %q", tc.received, f.Why, tc.says)
		}
	}
	f, _ := ComplaintAcknowledgeBy(d(t, "2026-06-19"))
	if strings.Contains(f.Why, "good practice") {
		t.Errorf("a complaint on the commencement day is covered: %q", f.Why)
	}
	if _, err := ComplaintAcknowledgeBy(Date{}); err == nil {
		t.Error("no received date accepted")
	}
}
