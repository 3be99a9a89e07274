package disclosures_test

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stewardhq/steward/internal/access"
	"github.com/stewardhq/steward/internal/apperr"
	"github.com/stewardhq/steward/internal/audit"
	"github.com/stewardhq/steward/internal/datamap"
	"github.com/stewardhq/steward/internal/disclosures"
	"github.com/stewardhq/steward/internal/store/storetest"
	"github.com/stewardhq/steward/internal/subjects"
	"github.com/stewardhq/steward/internal/testkit"
)

type world struct {
	c        *testkit.Core
	reg      *subjects.Service
	dm       *datamap.Service
	svc      *disclosures.Service
	now      time.Time
	root     *access.Unit
	wpA, wpB *access.Unit
	police   *datamap.Recipient
	mailing  *datamap.Recipient
	survey   *datamap.Recipient
	contact  string // a data category id
	priya    *subjects.Subject
	tom      *subjects.Subject
}

// newWorld: a union with a branch of two workplaces, a rep and an officer
// on workplace A, a DPO; the seeded data map plus the police (no
// contract), and a survey tool abroad with a signed contract but no
// safeguard; Priya in workplace A and Tom in workplace B.
func newWorld(t *testing.T, env storetest.Env) *world {
	t.Helper()
	w := &world{now: time.Date(2026, 5, 11, 11, 0, 0, 0, time.UTC)}
	w.c = testkit.Open(t, env, testkit.Options{Clock: func() time.Time { return w.now }})
	w.reg = subjects.New(w.c.DB, w.c.Vault, w.c.Audit, w.c.Access, nil, subjects.Config{})
	w.dm = datamap.New(w.c.DB, w.c.Audit)
	w.svc = disclosures.New(w.c.DB, w.c.Vault, w.c.Audit, w.dm, w.reg, w.c.Access)
	ctx := context.Background()
	var err error
	if w.root, err = w.c.Access.CreateUnit(access.WithActor(ctx, access.OperatorActor("")), "", access.KindOrganisation, "Union"); err != nil {
		t.Fatal(err)
	}
	op := access.WithActor(ctx, access.OperatorActor(w.root.Path))
	branch := testkit.Unit(t, w.c.Access, op, w.root.ID, access.KindBranch, "Tyneside")
	w.wpA = testkit.Unit(t, w.c.Access, op, branch.ID, access.KindWorkplace, "Riverside Academy")
	w.wpB = testkit.Unit(t, w.c.Access, op, branch.ID, access.KindWorkplace, "Hillcrest College")
	testkit.Account(t, w.c.Access, op, "rep", access.RoleRep, w.wpA.ID)
	testkit.Account(t, w.c.Access, op, "officer", access.RoleOfficer, w.wpA.ID)
	testkit.Account(t, w.c.Access, op, "dpo", access.RoleDPO, w.root.ID)
	testkit.Account(t, w.c.Access, op, "membership", access.RoleMembership, w.root.ID)
	dpo := w.as(t, "dpo")
	if err := w.dm.Seed(dpo, datamap.Controller{Name: "Union", DPO: "dpo@example.org"}); err != nil {
		t.Fatal(err)
	}
	if w.police, err = w.dm.CreateRecipient(dpo, datamap.Recipient{Name: "Northumbria Police", Kind: "public_authority", Country: "United Kingdom"}); err != nil {
		t.Fatal(err)
	}
	if w.survey, err = w.dm.CreateRecipient(dpo, datamap.Recipient{Name: "Survey tool", Kind: "processor", ContractStatus: "signed",
		ContractSigned: "2026-01-01", Country: "United States"}); err != nil {
		t.Fatal(err)
	}
	rcs, err := w.dm.Recipients(dpo)
	if err != nil {
		t.Fatal(err)
	}
	for i := range rcs {
		if rcs[i].Name == "Mailing house" {
			w.mailing = &rcs[i]
		}
	}
	cats, err := w.dm.Categories(dpo)
	if err != nil {
		t.Fatal(err)
	}
	w.contact = cats[0].ID
	mem := w.as(t, "membership")
	if w.priya, err = w.reg.Create(mem, subjects.Input{UnitID: w.wpA.ID, Kind: subjects.KindMember,
		Profile: subjects.Profile{GivenName: "Priya", FamilyName: "Raman", Email: "priya@example.org"}}); err != nil {
		t.Fatal(err)
	}
	if w.tom, err = w.reg.Create(mem, subjects.Input{UnitID: w.wpB.ID, Kind: subjects.KindMember,
		Profile: subjects.Profile{GivenName: "Tom", FamilyName: "Reed", Email: "tom@example.org"}}); err != nil {
		t.Fatal(err)
	}
	return w
}

