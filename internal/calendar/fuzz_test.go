package calendar

import (
	"errors"
	"testing"
	"time"
)

// fuzzDate turns any three numbers into a real date between 1900 and 2200.
func fuzzDate(y, m, d uint16) Date {
	year := MinYear + int(y)%(MaxYear-MinYear+1)
	month := time.Month(1 + int(m)%12)
	return Date{year, month, 1 + int(d)%DaysIn(year, month)}
}

func fuzzRegion(r uint8) Region { return Regions()[int(r)%3] }

// FuzzAddMonths: the result is a real date exactly n months on, on the
// same day-number or, when that month is too short, its last day; it never
// spills into the month after.
func FuzzAddMonths(f *testing.F) {
	f.Add(uint16(126), uint16(0), uint16(30), int16(1))  // 31 Jan 2026
	f.Add(uint16(128), uint16(0), uint16(30), int16(1))  // 31 Jan 2028
	f.Add(uint16(126), uint16(4), uint16(30), int16(-1)) // 31 May 2026
	f.Add(uint16(124), uint16(1), uint16(28), int16(12)) // 29 Feb 2024
	f.Add(uint16(0), uint16(0), uint16(0), int16(-32768))
	f.Fuzz(func(t *testing.T, y, m, dd uint16, n int16) {
		from := fuzzDate(y, m, dd)
		got := AddMonths(from, int(n))
		if DateOf(got.year, got.month, got.day) != got {
			t.Fatalf("AddMonths(%s, %d) = %v, not a real date", from, n, got)
		}
		if months := (got.year*12 + int(got.month)) - (from.year*12 + int(from.month)); months != int(n) {
			t.Fatalf("AddMonths(%s, %d) = %s: %d months on", from, n, got, months)
		}
		if want := min(from.day, DaysIn(got.year, got.month)); got.day != want {
			t.Fatalf("AddMonths(%s, %d) = %s: day %d, want %d", from, n, got, got.day, want)
		}
	})
}

// FuzzWorkingDays: a rolled date is a working day no earlier than the
// date, with no working day skipped; the nth working day after d has
// exactly n working days in (d, result].
func FuzzWorkingDays(f *testing.F) {
	f.Add(uint16(125), uint16(11), uint16(24), uint8(0), uint8(5)) // 25 Dec 2025
	f.Add(uint16(127), uint16(0), uint16(0), uint8(1), uint8(5))   // 1 Jan 2027, Scotland
	f.Add(uint16(126), uint16(6), uint16(9), uint8(2), uint8(5))   // 10 Jul 2026, NI
	f.Fuzz(func(t *testing.T, y, m, dd uint16, rr, n uint8) {
		r, day := fuzzRegion(rr), fuzzDate(y, m, dd)
		rolled := RollForward(r, day)
		if !IsWorkingDay(r, rolled) || rolled.Before(day) || rolled.Sub(day) > 7 {
			t.Fatalf("%s: RollForward(%s) = %s", r, day, rolled)
		}
		for x := day; x.Before(rolled); x = x.AddDays(1) {
			if IsWorkingDay(r, x) {
				t.Fatalf("%s: RollForward(%s) = %s skips working day %s", r, day, rolled, x)
			}
		}
		k := 1 + int(n)%30
		got := AddWorkingDays(r, day, k)
		count := 0
		for x := day.AddDays(1); !x.After(got); x = x.AddDays(1) {
			if IsWorkingDay(r, x) {
				count++
			}
		}
		if count != k || !IsWorkingDay(r, got) {
			t.Fatalf("%s: AddWorkingDays(%s, %d) = %s with %d working days", r, day, k, got, count)
		}
		// Every region's holidays are weekdays, and at most one a day.
		seen := map[Date]bool{}
		for _, h := range Holidays(r, day.year) {
			if h.Date.IsWeekend() || seen[h.Date] || h.Date.year != day.year {
				t.Fatalf("%s %d: bad holiday %+v", r, day.year, h)
			}
			seen[h.Date] = true
		}
	})
}

