package web

import (
	"context"

	"github.com/stewardhq/steward/internal/access"
	"github.com/stewardhq/steward/internal/disclosures"
)

// dueItem is one line of the DPO's "waiting for you" panel: how many of
// something need them, in words, and where to deal with it.
type dueItem struct {
	What string
	Link string
}

// dueDashboard adds to the dashboard what waits for the DPO's decision:
// disclosures held until they approve, and reps and officers whose
// onboarding checklist keeps them from members' data. Each line appears
// only for someone who can act on it.
func (s *Server) dueDashboard(ctx context.Context, data map[string]any) error {
	a := access.ActorFrom(ctx)
	if a == nil {
		return nil
	}
	var due []dueItem
	if s.disclose != nil && s.disclose.CanDecide(ctx) {
		held, err := s.disclose.List(ctx, disclosures.Filter{State: disclosures.StatePending})
		if err != nil {
			return err
		}
		if len(held) > 0 {
			due = append(due, dueItem{plural(len(held), "disclosure held", "disclosures held") + " for your approval", "/disclosures/pending"})
		}
	}
	if s.gov != nil && a.Can(access.PermGovernanceManage) {
		people, err := s.gov.People(ctx)
		if err != nil {
			return err
		}
		n := 0
		for _, p := range people {
			if p.Status.Gated && p.Status.LeftOn == "" && !p.Disabled && len(p.Status.Missing) > 0 {
				n++
			}
		}
		if n > 0 {
			due = append(due, dueItem{plural(n, "rep or officer", "reps or officers") + " kept from members' data until their onboarding is complete", "/governance/people"})
		}
	}
	if len(due) > 0 {
		data["Due"] = due
	}
	return nil
}
