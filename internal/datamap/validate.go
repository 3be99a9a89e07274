package datamap

import (
	"context"
	"fmt"
	"strings"

	"github.com/stewardhq/steward/internal/access"
	"github.com/stewardhq/steward/internal/apperr"
)

// Gap is something the record is missing, said so that the DPO knows what
// to add. ActivityID is empty for gaps of the record as a whole.
type Gap struct {
	ActivityID   string `json:"activity_id,omitempty"`
	ActivityName string `json:"activity_name,omitempty"`
	Code         string `json:"code"`
	Message      string `json:"message"`
}

// Gap codes, stable for the API and tests.
const (
	GapNoController        = "no_controller"
	GapNoPurpose           = "no_purpose"
	GapNoDataSubjects      = "no_data_subjects"
	GapNoCategories        = "no_categories"
	GapNoLawfulBasis       = "no_lawful_basis"
	GapNoArt9Condition     = "no_art9_condition"
	GapNoSch1Condition     = "no_sch1_condition"
	GapNoArt10Basis        = "no_art10_basis"
	GapNoAPD               = "no_apd"
	GapTransferNoSafeguard = "transfer_no_safeguard"
	GapTransferNoDocs      = "transfer_no_documentation"
	GapProcessorNoContract = "processor_no_contract"
	GapNoRetention         = "no_retention"
	GapNoSecurity          = "no_security_measures"
	GapNoSystem            = "no_system"
)

// mapData is the whole map, loaded once for validation and export.
type mapData struct {
	controller *Controller
	activities []Activity
	categories map[string]Category
	recipients map[string]Recipient
	systems    map[string]System
	// order keeps names in a stable order for messages and the export.
	categoryOrder, recipientOrder, systemOrder []string
}

func (s *Service) load(ctx context.Context, activityID string) (*mapData, error) {
	m := &mapData{categories: map[string]Category{}, recipients: map[string]Recipient{}, systems: map[string]System{}}
	var err error
	if m.controller, err = s.controller(ctx); err != nil {
		return nil, err
	}
	if activityID != "" {
		a, err := s.activity(ctx, activityID)
		if err != nil {
			return nil, err
		}
		m.activities = []Activity{*a}
	} else if m.activities, err = s.activities(ctx, ""); err != nil {
		return nil, err
	}
	cs, err := s.categories(ctx)
	if err != nil {
		return nil, err
	}
	for _, c := range cs {
		m.categories[c.ID] = c
	}
	rs, err := s.recipients(ctx)
	if err != nil {
		return nil, err
	}
	for _, r := range rs {
		m.recipients[r.ID] = r
	}
	ys, err := s.systems(ctx)
	if err != nil {
		return nil, err
	}
	for _, y := range ys {
		m.systems[y.ID] = y
	}
	return m, nil
}

// Validate lists what one activity is missing.
func (s *Service) Validate(ctx context.Context, activityID string) ([]Gap, error) {
	if err := canRead(ctx); err != nil {
		return nil, err
	}
	m, err := s.load(ctx, activityID)
	if err != nil {
		return nil, err
	}
	return activityGaps(&m.activities[0], m, s.db.Now().Format(dateLayout)), nil
}

// ValidateAll lists what the whole record is missing: the controller's
// details, then each activity's gaps in name order.
func (s *Service) ValidateAll(ctx context.Context) ([]Gap, error) {
	if err := canRead(ctx); err != nil {
		return nil, err
	}
	m, err := s.load(ctx, "")
	if err != nil {
		return nil, err
	}
	gaps := []Gap{}
	if m.controller.Name == "" || m.controller.Contact == "" {
		gaps = append(gaps, Gap{Code: GapNoController, Message: "The record does not give the controller's name and contact details (Art 30(1)(a))."})
	}
	today := s.db.Now().Format(dateLayout)
	for i := range m.activities {
		gaps = append(gaps, activityGaps(&m.activities[i], m, today)...)
	}
	return gaps, nil
}

