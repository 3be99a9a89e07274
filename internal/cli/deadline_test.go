package cli

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// deadlineCase runs `steward deadline ARGS --json` and expects exactly the
// JSON line want. Every date was checked with GNU date.
type deadlineCase struct {
	name string
	args string
	want string
}

func sarJSONLine(start, paused, due, notice, ext string) string {
	return `{"clock_start":` + start + `,"paused_days":` + paused + `,"due":` + due + `,"extension_notice_by":` + notice + `,"extended_due":` + ext + `}`
}

func q(s string) string { return `"` + s + `"` }

// sarCLIExamples are the worked examples of RULES §§1.2-1.6, run through
// the command.
var sarCLIExamples = []deadlineCase{
	// §1.3
	{"1.3 received on a bank holiday", "--received 2027-01-01 --region england-and-wales", sarJSONLine(q("2027-01-01"), "0", q("2027-02-01"), q("2027-02-01"), q("2027-04-01"))},
	{"1.3 received on a bank holiday, due a Sunday", "--received 2026-01-01 --region scotland", sarJSONLine(q("2026-01-01"), "0", q("2026-02-02"), q("2026-02-02"), q("2026-04-01"))},
	{"1.3 ICO 25 November", "--received 2024-11-25 --region england-and-wales", sarJSONLine(q("2024-11-25"), "0", q("2024-12-27"), q("2024-12-27"), q("2025-02-25"))},
	{"1.3 ICO 25 November, Scotland", "--received 2024-11-25 --region scotland", sarJSONLine(q("2024-11-25"), "0", q("2024-12-27"), q("2024-12-27"), q("2025-02-25"))},
	{"1.3 31 January", "--received 2025-01-31 --region england-and-wales", sarJSONLine(q("2025-01-31"), "0", q("2025-02-28"), q("2025-02-28"), q("2025-04-30"))},
	{"1.3 31 January, leap year", "--received 2028-01-31 --region england-and-wales", sarJSONLine(q("2028-01-31"), "0", q("2028-02-29"), q("2028-02-29"), q("2028-05-02"))},
	{"1.3 31 January, due a Saturday", "--received 2026-01-31 --region england-and-wales", sarJSONLine(q("2026-01-31"), "0", q("2026-03-02"), q("2026-03-02"), q("2026-04-30"))},
	{"1.3 31 January, due a Sunday", "--received 2027-01-31 --region northern-ireland", sarJSONLine(q("2027-01-31"), "0", q("2027-03-01"), q("2027-03-01"), q("2027-04-30"))},
	// §1.2
	{"1.2 ID restarts the month", "--received 2026-03-02 --region england-and-wales --id-requested 2026-03-03 --id-received 2026-03-20", sarJSONLine(q("2026-03-20"), "0", q("2026-04-20"), q("2026-04-20"), q("2026-06-22"))},
	{"1.2 fee", "--received 2026-03-02 --region england-and-wales --fee-requested 2026-03-03 --fee-received 2026-03-25", sarJSONLine(q("2026-03-25"), "0", q("2026-04-27"), q("2026-04-27"), q("2026-06-25"))},
	{"1.2 authority", "--received 2026-03-02 --region england-and-wales --authority-received 2026-03-10", sarJSONLine(q("2026-03-10"), "0", q("2026-04-10"), q("2026-04-10"), q("2026-06-10"))},
	{"1.2 the latest of all", "--received 2026-03-02 --region scotland --id-requested 2026-03-03 --id-received 2026-03-12 --fee-requested 2026-03-04 --fee-received 2026-03-16 --authority-received 2026-03-09", sarJSONLine(q("2026-03-16"), "0", q("2026-04-16"), q("2026-04-16"), q("2026-06-16"))},
	{"1.2 waiting for ID", "--received 2026-03-02 --region scotland --id-requested 2026-03-03", sarJSONLine("null", "null", "null", "null", "null")},
	{"1.2 waiting for the fee", "--received 2026-03-02 --region scotland --fee-requested 2026-03-03", sarJSONLine("null", "null", "null", "null", "null")},
	// §1.4
	{"1.4 Easter Monday, E&W", "--received 2026-03-06 --region england-and-wales", sarJSONLine(q("2026-03-06"), "0", q("2026-04-07"), q("2026-04-07"), q("2026-06-08"))},
	{"1.4 Easter Monday, NI", "--received 2026-03-06 --region northern-ireland", sarJSONLine(q("2026-03-06"), "0", q("2026-04-07"), q("2026-04-07"), q("2026-06-08"))},
	{"1.4 Easter Monday, Scotland", "--received 2026-03-06 --region scotland", sarJSONLine(q("2026-03-06"), "0", q("2026-04-06"), q("2026-04-06"), q("2026-06-08"))},
	{"1.4 2 January substitute, E&W", "--received 2026-12-02 --region england-and-wales", sarJSONLine(q("2026-12-02"), "0", q("2027-01-04"), q("2027-01-04"), q("2027-03-02"))},
	{"1.4 2 January substitute, Scotland", "--received 2026-12-02 --region scotland", sarJSONLine(q("2026-12-02"), "0", q("2027-01-05"), q("2027-01-05"), q("2027-03-02"))},
	{"1.4 2 January, NI", "--received 2025-12-02 --region northern-ireland", sarJSONLine(q("2025-12-02"), "0", q("2026-01-02"), q("2026-01-02"), q("2026-03-02"))},
	{"1.4 2 January, Scotland", "--received 2025-12-02 --region scotland", sarJSONLine(q("2025-12-02"), "0", q("2026-01-05"), q("2026-01-05"), q("2026-03-02"))},
	{"1.4 St Andrew's Day, E&W", "--received 2026-10-30 --region england-and-wales", sarJSONLine(q("2026-10-30"), "0", q("2026-11-30"), q("2026-11-30"), q("2027-02-01"))},
	{"1.4 St Andrew's Day, Scotland", "--received 2026-10-30 --region scotland", sarJSONLine(q("2026-10-30"), "0", q("2026-12-01"), q("2026-12-01"), q("2027-02-01"))},
	{"1.4 St Andrew's Day substitute, NI", "--received 2025-11-01 --region northern-ireland", sarJSONLine(q("2025-11-01"), "0", q("2025-12-01"), q("2025-12-01"), q("2026-02-02"))},
	{"1.4 St Andrew's Day substitute, Scotland", "--received 2025-11-01 --region scotland", sarJSONLine(q("2025-11-01"), "0", q("2025-12-02"), q("2025-12-02"), q("2026-02-02"))},
	{"1.4 St Patrick's Day, Scotland", "--received 2026-02-17 --region scotland", sarJSONLine(q("2026-02-17"), "0", q("2026-03-17"), q("2026-03-17"), q("2026-05-18"))},
	{"1.4 St Patrick's Day, NI", "--received 2026-02-17 --region northern-ireland", sarJSONLine(q("2026-02-17"), "0", q("2026-03-18"), q("2026-03-18"), q("2026-05-18"))},
	{"1.4 12 July substitute, E&W", "--received 2026-06-13 --region england-and-wales", sarJSONLine(q("2026-06-13"), "0", q("2026-07-13"), q("2026-07-13"), q("2026-09-14"))},
	{"1.4 12 July substitute, NI", "--received 2026-06-13 --region northern-ireland", sarJSONLine(q("2026-06-13"), "0", q("2026-07-14"), q("2026-07-14"), q("2026-09-14"))},
	{"1.4 first Monday of August, E&W", "--received 2026-07-03 --region england-and-wales", sarJSONLine(q("2026-07-03"), "0", q("2026-08-03"), q("2026-08-03"), q("2026-10-05"))},
	{"1.4 first Monday of August, Scotland", "--received 2026-07-03 --region scotland", sarJSONLine(q("2026-07-03"), "0", q("2026-08-04"), q("2026-08-04"), q("2026-10-05"))},
	{"1.4 last Monday of August, NI", "--received 2026-07-31 --region northern-ireland", sarJSONLine(q("2026-07-31"), "0", q("2026-09-01"), q("2026-09-01"), q("2026-11-02"))},
	{"1.4 last Monday of August, Scotland", "--received 2026-07-31 --region scotland", sarJSONLine(q("2026-07-31"), "0", q("2026-08-31"), q("2026-08-31"), q("2026-11-02"))},
	// §1.5
	{"1.5 seven paused days", "--received 2026-03-02 --region england-and-wales --clarification-requested 2026-03-04 --clarification-received 2026-03-10", sarJSONLine(q("2026-03-02"), "7", q("2026-04-09"), q("2026-04-09"), q("2026-06-09"))},
	{"1.5 asked and answered the same day", "--received 2026-01-30 --region england-and-wales --clarification-requested 2026-02-02 --clarification-received 2026-02-02", sarJSONLine(q("2026-01-30"), "1", q("2026-03-02"), q("2026-03-02"), q("2026-05-01"))},
	{"1.5 pause onto Christmas", "--received 2026-11-16 --region england-and-wales --clarification-requested 2026-11-20 --clarification-received 2026-11-28", sarJSONLine(q("2026-11-16"), "9", q("2026-12-29"), q("2026-12-29"), q("2027-02-25"))},
	{"1.5 clarification before the clock started", "--received 2026-03-02 --region england-and-wales --id-requested 2026-03-02 --id-received 2026-03-10 --clarification-requested 2026-03-02 --clarification-received 2026-03-05", sarJSONLine(q("2026-03-10"), "0", q("2026-04-10"), q("2026-04-10"), q("2026-06-10"))},
	{"1.5 clarification across the clock start", "--received 2026-03-02 --region england-and-wales --id-requested 2026-03-02 --id-received 2026-03-06 --clarification-requested 2026-03-03 --clarification-received 2026-03-12", sarJSONLine(q("2026-03-06"), "7", q("2026-04-13"), q("2026-04-13"), q("2026-06-15"))},
	{"1.5 paused, not answered yet", "--received 2026-03-02 --region england-and-wales --clarification-requested 2026-03-09", sarJSONLine(q("2026-03-02"), "null", "null", "null", "null")},
	// §1.6: --extended changes the words, not the keys.
	{"1.6 extension taken", "--received 2024-11-25 --region england-and-wales --extended", sarJSONLine(q("2024-11-25"), "0", q("2024-12-27"), q("2024-12-27"), q("2025-02-25"))},
}

