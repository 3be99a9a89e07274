package lists

import (
	"context"
	"fmt"
	"strconv"

	"github.com/stewardhq/steward/internal/access"
	"github.com/stewardhq/steward/internal/apperr"
	"github.com/stewardhq/steward/internal/audit"
	"github.com/stewardhq/steward/internal/store"
)

// HolderLeft brings the delete-by date of every list a leaver still holds
// forward to now, in the caller's transaction. A rep who leaves is no
// longer authorised to hold members' data (rep's guide, "Leaving the
// role"), so their lists are outstanding at once, on the DPO's dashboard,
// until the deletion of every copy is confirmed. It returns how many lists
// that made outstanding.
func (s *Service) HolderLeft(ctx context.Context, accountID string) (int, error) {
	a := access.ActorFrom(ctx)
	if a == nil {
		return 0, apperr.New(apperr.Unauthenticated, "Please sign in.")
	}
	// The same people who may record a leaving (governance.Leave).
	if !a.Can(access.PermGovernanceManage) && !a.Can(access.PermAccountsManage) {
		return 0, apperr.New(apperr.Forbidden, "Only the DPO or an administrator can record that a list holder has left.")
	}
	n := 0
	err := s.db.InTx(ctx, func(ctx context.Context, tx *store.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE member_lists SET expires_at = $1 WHERE holder_id = $2 AND deleted_at IS NULL AND expires_at > $1`,
			store.Millis(tx.Now()), accountID)
		if err != nil {
			return fmt.Errorf("bring the leaver's lists forward: %w", err)
		}
		got, err := res.RowsAffected()
		if err != nil {
			return fmt.Errorf("bring the leaver's lists forward: %w", err)
		}
		n = int(got)
		if n == 0 {
			return nil
		}
		_, err = s.audit.Append(ctx, audit.Event{ActorID: a.AccountID, Action: "member_list.holder_left", Entity: "account",
			EntityID: accountID, Purpose: "member_list", Detail: map[string]string{"lists": strconv.Itoa(n)}})
		if err != nil {
			return fmt.Errorf("audit member_list.holder_left: %w", err)
		}
		return nil
	})
	return n, err
}
