package calendar

import (
	"fmt"
	"time"
)

// SARInput is what is known about a rights request (Arts 15-22D; RULES
// §1). Dates not given are zero. The names in InputError are the snake-case
// forms of these fields: region, received, id_requested, id_received,
// fee_requested, fee_received, authority_received,
// clarification_requested, clarification_received.
type SARInput struct {
	// Region is whose bank holidays apply: the office handling the request.
	Region Region
	// Received is the day the request arrived, in UK time (C1).
	Received Date
	// IDRequested and IDReceived: proof of identity asked for under Art
	// 12(6), and the day it arrived.
	IDRequested, IDReceived Date
	// FeeRequested and FeeReceived: a fee asked for (manifestly unfounded
	// or excessive requests, further copies), and the day it was paid.
	FeeRequested, FeeReceived Date
	// AuthorityReceived is the day proof that a third party may act for
	// the person arrived, when it came after the request.
	AuthorityReceived Date
	// ClarificationRequested and ClarificationReceived: the controller
	// asked what the request relates to (Art 12A(5)-(6)), and the day the
	// answer arrived.
	ClarificationRequested, ClarificationReceived Date
}

// SARState says whether the deadlines are known yet.
type SARState string

const (
	// SARRunning: the clock has started and is not paused; every figure
	// is known.
	SARRunning SARState = "running"
	// SARAwaiting: proof of identity or a fee was asked for and has not
	// arrived, so the clock has not started. No figure is known.
	SARAwaiting SARState = "awaiting"
	// SARPaused: the clock has started, clarification was asked for and
	// has not arrived. ClockStart is known; PausedDays is 0 and the due
	// dates are unknown, since the pause has no end yet.
	SARPaused SARState = "paused"
)

// SAR is the timetable of one rights request.
type SAR struct {
	State SARState
	// ClockStart is the latest of the request, the proof of identity, the
	// fee and a third party's authority (RULES §1.2).
	ClockStart Figure
	// PausedDays is the number of days, both ends included, from the day
	// clarification was asked for (or the clock start, if later) to the
	// day it arrived (RULES §1.5).
	PausedDays int
	PausedWhy  string
	// Due is one month from ClockStart (C4), plus PausedDays, moved to a
	// working day (RULES §1.3); Unrolled is the date before the move.
	Due Figure
	// ExtensionNoticeBy is the last day to tell the person that the
	// deadline is extended: Due, after the move (ICO reading, RULES §13.3).
	// Unrolled is the stricter date before the move.
	ExtensionNoticeBy Figure
	// ExtendedDue is three months from ClockStart, plus PausedDays, moved
	// to a working day (RULES §1.6). It applies only if the extension is
	// taken.
	ExtendedDue Figure
	// Notes are remarks that apply to the whole request.
	Notes []string
}

// duaaCommencement is the day Art 12A came into force (SI 2026/82).
func duaaCommencement() Date { return Date{2026, time.February, 5} }

