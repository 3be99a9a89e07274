package governance_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stewardhq/steward/internal/access"
	"github.com/stewardhq/steward/internal/apperr"
	"github.com/stewardhq/steward/internal/audit"
	"github.com/stewardhq/steward/internal/governance"
	"github.com/stewardhq/steward/internal/governance/govtest"
	"github.com/stewardhq/steward/internal/store/storetest"
	"github.com/stewardhq/steward/internal/testkit"
)

// world is an organisation with a rep and an officer (gated), a DPO and an
// admin, the gate on, a data protection policy to acknowledge and a GDPR
// course to complete.
type world struct {
	mu    sync.Mutex
	now   time.Time
	c     *testkit.Core
	gov   *governance.Service
	op    context.Context
	dpo   context.Context
	admin context.Context
	wp    *access.Unit

	policy *governance.Policy
	course *governance.Course
}

func (w *world) clock() time.Time {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.now
}

func (w *world) advance(d time.Duration) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.now = w.now.Add(d)
}

func newWorld(t *testing.T, env storetest.Env) *world { return newWorldTB(t, env) }

func newWorldTB(t testing.TB, env storetest.Env) *world {
	t.Helper()
	w := &world{now: time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)}
	w.c = testkit.Open(t, env, testkit.Options{Clock: w.clock})
	ctx := context.Background()
	acc := w.c.Access
	root, err := acc.CreateUnit(access.WithActor(ctx, access.OperatorActor("")), "", access.KindOrganisation, "Union")
	if err != nil {
		t.Fatal(err)
	}
	w.op = access.WithActor(ctx, access.OperatorActor(root.Path))
	w.wp = testkit.Unit(t, acc, w.op, root.ID, access.KindWorkplace, "Riverside Academy")
	testkit.Account(t, acc, w.op, "rep", access.RoleRep, w.wp.ID)
	testkit.Account(t, acc, w.op, "officer", access.RoleOfficer, root.ID)
	testkit.Account(t, acc, w.op, "dpo", access.RoleDPO, root.ID)
	testkit.Account(t, acc, w.op, "admin", access.RoleAdmin, root.ID)
	w.gov = governance.New(w.c.DB, w.c.Audit, acc, nil, governance.Config{})
	acc.UseGate(w.gov)
	w.dpo = testkit.As(t, acc, "dpo")
	w.admin = testkit.As(t, acc, "admin")
	if w.policy, err = w.gov.PublishPolicy(w.dpo, governance.PolicyInput{Title: "Data protection policy", Version: "v1", Body: "Keep members' data safe.", RequiresAck: true}); err != nil {
		t.Fatal(err)
	}
	if w.course, err = w.gov.CreateCourse(w.dpo, governance.CourseInput{Name: "GDPR", ValidityMonths: 24}); err != nil {
		t.Fatal(err)
	}
	return w
}