// activityGaps applies the rules of RULES.md sections 5 and 6 to one
// activity. today is YYYY-MM-DD, for contract end dates.
func activityGaps(a *Activity, m *mapData, today string) []Gap {
	gaps := []Gap{}
	add := func(code, format string, args ...any) {
		gaps = append(gaps, Gap{ActivityID: a.ID, ActivityName: a.Name, Code: code, Message: fmt.Sprintf(format, args...)})
	}
	if a.Purposes == "" {
		add(GapNoPurpose, "No purpose of the processing is given (Art 30(1)(b)).")
	}
	if a.DataSubjects == "" {
		add(GapNoDataSubjects, "The categories of data subjects are not described (Art 30(1)(c)).")
	}
	if len(a.CategoryIDs) == 0 {
		add(GapNoCategories, "No category of personal data is linked (Art 30(1)(c)).")
	}
	if a.LawfulBasis == "" {
		add(GapNoLawfulBasis, "No lawful basis under Art 6(1) is recorded.")
	}
	var special, criminal []string
	for _, id := range a.CategoryIDs {
		c, ok := m.categories[id]
		switch {
		case !ok:
		case c.Special.IsArt9():
			special = append(special, c.Name)
		case c.Special.IsCriminal():
			criminal = append(criminal, c.Name)
		}
	}
	if len(special) > 0 && a.Art9Condition == "" {
		add(GapNoArt9Condition, "It uses special category data (%s) but names no Art 9(2) condition.", strings.Join(special, ", "))
	}
	if len(special) > 0 && art9NeedsSch1(a.Art9Condition) && a.Sch1Condition == "" {
		add(GapNoSch1Condition, "%s applies in the UK only with a DPA 2018 Sch 1 condition, and none is recorded.", a.Art9Label())
	}
	if len(criminal) > 0 && a.Art10Basis == "" {
		add(GapNoArt10Basis, "It uses criminal offence data (%s) but records no Art 10 basis (official authority or a DPA 2018 Sch 1 condition, s.10(5)).", strings.Join(criminal, ", "))
	}
	if (len(special) > 0 || len(criminal) > 0) && a.NeedsAPD() && a.APDReference == "" {
		add(GapNoAPD, "The Sch 1 condition relied on needs an appropriate policy document (DPA 2018 Sch 1 Part 4), and none is recorded.")
	}
	for i, t := range a.Transfers {
		if t.Safeguard == "" {
			add(GapTransferNoSafeguard, "The transfer to %s (transfer %d) names no safeguard (UK GDPR Chapter V).", t.Destination, i+1)
		}
		if t.Safeguard == safeguardCompelling && t.Documentation == "" {
			add(GapTransferNoDocs, "The transfer to %s relies on compelling legitimate interests (Art 49(1) second subparagraph) and its safeguards are not documented (Art 30(1)(e)).", t.Destination)
		}
	}
	for _, id := range a.RecipientIDs {
		r, ok := m.recipients[id]
		if !ok || r.Kind != "processor" || r.ContractCurrent(today) {
			continue
		}
		why := "has no signed contract"
		switch {
		case r.ContractStatus == "signed":
			why = "has a contract whose end or review date (" + r.ContractReview + ") has passed"
		case r.ContractStatus == "expired":
			why = "has an expired contract"
		case r.ContractStatus == "draft":
			why = "has only a draft contract"
		}
		add(GapProcessorNoContract, "The processor %s %s (Art 28(3)).", r.Name, why)
	}
	if a.RetentionRule == "" {
		add(GapNoRetention, "No time limit for erasure is given (Art 30(1)(f)).")
	}
	if a.SecurityMeasures == "" {
		add(GapNoSecurity, "The security measures are not described (Art 30(1)(g), Art 32(1)).")
	}
	if len(a.SystemIDs) == 0 {
		add(GapNoSystem, "No system where the data is held is linked.")
	}
	return gaps
}

// ActivityAllows reports whether data of the category may be held under
// the activity: nil if so, otherwise an invalid error saying what the
// activity lacks. Services that store personal data (records) call it
// before storing, with their own actor; it needs no data-map permission
// because it tells only whether the record is lawful to hold, and every
// account that may store data must be able to learn that.
//
// Special category data needs an Art 6 basis and an Art 9(2) condition
// (with its Sch 1 condition where the UK requires one); criminal offence
// data needs an Art 10 basis. Ordinary data needs only the link: a missing
// lawful basis there shows as a gap, not a refusal.
func (s *Service) ActivityAllows(ctx context.Context, activityID, categoryID string) error {
	if access.ActorFrom(ctx) == nil {
		return apperr.New(apperr.Unauthenticated, "Please sign in.")
	}
	a, err := s.activity(ctx, activityID)
	if err != nil {
		return err
	}
	c, err := s.category(ctx, categoryID)
	if err != nil {
		return err
	}
	if !containsID(a.CategoryIDs, c.ID) {
		return apperr.New(apperr.Invalid, "The processing activity %q does not cover the data category %q; add the category to the activity in the data map first.", a.Name, c.Name)
	}
	switch {
	case c.Special.IsArt9():
		if a.Art9Condition == "" {
			return apperr.New(apperr.Invalid, "The processing activity %q names no Art 9 condition, so %s data (%q) cannot be held under it.", a.Name, specialNoun(c.Special), c.Name)
		}
		if art9NeedsSch1(a.Art9Condition) && a.Sch1Condition == "" {
			return apperr.New(apperr.Invalid, "The processing activity %q relies on %s but names no DPA 2018 Sch 1 condition, so %q cannot be held under it.", a.Name, a.Art9Label(), c.Name)
		}
		if a.LawfulBasis == "" {
			return apperr.New(apperr.Invalid, "The processing activity %q names no Art 6 lawful basis, so %q cannot be held under it.", a.Name, c.Name)
		}
	case c.Special.IsCriminal():
		if a.Art10Basis == "" {
			return apperr.New(apperr.Invalid, "The processing activity %q names no Art 10 basis, so criminal offence data (%q) cannot be held under it.", a.Name, c.Name)
		}
		if a.LawfulBasis == "" {
			return apperr.New(apperr.Invalid, "The processing activity %q names no Art 6 lawful basis, so %q cannot be held under it.", a.Name, c.Name)
		}
	}
	return nil
}

// CategorySpecial returns a category's special marker, for services that
// store data and must mark it. Like ActivityAllows it needs only a
// signed-in actor.
func (s *Service) CategorySpecial(ctx context.Context, categoryID string) (Special, error) {
	if access.ActorFrom(ctx) == nil {
		return "", apperr.New(apperr.Unauthenticated, "Please sign in.")
	}
	c, err := s.category(ctx, categoryID)
	if err != nil {
		return "", err
	}
	return c.Special, nil
}

func specialNoun(sp Special) string {
	return "special category (" + strings.ReplaceAll(string(sp), "_", " ") + ")"
}

func containsID(ids []string, id string) bool {
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}
