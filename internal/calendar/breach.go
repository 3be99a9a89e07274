package calendar

import (
	"fmt"
	"strings"
	"time"
	// The zone database is compiled in, so Europe/London loads on a
	// machine without one (a scratch container, Windows).
	_ "time/tzdata"

	"github.com/stewardhq/steward/internal/apperr"
)

// BreachWindow is the Art 33(1) period: 72 hours of elapsed time.
const BreachWindow = 72 * time.Hour

// London loads the Europe/London zone, in which every UK date is read (C1).
func London() (*time.Location, error) {
	loc, err := time.LoadLocation("Europe/London")
	if err != nil {
		return nil, fmt.Errorf("load the Europe/London time zone: %w", err)
	}
	return loc, nil
}

// EndOfDay returns the instant at which a deadline falling on d ends:
// 23:59:59 Europe/London (C5), in that zone.
func EndOfDay(d Date) (time.Time, error) {
	loc, err := London()
	if err != nil {
		return time.Time{}, err
	}
	return time.Date(d.year, d.month, d.day, 23, 59, 59, 0, loc), nil
}

// ParseInstant reads an RFC 3339 date and time with its UTC offset, such as
// 2026-03-27T14:30:00Z or 2026-03-27T15:30:00+01:00. A time without an
// offset is refused: in March and October it would be ambiguous, and the
// breach clock needs the instant (C6).
func ParseInstant(s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339, s)
	if err == nil {
		return t, nil
	}
	example := "for example 2026-03-27T14:30:00Z (UTC) or 2026-03-27T14:30:00+00:00 (UK time in winter; +01:00 in summer)"
	for _, layout := range []string{"2006-01-02T15:04:05", "2006-01-02T15:04", "2006-01-02 15:04:05", "2006-01-02 15:04"} {
		if _, e := time.Parse(layout, s); e == nil {
			return time.Time{}, apperr.New(apperr.Invalid, "%q has no UTC offset: add Z for UTC or the UK offset, %s", s, example)
		}
	}
	if _, e := time.Parse(Layout, s); e == nil {
		return time.Time{}, apperr.New(apperr.Invalid, "%q is a date without a time: give the time and its UTC offset, %s", s, example)
	}
	return time.Time{}, apperr.New(apperr.Invalid, "%q is not a date and time in RFC 3339 form: write it %s", s, example)
}

// Breach is the 72-hour clock of Art 33(1) for one breach.
type Breach struct {
	Aware time.Time
	// Deadline is Aware + 72 × 3600 s, in UTC; DeadlineLocal is the same
	// instant in Europe/London.
	Deadline      time.Time
	DeadlineLocal time.Time
	DeadlineWhy   string
	LocalWhy      string
	// Notified is when the ICO was told; zero if it has not been yet.
	Notified time.Time
	// Late is true only when Notified is given and is after the deadline;
	// a notification exactly at the deadline is on time ("not later
	// than"). While nobody has notified, Late is false whatever the time
	// now: the result depends on the inputs alone. The Art 33(1) duty to
	// give reasons for the delay applies exactly when Late.
	Late                    bool
	ReasonsForDelayRequired bool
	LateWhy                 string
}

