package calendar

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

// rulesTable is RULES.md §7 as printed there, one row per holiday and one
// column per year 2025-2028; "(s)" marks a substitute day and "-" a year
// without the holiday.
var rulesTable = map[Region][]struct {
	name  string
	years [4]string
}{
	EnglandAndWales: {
		{NewYearsDay, [4]string{"Wed 1 Jan", "Thu 1 Jan", "Fri 1 Jan", "Mon 3 Jan (s)"}},
		{GoodFriday, [4]string{"Fri 18 Apr", "Fri 3 Apr", "Fri 26 Mar", "Fri 14 Apr"}},
		{EasterMonday, [4]string{"Mon 21 Apr", "Mon 6 Apr", "Mon 29 Mar", "Mon 17 Apr"}},
		{EarlyMay, [4]string{"Mon 5 May", "Mon 4 May", "Mon 3 May", "Mon 1 May"}},
		{SpringHoliday, [4]string{"Mon 26 May", "Mon 25 May", "Mon 31 May", "Mon 29 May"}},
		{SummerHoliday, [4]string{"Mon 25 Aug", "Mon 31 Aug", "Mon 30 Aug", "Mon 28 Aug"}},
		{ChristmasDay, [4]string{"Thu 25 Dec", "Fri 25 Dec", "Mon 27 Dec (s)", "Mon 25 Dec"}},
		{BoxingDay, [4]string{"Fri 26 Dec", "Mon 28 Dec (s)", "Tue 28 Dec (s)", "Tue 26 Dec"}},
	},
	Scotland: {
		{NewYearsDay, [4]string{"Wed 1 Jan", "Thu 1 Jan", "Fri 1 Jan", "Mon 3 Jan (s)"}},
		{SecondJanuary, [4]string{"Thu 2 Jan", "Fri 2 Jan", "Mon 4 Jan (s)", "Tue 4 Jan (s)"}},
		{GoodFriday, [4]string{"Fri 18 Apr", "Fri 3 Apr", "Fri 26 Mar", "Fri 14 Apr"}},
		{EarlyMay, [4]string{"Mon 5 May", "Mon 4 May", "Mon 3 May", "Mon 1 May"}},
		{SpringHoliday, [4]string{"Mon 26 May", "Mon 25 May", "Mon 31 May", "Mon 29 May"}},
		{SummerHoliday, [4]string{"Mon 4 Aug", "Mon 3 Aug", "Mon 2 Aug", "Mon 7 Aug"}},
		{StAndrewsDay, [4]string{"Mon 1 Dec (s)", "Mon 30 Nov", "Tue 30 Nov", "Thu 30 Nov"}},
		{ChristmasDay, [4]string{"Thu 25 Dec", "Fri 25 Dec", "Mon 27 Dec (s)", "Mon 25 Dec"}},
		{BoxingDay, [4]string{"Fri 26 Dec", "Mon 28 Dec (s)", "Tue 28 Dec (s)", "Tue 26 Dec"}},
	},
	NorthernIreland: {
		{NewYearsDay, [4]string{"Wed 1 Jan", "Thu 1 Jan", "Fri 1 Jan", "Mon 3 Jan (s)"}},
		{StPatricksDay, [4]string{"Mon 17 Mar", "Tue 17 Mar", "Wed 17 Mar", "Fri 17 Mar"}},
		{GoodFriday, [4]string{"Fri 18 Apr", "Fri 3 Apr", "Fri 26 Mar", "Fri 14 Apr"}},
		{EasterMonday, [4]string{"Mon 21 Apr", "Mon 6 Apr", "Mon 29 Mar", "Mon 17 Apr"}},
		{EarlyMay, [4]string{"Mon 5 May", "Mon 4 May", "Mon 3 May", "Mon 1 May"}},
		{SpringHoliday, [4]string{"Mon 26 May", "Mon 25 May", "Mon 31 May", "Mon 29 May"}},
		{BattleOfBoyne, [4]string{"Mon 14 Jul (s)", "Mon 13 Jul (s)", "Mon 12 Jul", "Wed 12 Jul"}},
		{SummerHoliday, [4]string{"Mon 25 Aug", "Mon 31 Aug", "Mon 30 Aug", "Mon 28 Aug"}},
		{ChristmasDay, [4]string{"Thu 25 Dec", "Fri 25 Dec", "Mon 27 Dec (s)", "Mon 25 Dec"}},
		{BoxingDay, [4]string{"Fri 26 Dec", "Mon 28 Dec (s)", "Tue 28 Dec (s)", "Tue 26 Dec"}},
	},
}

// tableDay reads "Mon 3 Jan (s)" in a year, checking the printed weekday,
// so a slip in copying the table fails here rather than hiding.
func tableDay(t *testing.T, year int, s string) (Date, bool) {
	t.Helper()
	sub := strings.HasSuffix(s, " (s)")
	s = strings.TrimSuffix(s, " (s)")
	tm, err := time.Parse("Mon 2 Jan 2006", fmt.Sprintf("%s %d", s, year))
	if err != nil {
		t.Fatalf("table entry %q: %v", s, err)
	}
	if !strings.HasPrefix(s, tm.Weekday().String()[:3]) {
		t.Fatalf("table entry %q %d: that day is a %s", s, year, tm.Weekday())
	}
	return fromTime(tm), sub
}

