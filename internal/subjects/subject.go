// Package subjects is the member register: the people an organisation holds
// data about, their identifiers sealed under each person's own key and
// blind-indexed for exact search, their lifecycle dates, and the history of
// every rectification. Every read of a person is audited, and every query
// is limited to the caller's units.
package subjects

import (
	"strings"
	"time"
	"unicode/utf8"

	"github.com/stewardhq/steward/internal/apperr"
	"github.com/stewardhq/steward/internal/vault"
)

// Kind is the kind of data subject.
type Kind string

const (
	KindMember    Kind = "member"
	KindStudent   Kind = "student"
	KindEmployee  Kind = "employee"
	KindApplicant Kind = "applicant"
	KindVolunteer Kind = "volunteer"
	KindPupil     Kind = "pupil"
	KindParent    Kind = "parent"
	KindContact   Kind = "contact"
)

// Kinds lists every kind in display order.
func Kinds() []Kind {
	return []Kind{KindMember, KindStudent, KindEmployee, KindApplicant, KindVolunteer, KindPupil, KindParent, KindContact}
}

// ParseKind validates a kind, accepting "parent/guardian" and "guardian".
func ParseKind(s string) (Kind, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	switch s {
	case "parent/guardian", "guardian":
		return KindParent, nil
	case "":
		return KindMember, nil
	}
	for _, k := range Kinds() {
		if string(k) == s {
			return k, nil
		}
	}
	return "", apperr.New(apperr.Invalid, "Unknown kind of person %q: use member, student, employee, applicant, volunteer, pupil, parent or contact.", s)
}

// Status says whether a person is current.
type Status string

const (
	StatusActive Status = "active"
	StatusLeft   Status = "left"
)

// Profile holds the identifiers of a person. It is sealed as a whole under
// the person's key and never stored in clear.
type Profile struct {
	GivenName    string `json:"given_name,omitempty"`
	FamilyName   string `json:"family_name,omitempty"`
	Email        string `json:"email,omitempty"`
	Phone        string `json:"phone,omitempty"`
	Address      string `json:"address,omitempty"`
	Postcode     string `json:"postcode,omitempty"`
	NINumber     string `json:"ni_number,omitempty"`
	DateOfBirth  string `json:"date_of_birth,omitempty"`
	MembershipNo string `json:"membership_no,omitempty"`
}

// FullName is the name as shown.
func (p Profile) FullName() string {
	return strings.TrimSpace(p.GivenName + " " + p.FamilyName)
}

// Fields names the profile's fields in order, for forms, history and import.
func Fields() []string {
	return []string{"given_name", "family_name", "email", "phone", "address", "postcode", "ni_number", "date_of_birth", "membership_no"}
}

// Get returns a field by name.
func (p *Profile) Get(field string) string {
	if f := p.field(field); f != nil {
		return *f
	}
	return ""
}

// Set sets a field by name, reporting whether the name is known.
func (p *Profile) Set(field, v string) bool {
	f := p.field(field)
	if f == nil {
		return false
	}
	*f = v
	return true
}

func (p *Profile) field(name string) *string {
	switch name {
	case "given_name":
		return &p.GivenName
	case "family_name":
		return &p.FamilyName
	case "email":
		return &p.Email
	case "phone":
		return &p.Phone
	case "address":
		return &p.Address
	case "postcode":
		return &p.Postcode
	case "ni_number":
		return &p.NINumber
	case "date_of_birth":
		return &p.DateOfBirth
	case "membership_no":
		return &p.MembershipNo
	}
	return nil
}

// fieldLabel is a field's name for messages.
func fieldLabel(f string) string {
	return strings.ReplaceAll(f, "_", " ")
}

// fieldKinds maps a profile field to the blind-index normaliser that
// validates it; fields without one (names, address) are free text.
func fieldKind(f string) (vault.IndexKind, bool) {
	// A family name is indexed, but as free text: it has no shape to check.
	if d, ok := indexOfField(f); ok && f != "family_name" {
		return d.vk, true
	}
	return "", false
}

// Clean trims every field and checks each against its rules, returning the
// first problem with the field named. Dates are stored as YYYY-MM-DD.
func (p *Profile) Clean() error {
	for _, f := range Fields() {
		v := strings.TrimSpace(p.Get(f))
		if f == "address" {
			v = strings.ReplaceAll(v, "\r\n", "\n")
		}
		if !utf8.ValidString(v) || utf8.RuneCountInString(v) > 300 {
			return apperr.New(apperr.Invalid, "The %s is too long or not valid text (300 characters at most).", fieldLabel(f))
		}
		if k, ok := fieldKind(f); ok && v != "" {
			n, err := vault.Normalise(k, v)
			if err != nil {
				return apperr.New(apperr.Invalid, "The %s is not valid: %s", fieldLabel(f), apperr.MessageOf(err))
			}
			if k == vault.IndexDate || k == vault.IndexNINumber || k == vault.IndexPostcode {
				v = n
			}
		}
		p.Set(f, v)
	}
	if p.GivenName == "" && p.FamilyName == "" {
		return apperr.New(apperr.Invalid, "A person needs a given name or a family name.")
	}
	return nil
}

// Subject is a person as a service returns them.
type Subject struct {
	ID          string    `json:"id"`
	UnitID      string    `json:"unit_id"`
	Kind        Kind      `json:"kind"`
	Status      Status    `json:"status"`
	Restricted  bool      `json:"restricted"`
	Child       bool      `json:"child"`
	JoinedOn    string    `json:"joined_on,omitempty"`
	LeftOn      string    `json:"left_on,omitempty"`
	InterviewOn string    `json:"interview_on,omitempty"`
	Profile     Profile   `json:"profile"`
	Version     int64     `json:"version"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
	// Erased is set when the person's key is gone: the row remains until
	// its deletion, but nothing in it can be read.
	Erased bool `json:"erased,omitempty"`
}

// Input is what creates or replaces a person's record.
type Input struct {
	UnitID      string
	Kind        Kind
	Profile     Profile
	JoinedOn    string
	LeftOn      string
	InterviewOn string
}

// cleanDate validates an optional lifecycle date.
func cleanDate(label, v string) (string, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return "", nil
	}
	n, err := vault.Normalise(vault.IndexDate, v)
	if err != nil {
		return "", apperr.New(apperr.Invalid, "The %s date is not valid: use YYYY-MM-DD or DD/MM/YYYY.", label)
	}
	return n, nil
}

func (in *Input) clean() error {
	if err := in.Profile.Clean(); err != nil {
		return err
	}
	var err error
	if in.JoinedOn, err = cleanDate("joined", in.JoinedOn); err != nil {
		return err
	}
	if in.LeftOn, err = cleanDate("left", in.LeftOn); err != nil {
		return err
	}
	if in.InterviewOn, err = cleanDate("interview", in.InterviewOn); err != nil {
		return err
	}
	if in.JoinedOn != "" && in.LeftOn != "" && in.LeftOn < in.JoinedOn {
		return apperr.New(apperr.Invalid, "The left date %s is before the joined date %s.", in.LeftOn, in.JoinedOn)
	}
	if in.Kind == "" {
		in.Kind = KindMember
	}
	if _, err := ParseKind(string(in.Kind)); err != nil {
		return err
	}
	return nil
}
