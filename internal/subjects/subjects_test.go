package subjects_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stewardhq/steward/internal/access"
	"github.com/stewardhq/steward/internal/apperr"
	"github.com/stewardhq/steward/internal/audit"
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
	v        *vault.Vault
	log      *audit.Log
	acc      *access.Service
	reg      *subjects.Service
	op       context.Context
	root     *access.Unit
	wpA, wpB *access.Unit
}

func newWorld(t *testing.T, env storetest.Env) *world {
	t.Helper()
	ctx := context.Background()
	c := testkit.Open(t, env, testkit.Options{})
	db, v, al, acc := c.DB, c.Vault, c.Audit, c.Access
	var err error
	w := &world{env: env, db: db, v: v, log: al, acc: acc, reg: subjects.New(db, v, al, acc, nil, subjects.Config{})}
	if w.root, err = acc.CreateUnit(access.WithActor(ctx, access.OperatorActor("")), "", access.KindOrganisation, "Union"); err != nil {
		t.Fatal(err)
	}
	w.op = access.WithActor(ctx, access.OperatorActor(w.root.Path))
	branch := w.unit(t, w.root.ID, access.KindBranch, "Tyneside")
	w.wpA = w.unit(t, branch.ID, access.KindWorkplace, "Riverside Academy")
	w.wpB = w.unit(t, branch.ID, access.KindWorkplace, "Hillcrest College")
	w.account(t, "rep.a", access.RoleRep, w.wpA.ID)
	w.account(t, "dpo", access.RoleDPO, w.root.ID)
	w.account(t, "membership", access.RoleMembership, w.root.ID)
	return w
}

func (w *world) unit(t *testing.T, parent, kind, name string) *access.Unit {
	return testkit.Unit(t, w.acc, w.op, parent, kind, name)
}

func (w *world) account(t *testing.T, name string, role access.Role, unit string) {
	testkit.Account(t, w.acc, w.op, name, role, unit)
}

func (w *world) as(t *testing.T, name string) context.Context {
	return testkit.As(t, w.acc, name)
}

func (w *world) person(t *testing.T, unit string, p subjects.Profile) *subjects.Subject {
	t.Helper()
	s, err := w.reg.Create(w.as(t, "membership"), subjects.Input{UnitID: unit, Kind: subjects.KindMember, Profile: p, JoinedOn: "2019-09-01"})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func wantCode(t *testing.T, err error, code apperr.Code) {
	t.Helper()
	if apperr.CodeOf(err) != code {
		t.Fatalf("got %v, want code %s", err, code)
	}
}

func jo() subjects.Profile {
	return subjects.Profile{GivenName: "Jo", FamilyName: "Bloggs", Email: "Jo.Bloggs@Example.org", Phone: "07700 900123",
		Address: "1 High Street\nGateshead", Postcode: "ne8 1aa", NINumber: "QQ 12 34 56 C", DateOfBirth: "14/02/1980", MembershipNo: "M-0001"}
}

func TestCreateReadIsAuditedAndScoped(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		w := newWorld(t, env)
		a := w.person(t, w.wpA.ID, jo())
		b := w.person(t, w.wpB.ID, subjects.Profile{GivenName: "Sam", FamilyName: "Other", Email: "sam@example.org", MembershipNo: "M-0002"})
		if a.Profile.DateOfBirth != "1980-02-14" || a.Profile.NINumber != "QQ123456C" || a.Profile.Postcode != "NE8 1AA" {
			t.Fatalf("profile not cleaned: %+v", a.Profile)
		}
		rep := w.as(t, "rep.a")
		got, err := w.reg.Get(rep, a.ID, "casework")
		if err != nil || got.Profile.Email != "Jo.Bloggs@Example.org" {
			t.Fatalf("rep reading own member: %+v %v", got, err)
		}
		_, err = w.reg.Get(rep, b.ID, "")
		wantCode(t, err, apperr.NotFound)
		list, _, err := w.reg.List(rep, subjects.Filter{})
		if err != nil || len(list) != 1 || list[0].ID != a.ID {
			t.Fatalf("rep list: %d people, %v", len(list), err)
		}
		hits, err := w.reg.Search(rep, "sam@example.org")
		if err != nil || len(hits) != 0 {
			t.Fatalf("rep found another workplace's member by email: %d %v", len(hits), err)
		}
		// A rep may read but not add or change.
		_, err = w.reg.Create(rep, subjects.Input{UnitID: w.wpA.ID, Profile: subjects.Profile{GivenName: "X"}})
		wantCode(t, err, apperr.Forbidden)
		evs, err := w.log.List(context.Background(), audit.Filter{SubjectID: a.ID})
		if err != nil {
			t.Fatal(err)
		}
		var reads int
		for _, e := range evs {
			if e.Action == "subject.read" && e.Purpose == "casework" {
				reads++
			}
		}
		if reads != 1 {
			t.Fatalf("subject.read events for the rep's read: %d, want 1", reads)
		}
	})
}

