// Package lists makes member lists: a rep or officer asks for the people in
// their scope for a stated purpose, and gets only the fields that purpose
// needs, without restricted people, without people who objected to
// marketing when the purpose is marketing, and, when it needs consent,
// only the people who gave it. The file is a password-protected XLSX or
// an age-encrypted CSV; its password is made for it, shown once and never
// kept. Every list is recorded with the exact people on it, who holds it
// and until when, and stays outstanding until its holder confirms they
// deleted it.
package lists

import (
	"slices"
	"strings"

	"github.com/stewardhq/steward/internal/apperr"
	"github.com/stewardhq/steward/internal/consent"
)

// Class is how a communication is classed for opt-outs: an objection to
// marketing stops marketing only (the rep's guide: opted-out members
// still take part in the union's democracy and get its operational
// messages). It is consent's classification.
type Class = consent.Class

const (
	ClassMarketing   = consent.ClassMarketing
	ClassOperational = consent.ClassOperational
	ClassDemocratic  = consent.ClassDemocratic
)

// Field is one column a purpose may include.
type Field string

const (
	FieldGivenName    Field = "given_name"
	FieldFamilyName   Field = "family_name"
	FieldWorkplace    Field = "workplace"
	FieldMembershipNo Field = "membership_no"
	FieldEmail        Field = "email"
	FieldPhone        Field = "phone"
	FieldAddress      Field = "address"
	FieldPostcode     Field = "postcode"
)

// Fields lists every field in column order.
func Fields() []Field {
	return []Field{FieldGivenName, FieldFamilyName, FieldWorkplace, FieldMembershipNo, FieldEmail, FieldPhone, FieldAddress, FieldPostcode}
}

// Label is the field's column heading.
func (f Field) Label() string {
	switch f {
	case FieldGivenName:
		return "Given name"
	case FieldFamilyName:
		return "Family name"
	case FieldWorkplace:
		return "Workplace"
	case FieldMembershipNo:
		return "Membership number"
	case FieldEmail:
		return "Email"
	case FieldPhone:
		return "Phone"
	case FieldAddress:
		return "Home address"
	case FieldPostcode:
		return "Postcode"
	}
	return string(f)
}

// Purpose is a reason to ask for a list, and everything that follows from
// it: which fields, which people.
type Purpose struct {
	Code  string `json:"code"`
	Label string `json:"label"`
	// Help says in a sentence what the list is for and why these fields.
	Help  string `json:"help"`
	Class Class  `json:"class"`
	// Fields are the only columns the file has, in this order.
	Fields []Field `json:"fields"`
	// Consent, when set, is the consent purpose a person must have given
	// to be on the list ("newsletters", "campaigns", "surveys").
	Consent string `json:"consent,omitempty"`
	// Former makes the list of people whose membership has ended instead
	// of current ones (an invitation to rejoin). Otherwise people who have
	// left are never on a list.
	Former bool `json:"former,omitempty"`
}

// Has reports whether the purpose includes the field.
func (p Purpose) Has(f Field) bool { return slices.Contains(p.Fields, f) }

// FieldLabels are the purpose's column headings, comma-separated.
func (p Purpose) FieldLabels() string {
	out := make([]string, len(p.Fields))
	for i, f := range p.Fields {
		out[i] = f.Label()
	}
	return strings.Join(out, ", ")
}

// Purposes is the catalogue, in the order a rep sees it. A purpose has the
// fewest fields that serve it: a ballot reminder is given in person or
// through the workplace, so it needs a name, a workplace and the
// membership number the ballot is checked against, never a home address;
// a postal ballot check is the one list with a home address.
func Purposes() []Purpose {
	return []Purpose{
		{Code: "ballot", Label: "Ballot or election reminder", Class: ClassDemocratic,
			Help:   "Remind members at your workplace to vote. Opted-out members are kept: taking part in the union's democracy is not marketing.",
			Fields: []Field{FieldGivenName, FieldFamilyName, FieldWorkplace, FieldMembershipNo}},
		{Code: "postal_ballot", Label: "Postal ballot address check", Class: ClassDemocratic,
			Help:   "Check that members' home addresses are right before a postal ballot. The only list with home addresses: use it for nothing else.",
			Fields: []Field{FieldGivenName, FieldFamilyName, FieldMembershipNo, FieldAddress, FieldPostcode}},
		{Code: "meeting", Label: "Meeting notice", Class: ClassOperational,
			Help:   "Tell members at your workplace about a union meeting. Send by email one by one or with every address in BCC.",
			Fields: []Field{FieldGivenName, FieldFamilyName, FieldWorkplace, FieldEmail}},
		{Code: "casework", Label: "Casework contact", Class: ClassOperational,
			Help:   "Reach members involved in a workplace issue you are handling.",
			Fields: []Field{FieldGivenName, FieldFamilyName, FieldWorkplace, FieldMembershipNo, FieldEmail, FieldPhone}},
		{Code: "survey", Label: "Workplace survey", Class: ClassMarketing, Consent: "surveys",
			Help:   "Invite members who agreed to surveys. Upload to a survey tool only the columns here, and delete them from it when the survey closes.",
			Fields: []Field{FieldGivenName, FieldEmail}},
		{Code: "newsletter", Label: "Newsletter", Class: ClassMarketing, Consent: "newsletters",
			Help:   "Send the newsletter to members who asked for it. Opted-out members are left out.",
			Fields: []Field{FieldGivenName, FieldFamilyName, FieldEmail}},
		{Code: "campaign", Label: "Campaign message", Class: ClassMarketing, Consent: "campaigns",
			Help:   "Campaign messages to members who agreed to them. Opted-out members are left out.",
			Fields: []Field{FieldGivenName, FieldFamilyName, FieldEmail}},
		{Code: "rejoin", Label: "Invitation to rejoin (former members)", Class: ClassMarketing, Consent: "campaigns", Former: true,
			Help:   "Former members who agreed to campaign messages. Opted-out people are left out.",
			Fields: []Field{FieldGivenName, FieldFamilyName, FieldEmail}},
	}
}

// PurposeByCode finds a purpose in the catalogue.
func PurposeByCode(code string) (Purpose, error) {
	for _, p := range Purposes() {
		if p.Code == code {
			return p, nil
		}
	}
	codes := make([]string, 0, len(Purposes()))
	for _, p := range Purposes() {
		codes = append(codes, p.Code)
	}
	return Purpose{}, apperr.New(apperr.Invalid, "Unknown purpose %q: choose one of %s.", code, strings.Join(codes, ", "))
}

// Format is the kind of file.
type Format string

const (
	// FormatXLSX is an Excel workbook encrypted with a password (it opens
	// in Excel and LibreOffice).
	FormatXLSX Format = "xlsx"
	// FormatAgeCSV is a CSV file encrypted with age under a passphrase.
	FormatAgeCSV Format = "csv.age"
)

func (f Format) check() error {
	if f != FormatXLSX && f != FormatAgeCSV {
		return apperr.New(apperr.Invalid, "Unknown format %q: use xlsx (a password-protected spreadsheet) or csv.age (an age-encrypted CSV).", string(f))
	}
	return nil
}
