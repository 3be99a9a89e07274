package rights

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/stewardhq/steward/internal/access"
	"github.com/stewardhq/steward/internal/apperr"
	"github.com/stewardhq/steward/internal/calendar"
	"github.com/stewardhq/steward/internal/store"
)

// Step is a dated event in a request's life that moves its clock.
type Step string

const (
	StepIDRequested            Step = "id_requested"
	StepIDReceived             Step = "id_received"
	StepAuthorityRequested     Step = "authority_requested"
	StepAuthorityReceived      Step = "authority_received"
	StepFeeRequested           Step = "fee_requested"
	StepFeeReceived            Step = "fee_received"
	StepClarificationRequested Step = "clarification_requested"
	StepClarificationReceived  Step = "clarification_received"
	StepNote                   Step = "note"
)

// Steps lists the steps in the order the request page offers them.
func Steps() []Step {
	return []Step{StepIDRequested, StepIDReceived, StepAuthorityRequested, StepAuthorityReceived, StepFeeRequested,
		StepFeeReceived, StepClarificationRequested, StepClarificationReceived, StepNote}
}

// Label names a step for people.
func (s Step) Label() string {
	switch s {
	case StepIDRequested:
		return "Asked for proof of identity"
	case StepIDReceived:
		return "Proof of identity arrived and was checked"
	case StepAuthorityRequested:
		return "Asked for proof of authority to act for the person"
	case StepAuthorityReceived:
		return "Proof of authority arrived and was checked"
	case StepFeeRequested:
		return "Asked for a fee (manifestly unfounded or excessive, or further copies)"
	case StepFeeReceived:
		return "Fee paid"
	case StepClarificationRequested:
		return "Asked what the request covers (the clock stops)"
	case StepClarificationReceived:
		return "Clarification arrived (the clock runs again)"
	case StepNote:
		return "Note"
	}
	return string(s)
}

// StepInput records a step. On is the day it happened (YYYY-MM-DD, UK
// time; empty for today). Version is the request's version as the caller
// saw it, so two people cannot overwrite each other.
type StepInput struct {
	Step    Step   `json:"step" enum:"id_requested,id_received,authority_requested,authority_received,fee_requested,fee_received,clarification_requested,clarification_received,note"`
	On      string `json:"on,omitempty"`
	Note    string `json:"note,omitempty"`
	Version int64  `json:"version"`
}

// needsNote says what a step's note must record, or "" if it may be empty.
func (s Step) needsNote() string {
	switch s {
	case StepIDReceived:
		return "Say which documents were seen and that they match: the record of the identity check."
	case StepAuthorityReceived:
		return "Say what proves the authority (signed consent, power of attorney, parental responsibility) and who checked it."
	case StepFeeRequested:
		return "Give the reasons the request is manifestly unfounded or excessive (or that it is for further copies), and the fee: the organisation must be able to show them."
	case StepClarificationRequested:
		return "Say what was asked: clarification may be sought only when it is reasonably needed to find what the request covers."
	case StepNote:
		return "Write the note."
	}
	return ""
}

