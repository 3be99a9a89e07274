package calendar

import (
	"errors"
	"strings"
	"testing"
)

// d parses a YYYY-MM-DD date for a test, "" giving the zero Date.
func d(t testing.TB, s string) Date {
	t.Helper()
	if s == "" {
		return Date{}
	}
	got, err := ParseDate(s)
	if err != nil {
		t.Fatal(err)
	}
	return got
}

// sarCase is one worked example: inputs as dates, and the expected
// figures. Every date was checked with GNU date.
type sarCase struct {
	name    string
	region  Region
	in      [8]string // received, id req, id rec, fee req, fee rec, authority, clar req, clar rec
	start   string
	paused  int
	due     string
	notice  string
	ext     string
	rawDue  string // before the move to a working day; "" when it equals due
	whyHas  string // a phrase the reasons must contain
	regions []Region
}

func (c sarCase) input(t *testing.T, r Region) SARInput {
	return SARInput{
		Region:                 r,
		Received:               d(t, c.in[0]),
		IDRequested:            d(t, c.in[1]),
		IDReceived:             d(t, c.in[2]),
		FeeRequested:           d(t, c.in[3]),
		FeeReceived:            d(t, c.in[4]),
		AuthorityReceived:      d(t, c.in[5]),
		ClarificationRequested: d(t, c.in[6]),
		ClarificationReceived:  d(t, c.in[7]),
	}
}

func received(s string) [8]string { return [8]string{s} }

var all = []Region{EnglandAndWales, Scotland, NorthernIreland}

