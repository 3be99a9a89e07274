package governance

import (
	"context"

	"github.com/stewardhq/steward/internal/rights"
)

// RequestsLoggedBy adapts the rights service: the open requests a leaver
// logged, so the DPO knows whose contact has gone.
func RequestsLoggedBy(rs *rights.Service) Holdings {
	return HoldingsFunc(func(ctx context.Context, accountID string) ([]Holding, error) {
		reqs, err := rs.OpenLoggedBy(ctx, accountID)
		if err != nil {
			return nil, err
		}
		out := make([]Holding, 0, len(reqs))
		for _, r := range reqs {
			out = append(out, Holding{Kind: "request", ID: r.ID, Label: r.Ref + " · " + r.Kind.Label() + " · " + r.Status.Label(), Since: r.LoggedAt, Link: "/requests/" + r.ID})
		}
		return out, nil
	})
}