// Record records a step on a request, checks that the dates it leaves
// are possible, and moves the request's status and clock accordingly.
// Only someone who manages requests in its unit may do this; a step on a
// new request also takes it on.
func (s *Service) Record(ctx context.Context, id string, in StepInput) (*Request, error) {
	a, err := access.Require(ctx, access.PermRightsManage)
	if err != nil {
		return nil, err
	}
	in.Note = strings.TrimSpace(in.Note)
	if len(in.Note) > maxLong {
		return nil, apperr.New(apperr.Invalid, "The note is longer than %d characters.", maxLong)
	}
	if want := in.Step.needsNote(); want != "" && in.Note == "" {
		return nil, apperr.New(apperr.Invalid, "%s", want)
	}
	return s.change(ctx, a, id, in.Version, func(ctx context.Context, tx *store.Tx, r *row) (string, error) {
		day, err := s.stepDay(tx, r, in.On)
		if err != nil {
			return "", err
		}
		d := r.dates()
		set := func(field *string, needs string, needsLabel string) error {
			if *field != "" {
				return apperr.New(apperr.Conflict, "This step is already recorded, on %s.", mustDay(*field).Long())
			}
			if needs == "" && needsLabel != "" {
				return apperr.New(apperr.Invalid, "%s", needsLabel)
			}
			*field = day.String()
			return nil
		}
		switch in.Step {
		case StepIDRequested:
			err = set(&d.IDRequested, "-", "")
		case StepIDReceived:
			err = set(&d.IDReceived, d.IDRequested, "Record that proof of identity was asked for first.")
		case StepAuthorityRequested:
			err = set(&d.AuthorityRequested, "-", "")
		case StepAuthorityReceived:
			err = set(&d.AuthorityReceived, d.AuthorityRequested, "Record that proof of authority was asked for first.")
		case StepFeeRequested:
			err = set(&d.FeeRequested, "-", "")
		case StepFeeReceived:
			err = set(&d.FeeReceived, d.FeeRequested, "Record that a fee was asked for first.")
		case StepClarificationRequested:
			err = set(&d.ClarificationRequested, "-", "")
		case StepClarificationReceived:
			err = set(&d.ClarificationReceived, d.ClarificationRequested, "Record that clarification was asked for first.")
		case StepNote:
		default:
			err = apperr.New(apperr.Invalid, "Unknown step %q.", in.Step)
		}
		if err != nil {
			return "", err
		}
		if d.AuthorityReceived != "" && mustDay(d.AuthorityReceived).Before(mustDay(d.AuthorityRequested)) {
			return "", apperr.New(apperr.Invalid, "Proof of authority cannot arrive before it was asked for.")
		}
		if err := s.checkDates(r.receivedOn, d); err != nil {
			return "", err
		}
		unfounded := r.unfounded.String
		if in.Step == StepFeeRequested {
			unfounded = "fee"
		}
		_, err = tx.ExecContext(ctx, `UPDATE rights_requests SET id_requested_on = $2, id_received_on = $3, authority_requested_on = $4,
			authority_received_on = $5, fee_requested_on = $6, fee_received_on = $7, clarification_requested_on = $8,
			clarification_received_on = $9, unfounded = $10 WHERE id = $1`,
			r.id, nullable(d.IDRequested), nullable(d.IDReceived), nullable(d.AuthorityRequested), nullable(d.AuthorityReceived),
			nullable(d.FeeRequested), nullable(d.FeeReceived), nullable(d.ClarificationRequested), nullable(d.ClarificationReceived), nullable(unfounded))
		if err != nil {
			return "", fmt.Errorf("record step: %w", err)
		}
		return string(in.Step), s.addEvent(ctx, tx, r.id, string(in.Step), day.String(), in.Note)
	})
}

// stepDay reads the day a step happened: not before the request arrived,
// not in the future.
func (s *Service) stepDay(tx *store.Tx, r *row, on string) (calendar.Date, error) {
	today := londonDay(tx.Now())
	if on == "" {
		return today, nil
	}
	d, err := calendar.ParseDate(on)
	if err != nil {
		return d, apperr.New(apperr.Invalid, "The day is not a date: %s. Write it as YYYY-MM-DD.", apperr.MessageOf(err))
	}
	if d.After(today) {
		return d, apperr.New(apperr.Invalid, "%s is in the future: record a step once it has happened.", d.Long())
	}
	if d.Before(mustDay(r.receivedOn)) {
		return d, apperr.New(apperr.Invalid, "%s is before the request was received (%s).", d.Long(), mustDay(r.receivedOn).Long())
	}
	return d, nil
}

// Accept takes on a request a rep or officer logged.
func (s *Service) Accept(ctx context.Context, id string, version int64) (*Request, error) {
	a, err := access.Require(ctx, access.PermRightsManage)
	if err != nil {
		return nil, err
	}
	return s.change(ctx, a, id, version, func(ctx context.Context, tx *store.Tx, r *row) (string, error) {
		if r.status != string(StatusNew) {
			return "", apperr.New(apperr.Conflict, "This request has already been taken on.")
		}
		return "accepted", s.addEvent(ctx, tx, r.id, "accepted", londonDay(tx.Now()).String(), "")
	})
}

// Match links a request to the person in the register it is about, or
// unlinks it (subjectID ""). The person must be one the actor may see.
func (s *Service) Match(ctx context.Context, id, subjectID string, version int64) (*Request, error) {
	a, err := access.Require(ctx, access.PermRightsManage)
	if err != nil {
		return nil, err
	}
	if subjectID != "" {
		path, err := s.people.UnitPathOf(ctx, subjectID)
		if err != nil || !a.CanIn(access.PermSubjectsRead, path) {
			return nil, apperr.New(apperr.NotFound, "No person with id %q.", subjectID)
		}
	}
	return s.change(ctx, a, id, version, func(ctx context.Context, tx *store.Tx, r *row) (string, error) {
		if _, err := tx.ExecContext(ctx, `UPDATE rights_requests SET subject_id = $2 WHERE id = $1`, r.id, nullable(subjectID)); err != nil {
			return "", fmt.Errorf("match request: %w", err)
		}
		r.subjectID.String, r.subjectID.Valid = subjectID, subjectID != ""
		step := "matched"
		if subjectID == "" {
			step = "unmatched"
		}
		if err := s.addEvent(ctx, tx, r.id, step, londonDay(tx.Now()).String(), ""); err != nil {
			return "", err
		}
		if subjectID == "" {
			return step, nil
		}
		return step, s.stopMarketing(ctx, tx, r, nil)
	})
}

