package calendar

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func instant(t testing.TB, s string) time.Time {
	t.Helper()
	got, err := ParseInstant(s)
	if err != nil {
		t.Fatal(err)
	}
	return got
}

// TestBreachAcrossClockChanges covers RULES §2.2: 72 real hours, so the UK
// wall-clock time moves by an hour when the clocks change in between. One
// case per changeover listed there, each awareness at noon UK time on the
// Friday before.
func TestBreachAcrossClockChanges(t *testing.T) {
	for _, tc := range []struct {
		aware, utc, local, change string
	}{
		{"2025-03-28T12:00:00Z", "2025-03-31T12:00:00Z", "2025-03-31T13:00:00+01:00", "go forward on Sunday 30 March 2025"},
		{"2025-10-24T12:00:00+01:00", "2025-10-27T11:00:00Z", "2025-10-27T11:00:00+00:00", "go back on Sunday 26 October 2025"},
		{"2026-03-27T12:00:00Z", "2026-03-30T12:00:00Z", "2026-03-30T13:00:00+01:00", "go forward on Sunday 29 March 2026"},
		{"2026-10-23T12:00:00+01:00", "2026-10-26T11:00:00Z", "2026-10-26T11:00:00+00:00", "go back on Sunday 25 October 2026"},
		{"2027-03-26T12:00:00Z", "2027-03-29T12:00:00Z", "2027-03-29T13:00:00+01:00", "go forward on Sunday 28 March 2027"},
		{"2027-10-29T12:00:00+01:00", "2027-11-01T11:00:00Z", "2027-11-01T11:00:00+00:00", "go back on Sunday 31 October 2027"},
		{"2028-03-24T12:00:00Z", "2028-03-27T12:00:00Z", "2028-03-27T13:00:00+01:00", "go forward on Sunday 26 March 2028"},
		{"2028-10-27T12:00:00+01:00", "2028-10-30T11:00:00Z", "2028-10-30T11:00:00+00:00", "go back on Sunday 29 October 2028"},
		// The example worked in the docs: 10:00 GMT on a Friday is 11:00 BST on Monday.
		{"2026-03-27T10:00:00Z", "2026-03-30T10:00:00Z", "2026-03-30T11:00:00+01:00", "11:00:00 BST on Monday 30 March 2026, not 10:00:00 GMT"},
		{"2026-10-23T09:30:00+01:00", "2026-10-26T08:30:00Z", "2026-10-26T08:30:00+00:00", "08:30:00 GMT on Monday 26 October 2026, not 09:30:00 BST"},
		// Awareness given in UTC in summer is the same instant.
		{"2026-10-23T08:30:00Z", "2026-10-26T08:30:00Z", "2026-10-26T08:30:00+00:00", "go back"},
		// No change inside the window: same clock time.
		{"2026-03-20T12:00:00Z", "2026-03-23T12:00:00Z", "2026-03-23T12:00:00+00:00", "the same clock time"},
		{"2026-07-03T16:00:00+01:00", "2026-07-06T15:00:00Z", "2026-07-06T16:00:00+01:00", "the same clock time"},
		// Ending exactly at a changeover (01:00 UTC on 28 March 2027).
		{"2027-03-25T01:00:00Z", "2027-03-28T01:00:00Z", "2027-03-28T02:00:00+01:00", "go forward on Sunday 28 March 2027"},
		// Weekends and bank holidays count: Christmas Eve to Sunday 27 December.
		{"2026-12-24T09:00:00Z", "2026-12-27T09:00:00Z", "2026-12-27T09:00:00+00:00", "the same clock time"},
	} {
		b, err := BreachDeadline(instant(t, tc.aware), time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		if got := FormatUTC(b.Deadline); got != tc.utc {
			t.Errorf("%s: deadline %s, want %s", tc.aware, got, tc.utc)
		}
		if got := b.DeadlineLocal.Format(LocalLayout); got != tc.local {
			t.Errorf("%s: local %s, want %s", tc.aware, got, tc.local)
		}
		if got, _ := FormatLondon(b.Deadline); got != tc.local {
			t.Errorf("%s: FormatLondon %s, want %s", tc.aware, got, tc.local)
		}
		if b.Deadline.Sub(b.Aware) != 72*time.Hour || !b.Deadline.Equal(b.DeadlineLocal) {
			t.Errorf("%s: not 72 elapsed hours", tc.aware)
		}
		if !strings.Contains(b.LocalWhy, tc.change) {
			t.Errorf("%s: %q lacks %q", tc.aware, b.LocalWhy, tc.change)
		}
		if !strings.Contains(b.DeadlineWhy, "Weekends and bank holidays count") {
			t.Errorf("%s: %q", tc.aware, b.DeadlineWhy)
		}
		if b.Late || b.ReasonsForDelayRequired || !strings.Contains(b.LateWhy, "Not notified yet") {
			t.Errorf("%s: not notified, yet late %t", tc.aware, b.Late)
		}
	}
}

func TestClockChangeIsFoundToTheSecond(t *testing.T) {
	loc, err := London()
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"2025-03-30T01:00:00Z", "2025-10-26T01:00:00Z", "2027-10-31T01:00:00Z", "2028-03-26T01:00:00Z"} {
		w := instant(t, want)
		if got := clockChange(w.Add(-50*time.Hour), w.Add(22*time.Hour), loc); !got.Equal(w) {
			t.Errorf("change at %s, want %s", got, w)
		}
	}
}

