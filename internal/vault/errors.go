package vault

import (
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/stewardhq/steward/internal/apperr"
	"github.com/stewardhq/steward/internal/store"
)

// ErrShredded is returned (wrapped) when a person's data key has been
// shredded or never existed: their sealed data can no longer be read, and
// no new data may be sealed for them. It is an *apperr.Error so the web
// layer shows a safe message.
var ErrShredded = &apperr.Error{Code: apperr.NotFound, Message: "This person's personal data has been erased."}

// ErrWrappedKey is returned (wrapped) when a stored data key does not open
// under the master key: it was damaged, or copied from another person's row.
var ErrWrappedKey = errors.New("vault: a stored data key does not open under the master key (damaged, or copied from another person)")

// ErrKeyRotated is returned (wrapped) when another process rotated the
// master key after this one opened the vault.
var ErrKeyRotated = &apperr.Error{Code: apperr.Internal, Message: "The master key was rotated by another process. Restart Steward so it reads the new key file."}

// maxSubjectID bounds subject ids; Steward's are 36-character UUIDs.
const maxSubjectID = 128

func checkSubjectID(id string) error {
	if id == "" || len(id) > maxSubjectID || !utf8.ValidString(id) {
		return apperr.New(apperr.Invalid, "a subject id must be 1 to %d bytes of UTF-8 text", maxSubjectID)
	}
	for _, r := range id {
		if unicode.IsControl(r) {
			return apperr.New(apperr.Invalid, "a subject id cannot contain control characters")
		}
	}
	return nil
}

func checkField(f Field) error {
	if !f.complete() {
		return fmt.Errorf("vault: field %q.%q row %q: table, column and row must all be set", f.Table, f.Column, f.Row)
	}
	return nil
}

// keyFileMissing is the message for a master key file that is not there
// although the key store was initialised with one.
func keyFileMissing(path string, keys store.Target, cause error) error {
	return apperr.Wrap(cause, apperr.Invalid,
		"the master key file %s does not exist, but the key store at %s was created with a master key. "+
			"Restore the key file from your key backup, or set STEWARD_MASTER_KEY_FILE to the key this data was created with. "+
			"(`steward init` will not create a new key over existing data: it could never decrypt it.)",
		path, keys)
}

func keyFileUnreadable(path string, cause error) error {
	if errors.Is(cause, errKeyFormat) {
		return apperr.Wrap(cause, apperr.Invalid,
			"the master key file %s is not a Steward master key (%s). It must be one line `%s <base64>`. "+
				"Restore it from your key backup, or set STEWARD_MASTER_KEY_FILE to the right file.",
			path, strings.TrimPrefix(cause.Error(), errKeyFormat.Error()+": "), keyFileHeader)
	}
	return apperr.Wrap(cause, apperr.Invalid,
		"cannot read the master key file %s: %v. Check that the user running Steward owns it (chmod 600), "+
			"or set STEWARD_MASTER_KEY_FILE to the right file.", path, cause)
}

func keyFileMismatch(path, fileID string, keys store.Target, storeID string) error {
	return apperr.New(apperr.Invalid,
		"the master key in %s (key id %s) is not the key the key store at %s was created with (key id %s). "+
			"Set STEWARD_MASTER_KEY_FILE to the key this data was created with, or restore that file from your key backup.",
		path, fileID, keys, storeID)
}

func keyStoreNotInitialised(keys store.Target) error {
	return apperr.New(apperr.Invalid,
		"the key store at %s has not been initialised. For a new installation run `steward init`; "+
			"otherwise restore the key store from its backup.", keys)
}
