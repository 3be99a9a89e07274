package lists

import (
	"context"
	"fmt"
	"strconv"

	"github.com/stewardhq/steward/internal/access"
	"github.com/stewardhq/steward/internal/collect"
)

// Source offers rights requests the member lists a person was on: which
// purpose, which of their details, held by which role, when it was given
// out and when it was deleted. It is not an eraser: the record of who
// received a person's data must outlive an erasure (Art 19 notices and
// breaches rely on it), and it holds only ids.
type Source struct{ s *Service }

// Source returns the member lists' collect.Source.
func (s *Service) Source() *Source { return &Source{s: s} }

// Name implements collect.Source.
func (*Source) Name() string { return "member_lists" }

// roleLabel names a holder's role for the person.
func roleLabel(r string) string {
	switch access.Role(r) {
	case access.RoleRep:
		return "a workplace rep"
	case access.RoleOfficer:
		return "a branch or regional officer"
	case access.RoleMembership:
		return "membership staff"
	case access.RoleDPO:
		return "the data protection officer"
	}
	return r
}

// Collect implements collect.Source. The caller must handle rights
// requests; the read is audited with the person and how many lists.
func (src *Source) Collect(ctx context.Context, subjectID string) ([]collect.Item, error) {
	if _, err := access.Require(ctx, access.PermRightsManage); err != nil {
		return nil, err
	}
	lists, err := src.s.query(ctx, `id IN (SELECT list_id FROM member_list_people WHERE subject_id = $1)`, subjectID)
	if err != nil {
		return nil, err
	}
	out := make([]collect.Item, 0, len(lists))
	for _, l := range lists {
		it := collect.Item{Source: "member_lists", Key: l.ID, Category: "Member lists you were on",
			Title: "Member list: " + l.PurposeLabel, Date: src.s.day(l.CreatedAt), Purpose: l.PurposeLabel,
			Fields: []collect.Field{
				{Label: "Your details on it", Value: l.FieldLabels()},
				{Label: "Given to", Value: roleLabel(l.HolderRole)},
				{Label: "Given on", Value: src.s.day(l.CreatedAt)},
				{Label: "To be deleted by", Value: src.s.day(l.ExpiresAt)},
			}}
		if l.DeletedAt != nil {
			it.Fields = append(it.Fields, collect.Field{Label: "Deletion confirmed", Value: src.s.day(*l.DeletedAt)})
		} else {
			it.Fields = append(it.Fields, collect.Field{Label: "Deletion confirmed", Value: "not yet"})
		}
		out = append(out, it)
	}
	if err := src.s.record(ctx, "member_list.collect", "", subjectID, map[string]string{"lists": strconv.Itoa(len(out))}); err != nil {
		return nil, fmt.Errorf("member lists: %w", err)
	}
	return out, nil
}
