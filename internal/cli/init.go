package cli

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"

	"github.com/stewardhq/steward/internal/access"
	"github.com/stewardhq/steward/internal/apperr"
	"github.com/stewardhq/steward/internal/store"
	"github.com/stewardhq/steward/internal/vault"
)

// InitCmd sets up a new installation.
type InitCmd struct {
	Paths
	Org string `name:"org" default:"My organisation" help:"Name of the organisation (the top unit)."`
}

// Run creates the key, the databases and the organisation unit. Running it
// again on an initialised directory changes nothing.
func (c *InitCmd) Run(e *env) error {
	log := newLogger(e.stderr, c.LogLevel)
	vo, err := c.vaultOptions(log)
	if err != nil {
		return err
	}
	dataT, _, err := c.targets()
	if err != nil {
		return err
	}
	if err := refuseNewKeysOverData(e.ctx, dataT, vo); err != nil {
		return err
	}
	created, err := vault.Init(e.ctx, vo)
	if err != nil {
		return err
	}
	app, err := openApp(e.ctx, c.Paths, log)
	if err != nil {
		return err
	}
	defer app.Close()
	root, err := app.Access.RootUnit(e.ctx)
	if err == nil {
		fmt.Fprintf(e.stdout, "Steward is already initialised in %s (organisation %q). Nothing changed.\n", c.DataDir, root.Name)
		return nil
	}
	ctx := access.WithActor(e.ctx, access.OperatorActor(""))
	// The operator needs units:manage to create the root; OperatorActor
	// with an empty path covers everything, and only until the root exists.
	root, err = app.Access.CreateUnit(ctx, "", access.KindOrganisation, c.Org)
	if err != nil {
		return err
	}
	if created {
		fmt.Fprintf(e.stdout, "Created the master key %s (mode 0600). Back it up somewhere safe and separate: without it the data cannot be read.\n", vo.KeyFilePath())
	}
	fmt.Fprintf(e.stdout, "Initialised Steward for %q.\nNext: steward user add NAME --role admin --unit %s, then steward serve.\n", root.Name, root.ID)
	return nil
}

// refuseNewKeysOverData stops init from creating a key store beside a
// database that already holds data. vault.Init adopts an existing key file
// when the key store is empty, which is right for a new installation whose
// key came from a secret manager, but over existing data it would pair
// the data with new root secrets (blind indexes, system keys) and no data
// keys: everything sealed would be lost, and a deleted keys.db or a
// mistyped --keys-schema is exactly how a key store looks empty.
func refuseNewKeysOverData(ctx context.Context, data store.Target, vo vault.Options) error {
	inUse, err := holdsData(ctx, data)
	if err != nil || !inUse {
		return err
	}
	ok, err := vault.KeyStoreInitialised(ctx, vo)
	if err != nil || ok {
		return err
	}
	return apperr.New(apperr.Invalid,
		"the database at %s holds data but the key store at %s is empty: restore the key store from its backup (steward restore --keys ...) rather than initialising a new one",
		data, vo.Keys)
}

// holdsData reports whether the database at t has units, accounts or audit
// events. It creates nothing: a missing SQLite file or PostgreSQL schema
// holds no data.
func holdsData(ctx context.Context, t store.Target) (bool, error) {
	db, err := store.Open(ctx, store.Options{Target: t, NoMigrate: true, MustExist: true})
	if errors.Is(err, store.ErrNoDatabase) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	defer db.Close()
	tables, err := db.Tables(ctx)
	if err != nil {
		return false, err
	}
	for _, table := range []string{"units", "accounts", "audit_events"} {
		if !slices.Contains(tables, table) {
			continue
		}
		var one int
		// table is one of the constants above.
		err := db.Q(ctx).QueryRowContext(ctx, `SELECT 1 FROM `+table+` LIMIT 1`).Scan(&one)
		if err == nil {
			return true, nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return false, fmt.Errorf("look for data in %s at %s: %w", table, t, err)
		}
	}
	return false, nil
}
