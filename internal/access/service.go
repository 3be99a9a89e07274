// Package access holds accounts, sessions, API tokens, organisation units,
// roles and the permission catalogue. Every other service asks it, through
// the Actor in the context, who is acting and where they may act.
package access

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/stewardhq/steward/internal/audit"
	"github.com/stewardhq/steward/internal/store"
	"github.com/stewardhq/steward/internal/vault"
)

// Sealer seals staff secrets (TOTP seeds) under a system key.
type Sealer interface {
	SealSystem(f vault.Field, plaintext []byte) ([]byte, error)
	OpenSystem(f vault.Field, sealed []byte) ([]byte, error)
}

// Recorder appends audit events inside the caller's transaction.
type Recorder interface {
	Append(ctx context.Context, e audit.Event) (int64, error)
}

// Config holds the security settings of access. Zero values take defaults.
type Config struct {
	Hash            HashParams
	Issuer          string        // shown in authenticator apps
	IdleTimeout     time.Duration // session ends after this long unused
	AbsoluteTimeout time.Duration // and in any case after this long
	MaxFailures     int           // failed logins before a lockout
	Lockout         time.Duration // how long a lockout lasts
	TokenMaxTTL     time.Duration // longest life of an API token
	// DemoNoTOTP switches the second factor off for every account. Only
	// `steward demo` sets it, and every page then says so.
	DemoNoTOTP bool
}

func (c Config) withDefaults() Config {
	if c.Hash.Memory == 0 {
		c.Hash = DefaultHashParams()
	}
	if c.Issuer == "" {
		c.Issuer = "Steward"
	}
	if c.IdleTimeout == 0 {
		c.IdleTimeout = 30 * time.Minute
	}
	if c.AbsoluteTimeout == 0 {
		c.AbsoluteTimeout = 12 * time.Hour
	}
	if c.MaxFailures == 0 {
		c.MaxFailures = 5
	}
	if c.Lockout == 0 {
		c.Lockout = 15 * time.Minute
	}
	if c.TokenMaxTTL == 0 {
		c.TokenMaxTTL = 365 * 24 * time.Hour
	}
	return c
}

// Service is the access service.
type Service struct {
	db    *store.DB
	seal  Sealer
	audit Recorder
	log   *slog.Logger
	cfg   Config
	// gate, when set, holds accounts whose onboarding is incomplete or
	// who have left (see UseGate).
	gate Gate
	// dummyHash is verified against when a username does not exist, so a
	// failed login takes as long either way. Made on first need: most
	// commands never sign anyone in.
	dummyOnce sync.Once
	dummy     string
}

func (s *Service) dummyHash() string {
	s.dummyOnce.Do(func() {
		s.dummy, _ = HashPassword("steward-timing-equaliser", s.cfg.Hash)
	})
	return s.dummy
}

// New returns the access service.
func New(db *store.DB, seal Sealer, rec Recorder, log *slog.Logger, cfg Config) (*Service, error) {
	cfg = cfg.withDefaults()
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Service{db: db, seal: seal, audit: rec, log: log, cfg: cfg}, nil
}

// Config returns the settings in force.
func (s *Service) Config() Config { return s.cfg }

// record appends an audit event for the actor in ctx, in ctx's transaction.
func (s *Service) record(ctx context.Context, action, entity, entityID string, detail map[string]string) error {
	_, err := s.audit.Append(ctx, audit.Event{ActorID: ActorID(ctx), Action: action, Entity: entity, EntityID: entityID, Detail: detail})
	if err != nil {
		return fmt.Errorf("audit %s: %w", action, err)
	}
	return nil
}

// newSecret returns a random URL-safe secret with a prefix that tells what
// it is when it turns up somewhere it should not (a log, a paste).
func newSecret(prefix string) (string, []byte, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", nil, fmt.Errorf("random: %w", err)
	}
	s := prefix + base64.RawURLEncoding.EncodeToString(b)
	return s, hashSecret(s), nil
}

// hashSecret is a plain SHA-256: the secrets are 256-bit random, so a slow
// hash adds nothing, and lookups must be by hash.
func hashSecret(s string) []byte {
	h := sha256.Sum256([]byte(s))
	return h[:]
}
