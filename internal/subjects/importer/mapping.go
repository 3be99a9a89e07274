package importer

import (
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"sort"
	"strings"
	"unicode"

	"github.com/stewardhq/steward/internal/apperr"
	"github.com/stewardhq/steward/internal/subjects"
)

// Targets a column can map to besides the profile fields.
const (
	TargetUnit        = "unit"
	TargetKind        = "kind"
	TargetJoinedOn    = "joined_on"
	TargetLeftOn      = "left_on"
	TargetInterviewOn = "interview_on"
	// TargetIgnore skips a column that would otherwise be matched.
	TargetIgnore = "ignore"
)

// Targets lists every field a column can map to.
func Targets() []string {
	return append(subjects.Fields(), TargetUnit, TargetKind, TargetJoinedOn, TargetLeftOn, TargetInterviewOn)
}

// synonyms are the header names matched automatically, compared after
// folding case and dropping everything but letters and digits.
func synonyms() map[string][]string {
	return map[string][]string{
		"given_name":      {"givenname", "givennames", "firstname", "forename", "forenames", "first", "christianname"},
		"family_name":     {"familyname", "surname", "lastname", "last"},
		"email":           {"email", "emailaddress", "mail", "personalemail", "homeemail"},
		"phone":           {"phone", "mobile", "mobilephone", "mobilenumber", "mobileno", "phonenumber", "telephone", "tel", "telephonenumber", "contactnumber"},
		"address":         {"address", "postaladdress", "homeaddress", "street", "address1", "addressline1", "address2", "addressline2", "address3", "addressline3", "town", "city"},
		"postcode":        {"postcode", "postalcode", "zip", "zipcode"},
		"ni_number":       {"ninumber", "nino", "ni", "nationalinsurance", "nationalinsurancenumber", "nationalinsuranceno"},
		"date_of_birth":   {"dateofbirth", "dob", "birthdate", "birthday", "born"},
		"membership_no":   {"membershipno", "membershipnumber", "membershipid", "memberno", "membernumber", "memberid", "membership"},
		TargetUnit:        {"unit", "workplace", "workplacename", "school", "college", "employer", "site", "branch", "unitid"},
		TargetKind:        {"kind", "type", "membertype", "membershiptype", "category"},
		TargetJoinedOn:    {"joinedon", "joined", "datejoined", "joindate", "joiningdate", "startdate", "memberSince"},
		TargetLeftOn:      {"lefton", "left", "dateleft", "leavingdate", "leftdate", "enddate"},
		TargetInterviewOn: {"interviewon", "interview", "interviewdate", "dateofinterview"},
	}
}

func fold(h string) string {
	var sb strings.Builder
	for _, r := range strings.ToLower(h) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			sb.WriteRune(r)
		}
	}
	return sb.String()
}

// multi reports whether several columns may map to a target: address lines
// are joined, one per line; everything else takes one column.
func multi(target string) bool { return target == "address" }

// Mapping says which file column feeds which field. It is what
// --mapping reads and --save-mapping writes.
type Mapping struct {
	// Columns maps a header, exactly as in the file, to a target (or
	// "ignore").
	Columns map[string]string `json:"columns"`
}

// LoadMapping reads a mapping file.
func LoadMapping(path string) (*Mapping, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read mapping %s: %w", path, err)
	}
	var m Mapping
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, apperr.Wrap(err, apperr.Invalid, "The mapping file %s is not valid JSON of the form {\"columns\": {\"Header\": \"field\"}}.", path)
	}
	return &m, m.check()
}

// Save writes the mapping as JSON.
func (m *Mapping) Save(path string) error {
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(path, append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("write mapping %s: %w", path, err)
	}
	return nil
}

func (m *Mapping) check() error {
	for h, t := range m.Columns {
		if t != TargetIgnore && !slices.Contains(Targets(), t) {
			return apperr.New(apperr.Invalid, "The column %q is mapped to %q, which is not a field. Use one of: %s, or ignore.", h, t, strings.Join(Targets(), ", "))
		}
	}
	return nil
}

// ParseMap reads --map flags of the form "Header=field".
func ParseMap(flags []string) (*Mapping, error) {
	m := &Mapping{Columns: map[string]string{}}
	for _, f := range flags {
		h, t, ok := strings.Cut(f, "=")
		if !ok || strings.TrimSpace(h) == "" {
			return nil, apperr.New(apperr.Invalid, "--map %q: use --map \"Header=field\".", f)
		}
		m.Columns[strings.TrimSpace(h)] = strings.ToLower(strings.TrimSpace(t))
	}
	return m, m.check()
}

// columns is a resolved mapping: for each header position, its target ("" =
// not used).
type columns struct {
	header  []string
	targets []string
}

// resolve maps each header: an explicit mapping (from overrides first, then
// saved) wins, then a synonym. A target taken twice is an error unless it
// joins (address), because guessing which column is meant would import the
// wrong data silently.
func resolve(header []string, overrides ...*Mapping) (*columns, error) {
	syn := map[string]string{}
	for t, names := range synonyms() {
		for _, n := range names {
			syn[strings.ToLower(n)] = t
		}
	}
	c := &columns{header: header, targets: make([]string, len(header))}
	used := map[string]string{}
	explicit := map[string]bool{}
	for _, m := range overrides {
		if m == nil {
			continue
		}
		for h := range m.Columns {
			if !slices.ContainsFunc(header, func(x string) bool { return strings.EqualFold(x, h) }) {
				return nil, apperr.New(apperr.Invalid, "The mapping names the column %q, which the file does not have. Its columns are: %s.", h, strings.Join(header, ", "))
			}
		}
	}
	for i, h := range header {
		t, found := "", false
		for _, m := range overrides {
			if m == nil || found {
				continue
			}
			for mh, mt := range m.Columns {
				if strings.EqualFold(mh, h) {
					t, found = mt, true
				}
			}
		}
		if found {
			explicit[h] = true
		} else {
			t = syn[fold(h)]
		}
		if t == "" || t == TargetIgnore {
			continue
		}
		if prev, ok := used[t]; ok && !multi(t) {
			if !explicit[h] {
				continue // a second guess for a field already matched is left unused
			}
			return nil, apperr.New(apperr.Invalid, "The columns %q and %q both map to %s; map one of them to ignore.", prev, h, t)
		}
		used[t] = h
		c.targets[i] = t
	}
	return c, nil
}

// mapping returns the resolved mapping in saveable form.
func (c *columns) mapping() *Mapping {
	m := &Mapping{Columns: map[string]string{}}
	for i, h := range c.header {
		if h == "" {
			continue
		}
		t := c.targets[i]
		if t == "" {
			t = TargetIgnore
		}
		m.Columns[h] = t
	}
	return m
}

// has reports whether some column maps to target.
func (c *columns) has(target string) bool { return slices.Contains(c.targets, target) }

// unused lists the headers that feed nothing, for the summary.
func (c *columns) unused() []string {
	var out []string
	for i, h := range c.header {
		if c.targets[i] == "" && h != "" {
			out = append(out, h)
		}
	}
	sort.Strings(out)
	return out
}

// describe lists "Header → field" pairs for the summary.
func (c *columns) describe() []string {
	var out []string
	for i, h := range c.header {
		if c.targets[i] != "" {
			out = append(out, fmt.Sprintf("%s → %s", h, c.targets[i]))
		}
	}
	return out
}
