package consent_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stewardhq/steward/internal/access"
	"github.com/stewardhq/steward/internal/apperr"
	"github.com/stewardhq/steward/internal/audit"
	"github.com/stewardhq/steward/internal/consent"
	"github.com/stewardhq/steward/internal/store"
	"github.com/stewardhq/steward/internal/store/storetest"
	"github.com/stewardhq/steward/internal/subjects"
	"github.com/stewardhq/steward/internal/testkit"
	"github.com/stewardhq/steward/internal/vault"
)

type world struct {
	env  storetest.Env
	db   *store.DB
	v    *vault.Vault
	al   *audit.Log
	acc  *access.Service
	reg  *subjects.Service
	sup  *consent.Suppressions
	now  time.Time
	op   context.Context
	root *access.Unit
	wpA  *access.Unit
}

// newWorld opens the services on env: a union with one workplace, a rep
// there, a DPO, membership staff and a trustee.
func newWorld(t testing.TB, env storetest.Env) *world {
	t.Helper()
	w := &world{env: env, now: time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)}
	c := testkit.Open(t, env, testkit.Options{Clock: func() time.Time { return w.now }})
	w.db, w.v, w.al, w.acc = c.DB, c.Vault, c.Audit, c.Access
	w.reg = subjects.New(c.DB, c.Vault, c.Audit, c.Access, nil, subjects.Config{})
	w.sup = consent.NewSuppressions(c.DB, c.Vault, c.Audit)
	ctx := context.Background()
	var err error
	if w.root, err = c.Access.CreateUnit(access.WithActor(ctx, access.OperatorActor("")), "", access.KindOrganisation, "Union"); err != nil {
		t.Fatal(err)
	}
	w.op = access.WithActor(ctx, access.OperatorActor(w.root.Path))
	w.wpA = testkit.Unit(t, w.acc, w.op, w.root.ID, access.KindWorkplace, "Riverside Academy")
	testkit.Account(t, w.acc, w.op, "rep", access.RoleRep, w.wpA.ID)
	testkit.Account(t, w.acc, w.op, "dpo", access.RoleDPO, w.root.ID)
	testkit.Account(t, w.acc, w.op, "membership", access.RoleMembership, w.root.ID)
	testkit.Account(t, w.acc, w.op, "trustee", access.RoleTrustee, w.root.ID)
	return w
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

func (w *world) suppressed(t *testing.T, id consent.Identifiers) bool {
	t.Helper()
	ok, err := w.sup.Suppressed(w.as(t, "rep"), consent.PurposeMarketing, id)
	if err != nil {
		t.Fatal(err)
	}
	return ok
}

func (w *world) suppress(t *testing.T, who string, id consent.Identifiers) {
	t.Helper()
	err := w.sup.Suppress(w.as(t, who), consent.SuppressInput{Purpose: consent.PurposeMarketing, Identifiers: id, Source: consent.SourceStaff})
	if err != nil {
		t.Fatal(err)
	}
}

func (w *world) rows(t *testing.T) int {
	return storetest.Count(t, w.db.Reader(), `SELECT count(*) FROM suppressions`)
}

func (w *world) events(t *testing.T, action string) []audit.Event {
	t.Helper()
	ev, err := w.al.List(w.as(t, "dpo"), audit.Filter{Action: action})
	if err != nil {
		t.Fatal(err)
	}
	return ev
}

const (
	email = "Jo.Bloggs@Example.org"
	phone = "07700 900123"
)

