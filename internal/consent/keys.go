package consent

import (
	"fmt"
	"strings"

	"github.com/stewardhq/steward/internal/apperr"
	"github.com/stewardhq/steward/internal/vault"
)

// Kind is what a suppression key was computed from. The single-value kinds
// are the vault's index kinds, so a key equals the blind index the register
// keeps for the same value (subjects' ix_email, ix_phone, membership_key).
type Kind string

const (
	KindEmail        = Kind(vault.IndexEmail)
	KindPhone        = Kind(vault.IndexPhone)
	KindMembershipNo = Kind(vault.IndexMembershipNo)
	// KindNameDOB is a name with a date of birth: the name's blind index
	// (vault.IndexName) followed by the date's (vault.IndexDate). A name
	// alone is shared by too many people to suppress anyone by.
	KindNameDOB Kind = "name_dob"
)

// Kinds lists every kind, in a fixed order.
func Kinds() []Kind { return []Kind{KindEmail, KindPhone, KindMembershipNo, KindNameDOB} }

// size is the length of a valid key of the kind, 0 for an unknown kind.
func (k Kind) size() int {
	switch k {
	case KindEmail, KindPhone, KindMembershipNo:
		return vault.BlindIndexSize
	case KindNameDOB:
		return 2 * vault.BlindIndexSize
	}
	return 0
}

// Key is one blind index on the suppression list: what a person is
// recognised by without anyone's identifier being stored.
type Key struct {
	Kind  Kind
	Index []byte
}

// Valid reports whether the key has a known kind and the length of it.
func (k Key) Valid() bool { return k.Kind.size() != 0 && len(k.Index) == k.Kind.size() }

func (k Key) id() string { return string(k.Kind) + "\x00" + string(k.Index) }

// IndexKey is the key for a blind index the register already holds, for a
// caller that checks people without opening their profiles: kind is the
// vault kind the index was made with (email, phone or membership number).
func IndexKey(kind vault.IndexKind, ix []byte) Key { return Key{Kind: Kind(kind), Index: ix} }

// NameDOBKey is the name-and-date-of-birth key made from their blind
// indexes as the register holds them (vault.IndexName over the full name,
// given then family; vault.IndexDate over the date of birth). Either being
// empty gives an invalid key, which never matches.
func NameDOBKey(nameIx, dobIx []byte) Key {
	if len(nameIx) == 0 || len(dobIx) == 0 {
		return Key{Kind: KindNameDOB}
	}
	return Key{Kind: KindNameDOB, Index: append(append(make([]byte, 0, len(nameIx)+len(dobIx)), nameIx...), dobIx...)}
}

// Identifiers are what a person can be recognised by on the suppression
// list. Each is normalised as the register normalises it (an email in any
// case and spacing, a UK phone number written nationally or with +44, a
// membership number in either case), so different spellings of one value
// match.
type Identifiers struct {
	Email        string
	Phone        string
	MembershipNo string
	// Name is the full name, given then family name, as the register
	// shows it. It counts only together with DateOfBirth (YYYY-MM-DD or
	// DD/MM/YYYY).
	Name        string
	DateOfBirth string
}

// empty reports whether no identifier is given.
func (id Identifiers) empty() bool {
	return strings.TrimSpace(id.Email+id.Phone+id.MembershipNo+id.Name+id.DateOfBirth) == ""
}

// Keys computes the suppression keys of a person's identifiers, checking
// each: a malformed one is an apperr.Invalid error saying which, without
// repeating the value. No identifiers at all is an error too.
func (s *Suppressions) Keys(id Identifiers) ([]Key, error) {
	if id.empty() {
		return nil, apperr.New(apperr.Invalid, "Give at least one of an email address, a phone number, a membership number, or a name with a date of birth.")
	}
	return s.keys(id)
}

// keys is Keys allowing no identifiers (no keys).
func (s *Suppressions) keys(id Identifiers) ([]Key, error) {
	out := make([]Key, 0, 4)
	for _, f := range [...]struct {
		kind  vault.IndexKind
		label string
		v     string
	}{
		{vault.IndexEmail, "email address", id.Email},
		{vault.IndexPhone, "phone number", id.Phone},
		{vault.IndexMembershipNo, "membership number", id.MembershipNo},
	} {
		if strings.TrimSpace(f.v) == "" {
			continue
		}
		ix, err := s.index(f.kind, f.label, f.v)
		if err != nil {
			return nil, err
		}
		out = append(out, IndexKey(f.kind, ix))
	}
	name, dob := strings.TrimSpace(id.Name) != "", strings.TrimSpace(id.DateOfBirth) != ""
	if name != dob {
		return nil, apperr.New(apperr.Invalid, "A name identifies someone on the suppression list only with their date of birth: give both, or neither.")
	}
	if name {
		nameIx, err := s.index(vault.IndexName, "name", id.Name)
		if err != nil {
			return nil, err
		}
		dobIx, err := s.index(vault.IndexDate, "date of birth", id.DateOfBirth)
		if err != nil {
			return nil, err
		}
		out = append(out, NameDOBKey(nameIx, dobIx))
	}
	return out, nil
}

// index is the blind index of one identifier, its error message naming the
// identifier but never repeating its value.
func (s *Suppressions) index(kind vault.IndexKind, label, v string) ([]byte, error) {
	ix, err := s.vault.BlindIndex(kind, v)
	if apperr.Is(err, apperr.Invalid) {
		return nil, apperr.Wrap(err, apperr.Invalid, "The %s is not valid: %s.", label, strings.TrimSuffix(apperr.MessageOf(err), "."))
	}
	if err != nil {
		return nil, fmt.Errorf("blind index of the %s: %w", label, err)
	}
	return ix, nil
}
