package subjects

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/stewardhq/steward/internal/access"
	"github.com/stewardhq/steward/internal/store"
	"github.com/stewardhq/steward/internal/vault"
)

// ImportRow is one row of an import file, each field already checked with
// CleanField. Empty fields keep an existing person's current values: an
// import adds and corrects, it never blanks a field.
type ImportRow struct {
	Line        int
	Unit        *access.Unit // nil keeps an existing person's unit; a new person needs one
	Kind        Kind         // "" keeps the current kind (member for a new person)
	Profile     Profile
	JoinedOn    string
	LeftOn      string
	InterviewOn string
	// KeyHash is the blind index of the key identifier (KeyHash).
	KeyHash []byte
}

// ImportAction is what an import did, or would do, with a row.
type ImportAction string

const (
	ImportCreated   ImportAction = "created"
	ImportUpdated   ImportAction = "updated"
	ImportUnchanged ImportAction = "unchanged"
	ImportRejected  ImportAction = "rejected"
	ImportLeft      ImportAction = "left"
)

// ImportOutcome is the result for one row. Reasons never contain values
// from the file.
type ImportOutcome struct {
	Line      int
	SubjectID string
	Action    ImportAction
	Field     string   // the field at fault, when rejected
	Reason    string   // why it was rejected
	Changed   []string // fields changed, when updated
}

// ImportBatch is one batch of an import.
type ImportBatch struct {
	Key     string // the identifier people are matched by (KeyFields)
	Reason  string // kept in the history of every person updated
	DryRun  bool   // decide everything, write nothing
	Workers int    // goroutines sealing new people; 0 means one per core
	Rows    []ImportRow
}

// pending is a row on its way to being written.
type pending struct {
	i    int // index in the batch
	r    *row
	cur  *Subject
	key  *vault.SubjectKey
	unit *access.Unit
	in   Input
}