func TestSuppressedUnderOtherSpellings(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		w := newWorld(t, env)
		// A rep records an objection told to them at the workplace.
		w.suppress(t, "rep", consent.Identifiers{Email: "  " + email + " ", Phone: phone, MembershipNo: "ab-1234",
			Name: "Jo Bloggs", DateOfBirth: "27/03/1984"})
		for _, id := range []consent.Identifiers{
			{Email: "jo.bloggs@example.ORG"},
			{Email: "\tJO.BLOGGS@EXAMPLE.ORG"},
			{Phone: "+447700900123"},
			{Phone: "+44 (0)7700 900-123"},
			{Phone: "0044 7700 900123"},
			{MembershipNo: "AB-1234"},
			{Name: "JO  BLOGGS", DateOfBirth: "1984-03-27"},
			{Email: "someone.else@example.org", Phone: "07700900123"},
		} {
			if !w.suppressed(t, id) {
				t.Errorf("%+v is not suppressed", id)
			}
		}
		for _, id := range []consent.Identifiers{
			{Email: "jo.bloggs@example.com"},
			{Phone: "07700 900124"},
			{MembershipNo: "AB-12345"},
			{Name: "Jo Bloggs", DateOfBirth: "1984-03-28"},
			{Name: "Jon Bloggs", DateOfBirth: "1984-03-27"},
		} {
			if w.suppressed(t, id) {
				t.Errorf("%+v is suppressed", id)
			}
		}
		if n := w.rows(t); n != 4 {
			t.Fatalf("%d rows, want one per kind (4)", n)
		}
	})
}

// The list holds no identifier in clear: not in its rows, not in the audit
// log, and (on SQLite) nowhere in the database file or its journal.
func TestSuppressionHoldsNoPlaintext(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		w := newWorld(t, env)
		id := consent.Identifiers{Email: email, Phone: phone, MembershipNo: "ZX-998877", Name: "Priyanka Ramaswamy", DateOfBirth: "1990-07-14"}
		w.suppress(t, "membership", id)
		secrets := []string{email, strings.ToLower(email), "Jo.Bloggs", "jo.bloggs", "7700900123", "7700 900123",
			"ZX-998877", "998877", "Priyanka", "priyanka", "Ramaswamy", "ramaswamy", "1990-07-14"}
		for _, table := range []string{"suppressions", "audit_events"} {
			for _, cell := range cells(t, w.db, table) {
				for _, s := range secrets {
					if bytes.Contains(bytes.ToLower(cell), bytes.ToLower([]byte(s))) {
						t.Errorf("%s holds %q: %q", table, s, cell)
					}
				}
			}
		}
		if env.Dialect == store.SQLite {
			seen := false
			for _, f := range []string{env.Data.SQLitePath, env.Data.SQLitePath + "-wal"} {
				b, err := os.ReadFile(f)
				if err != nil && !os.IsNotExist(err) {
					t.Fatal(err)
				}
				for _, s := range secrets {
					if bytes.Contains(bytes.ToLower(b), bytes.ToLower([]byte(s))) {
						t.Errorf("%s holds %q", f, s)
					}
				}
				// The scan sees text that is stored in clear.
				seen = seen || bytes.Contains(b, []byte("Riverside Academy"))
			}
			if !seen {
				t.Fatal("the unit's name is in neither file: the scan reads nothing")
			}
		}
		keys, err := w.sup.Keys(id)
		if err != nil {
			t.Fatal(err)
		}
		assertAuditNamesNoOne(t, w, secrets, keys)
	})
}

