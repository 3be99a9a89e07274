package cli

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"

	"github.com/stewardhq/steward/internal/access"
	"github.com/stewardhq/steward/internal/apperr"
	"github.com/stewardhq/steward/internal/audit"
	"github.com/stewardhq/steward/internal/store"
	"github.com/stewardhq/steward/internal/vault"
	"github.com/stewardhq/steward/internal/web"
)

// DemoPassword is the password of every demo account. It is printed at
// start; demo data is synthetic.
const DemoPassword = "steward-demo-2026"

// DemoCmd builds (once) and serves a demo organisation.
type DemoCmd struct {
	DataDir  string `name:"data-dir" env:"STEWARD_DEMO_DIR" default:"./steward-demo" help:"Directory for the demo's data; reused on a second run." type:"path"`
	Addr     string `name:"addr" env:"STEWARD_ADDR" default:"127.0.0.1:8080" help:"Address to listen on."`
	Seed     uint64 `name:"seed" default:"2026" help:"Random seed for the synthetic organisation."`
	Subjects int    `name:"subjects" default:"2000" help:"How many synthetic members to make (on the first run)."`
	NoServe  bool   `name:"no-serve" help:"Build the demo and exit without serving."`
	LogLevel string `name:"log-level" default:"info" enum:"debug,info,warn,error" help:"Log level."`
}

// demoAccount is one of the printed demo logins.
type demoAccount struct {
	Username, Role, Unit string
}

// Run builds the demo on first use and serves it.
func (c *DemoCmd) Run(e *env) error {
	p := Paths{DataDir: c.DataDir, KeysSchema: "steward_keys", LogLevel: c.LogLevel, demo: true}
	log := newLogger(e.stderr, c.LogLevel)
	if !p.initialised() {
		if _, err := os.Stat(filepath.Join(c.DataDir, "steward.db")); err == nil {
			return fmt.Errorf("%s holds a database but no master key; it is not a demo this command made. Choose another --data-dir", c.DataDir)
		}
		vo, err := p.vaultOptions(log)
		if err != nil {
			return err
		}
		if _, err := vault.Init(e.ctx, vo); err != nil {
			return err
		}
	}
	app, err := openApp(e.ctx, p, log)
	if err != nil {
		return err
	}
	defer app.Close()
	// The second factor is off for this process only: the same data served
	// by `steward serve` asks for it.
	if app.Access, err = access.New(app.DB, app.Vault, app.Audit, log, access.Config{DemoNoTOTP: true}); err != nil {
		return err
	}
	// A build has three steps: the organisation, accounts and data map in
	// one transaction (which also marks the database as a demo being
	// built); the people, imported in batches; the records and the final
	// mark. A build killed part-way is taken up again by the next run: the
	// import and the records step are both safe to repeat.
	rng := rand.New(rand.NewPCG(c.Seed, c.Seed^0x5eed))
	if _, err := app.Access.RootUnit(e.ctx); apperr.Is(err, apperr.NotFound) {
		fmt.Fprintf(e.stdout, "Building the demo organisation in %s ...\n", c.DataDir)
		err := app.DB.InTx(e.ctx, func(ctx context.Context, _ *store.Tx) error {
			return buildDemo(ctx, app, rng)
		})
		if err != nil {
			return fmt.Errorf("build demo: %w", err)
		}
	} else if err != nil {
		return err
	}
	switch demoState(e.ctx, app) {
	case "":
		return fmt.Errorf("%s holds a Steward installation that `steward demo` did not build; the demo switches two-factor sign-in off, so it will not serve it. Use `steward serve --data-dir %s`", c.DataDir, c.DataDir)
	case demoBuilding:
		if err := finishDemo(e.ctx, app, c.Seed, c.Subjects, c.DataDir, e.stdout); err != nil {
			return fmt.Errorf("build demo: %w", err)
		}
	}
	if c.NoServe {
		printDemoAccounts(e, "", demoAccounts(e.ctx, app))
		return nil
	}
	return serve(e, app, c.Addr, "", "", web.Config{Version: Version}, func(addr string) {
		printDemoAccounts(e, "http://"+addr+"/", demoAccounts(e.ctx, app))
	})
}

func printDemoAccounts(e *env, url string, accs []demoAccount) {
	if url != "" {
		fmt.Fprintf(e.stdout, "\nSteward demo running: open %s\n", url)
	}
	fmt.Fprintf(e.stdout, "Every demo account's password is %q. Two-factor sign-in is OFF for this demo only.\n", DemoPassword)
	for _, a := range accs {
		fmt.Fprintf(e.stdout, "  %-22s %-10s %s\n", a.Username, a.Role, a.Unit)
	}
	fmt.Fprintln(e.stdout, "The data is synthetic. Stop with Ctrl-C; run the same command again to come back to it.")
}

// settingDemo marks a database built by `steward demo`: "building" while
// the people and records are still being made, "ready" after. Only with it
// does the demo switch the second factor off.
const (
	settingDemo  = "demo_installation"
	demoBuilding = "building"
	demoReady    = "ready"
)