// sarExamples are the worked examples of RULES §§1.2-1.6.
var sarExamples = []sarCase{
	// §1.3: day one is the day of receipt, even a bank holiday; the ICO's
	// "received 1 Jan, ends 1 Feb", in a year when 1 Feb is a weekday…
	{name: "1.3 received on New Year's Day 2027", in: received("2027-01-01"), start: "2027-01-01", due: "2027-02-01", notice: "2027-02-01", ext: "2027-04-01", whyHas: "even though it is New Year's Day, a bank holiday", regions: all},
	// …and when it is a Sunday.
	{name: "1.3 received on New Year's Day 2026", in: received("2026-01-01"), start: "2026-01-01", due: "2026-02-02", rawDue: "2026-02-01", notice: "2026-02-02", ext: "2026-04-01", whyHas: "Sunday 1 February is at the weekend", regions: all},
	// §1.3: "received Monday 25 Nov; due Friday 27 Dec, because 25 and 26
	// Dec are bank holidays". §1.6: the extension runs three months from
	// the start (25 Feb), not two months from the due date (27 Feb).
	{name: "1.3 ICO 25 November", in: received("2024-11-25"), start: "2024-11-25", due: "2024-12-27", rawDue: "2024-12-25", notice: "2024-12-27", ext: "2025-02-25", whyHas: "Thursday 26 December is Boxing Day, a bank holiday", regions: all},
	// §1.3: received 31 Jan: due 28 Feb, 29 Feb in a leap year, the
	// following Monday when that is a weekend.
	{name: "1.3 31 January 2025", in: received("2025-01-31"), start: "2025-01-31", due: "2025-02-28", notice: "2025-02-28", ext: "2025-04-30", whyHas: "would be 31 February, which does not exist", regions: all},
	{name: "1.3 31 January 2028, leap year", in: received("2028-01-31"), start: "2028-01-31", due: "2028-02-29", notice: "2028-02-29", ext: "2028-05-02", whyHas: "Monday 1 May is Early May bank holiday", regions: all},
	{name: "1.3 31 January 2026, due a Saturday", in: received("2026-01-31"), start: "2026-01-31", due: "2026-03-02", rawDue: "2026-02-28", notice: "2026-03-02", ext: "2026-04-30", whyHas: "Saturday 28 February and Sunday 1 March are the weekend", regions: all},
	{name: "1.3 31 January 2027, due a Sunday", in: received("2027-01-31"), start: "2027-01-31", due: "2027-03-01", rawDue: "2027-02-28", notice: "2027-03-01", ext: "2027-04-30", whyHas: "last day of February: Sunday 28 February 2027", regions: all},

	// §1.2: ID restarts the whole month.
	{name: "1.2 ID restarts the month", in: [8]string{"2026-03-02", "2026-03-03", "2026-03-20"}, start: "2026-03-20", due: "2026-04-20", notice: "2026-04-20", ext: "2026-06-22", whyHas: "it is not a pause", regions: all},
	{name: "1.2 the fee starts the clock", in: [8]string{"2026-03-02", "", "", "2026-03-03", "2026-03-25"}, start: "2026-03-25", due: "2026-04-27", rawDue: "2026-04-25", notice: "2026-04-27", ext: "2026-06-25", whyHas: "The fee arrived on Wednesday 25 March 2026", regions: all},
	{name: "1.2 a third party's authority", in: [8]string{"2026-03-02", "", "", "", "", "2026-03-10"}, start: "2026-03-10", due: "2026-04-10", notice: "2026-04-10", ext: "2026-06-10", whyHas: "The third party's authority arrived", regions: all},
	{name: "1.2 the latest of all", in: [8]string{"2026-03-02", "2026-03-03", "2026-03-12", "2026-03-04", "2026-03-16", "2026-03-09"}, start: "2026-03-16", due: "2026-04-16", notice: "2026-04-16", ext: "2026-06-16", whyHas: "The fee arrived on Monday 16 March 2026", regions: all},
	{name: "1.2 ID and request the same day", in: [8]string{"2026-03-02", "2026-03-02", "2026-03-02"}, start: "2026-03-02", due: "2026-04-02", notice: "2026-04-02", ext: "2026-06-02", whyHas: "The request and proof of identity arrived", regions: all},

	// §1.4: the same request in different regions.
	{name: "1.4 Easter Monday, not in Scotland", in: received("2026-03-06"), start: "2026-03-06", due: "2026-04-07", rawDue: "2026-04-06", notice: "2026-04-07", ext: "2026-06-08", whyHas: "Easter Monday", regions: []Region{EnglandAndWales, NorthernIreland}},
	{name: "1.4 Easter Monday, not in Scotland", in: received("2026-03-06"), start: "2026-03-06", due: "2026-04-06", notice: "2026-04-06", ext: "2026-06-08", whyHas: "Monday 6 April 2026 is a working day in scotland", regions: []Region{Scotland}},
	{name: "1.4 2 January substitute, Scotland only", in: received("2026-12-02"), start: "2026-12-02", due: "2027-01-04", rawDue: "2027-01-02", notice: "2027-01-04", ext: "2027-03-02", regions: []Region{EnglandAndWales, NorthernIreland}},
	{name: "1.4 2 January substitute, Scotland only", in: received("2026-12-02"), start: "2026-12-02", due: "2027-01-05", rawDue: "2027-01-02", notice: "2027-01-05", ext: "2027-03-02", whyHas: "Monday 4 January is 2nd January (substitute day), a bank holiday", regions: []Region{Scotland}},
	{name: "1.4 2 January, Scotland only", in: received("2025-12-02"), start: "2025-12-02", due: "2026-01-02", notice: "2026-01-02", ext: "2026-03-02", regions: []Region{EnglandAndWales, NorthernIreland}},
	{name: "1.4 2 January, Scotland only", in: received("2025-12-02"), start: "2025-12-02", due: "2026-01-05", rawDue: "2026-01-02", notice: "2026-01-05", ext: "2026-03-02", regions: []Region{Scotland}},
	{name: "1.4 St Andrew's Day", in: received("2026-10-30"), start: "2026-10-30", due: "2026-11-30", notice: "2026-11-30", ext: "2027-02-01", regions: []Region{EnglandAndWales, NorthernIreland}},
	{name: "1.4 St Andrew's Day", in: received("2026-10-30"), start: "2026-10-30", due: "2026-12-01", rawDue: "2026-11-30", notice: "2026-12-01", ext: "2027-02-01", whyHas: "St Andrew's Day", regions: []Region{Scotland}},
	{name: "1.4 St Andrew's Day substitute", in: received("2025-11-01"), start: "2025-11-01", due: "2025-12-01", notice: "2025-12-01", ext: "2026-02-02", rawDue: "2025-12-01", regions: []Region{EnglandAndWales, NorthernIreland}},
	{name: "1.4 St Andrew's Day substitute", in: received("2025-11-01"), start: "2025-11-01", due: "2025-12-02", rawDue: "2025-12-01", notice: "2025-12-02", ext: "2026-02-02", whyHas: "St Andrew's Day (substitute day)", regions: []Region{Scotland}},
	{name: "1.4 St Patrick's Day", in: received("2026-02-17"), start: "2026-02-17", due: "2026-03-17", notice: "2026-03-17", ext: "2026-05-18", regions: []Region{EnglandAndWales, Scotland}},
	{name: "1.4 St Patrick's Day", in: received("2026-02-17"), start: "2026-02-17", due: "2026-03-18", rawDue: "2026-03-17", notice: "2026-03-18", ext: "2026-05-18", whyHas: "St Patrick's Day", regions: []Region{NorthernIreland}},
	{name: "1.4 12 July substitute", in: received("2026-06-13"), start: "2026-06-13", due: "2026-07-13", notice: "2026-07-13", ext: "2026-09-14", regions: []Region{EnglandAndWales, Scotland}},
	{name: "1.4 12 July substitute", in: received("2026-06-13"), start: "2026-06-13", due: "2026-07-14", rawDue: "2026-07-13", notice: "2026-07-14", ext: "2026-09-14", whyHas: "Battle of the Boyne (Orangemen's Day) (substitute day)", regions: []Region{NorthernIreland}},
	{name: "1.4 first Monday of August", in: received("2026-07-03"), start: "2026-07-03", due: "2026-08-03", notice: "2026-08-03", ext: "2026-10-05", regions: []Region{EnglandAndWales, NorthernIreland}},
	{name: "1.4 first Monday of August", in: received("2026-07-03"), start: "2026-07-03", due: "2026-08-04", rawDue: "2026-08-03", notice: "2026-08-04", ext: "2026-10-05", whyHas: "Summer bank holiday", regions: []Region{Scotland}},
	{name: "1.4 last Monday of August", in: received("2026-07-31"), start: "2026-07-31", due: "2026-09-01", rawDue: "2026-08-31", notice: "2026-09-01", ext: "2026-11-02", whyHas: "Summer bank holiday", regions: []Region{EnglandAndWales, NorthernIreland}},
	{name: "1.4 last Monday of August", in: received("2026-07-31"), start: "2026-07-31", due: "2026-08-31", notice: "2026-08-31", ext: "2026-11-02", regions: []Region{Scotland}},

	// §1.5: clarification stops the clock; the days are counted both
	// ends included and added after the month.
	{name: "1.5 seven paused days", in: [8]string{"2026-03-02", "", "", "", "", "", "2026-03-04", "2026-03-10"}, start: "2026-03-02", paused: 7, due: "2026-04-09", notice: "2026-04-09", ext: "2026-06-09", whyHas: "the 7 days from Wednesday 4 March 2026 to Tuesday 10 March 2026, both included", regions: all},
	{name: "1.5 asked and answered the same day", in: [8]string{"2026-01-30", "", "", "", "", "", "2026-02-02", "2026-02-02"}, start: "2026-01-30", paused: 1, due: "2026-03-02", rawDue: "2026-03-01", notice: "2026-03-02", ext: "2026-05-01", whyHas: "Adding the 1 paused day gives Sunday 1 March 2026", regions: all},
	{name: "1.5 a pause that pushes the due date onto Christmas", in: [8]string{"2026-11-16", "", "", "", "", "", "2026-11-20", "2026-11-28"}, start: "2026-11-16", paused: 9, due: "2026-12-29", rawDue: "2026-12-25", notice: "2026-12-29", ext: "2027-02-25", whyHas: "Monday 28 December is Boxing Day (substitute day)", regions: all},
	{name: "1.5 clarification over before the clock started", in: [8]string{"2026-03-02", "2026-03-02", "2026-03-10", "", "", "", "2026-03-02", "2026-03-05"}, start: "2026-03-10", paused: 0, due: "2026-04-10", notice: "2026-04-10", ext: "2026-06-10", whyHas: "before the clock started", regions: all},
	{name: "1.5 clarification that spans the clock start", in: [8]string{"2026-03-02", "2026-03-02", "2026-03-06", "", "", "", "2026-03-03", "2026-03-12"}, start: "2026-03-06", paused: 7, due: "2026-04-13", notice: "2026-04-13", ext: "2026-06-15", rawDue: "2026-04-13", whyHas: "there was no clock to stop", regions: all},
}

