package consent

import (
	"context"
	"fmt"

	"github.com/stewardhq/steward/internal/access"
	"github.com/stewardhq/steward/internal/store"
)

// PurposeCount is one purpose on the register page.
type PurposeCount struct {
	PurposeInfo
	Given     int
	Withdrawn int
	Wording   *Wording
}

// Overview is the consent and opt-out register for the caller's units:
// counts per purpose, the recent changes, and the suppression list's size.
type Overview struct {
	Purposes     []PurposeCount
	Recent       []Event
	Suppressions int
}

// Overview reads the register page for an actor holding consent:record
// or rights:manage. It shows ids and codes, no one's details, so it is not
// audited as a read of anyone's data.
func (s *Service) Overview(ctx context.Context) (*Overview, error) {
	a, err := requireAny(ctx, readPerms)
	if err != nil {
		return nil, err
	}
	var paths []string
	for _, p := range readPerms {
		paths = append(paths, a.Scope(p)...)
	}
	where, args := access.ScopeWhere("unit_path", paths, 1)
	q := s.db.Q(ctx)
	out := &Overview{}
	counts := map[string][2]int{}
	rows, err := q.QueryContext(ctx, `SELECT purpose, given, count(*) FROM consent_current WHERE `+where+` GROUP BY purpose, given`, args...)
	if err != nil {
		return nil, fmt.Errorf("count consents: %w", err)
	}
	for rows.Next() {
		var p string
		var g, n int64
		if err := rows.Scan(&p, &g, &n); err != nil {
			rows.Close()
			return nil, fmt.Errorf("count consents: %w", err)
		}
		c := counts[p]
		c[g] = int(n)
		counts[p] = c
	}
	rows.Close()
	words, err := s.CurrentWordings(ctx)
	if err != nil {
		return nil, err
	}
	for _, info := range Catalogue() {
		pc := PurposeCount{PurposeInfo: info, Given: counts[info.Code][1], Withdrawn: counts[info.Code][0]}
		if w, ok := words[info.Code]; ok {
			pc.Wording = &w
		}
		out.Purposes = append(out.Purposes, pc)
	}
	rows, err = q.QueryContext(ctx, `SELECT id, subject_id, purpose, given, at, channel, COALESCE(actor_id, '') FROM consent_events WHERE `+where+
		` ORDER BY at DESC, id DESC LIMIT 50`, args...)
	if err != nil {
		return nil, fmt.Errorf("recent consents: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var e Event
		var g, at int64
		var ch string
		if err := rows.Scan(&e.ID, &e.SubjectID, &e.Purpose, &g, &at, &ch, &e.ActorID); err != nil {
			return nil, fmt.Errorf("recent consents: %w", err)
		}
		e.Given, e.At, e.Channel = g == 1, store.FromMillis(at), Channel(ch)
		out.Recent = append(out.Recent, e)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if a.Can(access.PermRightsManage) {
		if err := q.QueryRowContext(ctx, `SELECT count(*) FROM suppressions WHERE lifted_at IS NULL`).Scan(&out.Suppressions); err != nil {
			return nil, fmt.Errorf("count suppressions: %w", err)
		}
	} else {
		out.Suppressions = -1
	}
	return out, nil
}
