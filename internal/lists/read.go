package lists

import (
	"context"
	"fmt"
	"slices"
	"strconv"

	"github.com/stewardhq/steward/internal/access"
	"github.com/stewardhq/steward/internal/apperr"
	"github.com/stewardhq/steward/internal/store"
	"github.com/stewardhq/steward/internal/subjects"
)

// Mine returns the actor's own lists, newest first: the ones they still
// hold and, with all, those they confirmed deleted too.
func (s *Service) Mine(ctx context.Context, all bool) ([]List, error) {
	a, err := signedIn(ctx)
	if err != nil {
		return nil, err
	}
	where := `holder_id = $1`
	if !all {
		where += ` AND deleted_at IS NULL`
	}
	return s.query(ctx, where, a.AccountID)
}

// Get returns one list the actor may see: their own, or any in a unit
// where they approve disclosures.
func (s *Service) Get(ctx context.Context, id string) (*List, error) {
	a, err := signedIn(ctx)
	if err != nil {
		return nil, err
	}
	r, err := s.visible(ctx, a, id)
	if err != nil {
		return nil, err
	}
	return &r.List, nil
}

// ConfirmDeleted records that every copy of the list is deleted. The
// holder confirms it; the DPO, or an officer over the unit, may record it
// on the holder's word (when the holder has left, say). Confirming twice
// changes nothing.
func (s *Service) ConfirmDeleted(ctx context.Context, id string) (*List, error) {
	a, err := signedIn(ctx)
	if err != nil {
		return nil, err
	}
	var out *List
	err = s.db.InTx(ctx, func(ctx context.Context, tx *store.Tx) error {
		r, err := s.visible(ctx, a, id)
		if err != nil {
			return err
		}
		if r.DeletedAt == nil {
			who := "holder"
			if r.HolderID != a.AccountID {
				who = "on_holders_word"
			}
			if err := s.markDeleted(ctx, tx, r.ID, who); err != nil {
				return err
			}
		}
		got, err := s.load(ctx, id)
		if err != nil {
			return err
		}
		out = &got.List
		return nil
	})
	return out, err
}

func (s *Service) markDeleted(ctx context.Context, tx *store.Tx, id, who string) error {
	res, err := tx.ExecContext(ctx, `UPDATE member_lists SET deleted_at = $1, deleted_by = $2 WHERE id = $3 AND deleted_at IS NULL`,
		store.Millis(tx.Now()), access.ActorID(ctx), id)
	if err != nil {
		return fmt.Errorf("confirm the list deleted: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("confirm the list deleted: %w", err)
	} else if n == 0 {
		return nil // confirmed meanwhile (another tab): one event is enough
	}
	return s.record(ctx, "member_list.deleted", id, "", map[string]string{"confirmed_by": who})
}

// HeldBy returns the lists an account holds (not confirmed deleted),
// newest first, for their dashboard and for offboarding: everything a
// leaving rep must delete. The account itself may ask, and so may the DPO
// (governance:manage) or an administrator over accounts (offboarding);
// an officer who approves disclosures sees those in their own units.
func (s *Service) HeldBy(ctx context.Context, accountID string) ([]List, error) {
	a := access.ActorFrom(ctx)
	if a == nil {
		return nil, apperr.New(apperr.Unauthenticated, "Please sign in.")
	}
	switch {
	case a.AccountID == accountID, a.Can(access.PermGovernanceManage), a.Can(access.PermAccountsManage):
		return s.query(ctx, `holder_id = $1 AND deleted_at IS NULL`, accountID)
	case a.Can(access.PermDisclosures):
		where, args := access.ScopeWhere("unit_path", a.Scope(access.PermDisclosures), 2)
		return s.query(ctx, `holder_id = $1 AND deleted_at IS NULL AND `+where, append([]any{accountID}, args...)...)
	}
	return nil, apperr.New(apperr.Forbidden, "Only the holder, the DPO or an officer over their unit can see the lists someone holds.")
}

// Outstanding returns every list past its expiry and not confirmed
// deleted, in the units where the actor approves disclosures (the DPO:
// all of them), newest first, each with its holder.
func (s *Service) Outstanding(ctx context.Context) ([]List, error) {
	a, err := access.Require(ctx, access.PermDisclosures)
	if err != nil {
		return nil, err
	}
	where, args := access.ScopeWhere("unit_path", a.Scope(access.PermDisclosures), 1)
	args = append(args, store.Millis(s.db.Now()))
	return s.query(ctx, where+` AND deleted_at IS NULL AND expires_at <= $`+strconv.Itoa(len(args)), args...)
}

// peopleOf returns the subject ids on a list.
func (s *Service) peopleOf(ctx context.Context, listID string) ([]string, error) {
	rows, err := s.db.Q(ctx).QueryContext(ctx, `SELECT subject_id FROM member_list_people WHERE list_id = $1 ORDER BY subject_id`, listID)
	if err != nil {
		return nil, fmt.Errorf("people on the list: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("people on the list: %w", err)
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

// Emails returns the email addresses of the people on a list, for the
// group email sender, with the list's class. Only the holder may send to
// their list, and only when its purpose includes email. Everyone is
// checked again at the moment of sending: people since restricted, who
// left, or who (for marketing) objected or withdrew consent are left out.
// People without an address are left out too. The read is audited (list
// id and how many addresses).
func (s *Service) Emails(ctx context.Context, listID string) (class string, subjectIDs, emails []string, err error) {
	a, err := access.Require(ctx, access.PermListsRequest)
	if err != nil {
		return "", nil, nil, err
	}
	r, err := s.ownList(ctx, a, listID)
	if err != nil {
		return "", nil, nil, err
	}
	if !slices.Contains(r.Fields, FieldEmail) {
		return "", nil, nil, apperr.New(apperr.Invalid, "This list's purpose (%s) does not include email addresses: ask for a list for a purpose that does, such as a meeting notice.", r.PurposeLabel)
	}
	if r.DeletedAt != nil {
		return "", nil, nil, apperr.New(apperr.Conflict, "This list was confirmed deleted: ask for a fresh one.")
	}
	purpose, err := PurposeByCode(r.Purpose)
	if err != nil {
		return "", nil, nil, err
	}
	ids, err := s.peopleOf(ctx, r.ID)
	if err != nil {
		return "", nil, nil, err
	}
	if len(ids) == 0 {
		ids = []string{}
	}
	people, _, err := s.choose(ctx, purpose, subjects.ListQuery{UnitPath: r.unitPath, Kinds: listKinds(), IDs: ids})
	if err != nil {
		return "", nil, nil, err
	}
	if err := s.people.OpenForList(ctx, people); err != nil {
		return "", nil, nil, err
	}
	for _, p := range people {
		if p.Erased || p.Profile.Email == "" {
			continue
		}
		subjectIDs = append(subjectIDs, p.ID)
		emails = append(emails, p.Profile.Email)
	}
	err = s.record(ctx, "member_list.emails_read", r.ID, "", map[string]string{"class": string(r.Class),
		"on_list": strconv.Itoa(len(ids)), "addresses": strconv.Itoa(len(emails)), "stale": strconv.FormatBool(r.Stale)})
	if err != nil {
		return "", nil, nil, err
	}
	return string(r.Class), subjectIDs, emails, nil
}
