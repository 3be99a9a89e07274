package rights

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/stewardhq/steward/internal/store"
)

// erasureParagraphs is what an outcome letter for an erasure request says
// about the items: what kinds of data were erased, and each item kept
// with the Art 17(3) exception and the reason, since the person is owed
// the reasons for not erasing (Art 12(4)). Nothing for other requests or
// before any item is decided.
func (s *Service) erasureParagraphs(ctx context.Context, tx *store.Tx, r *row, kind Kind) ([]string, error) {
	if kind != KindErasure {
		return nil, nil
	}
	key, err := s.itemsKey(ctx, tx, r, false)
	if err != nil || key == nil { // nil: nothing was ever collected
		return nil, err
	}
	items, err := s.items(ctx, key, r.id)
	if err != nil {
		return nil, err
	}
	var erased []string
	var kept []string
	for _, it := range items {
		switch it.Decision {
		case Erase:
			if !slices.Contains(erased, it.Content.Category) {
				erased = append(erased, it.Content.Category)
			}
		case Keep:
			line := fmt.Sprintf("- %s: %s. Kept as: %s.", it.Content.Category, it.Content.Title, it.Exemption.Label())
			if it.Reason != "" {
				line += " Our reason: " + strings.TrimSuffix(it.Reason, ".") + "."
			}
			kept = append(kept, line)
		}
	}
	var p []string
	if len(erased) > 0 {
		p = append(p, "We have erased your data of these kinds: "+strings.Join(erased, ", ")+".")
	}
	if len(kept) > 0 {
		p = append(p, "The law allows us to keep some data despite a request for erasure (UK GDPR Article 17(3)). We have kept the following:\n"+strings.Join(kept, "\n"))
	}
	return p, nil
}
