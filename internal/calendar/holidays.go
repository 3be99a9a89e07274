package calendar

import (
	"slices"
	"time"
)

// Holiday is one bank holiday of a region.
type Holiday struct {
	Date Date
	// Name is the holiday's name as gov.uk gives it, e.g. "Boxing Day".
	Name string
	// Substitute is true when the day stands in for a holiday whose own
	// date fell at a weekend (RULES §7).
	Substitute bool
	// Note says why a proclaimed day was added or moved; empty for days
	// that follow the rules.
	Note string
}

// Label is the name, with "(substitute day)" when it is one.
func (h Holiday) Label() string {
	if h.Substitute {
		return h.Name + " (substitute day)"
	}
	return h.Name
}

// The names of the rule-based holidays, as gov.uk writes them (with
// straight apostrophes).
const (
	NewYearsDay   = "New Year's Day"
	SecondJanuary = "2nd January"
	StPatricksDay = "St Patrick's Day"
	GoodFriday    = "Good Friday"
	EasterMonday  = "Easter Monday"
	EarlyMay      = "Early May bank holiday"
	SpringHoliday = "Spring bank holiday"
	BattleOfBoyne = "Battle of the Boyne (Orangemen's Day)"
	SummerHoliday = "Summer bank holiday"
	StAndrewsDay  = "St Andrew's Day"
	ChristmasDay  = "Christmas Day"
	BoxingDay     = "Boxing Day"
)

// proclaimed lists the bank holidays the rules cannot predict: extra days
// proclaimed for one year, and rule-based days moved for one year. Each
// entry is as published in the gov.uk feed, https://www.gov.uk/bank-holidays.json
// (2012 from its early editions; 2020 onwards as mirrored in
// github.com/dmossop/bank-holidays-data), and applied in all three
// regions. Years before 2012 get today's rules only. Add a day here when
// one is proclaimed, with its source.
func proclaimed() []proclamation {
	return []proclamation{
		// Queen's Diamond Jubilee, 2012: spring holiday moved from Monday
		// 28 May to Monday 4 June, and Tuesday 5 June added.
		{DateOf(2012, time.June, 4), SpringHoliday, SpringHoliday, "moved from Monday 28 May for the Diamond Jubilee"},
		{DateOf(2012, time.June, 5), "Queen's Diamond Jubilee", "", "proclaimed for the Diamond Jubilee"},
		// 75th anniversary of VE Day: early May holiday moved from Monday
		// 4 May to Friday 8 May 2020.
		{DateOf(2020, time.May, 8), "Early May bank holiday (VE day)", EarlyMay, "moved from Monday 4 May for the 75th anniversary of VE Day"},
		// Platinum Jubilee, 2022: spring holiday moved from Monday 30 May
		// to Thursday 2 June, and Friday 3 June added.
		{DateOf(2022, time.June, 2), SpringHoliday, SpringHoliday, "moved from Monday 30 May for the Platinum Jubilee"},
		{DateOf(2022, time.June, 3), "Platinum Jubilee bank holiday", "", "proclaimed for the Platinum Jubilee"},
		// The state funeral of Queen Elizabeth II, Monday 19 September 2022.
		{DateOf(2022, time.September, 19), "Bank Holiday for the State Funeral of Queen Elizabeth II", "", "proclaimed for the state funeral"},
		// The coronation of King Charles III, Monday 8 May 2023.
		{DateOf(2023, time.May, 8), "Bank holiday for the coronation of King Charles III", "", "proclaimed for the coronation"},
	}
}

type proclamation struct {
	date  Date
	name  string
	moves string // the rule-based holiday it replaces that year; "" for an extra day
	note  string
}

