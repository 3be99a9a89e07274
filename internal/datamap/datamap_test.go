package datamap_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/stewardhq/steward/internal/access"
	"github.com/stewardhq/steward/internal/apperr"
	"github.com/stewardhq/steward/internal/audit"
	"github.com/stewardhq/steward/internal/datamap"
	"github.com/stewardhq/steward/internal/store"
	"github.com/stewardhq/steward/internal/store/storetest"
	"github.com/stewardhq/steward/internal/vault"
)

type world struct {
	db      *store.DB
	acc     *access.Service
	log     *audit.Log
	dm      *datamap.Service
	dpo     context.Context
	trustee context.Context
	rep     context.Context
	member  context.Context // membership officer
}

func newWorld(t *testing.T, env storetest.Env) *world {
	t.Helper()
	ctx := context.Background()
	vo := vault.Options{DataDir: env.Dir, Keys: env.Keys}
	if _, err := vault.Init(ctx, vo); err != nil {
		t.Fatal(err)
	}
	v, err := vault.Open(ctx, vo)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { v.Close() })
	clk := func() time.Time { return time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC) }
	db, err := store.Open(ctx, store.Options{Target: env.Data, Migrations: store.DataMigrations(), Clock: clk})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	al := audit.New(db, v.SystemKey("audit-checkpoint"))
	acc, err := access.New(db, v, al, nil, access.Config{Hash: access.HashParams{Memory: 8 * 1024, Time: 1, Threads: 1}})
	if err != nil {
		t.Fatal(err)
	}
	root, err := acc.CreateUnit(access.WithActor(ctx, access.OperatorActor("")), "", access.KindOrganisation, "Union")
	if err != nil {
		t.Fatal(err)
	}
	op := access.WithActor(ctx, access.OperatorActor(root.Path))
	wp, err := acc.CreateUnit(op, root.ID, access.KindRegion, "North")
	if err != nil {
		t.Fatal(err)
	}
	w := &world{db: db, acc: acc, log: al, dm: datamap.New(db, al)}
	as := func(name string, role access.Role, unit string) context.Context {
		if _, err := acc.CreateAccount(op, name, "a long enough password"); err != nil {
			t.Fatal(err)
		}
		if _, err := acc.Grant(op, name, role, unit); err != nil {
			t.Fatal(err)
		}
		a, err := acc.Actor(ctx, name, access.ViaCLI)
		if err != nil {
			t.Fatal(err)
		}
		return access.WithActor(ctx, a)
	}
	w.dpo = as("dpo", access.RoleDPO, root.ID)
	w.trustee = as("trustee", access.RoleTrustee, root.ID)
	w.rep = as("rep", access.RoleRep, wp.ID)
	w.member = as("membership", access.RoleMembership, root.ID)
	return w
}

func wantCode(t *testing.T, err error, code apperr.Code) {
	t.Helper()
	if apperr.CodeOf(err) != code {
		t.Fatalf("got error %v, want code %s", err, code)
	}
}

