package cli

import (
	"context"
	"fmt"
	"strings"
	"text/tabwriter"
)

// UnitCmd groups the unit commands.
type UnitCmd struct {
	Add  UnitAddCmd  `cmd:"" help:"Add a unit under a parent."`
	List UnitListCmd `cmd:"" help:"List the units you may see."`
}

// UnitAddCmd adds a unit.
type UnitAddCmd struct {
	Paths
	Actor
	Name   string `arg:"" help:"Name of the unit."`
	Kind   string `name:"kind" required:"" enum:"region,branch,workplace" help:"region, branch or workplace."`
	Parent string `name:"parent" required:"" help:"Parent unit: id or exact name."`
}

// Run adds the unit.
func (c *UnitAddCmd) Run(e *env) error {
	return withApp(e, c.Paths, c.As, func(ctx context.Context, app *App) error {
		p, err := findUnit(ctx, app, c.Parent)
		if err != nil {
			return err
		}
		u, err := app.Access.CreateUnit(ctx, p.ID, c.Kind, c.Name)
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "Added %s %q under %q: id %s\n", u.Kind, u.Name, p.Name, u.ID)
		return nil
	})
}

// UnitListCmd lists units in scope.
type UnitListCmd struct {
	Paths
	Actor
}

// Run prints the tree, indented by depth.
func (c *UnitListCmd) Run(e *env) error {
	return withApp(e, c.Paths, c.As, func(ctx context.Context, app *App) error {
		units, err := app.Access.Units(ctx)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(e.stdout, 2, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "NAME\tKIND\tID")
		for _, u := range units {
			depth := strings.Count(u.Path, "/") - 2
			fmt.Fprintf(tw, "%s%s\t%s\t%s\n", strings.Repeat("  ", max(depth, 0)), u.Name, u.Kind, u.ID)
		}
		return tw.Flush()
	})
}
