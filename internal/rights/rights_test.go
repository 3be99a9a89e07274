package rights_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stewardhq/steward/internal/access"
	"github.com/stewardhq/steward/internal/apperr"
	"github.com/stewardhq/steward/internal/audit"
	"github.com/stewardhq/steward/internal/calendar"
	"github.com/stewardhq/steward/internal/rights"
	"github.com/stewardhq/steward/internal/store"
	"github.com/stewardhq/steward/internal/store/storetest"
	"github.com/stewardhq/steward/internal/subjects"
	"github.com/stewardhq/steward/internal/testkit"
	"github.com/stewardhq/steward/internal/vault"
)

const pw = testkit.Password

type world struct {
	env      storetest.Env
	db       *store.DB
	al       *audit.Log
	acc      *access.Service
	reg      *subjects.Service
	svc      *rights.Service
	v        *vault.Vault
	now      time.Time
	op       context.Context
	root     *access.Unit
	wpA, wpB *access.Unit
}

// newWorld opens the services with the clock at noon UK time on today
// (YYYY-MM-DD), a union with two workplaces, a rep on each, a DPO and a
// membership officer.
func newWorld(t testing.TB, env storetest.Env, region string, today string) *world {
	t.Helper()
	w := &world{env: env}
	w.setToday(t, today)
	c := testkit.Open(t, env, testkit.Options{Clock: func() time.Time { return w.now }})
	w.db, w.al, w.acc, w.v = c.DB, c.Audit, c.Access, c.Vault
	w.reg = subjects.New(c.DB, c.Vault, c.Audit, c.Access, nil, subjects.Config{})
	svc, err := rights.New(c.DB, c.Vault, c.Audit, c.Access, w.reg, nil, rights.Config{Region: calendar.Region(region)})
	if err != nil {
		t.Fatal(err)
	}
	w.svc = svc
	ctx := context.Background()
	if w.root, err = c.Access.CreateUnit(access.WithActor(ctx, access.OperatorActor("")), "", access.KindOrganisation, "Union"); err != nil {
		t.Fatal(err)
	}
	w.op = access.WithActor(ctx, access.OperatorActor(w.root.Path))
	branch := w.unit(t, w.root.ID, access.KindBranch, "Tyneside")
	w.wpA = w.unit(t, branch.ID, access.KindWorkplace, "Riverside Academy")
	w.wpB = w.unit(t, branch.ID, access.KindWorkplace, "Hillcrest College")
	w.account(t, "rep.a", access.RoleRep, w.wpA.ID)
	w.account(t, "rep.b", access.RoleRep, w.wpB.ID)
	w.account(t, "dpo", access.RoleDPO, w.root.ID)
	w.account(t, "membership", access.RoleMembership, w.root.ID)
	w.account(t, "trustee", access.RoleTrustee, w.root.ID)
	return w
}

func (w *world) setToday(t testing.TB, day string) {
	t.Helper()
	d, err := time.Parse(time.DateOnly, day)
	if err != nil {
		t.Fatal(err)
	}
	w.now = d.Add(12 * time.Hour)
}

func (w *world) unit(t testing.TB, parent, kind, name string) *access.Unit {
	return testkit.Unit(t, w.acc, w.op, parent, kind, name)
}

func (w *world) account(t testing.TB, name string, role access.Role, unit string) {
	testkit.Account(t, w.acc, w.op, name, role, unit)
}

func (w *world) as(t testing.TB, name string) context.Context {
	return testkit.As(t, w.acc, name)
}

func wantCode(t *testing.T, err error, code apperr.Code) {
	t.Helper()
	if apperr.CodeOf(err) != code {
		t.Fatalf("got %v, want code %s", err, code)
	}
}

func verbal(received string) rights.LogInput {
	return rights.LogInput{Kind: rights.KindAccess, Channel: rights.ChannelInPerson, Requester: rights.RequesterSelf, ReceivedOn: received,
		Details: rights.Details{RequesterName: "Priya Raman", RequesterEmail: "priya.raman@example.org",
			Description: "Asked in the staff room for a copy of everything the union holds about her grievance."}}
}