func TestBreachLateness(t *testing.T) {
	aware := instant(t, "2026-03-27T10:00:00Z")
	for _, tc := range []struct {
		notified string
		late     bool
		says     string
	}{
		{"2026-03-27T10:00:00Z", false, "within the 72 hours"},
		{"2026-03-30T11:00:00+01:00", false, "within the 72 hours"}, // exactly the deadline
		{"2026-03-30T10:00:01Z", true, "1 second after the deadline"},
		{"2026-04-01T09:00:00+01:00", true, "46 hours after the deadline"},
		{"2026-03-30T11:30:00.4Z", true, "1 hour 30 minutes after the deadline"},
		{"2026-03-30T10:00:00.2Z", true, "under a second after the deadline"},
	} {
		b, err := BreachDeadline(aware, instant(t, tc.notified))
		if err != nil {
			t.Fatal(err)
		}
		if b.Late != tc.late || b.ReasonsForDelayRequired != tc.late {
			t.Errorf("notified %s: late %t, reasons %t; want %t", tc.notified, b.Late, b.ReasonsForDelayRequired, tc.late)
		}
		if !strings.Contains(b.LateWhy, tc.says) {
			t.Errorf("notified %s: %q lacks %q", tc.notified, b.LateWhy, tc.says)
		}
	}
	_, err := BreachDeadline(aware, instant(t, "2026-03-27T09:59:59Z"))
	var ie *InputError
	if !errors.As(err, &ie) || ie.Field != "notified" || ie.Other != "aware" {
		t.Errorf("notified before aware: %v", err)
	}
	_, err = BreachDeadline(time.Time{}, time.Time{})
	if !errors.As(err, &ie) || ie.Field != "aware" {
		t.Errorf("no awareness time: %v", err)
	}
}

func TestParseInstant(t *testing.T) {
	for _, s := range []string{"2026-03-27T14:30:00Z", "2026-03-27T14:30:00+00:00", "2026-07-27T14:30:00+01:00", "2026-03-27T14:30:00.5Z"} {
		if _, err := ParseInstant(s); err != nil {
			t.Errorf("%s: %v", s, err)
		}
	}
	for s, says := range map[string]string{
		"2026-03-27T14:30:00": "has no UTC offset",
		"2026-03-27T14:30":    "has no UTC offset",
		"2026-03-27 14:30:00": "has no UTC offset",
		"2026-03-27":          "date without a time",
		"yesterday":           "not a date and time",
		"":                    "not a date and time",
	} {
		_, err := ParseInstant(s)
		if err == nil || !strings.Contains(err.Error(), says) || !strings.Contains(err.Error(), "2026-03-27T14:30:00Z") {
			t.Errorf("%q: %v, want %q and an example", s, err, says)
		}
	}
}

func TestEndOfDay(t *testing.T) {
	for _, tc := range []struct {
		d    Date
		want string
	}{
		{DateOf(2026, 1, 15), "2026-01-15T23:59:59Z"},
		{DateOf(2026, 7, 15), "2026-07-15T22:59:59Z"},
		{DateOf(2026, 3, 29), "2026-03-29T22:59:59Z"},  // clocks went forward that morning
		{DateOf(2026, 10, 25), "2026-10-25T23:59:59Z"}, // and back
	} {
		got, err := EndOfDay(tc.d)
		if err != nil {
			t.Fatal(err)
		}
		if s := got.UTC().Format(time.RFC3339); s != tc.want {
			t.Errorf("EndOfDay(%s) = %s, want %s", tc.d, s, tc.want)
		}
		if got.Location().String() != "Europe/London" || got.Format("15:04:05") != "23:59:59" {
			t.Errorf("EndOfDay(%s) = %s", tc.d, got)
		}
	}
}
