package subjects

import (
	"context"
	"fmt"
	"strings"

	"github.com/stewardhq/steward/internal/access"
	"github.com/stewardhq/steward/internal/apperr"
	"github.com/stewardhq/steward/internal/consent"
	"github.com/stewardhq/steward/internal/store"
	"github.com/stewardhq/steward/internal/vault"
)

// ListQuery selects the people a member list may be made from.
type ListQuery struct {
	// UnitPath is the unit the list covers, with its whole subtree. The
	// actor must hold lists:request on it.
	UnitPath string
	// Kinds narrows to these kinds of person (all when empty).
	Kinds []Kind
	// IDs, when set, narrows to these people (a list re-sent to the same
	// people, or the addresses of a list's people); people no longer
	// under UnitPath are left out.
	IDs []string
}

// ListPerson is one person as a member list needs them: what decides
// whether they may be on it (status, restriction, blind indexes for the
// suppression list), and, once opened, their profile.
type ListPerson struct {
	ID         string
	UnitID     string
	Kind       Kind
	Status     Status
	Restricted bool
	// Profile is empty until OpenForList opens it; Erased is set when
	// the person's key is gone.
	Profile Profile
	Erased  bool

	ixEmail, ixPhone, ixMembership, ixName, ixDOB []byte
	sealed                                        []byte
}

// SuppressionKeys are the person's blind indexes as the suppression list
// knows them, so they can be checked without opening their profile.
func (p *ListPerson) SuppressionKeys() []consent.Key {
	var out []consent.Key
	for _, k := range []struct {
		kind vault.IndexKind
		ix   []byte
	}{{vault.IndexEmail, p.ixEmail}, {vault.IndexPhone, p.ixPhone}, {vault.IndexMembershipNo, p.ixMembership}} {
		if len(k.ix) > 0 {
			out = append(out, consent.IndexKey(k.kind, k.ix))
		}
	}
	if len(p.ixName) > 0 && len(p.ixDOB) > 0 {
		out = append(out, consent.NameDOBKey(p.ixName, p.ixDOB))
	}
	return out
}

// listIDChunk bounds the ids of one statement.
const listIDChunk = 200

// PeopleForList returns the people a member list may be made from, in id
// order, without opening anyone's profile. It needs lists:request on the
// unit. It reads no personal data beyond blind indexes and is not audited
// here: the member list that is made from it audits itself and records
// exactly who is in it.
func (s *Service) PeopleForList(ctx context.Context, q ListQuery) ([]ListPerson, error) {
	a, err := access.Require(ctx, access.PermListsRequest)
	if err != nil {
		return nil, err
	}
	if q.UnitPath == "" || !a.CanIn(access.PermListsRequest, q.UnitPath) {
		return nil, apperr.New(apperr.Forbidden, "You may ask for member lists only for the units you hold a role on.")
	}
	base := []string{"unit_path LIKE $1"}
	args := []any{q.UnitPath + "%"}
	if len(q.Kinds) > 0 {
		var ph []string
		for _, k := range q.Kinds {
			args = append(args, string(k))
			ph = append(ph, fmt.Sprintf("$%d", len(args)))
		}
		base = append(base, "kind IN ("+strings.Join(ph, ", ")+")")
	}
	const cols = `id, unit_id, kind, status, restricted, ix_email, ix_phone, membership_key, ix_name, ix_dob, profile`
	run := func(where []string, args []any) ([]ListPerson, error) {
		rows, err := s.db.Q(ctx).QueryContext(ctx, `SELECT `+cols+` FROM subjects WHERE `+strings.Join(where, " AND ")+` ORDER BY id`, args...)
		if err != nil {
			return nil, fmt.Errorf("people for a list: %w", err)
		}
		defer rows.Close()
		var out []ListPerson
		for rows.Next() {
			var p ListPerson
			var kind, status string
			var restricted int64
			if err := rows.Scan(&p.ID, &p.UnitID, &kind, &status, &restricted, &p.ixEmail, &p.ixPhone, &p.ixMembership, &p.ixName, &p.ixDOB, &p.sealed); err != nil {
				return nil, fmt.Errorf("people for a list: %w", err)
			}
			p.Kind, p.Status, p.Restricted = Kind(kind), Status(status), restricted != 0
			out = append(out, p)
		}
		return out, rows.Err()
	}
	if q.IDs == nil {
		return run(base, args)
	}
	var out []ListPerson
	for lo := 0; lo < len(q.IDs); lo += listIDChunk {
		chunk := q.IDs[lo:min(lo+listIDChunk, len(q.IDs))]
		cargs := append([]any(nil), args...)
		var ph []string
		for _, id := range chunk {
			if !store.ValidID(id) {
				return nil, apperr.New(apperr.Invalid, "No person with id %q.", id)
			}
			cargs = append(cargs, id)
			ph = append(ph, fmt.Sprintf("$%d", len(cargs)))
		}
		got, err := run(append(append([]string(nil), base...), "id IN ("+strings.Join(ph, ", ")+")"), cargs)
		if err != nil {
			return nil, err
		}
		out = append(out, got...)
	}
	return out, nil
}

// OpenForList opens the profiles of people PeopleForList returned, loading
// their keys a thousand at a time rather than one by one. A person whose
// key is gone is marked Erased. It audits nothing: the caller records the
// list these people go on, with its id and how many, in its own
// transaction.
func (s *Service) OpenForList(ctx context.Context, people []ListPerson) error {
	if _, err := access.Require(ctx, access.PermListsRequest); err != nil {
		return err
	}
	for lo := 0; lo < len(people); lo += listIDChunk {
		chunk := people[lo:min(lo+listIDChunk, len(people))]
		ids := make([]string, len(chunk))
		for i := range chunk {
			ids[i] = chunk[i].ID
		}
		keys, err := s.vault.LoadSubjectKeys(ctx, ids)
		if err != nil {
			return fmt.Errorf("keys for a list: %w", err)
		}
		for i := range chunk {
			p := &chunk[i]
			key := keys[p.ID]
			if key == nil {
				p.Erased = true
				continue
			}
			var sub Subject
			if err := openProfile(&sub, &row{id: p.ID, profile: p.sealed}, key); err != nil {
				return err
			}
			p.Profile = sub.Profile
		}
	}
	return nil
}