// runJSON runs a deadline command with --json and returns its one line,
// failing unless the output is exactly one JSON object.
func runJSON(t *testing.T, args ...string) string {
	t.Helper()
	out := mustRun(t, "", append(append([]string{"deadline"}, args...), "--json")...)
	dec := json.NewDecoder(strings.NewReader(out))
	var obj map[string]any
	if err := dec.Decode(&obj); err != nil {
		t.Fatalf("output is not a JSON object: %v\n%s", err, out)
	}
	if dec.More() || strings.Count(out, "\n") != 1 {
		t.Fatalf("more than one JSON value:\n%s", out)
	}
	return strings.TrimSuffix(out, "\n")
}

func TestDeadlineSARExamples(t *testing.T) {
	for _, c := range sarCLIExamples {
		t.Run(c.name, func(t *testing.T) {
			args := append([]string{"sar"}, strings.Fields(c.args)...)
			if got := runJSON(t, args...); got != c.want {
				t.Errorf("steward deadline %s --json\n got %s\nwant %s", strings.Join(args, " "), got, c.want)
			}
		})
	}
}

func TestDeadlineJSONKeysAreExact(t *testing.T) {
	for _, tc := range []struct {
		args []string
		keys []string
	}{
		{[]string{"sar", "--received", "2026-03-02", "--region", "scotland"}, []string{"clock_start", "paused_days", "due", "extension_notice_by", "extended_due"}},
		{[]string{"sar", "--received", "2026-03-02", "--region", "scotland", "--id-requested", "2026-03-02"}, []string{"clock_start", "paused_days", "due", "extension_notice_by", "extended_due"}},
		{[]string{"breach", "--aware", "2026-03-27T10:00:00Z"}, []string{"deadline_utc", "deadline_local", "late", "reasons_for_delay_required"}},
		{[]string{"forward", "--received", "2026-03-02", "--region", "scotland"}, []string{"forward_by"}},
		{[]string{"complaint", "--received", "2026-06-19"}, []string{"acknowledge_by"}},
	} {
		line := runJSON(t, tc.args...)
		var obj map[string]json.RawMessage
		if err := json.Unmarshal([]byte(line), &obj); err != nil {
			t.Fatal(err)
		}
		var got []string
		for k := range obj {
			got = append(got, k)
		}
		slices.Sort(got)
		want := slices.Clone(tc.keys)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Errorf("%v: keys %v, want %v", tc.args, got, want)
		}
		if tc.args[0] == "sar" {
			if v := string(obj["paused_days"]); v != "null" && strings.Trim(v, "0123456789") != "" {
				t.Errorf("paused_days is not a number: %s", v)
			}
		}
		if tc.args[0] == "breach" {
			if string(obj["late"]) != "false" || string(obj["reasons_for_delay_required"]) != "false" {
				t.Errorf("breach booleans: %s", line)
			}
		}
	}
}