// BreachDeadline works out the 72-hour deadline from the moment the
// controller became aware of the breach, and whether a notification made
// at notified (zero if none yet) was late. Weekends, bank holidays and
// clock changes all count as the real hours they are (RULES §2.2).
func BreachDeadline(aware, notified time.Time) (Breach, error) {
	if aware.IsZero() {
		return Breach{}, invalid("aware", "", "{field} is required: when the organisation became aware of the breach, with its UTC offset")
	}
	if !notified.IsZero() && notified.Before(aware) {
		return Breach{}, invalid("notified", "aware", "{field} (%s) is before {other} (%s): the ICO cannot be told before the organisation knew; check both times",
			stamp(notified), stamp(aware))
	}
	loc, err := London()
	if err != nil {
		return Breach{}, err
	}
	deadline := aware.Add(BreachWindow).UTC()
	b := Breach{
		Aware:         aware,
		Deadline:      deadline,
		DeadlineLocal: deadline.In(loc),
		Notified:      notified,
	}
	b.DeadlineWhy = fmt.Sprintf("72 hours (72 × 3600 seconds) after awareness at %s. Weekends and bank holidays count: the period is in hours, not working days.",
		FormatUTC(aware))

	awareLocal := aware.In(loc)
	_, offA := awareLocal.Zone()
	_, offD := b.DeadlineLocal.Zone()
	switch {
	case offA == offD:
		b.LocalWhy = fmt.Sprintf("In UK time that is %s, the same clock time as awareness (%s).",
			wall(b.DeadlineLocal), wall(awareLocal))
	default:
		change := clockChange(aware, deadline, loc)
		dir := "forward"
		if offD < offA {
			dir = "back"
		}
		b.LocalWhy = fmt.Sprintf("In UK time that is %s, not %s: the clocks go %s on %s, and the 72 hours are real hours.",
			wall(b.DeadlineLocal), wall(awareLocal), dir, fromTime(change.In(loc)).Long())
	}

	switch {
	case notified.IsZero():
		b.LateWhy = "Not notified yet: notify the ICO by the deadline, or give reasons for the delay with a later notification."
	case notified.After(deadline):
		b.Late, b.ReasonsForDelayRequired = true, true
		b.LateWhy = fmt.Sprintf("Notified at %s, %s after the deadline: Art 33(1) requires the notification to give the reasons for the delay.",
			FormatUTC(notified), spell(notified.Sub(deadline)))
	default:
		b.LateWhy = fmt.Sprintf("Notified at %s, within the 72 hours.", FormatUTC(notified))
	}
	return b, nil
}

// clockChange finds the instant in (from, to] at which the zone's offset
// changes, to the second (zones change on whole seconds), by halving the
// interval.
func clockChange(from, to time.Time, loc *time.Location) time.Time {
	_, start := from.In(loc).Zone()
	lo, hi := from.Unix(), to.Unix()
	for hi-lo > 1 {
		mid := lo + (hi-lo)/2
		if _, off := time.Unix(mid, 0).In(loc).Zone(); off == start {
			lo = mid
		} else {
			hi = mid
		}
	}
	return time.Unix(hi, 0).UTC()
}

// LocalLayout writes an instant in RFC 3339 with its numeric offset, never
// "Z", so a UK time in winter reads 2026-01-15T23:59:59+00:00; fractions
// of a second appear only when there are any.
const LocalLayout = "2006-01-02T15:04:05.999999999-07:00"

// UTCLayout writes an instant in UTC in RFC 3339, ending in Z.
const UTCLayout = "2006-01-02T15:04:05.999999999Z"

// FormatUTC writes t in UTC, ending in Z: 2026-03-30T10:00:00Z.
func FormatUTC(t time.Time) string { return t.UTC().Format(UTCLayout) }

// FormatLondon writes t in Europe/London with its offset:
// 2026-03-30T11:00:00+01:00.
func FormatLondon(t time.Time) (string, error) {
	loc, err := London()
	if err != nil {
		return "", err
	}
	return t.In(loc).Format(LocalLayout), nil
}

// stamp writes an instant as given, in RFC 3339 with its own offset.
func stamp(t time.Time) string { return t.Format(time.RFC3339Nano) }

// wall is a local clock time with its date and zone: "11:00 BST on
// Monday 30 March 2026".
func wall(t time.Time) string {
	return fmt.Sprintf("%s on %s", t.Format("15:04:05 MST"), fromTime(t).Long())
}

// spell writes a duration in words, to the second: "1 hour 30 minutes".
func spell(d time.Duration) string {
	d = d.Round(time.Second)
	var parts []string
	for _, u := range []struct {
		size      time.Duration
		one, many string
	}{{time.Hour, "hour", "hours"}, {time.Minute, "minute", "minutes"}, {time.Second, "second", "seconds"}} {
		if n := int(d / u.size); n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, plural(n, u.one, u.many)))
			d -= time.Duration(n) * u.size
		}
	}
	if len(parts) == 0 {
		return "under a second"
	}
	return strings.Join(parts, " ")
}
