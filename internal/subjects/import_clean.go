package subjects

import (
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/stewardhq/steward/internal/apperr"
	"github.com/stewardhq/steward/internal/vault"
)

// MaxFieldLength is the longest a profile field may be, in characters.
const MaxFieldLength = 300

// CleanField checks and normalises one profile field (or a lifecycle date:
// joined_on, left_on, interview_on) as Profile.Clean and Input.clean do,
// for an importer that sees fields one cell at a time. Unlike them, its
// messages never repeat the value: an import's rejection report is a file
// that gets passed around, and must not carry the personal data it refused.
func CleanField(field, v string) (string, error) {
	v = strings.TrimSpace(v)
	if field == "address" {
		v = strings.ReplaceAll(v, "\r\n", "\n")
	}
	if !utf8.ValidString(v) || utf8.RuneCountInString(v) > MaxFieldLength {
		return "", apperr.New(apperr.Invalid, "The %s is too long or not valid text (%d characters at most).", fieldLabel(field), MaxFieldLength)
	}
	if v == "" {
		return "", nil
	}
	k, ok := fieldKind(field)
	switch field {
	case "joined_on", "left_on", "interview_on":
		k, ok = vault.IndexDate, true
	}
	if !ok {
		if strings.ContainsFunc(v, func(r rune) bool { return r < ' ' && r != '\n' }) {
			return "", apperr.New(apperr.Invalid, "The %s contains a control character.", fieldLabel(field))
		}
		return v, nil
	}
	n, err := vault.Normalise(k, v)
	if err != nil {
		return "", apperr.New(apperr.Invalid, "The %s is not valid: %s.", fieldLabel(field), strings.TrimSuffix(apperr.MessageOf(err), "."))
	}
	if k == vault.IndexDate || k == vault.IndexNINumber || k == vault.IndexPostcode {
		v = n
	}
	return v, nil
}

// KeyFields lists the identifiers an import can match people by: each is
// blind-indexed, and a membership number is unique.
func KeyFields() []string { return []string{"membership_no", "email", "phone", "ni_number"} }

// keyIndex maps an import key field to its subject_index kind and the
// normaliser of its blind index.
func keyIndex(field string) (kind string, vk vault.IndexKind, ok bool) {
	if !slices.Contains(KeyFields(), field) {
		return "", "", false
	}
	d, ok := indexOfField(field)
	return d.kind, d.vk, ok
}

// KeyHash returns the blind index an import matches the key field's value
// by, so the importer can find duplicates in a file without ever keeping
// the values themselves.
func (s *Service) KeyHash(field, value string) ([]byte, error) {
	_, vk, ok := keyIndex(field)
	if !ok {
		return nil, apperr.New(apperr.Invalid, "An import cannot be keyed by %q: use membership_no, email, phone or ni_number.", field)
	}
	return s.vault.BlindIndex(vk, value)
}
