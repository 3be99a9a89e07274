package subjects

import (
	"context"
	"fmt"
	"strings"

	"github.com/stewardhq/steward/internal/access"
	"github.com/stewardhq/steward/internal/apperr"
	"github.com/stewardhq/steward/internal/consent"
	"github.com/stewardhq/steward/internal/store"
)

// Get returns one person the actor may read, and records the read in the
// audit trail in the same transaction: no read without its trace.
func (s *Service) Get(ctx context.Context, id, purpose string) (*Subject, error) {
	a, err := access.Require(ctx, access.PermSubjectsRead)
	if err != nil {
		return nil, err
	}
	var out *Subject
	err = s.db.InTx(ctx, func(ctx context.Context, tx *store.Tx) error {
		r, err := s.inScope(ctx, a, access.PermSubjectsRead, id)
		if err != nil {
			return err
		}
		if out, err = s.open(ctx, r, tx.Now().Format("2006-01-02")); err != nil {
			return err
		}
		return s.record(ctx, "subject.read", id, purpose, nil)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Filter narrows a list of people.
type Filter struct {
	UnitID string // within this unit's subtree (still within scope)
	Kind   Kind
	Status Status
	After  string // cursor: the last id of the previous page
	Limit  int
}

// MaxPage bounds a page of people.
const MaxPage = 200

// List returns a page of people in the actor's scope, ordered by id (which
// is creation order), and the cursor of the next page ("" at the end). Each
// person shown is a read of their data and is audited.
func (s *Service) List(ctx context.Context, f Filter) ([]Subject, string, error) {
	a, err := access.Require(ctx, access.PermSubjectsRead)
	if err != nil {
		return nil, "", err
	}
	if f.Limit <= 0 || f.Limit > MaxPage {
		f.Limit = 50
	}
	where, args := access.ScopeWhere("unit_path", a.Scope(access.PermSubjectsRead), 1)
	conds := []string{where}
	add := func(cond string, v any) {
		args = append(args, v)
		conds = append(conds, fmt.Sprintf(cond, len(args)))
	}
	if f.UnitID != "" {
		u, err := s.units.Unit(ctx, f.UnitID)
		if err != nil {
			return nil, "", err
		}
		add("unit_path LIKE $%d", u.Path+"%")
	}
	if f.Kind != "" {
		add("kind = $%d", string(f.Kind))
	}
	if f.Status != "" {
		add("status = $%d", string(f.Status))
	}
	if f.After != "" {
		add("id > $%d", f.After)
	}
	args = append(args, f.Limit+1)
	q := `SELECT ` + rowCols + ` FROM subjects WHERE ` + strings.Join(conds, " AND ") + fmt.Sprintf(` ORDER BY id LIMIT $%d`, len(args))
	out, err := s.readRows(ctx, "subject.list", q, args...)
	if err != nil {
		return nil, "", err
	}
	next := ""
	if len(out) > f.Limit {
		out = out[:f.Limit]
		next = out[len(out)-1].ID
	}
	return out, next, nil
}

// readRows runs a query for subject rows, opens them and audits each read,
// in one transaction.
func (s *Service) readRows(ctx context.Context, action, q string, args ...any) ([]Subject, error) {
	var out []Subject
	err := s.db.InTx(ctx, func(ctx context.Context, tx *store.Tx) error {
		rows, err := tx.QueryContext(ctx, q, args...)
		if err != nil {
			return fmt.Errorf("list people: %w", err)
		}
		var rs []*row
		for rows.Next() {
			r, err := scanRow(rows)
			if err != nil {
				rows.Close()
				return fmt.Errorf("scan person: %w", err)
			}
			rs = append(rs, r)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		today := tx.Now().Format("2006-01-02")
		for _, r := range rs {
			sub, err := s.open(ctx, r, today)
			if err != nil {
				return err
			}
			out = append(out, *sub)
			if err := s.record(ctx, action, r.id, "", nil); err != nil {
				return err
			}
		}
		return nil
	})
	return out, err
}

// searchTerms says which blind indexes a query could match: it is tried as
// every identifier it could be, since a membership number and a phone
// number may both be digits.
func (s *Service) searchTerms(q string) []indexEntry {
	email := strings.Contains(q, "@")
	var out []indexEntry
	for _, d := range indexDefs() {
		// Something with an @ is an email address and nothing else.
		if (d.kind == "email") != email {
			continue
		}
		if h, err := s.vault.BlindIndex(d.vk, q); err == nil {
			out = append(out, indexEntry{d.kind, h})
		}
	}
	return out
}

// Search finds people in the actor's scope with an identifier exactly equal
// to the query: an email, phone number, NI number, date of birth, postcode,
// membership number, full name or family name. Blind indexes match whole
// normalised values only; there is no partial matching.
func (s *Service) Search(ctx context.Context, query string) ([]Subject, error) {
	a, err := access.Require(ctx, access.PermSubjectsRead)
	if err != nil {
		return nil, err
	}
	query = strings.TrimSpace(query)
	if query == "" || len(query) > 300 {
		return nil, apperr.New(apperr.Invalid, "Search for a whole email, phone number, NI number, date of birth, postcode, membership number or name.")
	}
	terms := s.searchTerms(query)
	if len(terms) == 0 {
		return nil, nil
	}
	where, args := access.ScopeWhere("unit_path", a.Scope(access.PermSubjectsRead), 1)
	var or []string
	for _, t := range terms {
		col, _ := indexColumn(t.kind)
		args = append(args, t.hash)
		or = append(or, fmt.Sprintf("%s = $%d", col, len(args)))
	}
	q := `SELECT ` + rowCols + ` FROM subjects WHERE ` + where + ` AND (` + strings.Join(or, " OR ") + `) ORDER BY id LIMIT 100`
	return s.readRows(ctx, "subject.search_hit", q, args...)
}

// Identifiers returns what the suppression list recognises a person by,
// for an objection to direct marketing. It is a read of their data and is
// audited as one, for the purpose given.
func (s *Service) Identifiers(ctx context.Context, id, purpose string) (consent.Identifiers, error) {
	p, err := s.Get(ctx, id, purpose)
	if err != nil {
		return consent.Identifiers{}, err
	}
	if p.Erased {
		return consent.Identifiers{}, apperr.New(apperr.Conflict, "This person has been erased: there is nothing to suppress them by.")
	}
	ids := consent.Identifiers{Email: p.Profile.Email, Phone: p.Profile.Phone, MembershipNo: p.Profile.MembershipNo}
	// A name counts only with a date of birth.
	if p.Profile.DateOfBirth != "" {
		ids.Name, ids.DateOfBirth = p.Profile.FullName(), p.Profile.DateOfBirth
	}
	return ids, nil
}
