package governance

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/stewardhq/steward/internal/apperr"
	"github.com/stewardhq/steward/internal/store"
)

// DeviceCheck is one statement of the device-security declaration, taken
// from the rep's guide (start of role, devices, online tools) and the lay
// officers' nine-step plan (steps 1, 2, 3, 5 and 6). The rep ticks each
// one to say it is true of every device they use for union work.
type DeviceCheck struct {
	Code      string `json:"code"`
	Statement string `json:"statement"`
}

// DeviceChecks lists the declaration's statements, all of which must be
// ticked.
func DeviceChecks() []DeviceCheck {
	return []DeviceCheck{
		{"screen_lock", "Every device I use for union work (laptop, PC, tablet, phone) needs a strong password, PIN or my own login to open, and locks itself when I leave it."},
		{"own_login", "On a shared device I use my own login; I never share my passwords or keep them with the device."},
		{"encryption", "My devices' storage is encrypted, and any USB stick or removable drive that holds members' data is encrypted or the files are password-protected."},
		{"updates", "My devices install security updates and are up to date."},
		{"antivirus", "My computers run up-to-date anti-virus protection and a firewall."},
		{"network", "I use members' data only over secured networks: my wireless network has a password, and I do not use open public Wi-Fi for it."},
		{"work_email", "I use the union's own email and services for members' data, not a personal email account."},
		{"cloud", "I do not keep members' data in cloud storage or online tools unless it is encrypted or password-protected, and I delete it there when it is no longer needed."},
		{"screen_privacy", "I shut down or lock my device when I step away and make sure nobody can see my screen when members' data is on it."},
	}
}

// Declaration is an account's device-security declaration.
type Declaration struct {
	Checks     []string  `json:"checks"`
	DeclaredAt time.Time `json:"declared_at"`
	ExpiresAt  time.Time `json:"expires_at"`
}

// Declare records the actor's device-security declaration. Every check
// must be ticked: a device that falls short must be put right first. It
// holds for a year (Config.DeclarationValidity), then must be renewed.
func (s *Service) Declare(ctx context.Context, checks []string) (*Declaration, error) {
	a, err := requireOwnWord(ctx, "make the device-security declaration")
	if err != nil {
		return nil, err
	}
	var missing []string
	var codes []string
	for _, c := range DeviceChecks() {
		if slices.Contains(checks, c.Code) {
			codes = append(codes, c.Code)
		} else {
			missing = append(missing, c.Statement)
		}
	}
	for _, c := range checks {
		if !slices.ContainsFunc(DeviceChecks(), func(d DeviceCheck) bool { return d.Code == c }) {
			return nil, apperr.New(apperr.Invalid, "Unknown device check %q: use the codes listed under device_checks in GET /api/v1/governance/onboarding.", c)
		}
	}
	if len(missing) > 0 {
		return nil, apperr.New(apperr.Invalid, "Every statement must be true before you declare: put your devices right, then tick %d more: %s", len(missing), strings.Join(missing, " "))
	}
	d := &Declaration{Checks: codes}
	err = s.db.InTx(ctx, func(ctx context.Context, tx *store.Tx) error {
		d.DeclaredAt = tx.Now()
		d.ExpiresAt = d.DeclaredAt.Add(s.cfg.DeclarationValidity)
		if _, err := tx.ExecContext(ctx, `INSERT INTO governance_declarations (id, account_id, checks, declared_at, expires_at) VALUES ($1, $2, $3, $4, $5)`,
			store.NewID(), a.AccountID, strings.Join(codes, ","), store.Millis(d.DeclaredAt), store.Millis(d.ExpiresAt)); err != nil {
			return fmt.Errorf("insert declaration: %w", err)
		}
		return s.record(ctx, "governance.device_declare", "account", a.AccountID, map[string]string{"checks": fmt.Sprint(len(codes)), "expires_at": d.ExpiresAt.Format(time.DateOnly)})
	})
	if err != nil {
		return nil, err
	}
	return d, nil
}
