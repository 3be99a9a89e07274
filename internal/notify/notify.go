// Package notify is the outbox: email waiting for the SMTP server, sealed
// at rest, delivered by a background loop with retries, and group email
// to a member list without exposing one member's address to another.
//
// A group email goes one by one (each member gets their own message, with
// only their address in To) or, if the sender chooses it after the rep's
// guide's warning, as one message with every address in BCC. Marketing
// always goes one by one, since each message carries the member's own
// unsubscribe link (List-Unsubscribe and List-Unsubscribe-Post, RFC 8058),
// and nothing goes to a suppressed person: the list is checked against the
// suppression list when the email is queued and again when each message
// leaves.
//
// Retention: a message's body (and headers) and its addresses stay sealed
// in the outbox until it is sent or given up, then for Config.KeepBodies
// (30 days by default) so a delivery problem can be looked into; then
// both are dropped and the row stays as the record that a message of that class
// went to that many people, when.
package notify

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/mail"
	"strings"
	"time"

	"github.com/stewardhq/steward/internal/access"
	"github.com/stewardhq/steward/internal/audit"
	"github.com/stewardhq/steward/internal/consent"
	"github.com/stewardhq/steward/internal/store"
	"github.com/stewardhq/steward/internal/vault"
)

// Class is what kind of communication a message is: opt-outs stop
// marketing only. It is consent's classification, named here for the
// outbox's callers.
type Class = consent.Class

const (
	ClassMarketing   = consent.ClassMarketing
	ClassOperational = consent.ClassOperational
	ClassDemocratic  = consent.ClassDemocratic
)

// Mode is how a group email is addressed.
type Mode string

const (
	// ModeEach sends one message per member, To: only them.
	ModeEach Mode = "each"
	// ModeBCC sends one message with every address in BCC.
	ModeBCC Mode = "bcc"
)

// Status is where a message stands.
type Status string

const (
	StatusQueued     Status = "queued"
	StatusSending    Status = "sending"
	StatusSent       Status = "sent"
	StatusFailed     Status = "failed"
	StatusSuppressed Status = "suppressed"
)

// BCCWarning is the rep's guide's rule, shown before a group email.
const BCCWarning = "Don't do anything that enables one member to see another member's data: when emailing a group of members use the BCC field so email addresses are hidden. Steward sends each member their own message, so nobody sees anyone else's address; if you choose one message with everyone in BCC, check that no address ends up in To or Cc."

// Lists gives the recipients of a member list, checking that the actor may
// use it (the lists package implements it): the list's communication class
// (marketing, operational or democratic), and its people's ids and email
// addresses, index by index ("" when a person has none).
type Lists interface {
	Emails(ctx context.Context, listID string) (class string, subjectIDs, emails []string, err error)
}

// Unsubscribes makes a person's signed unsubscribe token for a purpose
// (the consent package implements it), for the link in a marketing
// message: BaseURL + "/u/" + token.
type Unsubscribes interface {
	UnsubscribeToken(ctx context.Context, subjectID, purpose string) (string, error)
}

// Suppressor is the suppression list (consent.Suppressions).
type Suppressor interface {
	SuppressedEach(ctx context.Context, p consent.Purpose, people []consent.Identifiers) ([]bool, error)
}

// Config holds the outbox's settings.
type Config struct {
	// From is the sender's address ("Union <noreply@union.example>").
	From string
	// BaseURL is Steward's public address (https://steward.example), for
	// unsubscribe links.
	BaseURL string
	// MaxAttempts is how many times a message is tried before it is
	// recorded as failed (default 6).
	MaxAttempts int
	// Backoff is the wait after the first failure, doubled after each
	// further one, at most 6 hours (default one minute).
	Backoff time.Duration
	// KeepBodies is how long a sent or failed message's body is kept
	// before it is dropped (default 30 days).
	KeepBodies time.Duration
	// Batch bounds the messages one delivery round takes (default 100).
	Batch int
}

