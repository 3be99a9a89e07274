package calendar

import (
	"fmt"
	"time"
)

// ForwardWorkingDays is the internal hand-off time to the DPO (RULES §9).
const ForwardWorkingDays = 5

// MaxForwardWorkingDays bounds the hand-off a caller may ask for.
const MaxForwardWorkingDays = 260

// ForwardBy returns the day by which a rights request received on received
// must reach the DPO: the nth working day of the region after the day of
// receipt, which is never counted, even when it is a working day (RULES
// §9, a policy). It does not move the statutory deadline.
func ForwardBy(r Region, received Date, n int) (Figure, error) {
	if !r.Valid() {
		return Figure{}, invalid("region", "", "{field} %q is not one of england-and-wales, scotland or northern-ireland", r)
	}
	if received.IsZero() {
		return Figure{}, invalid("received", "", "{field} is required: the day the request arrived")
	}
	if n < 1 || n > MaxForwardWorkingDays {
		return Figure{}, invalid("working_days", "", "{field} must be between 1 and %d, not %d", MaxForwardWorkingDays, n)
	}
	by := AddWorkingDays(r, received, n)
	return Figure{Date: by, Unrolled: by, Why: fmt.Sprintf(
		"The %s working day in %s after %s, the day of receipt, which is not counted. Passed over on the way: %s. This internal target does not move the statutory deadline, which keeps running from receipt.",
		ordinal(n), r, received.Long(), countSkipped(r, received, by))}, nil
}

// ComplaintAcknowledgeBy returns the last day to acknowledge a complaint
// under DPA 2018 s.164A: within the 30 days beginning with the day of
// receipt, which is day one, so received + 29 days. The statute has no
// move off weekends or bank holidays, so none is made (RULES §10).
func ComplaintAcknowledgeBy(received Date) (Figure, error) {
	if received.IsZero() {
		return Figure{}, invalid("received", "", "{field} is required: the day the complaint arrived")
	}
	by := received.AddDays(29)
	why := fmt.Sprintf("The 30 days begin on the day of receipt, %s, which is day one, so day 30 is %s.", received.Long(), by.Long())
	if by.IsWeekend() {
		why += " It stays there although it is at the weekend: the statute has no move to a working day."
	} else {
		why += " The statute has no move off a weekend or bank holiday, so the date never moves."
	}
	if commenced := (Date{2026, time.June, 19}); received.Before(commenced) {
		why += fmt.Sprintf(" The duty covers complaints received on or after %s; for this one the date is good practice, not law.", commenced.Long())
	}
	return Figure{Date: by, Unrolled: by, Why: why}, nil
}

// ordinal writes 1 as "1st", 2 as "2nd", 11 as "11th".
func ordinal(n int) string {
	suffix := "th"
	if n%100 < 11 || n%100 > 13 {
		switch n % 10 {
		case 1:
			suffix = "st"
		case 2:
			suffix = "nd"
		case 3:
			suffix = "rd"
		}
	}
	return fmt.Sprintf("%d%s", n, suffix)
}
