package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/stewardhq/steward/internal/apperr"
	"github.com/stewardhq/steward/internal/calendar"
)

// DeadlineCmd groups the deadline calculators. They work from their flags
// alone: no data directory, no database, no clock. Other tools call them,
// so the --json keys are a stable interface.
type DeadlineCmd struct {
	SAR       DeadlineSARCmd       `cmd:"" name:"sar" help:"Rights request (SAR and Arts 15-22D): clock start, paused days, due date, extension notice date and extended due date."`
	Breach    DeadlineBreachCmd    `cmd:"" help:"Personal data breach: the 72-hour deadline to notify the ICO, and whether a notification was late."`
	Forward   DeadlineForwardCmd   `cmd:"" help:"Internal target for forwarding a rights request to the DPO (working days after receipt)."`
	Complaint DeadlineComplaintCmd `cmd:"" help:"Complaint to the controller (DPA 2018 s.164A): the last day to acknowledge it."`
}

// DeadlineSARCmd works out a rights request's timetable.
type DeadlineSARCmd struct {
	Received               string `name:"received" required:"" placeholder:"DATE" help:"Day the request arrived (YYYY-MM-DD, UK date)."`
	Region                 string `name:"region" required:"" placeholder:"REGION" help:"Bank holidays of the office handling it: england-and-wales, scotland or northern-ireland."`
	IDRequested            string `name:"id-requested" placeholder:"DATE" help:"Day proof of identity was asked for."`
	IDReceived             string `name:"id-received" placeholder:"DATE" help:"Day proof of identity arrived (restarts the month)."`
	FeeRequested           string `name:"fee-requested" placeholder:"DATE" help:"Day a fee was asked for."`
	FeeReceived            string `name:"fee-received" placeholder:"DATE" help:"Day the fee was paid (restarts the month)."`
	AuthorityReceived      string `name:"authority-received" placeholder:"DATE" help:"Day a third party's authority to act arrived, if after the request."`
	ClarificationRequested string `name:"clarification-requested" placeholder:"DATE" help:"Day clarification of the request was asked for (stops the clock)."`
	ClarificationReceived  string `name:"clarification-received" placeholder:"DATE" help:"Day the clarification arrived; leave out while still waiting."`
	Extended               bool   `name:"extended" help:"The extension was taken: the extended due date applies."`
	JSON                   bool   `name:"json" help:"Print one JSON object: clock_start, paused_days, due, extension_notice_by, extended_due (null while unknown)."`
}

// sarJSON is the --json form. A null date is one not known yet: all of
// them while the clock waits for ID or a fee, all but clock_start while
// it is paused for clarification (paused_days is then null too, as the
// pause has no end yet).
type sarJSON struct {
	ClockStart        *string `json:"clock_start"`
	PausedDays        *int    `json:"paused_days"`
	Due               *string `json:"due"`
	ExtensionNoticeBy *string `json:"extension_notice_by"`
	ExtendedDue       *string `json:"extended_due"`
}

