package disclosures

import (
	"context"
	"strconv"

	"github.com/stewardhq/steward/internal/collect"
)

// SourceName is the disclosure log's name in collected items.
const SourceName = "disclosures"

// Source offers, for a rights request, who has received the person's data
// (Art 15(1)(c)): one item per approved disclosure. It is not an Eraser:
// the log is the organisation's record of what it shared, and erasing the
// person leaves it (it holds their id, never their details).
type Source struct{ s *Service }

// Source returns the log's collect.Source.
func (s *Service) Source() *Source { return &Source{s: s} }

// Name implements collect.Source.
func (*Source) Name() string { return SourceName }

// Collect implements collect.Source. A disclosure marked as prejudicial
// to tell the person about (an exemption such as Sch 2 para 2) carries a
// review note saying so, which the reviewer sees and the person never
// does: the reviewer decides whether the exemption lets it be withheld.
func (src *Source) Collect(ctx context.Context, subjectID string) ([]collect.Item, error) {
	list, err := src.s.forSubject(ctx, subjectID, StateApproved)
	if err != nil {
		return nil, err
	}
	// Audited whether or not anything was found: the person's access log
	// shows this event, and its presence must not tell them a disclosure
	// (perhaps one withheld from them) exists.
	if err := src.s.record(ctx, "disclosure.collect", "", subjectID, map[string]string{"count": strconv.Itoa(len(list))}); err != nil {
		return nil, err
	}
	if len(list) == 0 {
		return nil, nil
	}
	items := make([]collect.Item, 0, len(list))
	for _, d := range list {
		it := collect.Item{Source: SourceName, Key: d.ID, Category: "Who has received your data", Title: "Your data was shared with " + d.RecipientName, Date: d.DisclosedOn,
			Fields: []collect.Field{
				{Label: "Recipient", Value: d.RecipientName},
				{Label: "Date", Value: d.DisclosedOn},
				{Label: "Data shared", Value: d.CategoryNames()},
				{Label: "Lawful basis or exemption", Value: d.Basis.Label()},
			}}
		if d.Prejudice {
			it.ReviewNote = "When this disclosure was logged it was marked: telling the person may prejudice the purpose of the exemption (" +
				d.Basis.Label() + "). Consider withholding it under that exemption, and record why."
		}
		items = append(items, it)
	}
	return items, nil
}