func (w *world) actor(t *testing.T, name string) *access.Actor {
	t.Helper()
	a, err := w.c.Access.Actor(context.Background(), name, access.ViaCLI)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func wantHeld(t *testing.T, a *access.Actor, says ...string) {
	t.Helper()
	if a.Hold == "" {
		t.Fatalf("%s is not held; want held", a.Username)
	}
	for _, s := range says {
		if !strings.Contains(a.Hold, s) {
			t.Errorf("%s's hold %q does not say %q", a.Username, a.Hold, s)
		}
	}
	if a.Can(access.PermSubjectsRead) || a.CanIn(access.PermSubjectsRead, "/") || len(a.Scope(access.PermSubjectsRead)) != 0 {
		t.Errorf("held %s can still read members", a.Username)
	}
	_, err := access.Require(access.WithActor(context.Background(), a), access.PermSubjectsRead)
	if !apperr.Is(err, apperr.Forbidden) || !strings.Contains(apperr.MessageOf(err), "paused") && !strings.Contains(apperr.MessageOf(err), "ended") {
		t.Errorf("Require for held %s = %v, want forbidden saying why", a.Username, err)
	}
	if !a.Can(access.PermUnitsRead) {
		t.Errorf("held %s lost units:read, which is not personal data", a.Username)
	}
}

func wantFree(t *testing.T, a *access.Actor) {
	t.Helper()
	if a.Hold != "" {
		t.Fatalf("%s is held: %s", a.Username, a.Hold)
	}
	if !a.Can(access.PermSubjectsRead) {
		t.Errorf("%s cannot read members", a.Username)
	}
}

func TestGateHoldsUntilChecklistComplete(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		w := newWorld(t, env)
		ctx := context.Background()

		// Without the gate (a service nobody wired it into) roles decide.
		bare, err := access.New(w.c.DB, w.c.Vault, w.c.Audit, nil, access.Config{Hash: testkit.FastHash()})
		if err != nil {
			t.Fatal(err)
		}
		if a, err := bare.Actor(ctx, "rep", access.ViaCLI); err != nil || a.Hold != "" || !a.Can(access.PermSubjectsRead) {
			t.Fatalf("without the gate the rep = %+v, %v; want free", a, err)
		}

		rep := w.actor(t, "rep")
		wantHeld(t, rep, "acknowledge the Data protection policy v1", "complete GDPR training", "device-security declaration", "Open Onboarding")
		wantHeld(t, w.actor(t, "officer"), "Data protection policy v1")
		wantFree(t, w.actor(t, "dpo"))
		if a := w.actor(t, "admin"); a.Hold != "" {
			t.Errorf("admin is held: %s", a.Hold)
		}

		// The same hold on a signed-in session and on a token.
		res, err := w.c.Access.Login(ctx, "rep", testkit.Password, "")
		if err != nil {
			t.Fatal(err)
		}
		sa, err := w.c.Access.SessionActor(ctx, res.Token)
		if err != nil {
			t.Fatal(err)
		}
		wantHeld(t, sa, "Data protection policy v1")
		secret, _, err := w.c.Access.CreateToken(access.WithActor(ctx, sa), "phone", 24*time.Hour, nil)
		if err != nil {
			t.Fatal(err)
		}
		ta, err := w.c.Access.TokenActor(ctx, secret)
		if err != nil {
			t.Fatal(err)
		}
		wantHeld(t, ta, "GDPR")

		// Step by step: each step leaves the rest on the list.
		me := access.WithActor(ctx, rep)
		if err := w.gov.Acknowledge(me, w.policy.ID); err != nil {
			t.Fatal(err)
		}
		wantHeld(t, w.actor(t, "rep"), "complete GDPR training", "device-security declaration")
		if strings.Contains(w.actor(t, "rep").Hold, "policy") {
			t.Errorf("hold still asks for the acknowledged policy: %s", w.actor(t, "rep").Hold)
		}
		if _, err := w.gov.RecordTraining(me, rep.AccountID, w.course.ID, ""); !apperr.Is(err, apperr.Forbidden) {
			t.Errorf("rep recording their own training: %v, want forbidden", err)
		}
		tr, err := w.gov.RecordTraining(w.dpo, rep.AccountID, w.course.ID, "2026-02-20")
		if err != nil {
			t.Fatal(err)
		}
		if tr.ExpiresOn != "2028-02-20" {
			t.Errorf("training expires on %s, want 2028-02-20", tr.ExpiresOn)
		}
		wantHeld(t, w.actor(t, "rep"), "device-security declaration")
		// A declaration with a box left unticked is refused and changes nothing.
		if _, err := w.gov.Declare(me, govtest.AllChecks()[1:]); !apperr.Is(err, apperr.Invalid) {
			t.Errorf("partial declaration: %v, want invalid", err)
		}
		wantHeld(t, w.actor(t, "rep"), "device-security declaration")
		if _, err := w.gov.Declare(me, govtest.AllChecks()); err != nil {
			t.Fatal(err)
		}
		wantFree(t, w.actor(t, "rep"))
		if sa, err := w.c.Access.SessionActor(ctx, res.Token); err != nil || sa.Hold != "" {
			t.Errorf("session after onboarding: %v, %v; want free", sa, err)
		}

		// The DPO's page shows the same.
		people, err := w.gov.People(w.dpo)
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]bool{}
		for _, p := range people {
			got[p.Username] = p.Status.Complete
		}
		if !got["rep"] || got["officer"] || !got["dpo"] {
			t.Errorf("people page completeness = %v, want rep and dpo complete, officer not", got)
		}
		if _, err := w.gov.People(access.WithActor(ctx, rep)); !apperr.Is(err, apperr.Forbidden) {
			t.Errorf("rep reading the people page: %v, want forbidden", err)
		}

		for _, action := range []string{"governance.policy_publish", "governance.course_create", "governance.policy_acknowledge", "governance.training_record", "governance.device_declare"} {
			evs, err := w.c.Audit.List(ctx, audit.Filter{Action: action})
			if err != nil {
				t.Fatal(err)
			}
			if len(evs) != 1 {
				t.Errorf("%d %s events, want 1", len(evs), action)
			}
		}
	})
}