// Run prints the timetable.
func (c *DeadlineSARCmd) Run(e *env) error {
	region, err := regionFlag(c.Region)
	if err != nil {
		return err
	}
	in := calendar.SARInput{Region: region}
	for _, f := range []struct {
		name  string
		value string
		into  *calendar.Date
	}{
		{"received", c.Received, &in.Received},
		{"id-requested", c.IDRequested, &in.IDRequested},
		{"id-received", c.IDReceived, &in.IDReceived},
		{"fee-requested", c.FeeRequested, &in.FeeRequested},
		{"fee-received", c.FeeReceived, &in.FeeReceived},
		{"authority-received", c.AuthorityReceived, &in.AuthorityReceived},
		{"clarification-requested", c.ClarificationRequested, &in.ClarificationRequested},
		{"clarification-received", c.ClarificationReceived, &in.ClarificationReceived},
	} {
		if *f.into, err = dateFlag(f.name, f.value); err != nil {
			return err
		}
	}
	s, err := calendar.SARDeadline(in)
	if err != nil {
		return flagError(err)
	}
	if c.JSON {
		out := sarJSON{
			ClockStart:        knownDate(s.ClockStart),
			Due:               knownDate(s.Due),
			ExtensionNoticeBy: knownDate(s.ExtensionNoticeBy),
			ExtendedDue:       knownDate(s.ExtendedDue),
		}
		if s.State == calendar.SARRunning {
			out.PausedDays = &s.PausedDays
		}
		return writeJSON(e.stdout, out)
	}
	w := e.stdout
	printFigure(w, "Clock start", s.ClockStart)
	if s.State == calendar.SARRunning {
		fmt.Fprintf(w, "Paused days: %d. %s\n", s.PausedDays, s.PausedWhy)
	} else {
		fmt.Fprintf(w, "Paused days: not known yet. %s\n", s.PausedWhy)
	}
	printFigure(w, "Due", s.Due)
	printFigure(w, "Extension notice by", s.ExtensionNoticeBy)
	printFigure(w, "Extended due", s.ExtendedDue)
	if c.Extended {
		if s.ExtendedDue.Known() {
			fmt.Fprintf(w, "Extension taken: the extended due date, %s (%s), is the deadline that applies, not the one-month due date.\n", s.ExtendedDue.Date.Long(), s.ExtendedDue.Date)
		} else {
			fmt.Fprintln(w, "Extension taken: the extended due date will be the deadline that applies, once it is known.")
		}
	}
	for _, n := range s.Notes {
		fmt.Fprintf(w, "Note: %s\n", n)
	}
	return nil
}

// DeadlineBreachCmd works out the 72-hour breach deadline.
type DeadlineBreachCmd struct {
	Aware    string `name:"aware" required:"" placeholder:"RFC3339" help:"When the organisation became aware of the breach, with its UTC offset, e.g. 2026-03-27T14:30:00Z or 2026-07-27T14:30:00+01:00."`
	Notified string `name:"notified" placeholder:"RFC3339" help:"When the ICO was notified, with its UTC offset; leave out if not yet."`
	JSON     bool   `name:"json" help:"Print one JSON object: deadline_utc, deadline_local, late, reasons_for_delay_required."`
}

type breachJSON struct {
	DeadlineUTC             string `json:"deadline_utc"`
	DeadlineLocal           string `json:"deadline_local"`
	Late                    bool   `json:"late"`
	ReasonsForDelayRequired bool   `json:"reasons_for_delay_required"`
}

// Run prints the deadline and, with --notified, whether it was met. Late
// is decided from the flags alone: without --notified it is false.
func (c *DeadlineBreachCmd) Run(e *env) error {
	aware, err := instantFlag("aware", c.Aware)
	if err != nil {
		return err
	}
	notified, err := instantFlag("notified", c.Notified)
	if err != nil {
		return err
	}
	b, err := calendar.BreachDeadline(aware, notified)
	if err != nil {
		return flagError(err)
	}
	out := breachJSON{
		DeadlineUTC:             calendar.FormatUTC(b.Deadline),
		DeadlineLocal:           b.DeadlineLocal.Format(calendar.LocalLayout),
		Late:                    b.Late,
		ReasonsForDelayRequired: b.ReasonsForDelayRequired,
	}
	if c.JSON {
		return writeJSON(e.stdout, out)
	}
	w := e.stdout
	fmt.Fprintf(w, "Deadline (UTC): %s. %s\n", out.DeadlineUTC, b.DeadlineWhy)
	fmt.Fprintf(w, "Deadline (UK time): %s. %s\n", out.DeadlineLocal, b.LocalWhy)
	fmt.Fprintf(w, "Late: %s. %s\n", yesNo(b.Late), b.LateWhy)
	if b.ReasonsForDelayRequired {
		fmt.Fprintln(w, "Reasons for delay required: yes. The notification must say why it came after 72 hours (Art 33(1)).")
	} else {
		fmt.Fprintln(w, "Reasons for delay required: no.")
	}
	return nil
}

