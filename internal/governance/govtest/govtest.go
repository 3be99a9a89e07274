// Package govtest onboards test accounts through the governance service,
// so that tests of other capabilities can run with the access gate on
// rather than around it. Only tests import it.
package govtest

import (
	"context"
	"testing"

	"github.com/stewardhq/steward/internal/access"
	"github.com/stewardhq/steward/internal/governance"
)

// AllChecks is every device check, ticked.
func AllChecks() []string {
	var out []string
	for _, c := range governance.DeviceChecks() {
		out = append(out, c.Code)
	}
	return out
}

// Onboard completes the named account's checklist the way the people
// would: the account acknowledges each policy it must and makes the
// device declaration; training is recorded by dpo (a context holding
// governance:manage), which may be nil when no course is required.
func Onboard(t testing.TB, g *governance.Service, acc *access.Service, dpo context.Context, username string) {
	t.Helper()
	a, err := acc.Actor(context.Background(), username, access.ViaCLI)
	if err != nil {
		t.Fatalf("onboard %s: %v", username, err)
	}
	me := access.WithActor(context.Background(), a)
	c, err := g.MyChecklist(me)
	if err != nil {
		t.Fatalf("onboard %s: checklist: %v", username, err)
	}
	for _, p := range c.Policies {
		if p.AcknowledgedAt.IsZero() {
			if err := g.Acknowledge(me, p.PolicyID); err != nil {
				t.Fatalf("onboard %s: acknowledge %s: %v", username, p.Title, err)
			}
		}
	}
	for _, tr := range c.Training {
		if !tr.Current {
			if dpo == nil {
				t.Fatalf("onboard %s: %s training is required and no DPO context was given to record it", username, tr.Course)
			}
			if _, err := g.RecordTraining(dpo, c.AccountID, tr.CourseID, ""); err != nil {
				t.Fatalf("onboard %s: record %s: %v", username, tr.Course, err)
			}
		}
	}
	if !c.DeclarationCurrent {
		if _, err := g.Declare(me, AllChecks()); err != nil {
			t.Fatalf("onboard %s: declare: %v", username, err)
		}
	}
	a, err = acc.Actor(context.Background(), username, access.ViaCLI)
	if err != nil {
		t.Fatalf("onboard %s: %v", username, err)
	}
	if a.Hold != "" {
		t.Fatalf("onboard %s: still held: %s", username, a.Hold)
	}
}