func TestSARWorkedExamples(t *testing.T) {
	for _, c := range sarExamples {
		for _, r := range c.regions {
			t.Run(c.name+"/"+string(r), func(t *testing.T) {
				s, err := SARDeadline(c.input(t, r))
				if err != nil {
					t.Fatal(err)
				}
				if s.State != SARRunning {
					t.Fatalf("state %s", s.State)
				}
				rawDue := c.rawDue
				if rawDue == "" {
					rawDue = c.due
				}
				for _, f := range []struct{ what, got, want string }{
					{"clock_start", s.ClockStart.Date.String(), c.start},
					{"due", s.Due.Date.String(), c.due},
					{"due before the move", s.Due.Unrolled.String(), rawDue},
					{"extension_notice_by", s.ExtensionNoticeBy.Date.String(), c.notice},
					{"extension notice, strict reading", s.ExtensionNoticeBy.Unrolled.String(), rawDue},
					{"extended_due", s.ExtendedDue.Date.String(), c.ext},
				} {
					if f.got != f.want {
						t.Errorf("%s = %s, want %s", f.what, f.got, f.want)
					}
				}
				if s.PausedDays != c.paused {
					t.Errorf("paused_days = %d, want %d", s.PausedDays, c.paused)
				}
				why := strings.Join([]string{s.ClockStart.Why, s.PausedWhy, s.Due.Why, s.ExtensionNoticeBy.Why, s.ExtendedDue.Why}, "\n")
				if !strings.Contains(why, c.whyHas) {
					t.Errorf("reasons lack %q:\n%s", c.whyHas, why)
				}
				for _, w := range []string{s.ClockStart.Why, s.PausedWhy, s.Due.Why, s.ExtensionNoticeBy.Why, s.ExtendedDue.Why} {
					if w == "" {
						t.Error("a figure has no reason")
					}
				}
			})
		}
	}
}

