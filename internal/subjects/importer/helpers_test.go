package importer_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/stewardhq/steward/internal/access"
	"github.com/stewardhq/steward/internal/apperr"
	"github.com/stewardhq/steward/internal/audit"
	"github.com/stewardhq/steward/internal/store"
	"github.com/stewardhq/steward/internal/store/storetest"
	"github.com/stewardhq/steward/internal/subjects"
	"github.com/stewardhq/steward/internal/subjects/importer"
	"github.com/stewardhq/steward/internal/testkit"
	"github.com/stewardhq/steward/internal/vault"
)

const pw = testkit.Password

// world is an initialised Steward: a union, a region with two workplaces,
// another region with one, and accounts.
type world struct {
	env           storetest.Env
	db            *store.DB
	v             *vault.Vault
	log           *audit.Log
	acc           *access.Service
	reg           *subjects.Service
	im            *importer.Importer
	root          *access.Unit
	north, south  *access.Unit
	wpA, wpB, wpS *access.Unit
	op            context.Context
}

func newWorld(t testing.TB, env storetest.Env) *world {
	t.Helper()
	w := openWorld(t, env, true)
	var err error
	if w.root, err = w.acc.CreateUnit(access.WithActor(context.Background(), access.OperatorActor("")), "", access.KindOrganisation, "Union"); err != nil {
		t.Fatal(err)
	}
	w.op = access.WithActor(context.Background(), access.OperatorActor(w.root.Path))
	w.north = w.unit(t, w.root.ID, access.KindRegion, "North")
	w.south = w.unit(t, w.root.ID, access.KindRegion, "South")
	w.wpA = w.unit(t, w.north.ID, access.KindWorkplace, "Riverside Academy")
	w.wpB = w.unit(t, w.north.ID, access.KindWorkplace, "Hillcrest College")
	w.wpS = w.unit(t, w.south.ID, access.KindWorkplace, "Seaview School")
	w.account(t, "membership", access.RoleMembership, w.root.ID)
	w.account(t, "north.membership", access.RoleMembership, w.north.ID)
	w.account(t, "rep.a", access.RoleRep, w.wpA.ID)
	w.account(t, "dpo", access.RoleDPO, w.root.ID)
	return w
}

// openWorld opens the services of env, initialising the vault if asked.
func openWorld(t testing.TB, env storetest.Env, init bool) *world {
	t.Helper()
	c := testkit.Open(t, env, testkit.Options{Reopen: !init})
	reg := subjects.New(c.DB, c.Vault, c.Audit, c.Access, nil, subjects.Config{})
	return &world{env: env, db: c.DB, v: c.Vault, log: c.Audit, acc: c.Access, reg: reg, im: importer.New(c.DB, c.Audit, c.Access, reg, nil)}
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

// snapshot counts what an import may write.
type snapshot struct{ subjects, index, rect, imports, importRows, audit, keys int }

func (w *world) snap(t testing.TB) snapshot {
	t.Helper()
	q := w.db.Q(context.Background())
	c := func(table string) int { return storetest.Count(t, q, "SELECT count(*) FROM "+table) }
	// The reads a dry run audits on purpose are left out: everything else
	// counts as a change.
	audit := storetest.Count(t, q, `SELECT count(*) FROM audit_events WHERE action NOT IN ('subject.import_compare', 'subject.import_dry_run')`)
	index := storetest.Count(t, q, `SELECT count(ix_name) + count(ix_family) + count(ix_email) + count(ix_phone) + count(ix_ni) + count(ix_dob) + count(membership_key) + count(ix_postcode) FROM subjects`)
	return snapshot{c("subjects"), index, c("rectifications"), c("imports"), c("import_rows"), audit, 0}
}

// verify checks the audit chain and that every person is whole.
func (w *world) verify(t testing.TB) {
	t.Helper()
	rep, err := w.log.Verify(context.Background())
	if err != nil || rep.FirstBad != nil {
		t.Fatalf("audit verify: %v %v", err, rep.FirstBad)
	}
	q := w.db.Q(context.Background())
	// Everyone has a name, so everyone has a name index.
	if n := storetest.Count(t, q, `SELECT count(*) FROM subjects WHERE ix_name IS NULL`); n != 0 {
		t.Fatalf("%d people without a name index", n)
	}
}

func writeFile(t testing.TB, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// writeXLSX builds a workbook with rows on its first sheet.
func writeXLSX(t testing.TB, rows [][]any) string {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	for i, r := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := f.SetSheetRow("Sheet1", cell, &r); err != nil {
			t.Fatal(err)
		}
	}
	p := filepath.Join(t.TempDir(), "people.xlsx")
	if err := f.SaveAs(p); err != nil {
		t.Fatal(err)
	}
	return p
}

func wantCode(t testing.TB, err error, code apperr.Code, contains string) {
	t.Helper()
	if apperr.CodeOf(err) != code || !strings.Contains(apperr.MessageOf(err), contains) {
		t.Fatalf("got %v (%s), want code %s containing %q", err, apperr.CodeOf(err), code, contains)
	}
}

// csvOf joins lines.
func csvOf(lines ...string) string { return strings.Join(lines, "\n") + "\n" }

func member(i int, unit string) string {
	return fmt.Sprintf("M%05d,Given%d,Family%d,p%d@example.org,07700 9%05d,%s", i, i, i, i, i, unit)
}

const header = "Membership number,First name,Surname,Email address,Mobile,Workplace"