func (w *world) logReq(t *testing.T, who string, in rights.LogInput) *rights.Request {
	t.Helper()
	r, err := w.svc.Log(w.as(t, who), in)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func (w *world) step(t *testing.T, r *rights.Request, step rights.Step, on, note string) *rights.Request {
	t.Helper()
	out, err := w.svc.Record(w.as(t, "dpo"), r.ID, rights.StepInput{Step: step, On: on, Note: note, Version: r.Version})
	if err != nil {
		t.Fatalf("%s on %s: %v", step, on, err)
	}
	return out
}

func TestRepLogsVerbalRequestAndDPOSeesTheHandOffClock(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		w := newWorld(t, env, "england-and-wales", "2026-12-22")
		// Told to the rep on Friday 18 December; logged on Tuesday 22nd.
		r := w.logReq(t, "rep.a", verbal("2026-12-18"))
		if r.Status != rights.StatusNew || r.UnitID != w.wpA.ID || r.Ref == "" {
			t.Fatalf("logged: %+v", r)
		}
		// Five working days after Friday 18 Dec, skipping the weekend
		// and 25 and 28 December (Boxing Day's substitute): 29 December.
		if r.ForwardBy != "2026-12-29" || !strings.Contains(r.Clock.ForwardWhy, "within") {
			t.Fatalf("forward by %s: %s", r.ForwardBy, r.Clock.ForwardWhy)
		}
		// One month from 18 December is 18 January, a Monday.
		if r.Clock.Due != "2027-01-18" || r.DueOn != "2027-01-18" || r.Clock.State != "running" {
			t.Fatalf("clock: %+v", r.Clock)
		}
		// The rep sees their own request; the other rep does not, by
		// list or by id; the trustee may not look at requests at all.
		if list, err := w.svc.List(w.as(t, "rep.a"), rights.Filter{}); err != nil || len(list) != 1 {
			t.Fatalf("rep.a list: %v %d", err, len(list))
		}
		if list, err := w.svc.List(w.as(t, "rep.b"), rights.Filter{}); err != nil || len(list) != 0 {
			t.Fatalf("rep.b list: %v %d", err, len(list))
		}
		_, _, err := w.svc.Get(w.as(t, "rep.b"), r.ID)
		wantCode(t, err, apperr.NotFound)
		_, err = w.svc.List(w.as(t, "trustee"), rights.Filter{})
		wantCode(t, err, apperr.Forbidden)
		// A rep cannot work the request.
		_, err = w.svc.Accept(w.as(t, "rep.a"), r.ID, r.Version)
		wantCode(t, err, apperr.Forbidden)

		got, events, err := w.svc.Get(w.as(t, "dpo"), r.ID)
		if err != nil || got.Details.RequesterName != "Priya Raman" || len(events) != 1 || events[0].Step != "logged" {
			t.Fatalf("dpo get: %v %+v %+v", err, got, events)
		}
		_, err = w.svc.Accept(w.as(t, "dpo"), r.ID, 0)
		wantCode(t, err, apperr.Invalid)
		acc, err := w.svc.Accept(w.as(t, "dpo"), r.ID, r.Version)
		if err != nil || acc.Status != rights.StatusOpen || acc.AcceptedBy == "" {
			t.Fatalf("accept: %v %+v", err, acc)
		}
		w.step(t, acc, rights.StepIDRequested, "2026-12-22", "")
		// The rep follows the steps, names included, but not the DPO's notes.
		got, events, err = w.svc.Get(w.as(t, "dpo"), r.ID)
		if err != nil {
			t.Fatal(err)
		}
		w.step(t, got, rights.StepIDReceived, "2026-12-22", "Passport number ending 1234 seen.")
		_, events, err = w.svc.Get(w.as(t, "rep.a"), r.ID)
		if err != nil || len(events) != 4 || events[3].Step != "id_received" || events[3].Note != "" || events[1].ActorName != "dpo" || events[3].StepLabel == "" {
			t.Fatalf("rep's view of the history: %v %+v", err, events)
		}
		// Reading it was audited, without the requester's words.
		evs, err := w.al.List(context.Background(), audit.Filter{Action: "rights.read"})
		// Three reads: the DPO twice, the rep once (rep.b's refused read is
		// not one).
		if err != nil || len(evs) != 3 || evs[0].EntityID != r.ID || len(evs[0].Detail) != 0 {
			t.Fatalf("read audit: %v %+v", err, evs)
		}
	})
}

