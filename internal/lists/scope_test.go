package lists_test

import (
	"strings"
	"time"

	"testing"

	"github.com/stewardhq/steward/internal/access"
	"github.com/stewardhq/steward/internal/apperr"
	"github.com/stewardhq/steward/internal/lists"
	"github.com/stewardhq/steward/internal/store/storetest"
	"github.com/stewardhq/steward/internal/testkit"
)

// An officer approves disclosures in their own branch only: they see the
// lists a rep holds only in that branch, and cannot bring another
// branch's rep's lists forward as if the rep had left.
func TestHeldByKeepsToTheOfficersBranch(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		w := newWorld(t, env)
		other := testkit.Unit(t, w.core.Access, w.op, w.root.ID, access.KindBranch, "Wearside")
		testkit.Account(t, w.core.Access, w.op, "officer.far", access.RoleOfficer, other.ID)
		testkit.Account(t, w.core.Access, w.op, "officer.near", access.RoleOfficer, w.wpA.ID)
		rep := w.as(t, "rep.a")
		repID := access.ActorFrom(rep).AccountID
		m, err := w.svc.Create(rep, lists.Request{Purpose: "ballot", Format: lists.FormatAgeCSV})
		if err != nil {
			t.Fatal(err)
		}
		far := w.as(t, "officer.far")
		if got, err := w.svc.HeldBy(far, repID); err == nil && len(got) != 0 {
			t.Errorf("an officer of another branch sees the rep's lists: %+v", got)
		}
		if _, err := w.svc.HolderLeft(far, repID); !apperr.Is(err, apperr.Forbidden) {
			t.Errorf("an officer of another branch records the rep's leaving: %v, want forbidden", err)
		}
		if l, err := w.svc.Get(rep, m.List.ID); err != nil || l.Outstanding {
			t.Fatalf("the rep's list after the far officer's attempt: %+v, %v", l, err)
		}
		got, err := w.svc.HeldBy(w.as(t, "officer.near"), repID)
		if err != nil || len(got) != 1 || got[0].ID != m.List.ID {
			t.Errorf("the rep's own officer sees %+v, %v; want the list", got, err)
		}
		if got, err := w.svc.HeldBy(w.as(t, "dpo"), repID); err != nil || len(got) != 1 {
			t.Errorf("the DPO sees %+v, %v; want the list", got, err)
		}
		if _, err := w.svc.HeldBy(w.as(t, "rep.b"), repID); !apperr.Is(err, apperr.Forbidden) {
			t.Errorf("another rep reads the rep's lists: %v, want forbidden", err)
		}
	})
}

// The dates a person's access pack gives for a list are UK dates: a list
// made at half past midnight in summer was given that day, not the day
// before (UTC).
func TestRightsSourceDatesAreUKDates(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		w := newWorld(t, env)
		w.clock.mu.Lock()
		w.clock.now = time.Date(2026, 7, 1, 23, 30, 0, 0, time.UTC) // 00:30 on 2 July in London
		w.clock.mu.Unlock()
		m, err := w.svc.Create(w.as(t, "rep.a"), lists.Request{Purpose: "ballot", Format: lists.FormatAgeCSV})
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(m.File.Name, "ballot-2026-07-02") {
			t.Errorf("file name %q, want the UK date 2026-07-02", m.File.Name)
		}
		items, err := w.svc.Source().Collect(w.as(t, "dpo"), w.ids["Ada Lovelace"])
		if err != nil || len(items) != 1 {
			t.Fatalf("items %+v, %v", items, err)
		}
		if items[0].Date != "2026-07-02" {
			t.Errorf("date %q, want 2026-07-02", items[0].Date)
		}
		for _, f := range items[0].Fields {
			if f.Label == "Given on" && f.Value != "2026-07-02" || f.Label == "To be deleted by" && f.Value != "2026-08-01" {
				t.Errorf("%s = %q", f.Label, f.Value)
			}
		}
	})
}