// Extend records that the person was told, with reasons, that the
// deadline is extended by two months because the request is complex or
// they made many. The notice must be given within the first month (Art
// 12A(3)-(4)); after it, the software refuses, since a late notice cannot
// extend anything.
func (s *Service) Extend(ctx context.Context, id, reasons, on string, version int64) (*Request, error) {
	a, err := access.Require(ctx, access.PermRightsManage)
	if err != nil {
		return nil, err
	}
	reasons = strings.TrimSpace(reasons)
	if reasons == "" {
		return nil, apperr.New(apperr.Invalid, "Give the reasons for the extension (the complexity of the request, or the number of requests from the person): they go to the person.")
	}
	if len(reasons) > maxLong {
		return nil, apperr.New(apperr.Invalid, "The reasons are longer than %d characters.", maxLong)
	}
	return s.change(ctx, a, id, version, func(ctx context.Context, tx *store.Tx, r *row) (string, error) {
		if r.extendedOn.Valid {
			return "", apperr.New(apperr.Conflict, "The deadline was already extended, on %s.", mustDay(r.extendedOn.String).Long())
		}
		day, err := s.stepDay(tx, r, on)
		if err != nil {
			return "", err
		}
		c := s.clock(r, day)
		if c.ExtensionNoticeBy == "" {
			return "", apperr.New(apperr.Conflict, "The clock is not running (it waits for proof of identity, a fee or clarification), so there is no deadline to extend yet.")
		}
		if day.After(mustDay(c.ExtensionNoticeBy)) {
			return "", apperr.New(apperr.Conflict, "The first month ended on %s: an extension notice given after it cannot extend the deadline (Art 12A(3)). Answer by %s.",
				mustDay(c.ExtensionNoticeBy).Long(), mustDay(c.Due).Long())
		}
		if _, err := tx.ExecContext(ctx, `UPDATE rights_requests SET extended_on = $2 WHERE id = $1`, r.id, day.String()); err != nil {
			return "", fmt.Errorf("extend: %w", err)
		}
		r.extendedOn.String, r.extendedOn.Valid = day.String(), true
		return "extended", s.addEvent(ctx, tx, r.id, "extended", day.String(), reasons)
	})
}

// CloseInput ends a request. Nothing closes without an outcome and a note
// of what was done; a refusal needs its reasons, which the letter gives
// with the right to complain to the ICO and to go to court (Art 12(4)).
type CloseInput struct {
	Outcome     Outcome `json:"outcome" enum:"complied,partly,refused,nothing_held,withdrawn,duplicate"`
	Note        string  `json:"note"`
	DuplicateOf string  `json:"duplicate_of,omitempty" doc:"For a duplicate: the request that answers it"`
	Version     int64   `json:"version"`
}

