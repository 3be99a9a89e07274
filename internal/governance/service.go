// Package governance runs onboarding and offboarding of the people who
// handle members' data: policy documents with versions and who
// acknowledged them, training records with their expiry, the yearly
// device-security declaration, and leaving the role with its checklist.
//
// The Service is also the access gate (access.Gate): an account holding a
// gated role (rep and officer by default) reaches personal data only while
// its checklist is complete, and never again once it has left.
package governance

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/stewardhq/steward/internal/access"
	"github.com/stewardhq/steward/internal/apperr"
	"github.com/stewardhq/steward/internal/audit"
	"github.com/stewardhq/steward/internal/calendar"
	"github.com/stewardhq/steward/internal/store"
)

// Recorder appends audit events inside the caller's transaction.
type Recorder interface {
	Append(ctx context.Context, e audit.Event) (int64, error)
}

// Config holds the onboarding settings. Zero values take defaults.
type Config struct {
	// GatedRoles are the roles whose personal-data access waits for a
	// complete checklist. Default: rep and officer. An account that also
	// holds the DPO role is never gated (it runs the programme).
	GatedRoles []access.Role
	// DeclarationValidity is how long a device declaration holds.
	// Default: one year.
	DeclarationValidity time.Duration
}

func (c Config) withDefaults() Config {
	if len(c.GatedRoles) == 0 {
		c.GatedRoles = []access.Role{access.RoleRep, access.RoleOfficer}
	}
	if c.DeclarationValidity == 0 {
		c.DeclarationValidity = 365 * 24 * time.Hour
	}
	return c
}

// Service is the governance service.
type Service struct {
	db     *store.DB
	audit  Recorder
	access *access.Service
	log    *slog.Logger
	cfg    Config
	london *time.Location

	lists    Holdings
	requests Holdings
	cases    Casework
}

// New returns the governance service.
func New(db *store.DB, rec Recorder, acc *access.Service, log *slog.Logger, cfg Config) *Service {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	loc, err := calendar.London()
	if err != nil {
		log.Warn("governance: dates fall back to UTC", "err", err)
		loc = time.UTC
	}
	return &Service{db: db, audit: rec, access: acc, log: log, cfg: cfg.withDefaults(), london: loc}
}

// Config returns the settings in force.
func (s *Service) Config() Config { return s.cfg }

// today is the UK calendar date now.
func (s *Service) today(now time.Time) string { return now.In(s.london).Format(time.DateOnly) }

func (s *Service) record(ctx context.Context, action, entity, entityID string, detail map[string]string) error {
	_, err := s.audit.Append(ctx, audit.Event{ActorID: access.ActorID(ctx), Action: action, Entity: entity, EntityID: entityID, Detail: detail})
	if err != nil {
		return fmt.Errorf("audit %s: %w", action, err)
	}
	return nil
}

// requireManage is governance:manage (the DPO).
func requireManage(ctx context.Context) (*access.Actor, error) {
	return access.Require(ctx, access.PermGovernanceManage)
}

// requireOwnWord is the actor acting on their own account in a way only
// the person can: acknowledging a policy, making the device declaration.
// Together these switch the gate off, so a token limited to some
// permissions (a read-only one in a script, say) may not do them.
func requireOwnWord(ctx context.Context, what string) (*access.Actor, error) {
	a, err := access.Require(ctx, access.PermSelf)
	if err != nil {
		return nil, err
	}
	if a.Via == access.ViaToken && len(a.TokenPerms) > 0 {
		return nil, apperr.New(apperr.Forbidden, "A limited API token cannot %s: do it yourself on the Onboarding page, or with a token that is not limited.", what)
	}
	return a, nil
}

// gated reports whether grants put an account behind the gate.
func (s *Service) gated(grants []access.Grant) bool {
	g := false
	for _, gr := range grants {
		if gr.Role == access.RoleDPO {
			return false
		}
		if slices.Contains(s.cfg.GatedRoles, gr.Role) {
			g = true
		}
	}
	return g
}

// appliesTo reports whether a requirement for roles binds an account
// holding grants.
func appliesTo(roles []access.Role, grants []access.Grant) bool {
	for _, g := range grants {
		if slices.Contains(roles, g.Role) {
			return true
		}
	}
	return false
}

func joinRoles(rs []access.Role) string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = string(r)
	}
	return strings.Join(out, ",")
}

func splitRoles(s string) []access.Role {
	var out []access.Role
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, access.Role(p))
		}
	}
	return out
}

// parseRoles validates role names from a form or the API.
func parseRoles(in []string) ([]access.Role, error) {
	var out []access.Role
	for _, r := range in {
		r = strings.TrimSpace(r)
		if r == "" {
			continue
		}
		role, ok := access.ParseRole(r)
		if !ok {
			return nil, apperr.New(apperr.Invalid, "Unknown role %q: use one of dpo, membership, officer, rep, trustee, admin.", r)
		}
		if !slices.Contains(out, role) {
			out = append(out, role)
		}
	}
	return out, nil
}

// parseDate reads a YYYY-MM-DD date; empty means today.
func (s *Service) parseDate(v, what string, now time.Time) (calendar.Date, error) {
	if strings.TrimSpace(v) == "" {
		v = s.today(now)
	}
	d, err := calendar.ParseDate(strings.TrimSpace(v))
	if err != nil {
		return calendar.Date{}, apperr.New(apperr.Invalid, "The %s %q is not a date: write it as YYYY-MM-DD.", what, v)
	}
	if d.String() > s.today(now) {
		return calendar.Date{}, apperr.New(apperr.Invalid, "The %s %s is in the future: record it once it has happened.", what, d)
	}
	return d, nil
}

func addMonths(d calendar.Date, n int) string { return calendar.AddMonths(d, n).String() }