func TestSARReasonsReadWell(t *testing.T) {
	s, err := SARDeadline(SARInput{Region: EnglandAndWales, Received: d(t, "2024-11-25")})
	if err != nil {
		t.Fatal(err)
	}
	want := "One month from Monday 25 November 2024 is Wednesday 25 December 2024. Wednesday 25 December 2024 is not a working day in england-and-wales (Wednesday 25 December is Christmas Day, a bank holiday; Thursday 26 December is Boxing Day, a bank holiday), so it moves to the next working day, Friday 27 December 2024. The deadline is the end of that day, 23:59:59 UK time."
	if s.Due.Why != want {
		t.Errorf("due reason:\n got %s\nwant %s", s.Due.Why, want)
	}
	if len(s.Notes) != 1 || !strings.Contains(s.Notes[0], "before Thursday 5 February 2026") {
		t.Errorf("a request before DUAA commenced should say so: %q", s.Notes)
	}
	s, _ = SARDeadline(SARInput{Region: EnglandAndWales, Received: d(t, "2026-03-02")})
	if len(s.Notes) != 0 {
		t.Errorf("notes after commencement: %q", s.Notes)
	}
	if s.ExtensionNoticeBy.Why == "" || strings.Contains(s.ExtensionNoticeBy.Why, "strict reading") {
		t.Errorf("no move, so no strict alternative: %q", s.ExtensionNoticeBy.Why)
	}
}

func TestSARWaitingAndPaused(t *testing.T) {
	for _, tc := range []struct {
		name  string
		in    SARInput
		state SARState
		start string
		why   string
	}{
		{"waiting for ID", SARInput{Received: d(t, "2026-03-02"), IDRequested: d(t, "2026-03-03")}, SARAwaiting, "", "proof of identity, asked for on Tuesday 3 March 2026"},
		{"waiting for the fee", SARInput{Received: d(t, "2026-03-02"), FeeRequested: d(t, "2026-03-03")}, SARAwaiting, "", "the fee, asked for on Tuesday 3 March 2026"},
		{"waiting for both", SARInput{Received: d(t, "2026-03-02"), IDRequested: d(t, "2026-03-03"), FeeRequested: d(t, "2026-03-04"), ClarificationRequested: d(t, "2026-03-03")}, SARAwaiting, "", "proof of identity, asked for on Tuesday 3 March 2026 and the fee"},
		{"paused for clarification", SARInput{Received: d(t, "2026-03-02"), ClarificationRequested: d(t, "2026-03-09")}, SARPaused, "2026-03-02", "7 days of the month had run before the pause"},
		{"paused from the start", SARInput{Received: d(t, "2026-03-02"), ClarificationRequested: d(t, "2026-03-02")}, SARPaused, "2026-03-02", "has not arrived"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.in.Region = Scotland
			s, err := SARDeadline(tc.in)
			if err != nil {
				t.Fatal(err)
			}
			if s.State != tc.state || s.ClockStart.Date.String() != tc.start {
				t.Fatalf("state %s start %s, want %s %s", s.State, s.ClockStart.Date, tc.state, tc.start)
			}
			if s.Due.Known() || s.ExtensionNoticeBy.Known() || s.ExtendedDue.Known() || s.PausedDays != 0 {
				t.Fatalf("figures known while %s: %+v", s.State, s)
			}
			why := s.ClockStart.Why + s.PausedWhy
			if !strings.Contains(why, tc.why) {
				t.Errorf("reasons lack %q: %s", tc.why, why)
			}
			if s.Due.Why == "" || s.ExtendedDue.Why == "" {
				t.Error("unknown figures should say why")
			}
		})
	}
}

