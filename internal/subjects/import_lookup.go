package subjects

import (
	"context"
	"fmt"
	"strings"

	"github.com/stewardhq/steward/internal/access"
	"github.com/stewardhq/steward/internal/apperr"
	"github.com/stewardhq/steward/internal/store"
)

// lookupChunk bounds the values of one IN list.
const lookupChunk = 1000

// placeholders returns "$first, ..., $(first+n-1)" (see store.Dialect.Param).
func placeholders(d store.Dialect, first, n int) string {
	var sb strings.Builder
	for i := range n {
		if i > 0 {
			sb.WriteString(", ")
		}
		sb.WriteString(d.Param(first + i))
	}
	return sb.String()
}

// lookupKeys finds the people whose key identifier has each blind index,
// keyed by string(hash). A membership number is unique and sits on the
// subjects row; other identifiers may be shared (a family email address).
func (s *Service) lookupKeys(ctx context.Context, kind string, hashes [][]byte) (map[string][]string, error) {
	col, ok := indexColumn(kind)
	if !ok {
		return nil, fmt.Errorf("no blind index of kind %q", kind)
	}
	out := make(map[string][]string, len(hashes))
	for lo := 0; lo < len(hashes); lo += lookupChunk {
		chunk := hashes[lo:min(lo+lookupChunk, len(hashes))]
		args := make([]any, 0, len(chunk))
		q := `SELECT ` + col + `, id FROM subjects WHERE ` + col + ` IN (` + placeholders(s.db.Dialect(), 1, len(chunk)) + `)`
		for _, h := range chunk {
			args = append(args, h)
		}
		if err := s.scanPairs(ctx, q, args, func(h []byte, id string) { out[string(h)] = append(out[string(h)], id) }); err != nil {
			return nil, fmt.Errorf("look up import keys: %w", err)
		}
	}
	return out, nil
}

// membershipOwners maps the membership numbers in rows to the people who
// already hold them, so a row keyed by another identifier cannot take a
// number that is someone else's (the unique index would fail the batch).
func (s *Service) membershipOwners(ctx context.Context, kind string, rows []ImportRow) (map[string]string, error) {
	if kind == "membership" {
		return nil, nil
	}
	byHash := map[string]string{}
	var hashes [][]byte
	for _, r := range rows {
		if r.Profile.MembershipNo == "" {
			continue
		}
		h, err := s.membershipKey(r.Profile.MembershipNo)
		if err != nil {
			return nil, err
		}
		byHash[string(h)] = r.Profile.MembershipNo
		hashes = append(hashes, h)
	}
	found, err := s.lookupKeys(ctx, "membership", hashes)
	if err != nil {
		return nil, err
	}
	out := make(map[string]string, len(found))
	for h, ids := range found {
		out[byHash[h]] = ids[0]
	}
	return out, nil
}

func (s *Service) scanPairs(ctx context.Context, q string, args []any, fn func([]byte, string)) error {
	rows, err := s.db.Q(ctx).QueryContext(ctx, q, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var h []byte
		var id string
		if err := rows.Scan(&h, &id); err != nil {
			return err
		}
		fn(h, id)
	}
	return rows.Err()
}

// loadRows loads many people's rows by id.
func (s *Service) loadRows(ctx context.Context, ids []string, lock bool) (map[string]*row, error) {
	out := make(map[string]*row, len(ids))
	for lo := 0; lo < len(ids); lo += lookupChunk {
		chunk := ids[lo:min(lo+lookupChunk, len(ids))]
		args := make([]any, len(chunk))
		for i, id := range chunk {
			args[i] = id
		}
		rows, err := s.db.Q(ctx).QueryContext(ctx, `SELECT `+rowCols+` FROM subjects WHERE id IN (`+placeholders(s.db.Dialect(), 1, len(chunk))+`)`+s.lockSuffix(ctx, lock), args...)
		if err != nil {
			return nil, fmt.Errorf("load people: %w", err)
		}
		for rows.Next() {
			r, err := scanRow(rows)
			if err != nil {
				rows.Close()
				return nil, fmt.Errorf("load people: %w", err)
			}
			out[r.id] = r
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, fmt.Errorf("load people: %w", err)
		}
	}
	return out, nil
}

// ImportKeyHolders calls fn with the id and key blind index of every
// current person in unit's subtree who has the key identifier, for a full
// refresh to find who is missing from the file. It reads ids and hashes
// only, nothing sealed.
func (s *Service) ImportKeyHolders(ctx context.Context, unit *access.Unit, key string, fn func(id string, hash []byte)) error {
	a, err := access.Require(ctx, access.PermSubjectsImport)
	if err != nil {
		return err
	}
	if !a.CanIn(access.PermSubjectsImport, unit.Path) {
		return apperr.New(apperr.Forbidden, "You may not import people into %q.", unit.Name)
	}
	kind, _, ok := keyIndex(key)
	if !ok {
		_, err := s.KeyHash(key, "")
		return err
	}
	col, _ := indexColumn(kind)
	q := `SELECT ` + col + `, id FROM subjects WHERE unit_path LIKE $1 AND status = 'active' AND ` + col + ` IS NOT NULL`
	err = s.scanPairs(ctx, q, []any{unit.Path + "%"}, func(h []byte, id string) { fn(id, h) })
	if err != nil {
		return fmt.Errorf("list people for a full refresh: %w", err)
	}
	return nil
}

// MarkLeft records people as having left on the given day (a full refresh
// that no longer lists them), in the transaction open in ctx or a new one.
// Nobody is deleted. A restricted person is left alone unless the actor
// manages rights, and is reported as rejected (line 0: not in the file).
func (s *Service) MarkLeft(ctx context.Context, ids []string, day string, dryRun bool) ([]ImportOutcome, error) {
	a, err := access.Require(ctx, access.PermSubjectsImport)
	if err != nil {
		return nil, err
	}
	out := make([]ImportOutcome, len(ids))
	mark := func(ctx context.Context, tx *store.Tx) error {
		rows, err := s.loadRows(ctx, ids, true)
		if err != nil {
			return err
		}
		for i, id := range ids {
			out[i].SubjectID = id
			r := rows[id]
			switch {
			case r == nil || r.status != string(StatusActive):
				out[i].Action = ImportUnchanged
				continue
			case !a.CanIn(access.PermSubjectsImport, r.unitPath):
				reject(&out[i], "", "A person missing from the file is outside the units you may import into.")
				continue
			case r.restricted && !a.CanIn(access.PermRightsManage, r.unitPath):
				reject(&out[i], "", "A person missing from the file is restricted (Art 18): only the data protection officer may mark them as left.")
				continue
			}
			out[i].Action = ImportLeft
			if tx == nil {
				continue // dry run
			}
			_, err := tx.ExecContext(ctx, `UPDATE subjects SET status = 'left', left_on = $2, version = version + 1, updated_at = $3 WHERE id = $1`,
				id, day, store.Millis(tx.Now()))
			if err != nil {
				return fmt.Errorf("mark %s as left: %w", id, err)
			}
		}
		return nil
	}
	if dryRun {
		err = mark(ctx, nil)
	} else {
		err = s.db.InTx(ctx, mark)
	}
	if err != nil {
		return nil, err
	}
	return out, nil
}
