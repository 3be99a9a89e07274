package cli

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/stewardhq/steward/internal/consent"
	"github.com/stewardhq/steward/internal/lists"
)

// demoLists gives the first rep two member lists: a ballot reminder list
// that is current, and a meeting-notice list past its delete-by date, so
// that the rep's and the DPO's dashboards show an outstanding list. The
// files are made and thrown away; only the records stay. A rerun leaves
// lists already there alone.
func demoLists(ctx context.Context, app *App, out io.Writer) error {
	rep, err := app.operator(ctx, "rep.1")
	if err != nil {
		return err
	}
	held, err := app.Lists.Mine(rep, true)
	if err != nil || len(held) > 0 {
		return err
	}
	if _, err := app.Lists.Create(rep, lists.Request{Purpose: "ballot", Format: lists.FormatXLSX}); err != nil {
		return fmt.Errorf("demo ballot list: %w", err)
	}
	// A list whose delete-by date has passed: made by a service whose
	// expiry is a moment, as if its 30 days had run out.
	expired := lists.New(app.DB, app.Audit, app.Subjects, app.Access, consent.NewSuppressions(app.DB, app.Vault, app.Audit), lists.Config{Expiry: time.Millisecond})
	if _, err := expired.Create(rep, lists.Request{Purpose: "meeting", Format: lists.FormatAgeCSV}); err != nil {
		return fmt.Errorf("demo meeting list: %w", err)
	}
	fmt.Fprintln(out, "  2 member lists for rep.1, one past its delete-by date")
	return nil
}
