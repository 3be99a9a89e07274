package governance_test

import (
	"context"
	"testing"

	"github.com/stewardhq/steward/internal/access"
	"github.com/stewardhq/steward/internal/governance/govtest"
	"github.com/stewardhq/steward/internal/store/storetest"
)

// BenchmarkHold is the gate's cost on every request of an onboarded rep:
// two queries.
func BenchmarkHold(b *testing.B) {
	env := storetest.SQLiteEnv(b)
	w := newWorldTB(b, env)
	govtest.Onboard(b, w.gov, w.c.Access, w.dpo, "rep")
	rep, err := w.c.Access.Actor(context.Background(), "rep", access.ViaCLI)
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	b.ResetTimer()
	for b.Loop() {
		if hold, err := w.gov.Hold(ctx, rep.AccountID, rep.Grants); err != nil || hold != "" {
			b.Fatal(hold, err)
		}
	}
}
