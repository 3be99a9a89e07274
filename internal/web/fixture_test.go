package web_test

import (
	"context"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stewardhq/steward/internal/access"
	"github.com/stewardhq/steward/internal/audit"
	"github.com/stewardhq/steward/internal/governance"
	"github.com/stewardhq/steward/internal/governance/govtest"
	"github.com/stewardhq/steward/internal/store"
	"github.com/stewardhq/steward/internal/store/storetest"
	"github.com/stewardhq/steward/internal/subjects"
	"github.com/stewardhq/steward/internal/testkit"
	"github.com/stewardhq/steward/internal/vault"
	"github.com/stewardhq/steward/internal/web"
)

// fixture is a running Steward on a fresh SQLite database with a small
// organisation: Test Union > North Region > Tyneside Branch > workplaces A
// and B. The rep holds a role on A only, so tests can check that B never
// shows; the DPO holds one on the organisation, so a second factor applies.
type fixture struct {
	URL string

	RepUser, RepPassword string
	DPOUser, DPOPassword string
	// DPOSecret is the DPO's TOTP seed; see DPOCode.
	DPOSecret string

	WorkplaceA, WorkplaceB         string // unit ids
	WorkplaceAName, WorkplaceBName string

	Access   *access.Service
	Subjects *subjects.Service
	DB       *store.DB
	Vault    *vault.Vault
	Audit    *audit.Log
	// Gov is the access gate: the fixture's reps are onboarded through it.
	Gov *governance.Service
}

// newFixture builds the organisation and serves it on a loopback address
// until the test ends.
func newFixture(t testing.TB) *fixture {
	t.Helper()
	// Not t.Context(): it is cancelled before cleanups run, and the vault
	// and database opened with it are closed in cleanups.
	ctx := context.Background()
	env := storetest.SQLiteEnv(t)

	c := testkit.Open(t, env, testkit.Options{})
	db, v, auditLog, acc := c.DB, c.Vault, c.Audit, c.Access

	f := &fixture{
		RepUser: "rep.a", RepPassword: "correct horse battery staple",
		DPOUser: "dpo", DPOPassword: "purple monkey dishwasher lamp",
		WorkplaceAName: "Alder Road Primary School", WorkplaceBName: "Birchwood Academy",
		Access: acc, DB: db, Vault: v, Audit: auditLog,
		Subjects: subjects.New(db, v, auditLog, acc, nil, subjects.Config{}),
	}
	f.build(ctx, t)
	f.gate(t, f.RepUser)

	srv, err := web.New(web.Deps{DB: db, Vault: v, Access: acc, Audit: auditLog, Subjects: f.Subjects}, web.Config{Version: "test"})
	if err != nil {
		t.Fatalf("web server: %v", err)
	}
	ts := httptest.NewServer(srv.Handler())
	// Registered after the database's cleanup, so it runs first: no request
	// is in flight when the database closes.
	t.Cleanup(ts.Close)
	f.URL = ts.URL
	return f
}

// build creates the units and accounts as the command-line operator would.
func (f *fixture) build(ctx context.Context, t testing.TB) {
	t.Helper()
	// The root unit has no path yet to scope the operator to; every later
	// step runs scoped to it, as the CLI does.
	root, err := f.Access.CreateUnit(access.WithActor(ctx, access.OperatorActor("")), "", access.KindOrganisation, "Test Union")
	if err != nil {
		t.Fatalf("create organisation: %v", err)
	}
	op := access.WithActor(ctx, access.OperatorActor(root.Path))
	region, err := f.Access.CreateUnit(op, root.ID, access.KindRegion, "North Region")
	if err != nil {
		t.Fatalf("create region: %v", err)
	}
	branch, err := f.Access.CreateUnit(op, region.ID, access.KindBranch, "Tyneside Branch")
	if err != nil {
		t.Fatalf("create branch: %v", err)
	}
	a, err := f.Access.CreateUnit(op, branch.ID, access.KindWorkplace, f.WorkplaceAName)
	if err != nil {
		t.Fatalf("create workplace A: %v", err)
	}
	b, err := f.Access.CreateUnit(op, branch.ID, access.KindWorkplace, f.WorkplaceBName)
	if err != nil {
		t.Fatalf("create workplace B: %v", err)
	}
	f.WorkplaceA, f.WorkplaceB = a.ID, b.ID

	if _, err := f.Access.CreateAccount(op, f.RepUser, f.RepPassword); err != nil {
		t.Fatalf("create rep: %v", err)
	}
	if _, err := f.Access.Grant(op, f.RepUser, access.RoleRep, a.ID); err != nil {
		t.Fatalf("grant rep: %v", err)
	}
	dpo, err := f.Access.CreateAccount(op, f.DPOUser, f.DPOPassword)
	if err != nil {
		t.Fatalf("create dpo: %v", err)
	}
	f.DPOSecret = dpo.TOTPSecret
	if _, err := f.Access.Grant(op, f.DPOUser, access.RoleDPO, root.ID); err != nil {
		t.Fatalf("grant dpo: %v", err)
	}
}

// DPOCode returns the DPO's current authenticator code. Login refuses a
// code of a step already used, so one fixture allows one DPO sign-in per
// 30-second step.
func (f *fixture) DPOCode(t testing.TB) string {
	t.Helper()
	code, err := access.TOTPCode(f.DPOSecret, time.Now())
	if err != nil {
		t.Fatalf("totp code: %v", err)
	}
	return code
}

// gate puts the onboarding gate in front of personal data, as the server
// does (web.New then puts its own, fully wired, in front), and onboards the given reps and officers through it (no policy or
// course is published in the fixture, so the device declaration is what
// they need).
func (f *fixture) gate(t testing.TB, users ...string) {
	t.Helper()
	f.Gov = governance.New(f.DB, f.Audit, f.Access, nil, governance.Config{})
	f.Access.UseGate(f.Gov)
	for _, u := range users {
		govtest.Onboard(t, f.Gov, f.Access, nil, u)
	}
}