func TestSearchByEveryIdentifier(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		w := newWorld(t, env)
		a := w.person(t, w.wpA.ID, jo())
		w.person(t, w.wpA.ID, subjects.Profile{GivenName: "Jo", FamilyName: "Other", MembershipNo: "M-0003"})
		dpo := w.as(t, "dpo")
		for _, q := range []string{" jo.bloggs@example.ORG ", "+44 7700 900123", "07700900123", "qq123456c", "1980-02-14", "14/02/1980",
			"NE81AA", "m-0001", "JO BLOGGS", "Bloggs"} {
			hits, err := w.reg.Search(dpo, q)
			if err != nil {
				t.Fatalf("search %q: %v", q, err)
			}
			if len(hits) != 1 || hits[0].ID != a.ID {
				t.Errorf("search %q: %d hits, want Jo Bloggs", q, len(hits))
			}
		}
		if hits, _ := w.reg.Search(dpo, "Jo"); len(hits) != 0 {
			t.Errorf("a given name alone matched %d people; only whole names and family names are indexed", len(hits))
		}
		_, err := w.reg.Search(dpo, "   ")
		wantCode(t, err, apperr.Invalid)
	})
}

func TestRectificationKeepsHistoryAndVersion(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		w := newWorld(t, env)
		a := w.person(t, w.wpA.ID, jo())
		mem := w.as(t, "membership")
		in := subjects.Input{UnitID: w.wpA.ID, Kind: subjects.KindMember, Profile: a.Profile, JoinedOn: a.JoinedOn}
		in.Profile.Email = "jo@newmail.example"
		up, err := w.reg.Update(mem, a.ID, a.Version, in, "member asked by phone")
		if err != nil {
			t.Fatal(err)
		}
		_, err = w.reg.Update(mem, a.ID, a.Version, in, "stale")
		wantCode(t, err, apperr.Conflict)
		_, err = w.reg.Update(mem, a.ID, up.Version, in, "")
		wantCode(t, err, apperr.Invalid)
		hist, err := w.reg.History(w.as(t, "dpo"), a.ID)
		if err != nil || len(hist) != 1 || hist[0].Field != "email" || hist[0].OldValue != "Jo.Bloggs@Example.org" || hist[0].Reason != "member asked by phone" {
			t.Fatalf("history %+v %v", hist, err)
		}
		// Search follows the change.
		if hits, _ := w.reg.Search(w.as(t, "dpo"), "jo@newmail.example"); len(hits) != 1 {
			t.Fatal("new email not searchable")
		}
		if hits, _ := w.reg.Search(w.as(t, "dpo"), "jo.bloggs@example.org"); len(hits) != 0 {
			t.Fatal("old email still found")
		}
		// Restricted: only the DPO may change it.
		if err := w.reg.SetRestricted(w.as(t, "dpo"), a.ID, true, "accuracy contested"); err != nil {
			t.Fatal(err)
		}
		cur, _ := w.reg.Get(w.as(t, "dpo"), a.ID, "")
		_, err = w.reg.Update(mem, a.ID, cur.Version, in, "more")
		wantCode(t, err, apperr.Forbidden)
		wantCode(t, w.reg.SetRestricted(mem, a.ID, false, ""), apperr.Forbidden)
	})
}