// must is used as must(call())(t): Go passes a call's two results on only
// when they are the whole argument list.
func must[T any](v T, err error) func(t *testing.T) T {
	return func(t *testing.T) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

// events returns the audit actions recorded so far, in order.
func (w *world) events(t *testing.T) []audit.Event {
	t.Helper()
	evs, err := w.log.List(context.Background(), audit.Filter{Limit: audit.MaxLimit})
	if err != nil {
		t.Fatal(err)
	}
	return evs
}

func hasEvent(evs []audit.Event, action, entityID string) bool {
	for _, e := range evs {
		if e.Action == action && (entityID == "" || e.EntityID == entityID) {
			return true
		}
	}
	return false
}

func TestCRUDAndAudit(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		w := newWorld(t, env)
		health := must(w.dm.CreateCategory(w.dpo, datamap.Category{Name: " Health ", Special: datamap.SpecialHealth}))(t)
		if health.Name != "Health" || health.ID == "" {
			t.Fatalf("category %+v", health)
		}
		_, err := w.dm.CreateCategory(w.dpo, datamap.Category{Name: "Health"})
		wantCode(t, err, apperr.Conflict)
		_, err = w.dm.CreateCategory(w.dpo, datamap.Category{Name: "X", Special: "gossip"})
		wantCode(t, err, apperr.Invalid)

		sys := must(w.dm.CreateSystem(w.dpo, datamap.System{Name: "Mailbox", Kind: "mailbox", SearchableBySteward: true}))(t)
		_, err = w.dm.CreateSystem(w.dpo, datamap.System{Name: "Nowhere", Kind: "mailbox", OwnerAccountID: store.NewID()})
		wantCode(t, err, apperr.Invalid)
		rec := must(w.dm.CreateRecipient(w.dpo, datamap.Recipient{Name: "Mailing house", Kind: "processor", ContractStatus: "signed", ContractSigned: "01/04/2025", ContractReview: "2028-03-31"}))(t)
		if rec.ContractSigned != "2025-04-01" {
			t.Fatalf("date not normalised: %q", rec.ContractSigned)
		}
		_, err = w.dm.CreateRecipient(w.dpo, datamap.Recipient{Name: "Bad", Kind: "processor", ContractReview: "31st March"})
		wantCode(t, err, apperr.Invalid)

		act := must(w.dm.CreateActivity(w.dpo, datamap.Activity{Name: "Casework", Purposes: "Representing members", LawfulBasis: "b",
			Art9Condition: "d", CategoryIDs: []string{health.ID, health.ID}, SystemIDs: []string{sys.ID}, RecipientIDs: []string{rec.ID},
			Transfers: []datamap.Transfer{{Destination: "United States", Safeguard: "idta"}, {}}, RetentionMonths: 72}))(t)
		got := must(w.dm.Activity(w.trustee, act.ID))(t)
		if len(got.CategoryIDs) != 1 || len(got.SystemIDs) != 1 || len(got.RecipientIDs) != 1 || len(got.Transfers) != 1 || got.RetentionMonths != 72 {
			t.Fatalf("activity links not stored: %+v", got)
		}
		_, err = w.dm.CreateActivity(w.dpo, datamap.Activity{Name: "Bad links", CategoryIDs: []string{store.NewID()}})
		wantCode(t, err, apperr.Invalid)

		got.Purposes = "Representing and advising members"
		got.SystemIDs = nil
		got.Transfers = nil
		upd := must(w.dm.UpdateActivity(w.dpo, *got))(t)
		again := must(w.dm.Activity(w.dpo, upd.ID))(t)
		if again.Purposes != "Representing and advising members" || len(again.SystemIDs) != 0 || len(again.Transfers) != 0 || !again.CreatedAt.Equal(act.CreatedAt) {
			t.Fatalf("update not stored: %+v", again)
		}
		list := must(w.dm.Activities(w.member))(t)
		if len(list) != 1 || list[0].ID != act.ID {
			t.Fatalf("list %+v", list)
		}

		wantCode(t, w.dm.DeleteCategory(w.dpo, health.ID), apperr.Conflict)
		if err := w.dm.DeleteSystem(w.dpo, sys.ID); err != nil {
			t.Fatal(err)
		}
		if err := w.dm.DeleteActivity(w.dpo, act.ID); err != nil {
			t.Fatal(err)
		}
		if err := w.dm.DeleteCategory(w.dpo, health.ID); err != nil {
			t.Fatal(err)
		}
		_, err = w.dm.Activity(w.dpo, act.ID)
		wantCode(t, err, apperr.NotFound)
		_, err = w.dm.Category(w.dpo, "not-an-id")
		wantCode(t, err, apperr.NotFound)

		ctl := must(w.dm.SetController(w.dpo, datamap.Controller{Name: "Union", Contact: "1 Street", DPO: "dpo@union.example"}))(t)
		if c := must(w.dm.Controller(w.trustee))(t); c.Name != ctl.Name || c.DPO != ctl.DPO {
			t.Fatalf("controller %+v", c)
		}
		must(w.dm.SetController(w.dpo, datamap.Controller{Name: "Union 2"}))(t)

		evs := w.events(t)
		for _, want := range []struct{ action, id string }{
			{"datamap.category.create", health.ID}, {"datamap.system.create", sys.ID}, {"datamap.recipient.create", rec.ID},
			{"datamap.activity.create", act.ID}, {"datamap.activity.update", act.ID}, {"datamap.system.delete", sys.ID},
			{"datamap.activity.delete", act.ID}, {"datamap.category.delete", health.ID}, {"datamap.controller.update", "1"},
		} {
			if !hasEvent(evs, want.action, want.id) {
				t.Errorf("no audit event %s for %s", want.action, want.id)
			}
		}
		for _, e := range evs {
			if e.Action == "datamap.activity.create" && e.ActorID == "" {
				t.Errorf("event without actor: %+v", e)
			}
		}
		// A refused write leaves no event: the conflict on "Health" above.
		n := 0
		for _, e := range evs {
			if e.Action == "datamap.category.create" {
				n++
			}
		}
		if n != 1 {
			t.Errorf("%d category.create events, want 1", n)
		}
	})
}