// cells reads every value of every row of a table as bytes.
func cells(t *testing.T, db *store.DB, table string) [][]byte {
	t.Helper()
	rows, err := db.Reader().QueryContext(context.Background(), `SELECT * FROM `+table)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		t.Fatal(err)
	}
	var out [][]byte
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		for _, v := range vals {
			switch v := v.(type) {
			case []byte:
				out = append(out, v)
			case string:
				out = append(out, []byte(v))
			case nil:
			default:
				out = append(out, fmt.Append(nil, v))
			}
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// assertAuditNamesNoOne checks every field of every audit event for the
// identifiers and for the blind indexes (raw, hex or base64).
func assertAuditNamesNoOne(t *testing.T, w *world, secrets []string, keys []consent.Key) {
	t.Helper()
	var needles []string
	for _, s := range secrets {
		needles = append(needles, strings.ToLower(s))
	}
	for _, k := range keys {
		needles = append(needles, string(k.Index), hex.EncodeToString(k.Index), base64.StdEncoding.EncodeToString(k.Index),
			base64.RawURLEncoding.EncodeToString(k.Index))
	}
	for _, e := range w.events(t, "") {
		fields := []string{e.ActorID, e.Action, e.Entity, e.EntityID, e.SubjectID, e.Purpose}
		for k, v := range e.Detail {
			fields = append(fields, k, v)
		}
		for _, f := range fields {
			for _, n := range needles {
				if strings.Contains(strings.ToLower(f), n) {
					t.Errorf("audit event %s carries %q", e.Action, n)
				}
			}
		}
	}
}

// The list answers by the same blind indexes the register keeps, and
// erasing the person (shredding their key, deleting their row) leaves
// them suppressed.
func TestSuppressionSurvivesErasure(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		w := newWorld(t, env)
		p := subjects.Profile{GivenName: "Jo", FamilyName: "Bloggs", Email: email, Phone: phone, MembershipNo: "AB-1234", DateOfBirth: "1984-03-27"}
		sub, err := w.reg.Create(w.as(t, "dpo"), subjects.Input{UnitID: w.wpA.ID, Kind: subjects.KindMember, Profile: p})
		if err != nil {
			t.Fatal(err)
		}
		var ixEmail, ixPhone, ixMember, ixName, ixDOB []byte
		err = w.db.Reader().QueryRowContext(context.Background(), `SELECT ix_email, ix_phone, membership_key, ix_name, ix_dob FROM subjects WHERE id = $1`, sub.ID).
			Scan(&ixEmail, &ixPhone, &ixMember, &ixName, &ixDOB)
		if err != nil {
			t.Fatal(err)
		}
		id := consent.Identifiers{Email: p.Email, Phone: p.Phone, MembershipNo: p.MembershipNo, Name: p.FullName(), DateOfBirth: p.DateOfBirth}
		keys, err := w.sup.Keys(id)
		if err != nil {
			t.Fatal(err)
		}
		want := []consent.Key{consent.IndexKey(vault.IndexEmail, ixEmail), consent.IndexKey(vault.IndexPhone, ixPhone),
			consent.IndexKey(vault.IndexMembershipNo, ixMember), consent.NameDOBKey(ixName, ixDOB)}
		if len(keys) != len(want) {
			t.Fatalf("%d keys, want %d", len(keys), len(want))
		}
		for i := range want {
			if keys[i].Kind != want[i].Kind || !bytes.Equal(keys[i].Index, want[i].Index) {
				t.Errorf("key %d: %s %x, the register holds %s %x", i, keys[i].Kind, keys[i].Index, want[i].Kind, want[i].Index)
			}
		}

		// An objection to marketing, as a rights request would record it.
		ref := store.NewID()
		err = w.sup.Suppress(w.as(t, "dpo"), consent.SuppressInput{Purpose: consent.PurposeMarketing, Identifiers: id,
			Source: consent.SourceRightsRequest, Reference: ref, SubjectID: sub.ID})
		if err != nil {
			t.Fatal(err)
		}
		ev := w.events(t, "suppression.add")
		if len(ev) != 1 || ev[0].SubjectID != sub.ID || ev[0].Detail["reference"] != ref || ev[0].Detail["kinds"] != "email,phone,membership_no,name_dob" ||
			ev[0].Detail["count"] != "4" || ev[0].Detail["source"] != "rights_request" {
			t.Fatalf("audit: %+v", ev)
		}

		// Erasure: the key is shredded and the row goes.
		if err := w.v.Shred(context.Background(), sub.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := w.db.Writer().ExecContext(context.Background(), `DELETE FROM subjects WHERE id = $1`, sub.ID); err != nil {
			t.Fatal(err)
		}
		if n := w.rows(t); n != 4 {
			t.Fatalf("%d suppression rows after erasure, want 4", n)
		}
		// Re-imported later under their old email only, they are still
		// suppressed, by identifiers or by the new row's blind indexes.
		if !w.suppressed(t, consent.Identifiers{Email: "jo.bloggs@example.org"}) {
			t.Fatal("the erased person's email is no longer suppressed")
		}
		got, err := w.sup.SuppressedKeys(w.as(t, "rep"), consent.PurposeMarketing, [][]consent.Key{{consent.NameDOBKey(ixName, ixDOB)}, {consent.IndexKey(vault.IndexEmail, ixName)}})
		if err != nil || !got[0] || got[1] {
			t.Fatalf("by stored indexes: %v %v", got, err)
		}
	})
}

