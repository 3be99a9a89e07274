package governance_test

import (
	"context"
	"github.com/stewardhq/steward/internal/governance"
	"strings"
	"testing"
	"time"

	"github.com/stewardhq/steward/internal/access"
	"github.com/stewardhq/steward/internal/apperr"
	"github.com/stewardhq/steward/internal/governance/govtest"
	"github.com/stewardhq/steward/internal/store/storetest"
	"github.com/stewardhq/steward/internal/testkit"
)

// A token limited to some permissions (say read-only) must not make the
// device declaration or acknowledge a policy on its person's behalf: both
// are the person's own word, and together they switch the gate off.
func TestLimitedTokenCannotLiftTheGate(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		w := newWorld(t, env)
		ctx := context.Background()
		res, err := w.c.Access.Login(ctx, "rep", testkit.Password, "")
		if err != nil {
			t.Fatal(err)
		}
		secret, _, err := w.c.Access.CreateToken(access.WithActor(ctx, res.Actor), "reader", 24*time.Hour, []access.Permission{access.PermSubjectsRead})
		if err != nil {
			t.Fatal(err)
		}
		ta, err := w.c.Access.TokenActor(ctx, secret)
		if err != nil {
			t.Fatal(err)
		}
		tok := access.WithActor(ctx, ta)
		if err := w.gov.Acknowledge(tok, w.policy.ID); !apperr.Is(err, apperr.Forbidden) {
			t.Errorf("limited token acknowledges a policy: %v, want forbidden", err)
		}
		if _, err := w.gov.Declare(tok, govtest.AllChecks()); !apperr.Is(err, apperr.Forbidden) {
			t.Errorf("limited token makes the device declaration: %v, want forbidden", err)
		}
		c, err := w.gov.MyChecklist(tok)
		if err != nil {
			t.Fatal(err)
		}
		if !c.Policies[0].AcknowledgedAt.IsZero() || !c.DeclaredAt.IsZero() {
			t.Errorf("checklist changed by a limited token: %+v", c.Status)
		}
		// The person signed in still can.
		me := access.WithActor(ctx, res.Actor)
		if err := w.gov.Acknowledge(me, w.policy.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := w.gov.Declare(me, govtest.AllChecks()); err != nil {
			t.Fatal(err)
		}
	})
}

// A policy or course can only be required of the roles the gate holds:
// asking it of another role would be recorded and never asked of anyone.
func TestRequirementsOnlyForGatedRoles(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		w := newWorld(t, env)
		if _, err := w.gov.PublishPolicy(w.dpo, governance.PolicyInput{Title: "Membership handbook", Version: "v1", Body: "x", RequiresAck: true,
			Roles: []string{"rep", "membership"}}); !apperr.Is(err, apperr.Invalid) || !strings.Contains(apperr.MessageOf(err), "membership") {
			t.Errorf("policy for membership staff: %v, want invalid naming the role", err)
		}
		if _, err := w.gov.CreateCourse(w.dpo, governance.CourseInput{Name: "Admin course", ValidityMonths: 12, Roles: []string{"admin"}}); !apperr.Is(err, apperr.Invalid) {
			t.Errorf("course for admins: %v, want invalid", err)
		}
		ps, err := w.gov.Policies(w.dpo)
		if err != nil || len(ps) != 1 {
			t.Errorf("policies after the refusal: %+v, %v; want the one from before", ps, err)
		}
		if _, err := w.gov.PublishPolicy(w.dpo, governance.PolicyInput{Title: "Rep's guide", Version: "v1", Body: "x", RequiresAck: true, Roles: []string{"rep"}}); err != nil {
			t.Errorf("policy for reps: %v", err)
		}
	})
}
