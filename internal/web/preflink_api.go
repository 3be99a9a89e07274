package web

import (
	"context"

	"github.com/stewardhq/steward/internal/notify"
)

type preferenceLinkEmailOutput struct{ Body *notify.Queued }

// apiEmailPreferenceLink queues the person's preference link to their own
// address. The answer says what was queued, never the link or the address.
func (s *Server) apiEmailPreferenceLink(ctx context.Context, in *personIDInput) (*preferenceLinkEmailOutput, error) {
	q, err := s.notify.SendPreferenceLink(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	return &preferenceLinkEmailOutput{Body: q}, nil
}
