package consent

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/stewardhq/steward/internal/access"
	"github.com/stewardhq/steward/internal/apperr"
	"github.com/stewardhq/steward/internal/audit"
	"github.com/stewardhq/steward/internal/store"
	"github.com/stewardhq/steward/internal/vault"
)

// Purpose is what a suppression stops.
type Purpose string

// PurposeMarketing is direct marketing, by any channel. An objection to
// it is absolute (Art 21(2)-(3)): no grounds can override it.
const PurposeMarketing Purpose = "marketing"

// Purposes lists every purpose.
func Purposes() []Purpose { return []Purpose{PurposeMarketing} }

func (p Purpose) check() error {
	if !slices.Contains(Purposes(), p) {
		return apperr.New(apperr.Invalid, "Unknown suppression purpose %q: use marketing.", string(p))
	}
	return nil
}

// Source is how an objection, or an opting back in, reached the
// organisation. It is a code, never text anyone wrote.
type Source string

const (
	// SourceRightsRequest: an objection handled as a rights request; the
	// reference is the request's id.
	SourceRightsRequest Source = "rights_request"
	// SourceUnsubscribe: an unsubscribe link in a message.
	SourceUnsubscribe Source = "unsubscribe"
	// SourcePreferences: the person's own choice in the preference centre.
	SourcePreferences Source = "preferences"
	// SourceStaff: told to a rep or to staff (in person, by phone or
	// letter) and recorded by them.
	SourceStaff Source = "staff"
	// SourceImport: carried over from another system's suppression list.
	SourceImport Source = "import"
)

// Sources lists every source of a suppression.
func Sources() []Source {
	return []Source{SourceRightsRequest, SourceUnsubscribe, SourcePreferences, SourceStaff, SourceImport}
}

// LiftSources lists how a person can opt back in: only by their own word,
// through the preference centre or told to staff. An import or a bulk
// process never lifts a suppression.
func LiftSources() []Source { return []Source{SourcePreferences, SourceStaff} }

// Suppressions is the suppression list: who must not be contacted for a
// purpose, held as blind indexes only (see migration 00013). It survives
// the erasure of the person, since nothing in it is keyed by them.
//
// The keys are HMACs under the vault's index keys. Rotating the master key
// leaves them alone, but replacing the index root (index-key rotation,
// not built yet) could not rebuild this list, which has no plaintext to
// rebuild from: that rotation must keep the old index key for it.
type Suppressions struct {
	db    *store.DB
	vault *vault.Vault
	audit *audit.Log
}

// NewSuppressions returns the suppression list service.
func NewSuppressions(db *store.DB, v *vault.Vault, al *audit.Log) *Suppressions {
	return &Suppressions{db: db, vault: v, audit: al}
}

// Who may do what. Recording an objection only ever restricts processing,
// so anyone who records consents and opt-outs may do it (reps included),
// and the DPO running a rights request. Lifting one restarts marketing to
// someone who objected, so it is the DPO's. Asking whether someone is
// suppressed is for those who record opt-outs, make member lists, import
// people or handle rights requests.
var (
	suppressPerms = []access.Permission{access.PermConsentRecord, access.PermRightsManage}
	liftPerms     = []access.Permission{access.PermRightsManage}
	checkPerms    = []access.Permission{access.PermConsentRecord, access.PermListsRequest, access.PermSubjectsImport, access.PermRightsManage}
)

// requireAny returns the actor in ctx if it holds one of perms.
func requireAny(ctx context.Context, perms []access.Permission) (*access.Actor, error) {
	a := access.ActorFrom(ctx)
	if a == nil {
		return nil, apperr.New(apperr.Unauthenticated, "Please sign in.")
	}
	for _, p := range perms {
		if a.Can(p) {
			return a, nil
		}
	}
	names := make([]string, len(perms))
	for i, p := range perms {
		names[i] = fmt.Sprintf("%q", p)
	}
	return nil, apperr.New(apperr.Forbidden, "Your roles do not include any of the permissions %s.", strings.Join(names, ", "))
}

// SuppressInput is one person's objection.
type SuppressInput struct {
	Purpose     Purpose
	Identifiers Identifiers
	Source      Source
	// Reference is the id of what records the objection (for a rights
	// request, its id; required then). An id, never text.
	Reference string
	// SubjectID, when the person is on the register, ties the audit event
	// to them. It is not stored on the list.
	SubjectID string
}