func TestSuppressIsIdempotent(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		w := newWorld(t, env)
		id := consent.Identifiers{Email: email, Phone: phone}
		w.suppress(t, "rep", id)
		first := w.now
		w.now = w.now.Add(24 * time.Hour)
		w.suppress(t, "membership", consent.Identifiers{Email: strings.ToUpper(email), Phone: "+447700900123"})
		if n := w.rows(t); n != 2 {
			t.Fatalf("%d rows, want 2", n)
		}
		var since int64
		var actor string
		if err := w.db.Reader().QueryRowContext(context.Background(), `SELECT since, actor_id FROM suppressions WHERE kind = 'email'`).Scan(&since, &actor); err != nil {
			t.Fatal(err)
		}
		rep, err := w.acc.Actor(context.Background(), "rep", access.ViaCLI)
		if err != nil {
			t.Fatal(err)
		}
		if since != store.Millis(first) || actor != rep.AccountID {
			t.Fatalf("the first record was overwritten: since %d by %s", since, actor)
		}
		if ev := w.events(t, "suppression.add"); len(ev) != 1 {
			t.Fatalf("%d audit events, want 1 (nothing changed the second time)", len(ev))
		}
		// A new identifier for the same person adds only that one.
		w.suppress(t, "rep", consent.Identifiers{Email: email, MembershipNo: "AB-1"})
		ev := w.events(t, "suppression.add")
		if len(ev) != 2 || ev[0].Detail["kinds"] != "membership_no" || ev[0].Detail["count"] != "1" || ev[0].Detail["given"] != "2" {
			t.Fatalf("audit: %+v", ev[0])
		}
	})
}