// DeadlineForwardCmd works out the internal hand-off date to the DPO.
type DeadlineForwardCmd struct {
	Received    string `name:"received" required:"" placeholder:"DATE" help:"Day the request arrived (YYYY-MM-DD, UK date); never counted."`
	Region      string `name:"region" required:"" placeholder:"REGION" help:"Bank holidays of the office handling it: england-and-wales, scotland or northern-ireland."`
	WorkingDays int    `name:"working-days" default:"5" help:"Working days allowed after the day of receipt (${default})."`
	JSON        bool   `name:"json" help:"Print one JSON object: forward_by."`
}

// Run prints the hand-off date.
func (c *DeadlineForwardCmd) Run(e *env) error {
	region, err := regionFlag(c.Region)
	if err != nil {
		return err
	}
	received, err := dateFlag("received", c.Received)
	if err != nil {
		return err
	}
	f, err := calendar.ForwardBy(region, received, c.WorkingDays)
	if err != nil {
		return flagError(err)
	}
	if c.JSON {
		return writeJSON(e.stdout, struct {
			ForwardBy string `json:"forward_by"`
		}{f.Date.String()})
	}
	printFigure(e.stdout, "Forward by", f)
	return nil
}

// DeadlineComplaintCmd works out the acknowledgement date of a complaint.
type DeadlineComplaintCmd struct {
	Received string `name:"received" required:"" placeholder:"DATE" help:"Day the complaint arrived (YYYY-MM-DD, UK date); it is day one."`
	JSON     bool   `name:"json" help:"Print one JSON object: acknowledge_by."`
}

// Run prints the acknowledgement date.
func (c *DeadlineComplaintCmd) Run(e *env) error {
	received, err := dateFlag("received", c.Received)
	if err != nil {
		return err
	}
	f, err := calendar.ComplaintAcknowledgeBy(received)
	if err != nil {
		return flagError(err)
	}
	if c.JSON {
		return writeJSON(e.stdout, struct {
			AcknowledgeBy string `json:"acknowledge_by"`
		}{f.Date.String()})
	}
	printFigure(e.stdout, "Acknowledge by", f)
	return nil
}

// printFigure writes "Due: Friday 27 December 2024 (2024-12-27). Why…", or
// "Due: not known yet. Why…".
func printFigure(w io.Writer, label string, f calendar.Figure) {
	if !f.Known() {
		fmt.Fprintf(w, "%s: not known yet. %s\n", label, f.Why)
		return
	}
	fmt.Fprintf(w, "%s: %s (%s). %s\n", label, f.Date.Long(), f.Date, f.Why)
}

func knownDate(f calendar.Figure) *string {
	if !f.Known() {
		return nil
	}
	s := f.Date.String()
	return &s
}

func writeJSON(w io.Writer, v any) error {
	return json.NewEncoder(w).Encode(v)
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// flagName is the command-line flag for a calendar input name.
func flagName(input string) string { return "--" + strings.ReplaceAll(input, "_", "-") }

// flagError restates a calculation's input error in terms of flags.
func flagError(err error) error {
	var ie *calendar.InputError
	if errors.As(err, &ie) {
		return apperr.Wrap(err, apperr.Invalid, "%s", ie.Message(flagName))
	}
	return err
}

func regionFlag(value string) (calendar.Region, error) {
	r, err := calendar.ParseRegion(value)
	if err != nil {
		return "", apperr.Wrap(err, apperr.Invalid, "--region: %s", apperr.MessageOf(err))
	}
	return r, nil
}

// dateFlag parses a YYYY-MM-DD flag; empty means not given.
func dateFlag(name, value string) (calendar.Date, error) {
	if value == "" {
		return calendar.Date{}, nil
	}
	d, err := calendar.ParseDate(value)
	if err != nil {
		return d, apperr.Wrap(err, apperr.Invalid, "--%s: %s", name, apperr.MessageOf(err))
	}
	return d, nil
}

// instantFlag parses an RFC 3339 flag with its offset; empty means not
// given.
func instantFlag(name, value string) (time.Time, error) {
	if value == "" {
		return time.Time{}, nil
	}
	t, err := calendar.ParseInstant(value)
	if err != nil {
		return t, apperr.Wrap(err, apperr.Invalid, "--%s: %s", name, apperr.MessageOf(err))
	}
	return t, nil
}