// check validates everything but the identifiers.
func (in *SuppressInput) check() error {
	if err := in.Purpose.check(); err != nil {
		return err
	}
	if !slices.Contains(Sources(), in.Source) {
		return apperr.New(apperr.Invalid, "Unknown source %q: use rights_request, unsubscribe, preferences, staff or import.", string(in.Source))
	}
	if in.Source == SourceRightsRequest && in.Reference == "" {
		return apperr.New(apperr.Invalid, "An objection made as a rights request needs the request's id as its reference.")
	}
	return checkIDs(in.Reference, in.SubjectID)
}

func checkIDs(reference, subjectID string) error {
	if reference != "" && !store.ValidID(reference) {
		return apperr.New(apperr.Invalid, "The reference must be the id of a record in Steward, not free text.")
	}
	if subjectID != "" && !store.ValidID(subjectID) {
		return apperr.New(apperr.Invalid, "No person with id %q.", subjectID)
	}
	return nil
}

// Suppress puts a person on the suppression list for the purpose, at once,
// by every identifier given, and audits it in the same transaction (the
// event names the kinds of identifier and how many, never a value). It
// joins a transaction open in ctx. Suppressing someone already suppressed
// changes nothing and keeps the first record of when and how; an
// identifier whose suppression was lifted is suppressed again.
func (s *Suppressions) Suppress(ctx context.Context, in SuppressInput) error {
	return s.db.InTx(ctx, func(ctx context.Context, tx *store.Tx) error {
		return s.suppress(ctx, tx, in)
	})
}

// SuppressTx is Suppress inside the caller's transaction: ctx must be the
// one store.DB.InTx gave with tx, so that the suppression and its audit
// event commit or roll back with the caller's change (the rights service
// applies an objection to marketing this way).
func (s *Suppressions) SuppressTx(ctx context.Context, tx *store.Tx, in SuppressInput) error {
	if tx == nil || s.db.TxFrom(ctx) != tx {
		return errors.New("consent: SuppressTx needs the context that InTx gave with its transaction")
	}
	return s.suppress(ctx, tx, in)
}

func (s *Suppressions) suppress(ctx context.Context, tx *store.Tx, in SuppressInput) error {
	if _, err := requireAny(ctx, suppressPerms); err != nil {
		return err
	}
	return s.suppressUnchecked(ctx, tx, in)
}

// suppressUnchecked is suppress for the consent service, which has checked
// the actor's permission on the person itself.
func (s *Suppressions) suppressUnchecked(ctx context.Context, tx *store.Tx, in SuppressInput) error {
	if err := in.check(); err != nil {
		return err
	}
	keys, err := s.Keys(in.Identifiers)
	if err != nil {
		return err
	}
	d := tx.Dialect()
	args := make([]any, 0, 7*len(keys))
	var q strings.Builder
	q.WriteString(`INSERT INTO suppressions (purpose, kind, ix, since, source, reference, actor_id) VALUES `)
	for i, k := range keys {
		if i > 0 {
			q.WriteString(", ")
		}
		q.WriteString("(")
		for j := range 7 {
			if j > 0 {
				q.WriteString(", ")
			}
			q.WriteString(d.Param(len(args) + j + 1))
		}
		q.WriteString(")")
		args = append(args, string(in.Purpose), string(k.Kind), k.Index, store.Millis(tx.Now()), string(in.Source),
			nullStr(in.Reference), nullStr(access.ActorID(ctx)))
	}
	// A live suppression is left as it is; a lifted one starts again.
	q.WriteString(` ON CONFLICT (purpose, kind, ix) DO UPDATE SET since = excluded.since, source = excluded.source,
		reference = excluded.reference, actor_id = excluded.actor_id,
		lifted_at = NULL, lifted_by = NULL, lift_source = NULL, lift_reference = NULL
		WHERE suppressions.lifted_at IS NOT NULL
		RETURNING kind`)
	changed, err := scanKinds(tx.QueryContext(ctx, q.String(), args...))
	if err != nil {
		return fmt.Errorf("suppress: %w", err)
	}
	if len(changed) == 0 {
		return nil
	}
	return s.record(ctx, "suppression.add", in.Purpose, in.Source, in.Reference, in.SubjectID, changed, len(keys))
}

