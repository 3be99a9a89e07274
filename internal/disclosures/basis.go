package disclosures

// Basis is the lawful basis (UK GDPR Art 6(1)) or the DPA 2018 exemption a
// disclosure relies on, as a code.
type Basis string

// The catalogue. The Art 6 bases are those of the data map; the Schedule
// 2 exemptions are the ones a disclosure to the police, HMRC or a court
// relies on, which also let the organisation set aside the usual
// purpose-limitation and transparency rules as far as applying them would
// prejudice the purpose.
const (
	BasisConsent            Basis = "consent"
	BasisContract           Basis = "contract"
	BasisLegalObligation    Basis = "legal_obligation"
	BasisVitalInterests     Basis = "vital_interests"
	BasisPublicTask         Basis = "public_task"
	BasisLegitimateInterest Basis = "legitimate_interests"
	// BasisCrime: DPA 2018 Sch 2 para 2, crime and taxation (the
	// prevention or detection of crime, the apprehension or prosecution of
	// offenders, the assessment or collection of a tax).
	BasisCrime Basis = "sch2_crime_taxation"
	// BasisRequiredByLaw: DPA 2018 Sch 2 para 5(1)-(2), disclosure
	// required by an enactment, a rule of law or a court order.
	BasisRequiredByLaw Basis = "sch2_required_by_law"
	// BasisLegalProceedings: DPA 2018 Sch 2 para 5(3), disclosure
	// necessary for legal proceedings, legal advice or establishing,
	// exercising or defending legal rights.
	BasisLegalProceedings Basis = "sch2_legal_proceedings"
)

// BasisOption is one entry of the catalogue, for forms.
type BasisOption struct {
	Code  Basis  `json:"code"`
	Label string `json:"label"`
	// Exemption marks a DPA 2018 Schedule 2 exemption: the decision needs
	// its reasoning and the written request's reference.
	Exemption bool `json:"exemption"`
}

// Bases lists the catalogue in the order forms show it.
func Bases() []BasisOption {
	return []BasisOption{
		{BasisConsent, "Consent (UK GDPR Art 6(1)(a))", false},
		{BasisContract, "Contract with the person (Art 6(1)(b))", false},
		{BasisLegalObligation, "Legal obligation (Art 6(1)(c))", false},
		{BasisVitalInterests, "Vital interests (Art 6(1)(d))", false},
		{BasisPublicTask, "Public task (Art 6(1)(e))", false},
		{BasisLegitimateInterest, "Legitimate interests (Art 6(1)(f))", false},
		{BasisCrime, "Exemption: crime and taxation (DPA 2018 Sch 2 para 2)", true},
		{BasisRequiredByLaw, "Exemption: required by law or a court order (DPA 2018 Sch 2 para 5(1)-(2))", true},
		{BasisLegalProceedings, "Exemption: legal proceedings and legal rights (DPA 2018 Sch 2 para 5(3))", true},
	}
}

func (b Basis) option() (BasisOption, bool) {
	for _, o := range Bases() {
		if o.Code == b {
			return o, true
		}
	}
	return BasisOption{}, false
}

// Label is the basis in words.
func (b Basis) Label() string {
	if o, ok := b.option(); ok {
		return o.Label
	}
	return string(b)
}

// Exemption reports whether the basis is a Schedule 2 exemption.
func (b Basis) Exemption() bool {
	o, _ := b.option()
	return o.Exemption
}

// State is where a disclosure stands.
type State string

const (
	// StatePending: held until the DPO decides, because the recipient has
	// no current contract or is abroad without a recorded safeguard.
	// Nothing may be shared yet.
	StatePending  State = "pending"
	StateApproved State = "approved"
	StateRefused  State = "refused"
)

// Label is the state in words.
func (s State) Label() string {
	switch s {
	case StatePending:
		return "Waiting for the DPO"
	case StateApproved:
		return "Approved"
	case StateRefused:
		return "Refused"
	}
	return string(s)
}

// Hold codes: why a disclosure waits for the DPO.
const (
	HoldNoContract  = "no_contract"
	HoldNoSafeguard = "no_safeguard"
)

// HoldLabel says a hold code in words.
func HoldLabel(code string) string {
	switch code {
	case HoldNoContract:
		return "the recipient has no current contract in the data map"
	case HoldNoSafeguard:
		return "the recipient is outside the UK and no transfer safeguard is recorded"
	}
	return code
}
