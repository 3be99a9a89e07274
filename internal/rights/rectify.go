package rights

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/stewardhq/steward/internal/access"
	"github.com/stewardhq/steward/internal/apperr"
	"github.com/stewardhq/steward/internal/calendar"
	"github.com/stewardhq/steward/internal/store"
)

// Corrections tells which of a person's fields were corrected since a
// moment (the register's history).
type Corrections interface {
	ChangedFields(ctx context.Context, subjectID string, since time.Time) ([]string, error)
}

// UseCorrections sets where a rectification looks for the corrections
// made. Call it while wiring.
func (s *Service) UseCorrections(c Corrections) { s.corrections = c }

// Rectified records that a rectification request has been carried out:
// the corrections are made in the register (each with its reason and the
// old value in the person's history), and this step says what was
// corrected, checks the register shows corrections since the request
// arrived, and makes each recipient of the person's data a task: tell
// them of the correction (Art 19). A request for data Steward does not
// hold in the register (a record, a paper file) is recorded by the note.
func (s *Service) Rectified(ctx context.Context, id, note string, version int64) (*Request, error) {
	a, err := access.Require(ctx, access.PermRightsManage)
	if err != nil {
		return nil, err
	}
	note = strings.TrimSpace(note)
	if note == "" {
		return nil, apperr.New(apperr.Invalid, "Say what was corrected, and where: it is kept with the request and goes in the outcome letter.")
	}
	if len(note) > maxLong {
		return nil, apperr.New(apperr.Invalid, "The note is longer than %d characters.", maxLong)
	}
	return s.change(ctx, a, id, version, func(ctx context.Context, tx *store.Tx, r *row) (string, error) {
		switch {
		case Kind(r.kind) != KindRectification:
			return "", apperr.New(apperr.Conflict, "This is a request for %s, not a rectification.", strings.ToLower(Kind(r.kind).Label()))
		case r.status != string(StatusOpen):
			return "", apperr.New(apperr.Conflict, "Corrections are recorded once the request is open with its clock running; it is now: %s.", Status(r.status).Label())
		case !r.subjectID.Valid:
			return "", apperr.New(apperr.Conflict, "Match the request to the person in the register first.")
		}
		if s.corrections != nil {
			since := londonMidnight(mustDay(r.receivedOn))
			fields, err := s.corrections.ChangedFields(ctx, r.subjectID.String, since)
			if err != nil {
				return "", err
			}
			if len(fields) > 0 {
				note += "\nCorrected in the register: " + strings.Join(fields, ", ") + "."
			}
		}
		key, err := s.itemsKey(ctx, tx, r, false)
		if err != nil {
			return "", err
		}
		items, err := s.items(ctx, key, r.id)
		if err != nil {
			return "", err
		}
		n, err := s.planNotices(ctx, tx, r, items, "correction")
		if err != nil {
			return "", err
		}
		note += fmt.Sprintf("\n%d recipients to tell.", n)
		return "rectified", s.addEvent(ctx, tx, r.id, "rectified", londonDay(tx.Now()).String(), note)
	})
}

// londonMidnight is the start of a UK day.
func londonMidnight(d calendar.Date) time.Time {
	loc, err := calendar.London()
	if err != nil {
		loc = time.UTC
	}
	return time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, loc)
}