func TestLateHandOffIsShown(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		w := newWorld(t, env, "scotland", "2026-01-12")
		// Received Wednesday 31 December 2025 in Scotland: 1 and 2
		// January are bank holidays, so the fifth working day after is
		// Friday 9 January; logging on the 12th is late.
		r := w.logReq(t, "rep.a", verbal("2025-12-31"))
		if r.ForwardBy != "2026-01-09" || !strings.Contains(r.Clock.ForwardWhy, "after the hand-off deadline") {
			t.Fatalf("forward by %s: %s", r.ForwardBy, r.Clock.ForwardWhy)
		}
	})
}

func TestIdentityRestartsTheMonthAndClarificationPausesIt(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		w := newWorld(t, env, "england-and-wales", "2026-03-20")
		r := w.logReq(t, "dpo", verbal("2026-03-02"))
		if r.Status != rights.StatusOpen || r.Clock.Due != "2026-04-02" {
			t.Fatalf("logged by the DPO: %+v", r)
		}
		r = w.step(t, r, rights.StepIDRequested, "2026-03-03", "")
		if r.Status != rights.StatusIdentity || r.DueOn != "" || r.Clock.State != "awaiting" {
			t.Fatalf("awaiting ID: %+v", r)
		}
		// The proof must be recorded with what was seen.
		_, err := w.svc.Record(w.as(t, "dpo"), r.ID, rights.StepInput{Step: rights.StepIDReceived, On: "2026-03-09", Version: r.Version})
		wantCode(t, err, apperr.Invalid)
		r = w.step(t, r, rights.StepIDReceived, "2026-03-09", "Passport seen by the DPO; name and date of birth match the register.")
		// The month starts again from 9 March: due 9 April.
		if r.Status != rights.StatusOpen || r.Clock.ClockStart != "2026-03-09" || r.Clock.Due != "2026-04-09" {
			t.Fatalf("after ID: %+v", r.Clock)
		}
		r = w.step(t, r, rights.StepClarificationRequested, "2026-03-10", "Asked which years of casework she means.")
		if r.Status != rights.StatusClarification || r.Clock.State != "paused" || r.DueOn != "" {
			t.Fatalf("paused: %+v", r)
		}
		r = w.step(t, r, rights.StepClarificationReceived, "2026-03-16", "")
		// 10 to 16 March inclusive is 7 days: 9 April + 7 = 16 April.
		if r.Status != rights.StatusOpen || r.Clock.PausedDays != 7 || r.Clock.Due != "2026-04-16" || r.DueOn != "2026-04-16" {
			t.Fatalf("after clarification: %+v", r.Clock)
		}
		// Each step is in the history, with its sealed note.
		_, events, err := w.svc.Get(w.as(t, "dpo"), r.ID)
		if err != nil {
			t.Fatal(err)
		}
		var steps []string
		for _, e := range events {
			steps = append(steps, e.Step)
		}
		if strings.Join(steps, ",") != "logged,accepted,id_requested,id_received,clarification_requested,clarification_received" ||
			!strings.Contains(events[3].Note, "Passport") || events[3].On != "2026-03-09" {
			t.Fatalf("history: %+v", events)
		}
	})
}

func TestImpossibleStepsChangeNothing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		w := newWorld(t, env, "england-and-wales", "2026-03-20")
		r := w.logReq(t, "dpo", verbal("2026-03-02"))
		dpo := w.as(t, "dpo")
		cases := []struct {
			in   rights.StepInput
			code apperr.Code
			msg  string
		}{
			{rights.StepInput{Step: rights.StepIDReceived, On: "2026-03-05", Note: "Passport"}, apperr.Invalid, "asked for first"},
			{rights.StepInput{Step: rights.StepIDRequested, On: "2026-03-25"}, apperr.Invalid, "future"},
			{rights.StepInput{Step: rights.StepIDRequested, On: "2026-03-01"}, apperr.Invalid, "before the request was received"},
			{rights.StepInput{Step: rights.StepIDRequested, On: "2026-02-30"}, apperr.Invalid, "not a date"},
			{rights.StepInput{Step: rights.StepFeeRequested, On: "2026-03-05"}, apperr.Invalid, "manifestly unfounded"},
			{rights.StepInput{Step: "cancel", On: "2026-03-05", Note: "x"}, apperr.Invalid, "Unknown step"},
			{rights.StepInput{Step: rights.StepNote, Note: "stale", Version: r.Version + 5}, apperr.Conflict, "changed this request"},
		}
		for _, c := range cases {
			if c.in.Version == 0 {
				c.in.Version = r.Version
			}
			_, err := w.svc.Record(dpo, r.ID, c.in)
			wantCode(t, err, c.code)
			if !strings.Contains(apperr.MessageOf(err), c.msg) {
				t.Fatalf("%+v: message %q lacks %q", c.in, apperr.MessageOf(err), c.msg)
			}
		}
		// Clarification answered before it was asked: the calculator's
		// objection, in the page's words.
		r = w.step(t, r, rights.StepClarificationRequested, "2026-03-10", "Which years?")
		_, err := w.svc.Record(dpo, r.ID, rights.StepInput{Step: rights.StepClarificationReceived, On: "2026-03-09", Version: r.Version})
		wantCode(t, err, apperr.Invalid)
		if !strings.Contains(apperr.MessageOf(err), "clarification") {
			t.Fatalf("message: %s", apperr.MessageOf(err))
		}
		got, events, err := w.svc.Get(dpo, r.ID)
		if err != nil || got.Version != r.Version || len(events) != 3 || got.Dates.ClarificationReceived != "" {
			t.Fatalf("a refused step changed something: %v %+v %d", err, got, len(events))
		}
	})
}

