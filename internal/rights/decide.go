package rights

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/stewardhq/steward/internal/access"
	"github.com/stewardhq/steward/internal/apperr"
	"github.com/stewardhq/steward/internal/collect"
	"github.com/stewardhq/steward/internal/store"
)

// Decision is what happens to a collected item in the answer.
type Decision string

const (
	Disclose Decision = "disclose"
	Redact   Decision = "redact"
	Withhold Decision = "withhold"
	// Erase and Keep are the decisions of an erasure request.
	Erase Decision = "erase"
	Keep  Decision = "keep"
)

// erasing reports whether the decision is one of an erasure's.
func (d Decision) erasing() bool { return d == Erase || d == Keep }

// Exemption is a ground for withholding or redacting under the Data
// Protection Act 2018, Schedules 2 and 3.
type Exemption string

// Exemptions lists the grounds a reviewer may name, the commonest first.
func Exemptions() []Exemption {
	return []Exemption{"third_party", "legal_privilege", "confidential_reference", "management_forecast", "negotiations", "crime", "self_incrimination", "serious_harm"}
}

// Label names an exemption with where it is in the law.
func (e Exemption) Label() string {
	switch e {
	case "third_party":
		return "Information about other people (DPA 2018 Sch 2 paras 16-17)"
	case "legal_privilege":
		return "Legal professional privilege (Sch 2 para 19)"
	case "confidential_reference":
		return "Confidential reference given by the organisation (Sch 2 para 24)"
	case "management_forecast":
		return "Management forecasting or planning (Sch 2 para 22)"
	case "negotiations":
		return "Negotiations with the person (Sch 2 para 23)"
	case "crime":
		return "Crime and taxation (Sch 2 para 2)"
	case "self_incrimination":
		return "Self-incrimination (Sch 2 para 20)"
	case "serious_harm":
		return "Serious harm to physical or mental health (Sch 3)"
	}
	if l := exceptionLabel(e); l != "" {
		return l
	}
	return string(e)
}

// Span is a redacted run of an item's text (Field -1), its title (Field
// -2) or one field's value (Field i), as byte offsets [Start, End) on
// character boundaries.
type Span struct {
	Field int `json:"field"`
	Start int `json:"start"`
	End   int `json:"end"`
}

// DecisionInput is a reviewer's decision on one item.
type DecisionInput struct {
	Decision Decision `json:"decision" enum:"disclose,redact,withhold,erase,keep"`
	// Exemption names the ground for withholding or redacting, or for an
	// erasure the Art 17(3) exception an item is kept under.
	Exemption  Exemption `json:"exemption,omitempty"`
	Reason     string    `json:"reason,omitempty"`
	Redactions []Span    `json:"redactions,omitempty"`
}

