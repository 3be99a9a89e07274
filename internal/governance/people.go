package governance

import (
	"time"

	"context"

	"github.com/stewardhq/steward/internal/access"
)

// Checklist is an account's onboarding checklist with what the page
// shows: the text of each policy to acknowledge, the declaration's
// statements, the training on record.
type Checklist struct {
	Status
	Username     string           `json:"username"`
	Grants       []access.Grant   `json:"grants"`
	PolicyTexts  []Policy         `json:"policy_texts" doc:"The current versions the account must acknowledge, with their text"`
	TrainingLog  []TrainingRecord `json:"training_log"`
	DeviceChecks []DeviceCheck    `json:"device_checks"`
	Hold         string           `json:"hold,omitempty" doc:"Why access to personal data is paused, if it is"`
}

// MyChecklist returns the actor's own checklist.
func (s *Service) MyChecklist(ctx context.Context) (*Checklist, error) {
	a, err := access.Require(ctx, access.PermSelf)
	if err != nil {
		return nil, err
	}
	return s.checklist(ctx, a.AccountID, a.Username, a.Grants)
}

func (s *Service) checklist(ctx context.Context, accountID, username string, grants []access.Grant) (*Checklist, error) {
	st, err := s.status(ctx, accountID, grants)
	if err != nil {
		return nil, err
	}
	c := &Checklist{Status: *st, Username: username, Grants: grants, DeviceChecks: DeviceChecks(), Hold: holdMessage(st), PolicyTexts: []Policy{}}
	if c.Grants == nil {
		c.Grants = []access.Grant{}
	}
	for _, ps := range st.Policies {
		p, err := s.Policy(ctx, ps.PolicyID)
		if err != nil {
			return nil, err
		}
		c.PolicyTexts = append(c.PolicyTexts, *p)
	}
	if c.TrainingLog, err = s.trainingOf(ctx, accountID); err != nil {
		return nil, err
	}
	return c, nil
}

// PersonStatus is one account's line on the DPO's people page.
type PersonStatus struct {
	AccountID string         `json:"account_id"`
	Username  string         `json:"username"`
	Grants    []access.Grant `json:"grants"`
	Disabled  bool           `json:"disabled"`
	Status    Status         `json:"status"`
}

// People lists every account with its checklist status, for the DPO.
func (s *Service) People(ctx context.Context) ([]PersonStatus, error) {
	if _, err := requireManage(ctx); err != nil {
		return nil, err
	}
	accounts, err := s.access.Staff(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]PersonStatus, 0, len(accounts))
	for _, acc := range accounts {
		st, err := s.status(ctx, acc.ID, acc.Grants)
		if err != nil {
			return nil, err
		}
		g := acc.Grants
		if g == nil {
			g = []access.Grant{}
		}
		out = append(out, PersonStatus{AccountID: acc.ID, Username: acc.Username, Grants: g, Disabled: acc.Disabled, Status: *st})
	}
	return out, nil
}

// Person is one account's checklist and, if they are leaving, their
// offboarding, for the DPO.
type Person struct {
	Checklist   *Checklist   `json:"checklist"`
	Disabled    bool         `json:"disabled"`
	Offboarding *Offboarding `json:"offboarding,omitempty"`
}

// Person returns one account's page for the DPO.
func (s *Service) Person(ctx context.Context, accountID string) (*Person, error) {
	if _, err := requireManage(ctx); err != nil {
		return nil, err
	}
	acc, err := s.access.StaffByID(ctx, accountID)
	if err != nil {
		return nil, err
	}
	c, err := s.checklist(ctx, acc.ID, acc.Username, acc.Grants)
	if err != nil {
		return nil, err
	}
	p := &Person{Checklist: c, Disabled: acc.Disabled}
	if c.LeftOn != "" {
		if p.Offboarding, err = s.offboarding(ctx, acc.ID, acc.Username); err != nil {
			return nil, err
		}
	}
	return p, nil
}

// Acknowledged returns when the account acknowledged a policy version, or
// the zero time.
func (c *Checklist) Acknowledged(policyID string) time.Time {
	for _, p := range c.Policies {
		if p.PolicyID == policyID {
			return p.AcknowledgedAt
		}
	}
	return time.Time{}
}
