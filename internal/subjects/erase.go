package subjects

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/stewardhq/steward/internal/access"
	"github.com/stewardhq/steward/internal/store"
	"github.com/stewardhq/steward/internal/vault"
)

// Erasure works by crypto-shredding. The person's details and history are
// sealed under the person's key, and each record under its own, so each
// can be made unreadable on its own: the key goes first, and from that
// moment every copy, in backups too, is unreadable; then the rows go. A
// failure in between leaves rows nobody can read, which a retry removes.
// Every shredded key id is written to the erasures table, so a restore of
// an older backup deletes those rows again (DeleteErased).

// Erase erases a person and every record about them.
func (s *Service) Erase(ctx context.Context, id string) error {
	a, err := access.Require(ctx, access.PermRightsManage)
	if err != nil {
		return err
	}
	if _, err := s.inScope(ctx, a, access.PermRightsManage, id); err != nil {
		return err
	}
	keys, err := recordKeys(ctx, s.db.Q(ctx), id)
	if err != nil {
		return err
	}
	for _, k := range append(keys, id) {
		if err := s.vault.Shred(ctx, k); err != nil {
			return fmt.Errorf("shred a key of %s: %w", id, err)
		}
	}
	var late []string
	err = s.db.InTx(ctx, func(ctx context.Context, tx *store.Tx) error {
		// A record added since the keys were listed has a key too.
		now, err := recordKeys(ctx, tx, id)
		if err != nil {
			return err
		}
		for _, k := range now {
			if !slices.Contains(keys, k) {
				late = append(late, k)
			}
		}
		ids := append(append(now, keys...), id)
		if err := logErasures(ctx, tx, ids); err != nil {
			return err
		}
		// Records sealed under the person's key went with it.
		if _, err := tx.ExecContext(ctx, `DELETE FROM records WHERE subject_id = $1`, id); err != nil {
			return fmt.Errorf("delete records: %w", err)
		}
		if err := DeleteErased(ctx, tx, ids, true); err != nil {
			return err
		}
		return s.record(ctx, "subject.erase", id, "", map[string]string{"records": itoa(len(now))})
	})
	if err != nil {
		return err
	}
	for _, k := range late {
		if err := s.vault.Shred(ctx, k); err != nil {
			return fmt.Errorf("shred a key of %s: %w", id, err)
		}
	}
	return nil
}

