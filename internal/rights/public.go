package rights

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"github.com/stewardhq/steward/internal/access"
	"github.com/stewardhq/steward/internal/apperr"
	"github.com/stewardhq/steward/internal/store"
)

// PublicInput is a request made through the public form, by anyone,
// without signing in.
type PublicInput struct {
	Kind      Kind      `json:"kind" enum:"access,rectification,erasure,restriction,portability,objection,marketing,automated"`
	Requester Requester `json:"requester" enum:"self,parent,solicitor,other"`
	Details   Details   `json:"details"`
}

// Receipt is what the requester gets back: the receipt number to quote,
// and the secret of their status link. The secret is shown once and only
// its hash is kept, so nobody at the organisation can read it back.
type Receipt struct {
	Ref    string `json:"ref"`
	Secret string `json:"secret"`
}

// PublicStatus is what the status link shows: no personal data, so that a
// leaked link tells nothing about the person beyond that a request exists.
type PublicStatus struct {
	Ref        string  `json:"ref"`
	Kind       Kind    `json:"kind"`
	ReceivedOn string  `json:"received_on"`
	Status     Status  `json:"status"`
	Waiting    string  `json:"waiting,omitempty" doc:"What the organisation is waiting for from the requester, if anything"`
	Due        string  `json:"due,omitempty" doc:"The day the answer is due, once the clock runs"`
	Outcome    Outcome `json:"outcome,omitempty"`
}

// secretBytes of randomness in a status link: 256 bits, beyond guessing.
const secretBytes = 32

// Submit records a request from the public form, filed under the whole
// organisation, for the DPO to take on. A request does not need to name
// the right correctly or be for a known person: it is still a request.
func (s *Service) Submit(ctx context.Context, in PublicInput) (*Receipt, error) {
	// Whoever is signed in on this browser, the public form is the
	// requester's own act: nothing about it is recorded as theirs.
	ctx = access.WithActor(ctx, nil)
	li := LogInput{Kind: in.Kind, Channel: ChannelWeb, Requester: in.Requester, Details: in.Details}
	if err := li.clean(); err != nil {
		return nil, err
	}
	root, err := s.units.RootUnit(ctx)
	if err != nil {
		return nil, fmt.Errorf("find the organisation: %w", err)
	}
	raw := make([]byte, secretBytes)
	rand.Read(raw)
	secret := base64.RawURLEncoding.EncodeToString(raw)
	var rec *Receipt
	err = s.db.InTx(ctx, func(ctx context.Context, tx *store.Tx) error {
		r, err := s.create(ctx, root, li, londonDay(tx.Now()), "", false)
		if err != nil {
			return err
		}
		h := sha256.Sum256([]byte(secret))
		if _, err := tx.ExecContext(ctx, `UPDATE rights_requests SET status_hash = $2 WHERE id = $1`, r.ID, h[:]); err != nil {
			return fmt.Errorf("save status link: %w", err)
		}
		rec = &Receipt{Ref: r.Ref, Secret: secret}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return rec, nil
}

// Status answers a status link. An unknown or malformed secret is one
// answer, not found, whatever was wrong with it.
func (s *Service) Status(ctx context.Context, secret string) (*PublicStatus, error) {
	notFound := apperr.New(apperr.NotFound, "We do not recognise that code. Check that you copied all of it, or contact us quoting your receipt number.")
	raw, err := base64.RawURLEncoding.DecodeString(strings.TrimSpace(secret))
	if err != nil || len(raw) != secretBytes {
		return nil, notFound
	}
	h := sha256.Sum256([]byte(strings.TrimSpace(secret)))
	r, err := scanRow(s.db.Q(ctx).QueryRowContext(ctx, `SELECT `+rowCols+` FROM rights_requests WHERE status_hash = $1`, h[:]))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound
	}
	if err != nil {
		return nil, fmt.Errorf("read request status: %w", err)
	}
	req := s.request(r, londonDay(s.db.Now()))
	out := &PublicStatus{Ref: req.Ref, Kind: req.Kind, ReceivedOn: req.ReceivedOn, Status: req.Status, Outcome: req.Outcome}
	switch req.Status {
	case StatusIdentity:
		out.Waiting = "We have asked you for proof of identity (or that you may act for the person). The one-month clock starts when it arrives."
	case StatusFee:
		out.Waiting = "We have asked you for a fee. The clock starts when it is paid."
	case StatusClarification:
		out.Waiting = "We have asked you to tell us more about what your request covers. The clock is paused until you reply."
	}
	if req.Status != StatusClosed {
		out.Due = req.Clock.Applies
	}
	return out, nil
}
