package rights

import (
	"context"
	"fmt"

	"github.com/stewardhq/steward/internal/access"
	"github.com/stewardhq/steward/internal/consent"
	"github.com/stewardhq/steward/internal/store"
)

// Suppressor is the direct-marketing suppression list.
type Suppressor interface {
	SuppressTx(ctx context.Context, tx *store.Tx, in consent.SuppressInput) error
}

// Identifying gives what the suppression list recognises a person by.
type Identifying interface {
	Identifiers(ctx context.Context, subjectID, purpose string) (consent.Identifiers, error)
}

// UseSuppressions sets the suppression list, so an objection to direct
// marketing takes effect the moment it is logged. Call it while wiring.
func (s *Service) UseSuppressions(sup Suppressor, people Identifying) {
	s.suppress, s.identify = sup, people
}

// stopMarketing applies an objection to direct marketing at once (Art
// 21(3): there is no ground to refuse it, and no need to wait for proof of
// identity, since stopping marketing harms nobody): the contact details
// the requester gave when they object for themselves, and the person's
// identifiers from the register once the request is matched. It runs in
// the request's transaction and leaves an event saying what was done.
func (s *Service) stopMarketing(ctx context.Context, tx *store.Tx, r *row, d *Details) error {
	if s.suppress == nil || Kind(r.kind) != KindMarketing {
		return nil
	}
	var ids consent.Identifiers
	what := ""
	switch {
	case r.subjectID.Valid && s.identify != nil:
		got, err := s.identify.Identifiers(ctx, r.subjectID.String, "rights_request")
		if err != nil {
			return err
		}
		ids, what = got, "the person's details in the register"
	case d != nil && Requester(r.requester) == RequesterSelf && (d.RequesterEmail != "" || d.RequesterPhone != ""):
		ids, what = consent.Identifiers{Email: d.RequesterEmail, Phone: d.RequesterPhone}, "the contact details they gave"
	default:
		return nil
	}
	sctx := ctx
	if access.ActorFrom(ctx) == nil {
		// The public form: the objection is the requester's own act, and
		// Steward records it with no more power than recording it needs.
		sctx = access.WithActor(ctx, &access.Actor{AccountID: access.SystemActorID, Username: "public request form", Via: access.ViaSystem,
			Grants: []access.Grant{{Role: access.RoleRep, UnitPath: r.unitPath}}, TokenPerms: []access.Permission{access.PermConsentRecord}})
	}
	err := s.suppress.SuppressTx(sctx, tx, consent.SuppressInput{Purpose: consent.PurposeMarketing, Identifiers: ids,
		Source: consent.SourceRightsRequest, Reference: r.id, SubjectID: r.subjectID.String})
	if err != nil {
		return fmt.Errorf("stop marketing: %w", err)
	}
	return s.addEvent(ctx, tx, r.id, "marketing_stopped", londonDay(tx.Now()).String(), "Direct marketing stopped at once, by "+what+".")
}