// Holidays returns the bank holidays of a region in a year, in date order.
// They follow the statutory and proclaimed pattern of RULES §7, with the
// one-off days of proclaimed(). A region that is not valid has none.
func Holidays(r Region, year int) []Holiday {
	if !r.Valid() {
		return nil
	}
	var hs []Holiday
	add := func(d Date, name string, own Date) {
		hs = append(hs, Holiday{Date: d, Name: name, Substitute: d != own})
	}
	on := func(m time.Month, day int) Date { return Date{year, m, day} }

	// New Year's Day, and in Scotland 2 January, which takes the weekday
	// after New Year's Day when either is pushed on by a weekend. gov.uk
	// names them in that order (2023: New Year's Day on Monday 2, 2nd
	// January on Tuesday 3).
	ny := weekdayFrom(on(time.January, 1))
	add(ny, NewYearsDay, on(time.January, 1))
	if r == Scotland {
		add(weekdayFrom(latest(on(time.January, 2), ny.AddDays(1))), SecondJanuary, on(time.January, 2))
	}
	if r == NorthernIreland {
		add(weekdayFrom(on(time.March, 17)), StPatricksDay, on(time.March, 17))
	}
	easter := EasterSunday(year)
	add(easter.AddDays(-2), GoodFriday, easter.AddDays(-2))
	if r != Scotland {
		add(easter.AddDays(1), EasterMonday, easter.AddDays(1))
	}
	earlyMay := firstMonday(year, time.May)
	add(earlyMay, EarlyMay, earlyMay)
	spring := lastMonday(year, time.May)
	add(spring, SpringHoliday, spring)
	if r == NorthernIreland {
		add(weekdayFrom(on(time.July, 12)), BattleOfBoyne, on(time.July, 12))
	}
	summer := lastMonday(year, time.August)
	if r == Scotland {
		summer = firstMonday(year, time.August)
	}
	add(summer, SummerHoliday, summer)
	if r == Scotland {
		add(weekdayFrom(on(time.November, 30)), StAndrewsDay, on(time.November, 30))
	}

	// Christmas and Boxing Day: a day that falls on a weekday keeps it; a
	// weekend one takes the first weekday after 26 December that the
	// other has not taken (gov.uk 2022: Boxing Day Monday 26, Christmas
	// Day Tuesday 27).
	xmas, boxing := on(time.December, 25), on(time.December, 26)
	xmasOn, boxingOn := xmas, boxing
	switch xmas.Weekday() {
	case time.Friday: // Boxing Day is a Saturday
		boxingOn = on(time.December, 28)
	case time.Saturday:
		xmasOn, boxingOn = on(time.December, 27), on(time.December, 28)
	case time.Sunday:
		xmasOn = on(time.December, 27)
	}
	add(xmasOn, ChristmasDay, xmas)
	add(boxingOn, BoxingDay, boxing)

	for _, p := range proclaimed() {
		if p.date.year != year {
			continue
		}
		h := Holiday{Date: p.date, Name: p.name, Note: p.note}
		if i := slices.IndexFunc(hs, func(h Holiday) bool { return h.Name == p.moves }); p.moves != "" && i >= 0 {
			hs[i] = h
		} else {
			hs = append(hs, h)
		}
	}
	slices.SortFunc(hs, func(a, b Holiday) int { return a.Date.Compare(b.Date) })
	return hs
}

// HolidayOn returns the bank holiday of the region on d, if there is one.
func HolidayOn(r Region, d Date) (Holiday, bool) {
	for _, h := range Holidays(r, d.year) {
		if h.Date == d {
			return h, true
		}
	}
	return Holiday{}, false
}

// EasterSunday returns the date of Easter Sunday in the Gregorian calendar
// (the anonymous "Meeus/Jones/Butcher" computus).
func EasterSunday(year int) Date {
	a := year % 19
	b, c := year/100, year%100
	d, e := b/4, b%4
	f := (b + 8) / 25
	g := (b - f + 1) / 3
	h := (19*a + b - d - g + 15) % 30
	i, k := c/4, c%4
	l := (32 + 2*e + 2*i - h - k) % 7
	m := (a + 11*h + 22*l) / 451
	month := (h + l - 7*m + 114) / 31
	day := (h+l-7*m+114)%31 + 1
	return Date{year, time.Month(month), day}
}

// weekdayFrom returns d, or the Monday after it when d is at a weekend.
func weekdayFrom(d Date) Date {
	switch d.Weekday() {
	case time.Saturday:
		return d.AddDays(2)
	case time.Sunday:
		return d.AddDays(1)
	}
	return d
}

func firstMonday(year int, m time.Month) Date {
	d := Date{year, m, 1}
	return d.AddDays((int(time.Monday) - int(d.Weekday()) + 7) % 7)
}

func lastMonday(year int, m time.Month) Date {
	d := Date{year, m, DaysIn(year, m)}
	return d.AddDays(-((int(d.Weekday()) - int(time.Monday) + 7) % 7))
}
