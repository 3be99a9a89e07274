package lists

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/stewardhq/steward/internal/access"
	"github.com/stewardhq/steward/internal/apperr"
	"github.com/stewardhq/steward/internal/consent"
	"github.com/stewardhq/steward/internal/store"
	"github.com/stewardhq/steward/internal/subjects"
)

// listKinds are the kinds of person a member list is made of: people with
// a membership (members, and students and volunteers in organisations that
// have those instead), never staff, applicants, pupils, parents or other
// contacts.
func listKinds() []subjects.Kind {
	return []subjects.Kind{subjects.KindMember, subjects.KindStudent, subjects.KindVolunteer}
}

// Request asks for a list.
type Request struct {
	// Purpose is a purpose's code (see Purposes).
	Purpose string `json:"purpose" doc:"The purpose's code, from GET /lists/purposes"`
	Format  Format `json:"format" enum:"xlsx,csv.age" doc:"xlsx: a password-protected spreadsheet; csv.age: an age-encrypted CSV"`
	// UnitID is the unit the list covers; empty means the one unit the
	// actor may ask lists for (an error if they have several).
	UnitID string `json:"unit_id,omitempty" doc:"The unit (workplace, branch) the list covers; leave out if you hold a role on one unit only"`
	// BasedOn re-sends to the people of an earlier list of the holder's:
	// the same people, checked again (restriction, opt-outs, consent,
	// leaving). Steward warns when that list is stale.
	BasedOn string `json:"based_on,omitempty" doc:"Make the list of the same people as this earlier list of yours, checked again"`
	// Replaces is "download a fresh list": the same purpose, format and
	// unit as this earlier list of the holder's, from today's register.
	// The old list is then due for deletion at once.
	Replaces string `json:"replaces,omitempty" doc:"Download a fresh copy of this list of yours; the old one is then due for deletion at once"`
	// OldDeleted, with Replaces, confirms the holder has deleted every
	// copy of the old list.
	OldDeleted bool `json:"old_deleted,omitempty" doc:"With replaces: you have deleted every copy of the old list"`
}

// File is a list's file. Password is the only copy there is: Steward
// keeps neither it nor the file.
type File struct {
	Name        string
	ContentType string
	Data        []byte
	Password    string
}

// Dropped counts the people left out of a list, and why.
type Dropped struct {
	Restricted int `json:"restricted"`
	Suppressed int `json:"suppressed"`
	NoConsent  int `json:"no_consent"`
	Left       int `json:"left"`
	Erased     int `json:"erased"`
}

// Made is a list just made: its record, its file and what to tell the
// holder.
type Made struct {
	List     List
	File     File
	Dropped  Dropped
	Warnings []string
}