func TestNewPolicyVersionSwitchesAccessOff(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		w := newWorld(t, env)
		govtest.Onboard(t, w.gov, w.c.Access, w.dpo, "rep")
		wantFree(t, w.actor(t, "rep"))

		// A policy that needs no acknowledgement changes nothing.
		if _, err := w.gov.PublishPolicy(w.dpo, governance.PolicyInput{Title: "Retention schedule", Version: "2026", Body: "How long we keep things."}); err != nil {
			t.Fatal(err)
		}
		wantFree(t, w.actor(t, "rep"))

		v2, err := w.gov.PublishPolicy(w.dpo, governance.PolicyInput{Title: "Data protection policy", Version: "v2", Body: "Keep members' data safer.", RequiresAck: true})
		if err != nil {
			t.Fatal(err)
		}
		wantHeld(t, w.actor(t, "rep"), "acknowledge the Data protection policy v2")
		if strings.Contains(w.actor(t, "rep").Hold, "training") {
			t.Errorf("hold asks for training already done: %s", w.actor(t, "rep").Hold)
		}
		me := access.WithActor(context.Background(), w.actor(t, "rep"))
		if err := w.gov.Acknowledge(me, w.policy.ID); !apperr.Is(err, apperr.Conflict) {
			t.Errorf("acknowledging the replaced v1: %v, want conflict", err)
		}
		if _, err := w.gov.PublishPolicy(w.dpo, governance.PolicyInput{Title: "Data protection policy", Version: "v2", Body: "again", RequiresAck: true}); !apperr.Is(err, apperr.Conflict) {
			t.Errorf("publishing v2 twice: %v, want conflict", err)
		}
		if _, err := w.gov.PublishPolicy(me, governance.PolicyInput{Title: "Sneaky", Version: "v1", Body: "x"}); !apperr.Is(err, apperr.Forbidden) {
			t.Errorf("rep publishing a policy: %v, want forbidden", err)
		}
		if err := w.gov.Acknowledge(me, v2.ID); err != nil {
			t.Fatal(err)
		}
		wantFree(t, w.actor(t, "rep"))
	})
}

func TestExpiryOfTrainingAndDeclarationSwitchesAccessOff(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		w := newWorld(t, env)
		// A one-month course; the rep completed it today.
		short, err := w.gov.CreateCourse(w.dpo, governance.CourseInput{Name: "Data handling refresher", ValidityMonths: 1})
		if err != nil {
			t.Fatal(err)
		}
		govtest.Onboard(t, w.gov, w.c.Access, w.dpo, "rep")
		wantFree(t, w.actor(t, "rep"))

		w.advance(32 * 24 * time.Hour) // past 2026-04-02
		wantHeld(t, w.actor(t, "rep"), "renew Data handling refresher training (it expired on 2026-04-02)")
		if _, err := w.gov.RecordTraining(w.dpo, w.actor(t, "rep").AccountID, short.ID, ""); err != nil {
			t.Fatal(err)
		}
		if _, err := w.gov.RecordTraining(w.dpo, w.actor(t, "rep").AccountID, short.ID, "2099-01-01"); !apperr.Is(err, apperr.Invalid) {
			t.Errorf("training completed in the future: %v, want invalid", err)
		}
		wantFree(t, w.actor(t, "rep"))

		// A year after the declaration it must be renewed (training is
		// recorded again so only the declaration is missing).
		w.advance(334 * 24 * time.Hour)
		rep := w.actor(t, "rep")
		for _, c := range []*governance.Course{w.course, short} {
			if _, err := w.gov.RecordTraining(w.dpo, rep.AccountID, c.ID, ""); err != nil {
				t.Fatal(err)
			}
		}
		wantHeld(t, w.actor(t, "rep"), "renew the device-security declaration")
		if _, err := w.gov.Declare(access.WithActor(context.Background(), rep), govtest.AllChecks()); err != nil {
			t.Fatal(err)
		}
		wantFree(t, w.actor(t, "rep"))
	})
}