func TestLiftIsTheDPOsAndRecorded(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		w := newWorld(t, env)
		id := consent.Identifiers{Email: email, Phone: phone}
		w.suppress(t, "rep", id)
		lift := consent.LiftInput{Purpose: consent.PurposeMarketing, Identifiers: consent.Identifiers{Email: "jo.bloggs@example.org"}, Source: consent.SourceStaff}
		wantCode(t, w.sup.Lift(w.as(t, "rep"), lift), apperr.Forbidden)
		wantCode(t, w.sup.Lift(w.as(t, "membership"), lift), apperr.Forbidden)
		bad := lift
		bad.Source = consent.SourceImport
		wantCode(t, w.sup.Lift(w.as(t, "dpo"), bad), apperr.Invalid)
		if !w.suppressed(t, consent.Identifiers{Email: email}) {
			t.Fatal("a refused lift lifted")
		}

		w.now = w.now.Add(time.Hour)
		evidence := store.NewID()
		lift.Reference = evidence
		if err := w.sup.Lift(w.as(t, "dpo"), lift); err != nil {
			t.Fatal(err)
		}
		if w.suppressed(t, consent.Identifiers{Email: email}) {
			t.Fatal("still suppressed by email after the lift")
		}
		// Opting back in to email leaves the phone number suppressed.
		if !w.suppressed(t, consent.Identifiers{Phone: phone}) {
			t.Fatal("the phone number's suppression was lifted too")
		}
		dpo, err := w.acc.Actor(context.Background(), "dpo", access.ViaCLI)
		if err != nil {
			t.Fatal(err)
		}
		var liftedAt int64
		var liftedBy, liftSource, liftRef string
		err = w.db.Reader().QueryRowContext(context.Background(), `SELECT lifted_at, lifted_by, lift_source, lift_reference FROM suppressions WHERE kind = 'email'`).
			Scan(&liftedAt, &liftedBy, &liftSource, &liftRef)
		if err != nil {
			t.Fatal(err)
		}
		if liftedAt != store.Millis(w.now) || liftedBy != dpo.AccountID || liftSource != "staff" || liftRef != evidence {
			t.Fatalf("lift recorded as %d %s %s %s", liftedAt, liftedBy, liftSource, liftRef)
		}
		ev := w.events(t, "suppression.lift")
		if len(ev) != 1 || ev[0].ActorID != dpo.AccountID || ev[0].Detail["kinds"] != "email" || ev[0].Detail["count"] != "1" ||
			ev[0].Detail["reference"] != evidence || ev[0].Detail["source"] != "staff" {
			t.Fatalf("lift audit: %+v", ev)
		}
		// Nothing left to lift by that email.
		wantCode(t, w.sup.Lift(w.as(t, "dpo"), lift), apperr.NotFound)

		// Objecting again suppresses again and clears the lift.
		w.now = w.now.Add(time.Hour)
		w.suppress(t, "rep", consent.Identifiers{Email: email})
		if !w.suppressed(t, consent.Identifiers{Email: email}) {
			t.Fatal("not suppressed after objecting again")
		}
		var lifted *int64
		var since int64
		if err := w.db.Reader().QueryRowContext(context.Background(), `SELECT lifted_at, since FROM suppressions WHERE kind = 'email'`).Scan(&lifted, &since); err != nil {
			t.Fatal(err)
		}
		if lifted != nil || since != store.Millis(w.now) {
			t.Fatalf("after objecting again: lifted %v since %d", lifted, since)
		}
		if ev := w.events(t, "suppression.add"); len(ev) != 2 || ev[0].Detail["kinds"] != "email" {
			t.Fatalf("second objection audit: %+v", ev)
		}
		keys, err := w.sup.Keys(id)
		if err != nil {
			t.Fatal(err)
		}
		assertAuditNamesNoOne(t, w, []string{email, "7700900123", "7700 900123"}, keys)
	})
}

func TestSuppressionNeedsPermission(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		w := newWorld(t, env)
		in := consent.SuppressInput{Purpose: consent.PurposeMarketing, Identifiers: consent.Identifiers{Email: email}, Source: consent.SourceStaff}
		wantCode(t, w.sup.Suppress(w.as(t, "trustee"), in), apperr.Forbidden)
		wantCode(t, w.sup.Suppress(context.Background(), in), apperr.Unauthenticated)
		// The operator (an admin) sees no personal data, and this is some.
		wantCode(t, w.sup.Suppress(w.op, in), apperr.Forbidden)
		if n := w.rows(t); n != 0 {
			t.Fatalf("%d rows written without permission", n)
		}
		_, err := w.sup.Suppressed(w.as(t, "trustee"), consent.PurposeMarketing, in.Identifiers)
		wantCode(t, err, apperr.Forbidden)
		_, err = w.sup.SuppressedEach(w.op, consent.PurposeMarketing, []consent.Identifiers{in.Identifiers})
		wantCode(t, err, apperr.Forbidden)
		_, err = w.sup.SuppressedKeys(context.Background(), consent.PurposeMarketing, nil)
		wantCode(t, err, apperr.Unauthenticated)
		lift := consent.LiftInput{Purpose: consent.PurposeMarketing, Identifiers: in.Identifiers, Source: consent.SourcePreferences}
		wantCode(t, w.sup.Lift(w.as(t, "trustee"), lift), apperr.Forbidden)
		if ev := w.events(t, "suppression.add"); len(ev) != 0 {
			t.Fatalf("audited a refused suppression: %+v", ev)
		}
	})
}

