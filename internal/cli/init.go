package cli

import (
	"fmt"

	"github.com/stewardhq/steward/internal/access"
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