func TestDeadlineSARText(t *testing.T) {
	out := mustRun(t, "", "deadline", "sar", "--received", "2024-11-25", "--region", "england-and-wales")
	for _, want := range []string{
		"Clock start: Monday 25 November 2024 (2024-11-25). The request arrived on Monday 25 November 2024, which is day one.",
		"Paused days: 0. No clarification was asked for",
		"Due: Friday 27 December 2024 (2024-12-27). One month from Monday 25 November 2024 is Wednesday 25 December 2024.",
		"Wednesday 25 December is Christmas Day, a bank holiday; Thursday 26 December is Boxing Day, a bank holiday",
		"Extension notice by: Friday 27 December 2024 (2024-12-27).",
		"the strict reading, before the move, is Wednesday 25 December 2024",
		"Extended due: Tuesday 25 February 2025 (2025-02-25). Counted as three months from the clock start",
		"Note: Received before Thursday 5 February 2026",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("text output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "Extension taken") {
		t.Errorf("extension mentioned without --extended:\n%s", out)
	}
	out = mustRun(t, "", "deadline", "sar", "--received", "2024-11-25", "--region", "england-and-wales", "--extended")
	if !strings.Contains(out, "Extension taken: the extended due date, Tuesday 25 February 2025 (2025-02-25), is the deadline that applies") {
		t.Errorf("--extended does not say which date applies:\n%s", out)
	}
	out = mustRun(t, "", "deadline", "sar", "--received", "2027-01-31", "--region", "england-and-wales")
	if !strings.Contains(out, "would be 31 February, which does not exist, so it is the last day of February: Sunday 28 February 2027") ||
		!strings.Contains(out, "so it moves to the next working day, Monday 1 March 2027") {
		t.Errorf("month-end reasons:\n%s", out)
	}
	out = mustRun(t, "", "deadline", "sar", "--received", "2026-03-02", "--region", "scotland", "--clarification-requested", "2026-03-09")
	for _, want := range []string{"Paused days: not known yet. The clock is paused", "Due: not known yet.", "Extended due: not known yet."} {
		if !strings.Contains(out, want) {
			t.Errorf("paused text lacks %q:\n%s", want, out)
		}
	}
	out = mustRun(t, "", "deadline", "sar", "--received", "2026-03-02", "--region", "scotland", "--id-requested", "2026-03-03", "--extended")
	if !strings.Contains(out, "Clock start: not known yet. The clock has not started: it waits for proof of identity") ||
		!strings.Contains(out, "Extension taken: the extended due date will be the deadline that applies, once it is known.") {
		t.Errorf("awaiting text:\n%s", out)
	}
	if lines := strings.Count(out, "\n"); lines != 6 {
		t.Errorf("%d lines, want one per figure plus the extension:\n%s", lines, out)
	}
}

// TestDeadlineBreach covers RULES §2.2 through the command: a clock change
// in each direction, each changeover it lists, and lateness.
func TestDeadlineBreach(t *testing.T) {
	for _, c := range []deadlineCase{
		{"forward 2026", "--aware 2026-03-27T10:00:00Z", `{"deadline_utc":"2026-03-30T10:00:00Z","deadline_local":"2026-03-30T11:00:00+01:00","late":false,"reasons_for_delay_required":false}`},
		{"back 2026", "--aware 2026-10-23T09:30:00+01:00", `{"deadline_utc":"2026-10-26T08:30:00Z","deadline_local":"2026-10-26T08:30:00+00:00","late":false,"reasons_for_delay_required":false}`},
		{"forward 2025", "--aware 2025-03-28T12:00:00Z", `{"deadline_utc":"2025-03-31T12:00:00Z","deadline_local":"2025-03-31T13:00:00+01:00","late":false,"reasons_for_delay_required":false}`},
		{"back 2025", "--aware 2025-10-24T12:00:00+01:00", `{"deadline_utc":"2025-10-27T11:00:00Z","deadline_local":"2025-10-27T11:00:00+00:00","late":false,"reasons_for_delay_required":false}`},
		{"forward 2027", "--aware 2027-03-26T12:00:00Z", `{"deadline_utc":"2027-03-29T12:00:00Z","deadline_local":"2027-03-29T13:00:00+01:00","late":false,"reasons_for_delay_required":false}`},
		{"back 2027", "--aware 2027-10-29T12:00:00+01:00", `{"deadline_utc":"2027-11-01T11:00:00Z","deadline_local":"2027-11-01T11:00:00+00:00","late":false,"reasons_for_delay_required":false}`},
		{"forward 2028", "--aware 2028-03-24T12:00:00Z", `{"deadline_utc":"2028-03-27T12:00:00Z","deadline_local":"2028-03-27T13:00:00+01:00","late":false,"reasons_for_delay_required":false}`},
		{"back 2028", "--aware 2028-10-27T12:00:00+01:00", `{"deadline_utc":"2028-10-30T11:00:00Z","deadline_local":"2028-10-30T11:00:00+00:00","late":false,"reasons_for_delay_required":false}`},
		{"over a weekend", "--aware 2026-06-05T16:00:00+01:00", `{"deadline_utc":"2026-06-08T15:00:00Z","deadline_local":"2026-06-08T16:00:00+01:00","late":false,"reasons_for_delay_required":false}`},
		{"over Christmas", "--aware 2026-12-24T09:00:00Z", `{"deadline_utc":"2026-12-27T09:00:00Z","deadline_local":"2026-12-27T09:00:00+00:00","late":false,"reasons_for_delay_required":false}`},
		{"notified in time", "--aware 2026-03-27T10:00:00Z --notified 2026-03-29T18:00:00+01:00", `{"deadline_utc":"2026-03-30T10:00:00Z","deadline_local":"2026-03-30T11:00:00+01:00","late":false,"reasons_for_delay_required":false}`},
		{"notified at the deadline", "--aware 2026-03-27T10:00:00Z --notified 2026-03-30T11:00:00+01:00", `{"deadline_utc":"2026-03-30T10:00:00Z","deadline_local":"2026-03-30T11:00:00+01:00","late":false,"reasons_for_delay_required":false}`},
		{"notified a second late", "--aware 2026-03-27T10:00:00Z --notified 2026-03-30T11:00:01+01:00", `{"deadline_utc":"2026-03-30T10:00:00Z","deadline_local":"2026-03-30T11:00:00+01:00","late":true,"reasons_for_delay_required":true}`},
	} {
		t.Run(c.name, func(t *testing.T) {
			args := append([]string{"breach"}, strings.Fields(c.args)...)
			if got := runJSON(t, args...); got != c.want {
				t.Errorf("steward deadline %s --json\n got %s\nwant %s", strings.Join(args, " "), got, c.want)
			}
		})
	}
	out := mustRun(t, "", "deadline", "breach", "--aware", "2026-03-27T10:00:00Z", "--notified", "2026-03-30T12:30:00+01:00")
	for _, want := range []string{
		"Deadline (UTC): 2026-03-30T10:00:00Z. 72 hours",
		"Weekends and bank holidays count",
		"Deadline (UK time): 2026-03-30T11:00:00+01:00. In UK time that is 11:00:00 BST on Monday 30 March 2026, not 10:00:00 GMT on Friday 27 March 2026: the clocks go forward on Sunday 29 March 2026",
		"Late: yes. Notified at 2026-03-30T11:30:00Z, 1 hour 30 minutes after the deadline",
		"Reasons for delay required: yes.",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("breach text lacks %q:\n%s", want, out)
		}
	}
	out = mustRun(t, "", "deadline", "breach", "--aware", "2026-03-27T10:00:00Z")
	if !strings.Contains(out, "Late: no. Not notified yet") || !strings.Contains(out, "Reasons for delay required: no.") {
		t.Errorf("not notified:\n%s", out)
	}
}

