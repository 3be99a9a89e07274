package cli

import (
	"fmt"

	"github.com/stewardhq/steward/internal/apperr"
)

// AuditCmd groups the audit commands.
type AuditCmd struct {
	Verify AuditVerifyCmd `cmd:"" help:"Walk the hash chain; exit 0 if intact, 1 naming the first bad event."`
}

// AuditVerifyCmd verifies the chain.
type AuditVerifyCmd struct {
	Paths
}

// Run verifies and reports.
func (c *AuditVerifyCmd) Run(e *env) error {
	app, err := openApp(e.ctx, c.Paths, newLogger(e.stderr, c.LogLevel))
	if err != nil {
		return err
	}
	defer app.Close()
	rep, err := app.Audit.Verify(e.ctx)
	if err != nil {
		return err
	}
	if rep.FirstBad != nil {
		return apperr.New(apperr.Conflict, "audit chain broken at event %d (segment %s): %s. Events before it are intact; restore the audit table from a backup and investigate who changed it.",
			rep.FirstBad.Seq, rep.FirstBad.Segment, rep.FirstBad.Reason)
	}
	fmt.Fprintf(e.stdout, "audit chain intact: %d events in %d segments\n", rep.Events, rep.Segments)
	return nil
}