// Decide records the decision on one item. Redacting needs the spans and
// the reason; withholding needs the exemption and the reason (the
// reasons are kept, and the letter says that something was withheld).
func (s *Service) Decide(ctx context.Context, requestID, itemID string, in DecisionInput) (*Item, error) {
	a, err := access.Require(ctx, access.PermRightsManage)
	if err != nil {
		return nil, err
	}
	in.Reason = strings.TrimSpace(in.Reason)
	switch in.Decision {
	case Disclose:
		in.Exemption, in.Redactions = "", nil
	case Redact:
		if len(in.Redactions) == 0 {
			return nil, apperr.New(apperr.Invalid, "Mark what to redact.")
		}
	case Withhold:
		in.Redactions = nil
		if in.Exemption == "" {
			return nil, apperr.New(apperr.Invalid, "Name the exemption the item is withheld under.")
		}
	case Erase:
		in.Exemption, in.Redactions = "", nil
	case Keep:
		in.Redactions = nil
		if !slices.Contains(Exceptions(), in.Exemption) {
			return nil, apperr.New(apperr.Invalid, "Name the exception (Art 17(3)) the item is kept under: %s.", exceptionList())
		}
	default:
		return nil, apperr.New(apperr.Invalid, "Choose disclose, redact or withhold (or, for an erasure, erase or keep).")
	}
	if in.Exemption != "" && !in.Decision.erasing() && !validExemption(in.Exemption) {
		return nil, apperr.New(apperr.Invalid, "Unknown exemption %q.", in.Exemption)
	}
	if in.Decision != Disclose && in.Decision != Erase && in.Reason == "" {
		return nil, apperr.New(apperr.Invalid, "Give the reason: it is kept with the request, and the organisation must be able to explain it.")
	}
	if len(in.Reason) > maxLong {
		return nil, apperr.New(apperr.Invalid, "The reason is longer than %d characters.", maxLong)
	}
	var out *Item
	err = s.db.InTx(ctx, func(ctx context.Context, tx *store.Tx) error {
		r, err := s.scoped(ctx, a, requestID, true)
		if err != nil {
			return err
		}
		if r.status == string(StatusClosed) {
			return apperr.New(apperr.Conflict, "This request is closed.")
		}
		if erasure := Kind(r.kind) == KindErasure; erasure != in.Decision.erasing() {
			if erasure {
				return apperr.New(apperr.Invalid, "This is an erasure request: decide erase or keep for each item.")
			}
			return apperr.New(apperr.Invalid, "Erase and keep are decisions of an erasure request; this one is for %s.", Kind(r.kind).Label())
		}
		if done, err := s.erased(ctx, r.id); err != nil || done {
			if err == nil {
				err = apperr.New(apperr.Conflict, "The erasure has been carried out; its decisions can no longer change.")
			}
			return err
		}
		key, err := s.itemsKey(ctx, tx, r, false)
		if err != nil {
			return err
		}
		items, err := s.items(ctx, key, r.id)
		if err != nil {
			return err
		}
		var it *Item
		for i := range items {
			if items[i].ID == itemID {
				it = &items[i]
			}
		}
		if it == nil {
			return apperr.New(apperr.NotFound, "No item %q in this request.", itemID)
		}
		if in.Decision == Erase && !s.erasable(it.Content.Source) {
			return apperr.New(apperr.Invalid, "%q cannot be erased: it is the record that shows the organisation complied with the law (Art 5(2)). Keep it, under the legal obligation exception.", it.Content.Title)
		}
		if err := checkSpans(it.Content, in.Redactions); err != nil {
			return err
		}
		var reason, red []byte
		if in.Reason != "" {
			reason = key.Seal(itemField(it.ID, "reason"), []byte(in.Reason))
		}
		if len(in.Redactions) > 0 {
			j, err := json.Marshal(in.Redactions)
			if err != nil {
				return err
			}
			red = key.Seal(itemField(it.ID, "redactions"), j)
		}
		// An erasure's decisions have a column of their own (migration 12).
		dec, eras := string(in.Decision), ""
		if in.Decision.erasing() {
			dec, eras = "", dec
		}
		_, err = tx.ExecContext(ctx, `UPDATE rights_items SET decision = $2, erasure = $8, exemption = $3, reason = $4, redactions = $5, decided_by = $6, decided_at = $7 WHERE id = $1`,
			it.ID, nullable(dec), nullable(string(in.Exemption)), reason, red, a.AccountID, store.Millis(tx.Now()), nullable(eras))
		if err != nil {
			return fmt.Errorf("record decision: %w", err)
		}
		it.Decision, it.Exemption, it.Reason, it.Redactions, it.DecidedBy = in.Decision, in.Exemption, in.Reason, in.Redactions, a.AccountID
		out = it
		return s.record(ctx, "rights.decide", r, map[string]string{"item": it.ID, "decision": string(in.Decision), "exemption": string(in.Exemption)})
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func validExemption(e Exemption) bool { return slices.Contains(Exemptions(), e) }

// checkSpans refuses spans outside their text, across a character, or
// overlapping each other.
func checkSpans(c collect.Item, spans []Span) error {
	for i, sp := range spans {
		var text string
		switch {
		case sp.Field == -1:
			text = c.Text
		case sp.Field == -2:
			text = c.Title
		case sp.Field >= 0 && sp.Field < len(c.Fields):
			text = c.Fields[sp.Field].Value
		default:
			return apperr.New(apperr.Invalid, "Redaction %d points at a field the item does not have.", i+1)
		}
		if sp.Start < 0 || sp.End > len(text) || sp.Start >= sp.End {
			return apperr.New(apperr.Invalid, "Redaction %d is outside the text it redacts.", i+1)
		}
		if (sp.Start < len(text) && !utf8.RuneStart(text[sp.Start])) || (sp.End < len(text) && !utf8.RuneStart(text[sp.End])) {
			return apperr.New(apperr.Invalid, "Redaction %d cuts a character in half.", i+1)
		}
		for j, o := range spans[:i] {
			if o.Field == sp.Field && sp.Start < o.End && o.Start < sp.End {
				return apperr.New(apperr.Invalid, "Redactions %d and %d overlap; join them into one.", j+1, i+1)
			}
		}
	}
	return nil
}

// Apply returns the item as it may be disclosed: redacted runs replaced by
// a marker, or nothing when withheld or undecided. It is what every format
// of the response pack is made from, so a redaction holds in all of them.
func (it Item) Apply() (collect.Item, bool) {
	if it.Decision != Disclose && it.Decision != Redact {
		return collect.Item{}, false
	}
	c := it.Content
	c.ReviewNote = "" // for the reviewer, never for the person
	c.Fields = append([]collect.Field(nil), c.Fields...)
	if it.Decision == Redact {
		c.Text = redact(c.Text, it.Redactions, -1)
		c.Title = redact(c.Title, it.Redactions, -2)
		for i := range c.Fields {
			c.Fields[i].Value = redact(c.Fields[i].Value, it.Redactions, i)
		}
	}
	return c, true
}

// RedactedMark replaces every redacted run.
const RedactedMark = "[redacted]"

func redact(text string, spans []Span, field int) string {
	var mine []Span
	for _, sp := range spans {
		if sp.Field == field {
			mine = append(mine, sp)
		}
	}
	if len(mine) == 0 {
		return text
	}
	// Apply from the end so earlier offsets stay valid.
	slices.SortFunc(mine, func(a, b Span) int { return b.Start - a.Start })
	for _, sp := range mine {
		if sp.End <= len(text) && sp.Start < sp.End {
			text = text[:sp.Start] + RedactedMark + text[sp.End:]
		}
	}
	return text
}