func (w *world) as(t *testing.T, name string) context.Context { return testkit.As(t, w.c.Access, name) }

func wantCode(t *testing.T, err error, code apperr.Code) {
	t.Helper()
	if apperr.CodeOf(err) != code {
		t.Fatalf("got %v, want code %s", err, code)
	}
}

const reasoning = "DC Hughes (collar 4471) asked for Priya Raman's home address to trace a witness to an assault on 2 May; refusing would prejudice the investigation."

func (w *world) policeInput() disclosures.NewDisclosure {
	return disclosures.NewDisclosure{RecipientID: w.police.ID, SubjectIDs: []string{w.priya.ID}, CategoryIDs: []string{w.contact},
		Basis: disclosures.BasisCrime, Reference: "Form DP7 ref NP-2026-0412 for Priya Raman", Reasoning: reasoning, Prejudice: true}
}

// TestHeldUntilTheDPOApproves: sharing with the police (no contract) or a
// survey tool abroad without a safeguard waits for the DPO; an officer
// cannot approve it; the DPO approves one and refuses the other, each with
// a reason; a processor with a current contract in the UK is approved at
// once. An exemption without its reasoning or reference is refused.
func TestHeldUntilTheDPOApproves(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		w := newWorld(t, env)
		officer, dpo := w.as(t, "officer"), w.as(t, "dpo")

		in := w.policeInput()
		in.Reasoning = ""
		_, err := w.svc.Create(officer, in)
		wantCode(t, err, apperr.Invalid)
		in = w.policeInput()
		in.Reference = ""
		_, err = w.svc.Create(officer, in)
		wantCode(t, err, apperr.Invalid)

		d, err := w.svc.Create(officer, w.policeInput())
		if err != nil {
			t.Fatal(err)
		}
		if d.State != disclosures.StatePending || len(d.HeldFor) != 1 || d.HeldFor[0] != disclosures.HoldNoContract {
			t.Fatalf("police disclosure: state %s held for %v", d.State, d.HeldFor)
		}
		abroad, err := w.svc.Create(officer, disclosures.NewDisclosure{RecipientID: w.survey.ID, SubjectIDs: []string{w.priya.ID},
			CategoryIDs: []string{w.contact}, Basis: disclosures.BasisLegitimateInterest})
		if err != nil {
			t.Fatal(err)
		}
		if abroad.State != disclosures.StatePending || strings.Join(abroad.HeldFor, ",") != disclosures.HoldNoSafeguard {
			t.Fatalf("survey abroad: state %s held for %v", abroad.State, abroad.HeldFor)
		}
		mail, err := w.svc.Create(officer, disclosures.NewDisclosure{RecipientID: w.mailing.ID, SubjectIDs: []string{w.priya.ID},
			CategoryIDs: []string{w.contact}, Basis: disclosures.BasisLegitimateInterest})
		if err != nil {
			t.Fatal(err)
		}
		if mail.State != disclosures.StateApproved || mail.DecidedBy == "" {
			t.Fatalf("mailing house with a current contract: %+v", mail)
		}

		// Nothing held counts as received until the DPO approves it.
		names, err := w.svc.DisclosedTo(dpo, w.priya.ID)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Join(names, "|") != "Mailing house" {
			t.Fatalf("received before approval: %v", names)
		}

		_, err = w.svc.Decide(officer, d.ID, true, "Looks fine.")
		wantCode(t, err, apperr.Forbidden)
		// An officer over the whole organisation (a national officer)
		// approves disclosures but is not the DPO: they cannot release a
		// held one either.
		testkit.Account(t, w.c.Access, access.WithActor(context.Background(), access.OperatorActor(w.root.Path)), "national", access.RoleOfficer, w.root.ID)
		national := w.as(t, "national")
		if w.svc.CanDecide(national) {
			t.Fatal("a national officer is offered the DPO's decision")
		}
		_, err = w.svc.Decide(national, d.ID, true, "Looks fine.")
		wantCode(t, err, apperr.Forbidden)
		_, err = w.svc.Decide(dpo, d.ID, true, "  ")
		wantCode(t, err, apperr.Invalid)
		got, err := w.svc.Decide(dpo, d.ID, true, "Sch 2 para 2 applies: a written request from the force's DP officer, minimum data.")
		if err != nil {
			t.Fatal(err)
		}
		if got.State != disclosures.StateApproved || !strings.HasPrefix(got.DecisionReason, "Sch 2 para 2") {
			t.Fatalf("approved: %+v", got)
		}
		_, err = w.svc.Decide(dpo, d.ID, false, "Changed my mind.")
		wantCode(t, err, apperr.Conflict)
		if _, err := w.svc.Decide(dpo, abroad.ID, false, "No IDTA with the survey tool yet."); err != nil {
			t.Fatal(err)
		}
		names, err = w.svc.DisclosedTo(dpo, w.priya.ID)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Join(names, "|") != "Northumbria Police|Mailing house" {
			t.Fatalf("received after the decisions: %v", names)
		}
		pending, err := w.svc.List(dpo, disclosures.Filter{State: disclosures.StatePending})
		if err != nil {
			t.Fatal(err)
		}
		if len(pending) != 0 {
			t.Fatalf("still pending: %+v", pending)
		}
	})
}

