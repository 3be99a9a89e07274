package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/schollz/progressbar/v3"

	"github.com/stewardhq/steward/internal/subjects/importer"
)

// ImportCmd groups the import commands.
type ImportCmd struct {
	People ImportPeopleCmd `cmd:"" help:"Import people from a CSV or XLSX file (create new, update existing, idempotent)."`
}

// ImportPeopleCmd imports people.
type ImportPeopleCmd struct {
	Paths
	Actor
	File        string   `arg:"" help:"CSV (UTF-8, comma or semicolon separated) or XLSX file; the format is told from its content." type:"existingfile"`
	Unit        string   `name:"unit" help:"Put every row in this unit (name or id), e.g. for a workplace list; overrides a unit column."`
	Key         string   `name:"key" default:"membership_no" enum:"membership_no,email,phone,ni_number" help:"Identifier that matches rows to people already held (${enum})."`
	Map         []string `name:"map" sep:"none" help:"Map a column: --map \"Header=field\" (repeatable). Fields: given_name, family_name, email, phone, address, postcode, ni_number, date_of_birth, membership_no, unit, kind, joined_on, left_on, interview_on, or ignore."`
	Mapping     string   `name:"mapping" help:"Read the column map from this JSON file ({\"columns\": {\"Header\": \"field\"}})." type:"existingfile"`
	SaveMapping string   `name:"save-mapping" help:"Write the column map used to this JSON file, for --mapping next time." type:"path"`
	Sheet       string   `name:"sheet" help:"XLSX sheet to read (default: the first)."`
	DryRun      bool     `name:"dry-run" help:"Check every row and report what would be created, updated, rejected or marked as left; write nothing."`
	Strict      bool     `name:"strict" help:"Write nothing unless every row is valid (default: bad rows are rejected, good rows imported)."`
	FullRefresh bool     `name:"full-refresh" help:"With --unit: people of that unit (and below) who have the key identifier but are missing from the file are marked as left (never deleted)."`
	Report      string   `name:"report" help:"Write the per-row report as CSV (line, action, column, reason, subject_id): every rejected row and everyone marked as left; with --dry-run every row. It never contains the file's values. Without it, a summary and the first rejections are printed." type:"path"`
	BatchSize   int      `name:"batch-size" default:"2000" help:"Rows per transaction."`
}

// maxPrinted bounds the rejections printed without --report.
const maxPrinted = 20

// Run imports the file.
func (c *ImportPeopleCmd) Run(e *env) error {
	return withApp(e, c.Paths, c.As, func(ctx context.Context, app *App) error {
		o := importer.Options{Path: c.File, Unit: c.Unit, Key: c.Key, Sheet: c.Sheet, DryRun: c.DryRun, Strict: c.Strict,
			FullRefresh: c.FullRefresh, BatchSize: c.BatchSize}
		var err error
		if len(c.Map) > 0 {
			if o.Map, err = importer.ParseMap(c.Map); err != nil {
				return err
			}
		}
		if c.Mapping != "" {
			if o.Mapping, err = importer.LoadMapping(c.Mapping); err != nil {
				return err
			}
		}
		if c.Report != "" {
			f, err := os.Create(c.Report)
			if err != nil {
				return fmt.Errorf("create the report %s: %w", c.Report, err)
			}
			defer f.Close()
			o.Report = f
		}
		done := c.progress(e, &o)
		im := importer.New(app.DB, app.Audit, app.Access, app.Subjects, app.Log)
		res, runErr := im.Run(ctx, o)
		done()
		if res != nil {
			c.print(e, res)
			if c.SaveMapping != "" {
				if err := res.Mapping.Save(c.SaveMapping); err != nil {
					return err
				}
				fmt.Fprintf(e.stdout, "Column map saved to %s.\n", c.SaveMapping)
			}
		}
		return runErr
	})
}

// progress shows a bar on a terminal and a line per tenth otherwise (logs
// and pipes want lines, not carriage returns). It returns a function that
// ends the display.
func (c *ImportPeopleCmd) progress(e *env, o *importer.Options) func() {
	f, ok := e.stderr.(*os.File)
	if ok && isTerminal(f) {
		var bar *progressbar.ProgressBar
		o.Progress = func(done, total int) {
			if bar == nil {
				bar = progressbar.NewOptions(total, progressbar.OptionSetWriter(f), progressbar.OptionSetDescription("importing"),
					progressbar.OptionShowCount(), progressbar.OptionShowIts(), progressbar.OptionSetItsString("rows"),
					progressbar.OptionThrottle(200_000_000), progressbar.OptionClearOnFinish())
			}
			_ = bar.Set(done)
		}
		return func() {
			if bar != nil {
				_ = bar.Finish()
			}
		}
	}
	next := 0
	o.Progress = func(done, total int) {
		if pct := done * 100 / max(total, 1); pct >= next || done == total {
			fmt.Fprintf(e.stderr, "import: %d of %d rows (%d%%)\n", done, total, pct)
			next = pct/10*10 + 10
		}
	}
	return func() {}
}

func (c *ImportPeopleCmd) print(e *env, res *importer.Result) {
	w := e.stdout
	if len(res.Mapped) > 0 {
		fmt.Fprintf(w, "Columns: %s\n", strings.Join(res.Mapped, "; "))
	}
	if len(res.Unused) > 0 {
		fmt.Fprintf(w, "Not imported: %s\n", strings.Join(res.Unused, ", "))
	}
	io.WriteString(w, res.Summary())
	if c.Report != "" {
		fmt.Fprintf(w, "Report written to %s.\n", c.Report)
		return
	}
	for i, p := range res.Problems {
		if i == maxPrinted {
			fmt.Fprintf(w, "… and more: use --report FILE for them all.\n")
			break
		}
		col := ""
		if p.Column != "" {
			col = " (" + p.Column + ")"
		}
		fmt.Fprintf(w, "  line %d%s: %s\n", p.Line, col, p.Reason)
	}
}
