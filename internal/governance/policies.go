package governance

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/stewardhq/steward/internal/access"
	"github.com/stewardhq/steward/internal/apperr"
	"github.com/stewardhq/steward/internal/store"
)

// Policy is one published version of a policy document.
type Policy struct {
	ID          string        `json:"id"`
	Key         string        `json:"key" doc:"Groups the versions of one policy; made from the title"`
	Title       string        `json:"title"`
	Version     string        `json:"version"`
	Body        string        `json:"body"`
	RequiresAck bool          `json:"requires_acknowledgement"`
	Roles       []access.Role `json:"roles" doc:"Roles that must acknowledge this version"`
	PublishedAt time.Time     `json:"published_at"`
	// Current: the newest version of its policy.
	Current bool `json:"current"`
}

// PolicyInput is a new version of a policy.
type PolicyInput struct {
	Title       string   `json:"title" doc:"The policy's name; the same title makes a new version of the same policy"`
	Version     string   `json:"version" doc:"The version label, e.g. v3 or 2026-1"`
	Body        string   `json:"body" doc:"The text people read before acknowledging, or a summary with where the full text is"`
	RequiresAck bool     `json:"requires_acknowledgement,omitempty"`
	Roles       []string `json:"roles,omitempty" doc:"Roles that must acknowledge, among the gated roles (rep, officer by default); default all of them"`
}

// policyKey makes the grouping key from a title: lower-case words joined
// by hyphens.
func policyKey(title string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(title) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			b.WriteRune(r)
			dash = false
		} else {
			dash = true
		}
	}
	return b.String()
}