// SARDeadline works out a rights request's timetable. Inputs that cannot
// all be true (an answer before its question, proof of identity that was
// never asked for) are refused with an InputError that says what to fix.
func SARDeadline(in SARInput) (SAR, error) {
	if err := in.validate(); err != nil {
		return SAR{}, err
	}
	var s SAR
	if in.Received.Before(duaaCommencement()) {
		s.Notes = append(s.Notes, fmt.Sprintf("Received before %s: the rules before the Data (Use and Access) Act 2025 apply to this request; the ICO read them the same way, so the dates do not change.", duaaCommencement().Long()))
	}

	// Waiting for identity or a fee: the clock has not started.
	var waiting []string
	if !in.IDRequested.IsZero() && in.IDReceived.IsZero() {
		waiting = append(waiting, fmt.Sprintf("proof of identity, asked for on %s", in.IDRequested.Long()))
	}
	if !in.FeeRequested.IsZero() && in.FeeReceived.IsZero() {
		waiting = append(waiting, fmt.Sprintf("the fee, asked for on %s", in.FeeRequested.Long()))
	}
	if len(waiting) > 0 {
		s.State = SARAwaiting
		last := "it arrives"
		if len(waiting) > 1 {
			last = "the last of them arrives"
		}
		s.ClockStart.Why = fmt.Sprintf("The clock has not started: it waits for %s. The whole month starts on the day %s; it is a fresh start, not a pause (Art 12A).", joinAnd(waiting), last)
		s.PausedWhy = "Not known until the clock starts."
		s.Due.Why, s.ExtensionNoticeBy.Why, s.ExtendedDue.Why = s.PausedWhy, s.PausedWhy, s.PausedWhy
		return s, nil
	}

	start := in.clockStart(&s)

	// Clarification: the days it takes do not count.
	if !in.ClarificationRequested.IsZero() {
		from := latest(in.ClarificationRequested, start)
		switch {
		case in.ClarificationReceived.IsZero():
			s.State = SARPaused
			s.PausedWhy = fmt.Sprintf("The clock is paused: clarification was asked for on %s and has not arrived. Every day from %s to the day it arrives, both included, will be added; nothing limits how long the pause may last.",
				in.ClarificationRequested.Long(), from.Long())
			if ran := from.Sub(start); ran > 0 {
				s.PausedWhy += fmt.Sprintf(" %d %s of the month had run before the pause.", ran, plural(ran, "day", "days"))
			}
			why := "Not known while the clock is paused for clarification."
			s.Due.Why, s.ExtensionNoticeBy.Why, s.ExtendedDue.Why = why, why, why
			return s, nil
		case in.ClarificationReceived.Before(from):
			s.PausedWhy = fmt.Sprintf("Clarification was asked for on %s and answered on %s, before the clock started on %s, so no days are added.",
				in.ClarificationRequested.Long(), in.ClarificationReceived.Long(), start.Long())
		default:
			s.PausedDays = in.ClarificationReceived.Sub(from) + 1
			s.PausedWhy = fmt.Sprintf("Clarification was asked for on %s and arrived on %s: ", in.ClarificationRequested.Long(), in.ClarificationReceived.Long())
			if s.PausedDays == 1 {
				s.PausedWhy += fmt.Sprintf("that day, %s, does not count", from.Long())
			} else {
				s.PausedWhy += fmt.Sprintf("the %d days from %s to %s, both included, do not count", s.PausedDays, from.Long(), in.ClarificationReceived.Long())
			}
			s.PausedWhy += " (Art 12A(5)-(6))."
			if from != in.ClarificationRequested {
				s.PausedWhy += fmt.Sprintf(" Only days from the clock start count: before %s there was no clock to stop.", start.Long())
			}
		}
	} else {
		s.PausedWhy = "No clarification was asked for, so no days are added."
	}
	s.State = SARRunning

	const endOfDay = " The deadline is the end of that day, 23:59:59 UK time."
	due, dueWhy := in.monthsOn(start, 1, s.PausedDays)
	s.Due = Figure{Date: RollForward(in.Region, due), Unrolled: due}
	s.Due.Why = dueWhy + " " + explainRoll(in.Region, due, s.Due.Date) + endOfDay

	s.ExtensionNoticeBy = Figure{Date: s.Due.Date, Unrolled: due}
	s.ExtensionNoticeBy.Why = "To extend, tell the person before the end of the first month, with the reasons (complex or numerous requests; Art 12A(3)-(4)). The first month ends with the due date after its move to a working day (the ICO's reading)"
	if due != s.Due.Date {
		s.ExtensionNoticeBy.Why += fmt.Sprintf("; the strict reading, before the move, is %s", due.Long())
	}
	s.ExtensionNoticeBy.Why += "."

	ext, extWhy := in.monthsOn(start, 3, s.PausedDays)
	s.ExtendedDue = Figure{Date: RollForward(in.Region, ext), Unrolled: ext}
	s.ExtendedDue.Why = "Counted as three months from the clock start, not two months from the due date (ICO). " + extWhy + " " + explainRoll(in.Region, ext, s.ExtendedDue.Date) + endOfDay
	return s, nil
}

