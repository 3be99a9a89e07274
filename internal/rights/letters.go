package rights

import (
	"context"
	"fmt"
	"strings"

	"github.com/stewardhq/steward/internal/access"
	"github.com/stewardhq/steward/internal/apperr"
	"github.com/stewardhq/steward/internal/pdf"
	"github.com/stewardhq/steward/internal/store"
)

// LetterKind is a letter the organisation sends about a request.
type LetterKind string

const (
	LetterAcknowledge   LetterKind = "acknowledgement"
	LetterIDRequest     LetterKind = "id_request"
	LetterClarification LetterKind = "clarification"
	LetterFee           LetterKind = "fee"
	LetterExtension     LetterKind = "extension"
	LetterRefusal       LetterKind = "refusal"
	LetterOutcome       LetterKind = "outcome"
	// LetterRestrictionLift tells the person a restriction will end,
	// before it does (Art 18(3)).
	LetterRestrictionLift LetterKind = "restriction_lift"
)

// LetterKinds lists them in the order a request meets them.
func LetterKinds() []LetterKind {
	return []LetterKind{LetterAcknowledge, LetterIDRequest, LetterClarification, LetterFee, LetterExtension, LetterRestrictionLift, LetterRefusal, LetterOutcome}
}

// Label names a letter kind for people.
func (k LetterKind) Label() string {
	switch k {
	case LetterAcknowledge:
		return "Acknowledgement"
	case LetterIDRequest:
		return "Request for proof of identity or authority"
	case LetterClarification:
		return "Request for clarification"
	case LetterFee:
		return "Fee request"
	case LetterExtension:
		return "Extension notice"
	case LetterRefusal:
		return "Refusal"
	case LetterOutcome:
		return "Outcome"
	case LetterRestrictionLift:
		return "Notice that a restriction will end"
	}
	return string(k)
}

// complaintRights is what every letter that refuses, charges or delays
// must tell the person (Art 12(4)).
const complaintRights = "If you are unhappy with how we have handled your request, please tell us first. You also have the right to complain to the Information Commissioner's Office (ico.org.uk/make-a-complaint, 0303 123 1113), and the right to seek to enforce your rights through the courts."

// MakeLetter writes a letter of the given kind from the request as it
// stands, as a PDF, and keeps it sealed as made. A letter that the
// request's state does not support (an extension notice before the
// extension is recorded, a refusal for a request not refused) is refused,
// so nothing is sent that the record does not back.
func (s *Service) MakeLetter(ctx context.Context, id string, kind LetterKind) (*Letter, []byte, error) {
	a, err := access.Require(ctx, access.PermRightsManage)
	if err != nil {
		return nil, nil, err
	}
	var letter *Letter
	var body []byte
	err = s.db.InTx(ctx, func(ctx context.Context, tx *store.Tx) error {
		r, err := s.scoped(ctx, a, id, true)
		if err != nil {
			return err
		}
		d, err := s.open(ctx, r)
		if err != nil {
			return err
		}
		events, err := s.history(ctx, r.id)
		if err != nil {
			return err
		}
		today := londonDay(tx.Now())
		req := s.request(r, today)
		var erasure []string
		if kind == LetterOutcome {
			if erasure, err = s.erasureParagraphs(ctx, tx, r, req.Kind); err != nil {
				return err
			}
		}
		paras, err := letterText(kind, req, events, erasure)
		if err != nil {
			return err
		}
		org := ""
		if s.datamap != nil {
			if c, err := s.datamap.Controller(ctx); err == nil {
				org = c.Name
			}
		}
		doc := pdf.New(kind.Label() + ", request " + r.ref)
		if org != "" {
			doc.Heading(org)
		}
		doc.Para(today.Long())
		doc.Heading("Your request " + r.ref + ": " + strings.ToLower(kind.Label()))
		doc.Para("Dear " + d.RequesterName + ",")
		for _, p := range paras {
			doc.Para(p)
		}
		doc.Para("Yours sincerely,\nData protection officer")
		body = doc.Bytes()
		if letter, err = s.keepLetter(ctx, tx, r, string(kind), fmt.Sprintf("%s-%s.pdf", kind, r.ref), body); err != nil {
			return err
		}
		return s.record(ctx, "rights.letter", r, map[string]string{"letter": letter.ID, "kind": string(kind)})
	})
	if err != nil {
		return nil, nil, err
	}
	return letter, body, nil
}

