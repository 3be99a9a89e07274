package importer

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/stewardhq/steward/internal/access"
	"github.com/stewardhq/steward/internal/apperr"
	"github.com/stewardhq/steward/internal/subjects"
)

// Problem is one reason a row was rejected: the line in the file, the
// column's header, and why, never the value.
type Problem struct {
	Line   int
	Column string
	Reason string
}

// unitIndex finds the units an actor may import into by id or by name.
type unitIndex struct {
	byID   map[string]*access.Unit
	byName map[string][]*access.Unit
}

func newUnitIndex(units []access.Unit, a *access.Actor) *unitIndex {
	ix := &unitIndex{byID: map[string]*access.Unit{}, byName: map[string][]*access.Unit{}}
	for i := range units {
		u := &units[i]
		if !a.CanIn(access.PermSubjectsImport, u.Path) {
			continue
		}
		ix.byID[u.ID] = u
		k := unitKey(u.Name)
		ix.byName[k] = append(ix.byName[k], u)
	}
	return ix
}

func unitKey(s string) string { return strings.ToLower(strings.Join(strings.Fields(s), " ")) }

// find resolves a cell or a flag to a unit.
func (ix *unitIndex) find(ref string) (*access.Unit, error) {
	ref = strings.TrimSpace(ref)
	if u := ix.byID[ref]; u != nil {
		return u, nil
	}
	switch us := ix.byName[unitKey(ref)]; len(us) {
	case 0:
		return nil, apperr.New(apperr.NotFound, "Unknown unit %q: no unit you may import into has that name or id (`steward unit list` shows them).", clip(ref))
	case 1:
		return us[0], nil
	default:
		return nil, apperr.New(apperr.Invalid, "%d units are called %q: give the unit's id instead.", len(us), clip(ref))
	}
}

// clip shortens a unit reference for an error message.
func clip(s string) string {
	if r := []rune(s); len(r) > 60 {
		return string(r[:60]) + "…"
	}
	return s
}

// parser turns a file's cells into import rows.
type parser struct {
	cols    *columns
	key     string
	units   *unitIndex
	unit    *access.Unit // --unit: every row's unit
	serials bool         // XLSX: dates may be serial numbers
	hash    func(field, v string) ([]byte, error)
}

// parse reads one row. A row with problems is rejected whole; its key hash
// is still returned when the key itself is valid, so a full refresh does
// not mark someone as left because another cell of their row was wrong.
func (p *parser) parse(line int, cells []string) (subjects.ImportRow, []Problem) {
	row := subjects.ImportRow{Line: line, Unit: p.unit}
	var probs []Problem
	bad := func(i int, reason string) {
		probs = append(probs, Problem{Line: line, Column: p.cols.header[i], Reason: reason})
	}
	var address []string
	for i, t := range p.cols.targets {
		if t == "" || i >= len(cells) {
			continue
		}
		v := strings.TrimSpace(cells[i])
		if v == "" {
			continue
		}
		switch t {
		case TargetUnit:
			if p.unit != nil {
				continue // --unit wins over the column
			}
			u, err := p.units.find(v)
			if err != nil {
				bad(i, "The unit is not one you may import into.")
				continue
			}
			row.Unit = u
		case TargetKind:
			k, err := subjects.ParseKind(v)
			if err != nil {
				bad(i, "The kind is not one of member, student, employee, applicant, volunteer, pupil, parent or contact.")
				continue
			}
			row.Kind = k
		default:
			if p.serials && isDate(t) {
				v = fromSerial(v)
			}
			if t == "phone" {
				v = spreadsheetPhone(v)
			}
			c, err := subjects.CleanField(t, v)
			if err != nil {
				bad(i, apperr.MessageOf(err))
				continue
			}
			switch t {
			case "address":
				address = append(address, c)
			case TargetJoinedOn:
				row.JoinedOn = c
			case TargetLeftOn:
				row.LeftOn = c
			case TargetInterviewOn:
				row.InterviewOn = c
			default:
				row.Profile.Set(t, c)
			}
		}
	}
	if len(address) > 0 {
		a, err := subjects.CleanField("address", strings.Join(address, "\n"))
		if err != nil {
			probs = append(probs, Problem{Line: line, Column: "address", Reason: apperr.MessageOf(err)})
		}
		row.Profile.Address = a
	}
	keyCol := p.cols.column(p.key)
	kv := row.Profile.Get(p.key)
	switch {
	case kv != "":
		h, err := p.hash(p.key, kv)
		if err != nil {
			bad(keyCol, apperr.MessageOf(err))
		}
		row.KeyHash = h
	case !hasProblemIn(probs, p.cols.header[keyCol]):
		bad(keyCol, fmt.Sprintf("The %s is missing: rows are matched to people by it.", label(p.key)))
	}
	return row, probs
}

func hasProblemIn(probs []Problem, col string) bool {
	for _, p := range probs {
		if p.Column == col {
			return true
		}
	}
	return false
}

// column is the position of the (first) column mapped to target, or -1.
func (c *columns) column(target string) int {
	for i, t := range c.targets {
		if t == target {
			return i
		}
	}
	return -1
}

func isDate(t string) bool {
	switch t {
	case "date_of_birth", TargetJoinedOn, TargetLeftOn, TargetInterviewOn:
		return true
	}
	return false
}

// fromSerial turns an Excel date serial (days since 1899-12-30, the
// 1900 date system) into YYYY-MM-DD; anything else is returned as is.
func fromSerial(v string) string {
	whole, _, _ := strings.Cut(v, ".")
	n, err := strconv.Atoi(whole)
	if err != nil || n < 1 || n > 2958465 {
		return v
	}
	return time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC).AddDate(0, 0, n).Format(time.DateOnly)
}

// spreadsheetPhone puts back what a spreadsheet takes from a phone number
// it has read as a number: the leading 0 of a UK number (7700900123 was
// 07700 900123) or the + of an international one written with 44 first.
// Only bare digits are touched, and only lengths no written UK number has,
// so a number typed with its 0 or its + is never changed.
func spreadsheetPhone(v string) string {
	for _, r := range v {
		if r < '0' || r > '9' {
			return v
		}
	}
	switch {
	case (len(v) == 9 || len(v) == 10) && v[0] != '0':
		return "0" + v
	case len(v) == 12 && strings.HasPrefix(v, "44"):
		return "+" + v
	}
	return v
}