func TestInvalidInputWritesNothing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		w := newWorld(t, env)
		base := consent.SuppressInput{Purpose: consent.PurposeMarketing, Source: consent.SourceStaff}
		for _, c := range []struct {
			name string
			edit func(in *consent.SuppressInput)
			says string
		}{
			{"malformed email beside a good phone", func(in *consent.SuppressInput) {
				in.Identifiers = consent.Identifiers{Email: "jo.bloggs at example.org", Phone: phone}
			}, "email address"},
			{"email with a space", func(in *consent.SuppressInput) { in.Identifiers = consent.Identifiers{Email: "jo bloggs@example.org"} }, "email address"},
			{"short phone", func(in *consent.SuppressInput) {
				in.Identifiers = consent.Identifiers{Email: email, Phone: "01632 9601"}
			}, "phone number"},
			{"letters in a phone", func(in *consent.SuppressInput) { in.Identifiers = consent.Identifiers{Phone: "07700 90O123"} }, "phone number"},
			{"bad membership number", func(in *consent.SuppressInput) { in.Identifiers = consent.Identifiers{MembershipNo: "AB#12"} }, "membership number"},
			{"name without a date of birth", func(in *consent.SuppressInput) { in.Identifiers = consent.Identifiers{Email: email, Name: "Jo Bloggs"} }, "date of birth"},
			{"impossible date of birth", func(in *consent.SuppressInput) {
				in.Identifiers = consent.Identifiers{Name: "Jo Bloggs", DateOfBirth: "31/02/1984"}
			}, "date of birth"},
			{"no identifiers", func(in *consent.SuppressInput) { in.Identifiers = consent.Identifiers{Email: "  "} }, "at least one"},
			{"unknown purpose", func(in *consent.SuppressInput) { in.Identifiers.Email = email; in.Purpose = "fundraising" }, "purpose"},
			{"unknown source", func(in *consent.SuppressInput) { in.Identifiers.Email = email; in.Source = "rumour" }, "source"},
			{"rights request without its id", func(in *consent.SuppressInput) {
				in.Identifiers.Email = email
				in.Source = consent.SourceRightsRequest
			}, "request's id"},
			{"free text as the reference", func(in *consent.SuppressInput) { in.Identifiers.Email = email; in.Reference = "Jo rang on Tuesday" }, "reference"},
		} {
			in := base
			c.edit(&in)
			err := w.sup.Suppress(w.as(t, "dpo"), in)
			wantCode(t, err, apperr.Invalid)
			msg := apperr.MessageOf(err)
			if !strings.Contains(msg, c.says) {
				t.Errorf("%s: message %q does not mention %q", c.name, msg, c.says)
			}
			for _, v := range []string{in.Identifiers.Email, in.Identifiers.Phone, in.Identifiers.MembershipNo, in.Identifiers.Name} {
				if strings.TrimSpace(v) != "" && strings.Contains(msg, strings.TrimSpace(v)) {
					t.Errorf("%s: message %q repeats the value", c.name, msg)
				}
			}
		}
		if n := w.rows(t); n != 0 {
			t.Fatalf("%d rows written from invalid input", n)
		}
		if ev := w.events(t, "suppression.add"); len(ev) != 0 {
			t.Fatalf("audited invalid input: %+v", ev)
		}
		_, err := w.sup.Suppressed(w.as(t, "rep"), consent.PurposeMarketing, consent.Identifiers{Phone: "12345"})
		wantCode(t, err, apperr.Invalid)
		_, err = w.sup.SuppressedEach(w.as(t, "rep"), consent.PurposeMarketing, []consent.Identifiers{{Email: email}, {Email: "nobody"}})
		wantCode(t, err, apperr.Invalid)
		if msg := apperr.MessageOf(err); !strings.Contains(msg, "Person 2") {
			t.Fatalf("batch error does not say which person: %q", msg)
		}
	})
}