// TestDeadlineForwardAndComplaint covers RULES §9 and §10.
func TestDeadlineForwardAndComplaint(t *testing.T) {
	for _, c := range []deadlineCase{
		{"Christmas, E&W", "forward --received 2025-12-24 --region england-and-wales", `{"forward_by":"2026-01-05"}`},
		{"Scotland's 2 January", "forward --received 2025-12-24 --region scotland", `{"forward_by":"2026-01-06"}`},
		{"Easter, NI", "forward --received 2026-04-02 --region northern-ireland", `{"forward_by":"2026-04-13"}`},
		{"Easter, Scotland", "forward --received 2026-04-02 --region scotland", `{"forward_by":"2026-04-10"}`},
		{"12 July substitute, NI", "forward --received 2026-07-10 --region northern-ireland", `{"forward_by":"2026-07-20"}`},
		{"12 July substitute, E&W", "forward --received 2026-07-10 --region england-and-wales", `{"forward_by":"2026-07-17"}`},
		{"12 July 2025 substitute, NI", "forward --received 2025-07-11 --region northern-ireland", `{"forward_by":"2025-07-21"}`},
		{"St Andrew's Day, Scotland", "forward --received 2025-11-28 --region scotland", `{"forward_by":"2025-12-08"}`},
		{"St Andrew's Day, E&W", "forward --received 2025-11-28 --region england-and-wales", `{"forward_by":"2025-12-05"}`},
		{"receipt day not counted", "forward --received 2026-03-02 --region england-and-wales", `{"forward_by":"2026-03-09"}`},
		{"received on a Saturday", "forward --received 2026-03-07 --region england-and-wales", `{"forward_by":"2026-03-13"}`},
		{"ten working days", "forward --received 2026-03-02 --region england-and-wales --working-days 10", `{"forward_by":"2026-03-16"}`},
		{"one working day", "forward --received 2026-03-06 --region scotland --working-days 1", `{"forward_by":"2026-03-09"}`},
		{"complaint, day 30 a Saturday", "complaint --received 2026-06-19", `{"acknowledge_by":"2026-07-18"}`},
		{"complaint, over Christmas", "complaint --received 2026-11-27", `{"acknowledge_by":"2026-12-26"}`},
		{"complaint, over New Year", "complaint --received 2026-12-20", `{"acknowledge_by":"2027-01-18"}`},
		{"complaint, leap year", "complaint --received 2028-02-01", `{"acknowledge_by":"2028-03-01"}`},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := runJSON(t, strings.Fields(c.args)...); got != c.want {
				t.Errorf("steward deadline %s --json\n got %s\nwant %s", c.args, got, c.want)
			}
		})
	}
	out := mustRun(t, "", "deadline", "forward", "--received", "2025-12-24", "--region", "scotland")
	if !strings.HasPrefix(out, "Forward by: Tuesday 6 January 2026 (2026-01-06). The 5th working day in scotland after Wednesday 24 December 2025, the day of receipt, which is not counted.") ||
		!strings.Contains(out, "2nd January (Friday 2 January 2026)") {
		t.Errorf("forward text:\n%s", out)
	}
	out = mustRun(t, "", "deadline", "complaint", "--received", "2026-06-19")
	if !strings.HasPrefix(out, "Acknowledge by: Saturday 18 July 2026 (2026-07-18). The 30 days begin on the day of receipt") ||
		!strings.Contains(out, "no move to a working day") {
		t.Errorf("complaint text:\n%s", out)
	}
}