func TestExtensionOnlyWithinTheFirstMonth(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		w := newWorld(t, env, "england-and-wales", "2027-02-10")
		// Received 31 January 2027: due 28 February, a Sunday, so Monday
		// 1 March; extended, three months on: 30 April, a Friday.
		r := w.logReq(t, "dpo", verbal("2027-01-31"))
		if r.Clock.Due != "2027-03-01" || r.Clock.ExtensionNoticeBy != "2027-03-01" || r.Clock.ExtendedDue != "2027-04-30" {
			t.Fatalf("clock: %+v", r.Clock)
		}
		_, err := w.svc.Extend(w.as(t, "dpo"), r.ID, "", "", r.Version)
		wantCode(t, err, apperr.Invalid)

		late := w.logReq(t, "dpo", rights.LogInput{Kind: rights.KindErasure, Channel: rights.ChannelLetter, Requester: rights.RequesterSelf,
			ReceivedOn: "2027-01-05", Details: rights.Details{RequesterName: "Sam Lee", RequesterPost: "2 Mill Lane, Leeds", Description: "Delete me."}})
		w.setToday(t, "2027-02-06")
		// 5 January + 1 month = 5 February, a Friday: too late on the 6th.
		_, err = w.svc.Extend(w.as(t, "dpo"), late.ID, "Many systems to search.", "", late.Version)
		wantCode(t, err, apperr.Conflict)
		if !strings.Contains(apperr.MessageOf(err), "Friday 5 February 2027") {
			t.Fatalf("message: %s", apperr.MessageOf(err))
		}
		ext, err := w.svc.Extend(w.as(t, "dpo"), r.ID, "Twelve years of casework files across three systems.", "", r.Version)
		if err != nil || ext.Extended != "2027-02-06" || ext.Clock.Applies != "2027-04-30" || ext.DueOn != "2027-04-30" {
			t.Fatalf("extend: %v %+v", err, ext)
		}
		_, err = w.svc.Extend(w.as(t, "dpo"), r.ID, "Again.", "", ext.Version)
		wantCode(t, err, apperr.Conflict)
	})
}

func TestCloseNeedsAnOutcomeAndEndsTheRequest(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		w := newWorld(t, env, "england-and-wales", "2026-03-20")
		r := w.logReq(t, "dpo", verbal("2026-03-02"))
		dpo := w.as(t, "dpo")
		for _, in := range []rights.CloseInput{
			{Outcome: "", Note: "done"},
			{Outcome: rights.OutcomeComplied},
			{Outcome: rights.OutcomeRefused},
			{Outcome: rights.OutcomeDuplicate, Note: "same as before"},
		} {
			in.Version = r.Version
			_, err := w.svc.Close(dpo, r.ID, in)
			wantCode(t, err, apperr.Invalid)
		}
		closed, err := w.svc.Close(dpo, r.ID, rights.CloseInput{Outcome: rights.OutcomeComplied, Note: "Pack sent by email on 19 March.", Version: r.Version})
		if err != nil || closed.Status != rights.StatusClosed || closed.Outcome != rights.OutcomeComplied || closed.ClosedAt.IsZero() {
			t.Fatalf("close: %v %+v", err, closed)
		}
		_, err = w.svc.Record(dpo, r.ID, rights.StepInput{Step: rights.StepNote, Note: "after", Version: closed.Version})
		wantCode(t, err, apperr.Conflict)
		open, _ := w.svc.List(dpo, rights.Filter{})
		done, _ := w.svc.List(dpo, rights.Filter{Closed: true})
		if len(open) != 0 || len(done) != 1 {
			t.Fatalf("board: %d open, %d closed", len(open), len(done))
		}
	})
}

