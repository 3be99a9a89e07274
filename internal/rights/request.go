// Package rights runs rights requests (UK GDPR Arts 15-22) from intake to
// a recorded outcome, on the statutory clock of internal/calendar.
package rights

import (
	"slices"
	"time"

	"github.com/stewardhq/steward/internal/calendar"
)

// Kind is the right a request exercises.
type Kind string

const (
	KindAccess        Kind = "access"        // Art 15
	KindRectification Kind = "rectification" // Art 16
	KindErasure       Kind = "erasure"       // Art 17
	KindRestriction   Kind = "restriction"   // Art 18
	KindPortability   Kind = "portability"   // Art 20
	KindObjection     Kind = "objection"     // Art 21(1)
	KindMarketing     Kind = "marketing"     // Art 21(2)-(3): absolute
	KindAutomated     Kind = "automated"     // Art 22
)

// Kinds lists the rights in the order forms show them.
func Kinds() []Kind {
	return []Kind{KindAccess, KindRectification, KindErasure, KindRestriction, KindPortability, KindObjection, KindMarketing, KindAutomated}
}

// Label is the right's name for people.
func (k Kind) Label() string {
	switch k {
	case KindAccess:
		return "Access (a copy of their data)"
	case KindRectification:
		return "Rectification (correct their data)"
	case KindErasure:
		return "Erasure (delete their data)"
	case KindRestriction:
		return "Restriction (stop using their data, keep it)"
	case KindPortability:
		return "Portability (their data in a reusable format)"
	case KindObjection:
		return "Objection to processing"
	case KindMarketing:
		return "Objection to direct marketing"
	case KindAutomated:
		return "Automated decision-making"
	}
	return string(k)
}

// Packable reports whether the right is answered with a data pack
// (access, portability).
func (k Kind) Packable() bool { return k == KindAccess || k == KindPortability }

// Restricts reports whether a request for the right may restrict the
// person's processing: a restriction request, and the requests Art
// 18(1)(a) and (d) restrict while they are weighed (contested accuracy,
// an objection).
func (k Kind) Restricts() bool {
	return k == KindRestriction || k == KindRectification || k == KindObjection
}

// Channel is how a request arrived. Any channel is valid: a request need
// not be in writing or use any particular words.
type Channel string

const (
	ChannelEmail    Channel = "email"
	ChannelLetter   Channel = "letter"
	ChannelWeb      Channel = "web"
	ChannelPhone    Channel = "phone"
	ChannelInPerson Channel = "in_person"
)

// Channels lists the channels in the order forms show them.
func Channels() []Channel {
	return []Channel{ChannelEmail, ChannelLetter, ChannelWeb, ChannelPhone, ChannelInPerson}
}

// Label names the channel for people.
func (c Channel) Label() string {
	switch c {
	case ChannelEmail:
		return "Email"
	case ChannelLetter:
		return "Letter"
	case ChannelWeb:
		return "Web form"
	case ChannelPhone:
		return "Phone"
	case ChannelInPerson:
		return "In person"
	}
	return string(c)
}

// Requester says who made the request in relation to the person it is
// about.
type Requester string

const (
	RequesterSelf      Requester = "self"
	RequesterParent    Requester = "parent"    // a parent or guardian for a child
	RequesterSolicitor Requester = "solicitor" // or another professional acting for them
	RequesterOther     Requester = "other"     // anyone else claiming authority
)

// Label names who asked, for people.
func (r Requester) Label() string {
	switch r {
	case RequesterSelf:
		return "The person themselves"
	case RequesterParent:
		return "A parent or guardian"
	case RequesterSolicitor:
		return "A solicitor or other professional acting for them"
	case RequesterOther:
		return "Someone else claiming authority"
	}
	return string(r)
}

// Requesters lists them in form order.
func Requesters() []Requester {
	return []Requester{RequesterSelf, RequesterParent, RequesterSolicitor, RequesterOther}
}

// Status is where a request stands.
type Status string

const (
	// StatusNew: logged by a rep or officer, not yet taken on by the DPO.
	StatusNew Status = "new"
	// StatusIdentity: waiting for proof of identity or of authority; the
	// clock has not started.
	StatusIdentity Status = "identity"
	// StatusFee: waiting for a fee; the clock has not started.
	StatusFee Status = "fee"
	// StatusClarification: waiting for an answer to a question about what
	// the request covers; the clock is paused.
	StatusClarification Status = "clarification"
	// StatusOpen: the clock runs; the request is being worked.
	StatusOpen Status = "open"
	// StatusClosed: answered, with a recorded outcome.
	StatusClosed Status = "closed"
)

// Label describes the status for people.
func (s Status) Label() string {
	switch s {
	case StatusNew:
		return "New: waiting for the DPO to take it on"
	case StatusIdentity:
		return "Waiting for proof of identity or authority"
	case StatusFee:
		return "Waiting for a fee"
	case StatusClarification:
		return "Paused: waiting for clarification"
	case StatusOpen:
		return "Open: the clock is running"
	case StatusClosed:
		return "Closed"
	}
	return string(s)
}

// Outcome is how a request ended. Nothing closes without one.
type Outcome string