// scanKinds reads a RETURNING kind result, in Kinds order.
func scanKinds(rows *sql.Rows, err error) ([]Kind, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var got []Kind
	for rows.Next() {
		var k string
		if err := rows.Scan(&k); err != nil {
			return nil, err
		}
		got = append(got, Kind(k))
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	var out []Kind
	for _, k := range Kinds() {
		if slices.Contains(got, k) {
			out = append(out, k)
		}
	}
	return out, nil
}

// record audits a change to the list: codes, ids and counts only. given is
// how many identifiers the caller gave, changed the kinds that changed.
func (s *Suppressions) record(ctx context.Context, action string, p Purpose, src Source, ref, subjectID string, changed []Kind, given int) error {
	kinds := make([]string, len(changed))
	for i, k := range changed {
		kinds[i] = string(k)
	}
	detail := map[string]string{"purpose": string(p), "source": string(src), "kinds": strings.Join(kinds, ","),
		"count": strconv.Itoa(len(changed)), "given": strconv.Itoa(given)}
	if ref != "" {
		detail["reference"] = ref
	}
	_, err := s.audit.Append(ctx, audit.Event{ActorID: access.ActorID(ctx), Action: action, Entity: "suppression",
		SubjectID: subjectID, Purpose: string(p), Detail: detail})
	if err != nil {
		return fmt.Errorf("audit %s: %w", action, err)
	}
	return nil
}

// LiftInput is a person opting back in.
type LiftInput struct {
	Purpose     Purpose
	Identifiers Identifiers
	// Source is how they opted back in: preferences or staff.
	Source Source
	// Reference is the id of the evidence (the consent they gave), if
	// recorded in Steward.
	Reference string
	SubjectID string
}

// Lift ends the suppressions matching the identifiers, when the person
// has opted back in, recording who lifted them, when, how and on what
// evidence, and auditing it. Only the identifiers given are lifted: a
// person who opts back in to email keeps their phone number suppressed.
// Nothing suppressed under the identifiers is an apperr.NotFound error.
func (s *Suppressions) Lift(ctx context.Context, in LiftInput) error {
	if _, err := requireAny(ctx, liftPerms); err != nil {
		return err
	}
	if err := in.Purpose.check(); err != nil {
		return err
	}
	if !slices.Contains(LiftSources(), in.Source) {
		return apperr.New(apperr.Invalid, "A suppression is lifted only on the person's own word: the source must be preferences or staff, not %q.", string(in.Source))
	}
	if err := checkIDs(in.Reference, in.SubjectID); err != nil {
		return err
	}
	if _, err := s.Keys(in.Identifiers); err != nil {
		return err
	}
	return s.db.InTx(ctx, func(ctx context.Context, tx *store.Tx) error {
		lifted, err := s.lift(ctx, tx, in)
		if err != nil {
			return err
		}
		if len(lifted) == 0 {
			return apperr.New(apperr.NotFound, "None of these identifiers is on the suppression list for %s.", string(in.Purpose))
		}
		return nil
	})
}

// lift ends the live suppressions matching in's identifiers inside tx and
// audits it, without checking the actor: the consent service calls it when
// the person opts back in through the preference centre, their own act.
// It returns the kinds lifted, none when nothing was suppressed.
func (s *Suppressions) lift(ctx context.Context, tx *store.Tx, in LiftInput) ([]Kind, error) {
	keys, err := s.Keys(in.Identifiers)
	if err != nil {
		return nil, err
	}
	d := tx.Dialect()
	args := []any{store.Millis(tx.Now()), nullStr(access.ActorID(ctx)), string(in.Source), nullStr(in.Reference), string(in.Purpose)}
	var match []string
	for _, k := range keys {
		args = append(args, string(k.Kind), k.Index)
		match = append(match, "(kind = "+d.Param(len(args)-1)+" AND ix = "+d.Param(len(args))+")")
	}
	q := `UPDATE suppressions SET lifted_at = ` + d.Param(1) + `, lifted_by = ` + d.Param(2) + `, lift_source = ` + d.Param(3) +
		`, lift_reference = ` + d.Param(4) + ` WHERE purpose = ` + d.Param(5) + ` AND lifted_at IS NULL AND (` +
		strings.Join(match, " OR ") + `) RETURNING kind`
	lifted, err := scanKinds(tx.QueryContext(ctx, q, args...))
	if err != nil {
		return nil, fmt.Errorf("lift suppression: %w", err)
	}
	if len(lifted) == 0 {
		return nil, nil
	}
	return lifted, s.record(ctx, "suppression.lift", in.Purpose, in.Source, in.Reference, in.SubjectID, lifted, len(keys))
}

func nullStr(s string) sql.NullString { return sql.NullString{String: s, Valid: s != ""} }
