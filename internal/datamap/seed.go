package datamap

import (
	"context"
	"fmt"

	"github.com/stewardhq/steward/internal/store"
)

// seedActivity is an activity of the default map, linking by name because
// ids are made as it is stored.
type seedActivity struct {
	Activity
	categories, recipients, systems []string
}

// defaultMap is a realistic data map for a trade union: what a DPO would
// write down for a first record, including one deliberate gap (a survey
// processor whose contract is still a draft) so validation has something
// to show.
func defaultMap() ([]Category, []System, []Recipient, []seedActivity) {
	cats := []Category{
		{Name: "Identity and contact details", Description: "Names, postal and email addresses, phone numbers, membership number, date of birth."},
		{Name: "Employment details", Description: "Employer, workplace, job title, grade, hours, payroll number."},
		{Name: "Trade union membership", Description: "The fact of membership, its dates, branch and offices held.", Special: SpecialTradeUnion},
		{Name: "Subscription and bank details", Description: "Subscription rate, payment method, bank account for direct debit, check-off deductions."},
		{Name: "Health and sickness information", Description: "Sickness absence, disability and reasonable adjustments, occupational health reports.", Special: SpecialHealth},
		{Name: "Criminal records checks (DBS)", Description: "Disclosure and Barring Service results and related allegations or convictions.", Special: SpecialCriminal},
		{Name: "Equality monitoring: ethnic origin", Description: "Ethnic origin given on equality monitoring forms.", Special: SpecialRacialEthnic},
		{Name: "Political opinions", Description: "Support for campaigns and the political fund.", Special: SpecialPolitical},
		{Name: "Casework notes and correspondence", Description: "Notes of meetings, grievances, disciplinaries, letters and emails about a member's case."},
		{Name: "Ballot and election records", Description: "Eligibility to vote, ballot papers issued, nominations."},
		{Name: "Marketing preferences", Description: "Consents and opt-outs for campaigns and offers."},
		{Name: "CCTV images", Description: "Recordings from the cameras at the office entrances."},
		{Name: "Recruitment information", Description: "Applications, CVs, interview notes, references."},
		{Name: "Accident and incident reports", Description: "What happened, where, who was involved and injuries."},
		{Name: "Access and dietary requirements", Description: "Needs given when booking events, which can reveal health.", Special: SpecialHealth},
	}
	systems := []System{
		{Name: "Steward", Kind: "steward", Owner: "Data Protection Officer", Location: "Union servers", Country: "United Kingdom", SearchableBySteward: true},
		{Name: "Office mailbox", Kind: "mailbox", Owner: "Office manager", Location: "Hosted email service", Country: "United Kingdom", Notes: "Shared inbox for membership and general enquiries."},
		{Name: "Shared cloud drive", Kind: "cloud_drive", Owner: "Head of operations", Location: "Cloud storage, UK region", Country: "United Kingdom"},
		{Name: "Online survey tool", Kind: "survey_tool", Owner: "Campaigns officer", Location: "Survey provider's service", Country: "United States"},
		{Name: "Paper files at head office", Kind: "paper", Owner: "Office manager", Location: "Locked cabinets, records room", Country: "United Kingdom"},
		{Name: "Payroll and check-off bureau system", Kind: "processor_system", Owner: "Finance manager", Location: "Bureau's hosted payroll system", Country: "United Kingdom"},
		{Name: "CCTV recorder", Kind: "other", Owner: "Office manager", Location: "Comms cupboard, head office", Country: "United Kingdom", Notes: "Overwrites after 31 days."},
	}
	recipients := []Recipient{
		{Name: "Mailing house", Kind: "processor", Contact: "Account manager, via the contract portal", ContractStatus: "signed", ContractSigned: "2025-04-01", ContractReview: "2028-03-31", Country: "United Kingdom"},
		{Name: "Employers (check-off)", Kind: "employer", Contact: "Each employer's payroll team", Country: "United Kingdom", Notes: "Only members who chose to pay by deduction from pay."},
		{Name: "Payroll and check-off bureau", Kind: "processor", Contact: "Bureau client services", ContractStatus: "signed", ContractSigned: "2024-09-01", ContractReview: "2027-08-31", Country: "United Kingdom"},
		{Name: "HM Revenue and Customs", Kind: "public_authority", Contact: "PAYE and RTI submissions", Country: "United Kingdom"},
		{Name: "Union solicitors", Kind: "controller", Contact: "Panel firm, legal services team", Country: "United Kingdom", Notes: "Act for members referred for legal advice; controllers in their own right."},
		{Name: "Information Commissioner's Office", Kind: "public_authority", Contact: "casework@ico.org.uk", Country: "United Kingdom", Notes: "Breach notifications and complaints only."},
		{Name: "Independent scrutineer", Kind: "processor", Contact: "Ballot services", ContractStatus: "signed", ContractSigned: "2025-01-15", ContractReview: "2028-01-14", Country: "United Kingdom"},
		{Name: "Survey provider", Kind: "processor", Contact: "Vendor support", ContractStatus: "draft", Country: "United States", Safeguard: "ICO International Data Transfer Agreement"},
		{Name: "Health and Safety Executive", Kind: "public_authority", Contact: "RIDDOR reporting", Country: "United Kingdom"},
	}
	security := "Encryption at rest with a key per person; TLS in transit; role-based access limited to the unit; two-factor sign-in for staff with wide access; audit log of every access; staff training and a signed confidentiality policy."
	notice := "Members' privacy notice, version 3, on the website and in the joining pack."
	acts := []seedActivity{
		{Activity{Name: "Membership administration", Purposes: "Admitting members, keeping the register, collecting subscriptions, sending statutory and operational communications.",
			DataSubjects: "Members, former members and applicants for membership.", LawfulBasis: "b", LawfulBasisDetail: "The contract of membership under the rules of the union.",
			Art9Condition: "d", RetentionRule: "While a member, then 6 years after membership ends.", RetentionMonths: 72, SecurityMeasures: security, PrivacyNotice: notice, Owner: "Head of membership"},
			[]string{"Identity and contact details", "Employment details", "Trade union membership", "Subscription and bank details"},
			[]string{"Mailing house", "Employers (check-off)", "Payroll and check-off bureau", "Information Commissioner's Office"},
			[]string{"Steward", "Office mailbox", "Paper files at head office", "Payroll and check-off bureau system"}},
		{Activity{Name: "Casework and representation", Purposes: "Advising and representing members at work: grievances, disciplinaries, sickness absence, referrals for legal advice.",
			DataSubjects: "Members, and colleagues and managers named in a case.", LawfulBasis: "b", LawfulBasisDetail: "Representation is a benefit of membership under the rules.",
			Art9Condition: "f", Art10Basis: "DPA 2018 Sch 1 Part 3 para 33 (legal claims)", RetentionRule: "6 years after the case is closed; 15 years for personal injury cases.", RetentionMonths: 72,
			SecurityMeasures: security, PrivacyNotice: notice, Owner: "Head of organising"},
			[]string{"Identity and contact details", "Employment details", "Trade union membership", "Casework notes and correspondence", "Health and sickness information", "Criminal records checks (DBS)"},
			[]string{"Union solicitors", "Employers (check-off)"},
			[]string{"Steward", "Office mailbox", "Shared cloud drive", "Paper files at head office"}},
		{Activity{Name: "Elections and ballots", Purposes: "Running statutory elections and industrial action ballots.",
			DataSubjects: "Members entitled to vote.", LawfulBasis: "c", LawfulBasisDetail: "Trade Union and Labour Relations (Consolidation) Act 1992, ss.24, 46-56 and 226-234.",
			Art9Condition: "d", RetentionRule: "1 year after the result is declared (s.51A and s.231B records kept for the statutory period).", RetentionMonths: 12,
			SecurityMeasures: security, PrivacyNotice: notice, Owner: "General secretary's office"},
			[]string{"Identity and contact details", "Trade union membership", "Ballot and election records"},
			[]string{"Independent scrutineer", "Mailing house"},
			[]string{"Steward"}},
		{Activity{Name: "Marketing and campaigns", Purposes: "Telling members and supporters about campaigns, offers and surveys they asked for.",
			DataSubjects: "Members and supporters who opted in.", LawfulBasis: "a", LawfulBasisDetail: "Consent given in the joining form or the preference centre (PECR reg 22 for email).",
			Art9Condition: "a", RetentionRule: "Until consent is withdrawn; opt-outs kept on the suppression list.", SecurityMeasures: security, PrivacyNotice: notice, Owner: "Campaigns officer",
			Transfers: []Transfer{{Destination: "United States", Safeguard: "idta", Documentation: "IDTA signed with the survey provider; transfer risk assessment on the shared drive."}}},
			[]string{"Identity and contact details", "Marketing preferences", "Political opinions"},
			[]string{"Mailing house", "Survey provider"},
			[]string{"Steward", "Online survey tool"}},
		{Activity{Name: "Events", Purposes: "Booking and running conferences, training courses and branch meetings.",
			DataSubjects: "Members, guests and speakers.", LawfulBasis: "b", Art9Condition: "a", LawfulBasisDetail: "Booking terms; explicit consent for access and dietary needs.",
			RetentionRule: "1 year after the event.", RetentionMonths: 12, SecurityMeasures: security, PrivacyNotice: notice, Owner: "Events coordinator"},
			[]string{"Identity and contact details", "Access and dietary requirements"},
			nil,
			[]string{"Shared cloud drive", "Office mailbox"}},
		{Activity{Name: "CCTV at the office", Purposes: "Security of the building, staff and visitors.",
			DataSubjects: "Staff, members and visitors at head office.", LawfulBasis: "f", LawfulBasisDetail: "Legitimate interest in keeping people and property safe; assessment on file.",
			RetentionRule: "31 days, then overwritten unless needed for an incident.", RetentionMonths: 1, SecurityMeasures: "Recorder in a locked room; viewing by the office manager only; access logged.",
			PrivacyNotice: "Signs at each entrance and the CCTV notice on the website.", Owner: "Office manager"},
			[]string{"CCTV images"},
			nil,
			[]string{"CCTV recorder"}},
		{Activity{Name: "Staff recruitment", Purposes: "Recruiting the union's own staff, including pre-employment checks and equality monitoring.",
			DataSubjects: "Job applicants.", LawfulBasis: "b", LawfulBasisDetail: "Steps at the applicant's request before entering a contract; legal obligation for right-to-work checks.",
			Art9Condition: "b", Sch1Condition: "DPA 2018 Sch 1 Part 1 para 1 (employment); Part 2 para 8 (equality of opportunity) for monitoring",
			Art10Basis: "DPA 2018 Sch 1 Part 1 para 1 (employment), for roles working with young members", APDRequired: true,
			APDReference: "Appropriate policy document for special category and criminal offence data, version 2 (2026)", APDRetention: "Yes: retained and erased as the APD describes.",
			RetentionRule: "6 months after the post is filled for unsuccessful applicants; DBS results deleted 6 months after the decision.", RetentionMonths: 6,
			SecurityMeasures: security, PrivacyNotice: "Applicants' privacy notice, version 2.", Owner: "HR manager"},
			[]string{"Identity and contact details", "Recruitment information", "Criminal records checks (DBS)", "Equality monitoring: ethnic origin", "Health and sickness information"},
			[]string{"HM Revenue and Customs"},
			[]string{"Shared cloud drive", "Office mailbox"}},
		{Activity{Name: "Health and safety and accident reporting", Purposes: "Recording accidents and incidents at union premises and events, and reporting those RIDDOR requires.",
			DataSubjects: "Staff, members and visitors.", LawfulBasis: "c", LawfulBasisDetail: "Reporting of Injuries, Diseases and Dangerous Occurrences Regulations 2013; Social Security (Claims and Payments) Regulations 1979 (accident book).",
			Art9Condition: "b", Sch1Condition: "DPA 2018 Sch 1 Part 1 para 1 (health and safety obligations in employment)",
			APDReference: "Appropriate policy document for special category and criminal offence data, version 2 (2026)", APDRetention: "Yes.",
			RetentionRule: "3 years after the entry (accident book); 40 years where exposure to hazardous substances is recorded.", RetentionMonths: 36,
			SecurityMeasures: security, PrivacyNotice: notice, Owner: "Health and safety officer"},
			[]string{"Identity and contact details", "Accident and incident reports", "Health and sickness information"},
			[]string{"Health and Safety Executive"},
			[]string{"Steward", "Paper files at head office"}},
	}
	return cats, systems, recipients, acts
}

