package rights

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/stewardhq/steward/internal/access"
	"github.com/stewardhq/steward/internal/apperr"
	"github.com/stewardhq/steward/internal/calendar"
	"github.com/stewardhq/steward/internal/store"
	"github.com/stewardhq/steward/internal/vault"
)

// LogInput is a request as whoever received it records it.
type LogInput struct {
	Kind      Kind      `json:"kind" enum:"access,rectification,erasure,restriction,portability,objection,marketing,automated"`
	Channel   Channel   `json:"channel" enum:"email,letter,web,phone,in_person"`
	Requester Requester `json:"requester" enum:"self,parent,solicitor,other"`
	// UnitID is where the request was received (a rep's workplace); empty
	// means the actor's own unit when they have one, else the organisation.
	UnitID string `json:"unit_id,omitempty"`
	// ReceivedOn is the day it arrived, YYYY-MM-DD in UK time; empty means
	// today. A request received at the weekend was received that day.
	ReceivedOn string  `json:"received_on,omitempty"`
	Details    Details `json:"details"`
}

// Limits on what a form may carry.
const (
	maxShort = 200
	maxLong  = 20000
)

func (in *LogInput) clean() error {
	switch {
	case !validKind(in.Kind):
		return apperr.New(apperr.Invalid, "Choose which right the request is about: access, rectification, erasure, restriction, portability, objection, marketing or automated.")
	case !validChannel(in.Channel):
		return apperr.New(apperr.Invalid, "Choose how the request arrived: email, letter, web, phone or in_person.")
	case !validRequester(in.Requester):
		return apperr.New(apperr.Invalid, "Choose who made the request: self, parent, solicitor or other.")
	}
	return in.Details.clean(in.Requester)
}

func (d *Details) clean(who Requester) error {
	for _, f := range []*string{&d.RequesterName, &d.RequesterEmail, &d.RequesterPhone, &d.RequesterPost, &d.SubjectName, &d.Identifiers, &d.Description} {
		*f = strings.TrimSpace(*f)
		if !utf8.ValidString(*f) {
			return apperr.New(apperr.Invalid, "The request contains text that is not valid UTF-8; retype it.")
		}
	}
	for _, f := range []struct{ v, name string }{{d.RequesterName, "requester's name"}, {d.RequesterEmail, "email address"}, {d.RequesterPhone, "phone number"}, {d.SubjectName, "name of the person it is about"}} {
		if len(f.v) > maxShort {
			return apperr.New(apperr.Invalid, "The %s is longer than %d characters.", f.name, maxShort)
		}
	}
	for _, f := range []struct{ v, name string }{{d.RequesterPost, "postal address"}, {d.Identifiers, "identifiers"}, {d.Description, "description"}} {
		if len(f.v) > maxLong {
			return apperr.New(apperr.Invalid, "The %s is longer than %d characters.", f.name, maxLong)
		}
	}
	switch {
	case d.RequesterName == "":
		return apperr.New(apperr.Invalid, "Give the requester's name: the answer has to go to someone.")
	case d.RequesterEmail == "" && d.RequesterPhone == "" && d.RequesterPost == "":
		return apperr.New(apperr.Invalid, "Give at least one way to reach the requester: an email address, a phone number or a postal address.")
	case d.Description == "":
		return apperr.New(apperr.Invalid, "Describe the request: what they asked for, in their words if you can.")
	case who != RequesterSelf && d.SubjectName == "":
		return apperr.New(apperr.Invalid, "The requester acts for someone else: give the name of the person the request is about.")
	}
	if d.RequesterEmail != "" {
		if _, err := vault.Normalise(vault.IndexEmail, d.RequesterEmail); err != nil {
			return apperr.New(apperr.Invalid, "The email address is not valid: %s.", strings.TrimSuffix(apperr.MessageOf(err), "."))
		}
	}
	if d.RequesterPhone != "" {
		if _, err := vault.Normalise(vault.IndexPhone, d.RequesterPhone); err != nil {
			return apperr.New(apperr.Invalid, "The phone number is not valid: %s.", strings.TrimSuffix(apperr.MessageOf(err), "."))
		}
	}
	return nil
}

// Log records a request received through any channel. Whoever may log
// requests in the unit may record one; a rep or officer's request waits
// for the DPO (its hand-off clock shows whether it reached them in time),
// while one logged by someone who manages requests is taken on at once.
// The same requester asking for the same right while an earlier request
// is open is linked to it, not lost.
func (s *Service) Log(ctx context.Context, in LogInput) (*Request, error) {
	a, err := access.Require(ctx, access.PermRightsLog)
	if err != nil {
		return nil, err
	}
	if err := in.clean(); err != nil {
		return nil, err
	}
	unit, err := s.intakeUnit(ctx, a, in.UnitID)
	if err != nil {
		return nil, err
	}
	today := londonDay(s.db.Now())
	received := today
	if in.ReceivedOn != "" {
		if received, err = calendar.ParseDate(in.ReceivedOn); err != nil {
			return nil, apperr.New(apperr.Invalid, "The day the request was received is not a date: %s. Write it as YYYY-MM-DD.", apperr.MessageOf(err))
		}
	}
	if received.After(today) {
		return nil, apperr.New(apperr.Invalid, "The day the request was received, %s, is in the future.", received.Long())
	}
	if received.Before(today.AddDays(-366)) {
		return nil, apperr.New(apperr.Invalid, "The day the request was received, %s, is over a year ago; check the date.", received.Long())
	}
	manage := a.CanIn(access.PermRightsManage, unit.Path)
	return s.create(ctx, unit, in, received, a.AccountID, manage)
}