// TestDeadlineRefusesImpossibleInput: exit 1 (2 for flags kong itself
// refuses) with one line that names the flag and says what to do.
func TestDeadlineRefusesImpossibleInput(t *testing.T) {
	for _, tc := range []struct {
		args string
		says []string
	}{
		{"sar --received 2026-03-02 --region wales", []string{"--region", `"wales"`, "england-and-wales, scotland or northern-ireland"}},
		{"sar --received 2026-02-30 --region scotland", []string{"--received", "February 2026 has 28 days", "YYYY-MM-DD"}},
		{"sar --received 02/03/2026 --region scotland", []string{"--received", "YYYY-MM-DD"}},
		{"sar --received 2026-03-02 --region scotland --id-received 2026-03-04", []string{"--id-received needs --id-requested"}},
		{"sar --received 2026-03-02 --region scotland --id-requested 2026-03-01", []string{"--id-requested (2026-03-01) is before --received (2026-03-02)"}},
		{"sar --received 2026-03-02 --region scotland --id-requested 2026-03-05 --id-received 2026-03-04", []string{"--id-received (2026-03-04) is before --id-requested (2026-03-05)"}},
		{"sar --received 2026-03-02 --region scotland --fee-received 2026-03-04", []string{"--fee-received needs --fee-requested"}},
		{"sar --received 2026-03-02 --region scotland --authority-received 2026-03-01", []string{"--authority-received (2026-03-01) is before --received", "leave --authority-received out"}},
		{"sar --received 2026-03-02 --region scotland --clarification-requested 2026-03-05 --clarification-received 2026-03-04", []string{"--clarification-received (2026-03-04) is before --clarification-requested (2026-03-05)", "check both dates"}},
		{"sar --received 2026-03-02 --region scotland --clarification-received 2026-03-04", []string{"--clarification-received needs --clarification-requested"}},
		{"sar --received 2026-03-02 --region scotland --clarification-requested 2026-03-01", []string{"--clarification-requested (2026-03-01) is before --received (2026-03-02)"}},
		{"sar --received 2026-03-02 --region scotland --id-requested 2026-13-01", []string{"--id-requested", "no month 13"}},
		{"breach --aware 2026-03-27T10:00:00", []string{"--aware", "has no UTC offset", "2026-03-27T14:30:00Z"}},
		{"breach --aware 2026-03-27", []string{"--aware", "date without a time"}},
		{"breach --aware 2026-03-27T10:00:00Z --notified 2026-03-27T10:00", []string{"--notified", "has no UTC offset"}},
		{"breach --aware 2026-03-27T10:00:00Z --notified 2026-03-27T09:00:00Z", []string{"--notified (2026-03-27T09:00:00Z) is before --aware (2026-03-27T10:00:00Z)"}},
		{"forward --received 2026-03-02 --region scotland --working-days 0", []string{"--working-days must be between 1 and 260"}},
		{"forward --received 2026-03-02 --region ni", []string{"--region", "northern-ireland"}},
		{"complaint --received 2026-06-31", []string{"--received", "June 2026 has 30 days"}},
		{"sar --received 2026-03-02", []string{"--region"}},
		{"sar --region scotland", []string{"--received"}},
		{"breach", []string{"--aware"}},
		{"forward --received 2026-03-02 --region scotland --working-days five", []string{"--working-days"}},
		{"sar --received 2026-03-02 --region scotland --data-dir /tmp", []string{"--data-dir"}},
	} {
		code, out, errs := run(t, "", append([]string{"deadline"}, strings.Fields(tc.args)...)...)
		if code == 0 {
			t.Errorf("steward deadline %s: exit 0\n%s", tc.args, out)
			continue
		}
		if out != "" && !strings.HasPrefix(out, "Usage") {
			t.Errorf("steward deadline %s printed to stdout: %s", tc.args, out)
		}
		if !strings.HasPrefix(errs, "steward: ") || strings.Count(errs, "\n") != 1 {
			t.Errorf("steward deadline %s: not one line: %q", tc.args, errs)
		}
		for _, s := range tc.says {
			if !strings.Contains(errs, s) {
				t.Errorf("steward deadline %s: %q lacks %q", tc.args, errs, s)
			}
		}
	}
}