// PublishPolicy publishes a version. It becomes current at once; if it
// requires acknowledgement, the roles it names lose personal-data access
// until they acknowledge it.
func (s *Service) PublishPolicy(ctx context.Context, in PolicyInput) (*Policy, error) {
	if _, err := requireManage(ctx); err != nil {
		return nil, err
	}
	in.Title, in.Version, in.Body = strings.TrimSpace(in.Title), strings.TrimSpace(in.Version), strings.TrimSpace(in.Body)
	key := policyKey(in.Title)
	switch {
	case key == "" || utf8.RuneCountInString(in.Title) > 200:
		return nil, apperr.New(apperr.Invalid, "Give the policy a title of 1 to 200 characters, e.g. Data protection policy.")
	case in.Version == "" || utf8.RuneCountInString(in.Version) > 40:
		return nil, apperr.New(apperr.Invalid, "Give the version a label of 1 to 40 characters, e.g. v3.")
	case in.Body == "" || len(in.Body) > 200_000:
		return nil, apperr.New(apperr.Invalid, "Give the policy's text (or a summary saying where the full text is), up to 200,000 characters.")
	}
	roles, err := s.requiredOf(in.Roles)
	if err != nil {
		return nil, err
	}
	p := &Policy{ID: store.NewID(), Key: key, Title: in.Title, Version: in.Version, Body: in.Body, RequiresAck: in.RequiresAck, Roles: roles, Current: true}
	err = s.db.InTx(ctx, func(ctx context.Context, tx *store.Tx) error {
		p.PublishedAt = tx.Now()
		ack := 0
		if p.RequiresAck {
			ack = 1
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO governance_policies (id, policy_key, title, version, body, requires_ack, roles, published_at, published_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
			p.ID, key, p.Title, p.Version, p.Body, ack, joinRoles(roles), store.Millis(p.PublishedAt), access.ActorID(ctx))
		if store.IsUniqueViolation(err) {
			return apperr.New(apperr.Conflict, "%s %s is already published: give the new version another label.", p.Title, p.Version)
		}
		if err != nil {
			return fmt.Errorf("insert policy: %w", err)
		}
		return s.record(ctx, "governance.policy_publish", "policy", p.ID, map[string]string{"key": key, "version": p.Version, "requires_ack": fmt.Sprint(p.RequiresAck), "roles": joinRoles(roles)})
	})
	if err != nil {
		return nil, err
	}
	return p, nil
}

// requiredOf reads the roles a policy or course is required of: the
// gated roles when none are named, and only gated roles, since the
// checklist of any other role is never asked for (a requirement of it
// would be recorded and bind nobody).
func (s *Service) requiredOf(in []string) ([]access.Role, error) {
	roles, err := parseRoles(in)
	if err != nil {
		return nil, err
	}
	if len(roles) == 0 {
		return s.cfg.GatedRoles, nil
	}
	for _, r := range roles {
		if !slices.Contains(s.cfg.GatedRoles, r) {
			return nil, apperr.New(apperr.Invalid, "%s accounts do not wait for an onboarding checklist, so nothing would ask them for this: require it of %s only.", r, joinRoles(s.cfg.GatedRoles))
		}
	}
	return roles, nil
}

const policyCols = `p.id, p.policy_key, p.title, p.version, p.body, p.requires_ack, p.roles, p.published_at,
	NOT EXISTS (SELECT 1 FROM governance_policies n WHERE n.policy_key = p.policy_key AND (n.published_at > p.published_at OR (n.published_at = p.published_at AND n.id > p.id)))`

func scanPolicy(sc interface{ Scan(...any) error }) (*Policy, error) {
	var p Policy
	var ack int
	var roles string
	var at int64
	if err := sc.Scan(&p.ID, &p.Key, &p.Title, &p.Version, &p.Body, &ack, &roles, &at, &p.Current); err != nil {
		return nil, err
	}
	p.RequiresAck, p.Roles, p.PublishedAt = ack == 1, splitRoles(roles), store.FromMillis(at)
	return &p, nil
}

// Policies lists every version of every policy, current ones first, for
// any signed-in account: policies are the organisation's rules, not
// personal data.
func (s *Service) Policies(ctx context.Context) ([]Policy, error) {
	if _, err := access.Require(ctx, access.PermSelf); err != nil {
		return nil, err
	}
	rows, err := s.db.Q(ctx).QueryContext(ctx, `SELECT `+policyCols+` FROM governance_policies p ORDER BY p.title, p.published_at DESC, p.id DESC`)
	if err != nil {
		return nil, fmt.Errorf("list policies: %w", err)
	}
	defer rows.Close()
	out := []Policy{}
	for rows.Next() {
		p, err := scanPolicy(rows)
		if err != nil {
			return nil, fmt.Errorf("scan policy: %w", err)
		}
		out = append(out, *p)
	}
	return out, rows.Err()
}

// Policy returns one version.
func (s *Service) Policy(ctx context.Context, id string) (*Policy, error) {
	if _, err := access.Require(ctx, access.PermSelf); err != nil {
		return nil, err
	}
	if !store.ValidID(id) {
		return nil, apperr.New(apperr.NotFound, "No policy with id %q.", id)
	}
	p, err := scanPolicy(s.db.Q(ctx).QueryRowContext(ctx, `SELECT `+policyCols+` FROM governance_policies p WHERE p.id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, apperr.New(apperr.NotFound, "No policy with id %q.", id)
	}
	if err != nil {
		return nil, fmt.Errorf("load policy: %w", err)
	}
	return p, nil
}

// Acknowledge records that the actor has read and accepts a policy
// version. Only the current version can be acknowledged; acknowledging
// twice changes nothing.
func (s *Service) Acknowledge(ctx context.Context, policyID string) error {
	a, err := requireOwnWord(ctx, "acknowledge a policy")
	if err != nil {
		return err
	}
	p, err := s.Policy(ctx, policyID)
	if err != nil {
		return err
	}
	if !p.Current {
		return apperr.New(apperr.Conflict, "%s %s has been replaced by a newer version: acknowledge the current one from your Onboarding page.", p.Title, p.Version)
	}
	return s.db.InTx(ctx, func(ctx context.Context, tx *store.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO governance_acknowledgements (policy_id, account_id, acknowledged_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`,
			p.ID, a.AccountID, store.Millis(tx.Now()))
		if err != nil {
			return fmt.Errorf("insert acknowledgement: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil
		}
		return s.record(ctx, "governance.policy_acknowledge", "policy", p.ID, map[string]string{"account_id": a.AccountID, "version": p.Version})
	})
}

// Course is a training course and how long a completion counts.
type Course struct {
	ID             string        `json:"id"`
	Name           string        `json:"name"`
	ValidityMonths int           `json:"validity_months"`
	Roles          []access.Role `json:"roles" doc:"Roles that must hold a current completion"`
}

// CourseInput adds a course.
type CourseInput struct {
	Name           string   `json:"name"`
	ValidityMonths int      `json:"validity_months" minimum:"1" maximum:"120"`
	Roles          []string `json:"roles,omitempty" doc:"Roles that must complete it, among the gated roles (rep, officer by default); default all of them"`
}

// CreateCourse adds a training course. Roles it names lose personal-data
// access until their completion is recorded.
func (s *Service) CreateCourse(ctx context.Context, in CourseInput) (*Course, error) {
	if _, err := requireManage(ctx); err != nil {
		return nil, err
	}
	in.Name = strings.TrimSpace(in.Name)
	if in.Name == "" || utf8.RuneCountInString(in.Name) > 120 {
		return nil, apperr.New(apperr.Invalid, "Give the course a name of 1 to 120 characters, e.g. GDPR for reps.")
	}
	if in.ValidityMonths < 1 || in.ValidityMonths > 120 {
		return nil, apperr.New(apperr.Invalid, "A completion counts for 1 to 120 months; %d is outside that.", in.ValidityMonths)
	}
	roles, err := s.requiredOf(in.Roles)
	if err != nil {
		return nil, err
	}
	c := &Course{ID: store.NewID(), Name: in.Name, ValidityMonths: in.ValidityMonths, Roles: roles}
	err = s.db.InTx(ctx, func(ctx context.Context, tx *store.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO governance_courses (id, name, validity_months, roles, created_at) VALUES ($1, $2, $3, $4, $5)`,
			c.ID, c.Name, c.ValidityMonths, joinRoles(roles), store.Millis(tx.Now()))
		if store.IsUniqueViolation(err) {
			return apperr.New(apperr.Conflict, "There is already a course called %q.", c.Name)
		}
		if err != nil {
			return fmt.Errorf("insert course: %w", err)
		}
		return s.record(ctx, "governance.course_create", "course", c.ID, map[string]string{"months": fmt.Sprint(c.ValidityMonths), "roles": joinRoles(roles)})
	})
	if err != nil {
		return nil, err
	}
	return c, nil
}

// Courses lists the courses.
func (s *Service) Courses(ctx context.Context) ([]Course, error) {
	if _, err := access.Require(ctx, access.PermSelf); err != nil {
		return nil, err
	}
	rows, err := s.db.Q(ctx).QueryContext(ctx, `SELECT id, name, validity_months, roles FROM governance_courses ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("list courses: %w", err)
	}
	defer rows.Close()
	out := []Course{}
	for rows.Next() {
		var c Course
		var roles string
		if err := rows.Scan(&c.ID, &c.Name, &c.ValidityMonths, &roles); err != nil {
			return nil, err
		}
		c.Roles = splitRoles(roles)
		out = append(out, c)
	}
	return out, rows.Err()
}

// TrainingRecord is one completion of a course.
type TrainingRecord struct {
	ID          string    `json:"id"`
	CourseID    string    `json:"course_id"`
	Course      string    `json:"course"`
	AccountID   string    `json:"account_id"`
	CompletedOn string    `json:"completed_on"`
	ExpiresOn   string    `json:"expires_on" doc:"The day the completion stops counting"`
	RecordedBy  string    `json:"recorded_by"`
	RecordedAt  time.Time `json:"recorded_at"`
}

// RecordTraining records that an account completed a course on a date
// (today when empty). It counts until the course's validity has passed.
func (s *Service) RecordTraining(ctx context.Context, accountID, courseID, completedOn string) (*TrainingRecord, error) {
	if _, err := requireManage(ctx); err != nil {
		return nil, err
	}
	acc, err := s.access.StaffByID(ctx, accountID)
	if err != nil {
		return nil, err
	}
	var c Course
	if !store.ValidID(courseID) {
		return nil, apperr.New(apperr.NotFound, "No course with id %q.", courseID)
	}
	err = s.db.Q(ctx).QueryRowContext(ctx, `SELECT id, name, validity_months FROM governance_courses WHERE id = $1`, courseID).Scan(&c.ID, &c.Name, &c.ValidityMonths)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, apperr.New(apperr.NotFound, "No course with id %q.", courseID)
	}
	if err != nil {
		return nil, fmt.Errorf("load course: %w", err)
	}
	done, err := s.parseDate(completedOn, "completion date", s.db.Now())
	if err != nil {
		return nil, err
	}
	t := &TrainingRecord{ID: store.NewID(), CourseID: c.ID, Course: c.Name, AccountID: acc.ID, CompletedOn: done.String(),
		ExpiresOn: addMonths(done, c.ValidityMonths), RecordedBy: access.ActorID(ctx)}
	err = s.db.InTx(ctx, func(ctx context.Context, tx *store.Tx) error {
		t.RecordedAt = tx.Now()
		if _, err := tx.ExecContext(ctx, `INSERT INTO governance_training (id, course_id, account_id, completed_on, expires_on, recorded_by, recorded_at) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
			t.ID, t.CourseID, t.AccountID, t.CompletedOn, t.ExpiresOn, t.RecordedBy, store.Millis(t.RecordedAt)); err != nil {
			return fmt.Errorf("insert training: %w", err)
		}
		return s.record(ctx, "governance.training_record", "account", acc.ID, map[string]string{"course_id": c.ID, "completed_on": t.CompletedOn, "expires_on": t.ExpiresOn})
	})
	if err != nil {
		return nil, err
	}
	return t, nil
}

// trainingOf lists an account's completions, newest first.
func (s *Service) trainingOf(ctx context.Context, accountID string) ([]TrainingRecord, error) {
	rows, err := s.db.Q(ctx).QueryContext(ctx, `SELECT t.id, t.course_id, c.name, t.account_id, t.completed_on, t.expires_on, t.recorded_by, t.recorded_at
		FROM governance_training t JOIN governance_courses c ON c.id = t.course_id WHERE t.account_id = $1 ORDER BY t.completed_on DESC, t.recorded_at DESC`, accountID)
	if err != nil {
		return nil, fmt.Errorf("list training: %w", err)
	}
	defer rows.Close()
	out := []TrainingRecord{}
	for rows.Next() {
		var t TrainingRecord
		var at int64
		if err := rows.Scan(&t.ID, &t.CourseID, &t.Course, &t.AccountID, &t.CompletedOn, &t.ExpiresOn, &t.RecordedBy, &at); err != nil {
			return nil, err
		}
		t.RecordedAt = store.FromMillis(at)
		out = append(out, t)
	}
	return out, rows.Err()
}
