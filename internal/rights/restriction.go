package rights

import (
	"context"
	"strings"

	"github.com/stewardhq/steward/internal/access"
	"github.com/stewardhq/steward/internal/apperr"
	"github.com/stewardhq/steward/internal/store"
)

// Restriction (Art 18) through a request: Restrict applies it at once; the
// way out is in three steps, because the person must be told before it
// ends (Art 18(3)): PlanLift records why it will end, the notice letter
// (LetterRestrictionLift) is made from that, and only then does Lift end
// it.

// Restrict restricts the processing of the person the request is matched
// to, with the Art 18(1) ground as the reason.
func (s *Service) Restrict(ctx context.Context, id, reason string, version int64) (*Request, error) {
	a, err := access.Require(ctx, access.PermRightsManage)
	if err != nil {
		return nil, err
	}
	reason = strings.TrimSpace(reason)
	return s.change(ctx, a, id, version, func(ctx context.Context, tx *store.Tx, r *row) (string, error) {
		if err := canRestrict(r); err != nil {
			return "", err
		}
		if err := s.people.SetRestricted(ctx, r.subjectID.String, true, reason); err != nil {
			return "", err
		}
		return "restricted", s.addEvent(ctx, tx, r.id, "restricted", londonDay(tx.Now()).String(), reason)
	})
}

// PlanLift records why the restriction will end, so the notice can say so.
func (s *Service) PlanLift(ctx context.Context, id, reason string, version int64) (*Request, error) {
	a, err := access.Require(ctx, access.PermRightsManage)
	if err != nil {
		return nil, err
	}
	reason = strings.TrimSpace(reason)
	if reason == "" || len(reason) > 2000 {
		return nil, apperr.New(apperr.Invalid, "Give the reason the restriction will end (up to 2000 characters): the person is told it before it ends.")
	}
	return s.change(ctx, a, id, version, func(ctx context.Context, tx *store.Tx, r *row) (string, error) {
		if err := canRestrict(r); err != nil {
			return "", err
		}
		events, err := s.history(ctx, r.id)
		if err != nil {
			return "", err
		}
		if lastIndex(events, "restricted") < 0 {
			return "", apperr.New(apperr.Conflict, "This request has not restricted anything to lift.")
		}
		return "lift_planned", s.addEvent(ctx, tx, r.id, "lift_planned", londonDay(tx.Now()).String(), reason)
	})
}

// Lift ends the restriction, once the person has been sent the notice.
func (s *Service) Lift(ctx context.Context, id string, version int64) (*Request, error) {
	a, err := access.Require(ctx, access.PermRightsManage)
	if err != nil {
		return nil, err
	}
	return s.change(ctx, a, id, version, func(ctx context.Context, tx *store.Tx, r *row) (string, error) {
		if err := canRestrict(r); err != nil {
			return "", err
		}
		events, err := s.history(ctx, r.id)
		if err != nil {
			return "", err
		}
		plan := lastIndex(events, "lift_planned")
		if plan < 0 {
			return "", apperr.New(apperr.Conflict, "Record why the restriction will end first, then send the person the notice.")
		}
		sent, err := s.letterSince(ctx, r.id, LetterRestrictionLift, events[plan].At.UnixMilli())
		if err != nil {
			return "", err
		}
		if !sent {
			return "", apperr.New(apperr.Conflict, "Make and send the notice that the restriction will end before ending it (Art 18(3)).")
		}
		if err := s.people.SetRestricted(ctx, r.subjectID.String, false, events[plan].Note); err != nil {
			return "", err
		}
		return "restriction_lifted", s.addEvent(ctx, tx, r.id, "restriction_lifted", londonDay(tx.Now()).String(), events[plan].Note)
	})
}

func canRestrict(r *row) error {
	if !Kind(r.kind).Restricts() {
		return apperr.New(apperr.Conflict, "Only a request for restriction, rectification or objection restricts processing.")
	}
	if !r.subjectID.Valid {
		return apperr.New(apperr.Conflict, "Match the request to a person in the register first.")
	}
	return nil
}

func lastIndex(events []Event, step string) int {
	for i := len(events) - 1; i >= 0; i-- {
		if events[i].Step == step {
			return i
		}
	}
	return -1
}

// letterSince reports whether a letter of the kind was made at or after
// the instant (Unix milliseconds).
func (s *Service) letterSince(ctx context.Context, id string, kind LetterKind, at int64) (bool, error) {
	var n int
	err := s.db.Q(ctx).QueryRowContext(ctx, `SELECT count(*) FROM rights_letters WHERE request_id = $1 AND kind = $2 AND made_at >= $3`, id, string(kind), at).Scan(&n)
	return n > 0, err
}