func holidayString(h Holiday) string {
	return fmt.Sprintf("%s %s sub=%t", h.Date, h.Name, h.Substitute)
}

// TestHolidaysMatchRulesTables checks the complete set of bank holidays of
// each region and year 2025-2028 against RULES §7: every date, name and
// substitute mark, and nothing else.
func TestHolidaysMatchRulesTables(t *testing.T) {
	for region, rows := range rulesTable {
		for i, year := range []int{2025, 2026, 2027, 2028} {
			t.Run(fmt.Sprintf("%s/%d", region, year), func(t *testing.T) {
				var want []string
				for _, row := range rows {
					d, sub := tableDay(t, year, row.years[i])
					want = append(want, holidayString(Holiday{Date: d, Name: row.name, Substitute: sub}))
				}
				slices.Sort(want)
				var got []string
				for _, h := range Holidays(region, year) {
					got = append(got, holidayString(h))
				}
				if !slices.Equal(got, want) {
					t.Fatalf("holidays:\n got %s\nwant %s", strings.Join(got, "\n     "), strings.Join(want, "\n     "))
				}
			})
		}
	}
}

// TestWorkingDaysOfTableYears walks every day of 2025-2028 in each region:
// weekends are never working days, and a weekday is a working day exactly
// when it is not in the RULES table.
func TestWorkingDaysOfTableYears(t *testing.T) {
	for region, rows := range rulesTable {
		holidays := map[Date]bool{}
		for _, row := range rows {
			for i, year := range []int{2025, 2026, 2027, 2028} {
				d, _ := tableDay(t, year, row.years[i])
				holidays[d] = true
			}
		}
		weekends := 0
		for d := DateOf(2025, time.January, 1); d.Year() <= 2028; d = d.AddDays(1) {
			want := !d.IsWeekend() && !holidays[d]
			if d.Weekday() == time.Saturday || d.Weekday() == time.Sunday {
				weekends++
			}
			if got := IsWorkingDay(region, d); got != want {
				t.Errorf("%s %s (%s): working day %t, want %t", region, d, d.Weekday(), got, want)
			}
		}
		if weekends != 418 {
			t.Errorf("%s: %d weekend days in 2025-2028, want 418", region, weekends)
		}
	}
}

// TestProclaimedDays checks years with one-off and moved days against the
// gov.uk feed (the dates RULES §7 cites as its source).
func TestProclaimedDays(t *testing.T) {
	for _, tc := range []struct {
		region Region
		year   int
		want   []string
	}{
		{EnglandAndWales, 2020, []string{"2020-01-01", "2020-04-10", "2020-04-13", "2020-05-08", "2020-05-25", "2020-08-31", "2020-12-25", "2020-12-28"}},
		{Scotland, 2020, []string{"2020-01-01", "2020-01-02", "2020-04-10", "2020-05-08", "2020-05-25", "2020-08-03", "2020-11-30", "2020-12-25", "2020-12-28"}},
		{NorthernIreland, 2020, []string{"2020-01-01", "2020-03-17", "2020-04-10", "2020-04-13", "2020-05-08", "2020-05-25", "2020-07-13", "2020-08-31", "2020-12-25", "2020-12-28"}},
		{EnglandAndWales, 2022, []string{"2022-01-03", "2022-04-15", "2022-04-18", "2022-05-02", "2022-06-02", "2022-06-03", "2022-08-29", "2022-09-19", "2022-12-26", "2022-12-27"}},
		{Scotland, 2022, []string{"2022-01-03", "2022-01-04", "2022-04-15", "2022-05-02", "2022-06-02", "2022-06-03", "2022-08-01", "2022-09-19", "2022-11-30", "2022-12-26", "2022-12-27"}},
		{NorthernIreland, 2022, []string{"2022-01-03", "2022-03-17", "2022-04-15", "2022-04-18", "2022-05-02", "2022-06-02", "2022-06-03", "2022-07-12", "2022-08-29", "2022-09-19", "2022-12-26", "2022-12-27"}},
		{EnglandAndWales, 2023, []string{"2023-01-02", "2023-04-07", "2023-04-10", "2023-05-01", "2023-05-08", "2023-05-29", "2023-08-28", "2023-12-25", "2023-12-26"}},
		{Scotland, 2023, []string{"2023-01-02", "2023-01-03", "2023-04-07", "2023-05-01", "2023-05-08", "2023-05-29", "2023-08-07", "2023-11-30", "2023-12-25", "2023-12-26"}},
		{NorthernIreland, 2023, []string{"2023-01-02", "2023-03-17", "2023-04-07", "2023-04-10", "2023-05-01", "2023-05-08", "2023-05-29", "2023-07-12", "2023-08-28", "2023-12-25", "2023-12-26"}},
		{Scotland, 2019, []string{"2019-01-01", "2019-01-02", "2019-04-19", "2019-05-06", "2019-05-27", "2019-08-05", "2019-12-02", "2019-12-25", "2019-12-26"}},
		{NorthernIreland, 2024, []string{"2024-01-01", "2024-03-18", "2024-03-29", "2024-04-01", "2024-05-06", "2024-05-27", "2024-07-12", "2024-08-26", "2024-12-25", "2024-12-26"}},
	} {
		var got []string
		for _, h := range Holidays(tc.region, tc.year) {
			got = append(got, h.Date.String())
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("%s %d:\n got %v\nwant %v", tc.region, tc.year, got, tc.want)
		}
	}
	// Names follow gov.uk where a weekend pushes two holidays on.
	for _, tc := range []struct {
		region Region
		date   Date
		label  string
	}{
		{Scotland, DateOf(2023, 1, 2), "New Year's Day (substitute day)"},
		{Scotland, DateOf(2023, 1, 3), "2nd January (substitute day)"},
		{EnglandAndWales, DateOf(2022, 12, 26), "Boxing Day"},
		{EnglandAndWales, DateOf(2022, 12, 27), "Christmas Day (substitute day)"},
		{EnglandAndWales, DateOf(2020, 5, 8), "Early May bank holiday (VE day)"},
		{EnglandAndWales, DateOf(2022, 9, 19), "Bank Holiday for the State Funeral of Queen Elizabeth II"},
	} {
		h, ok := HolidayOn(tc.region, tc.date)
		if !ok || h.Label() != tc.label {
			t.Errorf("%s %s: %q, want %q", tc.region, tc.date, h.Label(), tc.label)
		}
	}
	// The moved days' own dates are working days that year.
	for _, d := range []Date{DateOf(2020, 5, 4), DateOf(2022, 5, 30), DateOf(2012, 5, 28)} {
		if !IsWorkingDay(EnglandAndWales, d) {
			t.Errorf("%s should be a working day: its holiday was moved", d)
		}
	}
}