// TestScope: an officer logs disclosures only of people in their units and
// sees only disclosures whose people are all in their scope; a rep cannot
// log one at all; the person page's list needs subjects:read over them.
func TestScope(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		w := newWorld(t, env)
		officer, dpo := w.as(t, "officer"), w.as(t, "dpo")
		_, err := w.svc.Create(w.as(t, "rep"), w.policeInput())
		wantCode(t, err, apperr.Forbidden)
		in := w.policeInput()
		in.SubjectIDs = []string{w.priya.ID, w.tom.ID}
		_, err = w.svc.Create(officer, in)
		wantCode(t, err, apperr.NotFound)
		both, err := w.svc.Create(dpo, in)
		if err != nil {
			t.Fatal(err)
		}
		_, err = w.svc.Get(officer, both.ID)
		wantCode(t, err, apperr.NotFound)
		list, err := w.svc.List(officer, disclosures.Filter{})
		if err != nil {
			t.Fatal(err)
		}
		if len(list) != 0 {
			t.Fatalf("the officer sees a disclosure naming someone outside their scope: %+v", list)
		}
		if list, err = w.svc.List(dpo, disclosures.Filter{}); err != nil || len(list) != 1 || list[0].People != 2 {
			t.Fatalf("DPO's log: %+v, %v", list, err)
		}
		// The police disclosure is marked as prejudicial to tell Priya
		// about: the rep, who sees her every day, is not shown it; the
		// officer, who may log disclosures for her, is.
		if _, err := w.svc.Create(officer, w.policeInput()); err != nil {
			t.Fatal(err)
		}
		plain := w.policeInput()
		plain.Prejudice = false
		if _, err := w.svc.Create(officer, plain); err != nil {
			t.Fatal(err)
		}
		if list, err := w.svc.ForSubject(w.as(t, "rep"), w.priya.ID); err != nil || len(list) != 1 || list[0].Prejudice {
			t.Fatalf("the rep's view of Priya's disclosures: %+v, %v", list, err)
		}
		if list, err := w.svc.ForSubject(officer, w.priya.ID); err != nil || len(list) != 3 { // and the DPO's, naming Tom too
			t.Fatalf("the officer's view of Priya's disclosures: %+v, %v", list, err)
		}
		_, err = w.svc.ForSubject(w.as(t, "rep"), w.tom.ID)
		wantCode(t, err, apperr.NotFound)
		// Who received Tom's data is the DPO's to ask, not an officer's
		// of another branch.
		_, err = w.svc.DisclosedTo(officer, w.tom.ID)
		wantCode(t, err, apperr.NotFound)
		if _, err := w.svc.DisclosedTo(dpo, w.tom.ID); err != nil {
			t.Fatalf("the DPO asks who received Tom's data: %v", err)
		}
	})
}

