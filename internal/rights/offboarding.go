package rights

import (
	"context"
	"fmt"

	"github.com/stewardhq/steward/internal/access"
)

// OpenLoggedBy lists the requests still open that an account logged, in
// the actor's managing scope, without what the requesters wrote. When a
// rep or officer leaves the role, the DPO sees what they were the contact
// for. It needs rights:manage.
func (s *Service) OpenLoggedBy(ctx context.Context, accountID string) ([]Request, error) {
	a, err := access.Require(ctx, access.PermRightsManage)
	if err != nil {
		return nil, err
	}
	where, args := access.ScopeWhere("unit_path", a.Scope(access.PermRightsManage), 1)
	args = append(args, accountID)
	q := `SELECT ` + rowCols + ` FROM rights_requests WHERE ` + where + fmt.Sprintf(` AND logged_by = $%d`, len(args)) + ` AND status <> 'closed' ORDER BY logged_at, id`
	rows, err := s.db.Q(ctx).QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("requests logged by an account: %w", err)
	}
	defer rows.Close()
	today := londonDay(s.db.Now())
	out := []Request{}
	for rows.Next() {
		r, err := scanRow(rows)
		if err != nil {
			return nil, fmt.Errorf("requests logged by an account: %w", err)
		}
		out = append(out, s.request(r, today))
	}
	return out, rows.Err()
}
