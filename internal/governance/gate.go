package governance

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/stewardhq/steward/internal/access"
	"github.com/stewardhq/steward/internal/store"
)

// PolicyStatus is one policy version an account must acknowledge.
type PolicyStatus struct {
	PolicyID       string    `json:"policy_id"`
	Title          string    `json:"title"`
	Version        string    `json:"version"`
	AcknowledgedAt time.Time `json:"acknowledged_at,omitzero"`
}

// TrainingStatus is one course an account must hold a current completion of.
type TrainingStatus struct {
	CourseID  string `json:"course_id"`
	Course    string `json:"course"`
	ExpiresOn string `json:"expires_on,omitempty" doc:"The day the latest completion stops counting (YYYY-MM-DD); empty when never completed"`
	Current   bool   `json:"current"`
}

// Status is an account's onboarding checklist as the gate reads it.
type Status struct {
	AccountID string `json:"account_id"`
	// Gated: the account's roles put it behind the gate.
	Gated bool `json:"gated"`
	// LeftOn is the date the account left the role, if it has.
	LeftOn             string           `json:"left_on,omitempty"`
	Policies           []PolicyStatus   `json:"policies"`
	Training           []TrainingStatus `json:"training"`
	DeclaredAt         time.Time        `json:"declared_at,omitzero"`
	DeclarationExpires time.Time        `json:"declaration_expires_at,omitzero"`
	DeclarationCurrent bool             `json:"declaration_current"`
	// Missing lists what is still to do, in words, in checklist order.
	Missing []string `json:"missing"`
	// Complete: nothing holds the account's access to personal data.
	Complete bool `json:"complete"`
}

// Hold implements access.Gate. Accounts that are not gated cost one small
// query (have they left?); gated ones two.
func (s *Service) Hold(ctx context.Context, accountID string, grants []access.Grant) (string, error) {
	st, err := s.status(ctx, accountID, grants)
	if err != nil {
		return "", err
	}
	return holdMessage(st), nil
}

// holdMessage says why access is paused and what to do, or "" when it is
// not.
func holdMessage(st *Status) string {
	if st.LeftOn != "" {
		return "Your access to members' personal data has ended: you left the role on " + st.LeftOn + ". A leaving cannot be undone: if you take up a role again, ask an administrator for a new account, which starts its own onboarding."
	}
	if st.Complete {
		return ""
	}
	return "Your access to members' personal data is paused until your onboarding checklist is complete: " +
		strings.Join(st.Missing, ", ") + ". Open Onboarding from the menu."
}

// status reads an account's checklist in at most two queries.
func (s *Service) status(ctx context.Context, accountID string, grants []access.Grant) (*Status, error) {
	st := &Status{AccountID: accountID, Gated: s.gated(grants), Policies: []PolicyStatus{}, Training: []TrainingStatus{}, Missing: []string{}}
	q := s.db.Q(ctx)
	now := s.db.Now()
	var leftOn sql.NullString
	var declared, expires sql.NullInt64
	err := q.QueryRowContext(ctx, `SELECT
		(SELECT left_on FROM governance_leavers WHERE account_id = $1),
		(SELECT MAX(declared_at) FROM governance_declarations WHERE account_id = $1),
		(SELECT MAX(expires_at) FROM governance_declarations WHERE account_id = $1)`, accountID).Scan(&leftOn, &declared, &expires)
	if err != nil {
		return nil, fmt.Errorf("read leaving and declaration: %w", err)
	}
	st.LeftOn = leftOn.String
	st.DeclaredAt, st.DeclarationExpires = store.NullMillis(declared), store.NullMillis(expires)
	st.DeclarationCurrent = expires.Valid && now.Before(st.DeclarationExpires)
	if !st.Gated || st.LeftOn != "" {
		st.Complete = st.LeftOn == ""
		return st, nil
	}
	// The current version of each policy is the newest published; only
	// current versions that require acknowledgement count. Courses count
	// when they name roles; their latest expiry decides.
	rows, err := q.QueryContext(ctx, `SELECT 'policy', p.id, p.title, p.version, p.roles, a.acknowledged_at, ''
		FROM governance_policies p
		LEFT JOIN governance_acknowledgements a ON a.policy_id = p.id AND a.account_id = $1
		WHERE p.requires_ack = 1 AND NOT EXISTS (SELECT 1 FROM governance_policies n WHERE n.policy_key = p.policy_key
			AND (n.published_at > p.published_at OR (n.published_at = p.published_at AND n.id > p.id)))
		UNION ALL
		SELECT 'course', c.id, c.name, '', c.roles, CAST(NULL AS BIGINT),
			COALESCE((SELECT MAX(t.expires_on) FROM governance_training t WHERE t.course_id = c.id AND t.account_id = $1), '')
		FROM governance_courses c WHERE c.roles <> ''`, accountID)
	if err != nil {
		return nil, fmt.Errorf("read checklist: %w", err)
	}
	defer rows.Close()
	today := s.today(now)
	var policyMissing, trainingMissing []string
	for rows.Next() {
		var kind, id, title, version, roles, exp string
		var acked sql.NullInt64
		if err := rows.Scan(&kind, &id, &title, &version, &roles, &acked, &exp); err != nil {
			return nil, fmt.Errorf("scan checklist: %w", err)
		}
		if !appliesTo(splitRoles(roles), grants) {
			continue
		}
		switch kind {
		case "policy":
			p := PolicyStatus{PolicyID: id, Title: title, Version: version, AcknowledgedAt: store.NullMillis(acked)}
			st.Policies = append(st.Policies, p)
			if !acked.Valid {
				policyMissing = append(policyMissing, "acknowledge the "+title+" "+version)
			}
		case "course":
			t := TrainingStatus{CourseID: id, Course: title, ExpiresOn: exp, Current: exp != "" && today < exp}
			st.Training = append(st.Training, t)
			switch {
			case exp == "":
				trainingMissing = append(trainingMissing, "complete "+title+" training")
			case !t.Current:
				trainingMissing = append(trainingMissing, "renew "+title+" training (it expired on "+exp+")")
			}
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read checklist: %w", err)
	}
	st.Missing = append(st.Missing, policyMissing...)
	st.Missing = append(st.Missing, trainingMissing...)
	switch {
	case !declared.Valid:
		st.Missing = append(st.Missing, "make the device-security declaration")
	case !st.DeclarationCurrent:
		st.Missing = append(st.Missing, "renew the device-security declaration (a year has passed)")
	}
	st.Complete = len(st.Missing) == 0
	return st, nil
}