func TestSARRefusesImpossibleInput(t *testing.T) {
	base := func() SARInput { return SARInput{Region: EnglandAndWales, Received: d(t, "2026-03-10")} }
	for _, tc := range []struct {
		name         string
		change       func(*SARInput)
		field, other string
		says         string
	}{
		{"no region", func(in *SARInput) { in.Region = "" }, "region", "", "england-and-wales, scotland or northern-ireland"},
		{"unknown region", func(in *SARInput) { in.Region = "wales" }, "region", "", `"wales"`},
		{"no received date", func(in *SARInput) { in.Received = Date{} }, "received", "", "is required"},
		{"ID received, never asked for", func(in *SARInput) { in.IDReceived = d(t, "2026-03-12") }, "id_received", "id_requested", "id_received needs id_requested"},
		{"ID asked for before the request", func(in *SARInput) { in.IDRequested = d(t, "2026-03-09") }, "id_requested", "received", "id_requested (2026-03-09) is before received (2026-03-10)"},
		{"ID before it was asked for", func(in *SARInput) {
			in.IDRequested, in.IDReceived = d(t, "2026-03-12"), d(t, "2026-03-11")
		}, "id_received", "id_requested", "can only arrive after it was asked for"},
		{"fee paid, never asked for", func(in *SARInput) { in.FeeReceived = d(t, "2026-03-12") }, "fee_received", "fee_requested", "the fee was asked for"},
		{"fee asked for before the request", func(in *SARInput) { in.FeeRequested = d(t, "2026-03-01") }, "fee_requested", "received", "before received"},
		{"fee before it was asked for", func(in *SARInput) {
			in.FeeRequested, in.FeeReceived = d(t, "2026-03-12"), d(t, "2026-03-11")
		}, "fee_received", "fee_requested", "check both dates"},
		{"authority before the request", func(in *SARInput) { in.AuthorityReceived = d(t, "2026-03-09") }, "authority_received", "received", "leave authority_received out"},
		{"clarification answered, never asked", func(in *SARInput) { in.ClarificationReceived = d(t, "2026-03-12") }, "clarification_received", "clarification_requested", "clarification_received needs clarification_requested"},
		{"clarification asked before the request", func(in *SARInput) { in.ClarificationRequested = d(t, "2026-03-01") }, "clarification_requested", "received", "once the request has arrived"},
		{"clarification answered before asked", func(in *SARInput) {
			in.ClarificationRequested, in.ClarificationReceived = d(t, "2026-03-12"), d(t, "2026-03-11")
		}, "clarification_received", "clarification_requested", "clarification_received (2026-03-11) is before clarification_requested (2026-03-12)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := base()
			tc.change(&in)
			_, err := SARDeadline(in)
			var ie *InputError
			if !errors.As(err, &ie) {
				t.Fatalf("want an InputError, got %v", err)
			}
			if ie.Field != tc.field || ie.Other != tc.other {
				t.Errorf("fields %q/%q, want %q/%q", ie.Field, ie.Other, tc.field, tc.other)
			}
			if !strings.Contains(err.Error(), tc.says) {
				t.Errorf("message %q lacks %q", err, tc.says)
			}
			flags := ie.Message(func(s string) string { return "--" + strings.ReplaceAll(s, "_", "-") })
			if strings.Contains(flags, "_") || !strings.Contains(flags, "--"+strings.ReplaceAll(tc.field, "_", "-")) {
				t.Errorf("relabelled message %q", flags)
			}
		})
	}
}