// intakeUnit is the unit a request is filed under: the one named, if the
// actor may log requests there; else the actor's only unit; else the
// organisation.
func (s *Service) intakeUnit(ctx context.Context, a *access.Actor, id string) (*access.Unit, error) {
	if id == "" {
		scope := a.Scope(access.PermRightsLog)
		if len(scope) == 1 {
			for _, g := range a.Grants {
				if g.UnitPath == scope[0] {
					id = g.UnitID
				}
			}
		}
		if id == "" {
			root, err := s.units.RootUnit(ctx)
			if err != nil {
				return nil, err
			}
			id = root.ID
		}
	}
	unit, err := s.units.Unit(ctx, id)
	if err != nil {
		return nil, apperr.New(apperr.Invalid, "Unknown unit %q: choose one of the units you can see.", id)
	}
	if !a.CanIn(access.PermRightsLog, unit.Path) {
		return nil, apperr.New(apperr.Forbidden, "You may not log requests for %q.", unit.Name)
	}
	return unit, nil
}

// create writes a new request. actorID is "" for the public form.
func (s *Service) create(ctx context.Context, unit *access.Unit, in LogInput, received calendar.Date, actorID string, accept bool) (*Request, error) {
	id := store.NewID()
	key, err := s.vault.SubjectKey(ctx, id, true)
	if err != nil {
		return nil, fmt.Errorf("make request key: %w", err)
	}
	plain, err := json.Marshal(in.Details)
	if err != nil {
		return nil, err
	}
	var reqKey []byte
	switch {
	case in.Details.RequesterEmail != "":
		reqKey, err = s.vault.BlindIndex(vault.IndexEmail, in.Details.RequesterEmail)
	case in.Details.RequesterPhone != "":
		reqKey, err = s.vault.BlindIndex(vault.IndexPhone, in.Details.RequesterPhone)
	}
	if err != nil {
		return nil, err
	}
	fw, err := calendar.ForwardBy(s.cfg.Region, received, s.cfg.ForwardDays)
	if err != nil {
		return nil, err
	}
	var out *Request
	err = s.db.InTx(ctx, func(ctx context.Context, tx *store.Tx) error {
		now := store.Millis(tx.Now())
		status := StatusNew
		var acceptedBy, acceptedAt any
		if accept {
			status, acceptedBy, acceptedAt = StatusOpen, actorID, now
		}
		dup, err := s.findDuplicate(ctx, in.Kind, reqKey)
		if err != nil {
			return err
		}
		r := &row{id: id, receivedOn: received.String(), loggedAt: now, status: string(status)}
		due := s.clock(r, londonDay(tx.Now())).Due
		_, err = tx.ExecContext(ctx, `INSERT INTO rights_requests (id, ref, kind, channel, requester, status, unit_id, unit_path, received_on,
			logged_by, logged_at, forward_by, accepted_by, accepted_at, due_on, duplicate_of, requester_key, details, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $19)`,
			id, newRef(), string(in.Kind), string(in.Channel), string(in.Requester), string(status), unit.ID, unit.Path, received.String(),
			nullable(actorID), now, fw.Date.String(), acceptedBy, acceptedAt, nullable(due), nullable(dup), reqKey,
			key.Seal(detailsField(id), plain), now)
		if err != nil {
			return fmt.Errorf("log request: %w", err)
		}
		if err := s.addEvent(ctx, tx, id, "logged", received.String(), ""); err != nil {
			return err
		}
		if accept {
			if err := s.addEvent(ctx, tx, id, "accepted", londonDay(tx.Now()).String(), ""); err != nil {
				return err
			}
		}
		r, err = s.load(ctx, id, false)
		if err != nil {
			return err
		}
		if err := s.stopMarketing(ctx, tx, r, &in.Details); err != nil {
			return err
		}
		detail := map[string]string{"kind": r.kind, "channel": r.channel, "status": r.status}
		if dup != "" {
			detail["duplicate_of"] = dup
		}
		if err := s.record(ctx, "rights.log", r, detail); err != nil {
			return err
		}
		req := s.request(r, londonDay(tx.Now()))
		req.Details = &in.Details
		if !accept {
			// The link is for the DPO: telling the logger would tell them
			// that someone elsewhere has an open request from this address.
			req.DuplicateOf = ""
		}
		out = &req
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// findDuplicate returns the earliest open request for the same right from
// the same email address or phone number, if any.
func (s *Service) findDuplicate(ctx context.Context, kind Kind, reqKey []byte) (string, error) {
	if reqKey == nil {
		return "", nil
	}
	var id string
	err := s.db.Q(ctx).QueryRowContext(ctx, `SELECT id FROM rights_requests WHERE requester_key = $1 AND kind = $2 AND status <> 'closed'
		ORDER BY logged_at, id LIMIT 1`, reqKey, string(kind)).Scan(&id)
	if err != nil && !isNoRows(err) {
		return "", fmt.Errorf("look for duplicates: %w", err)
	}
	return id, nil
}

// addEvent appends a step to a request's history, its note sealed.
func (s *Service) addEvent(ctx context.Context, tx *store.Tx, requestID, step, day, note string) error {
	id := store.NewID()
	var sealed []byte
	if note != "" {
		key, err := s.requestKey(ctx, requestID)
		if err != nil {
			return err
		}
		sealed = key.Seal(noteField(id), []byte(note))
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO rights_events (id, request_id, step, on_day, actor_id, at, note) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		id, requestID, step, day, nullable(access.ActorID(ctx)), store.Millis(tx.Now()), sealed)
	if err != nil {
		return fmt.Errorf("record step: %w", err)
	}
	return nil
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}