func TestChildrenAndBadInput(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		w := newWorld(t, env)
		kid := w.person(t, w.wpA.ID, subjects.Profile{GivenName: "Ali", FamilyName: "Young", DateOfBirth: time.Now().AddDate(-10, 0, 0).Format(time.DateOnly)})
		if !kid.Child {
			t.Fatal("a ten-year-old is not flagged as a child")
		}
		adult := w.person(t, w.wpA.ID, jo())
		if adult.Child {
			t.Fatal("an adult is flagged as a child")
		}
		mem := w.as(t, "membership")
		for _, in := range []subjects.Input{
			{UnitID: w.wpA.ID, Profile: subjects.Profile{GivenName: "X", Email: "not-an-email"}},
			{UnitID: w.wpA.ID, Profile: subjects.Profile{GivenName: "X", DateOfBirth: "31/02/2001"}},
			{UnitID: w.wpA.ID, Profile: subjects.Profile{GivenName: "X", Phone: "call me"}},
			{UnitID: w.wpA.ID, Profile: subjects.Profile{}},
			{UnitID: "nope", Profile: subjects.Profile{GivenName: "X"}},
			{UnitID: w.wpA.ID, Kind: "alien", Profile: subjects.Profile{GivenName: "X"}},
			{UnitID: w.wpA.ID, Profile: subjects.Profile{GivenName: "X"}, JoinedOn: "2020-01-01", LeftOn: "2019-01-01"},
		} {
			_, err := w.reg.Create(mem, in)
			wantCode(t, err, apperr.Invalid)
		}
		_, err := w.reg.Create(mem, subjects.Input{UnitID: w.wpA.ID, Profile: subjects.Profile{GivenName: "Dup", MembershipNo: "M-0001"}})
		wantCode(t, err, apperr.Conflict)
	})
}

func TestEraseShredsAndDeletes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		w := newWorld(t, env)
		a := w.person(t, w.wpA.ID, jo())
		wantCode(t, w.reg.Erase(w.as(t, "membership"), a.ID), apperr.Forbidden)
		if err := w.reg.Erase(w.as(t, "dpo"), a.ID); err != nil {
			t.Fatal(err)
		}
		_, err := w.reg.Get(w.as(t, "dpo"), a.ID, "")
		wantCode(t, err, apperr.NotFound)
		if shredded, _ := w.v.Shredded(context.Background(), a.ID); !shredded {
			t.Fatal("key not shredded")
		}
		ctx := context.Background()
		if n := storetest.Count(t, w.db.Q(ctx), `SELECT count(*) FROM subjects WHERE id = $1`, a.ID); n != 0 {
			t.Fatalf("the person's row, and with it their blind indexes, is still there")
		}
		if n := storetest.Count(t, w.db.Q(ctx), `SELECT count(*) FROM erasures WHERE subject_id = $1`, a.ID); n != 1 {
			t.Fatal("erasure not logged")
		}
	})
}