// A member list of thousands is checked in a few queries, by identifiers
// or by the blind indexes the register holds.
func TestSuppressedInBatches(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		w := newWorld(t, env)
		const n = 2500
		people := make([]consent.Identifiers, n)
		for i := range people {
			people[i] = consent.Identifiers{Email: fmt.Sprintf("member%04d@example.org", i), Phone: fmt.Sprintf("07700 9%05d", i),
				MembershipNo: fmt.Sprintf("M%06d", i), Name: fmt.Sprintf("Member %d", i), DateOfBirth: "1980-01-01"}
		}
		// Suppressed by one identifier each, of different kinds.
		w.suppress(t, "rep", consent.Identifiers{Email: people[7].Email})
		w.suppress(t, "rep", consent.Identifiers{Phone: "+44 7700 901999"})
		w.suppress(t, "rep", consent.Identifiers{MembershipNo: "m002499"})
		w.suppress(t, "rep", consent.Identifiers{Name: "member 1500", DateOfBirth: "01/01/1980"})
		want := map[int]bool{7: true, 1999: true, 2499: true, 1500: true}
		got, err := w.sup.SuppressedEach(w.as(t, "membership"), consent.PurposeMarketing, people)
		if err != nil {
			t.Fatal(err)
		}
		check := func(how string, got []bool) {
			t.Helper()
			if len(got) != n {
				t.Fatalf("%s: %d answers for %d people", how, len(got), n)
			}
			for i, s := range got {
				if s != want[i] {
					t.Errorf("%s: person %d suppressed %v, want %v", how, i, s, want[i])
				}
			}
		}
		check("by identifiers", got)

		sets := make([][]consent.Key, n)
		for i, p := range people {
			if sets[i], err = w.sup.Keys(p); err != nil {
				t.Fatal(err)
			}
		}
		sets[10] = nil                                                        // someone with no identifiers
		sets[11] = []consent.Key{{Kind: consent.KindEmail, Index: []byte{1}}} // junk never matches
		got, err = w.sup.SuppressedKeys(w.as(t, "rep"), consent.PurposeMarketing, sets)
		if err != nil {
			t.Fatal(err)
		}
		check("by keys", got)
	})
}

// The rights service applies an objection inside its own transaction: the
// suppression and its audit event go, or stay, with the caller's change.
func TestSuppressTxJoinsTheCallersTransaction(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		w := newWorld(t, env)
		ctx := w.as(t, "dpo")
		in := consent.SuppressInput{Purpose: consent.PurposeMarketing, Identifiers: consent.Identifiers{Email: email},
			Source: consent.SourceRightsRequest, Reference: store.NewID()}
		failed := fmt.Errorf("the caller's later step failed")
		err := w.db.InTx(ctx, func(ctx context.Context, tx *store.Tx) error {
			if err := w.sup.SuppressTx(ctx, tx, in); err != nil {
				return err
			}
			ok, err := w.sup.Suppressed(ctx, consent.PurposeMarketing, in.Identifiers)
			if err != nil || !ok {
				return fmt.Errorf("not suppressed inside the transaction: %v %v", ok, err)
			}
			return failed
		})
		if err != failed {
			t.Fatal(err)
		}
		if n := w.rows(t); n != 0 || len(w.events(t, "suppression.add")) != 0 {
			t.Fatalf("a rolled-back suppression stayed: %d rows", n)
		}
		err = w.db.InTx(ctx, func(ctx context.Context, tx *store.Tx) error { return w.sup.SuppressTx(ctx, tx, in) })
		if err != nil {
			t.Fatal(err)
		}
		if !w.suppressed(t, in.Identifiers) || len(w.events(t, "suppression.add")) != 1 {
			t.Fatal("the committed suppression is missing or unaudited")
		}
		// A transaction that is not the one in ctx is refused.
		err = w.db.InTx(ctx, func(_ context.Context, tx *store.Tx) error { return w.sup.SuppressTx(ctx, tx, in) })
		if err == nil {
			t.Fatal("SuppressTx accepted a context without its transaction")
		}
	})
}
