package calendar

import (
	"fmt"
	"strings"
	"time"
)

// IsWorkingDay reports whether d is a working day in the region: Monday to
// Friday and not one of the region's bank holidays (C2).
func IsWorkingDay(r Region, d Date) bool {
	if d.IsWeekend() {
		return false
	}
	_, holiday := HolidayOn(r, d)
	return !holiday
}

// RollForward returns d when it is a working day, and otherwise the next
// working day after it: the ICO's move off a weekend or bank holiday.
func RollForward(r Region, d Date) Date {
	for !IsWorkingDay(r, d) {
		d = d.AddDays(1)
	}
	return d
}

// NextWorkingDay returns the first working day after d; d itself is never
// the answer.
func NextWorkingDay(r Region, d Date) Date { return RollForward(r, d.AddDays(1)) }

// AddWorkingDays returns the nth working day after d, not counting d even
// when it is a working day: AddWorkingDays(r, d, 1) == NextWorkingDay(r, d).
// n below 1 returns d.
func AddWorkingDays(r Region, d Date, n int) Date {
	for range n {
		d = NextWorkingDay(r, d)
	}
	return d
}

// whyNotWorking says why d is not a working day ("Christmas Day, a bank
// holiday"; "at the weekend"), or "" when it is one.
func whyNotWorking(r Region, d Date) string {
	if h, ok := HolidayOn(r, d); ok {
		return h.Label() + ", a bank holiday"
	}
	if d.IsWeekend() {
		return "at the weekend"
	}
	return ""
}

// explainRoll says why date from, not being a working day, moves to to.
// It names each day passed over: "Thursday 25 December is Christmas Day, a
// bank holiday in england-and-wales; Saturday 27 December is the weekend".
func explainRoll(r Region, from, to Date) string {
	if from == to {
		return fmt.Sprintf("%s is a working day in %s.", from.Long(), r)
	}
	var parts []string
	for d := from; d.Before(to); d = d.AddDays(1) {
		// A Saturday and Sunday together read as one weekend.
		if d.Weekday() == time.Saturday && d.AddDays(1).Before(to) && whyNotWorking(r, d.AddDays(1)) == "at the weekend" && whyNotWorking(r, d) == "at the weekend" {
			parts = append(parts, fmt.Sprintf("%s and %s are the weekend", d.short(), d.AddDays(1).short()))
			d = d.AddDays(1)
			continue
		}
		parts = append(parts, fmt.Sprintf("%s is %s", d.short(), whyNotWorking(r, d)))
	}
	return fmt.Sprintf("%s is not a working day in %s (%s), so it moves to the next working day, %s.",
		from.Long(), r, strings.Join(parts, "; "), to.Long())
}

// countSkipped describes the days passed over between two dates, both
// excluded: the bank holidays by name, and the weekend days as a count.
func countSkipped(r Region, after, before Date) string {
	var holidays []string
	weekend := 0
	for d := after.AddDays(1); d.Before(before); d = d.AddDays(1) {
		if h, ok := HolidayOn(r, d); ok && !d.IsWeekend() {
			holidays = append(holidays, fmt.Sprintf("%s (%s)", h.Label(), d.Long()))
		} else if d.IsWeekend() {
			weekend++
		}
	}
	var parts []string
	switch weekend {
	case 0:
	case 1:
		parts = append(parts, "1 weekend day")
	default:
		parts = append(parts, fmt.Sprintf("%d weekend days", weekend))
	}
	switch len(holidays) {
	case 0:
	case 1:
		parts = append(parts, "the bank holiday "+holidays[0])
	default:
		parts = append(parts, "the bank holidays "+joinAnd(holidays))
	}
	if len(parts) == 0 {
		return "no weekend days or bank holidays"
	}
	return strings.Join(parts, ", and ")
}

// joinAnd joins "a", "b" and "c" as "a, b and c".
func joinAnd(xs []string) string {
	switch len(xs) {
	case 0:
		return ""
	case 1:
		return xs[0]
	}
	return strings.Join(xs[:len(xs)-1], ", ") + " and " + xs[len(xs)-1]
}