// EraseDetails erases a person's details and history from the register
// but keeps the records about them that an erasure request decided to
// keep (for legal claims, say). The person stays as a row with no readable
// data and no search indexes, so the kept records still belong somewhere
// and stay in scope; once no record is left the row goes too. Records
// written before records had keys of their own are moved to their own
// keys first, or shredding the person's key would take them too.
func (s *Service) EraseDetails(ctx context.Context, id string) error {
	a, err := access.Require(ctx, access.PermRightsManage)
	if err != nil {
		return err
	}
	if _, err := s.inScope(ctx, a, access.PermRightsManage, id); err != nil {
		return err
	}
	if err := s.rekeyRecords(ctx, id); err != nil {
		return err
	}
	if err := s.vault.Shred(ctx, id); err != nil {
		return fmt.Errorf("shred the key of %s: %w", id, err)
	}
	return s.db.InTx(ctx, func(ctx context.Context, tx *store.Tx) error {
		if err := logErasures(ctx, tx, []string{id}); err != nil {
			return err
		}
		if err := DeleteErased(ctx, tx, []string{id}, true); err != nil {
			return err
		}
		var kept int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM records WHERE subject_id = $1`, id).Scan(&kept); err != nil {
			return fmt.Errorf("count kept records: %w", err)
		}
		return s.record(ctx, "subject.erase", id, "", map[string]string{"kept_records": itoa(kept)})
	})
}

// EraseChanges deletes entries of a person's rectification history, named
// by when they were made (Unix ms) and the field. They stay sealed under
// the person's key in older backups until the person is erased.
func (s *Service) EraseChanges(ctx context.Context, id string, changes []ChangeRef) error {
	a, err := access.Require(ctx, access.PermRightsManage)
	if err != nil {
		return err
	}
	return s.db.InTx(ctx, func(ctx context.Context, tx *store.Tx) error {
		if _, err := s.inScopeForUpdate(ctx, a, access.PermRightsManage, id); err != nil {
			return err
		}
		n := 0
		for _, c := range changes {
			res, err := tx.ExecContext(ctx, `DELETE FROM rectifications WHERE subject_id = $1 AND at = $2 AND field = $3`, id, c.At, c.Field)
			if err != nil {
				return fmt.Errorf("erase history: %w", err)
			}
			m, _ := res.RowsAffected()
			n += int(m)
		}
		return s.record(ctx, "subject.history_erase", id, "", map[string]string{"entries": itoa(n)})
	})
}

// ChangeRef names one entry of the rectification history.
type ChangeRef struct {
	At    int64
	Field string
}

// Erase erases records about a person, each by shredding its own key. It
// reports how many were written before records had their own keys: those
// rows are deleted, but older backups hold them under the person's key
// until the person is erased.
func (r *Records) Erase(ctx context.Context, subjectID string, recordIDs []string) (legacy int, err error) {
	a, err := access.Require(ctx, access.PermRightsManage)
	if err != nil {
		return 0, err
	}
	s := r.reg
	if _, err := s.inScope(ctx, a, access.PermRightsManage, subjectID); err != nil {
		return 0, err
	}
	keyOf := map[string]sql.NullString{}
	for _, rid := range recordIDs {
		var k sql.NullString
		err := s.db.Q(ctx).QueryRowContext(ctx, `SELECT key_id FROM records WHERE id = $1 AND subject_id = $2`, rid, subjectID).Scan(&k)
		if errors.Is(err, sql.ErrNoRows) {
			continue // erased already
		}
		if err != nil {
			return 0, fmt.Errorf("find record: %w", err)
		}
		keyOf[rid] = k
		if !k.Valid {
			legacy++
			continue
		}
		if err := s.vault.Shred(ctx, k.String); err != nil {
			return 0, fmt.Errorf("shred the key of record %s: %w", rid, err)
		}
	}
	err = s.db.InTx(ctx, func(ctx context.Context, tx *store.Tx) error {
		for rid, k := range keyOf {
			if k.Valid {
				if err := logErasures(ctx, tx, []string{k.String}); err != nil {
					return err
				}
			}
			if _, err := tx.ExecContext(ctx, `DELETE FROM records WHERE id = $1`, rid); err != nil {
				return fmt.Errorf("delete record %s: %w", rid, err)
			}
			if err := s.record(ctx, "record.erase", subjectID, "", map[string]string{"record_id": rid, "own_key": fmt.Sprint(k.Valid)}); err != nil {
				return err
			}
		}
		// A person whose details went earlier, kept only for these
		// records, goes with the last of them.
		return deleteIfEmpty(ctx, tx, subjectID)
	})
	return legacy, err
}

// RecordKeysSchema is the data schema version from which records have
// keys of their own.
const RecordKeysSchema = 12

// DeleteErased deletes, in tx, the rows of everything whose key id is in
// ids: records with their own key, and people (whose row stays, emptied of
// indexes, while records kept about them remain). Erasure calls it after
// shredding, and a restore for every id in the erasure log, so that rows
// from an older backup go again. perRecord is false for a database loaded
// from a backup older than RecordKeysSchema, where deleting the people
// (and with them their records) is all there is to do.
func DeleteErased(ctx context.Context, tx *store.Tx, ids []string, perRecord bool) error {
	if !perRecord {
		for _, id := range ids {
			if _, err := tx.ExecContext(ctx, `DELETE FROM subjects WHERE id = $1`, id); err != nil {
				return fmt.Errorf("delete erased person %s: %w", id, err)
			}
		}
		return nil
	}
	// Records first: a person is deleted only once no record is left.
	for _, id := range ids {
		if _, err := tx.ExecContext(ctx, `DELETE FROM records WHERE key_id = $1`, id); err != nil {
			return fmt.Errorf("delete erased record: %w", err)
		}
	}
	var nulls []string
	for _, d := range indexDefs() {
		nulls = append(nulls, d.column+" = NULL")
	}
	for _, id := range ids {
		if _, err := tx.ExecContext(ctx, `DELETE FROM rectifications WHERE subject_id = $1`, id); err != nil {
			return fmt.Errorf("delete erased history: %w", err)
		}
		if err := deleteIfEmpty(ctx, tx, id); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE subjects SET `+strings.Join(nulls, ", ")+` WHERE id = $1`, id); err != nil {
			return fmt.Errorf("drop the indexes of an erased person: %w", err)
		}
	}
	return nil
}