// TestReasoningIsSealed: the reasoning, the reference and the DPO's
// reason are not in the database or the audit log in clear, and Get opens
// them again.
func TestReasoningIsSealed(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		w := newWorld(t, env)
		dpo := w.as(t, "dpo")
		d, err := w.svc.Create(dpo, w.policeInput())
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.svc.Decide(dpo, d.ID, true, "Approved for DC Hughes: minimum data."); err != nil {
			t.Fatal(err)
		}
		var ref, why, dec []byte
		if err := w.c.DB.Q(context.Background()).QueryRowContext(context.Background(),
			`SELECT reference, reasoning, decision_reason FROM disclosures WHERE id = $1`, d.ID).Scan(&ref, &why, &dec); err != nil {
			t.Fatal(err)
		}
		for _, b := range [][]byte{ref, why, dec} {
			if len(b) == 0 || bytes.Contains(b, []byte("Hughes")) || bytes.Contains(b, []byte("Raman")) {
				t.Fatalf("a sealed column is empty or in clear: %q", b)
			}
		}
		events, err := w.c.Audit.List(context.Background(), audit.Filter{Limit: audit.MaxLimit})
		if err != nil {
			t.Fatal(err)
		}
		actions := map[string]bool{}
		for _, e := range events {
			actions[e.Action] = true
			for _, v := range e.Detail {
				if strings.Contains(v, "Hughes") || strings.Contains(v, "Raman") || strings.Contains(v, "NP-2026") {
					t.Fatalf("audit event %s carries plaintext: %v", e.Action, e.Detail)
				}
			}
		}
		for _, a := range []string{"disclosure.create", "disclosure.subject", "disclosure.approve"} {
			if !actions[a] {
				t.Fatalf("no %s event among %v", a, actions)
			}
		}
		got, err := w.svc.Get(dpo, d.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Reasoning != reasoning || !strings.Contains(got.Reference, "NP-2026-0412") || len(got.SubjectIDs) != 1 || !got.Prejudice {
			t.Fatalf("opened: %+v", got)
		}
	})
}

// TestSourceListsApprovedDisclosures: an access request's source lists who
// received the person's data, with date, categories and basis, and only
// once approved; the other person's collection shows nothing.
func TestSourceListsApprovedDisclosures(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		w := newWorld(t, env)
		dpo := w.as(t, "dpo")
		d, err := w.svc.Create(dpo, w.policeInput())
		if err != nil {
			t.Fatal(err)
		}
		src := w.svc.Source()
		items, err := src.Collect(dpo, w.priya.ID)
		if err != nil || len(items) != 0 {
			t.Fatalf("a pending disclosure is collected: %+v, %v", items, err)
		}
		if _, err := w.svc.Decide(dpo, d.ID, true, "Approved."); err != nil {
			t.Fatal(err)
		}
		items, err = src.Collect(dpo, w.priya.ID)
		if err != nil || len(items) != 1 {
			t.Fatalf("collected: %+v, %v", items, err)
		}
		it := items[0]
		text := it.Title
		for _, f := range it.Fields {
			text += "|" + f.Label + "=" + f.Value
		}
		for _, want := range []string{"Northumbria Police", "Date=2026-05-11", "Sch 2 para 2", "Lawful basis or exemption"} {
			if !strings.Contains(text, want) {
				t.Fatalf("item lacks %q: %s", want, text)
			}
		}
		if strings.Contains(text, "Hughes") || strings.Contains(text, "NP-2026") {
			t.Fatalf("the item shows the reasoning or reference: %s", text)
		}
		if !strings.Contains(it.ReviewNote, "may prejudice") {
			t.Fatalf("a disclosure marked as prejudicial has no review note: %q", it.ReviewNote)
		}
		if items, err := src.Collect(dpo, w.tom.ID); err != nil || len(items) != 0 {
			t.Fatalf("Tom's collection: %+v, %v", items, err)
		}
	})
}
