package cli

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/stewardhq/steward/internal/access"
	"github.com/stewardhq/steward/internal/audit"
	"github.com/stewardhq/steward/internal/calendar"
	"github.com/stewardhq/steward/internal/consent"
	"github.com/stewardhq/steward/internal/datamap"
	"github.com/stewardhq/steward/internal/disclosures"
	"github.com/stewardhq/steward/internal/governance"
	"github.com/stewardhq/steward/internal/lists"
	"github.com/stewardhq/steward/internal/notify"
	"github.com/stewardhq/steward/internal/rights"
	"github.com/stewardhq/steward/internal/store"
	"github.com/stewardhq/steward/internal/subjects"
	"github.com/stewardhq/steward/internal/vault"
)

// App is the set of open services one command works with.
type App struct {
	DB       *store.DB
	Vault    *vault.Vault
	Audit    *audit.Log
	Access   *access.Service
	Subjects *subjects.Service
	Datamap  *datamap.Service
	Rights   *rights.Service
	Lists    *lists.Service
	Consent  *consent.Service
	// Governance runs onboarding and offboarding and is Access's gate.
	Governance *governance.Service
	// Disclosures is the disclosure log; Notify the outbox (without a
	// mail server until useMail).
	Disclosures *disclosures.Service
	Notify      *notify.Service
	Log         *slog.Logger
}

func (p Paths) databaseURL() (string, error) {
	if p.demo {
		// The demo lives in its own SQLite directory, whatever the
		// environment says about a real database.
		return "", nil
	}
	return secretFromEnvFile(p.DatabaseURL, "STEWARD_DATABASE_URL")
}

func (p Paths) targets() (data, keys store.Target, err error) {
	url, err := p.databaseURL()
	if err != nil {
		return data, keys, err
	}
	if url != "" {
		return store.Target{PostgresURL: url}, store.Target{PostgresURL: url, Schema: p.KeysSchema}, nil
	}
	return store.Target{SQLitePath: filepath.Join(p.DataDir, "steward.db")},
		store.Target{SQLitePath: filepath.Join(p.DataDir, "keys.db")}, nil
}

func (p Paths) vaultOptions(log *slog.Logger) (vault.Options, error) {
	_, keys, err := p.targets()
	if err != nil {
		return vault.Options{}, err
	}
	return vault.Options{DataDir: p.DataDir, MasterKeyFile: p.MasterKeyFile, Keys: keys, Logger: log}, nil
}

// initialised reports whether init has run here: a key file or a key store
// exists.
func (p Paths) initialised() bool {
	o, err := p.vaultOptions(nil)
	if err != nil {
		return false
	}
	_, err = os.Stat(o.KeyFilePath())
	return err == nil
}

// openApp opens the vault first (a wrong or missing key stops everything
// before any data is touched), then the database, migrating it.
func openApp(ctx context.Context, p Paths, log *slog.Logger) (*App, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	// databaseURL, not the flag: the URL may come from
	// STEWARD_DATABASE_URL_FILE, and then there is no SQLite file to find.
	url, err := p.databaseURL()
	if err != nil {
		return nil, err
	}
	if url == "" && !p.initialised() {
		if _, err := os.Stat(filepath.Join(p.DataDir, "steward.db")); errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("no Steward data in %s: run `steward init --data-dir %s` first (or `steward demo` for a demo)", p.DataDir, p.DataDir)
		}
	}
	vo, err := p.vaultOptions(log)
	if err != nil {
		return nil, err
	}
	v, err := vault.Open(ctx, vo)
	if err != nil {
		return nil, err
	}
	data, _, err := p.targets()
	if err != nil {
		v.Close()
		return nil, err
	}
	db, err := store.Open(ctx, store.Options{Target: data, Migrations: store.DataMigrations(), Logger: log})
	if err != nil {
		v.Close()
		return nil, err
	}
	a, err := newApp(db, v, log, access.Config{}, p.rightsConfig(), p.listsConfig())
	if err != nil {
		db.Close()
		v.Close()
		return nil, err
	}
	return a, nil
}

func newApp(db *store.DB, v *vault.Vault, log *slog.Logger, cfg access.Config, rc rights.Config, lc lists.Config) (*App, error) {
	al := audit.New(db, v.SystemKey("audit-checkpoint"))
	acc, err := access.New(db, v, al, log, cfg)
	if err != nil {
		return nil, err
	}
	reg := subjects.New(db, v, al, acc, log, subjects.Config{})
	dm := datamap.New(db, al)
	rs, err := rights.New(db, v, al, acc, reg, log, rc)
	if err != nil {
		return nil, err
	}
	sup := consent.NewSuppressions(db, v, al)
	ls := lists.New(db, al, reg, acc, sup, lc)
	// What a rights request gathers about a person, in the pack's order.
	cs := consent.New(db, v, al, sup, reg, consent.Config{})
	ls.UseConsents(cs)
	rs.Use(reg.Source(), subjects.NewRecords(reg, dm).Source(dm), cs.Source(), ls.Source(), acc.AccessLogSource(al))
	rs.UseDataMap(dm)
	rs.UseSuppressions(sup, reg)
	rs.UseCorrections(reg)
	dl := disclosures.New(db, v, al, dm, reg, acc)
	rs.Use(dl.Source())
	rs.UseDisclosures(dl)
	out, err := notify.New(db, v, al, sup, log, notify.Config{})
	if err != nil {
		return nil, err
	}
	out.UseLists(ls)
	out.UseUnsubscribes(cs)
	out.UsePreferenceLinks(cs, reg)
	gov := governance.New(db, al, acc, log, governance.Config{})
	gov.UseRequests(governance.RequestsLoggedBy(rs))
	gov.UseLists(governance.ListsHeldBy(ls))
	acc.UseGate(gov)
	return &App{DB: db, Vault: v, Audit: al, Access: acc, Subjects: reg, Datamap: dm, Rights: rs, Lists: ls, Consent: cs, Governance: gov, Disclosures: dl, Notify: out, Log: log}, nil
}

// rightsConfig is the organisation's rights-request settings from flags.
func (p Paths) rightsConfig() rights.Config {
	return rights.Config{Region: calendar.Region(p.Region), ForwardDays: p.ForwardDays}
}

// listsConfig is the member lists' settings from flags.
func (p Paths) listsConfig() lists.Config {
	return lists.Config{Expiry: time.Duration(p.ListExpiryDays) * 24 * time.Hour, StaleAfter: time.Duration(p.ListStaleDays) * 24 * time.Hour}
}

// Close closes the database and the key store.
func (a *App) Close() error {
	return errors.Join(a.DB.Close(), a.Vault.Close())
}

// operator returns ctx acting as the command-line operator, or, with --as,
// as the named account (whose roles and scope then apply).
func (a *App) operator(ctx context.Context, as string) (context.Context, error) {
	if as != "" {
		actor, err := a.Access.Actor(ctx, as, access.ViaCLI)
		if err != nil {
			return nil, err
		}
		return access.WithActor(ctx, actor), nil
	}
	root, err := a.Access.RootUnit(ctx)
	if err != nil {
		return nil, err
	}
	return access.WithActor(ctx, access.OperatorActor(root.Path)), nil
}
