package importer

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/stewardhq/steward/internal/access"
	"github.com/stewardhq/steward/internal/audit"
	"github.com/stewardhq/steward/internal/store"
	"github.com/stewardhq/steward/internal/subjects"
)

// counts are one batch's tallies.
type counts struct{ created, updated, unchanged, rejected, left int }

func (c *counts) add(a subjects.ImportAction) {
	switch a {
	case subjects.ImportCreated:
		c.created++
	case subjects.ImportUpdated:
		c.updated++
	case subjects.ImportUnchanged:
		c.unchanged++
	case subjects.ImportRejected:
		c.rejected++
	case subjects.ImportLeft:
		c.left++
	}
}

// startImport records the run in the ledger, in the first batch's
// transaction: a file that fails before any batch leaves no trace.
func startImport(ctx context.Context, tx *store.Tx, id string, o *Options, unit string) error {
	fr := 0
	if o.FullRefresh {
		fr = 1
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO imports (id, file_name, actor_id, key_field, unit_id, full_refresh, status, started_at)
		VALUES ($1, $2, $3, $4, $5, $6, 'running', $7)`, id, o.Name, access.ActorID(ctx), o.Key, nullable(unit), fr, store.Millis(tx.Now()))
	if err != nil {
		return fmt.Errorf("record the import: %w", err)
	}
	return nil
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// recordBatch writes the ledger rows of a batch, its tallies, and one audit
// event, in the batch's transaction.
func recordBatch(ctx context.Context, tx *store.Tx, al *audit.Log, id string, batch int, outs []subjects.ImportOutcome, c counts) error {
	args := make([]any, 0, 4*len(outs))
	flush := func() error {
		if len(args) == 0 {
			return nil
		}
		var sb strings.Builder
		sb.WriteString(`INSERT INTO import_rows (import_id, subject_id, line, action) VALUES `)
		for i := 0; i < len(args)/4; i++ {
			if i > 0 {
				sb.WriteByte(',')
			}
			d := tx.Dialect()
			fmt.Fprintf(&sb, "(%s, %s, %s, %s)", d.Param(4*i+1), d.Param(4*i+2), d.Param(4*i+3), d.Param(4*i+4))
		}
		if _, err := tx.ExecContext(ctx, sb.String(), args...); err != nil {
			return fmt.Errorf("write the import ledger: %w", err)
		}
		args = args[:0]
		return nil
	}
	for _, o := range outs {
		switch o.Action {
		case subjects.ImportCreated, subjects.ImportUpdated, subjects.ImportLeft:
			args = append(args, id, o.SubjectID, o.Line, string(o.Action))
		}
		if len(args) >= 4*1000 {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	if err := flush(); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, `UPDATE imports SET batches = batches + 1, created = created + $2, updated = updated + $3,
		unchanged = unchanged + $4, rejected = rejected + $5, marked_left = marked_left + $6 WHERE id = $1`,
		id, c.created, c.updated, c.unchanged, c.rejected, c.left)
	if err != nil {
		return fmt.Errorf("update the import ledger: %w", err)
	}
	_, err = al.Append(ctx, audit.Event{ActorID: access.ActorID(ctx), Action: "subject.import_batch", Entity: "import", EntityID: id,
		Detail: map[string]string{"import_id": id, "batch": strconv.Itoa(batch), "created": strconv.Itoa(c.created),
			"updated": strconv.Itoa(c.updated), "unchanged": strconv.Itoa(c.unchanged), "rejected": strconv.Itoa(c.rejected),
			"left": strconv.Itoa(c.left)}})
	if err != nil {
		return fmt.Errorf("audit the import batch: %w", err)
	}
	return nil
}

// finishImport marks the run done.
func finishImport(ctx context.Context, db *store.DB, al *audit.Log, id string, r *Result) error {
	return db.InTx(ctx, func(ctx context.Context, tx *store.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE imports SET status = 'done', finished_at = $2 WHERE id = $1`, id, store.Millis(tx.Now())); err != nil {
			return fmt.Errorf("finish the import: %w", err)
		}
		_, err := al.Append(ctx, audit.Event{ActorID: access.ActorID(ctx), Action: "subject.import_done", Entity: "import", EntityID: id,
			Detail: map[string]string{"import_id": id, "rows": strconv.Itoa(r.Rows), "batches": strconv.Itoa(r.Batches),
				"created": strconv.Itoa(r.Created), "updated": strconv.Itoa(r.Updated), "unchanged": strconv.Itoa(r.Unchanged),
				"rejected": strconv.Itoa(r.Rejected), "left": strconv.Itoa(r.Left)}})
		return err
	})
}

// unitID is the id of --unit's unit, recorded with the run.
func unitID(o *Options) string { return o.unitID }

// auditDryRun records a dry-run batch: one event per person whose stored
// data was compared with the file, and one for the batch.
func auditDryRun(ctx context.Context, al *audit.Log, batch int, outs []subjects.ImportOutcome) error {
	compared := 0
	for _, o := range outs {
		if o.SubjectID == "" || o.Action == subjects.ImportCreated {
			continue
		}
		compared++
		if _, err := al.Append(ctx, audit.Event{ActorID: access.ActorID(ctx), Action: "subject.import_compare", Entity: "subject",
			EntityID: o.SubjectID, SubjectID: o.SubjectID, Purpose: "import_dry_run"}); err != nil {
			return fmt.Errorf("audit the dry run: %w", err)
		}
	}
	_, err := al.Append(ctx, audit.Event{ActorID: access.ActorID(ctx), Action: "subject.import_dry_run", Entity: "import",
		Detail: map[string]string{"batch": strconv.Itoa(batch), "compared": strconv.Itoa(compared), "rows": strconv.Itoa(len(outs))}})
	if err != nil {
		return fmt.Errorf("audit the dry run: %w", err)
	}
	return nil
}