const (
	OutcomeComplied    Outcome = "complied"
	OutcomePartly      Outcome = "partly"       // complied in part, the rest under an exemption
	OutcomeRefused     Outcome = "refused"      // manifestly unfounded or excessive, or an exemption
	OutcomeNothingHeld Outcome = "nothing_held" // we hold no data about them: also an answer
	OutcomeWithdrawn   Outcome = "withdrawn"
	OutcomeDuplicate   Outcome = "duplicate" // the same request as another, answered there
)

// Outcomes lists them in form order.
func Outcomes() []Outcome {
	return []Outcome{OutcomeComplied, OutcomePartly, OutcomeRefused, OutcomeNothingHeld, OutcomeWithdrawn, OutcomeDuplicate}
}

// Label describes the outcome for people.
func (o Outcome) Label() string {
	switch o {
	case OutcomeComplied:
		return "Complied with in full"
	case OutcomePartly:
		return "Complied with in part"
	case OutcomeRefused:
		return "Refused, with reasons"
	case OutcomeNothingHeld:
		return "We hold no data about them"
	case OutcomeWithdrawn:
		return "Withdrawn by the requester"
	case OutcomeDuplicate:
		return "Duplicate of another request"
	}
	return string(o)
}

// Details is what the requester told us, sealed under the request's key.
type Details struct {
	// RequesterName and the ways to reach them.
	RequesterName  string `json:"requester_name"`
	RequesterEmail string `json:"requester_email,omitempty"`
	RequesterPhone string `json:"requester_phone,omitempty"`
	RequesterPost  string `json:"requester_post,omitempty"`
	// SubjectName is the person the request is about, when the requester
	// acts for someone else.
	SubjectName string `json:"subject_name,omitempty"`
	// Identifiers they gave to find the person: membership number, date of
	// birth, workplace, an old address.
	Identifiers string `json:"identifiers,omitempty"`
	// Description is the request in their words, or the logger's note of
	// what was said.
	Description string `json:"description"`
}

// Request is a rights request as the people working it see it.
type Request struct {
	ID          string    `json:"id"`
	Ref         string    `json:"ref" doc:"Receipt number given to the requester"`
	Kind        Kind      `json:"kind"`
	Channel     Channel   `json:"channel"`
	Requester   Requester `json:"requester"`
	Status      Status    `json:"status"`
	UnitID      string    `json:"unit_id"`
	SubjectID   string    `json:"subject_id,omitempty" doc:"The person in the register it is about, once matched"`
	ReceivedOn  string    `json:"received_on"`
	LoggedBy    string    `json:"logged_by,omitempty"`
	LoggedAt    time.Time `json:"logged_at"`
	ForwardBy   string    `json:"forward_by" doc:"Internal hand-off deadline to the DPO"`
	AcceptedBy  string    `json:"accepted_by,omitempty"`
	AcceptedAt  time.Time `json:"accepted_at,omitzero"`
	Dates       Dates     `json:"dates"`
	Extended    string    `json:"extended_on,omitempty" doc:"Day the extension notice was sent"`
	Unfounded   string    `json:"unfounded,omitempty" doc:"fee or refuse: the request was found manifestly unfounded or excessive"`
	DueOn       string    `json:"due_on,omitempty"`
	Outcome     Outcome   `json:"outcome,omitempty"`
	ClosedAt    time.Time `json:"closed_at,omitzero"`
	DuplicateOf string    `json:"duplicate_of,omitempty"`
	Version     int64     `json:"version"`
	Details     *Details  `json:"details,omitempty"`
	Clock       Clock     `json:"clock"`
}

// Dates are the days the clock depends on, YYYY-MM-DD or empty.
type Dates struct {
	IDRequested            string `json:"id_requested_on,omitempty"`
	IDReceived             string `json:"id_received_on,omitempty"`
	AuthorityRequested     string `json:"authority_requested_on,omitempty"`
	AuthorityReceived      string `json:"authority_received_on,omitempty"`
	FeeRequested           string `json:"fee_requested_on,omitempty"`
	FeeReceived            string `json:"fee_received_on,omitempty"`
	ClarificationRequested string `json:"clarification_requested_on,omitempty"`
	ClarificationReceived  string `json:"clarification_received_on,omitempty"`
}

// Clock is the request's timetable, worked out from its dates.
type Clock struct {
	State             calendar.SARState `json:"state"`
	ClockStart        string            `json:"clock_start,omitempty"`
	PausedDays        int               `json:"paused_days"`
	Due               string            `json:"due,omitempty"`
	ExtensionNoticeBy string            `json:"extension_notice_by,omitempty"`
	ExtendedDue       string            `json:"extended_due,omitempty"`
	// Applies is the deadline that binds: Due, or ExtendedDue once the
	// extension has been notified.
	Applies string `json:"applies,omitempty"`
	// Why holds a sentence per figure, in order, saying how it was found.
	Why []string `json:"why,omitempty"`
	// Forward is the internal hand-off: when the request reached Steward
	// against its forward-by day.
	ForwardWhy string `json:"forward_why,omitempty"`
	// DaysLeft until Applies (negative when overdue); meaningless when
	// Applies is empty.
	DaysLeft int  `json:"days_left"`
	Overdue  bool `json:"overdue"`
}

func validKind(k Kind) bool           { return slices.Contains(Kinds(), k) }
func validChannel(c Channel) bool     { return slices.Contains(Channels(), c) }
func validRequester(r Requester) bool { return slices.Contains(Requesters(), r) }
func validOutcome(o Outcome) bool     { return slices.Contains(Outcomes(), o) }
