// Package calendar does the date arithmetic of the statutory clocks: UK
// bank holidays by region, working days, month arithmetic, end-of-day
// deadlines, the 72-hour breach clock, the subject-access deadline with
// its restarts, pauses and extension, and the internal hand-off and
// complaint-acknowledgement dates (RULES.md §§0, 1, 2.2, 7, 9, 10).
//
// Everything here is a pure function of its arguments: no database, no
// clock, no state. Every result carries the reasons for it in words, so a
// caller can show a person why a date is what it is.
package calendar

import (
	"fmt"
	"strconv"
	"time"

	"github.com/stewardhq/steward/internal/apperr"
)

// Layout is the one written form of a Date: YYYY-MM-DD.
const Layout = "2006-01-02"

// MinYear and MaxYear bound the dates ParseDate accepts; anything outside
// is far more likely a typing slip than a real request.
const (
	MinYear = 1900
	MaxYear = 2200
)

// Date is a calendar day in the UK, without a time or a zone (C1). The zero
// Date means "not given".
type Date struct {
	year  int
	month time.Month
	day   int
}

// DateOf returns the date year-month-day, normalising overflow as time.Date
// does: DateOf(2026, 2, 29) is 1 March 2026.
func DateOf(year int, month time.Month, day int) Date {
	return fromTime(time.Date(year, month, day, 0, 0, 0, 0, time.UTC))
}

func fromTime(t time.Time) Date {
	y, m, d := t.Date()
	return Date{y, m, d}
}

func (d Date) toTime() time.Time { return time.Date(d.year, d.month, d.day, 0, 0, 0, 0, time.UTC) }

// ParseDate reads YYYY-MM-DD strictly. Its errors say what is wrong with
// the text, without naming the field, so callers can put their own label
// in front.
func ParseDate(s string) (Date, error) {
	bad := func(why string) (Date, error) {
		return Date{}, apperr.New(apperr.Invalid, "%q is not a date%s: write it as YYYY-MM-DD, for example 2026-03-02", s, why)
	}
	if len(s) != len(Layout) || s[4] != '-' || s[7] != '-' {
		return bad("")
	}
	y, e1 := strconv.Atoi(s[0:4])
	m, e2 := strconv.Atoi(s[5:7])
	d, e3 := strconv.Atoi(s[8:10])
	if e1 != nil || e2 != nil || e3 != nil || s[0] == '+' || s[5] == '+' || s[8] == '+' || s[0] == '-' || s[5] == '-' || s[8] == '-' {
		return bad("")
	}
	if m < 1 || m > 12 {
		return bad(fmt.Sprintf(" (there is no month %d)", m))
	}
	if d < 1 || d > DaysIn(y, time.Month(m)) {
		return bad(fmt.Sprintf(" (%s %d has %d days)", time.Month(m), y, DaysIn(y, time.Month(m))))
	}
	if y < MinYear || y > MaxYear {
		return bad(fmt.Sprintf(" in a year Steward handles (%d to %d)", MinYear, MaxYear))
	}
	return Date{y, time.Month(m), d}, nil
}

// Year, Month and Day are the parts of the date.
func (d Date) Year() int             { return d.year }
func (d Date) Month() time.Month     { return d.month }
func (d Date) Day() int              { return d.day }
func (d Date) IsZero() bool          { return d == Date{} }
func (d Date) Weekday() time.Weekday { return d.toTime().Weekday() }

// IsWeekend reports whether the date is a Saturday or a Sunday.
func (d Date) IsWeekend() bool {
	w := d.Weekday()
	return w == time.Saturday || w == time.Sunday
}

// String is YYYY-MM-DD, or "" for the zero Date.
func (d Date) String() string {
	if d.IsZero() {
		return ""
	}
	return fmt.Sprintf("%04d-%02d-%02d", d.year, d.month, d.day)
}

// Long is the date as people write it: "Monday 2 March 2026".
func (d Date) Long() string {
	return fmt.Sprintf("%s %d %s %d", d.Weekday(), d.day, d.month, d.year)
}

// short is "Monday 2 March", for lists within one sentence.
func (d Date) short() string {
	return fmt.Sprintf("%s %d %s", d.Weekday(), d.day, d.month)
}

// AddDays returns the date n days later (earlier when n < 0).
func (d Date) AddDays(n int) Date { return fromTime(d.toTime().AddDate(0, 0, n)) }

// Sub returns the number of days from e to d: d.Sub(e) == 1 when d is the
// day after e.
func (d Date) Sub(e Date) int { return int(d.toTime().Sub(e.toTime()).Hours() / 24) }

// Compare returns -1, 0 or +1 as d is before, equal to or after e.
func (d Date) Compare(e Date) int { return d.toTime().Compare(e.toTime()) }

// Before and After compare two dates.
func (d Date) Before(e Date) bool { return d.Compare(e) < 0 }
func (d Date) After(e Date) bool  { return d.Compare(e) > 0 }

// latest returns the later of two dates; the zero Date counts as absent.
func latest(a, b Date) Date {
	if a.IsZero() || b.After(a) {
		return b
	}
	return a
}

// DaysIn returns the number of days in a month.
func DaysIn(year int, month time.Month) int {
	return time.Date(year, month+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// AddMonths returns the same day-number n months later (earlier when
// n < 0). When that month is too short, it returns the month's last day
// (C4): 31 January + 1 month is 28 February, or 29 in a leap year. Unlike
// time.AddDate it never spills into the month after.
func AddMonths(d Date, n int) Date {
	got, _ := addMonths(d, n)
	return got
}

// addMonths also reports whether the day was cut to the month's end.
func addMonths(d Date, n int) (Date, bool) {
	// Month arithmetic on a zero-based month index keeps negative n right.
	idx := d.year*12 + int(d.month) - 1 + n
	y, m := idx/12, idx%12
	if m < 0 {
		y, m = y-1, m+12
	}
	month := time.Month(m + 1)
	last := DaysIn(y, month)
	if d.day > last {
		return Date{y, month, last}, true
	}
	return Date{y, month, d.day}, false
}

// Figure is one date a calculation produced, with the reason for it in
// words. Unrolled is the date before any move to a working day; it equals
// Date when nothing moved or when the figure never moves. A zero Date
// means the figure is not known yet, and Why says what it waits for.
type Figure struct {
	Date     Date
	Unrolled Date
	Why      string
}

// Known reports whether the figure has a date.
func (f Figure) Known() bool { return !f.Date.IsZero() }