func TestLeavingEndsAccessAndRecordsTheChecklist(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		w := newWorld(t, env)
		ctx := context.Background()
		govtest.Onboard(t, w.gov, w.c.Access, w.dpo, "rep")
		rep := w.actor(t, "rep")
		w.gov.UseLists(governance.HoldingsFunc(func(_ context.Context, id string) ([]governance.Holding, error) {
			if id != rep.AccountID {
				return nil, nil
			}
			return []governance.Holding{{Kind: "list", ID: "L1", Label: "Ballot reminder list"}}, nil
		}))

		res, err := w.c.Access.Login(ctx, "rep", testkit.Password, "")
		if err != nil {
			t.Fatal(err)
		}
		secret, _, err := w.c.Access.CreateToken(access.WithActor(ctx, res.Actor), "laptop", 24*time.Hour, nil)
		if err != nil {
			t.Fatal(err)
		}

		if _, err := w.gov.Leave(access.WithActor(ctx, rep), rep.AccountID, ""); err == nil {
			t.Fatal("a rep could record their own leaving")
		}
		// An administrator may start it.
		o, err := w.gov.Leave(w.admin, rep.AccountID, "2026-03-01")
		if err != nil {
			t.Fatal(err)
		}
		if len(o.Holdings) != 1 || o.Holdings[0].Label != "Ballot reminder list" {
			t.Errorf("holdings at leaving = %+v, want the ballot list", o.Holdings)
		}
		if _, err := w.c.Access.SessionActor(ctx, res.Token); !apperr.Is(err, apperr.Unauthenticated) {
			t.Errorf("session after leaving: %v, want ended", err)
		}
		if _, err := w.c.Access.TokenActor(ctx, secret); !apperr.Is(err, apperr.Unauthenticated) {
			t.Errorf("token after leaving: %v, want revoked", err)
		}
		if _, err := w.c.Access.Login(ctx, "rep", testkit.Password, ""); err == nil {
			t.Error("the leaver can still sign in")
		}
		if _, err := w.gov.Leave(w.dpo, rep.AccountID, ""); !apperr.Is(err, apperr.Conflict) {
			t.Errorf("leaving twice: %v, want conflict", err)
		}
		// Even if the account were enabled again, the gate holds it.
		hold, err := w.gov.Hold(ctx, rep.AccountID, rep.Grants)
		if err != nil || !strings.Contains(hold, "left the role on 2026-03-01") {
			t.Errorf("leaver's hold = %q, %v", hold, err)
		}

		prog, err := w.gov.InProgress(w.dpo)
		if err != nil {
			t.Fatal(err)
		}
		if len(prog) != 1 || prog[0].Username != "rep" || prog[0].ItemsDone() != 0 {
			t.Fatalf("in progress = %+v, want the rep with nothing done", prog)
		}

		dates := map[governance.Item]string{
			governance.ItemReturnData: "2026-02-27", governance.ItemDeleteCopies: "2026-03-01",
			governance.ItemHandOver: "2026-03-02", governance.ItemConfirmNoData: "",
		}
		if _, err := w.gov.RecordOffboarding(w.dpo, rep.AccountID, governance.ItemDeleteCopies, "2026-02-01", ""); !apperr.Is(err, apperr.Invalid) {
			t.Errorf("deletion dated before leaving: %v, want invalid", err)
		}
		for _, it := range governance.Items() {
			o, err = w.gov.RecordOffboarding(w.dpo, rep.AccountID, it.Item, dates[it.Item], "")
			if err != nil {
				t.Fatalf("record %s: %v", it.Item, err)
			}
			w.advance(time.Hour)
		}
		if _, err := w.gov.RecordOffboarding(w.dpo, rep.AccountID, governance.ItemConfirmNoData, "", ""); !apperr.Is(err, apperr.Conflict) {
			t.Errorf("recording a step twice: %v, want conflict", err)
		}
		if !o.Complete || o.CompletedAt.IsZero() {
			t.Errorf("offboarding not complete after every step: %+v", o)
		}
		for _, it := range o.Items {
			want := dates[it.Item]
			if want == "" {
				want = "2026-03-02"
			}
			if !it.Done || it.DoneOn != want || it.RecordedBy != "dpo" || it.RecordedAt.IsZero() {
				t.Errorf("step %s = %+v, want done on %s recorded by dpo", it.Item, it, want)
			}
		}
		if prog, err := w.gov.InProgress(w.dpo); err != nil || len(prog) != 0 {
			t.Errorf("in progress after completion = %+v, %v; want none", prog, err)
		}
		for action, n := range map[string]int{"governance.leave": 1, "account.access_end": 1, "governance.offboarding_item": 4, "governance.offboarding_complete": 1} {
			evs, err := w.c.Audit.List(ctx, audit.Filter{Action: action, EntityID: rep.AccountID})
			if err != nil {
				t.Fatal(err)
			}
			if len(evs) != n {
				t.Errorf("%d %s events, want %d", len(evs), action, n)
			}
		}
	})
}