// clockStart picks the latest of the dates that start the clock and
// explains it.
func (in SARInput) clockStart(s *SAR) Date {
	events := []struct {
		what string
		on   Date
	}{
		{"the request", in.Received},
		{"proof of identity", in.IDReceived},
		{"the fee", in.FeeReceived},
		{"the third party's authority", in.AuthorityReceived},
	}
	start := in.Received
	for _, e := range events {
		start = latest(start, e.on)
	}
	var arrived []string
	for _, e := range events {
		if e.on == start {
			arrived = append(arrived, e.what)
		}
	}
	s.ClockStart = Figure{Date: start, Unrolled: start}
	dayOne := "which is day one"
	if start.IsWeekend() {
		dayOne += ", even though it is at the weekend"
	} else if h, ok := HolidayOn(in.Region, start); ok {
		dayOne += fmt.Sprintf(", even though it is %s, a bank holiday", h.Label())
	}
	if len(arrived) == 1 && start == in.Received {
		s.ClockStart.Why = fmt.Sprintf("The request arrived on %s, %s.", start.Long(), dayOne)
	} else {
		s.ClockStart.Why = fmt.Sprintf("%s arrived on %s, %s: the month runs in full from the latest of the request, proof of identity, the fee and a third party's authority; it starts again, it is not a pause (Art 12A). The request itself arrived on %s.",
			capitalise(joinAnd(arrived)), start.Long(), dayOne, in.Received.Long())
	}
	return start
}

// monthsOn adds n months to start (C4) and then the paused days, and says
// how.
func (in SARInput) monthsOn(start Date, n, paused int) (Date, string) {
	d, cut := addMonths(start, n)
	months := plural(n, "month", "months")
	var why string
	if cut {
		why = fmt.Sprintf("%s %s from %s would be %d %s, which does not exist, so it is the last day of %s: %s.",
			capitalise(numberWord(n)), months, start.Long(), start.day, d.month, d.month, d.Long())
	} else {
		why = fmt.Sprintf("%s %s from %s is %s.", capitalise(numberWord(n)), months, start.Long(), d.Long())
	}
	if paused > 0 {
		d = d.AddDays(paused)
		why += fmt.Sprintf(" Adding the %d paused %s gives %s.", paused, plural(paused, "day", "days"), d.Long())
	}
	return d, why
}

func (in SARInput) validate() error {
	if !in.Region.Valid() {
		return invalid("region", "", "{field} %q is not one of england-and-wales, scotland or northern-ireland", in.Region)
	}
	if in.Received.IsZero() {
		return invalid("received", "", "{field} is required: the day the request arrived")
	}
	type pair struct {
		asked, got         Date
		askedName, gotName string
		thing              string
	}
	for _, p := range []pair{
		{in.IDRequested, in.IDReceived, "id_requested", "id_received", "proof of identity"},
		{in.FeeRequested, in.FeeReceived, "fee_requested", "fee_received", "the fee"},
		{in.ClarificationRequested, in.ClarificationReceived, "clarification_requested", "clarification_received", "clarification"},
	} {
		if !p.got.IsZero() && p.asked.IsZero() {
			return invalid(p.gotName, p.askedName, "{field} needs {other}: give the day %s was asked for as well (if it was never asked for, leave {field} out)", p.thing)
		}
		if !p.asked.IsZero() && p.asked.Before(in.Received) {
			return invalid(p.askedName, "received", "{field} (%s) is before {other} (%s): %s can only be asked for once the request has arrived; check both dates", p.asked, in.Received, p.thing)
		}
		if !p.got.IsZero() && p.got.Before(p.asked) {
			return invalid(p.gotName, p.askedName, "{field} (%s) is before {other} (%s): %s can only arrive after it was asked for; check both dates", p.got, p.asked, p.thing)
		}
	}
	if !in.AuthorityReceived.IsZero() && in.AuthorityReceived.Before(in.Received) {
		return invalid("authority_received", "received", "{field} (%s) is before {other} (%s): an authority that came with or before the request does not move the clock, so leave {field} out", in.AuthorityReceived, in.Received)
	}
	return nil
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

func numberWord(n int) string {
	if n >= 0 && n <= 3 {
		return []string{"zero", "one", "two", "three"}[n]
	}
	return fmt.Sprint(n)
}

func capitalise(s string) string {
	if s == "" || s[0] < 'a' || s[0] > 'z' {
		return s
	}
	return string(s[0]-'a'+'A') + s[1:]
}