// TestNoPersonalDataInTheDatabaseFile greps the raw SQLite files for the
// names, emails and numbers of people just stored.
func TestNoPersonalDataInTheDatabaseFile(t *testing.T) {
	env := storetest.SQLiteEnv(t)
	w := newWorld(t, env)
	p := jo()
	a := w.person(t, w.wpA.ID, p)
	in := subjects.Input{UnitID: w.wpA.ID, Kind: subjects.KindMember, Profile: a.Profile}
	in.Profile.FamilyName = "Bloggs-Smythe"
	if _, err := w.reg.Update(w.as(t, "membership"), a.ID, a.Version, in, "married name from Gateshead register"); err != nil {
		t.Fatal(err)
	}
	if _, err := w.db.Writer().ExecContext(context.Background(), `PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(env.Dir, "*"))
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		for _, secret := range []string{"Bloggs", "bloggs", "Jo.Bloggs@Example.org", "jo.bloggs@example.org", "900123", "QQ123456C", "High Street", "NE8 1AA", "1980-02-14", "M-0001", "married name"} {
			if bytes.Contains(raw, []byte(secret)) {
				t.Errorf("%s contains %q in clear", filepath.Base(f), secret)
			}
		}
	}
}

func TestListPagesWithCursor(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		w := newWorld(t, env)
		for i := 0; i < 7; i++ {
			w.person(t, w.wpA.ID, subjects.Profile{GivenName: "P", FamilyName: string(rune('A' + i))})
		}
		dpo := w.as(t, "dpo")
		seen := map[string]bool{}
		after := ""
		for pages := 0; pages < 10; pages++ {
			page, next, err := w.reg.List(dpo, subjects.Filter{After: after, Limit: 3})
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range page {
				if seen[s.ID] {
					t.Fatal("a person listed twice")
				}
				seen[s.ID] = true
			}
			if next == "" {
				break
			}
			after = next
		}
		if len(seen) != 7 {
			t.Fatalf("paged through %d people, want 7", len(seen))
		}
	})
}

func TestConcurrentUpdatesWithOneVersionOnlyOneWins(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		w := newWorld(t, env)
		a := w.person(t, w.wpA.ID, jo())
		mem := w.as(t, "membership")
		const n = 6
		errs := make(chan error, n)
		for i := 0; i < n; i++ {
			go func() {
				in := subjects.Input{UnitID: w.wpA.ID, Kind: subjects.KindMember, Profile: a.Profile, JoinedOn: a.JoinedOn}
				in.Profile.Phone = fmt.Sprintf("07700 900%03d", i)
				_, err := w.reg.Update(mem, a.ID, a.Version, in, "parallel edit")
				errs <- err
			}()
		}
		won := 0
		for i := 0; i < n; i++ {
			if err := <-errs; err == nil {
				won++
			} else if apperr.CodeOf(err) != apperr.Conflict {
				t.Fatalf("parallel update: %v", err)
			}
		}
		if won != 1 {
			t.Fatalf("%d updates with the same version succeeded, want 1", won)
		}
	})
}

func TestMembershipNumberClashSaysNothingAboutWhere(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		w := newWorld(t, env)
		w.person(t, w.wpB.ID, subjects.Profile{GivenName: "Sam", FamilyName: "Other", MembershipNo: "B-9"})
		_, err := w.reg.Create(w.as(t, "membership"), subjects.Input{UnitID: w.wpA.ID, Profile: subjects.Profile{GivenName: "X", MembershipNo: "B-9"}})
		wantCode(t, err, apperr.Conflict)
		if strings.Contains(apperr.MessageOf(err), "B-9") {
			t.Fatalf("the clash message repeats the number: %q", apperr.MessageOf(err))
		}
	})
}

func TestRestrictionNeedsAReasonAndIsInTheHistory(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		w := newWorld(t, env)
		a := w.person(t, w.wpA.ID, jo())
		dpo := w.as(t, "dpo")
		wantCode(t, w.reg.SetRestricted(dpo, a.ID, true, "  "), apperr.Invalid)
		if err := w.reg.SetRestricted(dpo, a.ID, true, "Accuracy of the address contested."); err != nil {
			t.Fatal(err)
		}
		wantCode(t, w.reg.SetRestricted(dpo, a.ID, false, ""), apperr.Invalid)
		if err := w.reg.SetRestricted(dpo, a.ID, false, "Address checked with the member; notice sent."); err != nil {
			t.Fatal(err)
		}
		h, err := w.reg.History(dpo, a.ID)
		if err != nil || len(h) != 2 {
			t.Fatalf("history: %v %+v", err, h)
		}
		// Both may fall in the same millisecond, so in either order.
		reasons := map[string]string{}
		for _, c := range h {
			if c.Field != "restriction" {
				t.Fatalf("history: %+v", h)
			}
			reasons[c.OldValue] = c.Reason
		}
		if !strings.Contains(reasons["restricted"], "notice sent") || !strings.Contains(reasons["not restricted"], "contested") {
			t.Fatalf("history: %+v", h)
		}
	})
}
