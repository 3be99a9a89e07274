package datamap

// The closed vocabularies of the data map. Each is a small ordered list of
// code and label, so forms, validation and the export agree on one wording.

// Option is one value of a closed vocabulary with the label people read.
type Option struct {
	Code  string `json:"code"`
	Label string `json:"label"`
}

func labelOf(opts []Option, code string) string {
	for _, o := range opts {
		if o.Code == code {
			return o.Label
		}
	}
	return code
}

func known(opts []Option, code string) bool {
	for _, o := range opts {
		if o.Code == code {
			return true
		}
	}
	return false
}

// Special marks a data category as special (Art 9(1)) or criminal offence
// data (Art 10). Empty means ordinary personal data.
type Special string

const (
	SpecialNone         Special = ""
	SpecialRacialEthnic Special = "racial_ethnic"
	SpecialPolitical    Special = "political"
	SpecialReligious    Special = "religious"
	SpecialTradeUnion   Special = "trade_union"
	SpecialGenetic      Special = "genetic"
	SpecialBiometric    Special = "biometric"
	SpecialHealth       Special = "health"
	SpecialSexLife      Special = "sex_life"
	SpecialCriminal     Special = "criminal"
)

// IsArt9 reports whether the category is one of the Art 9(1) special
// categories, which need an Art 9(2) condition besides an Art 6 basis.
func (s Special) IsArt9() bool { return s != SpecialNone && s != SpecialCriminal }

// IsCriminal reports whether the category is criminal offence data (Art 10).
func (s Special) IsCriminal() bool { return s == SpecialCriminal }

// Label is the plain-English name of the marker.
func (s Special) Label() string { return labelOf(SpecialOptions(), string(s)) }

// SpecialOptions lists the markers in the order of Art 9(1), then Art 10.
func SpecialOptions() []Option {
	return []Option{
		{"", "Ordinary personal data"},
		{string(SpecialRacialEthnic), "Special category: racial or ethnic origin (Art 9(1))"},
		{string(SpecialPolitical), "Special category: political opinions (Art 9(1))"},
		{string(SpecialReligious), "Special category: religious or philosophical beliefs (Art 9(1))"},
		{string(SpecialTradeUnion), "Special category: trade union membership (Art 9(1))"},
		{string(SpecialGenetic), "Special category: genetic data (Art 9(1))"},
		{string(SpecialBiometric), "Special category: biometric data for identification (Art 9(1))"},
		{string(SpecialHealth), "Special category: health (Art 9(1))"},
		{string(SpecialSexLife), "Special category: sex life or sexual orientation (Art 9(1))"},
		{string(SpecialCriminal), "Criminal offence data (Art 10)"},
	}
}

// LawfulBasisOptions lists the Art 6(1) bases.
func LawfulBasisOptions() []Option {
	return []Option{
		{"a", "Art 6(1)(a) consent"},
		{"b", "Art 6(1)(b) contract"},
		{"c", "Art 6(1)(c) legal obligation"},
		{"d", "Art 6(1)(d) vital interests"},
		{"e", "Art 6(1)(e) public task"},
		{"f", "Art 6(1)(f) legitimate interests"},
	}
}

// Art9Options lists the Art 9(2) conditions.
func Art9Options() []Option {
	return []Option{
		{"a", "Art 9(2)(a) explicit consent"},
		{"b", "Art 9(2)(b) employment, social security and social protection law"},
		{"c", "Art 9(2)(c) vital interests of someone incapable of consenting"},
		{"d", "Art 9(2)(d) legitimate activities of a not-for-profit body with a trade-union, political, philosophical or religious aim"},
		{"e", "Art 9(2)(e) made manifestly public by the data subject"},
		{"f", "Art 9(2)(f) legal claims or courts acting judicially"},
		{"g", "Art 9(2)(g) substantial public interest"},
		{"h", "Art 9(2)(h) health or social care"},
		{"i", "Art 9(2)(i) public health"},
		{"j", "Art 9(2)(j) archiving, research or statistics"},
	}
}

// art9NeedsSch1 reports whether an Art 9(2) condition applies in the UK only
// with a condition of DPA 2018 Sch 1 (s.10(2)-(3)).
func art9NeedsSch1(c string) bool {
	switch c {
	case "b", "g", "h", "i", "j":
		return true
	}
	return false
}

// art9NeedsAPD reports whether the Sch 1 condition behind an Art 9(2)
// condition needs an appropriate policy document (Sch 1 para 1(1)(b) for
// employment law; para 5 for the Part 2 substantial public interest
// conditions, save the few that do not, which the DPO records by hand).
func art9NeedsAPD(c string) bool { return c == "b" || c == "g" }

// SystemKindOptions lists the kinds of system where data can live.
func SystemKindOptions() []Option {
	return []Option{
		{"steward", "Steward"},
		{"mailbox", "Mailbox"},
		{"cloud_drive", "Cloud drive"},
		{"survey_tool", "Survey tool"},
		{"paper", "Paper files"},
		{"processor_system", "A processor's system"},
		{"database", "Database"},
		{"other", "Other"},
	}
}

// RecipientKindOptions lists the kinds of recipient.
func RecipientKindOptions() []Option {
	return []Option{
		{"processor", "Processor (acts on our instructions, Art 28)"},
		{"controller", "Another controller"},
		{"public_authority", "Public authority"},
		{"employer", "Employer"},
		{"other", "Other"},
	}
}

// ContractStatusOptions lists the states of a contract with a recipient.
func ContractStatusOptions() []Option {
	return []Option{
		{"none", "No contract"},
		{"draft", "Draft"},
		{"signed", "Signed"},
		{"expired", "Expired"},
	}
}

// Safeguards for a transfer outside the UK (UK GDPR Chapter V).
const safeguardCompelling = "art49_compelling"

// SafeguardOptions lists the transfer mechanisms.
func SafeguardOptions() []Option {
	return []Option{
		{"adequacy", "UK adequacy regulations (Art 45)"},
		{"idta", "ICO International Data Transfer Agreement (Art 46)"},
		{"uk_addendum", "UK Addendum to the EU standard contractual clauses (Art 46)"},
		{"bcr", "Binding corporate rules (Art 47)"},
		{"art49_consent", "Art 49(1)(a) explicit consent after being told the risks"},
		{"art49_contract", "Art 49(1)(b)/(c) necessary for a contract"},
		{"art49_public_interest", "Art 49(1)(d) important public interest"},
		{"art49_legal_claims", "Art 49(1)(e) legal claims"},
		{"art49_vital_interests", "Art 49(1)(f) vital interests"},
		{"art49_public_register", "Art 49(1)(g) public register"},
		{safeguardCompelling, "Art 49(1) second subparagraph: compelling legitimate interests (one-off, documented, ICO told)"},
	}
}