func TestPermissions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		w := newWorld(t, env)
		c := must(w.dm.CreateCategory(w.dpo, datamap.Category{Name: "Contact details"}))(t)
		// Trustees and membership officers read but do not write.
		for name, ctx := range map[string]context.Context{"trustee": w.trustee, "membership": w.member} {
			if _, err := w.dm.Categories(ctx); err != nil {
				t.Errorf("%s read: %v", name, err)
			}
			_, err := w.dm.CreateCategory(ctx, datamap.Category{Name: "Other"})
			wantCode(t, err, apperr.Forbidden)
			_, err = w.dm.UpdateCategory(ctx, *c)
			wantCode(t, err, apperr.Forbidden)
			wantCode(t, w.dm.DeleteCategory(ctx, c.ID), apperr.Forbidden)
			_, err = w.dm.CreateActivity(ctx, datamap.Activity{Name: "A"})
			wantCode(t, err, apperr.Forbidden)
			_, err = w.dm.SetController(ctx, datamap.Controller{Name: "x"})
			wantCode(t, err, apperr.Forbidden)
			wantCode(t, w.dm.Seed(ctx, datamap.Controller{}), apperr.Forbidden)
		}
		// A rep does neither.
		_, err := w.dm.Categories(w.rep)
		wantCode(t, err, apperr.Forbidden)
		_, err = w.dm.Activities(w.rep)
		wantCode(t, err, apperr.Forbidden)
		_, err = w.dm.ValidateAll(w.rep)
		wantCode(t, err, apperr.Forbidden)
		wantCode(t, w.dm.ExportArt30(w.rep, &bytes.Buffer{}, "csv"), apperr.Forbidden)
		_, err = w.dm.CreateSystem(w.rep, datamap.System{Name: "S", Kind: "paper"})
		wantCode(t, err, apperr.Forbidden)
		// Nobody signed in.
		_, err = w.dm.Categories(context.Background())
		wantCode(t, err, apperr.Unauthenticated)
		wantCode(t, w.dm.ActivityAllows(context.Background(), store.NewID(), c.ID), apperr.Unauthenticated)
	})
}

func gapCodes(gaps []datamap.Gap) []string {
	var out []string
	for _, g := range gaps {
		out = append(out, g.Code)
	}
	return out
}

