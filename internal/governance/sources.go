package governance

import (
	"context"
	"fmt"
	"time"

	"github.com/stewardhq/steward/internal/calendar"
	"github.com/stewardhq/steward/internal/lists"
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

// listHoldings adapts the member lists: every list a leaver holds that is
// not confirmed deleted, and, when they leave, making those lists
// outstanding at once.
type listHoldings struct {
	ls *lists.Service
	// london gives the delete-by date as people in the UK read it.
	london *time.Location
}

// ListsHeldBy adapts the lists service for UseLists.
func ListsHeldBy(ls *lists.Service) Holdings {
	loc, err := calendar.London()
	if err != nil {
		loc = time.UTC // no time zone data: a date may read a day early
	}
	return listHoldings{ls: ls, london: loc}
}

func (h listHoldings) Holdings(ctx context.Context, accountID string) ([]Holding, error) {
	held, err := h.ls.HeldBy(ctx, accountID)
	if err != nil {
		return nil, err
	}
	out := make([]Holding, 0, len(held))
	for _, l := range held {
		label := fmt.Sprintf("%s · %d people · delete by %s", l.PurposeLabel, l.People, l.ExpiresAt.In(h.london).Format("2 Jan 2006"))
		out = append(out, Holding{Kind: "list", ID: l.ID, Label: label, Since: l.CreatedAt, Link: "/lists/" + l.ID})
	}
	return out, nil
}

func (h listHoldings) HolderLeft(ctx context.Context, accountID string) (int, error) {
	return h.ls.HolderLeft(ctx, accountID)
}

// holderLeft is what a Holdings may also do when its holder leaves, in the
// leaving's transaction.
type holderLeft interface {
	HolderLeft(ctx context.Context, accountID string) (int, error)
}