func TestEasterSunday(t *testing.T) {
	// Dates from the Church of England's table of Easter Days.
	for year, want := range map[int]string{
		2000: "2000-04-23", 2008: "2008-03-23", 2011: "2011-04-24", 2019: "2019-04-21",
		2024: "2024-03-31", 2025: "2025-04-20", 2026: "2026-04-05", 2027: "2027-03-28",
		2028: "2028-04-16", 2038: "2038-04-25", 2285: "2285-03-22",
	} {
		if got := EasterSunday(year).String(); got != want {
			t.Errorf("Easter %d = %s, want %s", year, got, want)
		}
	}
}

func TestRegions(t *testing.T) {
	for _, s := range []string{"england-and-wales", "scotland", "northern-ireland", " Scotland "} {
		if _, err := ParseRegion(s); err != nil {
			t.Errorf("ParseRegion(%q): %v", s, err)
		}
	}
	for _, s := range []string{"", "wales", "england", "uk", "ni"} {
		_, err := ParseRegion(s)
		if err == nil {
			t.Fatalf("ParseRegion(%q) accepted", s)
		}
		for _, r := range Regions() {
			if !strings.Contains(err.Error(), string(r)) {
				t.Errorf("ParseRegion(%q) error %q does not list %s", s, err, r)
			}
		}
	}
	if Holidays("wales", 2026) != nil {
		t.Error("an invalid region has holidays")
	}
}

func TestWorkingDayArithmetic(t *testing.T) {
	ew := EnglandAndWales
	for _, tc := range []struct {
		name string
		got  Date
		want string
	}{
		{"roll a working day stays", RollForward(ew, DateOf(2026, 3, 2)), "2026-03-02"},
		{"roll a Saturday", RollForward(ew, DateOf(2026, 2, 28)), "2026-03-02"},
		{"roll Christmas 2027", RollForward(ew, DateOf(2027, 12, 25)), "2027-12-29"},
		{"next after a working day", NextWorkingDay(ew, DateOf(2026, 3, 2)), "2026-03-03"},
		{"next after a Friday", NextWorkingDay(ew, DateOf(2026, 3, 6)), "2026-03-09"},
		{"next after Maundy Thursday", NextWorkingDay(ew, DateOf(2026, 4, 2)), "2026-04-07"},
		{"next after Maundy Thursday in Scotland", NextWorkingDay(Scotland, DateOf(2026, 4, 2)), "2026-04-06"},
		{"0 working days", AddWorkingDays(ew, DateOf(2026, 3, 7), 0), "2026-03-07"},
		{"1 working day after a Saturday", AddWorkingDays(ew, DateOf(2026, 3, 7), 1), "2026-03-09"},
		{"10 working days", AddWorkingDays(ew, DateOf(2026, 3, 2), 10), "2026-03-16"},
	} {
		if tc.got.String() != tc.want {
			t.Errorf("%s: %s, want %s", tc.name, tc.got, tc.want)
		}
	}
}
