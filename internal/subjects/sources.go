package subjects

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/stewardhq/steward/internal/apperr"

	"github.com/stewardhq/steward/internal/collect"
	"github.com/stewardhq/steward/internal/datamap"
)

// RegisterSource offers a person's register entry and its rectification
// history to rights requests.
type RegisterSource struct{ reg *Service }

// Source returns the register's collect.Source.
func (s *Service) Source() *RegisterSource { return &RegisterSource{reg: s} }

// Name implements collect.Source.
func (*RegisterSource) Name() string { return "register" }

// Collect implements collect.Source: the profile, the lifecycle dates
// and every rectification, each read audited by the register.
func (rs *RegisterSource) Collect(ctx context.Context, subjectID string) ([]collect.Item, error) {
	p, err := rs.reg.Get(ctx, subjectID, "rights_request")
	if err != nil {
		return nil, err
	}
	details := collect.Item{Source: "register", Key: "profile", Category: "Identity and contact details",
		Title: "Your details in the register", Date: p.UpdatedAt.Format("2006-01-02"), Provided: true}
	for _, f := range Fields() {
		if v := p.Profile.Get(f); v != "" {
			details.Fields = append(details.Fields, collect.Field{Label: capitalise(fieldLabel(f)), Value: v})
		}
	}
	membership := collect.Item{Source: "register", Key: "membership", Category: "Membership details",
		Title: "Your membership", Date: p.CreatedAt.Format("2006-01-02"),
		Fields: []collect.Field{{Label: "Kind", Value: string(p.Kind)}, {Label: "Status", Value: string(p.Status)}}}
	for _, f := range []collect.Field{{Label: "Joined", Value: p.JoinedOn}, {Label: "Left", Value: p.LeftOn}, {Label: "Interviewed", Value: p.InterviewOn}} {
		if f.Value != "" {
			membership.Fields = append(membership.Fields, f)
		}
	}
	if p.Restricted {
		membership.Fields = append(membership.Fields, collect.Field{Label: "Processing", Value: "restricted (Art 18): stored only"})
	}
	out := []collect.Item{details, membership}
	changes, err := rs.reg.History(ctx, subjectID)
	if err != nil {
		return nil, err
	}
	for _, c := range changes {
		out = append(out, collect.Item{Source: "register", Key: fmt.Sprintf("change:%d:%s", c.At.UnixMilli(), c.Field),
			Category: "Corrections to your details", Title: "Corrected " + fieldLabel(c.Field), Date: c.At.Format("2006-01-02"),
			Fields: []collect.Field{{Label: "Previous value", Value: c.OldValue}, {Label: "Reason", Value: c.Reason}}})
	}
	return out, nil
}

// Describer names data-map entries for people: a record's category and
// the purpose it is held for.
type Describer interface {
	Category(ctx context.Context, id string) (*datamap.Category, error)
	Activity(ctx context.Context, id string) (*datamap.Activity, error)
}

// RecordsSource offers a person's records to rights requests.
type RecordsSource struct {
	recs  *Records
	names Describer
}

// Source returns the records' collect.Source; names may be nil, and then
// items carry the data map's ids instead of its names.
func (r *Records) Source(names Describer) *RecordsSource {
	return &RecordsSource{recs: r, names: names}
}

// Name implements collect.Source.
func (*RecordsSource) Name() string { return "records" }

// Collect implements collect.Source: each record with its text and the
// names of its attached files.
func (rs *RecordsSource) Collect(ctx context.Context, subjectID string) ([]collect.Item, error) {
	recs, err := rs.recs.List(ctx, subjectID)
	if err != nil {
		return nil, err
	}
	var out []collect.Item
	// A person with many records has few categories and purposes: look
	// each up once.
	cats, purposes := map[string]string{}, map[string]string{}
	for _, r := range recs {
		it := collect.Item{Source: "records", Key: r.ID, Category: r.CategoryID, Purpose: r.ActivityID, Title: r.Title,
			Date: r.OccurredOn, Text: r.Body, Special: r.Special != ""}
		if it.Date == "" {
			it.Date = r.CreatedAt.Format("2006-01-02")
		}
		if rs.names != nil {
			if n, ok := cats[r.CategoryID]; ok {
				it.Category = n
			} else if c, err := rs.names.Category(ctx, r.CategoryID); err == nil {
				it.Category, cats[r.CategoryID] = c.Name, c.Name
			}
			if p, ok := purposes[r.ActivityID]; ok {
				it.Purpose = p
			} else if a, err := rs.names.Activity(ctx, r.ActivityID); err == nil {
				it.Purpose = a.Name
				if a.Purposes != "" {
					it.Purpose += ": " + a.Purposes
				}
				purposes[r.ActivityID] = it.Purpose
			}
		}
		for _, f := range r.Files {
			it.Fields = append(it.Fields, collect.Field{Label: "Attached file", Value: fmt.Sprintf("%s (%d bytes)", f.Name, f.Size)})
		}
		out = append(out, it)
	}
	return out, nil
}

func capitalise(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// CheckErase implements collect.Eraser: the person's details and their
// membership are one row, so they go together or stay together.
func (*RegisterSource) CheckErase(erase, keep []string) error {
	if slices.Contains(erase, "profile") != slices.Contains(erase, "membership") {
		return apperr.New(apperr.Invalid, "The person's details and their membership are erased together or kept together: decide the same for both.")
	}
	return nil
}

// Erase implements collect.Eraser. Erasing the details takes the whole
// history with them and keeps only the records decided kept; otherwise
// the history entries named go.
func (rs *RegisterSource) Erase(ctx context.Context, subjectID string, keys []string) error {
	if slices.Contains(keys, "profile") || slices.Contains(keys, "membership") {
		return rs.reg.EraseDetails(ctx, subjectID)
	}
	var changes []ChangeRef
	for _, k := range keys {
		parts := strings.SplitN(k, ":", 3)
		if len(parts) != 3 || parts[0] != "change" {
			return fmt.Errorf("register: no item %q to erase", k)
		}
		at, err := strconv.ParseInt(parts[1], 10, 64)
		if err != nil {
			return fmt.Errorf("register: no item %q to erase", k)
		}
		changes = append(changes, ChangeRef{At: at, Field: parts[2]})
	}
	if len(changes) == 0 {
		return nil
	}
	return rs.reg.EraseChanges(ctx, subjectID, changes)
}

// CheckErase implements collect.Eraser: any record can go on its own.
func (*RecordsSource) CheckErase(erase, keep []string) error { return nil }

// Erase implements collect.Eraser.
func (rs *RecordsSource) Erase(ctx context.Context, subjectID string, keys []string) error {
	_, err := rs.recs.Erase(ctx, subjectID, keys)
	return err
}
