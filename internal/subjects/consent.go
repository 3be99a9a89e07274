package subjects

import (
	"context"
	"errors"
	"fmt"

	"github.com/stewardhq/steward/internal/access"
	"github.com/stewardhq/steward/internal/apperr"
	"github.com/stewardhq/steward/internal/consent"
	"github.com/stewardhq/steward/internal/store"
	"github.com/stewardhq/steward/internal/vault"
)

// The register's side of consent.Register: what the consent service needs
// to know about people without importing this package.
var _ consent.Register = (*Service)(nil)

// ConsentFacts implements consent.Register: the unit path and the day the
// person stops being a child, for people by id. It opens no profile, so it
// is not audited; unknown ids are left out.
func (s *Service) ConsentFacts(ctx context.Context, ids []string) (map[string]consent.Person, error) {
	out := make(map[string]consent.Person, len(ids))
	var valid []any
	for _, id := range ids {
		if store.ValidID(id) {
			valid = append(valid, id)
		}
	}
	for lo := 0; lo < len(valid); lo += lookupChunk {
		chunk := valid[lo:min(lo+lookupChunk, len(valid))]
		rows, err := s.db.Q(ctx).QueryContext(ctx, `SELECT id, unit_path, COALESCE(child_until, '') FROM subjects WHERE id IN (`+
			placeholders(s.db.Dialect(), 1, len(chunk))+`)`, chunk...)
		if err != nil {
			return nil, fmt.Errorf("read people for consent: %w", err)
		}
		for rows.Next() {
			var p consent.Person
			if err := rows.Scan(&p.ID, &p.UnitPath, &p.ChildUntil); err != nil {
				rows.Close()
				return nil, fmt.Errorf("read people for consent: %w", err)
			}
			out[p.ID] = p
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, fmt.Errorf("read people for consent: %w", err)
		}
	}
	return out, nil
}

// ConsentContact implements consent.Register: a person's first name and
// what the suppression list recognises them by. The actor needs
// consent:record or rights:manage on the person's unit (a rep recording an
// opt-out, the preference centre's actor for that one person, the DPO
// answering a request); the read is audited for the purpose given.
func (s *Service) ConsentContact(ctx context.Context, id, purpose string) (*consent.Contact, error) {
	a := access.ActorFrom(ctx)
	if a == nil {
		return nil, apperr.New(apperr.Unauthenticated, "Please sign in.")
	}
	var out *consent.Contact
	err := s.db.InTx(ctx, func(ctx context.Context, tx *store.Tx) error {
		r, err := s.loadRow(ctx, id, false)
		if err != nil {
			return err
		}
		if !a.CanIn(access.PermConsentRecord, r.unitPath) && !a.CanIn(access.PermRightsManage, r.unitPath) {
			return apperr.New(apperr.NotFound, "No person with id %q.", id)
		}
		p, err := s.open(ctx, r, tx.Now().Format("2006-01-02"))
		if err != nil {
			return err
		}
		out = &consent.Contact{Erased: p.Erased}
		if !p.Erased {
			out.FirstName = p.Profile.GivenName
			out.Identifiers = consent.Identifiers{Email: p.Profile.Email, Phone: p.Profile.Phone, MembershipNo: p.Profile.MembershipNo}
			if p.Profile.DateOfBirth != "" {
				out.Identifiers.Name, out.Identifiers.DateOfBirth = p.Profile.FullName(), p.Profile.DateOfBirth
			}
		}
		return s.record(ctx, "subject.read", id, purpose, map[string]string{"for": "consent"})
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// ConsentMatch implements consent.Register: the people in the register
// holding each blind index of the kind (email, phone or membership
// number), keyed by string(index). Nothing is opened, so it is not
// audited; the consent service keeps only the people in its actor's scope.
func (s *Service) ConsentMatch(ctx context.Context, kind vault.IndexKind, ixs [][]byte) (map[string][]string, error) {
	var k string
	switch kind {
	case vault.IndexEmail:
		k = "email"
	case vault.IndexPhone:
		k = "phone"
	case vault.IndexMembershipNo:
		k = "membership"
	default:
		return nil, errors.New("subjects: consent match by an unsupported kind of index")
	}
	return s.lookupKeys(ctx, k, ixs)
}