func TestValidateFindsEachGap(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		w := newWorld(t, env)
		health := must(w.dm.CreateCategory(w.dpo, datamap.Category{Name: "Health", Special: datamap.SpecialHealth}))(t)
		dbs := must(w.dm.CreateCategory(w.dpo, datamap.Category{Name: "DBS", Special: datamap.SpecialCriminal}))(t)
		plain := must(w.dm.CreateCategory(w.dpo, datamap.Category{Name: "Contact"}))(t)
		draft := must(w.dm.CreateRecipient(w.dpo, datamap.Recipient{Name: "Draft processor", Kind: "processor", ContractStatus: "draft"}))(t)
		lapsed := must(w.dm.CreateRecipient(w.dpo, datamap.Recipient{Name: "Lapsed processor", Kind: "processor", ContractStatus: "signed", ContractReview: "2026-01-31"}))(t)
		good := must(w.dm.CreateRecipient(w.dpo, datamap.Recipient{Name: "Good processor", Kind: "processor", ContractStatus: "signed", ContractReview: "2027-01-31"}))(t)
		employer := must(w.dm.CreateRecipient(w.dpo, datamap.Recipient{Name: "Employer", Kind: "employer"}))(t)
		sys := must(w.dm.CreateSystem(w.dpo, datamap.System{Name: "Steward", Kind: "steward"}))(t)

		empty := must(w.dm.CreateActivity(w.dpo, datamap.Activity{Name: "Empty"}))(t)
		gaps := must(w.dm.Validate(w.trustee, empty.ID))(t)
		want := []string{datamap.GapNoPurpose, datamap.GapNoDataSubjects, datamap.GapNoCategories, datamap.GapNoLawfulBasis,
			datamap.GapNoRetention, datamap.GapNoSecurity, datamap.GapNoSystem}
		if got := gapCodes(gaps); !slices.Equal(got, want) {
			t.Fatalf("empty activity gaps %v, want %v", got, want)
		}

		risky := must(w.dm.CreateActivity(w.dpo, datamap.Activity{Name: "Risky", Purposes: "p", DataSubjects: "members", LawfulBasis: "f",
			CategoryIDs: []string{health.ID, dbs.ID, plain.ID}, RecipientIDs: []string{draft.ID, lapsed.ID, good.ID, employer.ID},
			Transfers:     []datamap.Transfer{{Destination: "Narnia"}, {Destination: "Atlantis", Safeguard: "art49_compelling"}},
			RetentionRule: "6 years", SecurityMeasures: "encryption", SystemIDs: []string{sys.ID}}))(t)
		gaps = must(w.dm.Validate(w.dpo, risky.ID))(t)
		want = []string{datamap.GapNoArt9Condition, datamap.GapNoArt10Basis, datamap.GapTransferNoSafeguard, datamap.GapTransferNoDocs,
			datamap.GapProcessorNoContract, datamap.GapProcessorNoContract}
		if got := gapCodes(gaps); !slices.Equal(got, want) {
			t.Fatalf("risky gaps %v, want %v\n%+v", got, want, gaps)
		}
		for _, g := range gaps {
			if g.ActivityID != risky.ID || g.Message == "" {
				t.Errorf("gap %+v", g)
			}
			if g.Code == datamap.GapProcessorNoContract && strings.Contains(g.Message, "Good processor") {
				t.Errorf("current contract flagged: %s", g.Message)
			}
		}

		// Art 9(2)(b) needs a Sch 1 condition and an APD.
		risky.Art9Condition, risky.Art10Basis = "b", "Sch 1 Part 1 para 1"
		risky.RecipientIDs = []string{good.ID}
		risky.Transfers = nil
		must(w.dm.UpdateActivity(w.dpo, *risky))(t)
		gaps = must(w.dm.Validate(w.dpo, risky.ID))(t)
		if got := gapCodes(gaps); !slices.Equal(got, []string{datamap.GapNoSch1Condition, datamap.GapNoAPD}) {
			t.Fatalf("art 9(2)(b) gaps %v", got)
		}
		risky.Sch1Condition, risky.APDReference = "Sch 1 Part 1 para 1", "APD v2"
		must(w.dm.UpdateActivity(w.dpo, *risky))(t)
		if gaps := must(w.dm.Validate(w.dpo, risky.ID))(t); len(gaps) != 0 {
			t.Fatalf("complete activity still has gaps: %+v", gaps)
		}
		// An Art 10 basis marked as needing an APD, with none.
		risky.Art9Condition, risky.Sch1Condition, risky.APDReference, risky.APDRequired = "a", "", "", true
		must(w.dm.UpdateActivity(w.dpo, *risky))(t)
		if got := gapCodes(must(w.dm.Validate(w.dpo, risky.ID))(t)); !slices.Equal(got, []string{datamap.GapNoAPD}) {
			t.Fatalf("flagged APD gaps %v", got)
		}

		all := must(w.dm.ValidateAll(w.trustee))(t)
		if all[0].Code != datamap.GapNoController {
			t.Fatalf("first gap %+v, want the controller", all[0])
		}
		_, err := w.dm.Validate(w.dpo, store.NewID())
		wantCode(t, err, apperr.NotFound)
	})
}