// Close records a request's outcome.
func (s *Service) Close(ctx context.Context, id string, in CloseInput) (*Request, error) {
	a, err := access.Require(ctx, access.PermRightsManage)
	if err != nil {
		return nil, err
	}
	in.Note = strings.TrimSpace(in.Note)
	switch {
	case !validOutcome(in.Outcome):
		return nil, apperr.New(apperr.Invalid, "Choose the outcome: complied, partly, refused, nothing_held, withdrawn or duplicate.")
	case in.Note == "" && in.Outcome == OutcomeRefused:
		return nil, apperr.New(apperr.Invalid, "Give the reasons for the refusal: the organisation must be able to show them, and they go to the person with their right to complain.")
	case in.Note == "":
		return nil, apperr.New(apperr.Invalid, "Say what was done: what was sent, corrected, erased or restricted, and when.")
	case len(in.Note) > maxLong:
		return nil, apperr.New(apperr.Invalid, "The note is longer than %d characters.", maxLong)
	}
	return s.change(ctx, a, id, in.Version, func(ctx context.Context, tx *store.Tx, r *row) (string, error) {
		dup := r.duplicateOf.String
		if in.DuplicateOf != "" {
			dup = in.DuplicateOf
		}
		if in.Outcome == OutcomeDuplicate {
			if dup == "" || dup == r.id {
				return "", apperr.New(apperr.Invalid, "Name the request this one duplicates.")
			}
			other, err := s.load(ctx, dup, false)
			if err != nil || !visible(a, other) {
				return "", apperr.New(apperr.Invalid, "No request with id %q to link to.", dup)
			}
		}
		if in.Outcome != OutcomeDuplicate {
			dup = r.duplicateOf.String
		}
		if in.Outcome == OutcomeComplied || in.Outcome == OutcomePartly {
			if err := s.readyToClose(ctx, tx, r); err != nil {
				return "", err
			}
		}
		_, err := tx.ExecContext(ctx, `UPDATE rights_requests SET status = 'closed', outcome = $2, closed_at = $3, duplicate_of = $4 WHERE id = $1`,
			r.id, string(in.Outcome), store.Millis(tx.Now()), nullable(dup))
		if err != nil {
			return "", fmt.Errorf("close request: %w", err)
		}
		r.status, r.outcome.String, r.outcome.Valid = string(StatusClosed), string(in.Outcome), true
		return "closed", s.addEvent(ctx, tx, r.id, "closed:"+string(in.Outcome), londonDay(tx.Now()).String(), in.Note)
	})
}

// change runs fn on a request the actor manages, locked, at the version
// the caller saw; then works out the status and due date again from what
// fn left, bumps the version and audits the step fn names.
func (s *Service) change(ctx context.Context, a *access.Actor, id string, version int64,
	fn func(ctx context.Context, tx *store.Tx, r *row) (string, error)) (*Request, error) {
	var out *Request
	err := s.db.InTx(ctx, func(ctx context.Context, tx *store.Tx) error {
		r, err := s.scoped(ctx, a, id, true)
		if err != nil {
			return err
		}
		if version < 1 {
			return apperr.New(apperr.Invalid, "Give the version of the request you are changing (from when you opened it), so two people cannot overwrite each other.")
		}
		if version != r.version {
			return apperr.New(apperr.Conflict, "Someone changed this request since you opened it. Reload it and try again.")
		}
		if r.status == string(StatusClosed) {
			return apperr.New(apperr.Conflict, "This request is closed (%s); open a new one if the person asks again.", Outcome(r.outcome.String).Label())
		}
		step, err := fn(ctx, tx, r)
		if err != nil {
			return err
		}
		if r, err = s.load(ctx, id, false); err != nil {
			return err
		}
		if r.status != string(StatusClosed) {
			r.status = string(derivedStatus(r))
		}
		today := londonDay(tx.Now())
		c := s.clock(r, today)
		now := store.Millis(tx.Now())
		accepted := r.acceptedBy.Valid
		res, err := tx.ExecContext(ctx, `UPDATE rights_requests SET status = $2, due_on = $3, version = version + 1, updated_at = $4,
			accepted_by = COALESCE(accepted_by, $5), accepted_at = COALESCE(accepted_at, $6) WHERE id = $1 AND version = $7`,
			r.id, r.status, nullable(c.Applies), now, a.AccountID, now, r.version)
		if err != nil {
			return fmt.Errorf("update request: %w", err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return apperr.New(apperr.Conflict, "Someone changed this request at the same moment. Reload it and try again.")
		}
		if !accepted && step != "accepted" {
			if err := s.addEvent(ctx, tx, r.id, "accepted", today.String(), ""); err != nil {
				return err
			}
		}
		// The row as just written, without reading it back.
		r.dueOn = sql.NullString{String: c.Applies, Valid: c.Applies != ""}
		r.version++
		if !accepted {
			r.acceptedBy = sql.NullString{String: a.AccountID, Valid: true}
			r.acceptedAt = sql.NullInt64{Int64: now, Valid: true}
		}
		if err := s.record(ctx, "rights.step", r, map[string]string{"step": step, "status": r.status}); err != nil {
			return err
		}
		req := s.request(r, today)
		out = &req
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// derivedStatus is where a taken-on request stands given its dates: what
// it waits for first, else open.
func derivedStatus(r *row) Status {
	d := r.dates()
	switch {
	case d.IDRequested != "" && d.IDReceived == "", d.AuthorityRequested != "" && d.AuthorityReceived == "":
		return StatusIdentity
	case d.FeeRequested != "" && d.FeeReceived == "":
		return StatusFee
	case d.ClarificationRequested != "" && d.ClarificationReceived == "":
		return StatusClarification
	}
	return StatusOpen
}