// Create makes a list for the actor, records it with the exact people on
// it and audits it (list id, purpose, how many people; never who), and
// returns the encrypted file with its password.
func (s *Service) Create(ctx context.Context, req Request) (*Made, error) {
	a, err := access.Require(ctx, access.PermListsRequest)
	if err != nil {
		return nil, err
	}
	if _, err := signedIn(ctx); err != nil {
		return nil, err
	}
	var old *listRow
	var warnings []string
	switch {
	case req.BasedOn != "" && req.Replaces != "":
		return nil, apperr.New(apperr.Invalid, "A list is either based on an earlier one or replaces it, not both.")
	case req.Replaces != "":
		if old, err = s.ownList(ctx, a, req.Replaces); err != nil {
			return nil, err
		}
		if old.ReplacedBy != "" {
			return nil, apperr.New(apperr.Conflict, "That list was already replaced: download a fresh copy of the newest one.")
		}
		req.Purpose, req.UnitID = cmp.Or(req.Purpose, old.Purpose), cmp.Or(req.UnitID, old.UnitID)
		req.Format = cmp.Or(req.Format, old.Format)
	case req.BasedOn != "":
		if old, err = s.ownList(ctx, a, req.BasedOn); err != nil {
			return nil, err
		}
		req.Purpose, req.UnitID = cmp.Or(req.Purpose, old.Purpose), cmp.Or(req.UnitID, old.UnitID)
		req.Format = cmp.Or(req.Format, old.Format)
		if old.Stale {
			warnings = append(warnings, fmt.Sprintf("The list this one is based on is %d days old. Everyone on it was checked again for restrictions, opt-outs, consent and leaving, but people who joined since are missing: download a fresh list for a new communication.", old.AgeDays))
		}
	}
	if req.OldDeleted && req.Replaces == "" {
		return nil, apperr.New(apperr.Invalid, "Confirming an old copy deleted goes with replacing that list.")
	}
	purpose, err := PurposeByCode(req.Purpose)
	if err != nil {
		return nil, err
	}
	if err := req.Format.check(); err != nil {
		return nil, err
	}
	unit, role, err := s.unitFor(ctx, a, req.UnitID)
	if err != nil {
		return nil, err
	}
	q := subjects.ListQuery{UnitPath: unit.Path, Kinds: listKinds()}
	if req.BasedOn != "" {
		if q.IDs, err = s.peopleOf(ctx, old.ID); err != nil {
			return nil, err
		}
		if len(q.IDs) == 0 {
			q.IDs = []string{}
		}
	}
	people, dropped, err := s.choose(ctx, purpose, q)
	if err != nil {
		return nil, err
	}
	if err := s.people.OpenForList(ctx, people); err != nil {
		return nil, err
	}
	kept := people[:0]
	for _, p := range people {
		if p.Erased {
			dropped.Erased++
			continue
		}
		kept = append(kept, p)
	}
	people = kept
	t, err := s.table(ctx, purpose, people)
	if err != nil {
		return nil, err
	}
	file := File{Password: NewPassword()}
	var buf bytes.Buffer
	stamp := s.day(s.db.Now())
	switch req.Format {
	case FormatXLSX:
		err = writeXLSX(&buf, t, "Members", file.Password)
		file.Name, file.ContentType = purpose.Code+"-"+stamp+".xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	case FormatAgeCSV:
		err = writeAgeCSV(&buf, t, file.Password)
		file.Name, file.ContentType = purpose.Code+"-"+stamp+".csv.age", "application/octet-stream"
	}
	if err != nil {
		return nil, err
	}
	file.Data = buf.Bytes()
	var made *Made
	err = s.db.InTx(ctx, func(ctx context.Context, tx *store.Tx) error {
		l, err := s.insert(ctx, tx, a, purpose, req, unit, role, people, old)
		if err != nil {
			return err
		}
		detail := map[string]string{"purpose": purpose.Code, "class": string(purpose.Class), "format": string(req.Format),
			"unit_id": unit.ID, "people": strconv.Itoa(len(people)), "restricted_dropped": strconv.Itoa(dropped.Restricted),
			"suppressed_dropped": strconv.Itoa(dropped.Suppressed), "no_consent_dropped": strconv.Itoa(dropped.NoConsent)}
		if req.BasedOn != "" {
			detail["based_on"] = req.BasedOn
		}
		if req.Replaces != "" {
			detail["replaces"] = req.Replaces
		}
		if err := s.record(ctx, "member_list.create", l.ID, "", detail); err != nil {
			return err
		}
		if req.Replaces != "" {
			if err := s.replace(ctx, tx, old, l.ID, req.OldDeleted); err != nil {
				return err
			}
		}
		made = &Made{List: *l, File: file, Dropped: dropped}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if req.Replaces != "" && !req.OldDeleted {
		warnings = append(warnings, "The old list is now due for deletion: delete every copy of it (the recycle bin too) and confirm it on its page.")
	}
	made.Warnings = append(warnings, s.heldWarnings(ctx, a, made.List)...)
	return made, nil
}

// ownList loads one of the actor's own lists: only its holder can refresh
// it or re-send to its people.
func (s *Service) ownList(ctx context.Context, a *access.Actor, id string) (*listRow, error) {
	r, err := s.load(ctx, id)
	if err != nil {
		return nil, err
	}
	if r.HolderID != a.AccountID {
		return nil, apperr.New(apperr.NotFound, "No member list of yours with id %q.", id)
	}
	return r, nil
}

// unitFor resolves the unit a list covers and the role that lets the
// actor ask for it there.
func (s *Service) unitFor(ctx context.Context, a *access.Actor, unitID string) (*access.Unit, string, error) {
	if unitID == "" {
		scope := a.Scope(access.PermListsRequest)
		var ids []string
		for _, g := range a.Grants {
			if g.Role.Grants(access.PermListsRequest) && slices.Contains(scope, g.UnitPath) && !slices.Contains(ids, g.UnitID) {
				ids = append(ids, g.UnitID)
			}
		}
		if len(ids) != 1 {
			return nil, "", apperr.New(apperr.Invalid, "You hold roles on several units: choose the unit the list is for.")
		}
		unitID = ids[0]
	}
	u, err := s.units.Unit(ctx, unitID)
	if err != nil {
		return nil, "", err
	}
	for _, g := range a.Grants {
		if g.Role.Grants(access.PermListsRequest) && strings.HasPrefix(u.Path, g.UnitPath) && a.CanIn(access.PermListsRequest, u.Path) {
			return u, string(g.Role), nil
		}
	}
	return nil, "", apperr.New(apperr.Forbidden, "You may ask for member lists only for the units you hold a role on.")
}

// choose selects who may be on the list: current people (or former ones,
// for a purpose about them), never restricted people, for marketing not
// the suppressed, and with a consent purpose only those who consented.
func (s *Service) choose(ctx context.Context, p Purpose, q subjects.ListQuery) ([]subjects.ListPerson, Dropped, error) {
	var d Dropped
	all, err := s.people.PeopleForList(ctx, q)
	if err != nil {
		return nil, d, err
	}
	want := subjects.StatusActive
	if p.Former {
		want = subjects.StatusLeft
	}
	kept := all[:0]
	for _, person := range all {
		switch {
		case person.Status != want:
			d.Left++
		case person.Restricted:
			d.Restricted++
		default:
			kept = append(kept, person)
		}
	}
	if p.Class == ClassMarketing && s.sup != nil && len(kept) > 0 {
		keys := make([][]consent.Key, len(kept))
		for i := range kept {
			keys[i] = kept[i].SuppressionKeys()
		}
		suppressed, err := s.sup.SuppressedKeys(ctx, consent.PurposeMarketing, keys)
		if err != nil {
			return nil, d, fmt.Errorf("check the suppression list: %w", err)
		}
		next := kept[:0]
		for i, person := range kept {
			if suppressed[i] {
				d.Suppressed++
				continue
			}
			next = append(next, person)
		}
		kept = next
	}
	if p.Consent != "" && s.consents != nil && len(kept) > 0 {
		ids := make([]string, len(kept))
		for i := range kept {
			ids[i] = kept[i].ID
		}
		ok, err := s.consents.WithConsent(ctx, p.Consent, ids)
		if err != nil {
			return nil, d, fmt.Errorf("check consents: %w", err)
		}
		next := kept[:0]
		for _, person := range kept {
			if !ok[person.ID] {
				d.NoConsent++
				continue
			}
			next = append(next, person)
		}
		kept = next
	}
	return kept, d, nil
}

// table lays the people out in the purpose's columns, by workplace then
// family and given name.
func (s *Service) table(ctx context.Context, p Purpose, people []subjects.ListPerson) (table, error) {
	t := table{head: make([]string, len(p.Fields)), rows: make([][]string, len(people))}
	for i, f := range p.Fields {
		t.head[i] = f.Label()
	}
	units := map[string]string{}
	if p.Has(FieldWorkplace) {
		for _, person := range people {
			if _, ok := units[person.UnitID]; ok {
				continue
			}
			u, err := s.units.Unit(ctx, person.UnitID)
			if err != nil {
				return t, fmt.Errorf("name a workplace: %w", err)
			}
			units[person.UnitID] = u.Name
		}
	}
	slices.SortStableFunc(people, func(a, b subjects.ListPerson) int {
		return cmp.Or(cmp.Compare(units[a.UnitID], units[b.UnitID]),
			cmp.Compare(strings.ToLower(a.Profile.FamilyName), strings.ToLower(b.Profile.FamilyName)),
			cmp.Compare(strings.ToLower(a.Profile.GivenName), strings.ToLower(b.Profile.GivenName)),
			cmp.Compare(a.ID, b.ID))
	})
	cells := make([]string, len(people)*len(p.Fields))
	for n, person := range people {
		row := cells[n*len(p.Fields) : (n+1)*len(p.Fields)]
		for i, f := range p.Fields {
			switch f {
			case FieldWorkplace:
				row[i] = units[person.UnitID]
			case FieldAddress:
				row[i] = strings.ReplaceAll(person.Profile.Address, "\n", ", ")
			default:
				row[i] = person.Profile.Get(string(f))
			}
		}
		t.rows[n] = row
	}
	return t, nil
}

// peopleChunk bounds the rows of one insert of a list's people on
// PostgreSQL, where each statement is a round trip.
const peopleChunk = 500

// insertPeople records who is on a list. SQLite runs one prepared
// single-row statement per person, which is faster there than multi-row
// statements (those journal every page they touch, and SQLite looks each
// numbered parameter up in a list); PostgreSQL gets a few hundred rows per
// statement to save round trips.
func insertPeople(ctx context.Context, tx *store.Tx, listID string, people []subjects.ListPerson) error {
	if tx.Dialect() == store.SQLite {
		st, err := tx.PrepareContext(ctx, `INSERT INTO member_list_people (list_id, subject_id) VALUES ($1, $2)`)
		if err != nil {
			return fmt.Errorf("record the people on the list: %w", err)
		}
		defer st.Close()
		for _, p := range people {
			if _, err := st.ExecContext(ctx, listID, p.ID); err != nil {
				return fmt.Errorf("record the people on the list: %w", err)
			}
		}
		return nil
	}
	for lo := 0; lo < len(people); lo += peopleChunk {
		chunk := people[lo:min(lo+peopleChunk, len(people))]
		var sb strings.Builder
		args := make([]any, 0, 2*len(chunk))
		sb.WriteString(`INSERT INTO member_list_people (list_id, subject_id) VALUES `)
		for i, person := range chunk {
			if i > 0 {
				sb.WriteString(", ")
			}
			args = append(args, listID, person.ID)
			fmt.Fprintf(&sb, "($%d, $%d)", len(args)-1, len(args))
		}
		if _, err := tx.ExecContext(ctx, sb.String(), args...); err != nil {
			return fmt.Errorf("record the people on the list: %w", err)
		}
	}
	return nil
}

// insert records the list and its people.
func (s *Service) insert(ctx context.Context, tx *store.Tx, a *access.Actor, p Purpose, req Request, u *access.Unit, role string,
	people []subjects.ListPerson, old *listRow) (*List, error) {
	now := tx.Now()
	id := store.NewID()
	fields := make([]string, len(p.Fields))
	for i, f := range p.Fields {
		fields[i] = string(f)
	}
	var basedOn any
	if old != nil {
		basedOn = old.ID
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO member_lists (id, purpose, class, fields, format, holder_id, holder_name, holder_role,
		unit_id, unit_path, people, based_on, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`,
		id, p.Code, string(p.Class), strings.Join(fields, ","), string(req.Format), a.AccountID, a.Username, role,
		u.ID, u.Path, len(people), basedOn, store.Millis(now), store.Millis(now.Add(s.cfg.Expiry)))
	if err != nil {
		return nil, fmt.Errorf("record the member list: %w", err)
	}
	if err := insertPeople(ctx, tx, id, people); err != nil {
		return nil, err
	}
	r, err := s.load(ctx, id)
	if err != nil {
		return nil, err
	}
	return &r.List, nil
}

// replace marks old as replaced by the new list and due for deletion now;
// with deleted, the holder confirms they already deleted it.
func (s *Service) replace(ctx context.Context, tx *store.Tx, old *listRow, newID string, deleted bool) error {
	now := store.Millis(tx.Now())
	res, err := tx.ExecContext(ctx, `UPDATE member_lists SET replaced_by = $1, expires_at = CASE WHEN expires_at < $2 THEN expires_at ELSE $2 END
		WHERE id = $3 AND replaced_by IS NULL`, newID, now, old.ID)
	if err != nil {
		return fmt.Errorf("mark the old list replaced: %w", err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return apperr.New(apperr.Conflict, "That list was replaced meanwhile: download a fresh copy of the newest one.")
	}
	if err := s.record(ctx, "member_list.replace", old.ID, "", map[string]string{"replaced_by": newID}); err != nil {
		return err
	}
	if deleted && old.DeletedAt == nil {
		return s.markDeleted(ctx, tx, old.ID, "holder")
	}
	return nil
}

// heldWarnings reminds the holder of other lists of theirs for the same
// purpose and unit that they still hold.
func (s *Service) heldWarnings(ctx context.Context, a *access.Actor, made List) []string {
	held, err := s.query(ctx, `holder_id = $1 AND purpose = $2 AND unit_id = $3 AND deleted_at IS NULL AND id <> $4 AND id <> $5`,
		a.AccountID, made.Purpose, made.UnitID, made.ID, cmp.Or(made.BasedOn, made.ID))
	if err != nil || len(held) == 0 {
		return nil
	}
	return []string{fmt.Sprintf("You still hold %d older %s list(s) for this unit: delete them and confirm it on their pages.", len(held), strings.ToLower(made.PurposeLabel))}
}
