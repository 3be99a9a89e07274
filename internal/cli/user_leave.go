package cli

import (
	"context"
	"fmt"
)

// UserLeaveCmd records that someone has left the role.
type UserLeaveCmd struct {
	Paths
	Actor
	Username string `arg:""`
	On       string `name:"on" help:"The day they left (YYYY-MM-DD); today when absent."`
}

// Run ends the account's access and starts its offboarding.
func (c *UserLeaveCmd) Run(e *env) error {
	return withApp(e, c.Paths, c.As, func(ctx context.Context, app *App) error {
		acc, err := app.Access.AccountByUsername(ctx, c.Username)
		if err != nil {
			return err
		}
		o, err := app.Governance.Leave(ctx, acc.ID, c.On)
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "%s left the role on %s: sign-in is disabled, sessions ended and tokens revoked.\n", o.Username, o.LeftOn)
		for _, h := range o.Holdings {
			fmt.Fprintf(e.stdout, "  still holds: %s %s\n", h.Kind, h.Label)
		}
		fmt.Fprintln(e.stdout, "The DPO records the offboarding checklist under Onboarding > the person's page.")
		return nil
	})
}