// Seed fills an empty data map with a realistic one for a union, and the
// controller's details with ctl (a placeholder where ctl.Name is empty).
// A map that already has an activity is left alone, so the demo can run it
// again on the same data. Seeding needs datamap:write like any change; the
// demo calls it as its DPO.
func (s *Service) Seed(ctx context.Context, ctl Controller) error {
	if err := canWrite(ctx); err != nil {
		return err
	}
	return s.db.InTx(ctx, func(ctx context.Context, tx *store.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM processing_activities`).Scan(&n); err != nil {
			return fmt.Errorf("count activities: %w", err)
		}
		if n > 0 {
			return nil
		}
		if ctl.Name == "" {
			ctl = Controller{Name: "Example Union", Contact: "Head Office, 1 Example Street, London; info@example.org",
				DPO: "Data Protection Officer, dpo@example.org"}
		}
		if _, err := s.SetController(ctx, ctl); err != nil {
			return err
		}
		cats, systems, recipients, acts := defaultMap()
		ids := map[string]string{}
		for _, c := range cats {
			out, err := s.CreateCategory(ctx, c)
			if err != nil {
				return fmt.Errorf("seed category %s: %w", c.Name, err)
			}
			ids["c:"+c.Name] = out.ID
		}
		for _, y := range systems {
			out, err := s.CreateSystem(ctx, y)
			if err != nil {
				return fmt.Errorf("seed system %s: %w", y.Name, err)
			}
			ids["s:"+y.Name] = out.ID
		}
		for _, r := range recipients {
			out, err := s.CreateRecipient(ctx, r)
			if err != nil {
				return fmt.Errorf("seed recipient %s: %w", r.Name, err)
			}
			ids["r:"+r.Name] = out.ID
		}
		for _, sa := range acts {
			a := sa.Activity
			for _, prefix := range []struct {
				p     string
				names []string
				dst   *[]string
			}{{"c:", sa.categories, &a.CategoryIDs}, {"r:", sa.recipients, &a.RecipientIDs}, {"s:", sa.systems, &a.SystemIDs}} {
				for _, name := range prefix.names {
					id, ok := ids[prefix.p+name]
					if !ok {
						return fmt.Errorf("seed activity %s: no %s%s in the default map", a.Name, prefix.p, name)
					}
					*prefix.dst = append(*prefix.dst, id)
				}
			}
			if _, err := s.CreateActivity(ctx, a); err != nil {
				return fmt.Errorf("seed activity %s: %w", a.Name, err)
			}
		}
		return s.record(ctx, "datamap.seed", "datamap", "default", map[string]string{"activities": fmt.Sprint(len(acts))})
	})
}
