package consent

import (
	"context"
	"strconv"
	"time"

	"github.com/stewardhq/steward/internal/collect"
)

// RightsSource offers a person's consents, withdrawals and suppression
// status to rights requests.
type RightsSource struct{ s *Service }

// Source returns consent's collect.Source.
func (s *Service) Source() *RightsSource { return &RightsSource{s: s} }

// Name implements collect.Source.
func (*RightsSource) Name() string { return "consent" }

// Collect implements collect.Source: one item per consent given or
// withdrawn, with its evidence, and one for the suppression list when the
// person is on it; nothing when nothing is held. The
// read is audited as any read of the person's consents.
func (rs *RightsSource) Collect(ctx context.Context, subjectID string) ([]collect.Item, error) {
	panel, err := rs.s.Panel(ctx, subjectID)
	if err != nil {
		return nil, err
	}
	var out []collect.Item
	for _, e := range panel.History {
		title := "You gave consent: " + e.PurposeLabel()
		if !e.Given {
			title = "You withdrew consent or opted out: " + e.PurposeLabel()
		}
		it := collect.Item{Source: "consent", Key: e.ID, Category: "Consents and marketing preferences", Title: title,
			Date: e.At.Format(time.DateOnly), Purpose: e.PurposeLabel(), Provided: true,
			Fields: []collect.Field{{Label: "When", Value: e.At.Format("2 Jan 2006 15:04 UTC")}, {Label: "How", Value: e.Channel.Label()}}}
		if e.WordingVersion > 0 {
			it.Fields = append(it.Fields, collect.Field{Label: "Wording shown", Value: "version " + itoa(e.WordingVersion)})
		}
		if e.Guardian != nil {
			it.Fields = append(it.Fields, collect.Field{Label: "Given by parent or guardian", Value: e.Guardian.Name + " (" + e.Guardian.Relationship + ")"})
		}
		out = append(out, it)
	}
	if panel.Suppressed {
		out = append(out, collect.Item{Source: "consent", Key: "suppression", Category: "Consents and marketing preferences", Title: "Direct marketing",
			Fields: []collect.Field{{Label: "Status", Value: "You objected to direct marketing: you are on our suppression list and receive no marketing."}}})
	}
	return out, nil
}

func itoa(n int) string { return strconv.Itoa(n) }
