package datamap

import (
	"context"

	"github.com/stewardhq/steward/internal/access"
	"github.com/stewardhq/steward/internal/apperr"
)

// Choice is a name to pick from a list.
type Choice struct {
	ID      string  `json:"id"`
	Name    string  `json:"name"`
	Special Special `json:"special,omitempty"`
}

// Choices are what a form that stores personal data offers: the
// categories, the activities and the systems, by name. Like ActivityAllows
// they need only a signed-in actor: a rep filing a casework note must pick
// its category and activity without being able to read the whole map.
type Choices struct {
	Categories []Choice `json:"categories"`
	Activities []Choice `json:"activities"`
	Systems    []Choice `json:"systems"`
}

// FormChoices lists the choices.
func (s *Service) FormChoices(ctx context.Context) (*Choices, error) {
	if access.ActorFrom(ctx) == nil {
		return nil, apperr.New(apperr.Unauthenticated, "Please sign in.")
	}
	out := &Choices{Categories: []Choice{}, Activities: []Choice{}, Systems: []Choice{}}
	cats, err := s.categories(ctx)
	if err != nil {
		return nil, err
	}
	for _, c := range cats {
		out.Categories = append(out.Categories, Choice{ID: c.ID, Name: c.Name, Special: c.Special})
	}
	acts, err := s.activities(ctx, "")
	if err != nil {
		return nil, err
	}
	for _, a := range acts {
		out.Activities = append(out.Activities, Choice{ID: a.ID, Name: a.Name})
	}
	sys, err := s.systems(ctx)
	if err != nil {
		return nil, err
	}
	for _, y := range sys {
		out.Systems = append(out.Systems, Choice{ID: y.ID, Name: y.Name})
	}
	return out, nil
}

// SystemExists reports, to any signed-in actor, whether a system is in the
// data map: records name the system their original lives in.
func (s *Service) SystemExists(ctx context.Context, id string) error {
	if access.ActorFrom(ctx) == nil {
		return apperr.New(apperr.Unauthenticated, "Please sign in.")
	}
	ok, err := s.exists(ctx, "data_systems", id)
	if err != nil {
		return err
	}
	if !ok {
		return apperr.New(apperr.Invalid, "Unknown system %q: choose one from the data map.", id)
	}
	return nil
}
