package vault

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/stewardhq/steward/internal/store"
)

// Shred destroys the person's data key, which makes every copy of their
// sealed data unreadable, including copies in data backups, and records
// their id (only the id, with the time) in the shred log. Shredding again
// is a no-op. A key-store backup taken before the shred still holds the
// key: key-store backups must be short-lived, and a restored key store must
// have the shred log replayed (Shred each id again).
func (v *Vault) Shred(ctx context.Context, subjectID string) error {
	if err := checkSubjectID(subjectID); err != nil {
		return err
	}
	// Evict before, so no load that starts now caches the key, and after
	// commit, so no load that read the row before the delete does.
	v.cache.evict(subjectID)
	err := v.keys.InTx(ctx, func(ctx context.Context, tx *store.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM data_keys WHERE subject_id = $1`, subjectID); err != nil {
			return fmt.Errorf("delete the data key of subject %s: %w", subjectID, err)
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO shred_log (subject_id, shredded_at) VALUES ($1, $2)
			ON CONFLICT (subject_id) DO NOTHING`, subjectID, store.Millis(tx.Now()))
		if err != nil {
			return fmt.Errorf("record subject %s in the shred log: %w", subjectID, err)
		}
		tx.AfterCommit(func() { v.cache.evict(subjectID) })
		return nil
	})
	if err != nil {
		return err
	}
	v.log.InfoContext(ctx, "shredded a data key", "subject_id", subjectID)
	return nil
}

// ShredLog lists the ids of every shredded person, oldest shred first.
func (v *Vault) ShredLog(ctx context.Context) ([]string, error) {
	rows, err := v.keys.Q(ctx).QueryContext(ctx, `SELECT subject_id FROM shred_log ORDER BY shredded_at, subject_id`)
	if err != nil {
		return nil, fmt.Errorf("read the shred log: %w", err)
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("read the shred log: %w", err)
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read the shred log: %w", err)
	}
	return ids, nil
}

// Shredded reports whether the person's key was shredded.
func (v *Vault) Shredded(ctx context.Context, subjectID string) (bool, error) {
	var one int
	err := v.keys.Q(ctx).QueryRowContext(ctx, `SELECT 1 FROM shred_log WHERE subject_id = $1`, subjectID).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("check the shred log for subject %s: %w", subjectID, err)
	}
	return true, nil
}
