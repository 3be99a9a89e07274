package cli

import (
	"context"
	"strings"
	"testing"

	"github.com/stewardhq/steward/internal/access"
	"github.com/stewardhq/steward/internal/store/storetest"
)

// The demo works out of the box: its reps and officers are onboarded and
// reach their members, except the one left mid-onboarding, whose access
// waits for training and the device declaration.
func TestDemoRepsAreOnboardedButOne(t *testing.T) {
	dir := t.TempDir()
	mustRun(t, "", "demo", "--data-dir", dir, "--no-serve", "--log-level", "error", "--subjects", "50")
	ctx := context.Background()
	app, err := openApp(ctx, Paths{DataDir: dir, KeysSchema: "steward_keys", demo: true}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer app.Close()
	for _, name := range []string{"rep.1", "rep.2", "rep.3", "officer.1", "officer.2"} {
		a, err := app.Access.Actor(ctx, name, access.ViaCLI)
		if err != nil {
			t.Fatal(err)
		}
		if a.Hold != "" || !a.Can(access.PermSubjectsRead) {
			t.Errorf("demo %s is held: %s", name, a.Hold)
		}
	}
	a, err := app.Access.Actor(ctx, demoMidOnboarding, access.ViaCLI)
	if err != nil {
		t.Fatal(err)
	}
	if a.Can(access.PermSubjectsRead) || !strings.Contains(a.Hold, "complete GDPR for reps and officers training") || !strings.Contains(a.Hold, "device-security declaration") || strings.Contains(a.Hold, "acknowledge") {
		t.Errorf("demo %s's hold = %q, want training and declaration to do, policies read", demoMidOnboarding, a.Hold)
	}
	policies, err := app.Governance.Policies(access.WithActor(ctx, a))
	if err != nil {
		t.Fatal(err)
	}
	if len(policies) != 2 {
		t.Errorf("demo publishes %d policies, want 2 (data protection policy, rep's guide)", len(policies))
	}
}

// The operator records a leaving at the command line; the account then
// cannot act, even through --as.
func TestUserLeaveEndsAccess(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		p := setup(t, env)
		out := mustRun(t, "", append([]string{"user", "leave", "rep.a"}, p...)...)
		if !strings.Contains(out, "rep.a left the role on") || !strings.Contains(out, "sign-in is disabled") {
			t.Errorf("user leave printed:\n%s", out)
		}
		if code, _, errs := run(t, "", append([]string{"unit", "list", "--as", "rep.a"}, p...)...); code == 0 || !strings.Contains(errs, "disabled") {
			t.Errorf("acting as the leaver: exit %d %q", code, errs)
		}
		if code, _, errs := run(t, "", append([]string{"user", "leave", "rep.a"}, p...)...); code == 0 || !strings.Contains(errs, "already left") {
			t.Errorf("leaving twice: exit %d %q", code, errs)
		}
	})
}