func TestDuplicateSubmissionsAreLinked(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		w := newWorld(t, env, "england-and-wales", "2026-03-20")
		first := w.logReq(t, "rep.a", verbal("2026-03-02"))
		again := verbal("2026-03-10")
		again.Channel = rights.ChannelEmail
		again.Details.RequesterEmail = "  Priya.Raman@EXAMPLE.org "
		second := w.logReq(t, "dpo", again)
		if second.DuplicateOf != first.ID {
			t.Fatalf("second not linked to the first: %+v", second)
		}
		// A rep elsewhere logging the same address learns nothing of the
		// first request; the DPO sees the link.
		third := w.logReq(t, "rep.b", again)
		if third.DuplicateOf != "" {
			t.Fatalf("rep.b told of a request in another workplace: %+v", third)
		}
		if got, _, err := w.svc.Get(w.as(t, "rep.b"), third.ID); err != nil || got.DuplicateOf != "" {
			t.Fatalf("rep.b reading it back: %v %+v", err, got)
		}
		if list, _ := w.svc.List(w.as(t, "rep.b"), rights.Filter{}); len(list) != 1 || list[0].DuplicateOf != "" {
			t.Fatalf("rep.b board: %+v", list)
		}
		if got, _, err := w.svc.Get(w.as(t, "dpo"), third.ID); err != nil || got.DuplicateOf != first.ID {
			t.Fatalf("dpo reading it: %v %+v", err, got)
		}
		// A different right from the same person is its own request.
		other := verbal("2026-03-10")
		other.Kind = rights.KindErasure
		if r := w.logReq(t, "dpo", other); r.DuplicateOf != "" {
			t.Fatalf("erasure linked as a duplicate of access: %+v", r)
		}
		closed, err := w.svc.Close(w.as(t, "dpo"), second.ID, rights.CloseInput{Outcome: rights.OutcomeDuplicate, Note: "Answered with the first.", Version: second.Version})
		if err != nil || closed.DuplicateOf != first.ID {
			t.Fatalf("close as duplicate: %v %+v", err, closed)
		}
	})
}

func TestBadIntakeIsRefused(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		w := newWorld(t, env, "england-and-wales", "2026-03-20")
		mod := func(f func(*rights.LogInput)) rights.LogInput {
			in := verbal("2026-03-02")
			f(&in)
			return in
		}
		cases := map[string]rights.LogInput{
			"kind":       mod(func(in *rights.LogInput) { in.Kind = "everything" }),
			"channel":    mod(func(in *rights.LogInput) { in.Channel = "pigeon" }),
			"name":       mod(func(in *rights.LogInput) { in.Details.RequesterName = " " }),
			"contact":    mod(func(in *rights.LogInput) { in.Details.RequesterEmail = "" }),
			"email":      mod(func(in *rights.LogInput) { in.Details.RequesterEmail = "priya at example" }),
			"described":  mod(func(in *rights.LogInput) { in.Details.Description = "" }),
			"for whom":   mod(func(in *rights.LogInput) { in.Requester = rights.RequesterSolicitor }),
			"future":     mod(func(in *rights.LogInput) { in.ReceivedOn = "2026-03-21" }),
			"not a date": mod(func(in *rights.LogInput) { in.ReceivedOn = "21/03/2026" }),
			"other unit": mod(func(in *rights.LogInput) { in.UnitID = w.wpB.ID }),
		}
		for name, in := range cases {
			_, err := w.svc.Log(w.as(t, "rep.a"), in)
			if err == nil || (apperr.CodeOf(err) != apperr.Invalid && apperr.CodeOf(err) != apperr.Forbidden) {
				t.Fatalf("%s: got %v", name, err)
			}
		}
		if n := storetest.Count(t, w.db.Q(context.Background()), `SELECT count(*) FROM rights_requests`); n != 0 {
			t.Fatalf("%d requests written by refused intakes", n)
		}
	})
}

