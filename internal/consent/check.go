package consent

import (
	"context"
	"fmt"
	"strings"

	"github.com/stewardhq/steward/internal/apperr"
)

// checkChunk bounds the keys of one lookup statement: well inside both
// engines' limits on parameters, and large enough that a list of thousands
// of people costs a handful of queries.
const checkChunk = 2000

// Suppressed reports whether the person is suppressed for the purpose by
// any of their identifiers. Malformed identifiers, or none, are an
// apperr.Invalid error: a person who cannot be checked is not reported
// as free to contact.
func (s *Suppressions) Suppressed(ctx context.Context, p Purpose, id Identifiers) (bool, error) {
	if _, err := requireAny(ctx, checkPerms); err != nil {
		return false, err
	}
	if err := p.check(); err != nil {
		return false, err
	}
	keys, err := s.Keys(id)
	if err != nil {
		return false, err
	}
	found, err := s.active(ctx, p, keys)
	if err != nil {
		return false, err
	}
	return len(found) > 0, nil
}

// SuppressedEach reports, for each person in order, whether they are
// suppressed for the purpose, in one query per few hundred people. A
// person with no identifiers is not suppressed; a malformed identifier is
// an apperr.Invalid error naming the person's position (from 1), and
// nothing is reported.
func (s *Suppressions) SuppressedEach(ctx context.Context, p Purpose, people []Identifiers) ([]bool, error) {
	if _, err := requireAny(ctx, checkPerms); err != nil {
		return nil, err
	}
	sets := make([][]Key, len(people))
	for i, id := range people {
		keys, err := s.keys(id)
		if err != nil {
			return nil, apperr.Wrap(err, apperr.Invalid, "Person %d in the list: %s", i+1, apperr.MessageOf(err))
		}
		sets[i] = keys
	}
	return s.suppressedKeys(ctx, p, sets)
}

// SuppressedKeys is SuppressedEach for callers that hold people's blind
// indexes rather than their identifiers (see IndexKey and NameDOBKey), so
// a member list can be checked without opening anyone's profile. Invalid
// keys (an empty index, a wrong length) never match.
func (s *Suppressions) SuppressedKeys(ctx context.Context, p Purpose, people [][]Key) ([]bool, error) {
	if _, err := requireAny(ctx, checkPerms); err != nil {
		return nil, err
	}
	return s.suppressedKeys(ctx, p, people)
}

func (s *Suppressions) suppressedKeys(ctx context.Context, p Purpose, people [][]Key) ([]bool, error) {
	if err := p.check(); err != nil {
		return nil, err
	}
	var all []Key
	for _, keys := range people {
		all = append(all, keys...)
	}
	found, err := s.active(ctx, p, all)
	if err != nil {
		return nil, err
	}
	out := make([]bool, len(people))
	for i, keys := range people {
		for _, k := range keys {
			if found[k.id()] {
				out[i] = true
				break
			}
		}
	}
	return out, nil
}

// active returns which of keys (by Key.id) are suppressed and not lifted.
// Keys are deduplicated and grouped by kind, and each statement is a
// UNION ALL of one primary-key range per kind, so both engines look each
// key up in the primary key.
func (s *Suppressions) active(ctx context.Context, p Purpose, keys []Key) (map[string]bool, error) {
	byKind := map[Kind][][]byte{}
	seen := make(map[string]bool, len(keys))
	for _, k := range keys {
		if !k.Valid() || seen[k.id()] {
			continue
		}
		seen[k.id()] = true
		byKind[k.Kind] = append(byKind[k.Kind], k.Index)
	}
	found := map[string]bool{}
	d := s.db.Dialect()
	q := s.db.Q(ctx)
	// Fill statements up to checkChunk keys, kind after kind.
	type part struct {
		kind Kind
		ixs  [][]byte
	}
	var parts []part
	n := 0
	flush := func() error {
		if len(parts) == 0 {
			return nil
		}
		var sb strings.Builder
		var args []any
		for i, pt := range parts {
			if i > 0 {
				sb.WriteString(" UNION ALL ")
			}
			args = append(args, string(p), string(pt.kind))
			fmt.Fprintf(&sb, `SELECT kind, ix FROM suppressions WHERE purpose = %s AND kind = %s AND lifted_at IS NULL AND ix IN (`,
				d.Param(len(args)-1), d.Param(len(args)))
			for j, ix := range pt.ixs {
				if j > 0 {
					sb.WriteString(", ")
				}
				args = append(args, ix)
				sb.WriteString(d.Param(len(args)))
			}
			sb.WriteString(")")
		}
		rows, err := q.QueryContext(ctx, sb.String(), args...)
		if err != nil {
			return fmt.Errorf("check the suppression list: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var k Key
			var kind string
			if err := rows.Scan(&kind, &k.Index); err != nil {
				return fmt.Errorf("check the suppression list: %w", err)
			}
			k.Kind = Kind(kind)
			found[k.id()] = true
		}
		if err := rows.Err(); err != nil {
			return fmt.Errorf("check the suppression list: %w", err)
		}
		parts, n = parts[:0], 0
		return nil
	}
	for _, kind := range Kinds() {
		ixs := byKind[kind]
		for len(ixs) > 0 {
			take := min(len(ixs), checkChunk-n)
			parts = append(parts, part{kind, ixs[:take]})
			ixs, n = ixs[take:], n+take
			if n == checkChunk {
				if err := flush(); err != nil {
					return nil, err
				}
			}
		}
	}
	if err := flush(); err != nil {
		return nil, err
	}
	return found, nil
}
