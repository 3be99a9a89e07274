package governance_test

import (
	"context"
	"strings"
	"testing"

	"github.com/stewardhq/steward/internal/access"
	"github.com/stewardhq/steward/internal/governance"
	"github.com/stewardhq/steward/internal/governance/govtest"
	"github.com/stewardhq/steward/internal/rights"
	"github.com/stewardhq/steward/internal/store/storetest"
	"github.com/stewardhq/steward/internal/subjects"
)

// A leaver's open rights requests are listed at leaving and on the
// offboarding; closed or other people's requests are not.
func TestLeaverRequestsAreListed(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		w := newWorld(t, env)
		reg := subjects.New(w.c.DB, w.c.Vault, w.c.Audit, w.c.Access, nil, subjects.Config{})
		rs, err := rights.New(w.c.DB, w.c.Vault, w.c.Audit, w.c.Access, reg, nil, rights.Config{})
		if err != nil {
			t.Fatal(err)
		}
		w.gov.UseRequests(governance.RequestsLoggedBy(rs))
		govtest.Onboard(t, w.gov, w.c.Access, w.dpo, "rep")
		govtest.Onboard(t, w.gov, w.c.Access, w.dpo, "officer")
		in := func() rights.LogInput {
			return rights.LogInput{Kind: rights.KindAccess, Channel: rights.ChannelInPerson, Requester: rights.RequesterSelf, ReceivedOn: "2026-03-02", UnitID: w.wp.ID,
				Details: rights.Details{RequesterName: "Priya Raman", RequesterEmail: "priya@example.org", Description: "A copy of her grievance file."}}
		}
		mine, err := rs.Log(access.WithActor(context.Background(), w.actor(t, "rep")), in())
		if err != nil {
			t.Fatal(err)
		}
		if _, err := rs.Log(access.WithActor(context.Background(), w.actor(t, "officer")), in()); err != nil {
			t.Fatal(err)
		}
		rep := w.actor(t, "rep")
		// An administrator may record the leaving without seeing requests.
		o, err := w.gov.Leave(w.admin, rep.AccountID, "")
		if err != nil {
			t.Fatal(err)
		}
		if len(o.Holdings) != 0 {
			t.Errorf("the admin sees holdings %+v", o.Holdings)
		}
		o, err = w.gov.Offboarding(w.dpo, rep.AccountID)
		if err != nil {
			t.Fatal(err)
		}
		if len(o.Holdings) != 1 || o.Holdings[0].ID != mine.ID || o.Holdings[0].Kind != "request" || !strings.Contains(o.Holdings[0].Label, mine.Ref) {
			t.Fatalf("holdings = %+v, want only the rep's request %s", o.Holdings, mine.Ref)
		}
		if strings.Contains(o.Holdings[0].Label, "Priya") {
			t.Errorf("a holding's label carries the requester's name: %q", o.Holdings[0].Label)
		}
	})
}