func TestMatchingAPersonStaysInScope(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		w := newWorld(t, env, "england-and-wales", "2026-03-20")
		p, err := w.reg.Create(w.as(t, "membership"), subjects.Input{UnitID: w.wpA.ID, Kind: subjects.KindMember,
			Profile: subjects.Profile{GivenName: "Priya", FamilyName: "Raman", Email: "priya.raman@example.org"}})
		if err != nil {
			t.Fatal(err)
		}
		r := w.logReq(t, "rep.a", verbal("2026-03-02"))
		m, err := w.svc.Match(w.as(t, "dpo"), r.ID, p.ID, r.Version)
		if err != nil || m.SubjectID != p.ID || m.Status != rights.StatusOpen {
			t.Fatalf("match: %v %+v", err, m)
		}
		_, err = w.svc.Match(w.as(t, "dpo"), r.ID, "01900000-0000-7000-8000-000000000000", m.Version)
		wantCode(t, err, apperr.NotFound)
		// Erasing the person leaves the request, unlinked: the record
		// that their request was handled is still needed.
		if err := w.reg.Erase(w.as(t, "dpo"), p.ID); err != nil {
			t.Fatal(err)
		}
		got, _, err := w.svc.Get(w.as(t, "dpo"), r.ID)
		if err != nil || got.SubjectID != "" || got.Details.RequesterName != "Priya Raman" {
			t.Fatalf("after erasure: %v %+v", err, got)
		}
	})
}

func TestRequestDetailsAreNotInTheDatabaseFile(t *testing.T) {
	env := storetest.SQLiteEnv(t)
	w := newWorld(t, env, "england-and-wales", "2026-03-20")
	r := w.logReq(t, "rep.a", verbal("2026-03-02"))
	w.step(t, r, rights.StepIDRequested, "2026-03-03", "")
	r, _, _ = w.svc.Get(w.as(t, "dpo"), r.ID)
	w.step(t, r, rights.StepIDReceived, "2026-03-05", "Driving licence seen, number ending 4471.")
	if err := w.db.Close(); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"steward.db", "steward.db-wal"} {
		raw, err := os.ReadFile(filepath.Join(env.Dir, f))
		if err != nil {
			continue
		}
		for _, secret := range []string{"Priya", "priya.raman", "staff room", "licence seen"} {
			if bytes.Contains(raw, []byte(secret)) {
				t.Fatalf("%q found in %s", secret, f)
			}
		}
	}
}

func TestPublicFormAndStatusLink(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		w := newWorld(t, env, "england-and-wales", "2026-03-20")
		in := rights.PublicInput{Kind: rights.KindErasure, Requester: rights.RequesterParent, Details: rights.Details{
			RequesterName: "Alex Doe", RequesterEmail: "alex@example.org", SubjectName: "Kim Doe",
			Description: "Please delete my son's details from the youth section."}}
		bad := in
		bad.Details.SubjectName = ""
		if _, err := w.svc.Submit(context.Background(), bad); apperr.CodeOf(err) != apperr.Invalid {
			t.Fatalf("parent without the child's name: %v", err)
		}
		rec, err := w.svc.Submit(context.Background(), in)
		if err != nil || rec.Ref == "" || len(rec.Secret) < 40 {
			t.Fatalf("submit: %v %+v", err, rec)
		}
		st, err := w.svc.Status(context.Background(), rec.Secret)
		if err != nil || st.Ref != rec.Ref || st.Status != rights.StatusNew || st.Due != "2026-04-20" || st.ReceivedOn != "2026-03-20" {
			t.Fatalf("status: %v %+v", err, st)
		}
		flipped := []byte(rec.Secret)
		flipped[0] ^= 1 // another base64url letter or digit
		for _, wrong := range []string{"", "nope", string(flipped), rec.Ref} {
			if _, err := w.svc.Status(context.Background(), wrong); apperr.CodeOf(err) != apperr.NotFound {
				t.Fatalf("status %q: %v", wrong, err)
			}
		}
		// The DPO finds it on the board, from the web, taken on by nobody.
		board, err := w.svc.List(w.as(t, "dpo"), rights.Filter{})
		if err != nil || len(board) != 1 || board[0].Channel != rights.ChannelWeb || board[0].LoggedBy != "" || board[0].UnitID != w.root.ID {
			t.Fatalf("board: %v %+v", err, board)
		}
		r := w.step(t, &board[0], rights.StepIDRequested, "", "")
		st, _ = w.svc.Status(context.Background(), rec.Secret)
		if st.Status != rights.StatusIdentity || st.Due != "" || !strings.Contains(st.Waiting, "proof of identity") {
			t.Fatalf("status while waiting: %+v (%s)", st, r.Status)
		}
	})
}