// Service is the outbox.
type Service struct {
	db     *store.DB
	vault  *vault.Vault
	audit  *audit.Log
	sup    Suppressor
	log    *slog.Logger
	cfg    Config
	from   *mail.Address
	mailer Mailer
	lists  Lists
	unsubs Unsubscribes
	// prefLinks and addresses serve SendPreferenceLink.
	prefLinks PreferenceLinks
	addresses Addresses
	leaseFor  time.Duration
}

// New returns the outbox. A From address that does not parse is an error.
func New(db *store.DB, v *vault.Vault, al *audit.Log, sup Suppressor, log *slog.Logger, cfg Config) (*Service, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if cfg.MaxAttempts <= 0 {
		cfg.MaxAttempts = 6
	}
	if cfg.Backoff <= 0 {
		cfg.Backoff = time.Minute
	}
	if cfg.KeepBodies <= 0 {
		cfg.KeepBodies = 30 * 24 * time.Hour
	}
	if cfg.Batch <= 0 {
		cfg.Batch = 100
	}
	s := &Service{db: db, vault: v, audit: al, sup: sup, log: log, cfg: cfg, leaseFor: 10 * time.Minute}
	if err := s.UseSender(cfg.From, cfg.BaseURL); err != nil {
		return nil, err
	}
	return s, nil
}

// UseSender sets the sender's address and Steward's public address (for
// unsubscribe links), while wiring. An address that does not parse is an
// error.
func (s *Service) UseSender(from, baseURL string) error {
	s.cfg.From, s.cfg.BaseURL = strings.TrimSpace(from), strings.TrimRight(strings.TrimSpace(baseURL), "/")
	s.from = nil
	if s.cfg.From != "" {
		a, err := mail.ParseAddress(s.cfg.From)
		if err != nil {
			return fmt.Errorf("notify: the sender address %q is not an email address: %w", s.cfg.From, err)
		}
		s.from = a
	}
	return nil
}

// UseMailer sets how messages leave (an SMTP server); without one they
// wait in the outbox.
func (s *Service) UseMailer(m Mailer) { s.mailer = m }

// UseLists sets where group emails find their recipients.
func (s *Service) UseLists(l Lists) { s.lists = l }

// UseUnsubscribes sets how marketing messages get their unsubscribe links.
func (s *Service) UseUnsubscribes(u Unsubscribes) { s.unsubs = u }

// Configured reports whether messages can leave: a mail server is set.
func (s *Service) Configured() bool { return s.mailer != nil }

// senderContext is ctx acting as Steward itself, narrowed to checking the
// suppression list: the delivery loop reads nothing else.
func senderContext(ctx context.Context) context.Context {
	return access.WithActor(ctx, &access.Actor{AccountID: access.SystemActorID, Username: "outbox", Via: access.ViaSystem,
		Grants: []access.Grant{{Role: access.RoleRep}}, TokenPerms: []access.Permission{access.PermConsentRecord}})
}

func (s *Service) record(ctx context.Context, action, entityID, subjectID string, detail map[string]string) error {
	_, err := s.audit.Append(ctx, audit.Event{ActorID: access.ActorID(ctx), Action: action, Entity: "outbox",
		EntityID: entityID, SubjectID: subjectID, Purpose: "email", Detail: detail})
	if err != nil {
		return fmt.Errorf("audit %s: %w", action, err)
	}
	return nil
}

func field(id, column string) vault.Field {
	return vault.Field{Table: "outbox", Column: column, Row: id}
}

// seal seals under the person's key when the row is for one person, so
// erasing them makes it unreadable, else under the system key.
func (s *Service) seal(ctx context.Context, subjectID, id, column string, b []byte) ([]byte, error) {
	if subjectID != "" {
		return s.vault.Seal(ctx, subjectID, field(id, column), b)
	}
	return s.vault.SealSystem(field(id, column), b)
}

func (s *Service) open(ctx context.Context, subjectID, id, column string, b []byte) ([]byte, error) {
	if subjectID != "" {
		return s.vault.Open(ctx, subjectID, field(id, column), b)
	}
	return s.vault.OpenSystem(field(id, column), b)
}

// ErrNoMailer is returned by Deliver when no mail server is set.
var ErrNoMailer = errors.New("notify: no mail server configured")