// FuzzSARDeadline: whatever the dates, the answer is either an InputError
// or a timetable whose due dates are working days on or after their
// unrolled dates, which are the month arithmetic plus the paused days.
func FuzzSARDeadline(f *testing.F) {
	f.Add(uint16(126), uint16(0), uint16(30), uint8(0), int8(-1), int8(-1), int8(-1), int8(-1), int8(-1), int8(-1), int8(-1))
	f.Add(uint16(126), uint16(2), uint16(1), uint8(1), int8(1), int8(18), int8(2), int8(23), int8(8), int8(2), int8(8))
	f.Add(uint16(126), uint16(10), uint16(15), uint8(2), int8(-1), int8(-1), int8(-1), int8(-1), int8(-1), int8(4), int8(12))
	f.Fuzz(func(t *testing.T, y, m, dd uint16, rr uint8, idReq, idRec, feeReq, feeRec, auth, clReq, clRec int8) {
		rec := fuzzDate(y, m, dd)
		off := func(n int8) Date { // negative: not given
			if n < 0 {
				return Date{}
			}
			return rec.AddDays(int(n) - 3) // some dates fall before receipt
		}
		in := SARInput{
			Region: fuzzRegion(rr), Received: rec,
			IDRequested: off(idReq), IDReceived: off(idRec),
			FeeRequested: off(feeReq), FeeReceived: off(feeRec),
			AuthorityReceived:      off(auth),
			ClarificationRequested: off(clReq), ClarificationReceived: off(clRec),
		}
		s, err := SARDeadline(in)
		if err != nil {
			var ie *InputError
			if !errors.As(err, &ie) || ie.Field == "" {
				t.Fatalf("%+v: error %v is not an InputError", in, err)
			}
			return
		}
		switch s.State {
		case SARAwaiting:
			if s.ClockStart.Known() || s.Due.Known() {
				t.Fatalf("awaiting with dates: %+v", s)
			}
			return
		case SARPaused:
			if !s.ClockStart.Known() || s.Due.Known() || s.ExtendedDue.Known() {
				t.Fatalf("paused: %+v", s)
			}
			return
		}
		start := s.ClockStart.Date
		if start.Before(rec) || s.PausedDays < 0 {
			t.Fatalf("%+v: start %s, paused %d", in, start, s.PausedDays)
		}
		if want := AddMonths(start, 1).AddDays(s.PausedDays); s.Due.Unrolled != want {
			t.Fatalf("%+v: unrolled due %s, want %s", in, s.Due.Unrolled, want)
		}
		if want := AddMonths(start, 3).AddDays(s.PausedDays); s.ExtendedDue.Unrolled != want {
			t.Fatalf("%+v: unrolled extended due %s, want %s", in, s.ExtendedDue.Unrolled, want)
		}
		for _, fig := range []Figure{s.Due, s.ExtensionNoticeBy, s.ExtendedDue} {
			if !IsWorkingDay(in.Region, fig.Date) || fig.Date.Before(fig.Unrolled) || fig.Why == "" {
				t.Fatalf("%+v: figure %+v", in, fig)
			}
		}
		if s.ExtensionNoticeBy.Date != s.Due.Date || !s.ExtendedDue.Date.After(s.Due.Date) {
			t.Fatalf("%+v: due %s, notice %s, extended %s", in, s.Due.Date, s.ExtensionNoticeBy.Date, s.ExtendedDue.Date)
		}
		if !in.ClarificationReceived.IsZero() && s.PausedDays > in.ClarificationReceived.Sub(in.ClarificationRequested)+1 {
			t.Fatalf("%+v: %d paused days is more than the clarification took", in, s.PausedDays)
		}
	})
}

// FuzzBreachDeadline: exactly 72 elapsed hours, whatever the zone of the
// input, and the same instant in both forms.
func FuzzBreachDeadline(f *testing.F) {
	f.Add(int64(1774605600), int32(0), int64(-1))
	f.Add(int64(1792740600), int32(3600), int64(259200))
	f.Fuzz(func(t *testing.T, unix int64, offset int32, after int64) {
		unix = unix % (200 * 365 * 86400) // within a couple of centuries of 1970
		aware := time.Unix(unix, 0).In(time.FixedZone("", int(offset%50400)))
		var notified time.Time
		if after >= 0 {
			notified = aware.Add(time.Duration(after%(30*86400)) * time.Second)
		}
		b, err := BreachDeadline(aware, notified)
		if err != nil {
			t.Fatal(err)
		}
		if b.Deadline.Sub(aware) != BreachWindow || !b.Deadline.Equal(b.DeadlineLocal) || b.Deadline.Location() != time.UTC {
			t.Fatalf("aware %s: deadline %s / %s", aware, b.Deadline, b.DeadlineLocal)
		}
		if b.Late != (!notified.IsZero() && notified.After(b.Deadline)) || b.Late != b.ReasonsForDelayRequired {
			t.Fatalf("aware %s, notified %s: late %t", aware, notified, b.Late)
		}
	})
}
