package vault

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/stewardhq/steward/internal/store"
)

// keyBatch bounds the ids per statement: three parameters a row stays well
// under SQLite's and PostgreSQL's limits on bound parameters.
const keyBatch = 1000

// CreateSubjectKeys makes data keys for many new people in one key-store
// transaction, for imports: one commit (one fsync) for a whole batch rather
// than one per person. The keys come back in the order of ids. A person who
// already has a key gets it back; one whose key was shredded is refused
// with ErrShredded, as SubjectKey refuses. Keys are not cached: a batch
// uses them once, and a million of them would only churn the cache. If the
// caller then fails, the unused keys hold nothing and are harmless.
func (v *Vault) CreateSubjectKeys(ctx context.Context, ids []string) ([]*SubjectKey, error) {
	for _, id := range ids {
		if err := checkSubjectID(id); err != nil {
			return nil, err
		}
	}
	raw := make([][]byte, len(ids))
	err := v.keys.InTx(ctx, func(ctx context.Context, tx *store.Tx) error {
		kekID, err := lockKEKRow(ctx, tx, false)
		if err != nil {
			return err
		}
		if kekID != v.kek.id {
			return fmt.Errorf("create data keys: %w", ErrKeyRotated)
		}
		now := store.Millis(tx.Now())
		for lo := 0; lo < len(ids); lo += keyBatch {
			chunk := ids[lo:min(lo+keyBatch, len(ids))]
			if err := refuseShredded(ctx, tx, chunk); err != nil {
				return err
			}
			var sb strings.Builder
			sb.WriteString(`INSERT INTO data_keys (subject_id, wrapped, created_at) VALUES `)
			args := make([]any, 0, 3*len(chunk))
			for i, id := range chunk {
				if i > 0 {
					sb.WriteByte(',')
				}
				d := tx.Dialect()
				fmt.Fprintf(&sb, "(%s, %s, %s)", param(d, 3*i+1), param(d, 3*i+2), param(d, 3*i+3))
				dek := newRawKey()
				raw[lo+i] = dek
				args = append(args, id, v.kek.wrap(dek, adDEKPrefix+id), now)
			}
			sb.WriteString(` ON CONFLICT (subject_id) DO NOTHING`)
			res, err := tx.ExecContext(ctx, sb.String(), args...)
			if err != nil {
				return fmt.Errorf("store data keys: %w", err)
			}
			if n, err := res.RowsAffected(); err == nil && n == int64(len(chunk)) {
				continue
			}
			// Someone already had a key: use the stored ones for this chunk.
			stored, err := v.readWrapped(ctx, tx, chunk)
			if err != nil {
				return err
			}
			for i, id := range chunk {
				dek, err := v.kek.unwrap(stored[id], adDEKPrefix+id)
				if err != nil {
					return v.unwrapFailed(ctx, id)
				}
				clear(raw[lo+i])
				raw[lo+i] = dek
			}
		}
		return nil
	})
	defer func() {
		for _, k := range raw {
			clear(k)
		}
	}()
	if err != nil {
		return nil, err
	}
	out := make([]*SubjectKey, len(ids))
	for i, id := range ids {
		if out[i], err = newSubjectKey(id, raw[i]); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// LoadSubjectKeys returns the data keys of many existing people, read in a
// few queries rather than one per person. A person without a key (erased)
// is absent from the map rather than an error, so one erasure does not
// fail a whole batch.
func (v *Vault) LoadSubjectKeys(ctx context.Context, ids []string) (map[string]*SubjectKey, error) {
	out := make(map[string]*SubjectKey, len(ids))
	var missing []string
	for _, id := range ids {
		if err := checkSubjectID(id); err != nil {
			return nil, err
		}
		if k, _ := v.cache.get(id); k != nil {
			out[id] = k
		} else {
			missing = append(missing, id)
		}
	}
	for lo := 0; lo < len(missing); lo += keyBatch {
		chunk := missing[lo:min(lo+keyBatch, len(missing))]
		stored, err := v.readWrapped(ctx, v.keys.Q(ctx), chunk)
		if err != nil {
			return nil, err
		}
		for id, w := range stored {
			dek, err := v.kek.unwrap(w, adDEKPrefix+id)
			if err != nil {
				return nil, v.unwrapFailed(ctx, id)
			}
			k, err := newSubjectKey(id, dek)
			clear(dek)
			if err != nil {
				return nil, err
			}
			out[id] = k
		}
	}
	return out, nil
}

// readWrapped reads the wrapped keys of ids that have one.
func (v *Vault) readWrapped(ctx context.Context, q store.Querier, ids []string) (map[string][]byte, error) {
	in, args := inList(v.keys.Dialect(), ids)
	rows, err := q.QueryContext(ctx, `SELECT subject_id, wrapped FROM data_keys WHERE subject_id IN (`+in+`)`, args...)
	if err != nil {
		return nil, fmt.Errorf("read data keys: %w", err)
	}
	defer rows.Close()
	out := make(map[string][]byte, len(ids))
	for rows.Next() {
		var id string
		var w []byte
		if err := rows.Scan(&id, &w); err != nil {
			return nil, fmt.Errorf("read data keys: %w", err)
		}
		out[id] = w
	}
	return out, rows.Err()
}

// refuseShredded fails if any of ids is in the shred log: an erased person
// is never given a new key.
func refuseShredded(ctx context.Context, tx *store.Tx, ids []string) error {
	in, args := inList(tx.Dialect(), ids)
	var id string
	err := tx.QueryRowContext(ctx, `SELECT subject_id FROM shred_log WHERE subject_id IN (`+in+`) LIMIT 1`, args...).Scan(&id)
	if err == nil {
		return fmt.Errorf("create the data key of subject %s: %w", id, ErrShredded)
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("check the shred log: %w", err)
	}
	return nil
}

// inList returns "$1, $2, ..." and the ids as arguments.
func inList(d store.Dialect, ids []string) (string, []any) {
	var sb strings.Builder
	args := make([]any, len(ids))
	for i, id := range ids {
		if i > 0 {
			sb.WriteString(", ")
		}
		sb.WriteString(param(d, i+1))
		args[i] = id
	}
	return sb.String(), args
}

// param is the n-th placeholder of a statement whose parameters appear in
// order. SQLite looks every $N (and ?N) up by name in a list, when
// preparing and again when binding, which makes a statement with thousands
// of them quadratic; a plain ? costs nothing. PostgreSQL knows only $N.
func param(d store.Dialect, n int) string {
	if d == store.SQLite {
		return "?"
	}
	return "$" + strconv.Itoa(n)
}