// TestDeadlineNeedsNoData runs every deadline command where a data
// directory would be made, and checks that none was.
func TestDeadlineNeedsNoData(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	dataDir := filepath.Join(t.TempDir(), "data")
	t.Setenv("STEWARD_DATA_DIR", dataDir)
	t.Setenv("STEWARD_DATABASE_URL", "postgres://nobody@127.0.0.1:1/nothing")
	for _, args := range [][]string{
		{"deadline", "sar", "--received", "2026-03-02", "--region", "scotland"},
		{"deadline", "sar", "--received", "2026-03-02", "--region", "scotland", "--json"},
		{"deadline", "breach", "--aware", "2026-03-27T10:00:00Z"},
		{"deadline", "forward", "--received", "2026-03-02", "--region", "scotland"},
		{"deadline", "complaint", "--received", "2026-03-02", "--json"},
	} {
		mustRun(t, "", args...)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("deadline commands wrote to the working directory: %v", entries)
	}
	if _, err := os.Stat(dataDir); !os.IsNotExist(err) {
		t.Errorf("deadline commands made the data directory %s", dataDir)
	}
}

func TestDeadlineHelp(t *testing.T) {
	code, out, _ := run(t, "", "deadline", "--help")
	if code != 0 {
		t.Fatalf("deadline --help: exit %d", code)
	}
	for _, want := range []string{"sar", "breach", "forward", "complaint"} {
		if !strings.Contains(out, want) {
			t.Errorf("deadline --help lacks %s:\n%s", want, out)
		}
	}
	var buf bytes.Buffer
	for _, sub := range []string{"sar", "breach", "forward", "complaint"} {
		code, out, _ := run(t, "", "deadline", sub, "--help")
		buf.WriteString(out)
		if code != 0 || !strings.Contains(out, "--json") {
			t.Errorf("deadline %s --help: exit %d\n%s", sub, code, out)
		}
	}
	if !strings.Contains(buf.String(), "england-and-wales, scotland or northern-ireland") {
		t.Errorf("help does not list the regions:\n%s", buf.String())
	}
}