func TestActivityAllows(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		w := newWorld(t, env)
		health := must(w.dm.CreateCategory(w.dpo, datamap.Category{Name: "Health", Special: datamap.SpecialHealth}))(t)
		dbs := must(w.dm.CreateCategory(w.dpo, datamap.Category{Name: "DBS", Special: datamap.SpecialCriminal}))(t)
		plain := must(w.dm.CreateCategory(w.dpo, datamap.Category{Name: "Contact"}))(t)
		other := must(w.dm.CreateCategory(w.dpo, datamap.Category{Name: "Unlinked"}))(t)
		act := must(w.dm.CreateActivity(w.dpo, datamap.Activity{Name: "Casework", LawfulBasis: "b",
			CategoryIDs: []string{health.ID, dbs.ID, plain.ID}}))(t)

		// The rep cannot read the map but may ask, as the records service will.
		if err := w.dm.ActivityAllows(w.rep, act.ID, plain.ID); err != nil {
			t.Fatalf("plain data refused: %v", err)
		}
		wantMsg := func(err error, parts ...string) {
			t.Helper()
			wantCode(t, err, apperr.Invalid)
			for _, p := range parts {
				if !strings.Contains(apperr.MessageOf(err), p) {
					t.Errorf("message %q lacks %q", apperr.MessageOf(err), p)
				}
			}
		}
		wantMsg(w.dm.ActivityAllows(w.rep, act.ID, health.ID), `"Casework" names no Art 9 condition`)
		wantMsg(w.dm.ActivityAllows(w.rep, act.ID, dbs.ID), `"Casework" names no Art 10 basis`)
		wantMsg(w.dm.ActivityAllows(w.rep, act.ID, other.ID), `does not cover the data category "Unlinked"`)

		act.Art9Condition = "h"
		must(w.dm.UpdateActivity(w.dpo, *act))(t)
		wantMsg(w.dm.ActivityAllows(w.rep, act.ID, health.ID), "Sch 1 condition")
		act.Art9Condition, act.Art10Basis = "d", "DPA 2018 Sch 1 Part 3 para 33"
		must(w.dm.UpdateActivity(w.dpo, *act))(t)
		for _, c := range []string{health.ID, dbs.ID} {
			if err := w.dm.ActivityAllows(w.rep, act.ID, c); err != nil {
				t.Fatalf("allowed category refused: %v", err)
			}
		}
		act.LawfulBasis = ""
		must(w.dm.UpdateActivity(w.dpo, *act))(t)
		wantMsg(w.dm.ActivityAllows(w.rep, act.ID, health.ID), "Art 6")
		wantCode(t, w.dm.ActivityAllows(w.rep, store.NewID(), health.ID), apperr.NotFound)
		if sp := must(w.dm.CategorySpecial(w.rep, dbs.ID))(t); !sp.IsCriminal() {
			t.Fatalf("special %q", sp)
		}
	})
}