// demoState reads the mark, "" when there is none.
func demoState(ctx context.Context, app *App) string {
	var v string
	if err := app.DB.Q(ctx).QueryRowContext(ctx, `SELECT value FROM settings WHERE name = $1`, settingDemo).Scan(&v); err != nil {
		return ""
	}
	return v
}

func setDemoState(ctx context.Context, app *App, state string) error {
	return app.DB.InTx(ctx, func(ctx context.Context, tx *store.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO settings (name, value, updated_at) VALUES ($1, $2, $3)
			ON CONFLICT (name) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`, settingDemo, state, store.Millis(tx.Now()))
		if err != nil {
			return fmt.Errorf("mark demo: %w", err)
		}
		_, err = app.Audit.Append(ctx, audit.Event{ActorID: access.SystemActorID, Action: "settings.update", Entity: "setting", EntityID: settingDemo, Detail: map[string]string{"value": state}})
		return err
	})
}

// demoAccounts lists the demo's accounts from the database, so a second run
// prints what is really there.
func demoAccounts(ctx context.Context, app *App) []demoAccount {
	ctx, err := app.operator(ctx, "")
	if err != nil {
		return nil
	}
	accs, err := app.Access.Accounts(ctx)
	if err != nil {
		return nil
	}
	var out []demoAccount
	for _, a := range accs {
		for _, g := range a.Grants {
			out = append(out, demoAccount{a.Username, string(g.Role), g.UnitName})
		}
	}
	return out
}

// buildDemo creates a union with regions, branches and about 30 schools and
// colleges, and accounts for each role.
func buildDemo(ctx context.Context, app *App, rng *rand.Rand) error {
	opctx := access.WithActor(ctx, access.OperatorActor(""))
	root, err := app.Access.CreateUnit(opctx, "", access.KindOrganisation, "Northfield Education Union")
	if err != nil {
		return err
	}
	opctx, err = app.operator(ctx, "")
	if err != nil {
		return err
	}
	regions := []struct {
		name     string
		branches []string
		towns    []string
		postArea string
	}{
		{"North Region", []string{"Tyneside Branch", "Wearside Branch"}, []string{"Gateshead", "Jarrow", "Sunderland", "Washington", "Hebburn"}, "NE"},
		{"Midlands Region", []string{"Trent Valley Branch", "Black Country Branch"}, []string{"Burton", "Lichfield", "Dudley", "Walsall", "Tipton"}, "WS"},
		{"South West Region", []string{"Severn Branch", "Moorland Branch"}, []string{"Stroud", "Tewkesbury", "Okehampton", "Tavistock", "Ashburton"}, "GL"},
	}
	kinds := []string{"Primary School", "Academy", "High School", "College", "Infant School"}
	var accounts []demoAccount
	var firstWorkplaces []string
	for i, r := range regions {
		reg, err := app.Access.CreateUnit(opctx, root.ID, access.KindRegion, r.name)
		if err != nil {
			return err
		}
		if i < 2 {
			accounts = append(accounts, demoAccount{fmt.Sprintf("officer.%d", i+1), string(access.RoleOfficer), reg.ID})
		}
		for _, b := range r.branches {
			br, err := app.Access.CreateUnit(opctx, reg.ID, access.KindBranch, b)
			if err != nil {
				return err
			}
			for k := 0; k < 5; k++ {
				town := r.towns[rng.IntN(len(r.towns))]
				name := fmt.Sprintf("%s %s %s", town, []string{"St Mary's", "Riverside", "Park View", "Hillcrest", "Oakfield", "Kingsway", "Meadowbank"}[rng.IntN(7)], kinds[k])
				wp, err := app.Access.CreateUnit(opctx, br.ID, access.KindWorkplace, name)
				if err != nil {
					return err
				}
				if k == 0 {
					firstWorkplaces = append(firstWorkplaces, wp.ID)
				}
			}
		}
	}
	accounts = append(accounts,
		demoAccount{"dpo", string(access.RoleDPO), root.ID},
		demoAccount{"membership", string(access.RoleMembership), root.ID},
		demoAccount{"trustee", string(access.RoleTrustee), root.ID},
		demoAccount{"admin", string(access.RoleAdmin), root.ID},
	)
	for i, wp := range firstWorkplaces[:4] {
		accounts = append(accounts, demoAccount{fmt.Sprintf("rep.%d", i+1), string(access.RoleRep), wp})
	}
	for _, a := range accounts {
		role, _ := access.ParseRole(a.Role)
		if _, err := app.Access.CreateAccountWithRole(opctx, a.Username, DemoPassword, role, a.Unit); err != nil {
			return err
		}
	}
	if _, err := demoDataMap(ctx, app); err != nil {
		return fmt.Errorf("data map: %w", err)
	}
	if err := demoOnboarding(ctx, app); err != nil {
		return fmt.Errorf("onboarding: %w", err)
	}
	return setDemoState(ctx, app, demoBuilding)
}