// deleteIfEmpty deletes a person whose key is gone once no record about
// them is left.
func deleteIfEmpty(ctx context.Context, tx *store.Tx, id string) error {
	var erased int
	err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM erasures WHERE subject_id = $1`, id).Scan(&erased)
	if err != nil {
		return fmt.Errorf("check the erasure log: %w", err)
	}
	if erased == 0 {
		return nil
	}
	_, err = tx.ExecContext(ctx, `DELETE FROM subjects WHERE id = $1 AND NOT EXISTS (SELECT 1 FROM records WHERE subject_id = $1)`, id)
	if err != nil {
		return fmt.Errorf("delete erased person %s: %w", id, err)
	}
	return nil
}

// logErasures writes shredded key ids to the erasures table.
func logErasures(ctx context.Context, tx *store.Tx, ids []string) error {
	for _, id := range ids {
		_, err := tx.ExecContext(ctx, `INSERT INTO erasures (subject_id, erased_at) VALUES ($1, $2) ON CONFLICT (subject_id) DO NOTHING`, id, store.Millis(tx.Now()))
		if err != nil {
			return fmt.Errorf("log erasure: %w", err)
		}
	}
	return nil
}

// recordKeys lists the own keys of a person's records.
func recordKeys(ctx context.Context, q store.Querier, subjectID string) ([]string, error) {
	rows, err := q.QueryContext(ctx, `SELECT key_id FROM records WHERE subject_id = $1 AND key_id IS NOT NULL ORDER BY key_id`, subjectID)
	if err != nil {
		return nil, fmt.Errorf("list record keys: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var k string
		if err := rows.Scan(&k); err != nil {
			return nil, err
		}
		out = append(out, k)
	}
	return out, rows.Err()
}

// rekeyRecords moves a person's records that are sealed under the
// person's key to keys of their own, with their files.
func (s *Service) rekeyRecords(ctx context.Context, subjectID string) error {
	return s.db.InTx(ctx, func(ctx context.Context, tx *store.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT id, title, body FROM records WHERE subject_id = $1 AND key_id IS NULL`, subjectID)
		if err != nil {
			return fmt.Errorf("list records: %w", err)
		}
		type rec struct {
			id          string
			title, body []byte
		}
		var recs []rec
		for rows.Next() {
			var r rec
			if err := rows.Scan(&r.id, &r.title, &r.body); err != nil {
				rows.Close()
				return err
			}
			recs = append(recs, r)
		}
		rows.Close()
		if err := rows.Err(); err != nil || len(recs) == 0 {
			return err
		}
		old, err := s.vault.SubjectKey(ctx, subjectID, false)
		if errors.Is(err, vault.ErrShredded) {
			return nil // nothing readable left to move
		}
		if err != nil {
			return err
		}
		for _, r := range recs {
			key, err := s.vault.SubjectKey(ctx, r.id, true)
			if err != nil {
				return err
			}
			title, err := reseal(old, key, recField("title", r.id), r.title)
			if err != nil {
				return err
			}
			body, err := reseal(old, key, recField("body", r.id), r.body)
			if err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `UPDATE records SET title = $2, body = $3, key_id = $1 WHERE id = $1`, r.id, title, body); err != nil {
				return fmt.Errorf("rekey record: %w", err)
			}
			if err := rekeyFiles(ctx, tx, old, key, r.id); err != nil {
				return err
			}
		}
		return nil
	})
}

func rekeyFiles(ctx context.Context, tx *store.Tx, old, key *vault.SubjectKey, recordID string) error {
	rows, err := tx.QueryContext(ctx, `SELECT id, name, content FROM record_files WHERE record_id = $1`, recordID)
	if err != nil {
		return fmt.Errorf("list files: %w", err)
	}
	type file struct {
		id            string
		name, content []byte
	}
	var files []file
	for rows.Next() {
		var f file
		if err := rows.Scan(&f.id, &f.name, &f.content); err != nil {
			rows.Close()
			return err
		}
		files = append(files, f)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, f := range files {
		name, err := reseal(old, key, fileField("name", f.id), f.name)
		if err != nil {
			return err
		}
		content, err := reseal(old, key, fileField("content", f.id), f.content)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE record_files SET name = $2, content = $3 WHERE id = $1`, f.id, name, content); err != nil {
			return fmt.Errorf("rekey file: %w", err)
		}
	}
	return nil
}

func reseal(old, key *vault.SubjectKey, f vault.Field, sealed []byte) ([]byte, error) {
	plain, err := old.Open(f, sealed)
	if err != nil {
		return nil, fmt.Errorf("open %s.%s: %w", f.Table, f.Column, err)
	}
	out := key.Seal(f, plain)
	clear(plain)
	return out, nil
}
