package rights

import (
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/stewardhq/steward/internal/apperr"
	"github.com/stewardhq/steward/internal/calendar"
)

// londonDay is the calendar day in the UK at instant t (RULES C1).
func londonDay(t time.Time) calendar.Date {
	if loc, err := calendar.London(); err == nil {
		t = t.In(loc)
	}
	return calendar.DateOf(t.Year(), t.Month(), t.Day())
}

// parseDay reads a stored or submitted day; "" is the zero Date.
func parseDay(s string) (calendar.Date, error) {
	if s == "" {
		return calendar.Date{}, nil
	}
	return calendar.ParseDate(s)
}

func mustDay(s string) calendar.Date {
	d, _ := parseDay(s)
	return d
}

// sarInput is the calculator's view of a request's dates. Proof of
// authority asked for and not yet received holds the clock like proof of
// identity (RULES §1.2: the clock starts with the latest of them), so it is
// passed as an identity request the calculator already knows how to wait
// for.
func (s *Service) sarInput(received string, d Dates) calendar.SARInput {
	in := calendar.SARInput{Region: s.cfg.Region, Received: mustDay(received),
		IDRequested: mustDay(d.IDRequested), IDReceived: mustDay(d.IDReceived),
		FeeRequested: mustDay(d.FeeRequested), FeeReceived: mustDay(d.FeeReceived),
		AuthorityReceived:      mustDay(d.AuthorityReceived),
		ClarificationRequested: mustDay(d.ClarificationRequested), ClarificationReceived: mustDay(d.ClarificationReceived)}
	if d.AuthorityRequested != "" && d.AuthorityReceived == "" && in.IDRequested.IsZero() {
		in.IDRequested = mustDay(d.AuthorityRequested)
	}
	return in
}

// checkDates runs the calculator over a prospective set of dates, so that
// a step that would make them impossible (an answer before its question)
// is refused with the calculator's own explanation, in the words of the
// form.
func (s *Service) checkDates(received string, d Dates) error {
	_, err := calendar.SARDeadline(s.sarInput(received, d))
	var ie *calendar.InputError
	if errors.As(err, &ie) {
		return apperr.New(apperr.Invalid, "%s", ie.Message(dateLabel))
	}
	return err
}

// dateLabel names the calculator's inputs as the request page does.
func dateLabel(name string) string {
	switch name {
	case "received":
		return "the day the request was received"
	case "id_requested":
		return "the day proof of identity was asked for"
	case "id_received":
		return "the day proof of identity arrived"
	case "fee_requested":
		return "the day the fee was asked for"
	case "fee_received":
		return "the day the fee was paid"
	case "authority_received":
		return "the day proof of authority arrived"
	case "clarification_requested":
		return "the day clarification was asked for"
	case "clarification_received":
		return "the day the clarification arrived"
	case "region":
		return "the region"
	}
	return name
}

// clock works out a request's timetable on a given day.
func (s *Service) clock(r *row, today calendar.Date) Clock {
	var c Clock
	fw, err := calendar.ForwardBy(s.cfg.Region, mustDay(r.receivedOn), s.cfg.ForwardDays)
	if err == nil {
		logged := londonDay(time.UnixMilli(r.loggedAt))
		switch {
		case logged.After(fw.Date):
			c.ForwardWhy = fmt.Sprintf("Recorded in Steward on %s, after the hand-off deadline of %s. %s", logged.Long(), fw.Date.Long(), fw.Why)
		default:
			c.ForwardWhy = fmt.Sprintf("Recorded in Steward on %s, within the hand-off deadline of %s. %s", logged.Long(), fw.Date.Long(), fw.Why)
		}
	}
	sar, err := calendar.SARDeadline(s.sarInput(r.receivedOn, r.dates()))
	if err != nil {
		// Stored dates were checked when recorded; a failure here means
		// the rules changed under them, and the page says so.
		c.Why = []string{"The deadline cannot be worked out from the recorded dates: " + apperr.MessageOf(err)}
		return c
	}
	c.State = sar.State
	c.ClockStart = dayString(sar.ClockStart)
	c.PausedDays = sar.PausedDays
	c.Due = dayString(sar.Due)
	c.ExtensionNoticeBy = dayString(sar.ExtensionNoticeBy)
	c.ExtendedDue = dayString(sar.ExtendedDue)
	for _, f := range []calendar.Figure{sar.ClockStart, sar.Due, sar.ExtensionNoticeBy, sar.ExtendedDue} {
		// While the clock waits every figure says the same thing once.
		if f.Why != "" && !slices.Contains(c.Why, f.Why) {
			c.Why = append(c.Why, f.Why)
		}
	}
	if sar.PausedWhy != "" {
		c.Why = append(c.Why, sar.PausedWhy)
	}
	c.Why = append(c.Why, sar.Notes...)
	c.Applies = c.Due
	if r.extendedOn.Valid && c.ExtendedDue != "" {
		c.Applies = c.ExtendedDue
	}
	if c.Applies != "" {
		c.DaysLeft = mustDay(c.Applies).Sub(today)
		c.Overdue = c.DaysLeft < 0 && r.status != string(StatusClosed)
	}
	return c
}

func dayString(f calendar.Figure) string {
	if !f.Known() {
		return ""
	}
	return f.Date.String()
}