// Letters lists the letters and packs kept for a request, newest first.
func (s *Service) Letters(ctx context.Context, id string) ([]Letter, error) {
	a, err := access.Require(ctx, access.PermRightsManage)
	if err != nil {
		return nil, err
	}
	r, err := s.scoped(ctx, a, id, false)
	if err != nil {
		return nil, err
	}
	rows, err := s.db.Q(ctx).QueryContext(ctx, `SELECT id, kind, file_name, size, made_by, made_at FROM rights_letters WHERE request_id = $1 ORDER BY made_at DESC, id`, r.id)
	if err != nil {
		return nil, fmt.Errorf("list letters: %w", err)
	}
	defer rows.Close()
	var out []Letter
	for rows.Next() {
		var l Letter
		var at int64
		if err := rows.Scan(&l.ID, &l.Kind, &l.FileName, &l.Size, &l.MadeBy, &at); err != nil {
			return nil, fmt.Errorf("list letters: %w", err)
		}
		l.MadeAt = store.FromMillis(at)
		out = append(out, l)
	}
	return out, rows.Err()
}

// lastNote is the note of the latest event with the given step.
func lastNote(events []Event, step string) string {
	if i := lastIndex(events, step); i >= 0 {
		return events[i].Note
	}
	return ""
}

// letterText is a letter's paragraphs, or why the request does not
// support it. erasure is what an outcome letter says about the items of
// an erasure request (erasureParagraphs).
func letterText(kind LetterKind, r Request, events []Event, erasure []string) ([]string, error) {
	right := strings.ToLower(r.Kind.Label())
	received := mustDay(r.ReceivedOn).Long()
	due := ""
	if r.Clock.Applies != "" {
		due = mustDay(r.Clock.Applies).Long()
	}
	refuse := func(format string, args ...any) ([]string, error) {
		return nil, apperr.New(apperr.Conflict, format, args...)
	}
	switch kind {
	case LetterAcknowledge:
		p := []string{fmt.Sprintf("Thank you for your request for %s, which we received on %s. Your reference is %s; please quote it if you contact us.", right, received, r.Ref)}
		if due != "" {
			p = append(p, fmt.Sprintf("We will answer by %s at the latest.", due))
		} else {
			p = append(p, "We will write to you shortly about what we need before we can act on it.")
		}
		return p, nil
	case LetterIDRequest:
		if r.Dates.IDRequested == "" && r.Dates.AuthorityRequested == "" {
			return refuse("Record that proof of identity or authority was asked for before writing the letter that asks for it.")
		}
		return []string{
			fmt.Sprintf("Thank you for your request for %s, received on %s (reference %s).", right, received, r.Ref),
			"To protect your information we need to be sure who we are dealing with before we act. Please send us proof of your identity, or, if you are acting for someone else, proof that they have authorised you (or that you have parental responsibility).",
			"We will use what you send only to confirm identity or authority. The one-month period for our answer starts on the day it reaches us.",
		}, nil
	case LetterClarification:
		asked := lastNote(events, string(StepClarificationRequested))
		if r.Dates.ClarificationRequested == "" {
			return refuse("Record that clarification was asked for before writing the letter that asks for it.")
		}
		return []string{
			fmt.Sprintf("Thank you for your request for %s, received on %s (reference %s).", right, received, r.Ref),
			"We hold a large amount of information, and to find what your request covers we need to ask: " + asked,
			fmt.Sprintf("The time we have to answer is paused from %s until your reply reaches us. We will give you anything we can in the meantime.", mustDay(r.Dates.ClarificationRequested).Long()),
		}, nil
	case LetterFee:
		if r.Dates.FeeRequested == "" {
			return refuse("Record that a fee was asked for before writing the letter that asks for it.")
		}
		return []string{
			fmt.Sprintf("Thank you for your request for %s, received on %s (reference %s).", right, received, r.Ref),
			"We are asking for a reasonable fee before we act on this request, for this reason: " + lastNote(events, string(StepFeeRequested)),
			"The period for our answer starts when the fee reaches us.",
			complaintRights,
		}, nil
	case LetterExtension:
		if r.Extended == "" {
			return refuse("Record the extension (with its reasons) before writing the notice.")
		}
		return []string{
			fmt.Sprintf("We are dealing with your request for %s, received on %s (reference %s).", right, received, r.Ref),
			fmt.Sprintf("We need more time to answer it fully, so we are extending the time limit by two further months, as the law allows for complex or numerous requests. We will answer by %s at the latest.", due),
			"Our reasons: " + lastNote(events, "extended"),
			complaintRights,
		}, nil
	case LetterRestrictionLift:
		reason := lastNote(events, "lift_planned")
		if reason == "" {
			return refuse("Record why the restriction will end before writing the notice.")
		}
		return []string{
			fmt.Sprintf("Following your request for %s, received on %s (reference %s), we restricted the use of your data: we have only stored it.", right, received, r.Ref),
			"We are writing to tell you, before it happens, that we will end that restriction, for this reason: " + reason,
			complaintRights,
		}, nil
	case LetterRefusal:
		if r.Outcome != OutcomeRefused {
			return refuse("Close the request as refused, with the reasons, before writing the refusal.")
		}
		return []string{
			fmt.Sprintf("We have considered your request for %s, received on %s (reference %s), and we are not able to act on it.", right, received, r.Ref),
			"Our reasons: " + lastNote(events, "closed:"+string(OutcomeRefused)),
			complaintRights,
		}, nil
	case LetterOutcome:
		if r.Status != StatusClosed || r.Outcome == OutcomeRefused {
			return refuse("An outcome letter follows a request closed as complied with, partly complied with, nothing held or withdrawn; a refusal has its own letter.")
		}
		p := []string{fmt.Sprintf("We have finished dealing with your request for %s, received on %s (reference %s).", right, received, r.Ref)}
		switch r.Outcome {
		case OutcomeNothingHeld:
			p = append(p, "We have searched our records and we hold no personal data about you.")
		case OutcomePartly:
			p = append(p, "We have done part of what you asked; where we could not, the reasons are below.")
		}
		p = append(p, erasure...)
		if note := lastNote(events, "closed:"+string(r.Outcome)); note != "" {
			p = append(p, note)
		}
		return append(p, complaintRights), nil
	}
	return nil, apperr.New(apperr.Invalid, "Unknown letter %q.", kind)
}

// keepLetter stores a letter or pack sealed under the request's key, as
// made.
func (s *Service) keepLetter(ctx context.Context, tx *store.Tx, r *row, kind, name string, body []byte) (*Letter, error) {
	key, err := s.requestKey(ctx, r.id)
	if err != nil {
		return nil, err
	}
	actor := access.ActorID(ctx)
	lid := store.NewID()
	_, err = tx.ExecContext(ctx, `INSERT INTO rights_letters (id, request_id, kind, file_name, content, size, made_by, made_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
		lid, r.id, kind, name, key.Seal(letterField(lid), body), len(body), actor, store.Millis(tx.Now()))
	if err != nil {
		return nil, fmt.Errorf("keep the letter: %w", err)
	}
	return &Letter{ID: lid, Kind: kind, FileName: name, Size: int64(len(body)), MadeBy: actor, MadeAt: tx.Now()}, nil
}