func TestSeedAndExport(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		w := newWorld(t, env)
		if err := w.dm.Seed(w.dpo, datamap.Controller{Name: "Test Union", Contact: "1 Test Street", DPO: "dpo@test.example"}); err != nil {
			t.Fatal(err)
		}
		acts := must(w.dm.Activities(w.dpo))(t)
		if len(acts) != 8 {
			t.Fatalf("%d activities seeded", len(acts))
		}
		// A second run changes nothing.
		if err := w.dm.Seed(w.dpo, datamap.Controller{}); err != nil {
			t.Fatal(err)
		}
		if n := len(must(w.dm.Activities(w.dpo))(t)); n != 8 {
			t.Fatalf("%d activities after a second seed", n)
		}
		// The demo map's one deliberate gap: the survey processor's draft contract.
		gaps := must(w.dm.ValidateAll(w.dpo))(t)
		if len(gaps) != 1 || gaps[0].Code != datamap.GapProcessorNoContract {
			t.Fatalf("seeded map gaps: %+v", gaps)
		}
		// A value a spreadsheet would run as a formula.
		for _, a := range acts {
			if a.Name == "Events" {
				a.Purposes = "=HYPERLINK(\"http://evil.example\",\"click\")"
				a.Owner = "@SUM(1+1)"
				must(w.dm.UpdateActivity(w.dpo, a))(t)
			}
		}

		cols := datamap.Art30Columns()
		for _, field := range []string{"Controller name", "Joint controller", "representative", "Data protection officer",
			"Purposes", "Categories of data subjects", "Categories of personal data", "Categories of recipients", "third countries",
			"Transfers", "Art 49(1)", "time limits for erasure", "security measures", "Lawful basis", "Art 9(2)", "Art 10",
			"Sch 1 condition", "policy document", "para 41(c)", "Systems", "Privacy notice"} {
			found := false
			for _, c := range cols {
				found = found || strings.Contains(c, field)
			}
			if !found {
				t.Errorf("no column for %q", field)
			}
		}

		var csvBuf bytes.Buffer
		if err := w.dm.ExportArt30(w.trustee, &csvBuf, "csv"); err != nil {
			t.Fatal(err)
		}
		recs, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(csvBuf.String(), "\ufeff"))).ReadAll()
		if err != nil {
			t.Fatalf("csv does not parse: %v", err)
		}
		if !slices.Equal(recs[0], cols) || len(recs) != 9 {
			t.Fatalf("csv header %v, %d rows", recs[0], len(recs))
		}
		for _, r := range recs[1:] {
			if r[0] == "Events" {
				if r[5] != `'=HYPERLINK("http://evil.example","click")` || r[len(r)-1] != "'@SUM(1+1)" {
					t.Errorf("formula not neutralised: %q %q", r[5], r[len(r)-1])
				}
			}
			if r[0] == "Staff recruitment" && (!strings.Contains(r[17], "version 2") || !strings.Contains(r[7], "Criminal")) {
				t.Errorf("recruitment row: %q", r)
			}
			if r[1] != "Test Union, 1 Test Street" || r[4] != "dpo@test.example" {
				t.Errorf("controller columns %q %q", r[1], r[4])
			}
		}

		var xBuf bytes.Buffer
		if err := w.dm.ExportArt30(w.dpo, &xBuf, "xlsx"); err != nil {
			t.Fatal(err)
		}
		f, err := excelize.OpenReader(&xBuf)
		if err != nil {
			t.Fatalf("xlsx does not open: %v", err)
		}
		defer f.Close()
		rows, err := f.GetRows(f.GetSheetName(0))
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(rows[0], cols) || len(rows) != 9 {
			t.Fatalf("xlsx header %v, %d rows", rows[0], len(rows))
		}
		for i, r := range rows[1:] {
			if !slices.Equal(r, recs[i+1]) && r[0] != "Events" {
				t.Errorf("xlsx row %d differs from csv:\n%q\n%q", i, r, recs[i+1])
			}
		}
		// In XLSX the cell is text, not a formula.
		for i := 2; i <= len(rows); i++ {
			cell := "F" + strconv.Itoa(i)
			if formula, _ := f.GetCellFormula(f.GetSheetName(0), cell); formula != "" {
				t.Errorf("cell %s holds a formula %q", cell, formula)
			}
		}

		wantCode(t, w.dm.ExportArt30(w.dpo, &bytes.Buffer{}, "pdf"), apperr.Invalid)
		if !hasEvent(w.events(t), "datamap.export", "art30") {
			t.Error("export not audited")
		}
	})
}
