package vault

import (
	"context"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"

	"github.com/stewardhq/steward/internal/store"
)

func b64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }

// wrapErr names the field in an error; ids are not personal data.
func (f Field) wrapErr(err error) error {
	return fmt.Errorf("open %s.%s of row %s: %w", f.Table, f.Column, f.Row, err)
}

// Seal encrypts plaintext for the person subjectID, bound to f. It creates
// the person's data key on first use, and returns ErrShredded for a person
// whose key was shredded: erased people are not recreated.
func (v *Vault) Seal(ctx context.Context, subjectID string, f Field, plaintext []byte) ([]byte, error) {
	if err := checkField(f); err != nil {
		return nil, err
	}
	k, err := v.SubjectKey(ctx, subjectID, true)
	if err != nil {
		return nil, err
	}
	return sealWith(k.aead, f, plaintext), nil
}

// Open decrypts a value sealed by Seal for the same person and field. It
// returns ErrShredded when the person's key is gone and ErrCorrupt when the
// value was altered or moved.
func (v *Vault) Open(ctx context.Context, subjectID string, f Field, sealed []byte) ([]byte, error) {
	k, err := v.SubjectKey(ctx, subjectID, false)
	if err != nil {
		return nil, err
	}
	pt, err := openWith(k.aead, f, sealed)
	if err != nil {
		return nil, f.wrapErr(err)
	}
	return pt, nil
}

// SubjectKey returns the person's unwrapped data key, from the cache or the
// key store. With create it makes the key if the person has none yet;
// without, a missing key is ErrShredded.
func (v *Vault) SubjectKey(ctx context.Context, subjectID string, create bool) (*SubjectKey, error) {
	if err := checkSubjectID(subjectID); err != nil {
		return nil, err
	}
	k, gen := v.cache.get(subjectID)
	if k != nil {
		return k, nil
	}
	var wrapped []byte
	err := v.keys.Q(ctx).QueryRowContext(ctx, `SELECT wrapped FROM data_keys WHERE subject_id = $1`, subjectID).Scan(&wrapped)
	switch {
	case errors.Is(err, sql.ErrNoRows) && create:
		wrapped, err = v.createDEK(ctx, subjectID)
		if err != nil {
			return nil, err
		}
	case errors.Is(err, sql.ErrNoRows):
		return nil, fmt.Errorf("data key of subject %s: %w", subjectID, ErrShredded)
	case err != nil:
		return nil, fmt.Errorf("read the data key of subject %s: %w", subjectID, err)
	}
	dek, err := v.kek.unwrap(wrapped, adDEKPrefix+subjectID)
	if err != nil {
		return nil, v.unwrapFailed(ctx, subjectID)
	}
	k, err = newSubjectKey(subjectID, dek)
	clear(dek)
	if err != nil {
		return nil, err
	}
	v.cache.put(subjectID, k, gen)
	return k, nil
}

// createDEK stores a new wrapped DEK for the subject and returns the one
// that ends up stored: if another process created one at the same moment,
// the INSERT does nothing and its key is used.
func (v *Vault) createDEK(ctx context.Context, subjectID string) ([]byte, error) {
	dek := newRawKey()
	mine := v.kek.wrap(dek, adDEKPrefix+subjectID)
	clear(dek)
	var stored []byte
	err := v.keys.InTx(ctx, func(ctx context.Context, tx *store.Tx) error {
		id, err := lockKEKRow(ctx, tx, false)
		if err != nil {
			return err
		}
		if id != v.kek.id {
			return fmt.Errorf("create the data key of subject %s: %w", subjectID, ErrKeyRotated)
		}
		var one int
		err = tx.QueryRowContext(ctx, `SELECT 1 FROM shred_log WHERE subject_id = $1`, subjectID).Scan(&one)
		if err == nil {
			return fmt.Errorf("create the data key of subject %s: %w", subjectID, ErrShredded)
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("check the shred log for subject %s: %w", subjectID, err)
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO data_keys (subject_id, wrapped, created_at) VALUES ($1, $2, $3)
			ON CONFLICT (subject_id) DO NOTHING`, subjectID, mine, store.Millis(tx.Now()))
		if err != nil {
			return fmt.Errorf("store the data key of subject %s: %w", subjectID, err)
		}
		err = tx.QueryRowContext(ctx, `SELECT wrapped FROM data_keys WHERE subject_id = $1`, subjectID).Scan(&stored)
		if err != nil {
			return fmt.Errorf("read back the data key of subject %s: %w", subjectID, err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return stored, nil
}

// unwrapFailed explains a DEK that does not open: most often another
// process rotated the master key; otherwise the row was damaged or copied
// from another person.
func (v *Vault) unwrapFailed(ctx context.Context, subjectID string) error {
	var id string
	err := v.keys.Q(ctx).QueryRowContext(ctx, `SELECT value FROM meta WHERE name = $1`, metaKEKID).Scan(&id)
	if err == nil && id != v.kek.id {
		return fmt.Errorf("data key of subject %s: %w", subjectID, ErrKeyRotated)
	}
	return fmt.Errorf("data key of subject %s: %w", subjectID, ErrWrappedKey)
}