// ApplyImport matches each row to a person by the key identifier and
// creates, updates or leaves them unchanged, in the transaction open in
// ctx (or a new one). Keys for new people are made first in one key-store
// transaction. A row that cannot be applied is rejected with a reason and
// does not stop the others; the error return is for failures of the
// database, which abort the batch.
func (s *Service) ApplyImport(ctx context.Context, b ImportBatch) ([]ImportOutcome, error) {
	a, err := access.Require(ctx, access.PermSubjectsImport)
	if err != nil {
		return nil, err
	}
	kind, _, ok := keyIndex(b.Key)
	if !ok {
		_, err := s.KeyHash(b.Key, "")
		return nil, err
	}
	out := make([]ImportOutcome, len(b.Rows))
	for i, r := range b.Rows {
		out[i].Line = r.Line
	}
	if b.DryRun {
		_, _, err := s.planImport(ctx, a, kind, b, out)
		return out, err
	}
	err = s.db.InTx(ctx, func(ctx context.Context, tx *store.Tx) error {
		news, updates, err := s.planImport(ctx, a, kind, b, out)
		if err != nil {
			return err
		}
		for _, p := range updates {
			sub, changed, err := s.rectify(ctx, tx, p.r, p.cur, p.key, p.unit, p.in, b.Reason)
			if err != nil {
				return fmt.Errorf("line %d: %w", b.Rows[p.i].Line, err)
			}
			out[p.i].SubjectID, out[p.i].Changed = sub.ID, changed
		}
		return s.createAll(ctx, tx, news, b.Workers, out)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// planImport decides every row's outcome, reading but writing nothing.
func (s *Service) planImport(ctx context.Context, a *access.Actor, kind string, b ImportBatch, out []ImportOutcome) (news, updates []*pending, err error) {
	hashes := make([][]byte, 0, len(b.Rows))
	seen := make(map[string]int, len(b.Rows))
	for i, r := range b.Rows {
		if j, dup := seen[string(r.KeyHash)]; dup {
			reject(&out[i], b.Key, fmt.Sprintf("The %s is the same as on line %d; the earlier row is imported.", fieldLabel(b.Key), b.Rows[j].Line))
			continue
		}
		seen[string(r.KeyHash)] = i
		hashes = append(hashes, r.KeyHash)
	}
	matches, err := s.lookupKeys(ctx, kind, hashes)
	if err != nil {
		return nil, nil, err
	}
	if kind != "membership" {
		// An email, phone or NI number may be shared, and people outside
		// the importer's units must not show through it: they neither
		// match a row nor make it ambiguous. (A membership number is
		// unique across the organisation, so a clash with it is refused
		// with the same words wherever the holder is.)
		if err := s.dropOutOfScope(ctx, a, matches); err != nil {
			return nil, nil, err
		}
	}
	var ids []string
	for _, m := range matches {
		if len(m) == 1 {
			ids = append(ids, m[0])
		}
	}
	rows, err := s.loadRows(ctx, ids, !b.DryRun)
	if err != nil {
		return nil, nil, err
	}
	keys, err := s.vault.LoadSubjectKeys(ctx, ids)
	if err != nil {
		return nil, nil, err
	}
	owners, err := s.membershipOwners(ctx, kind, b.Rows)
	if err != nil {
		return nil, nil, err
	}
	today := s.db.Now().Format(time.DateOnly)
	for i := range b.Rows {
		if out[i].Action != "" {
			continue
		}
		r := &b.Rows[i]
		m := matches[string(r.KeyHash)]
		self := ""
		if len(m) == 1 {
			self = m[0]
		}
		if owner, ok := owners[r.Profile.MembershipNo]; ok && owner != self {
			reject(&out[i], "membership_no", msgMembershipInUse)
			continue
		}
		var p *pending
		switch len(m) {
		case 0:
			p = s.planCreate(a, r, &out[i])
		case 1:
			p = s.planUpdate(a, r, rows[m[0]], keys[m[0]], today, &out[i])
		default:
			reject(&out[i], b.Key, fmt.Sprintf("%d people share this %s, so the row cannot say which one it is; import by membership number instead.", len(m), fieldLabel(b.Key)))
		}
		if p == nil {
			continue
		}
		p.i = i
		if p.r == nil {
			news = append(news, p)
		} else {
			updates = append(updates, p)
		}
	}
	return news, updates, nil
}

func reject(o *ImportOutcome, field, reason string) {
	o.Action, o.Field, o.Reason = ImportRejected, field, reason
}

// planCreate checks a row that matches nobody.
func (s *Service) planCreate(a *access.Actor, r *ImportRow, o *ImportOutcome) *pending {
	if r.Unit == nil {
		reject(o, "unit", "A new person needs a unit: add a unit column or give --unit.")
		return nil
	}
	if !a.CanIn(access.PermSubjectsImport, r.Unit.Path) {
		reject(o, "unit", "You may not import people into this unit.")
		return nil
	}
	in := Input{UnitID: r.Unit.ID, Kind: r.Kind, Profile: r.Profile, JoinedOn: r.JoinedOn, LeftOn: r.LeftOn, InterviewOn: r.InterviewOn}
	if in.Profile.GivenName == "" && in.Profile.FamilyName == "" {
		reject(o, "given_name", "A new person needs a given name or a family name.")
		return nil
	}
	if err := in.clean(); err != nil {
		// Each field was checked alone already; what is left is the
		// order of the dates.
		reject(o, "left_on", "The left date is before the joined date.")
		return nil
	}
	o.Action = ImportCreated
	return &pending{unit: r.Unit, in: in}
}

// planUpdate checks a row that matches one person and works out whether it
// changes anything.
func (s *Service) planUpdate(a *access.Actor, r *ImportRow, cur *row, key *vault.SubjectKey, today string, o *ImportOutcome) *pending {
	switch {
	case cur == nil:
		reject(o, "", "The person this row matches was removed during the import; run it again.")
		return nil
	case !a.CanIn(access.PermSubjectsImport, cur.unitPath):
		reject(o, "membership_no", msgMembershipInUse)
		return nil
	case cur.restricted && !a.CanIn(access.PermRightsManage, cur.unitPath):
		reject(o, "", "The person's data is restricted (Art 18): only the data protection officer may change it.")
		return nil
	case key == nil:
		reject(o, "", "The person this row matches has been erased.")
		return nil
	case r.Unit != nil && !a.CanIn(access.PermSubjectsImport, r.Unit.Path):
		reject(o, "unit", "You may not import people into this unit.")
		return nil
	}
	o.SubjectID = cur.id
	sub := cur.subject(today)
	if err := openProfile(sub, cur, key); err != nil {
		reject(o, "", "The stored record of the person this row matches does not open; tell the administrator.")
		return nil
	}
	unit := &access.Unit{ID: cur.unitID, Path: cur.unitPath}
	if r.Unit != nil {
		unit = r.Unit
	}
	in := Input{UnitID: unit.ID, Kind: sub.Kind, Profile: sub.Profile, JoinedOn: sub.JoinedOn, LeftOn: sub.LeftOn, InterviewOn: sub.InterviewOn}
	if r.Kind != "" {
		in.Kind = r.Kind
	}
	for _, f := range Fields() {
		if v := r.Profile.Get(f); v != "" {
			in.Profile.Set(f, v)
		}
	}
	overlay(&in.JoinedOn, r.JoinedOn)
	overlay(&in.LeftOn, r.LeftOn)
	overlay(&in.InterviewOn, r.InterviewOn)
	if err := in.clean(); err != nil {
		reject(o, "left_on", "The left date is before the joined date.")
		return nil
	}
	if in.UnitID == sub.UnitID && in.Kind == sub.Kind && in.Profile == sub.Profile &&
		in.JoinedOn == sub.JoinedOn && in.LeftOn == sub.LeftOn && in.InterviewOn == sub.InterviewOn {
		o.Action = ImportUnchanged
		return nil
	}
	o.Action = ImportUpdated
	for _, f := range Fields() {
		if sub.Profile.Get(f) != in.Profile.Get(f) {
			o.Changed = append(o.Changed, f)
		}
	}
	return &pending{r: cur, cur: sub, key: key, unit: unit, in: in}
}

func overlay(dst *string, v string) {
	if v != "" {
		*dst = v
	}
}

// createAll makes keys for the new people in one key-store transaction,
// seals them on every core, and inserts them with multi-row statements.
func (s *Service) createAll(ctx context.Context, tx *store.Tx, news []*pending, workers int, out []ImportOutcome) error {
	if len(news) == 0 {
		return nil
	}
	ids := make([]string, len(news))
	for i := range news {
		ids[i] = store.NewID()
	}
	keys, err := s.vault.CreateSubjectKeys(ctx, ids)
	if err != nil {
		return fmt.Errorf("make keys: %w", err)
	}
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	people := make([]*newPerson, len(news))
	errs := make([]error, len(news))
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(workers, len(news)) {
		wg.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= len(news) {
					return
				}
				people[i], errs[i] = s.sealNew(keys[i], news[i].unit, news[i].in, tx.Now())
			}
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			return fmt.Errorf("line %d: %w", out[news[i].i].Line, err)
		}
		out[news[i].i].SubjectID = ids[i]
	}
	return insertPeople(ctx, tx, people)
}

// msgMembershipInUse is the one answer for a membership number that is
// taken, whether by someone in the caller's units or outside them, so the
// answer tells no more than that the number is not free.
const msgMembershipInUse = "This membership number is already in use; check it, or ask the data protection officer."

// dropOutOfScope removes from matches the people the actor may not import
// into.
func (s *Service) dropOutOfScope(ctx context.Context, a *access.Actor, matches map[string][]string) error {
	var ids []string
	for _, m := range matches {
		ids = append(ids, m...)
	}
	rows, err := s.loadRows(ctx, ids, false)
	if err != nil {
		return err
	}
	for h, m := range matches {
		kept := m[:0]
		for _, id := range m {
			if r := rows[id]; r != nil && a.CanIn(access.PermSubjectsImport, r.unitPath) {
				kept = append(kept, id)
			}
		}
		if len(kept) == 0 {
			delete(matches, h)
		} else {
			matches[h] = kept
		}
	}
	return nil
}
