package consent

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/stewardhq/steward/internal/access"
	"github.com/stewardhq/steward/internal/apperr"
	"github.com/stewardhq/steward/internal/audit"
	"github.com/stewardhq/steward/internal/store"
	"github.com/stewardhq/steward/internal/vault"
)

// MaxImportRows bounds an opt-out file.
const MaxImportRows = 100_000

// OptOutRow is one row of an opt-out file from an outside tool.
type OptOutRow struct {
	Line         int
	Email        string
	Phone        string
	MembershipNo string
	// Purpose is a consent purpose code or all_marketing.
	Purpose string
}

// RowProblem is what was wrong with one line of a file.
type RowProblem struct {
	Line    int    `json:"line"`
	Problem string `json:"problem"`
}

// importColumn maps a header to a field, forgiving the names tools use.
func importColumn(h string) string {
	h = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
	h = strings.NewReplacer("_", " ", "-", " ", ".", " ").Replace(h)
	h = strings.Join(strings.Fields(h), " ")
	switch h {
	case "email", "email address", "e mail", "e mail address", "mail":
		return "email"
	case "phone", "phone number", "mobile", "mobile number", "telephone":
		return "phone"
	case "membership no", "membership number", "member number", "member no", "membership":
		return "membership_no"
	case "purpose", "list", "topic", "opt out", "optout":
		return "purpose"
	}
	return ""
}

// parsePurpose reads a purpose as written in a file: a code, a label's
// first word, or "all marketing".
func parsePurpose(v string) (string, bool) {
	v = strings.ToLower(strings.Join(strings.Fields(strings.NewReplacer("_", " ", "-", " ").Replace(v)), " "))
	switch v {
	case "all marketing", "all", "marketing", "everything":
		return AllMarketing, true
	case "photos and video", "photo", "photos", "video":
		return ConsentPhotos, true
	case "newsletter":
		return ConsentNewsletters, true
	case "campaign":
		return ConsentCampaigns, true
	case "survey":
		return ConsentSurveys, true
	}
	if _, err := PurposeOf(v); err == nil {
		return v, true
	}
	return "", false
}

// ParseOptOuts reads an opt-out file: a header row naming an email column
// and optionally phone, membership number and purpose columns, then one
// person per row. A row without a purpose takes defaultPurpose. File-level
// faults (not CSV, no email column, too many rows) are an apperr.Invalid
// error; row faults are returned by line, and the caller writes nothing
// while there are any.
func ParseOptOuts(r io.Reader, defaultPurpose string) ([]OptOutRow, []RowProblem, error) {
	if defaultPurpose != "" {
		if _, ok := parsePurpose(defaultPurpose); !ok {
			return nil, nil, apperr.New(apperr.Invalid, "Unknown purpose %q: choose a purpose, or all marketing.", defaultPurpose)
		}
		defaultPurpose, _ = parsePurpose(defaultPurpose)
	}
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	head, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, nil, apperr.New(apperr.Invalid, "The file is empty: it needs a header row with an email column, then one row per person.")
	}
	if err != nil {
		return nil, nil, apperr.New(apperr.Invalid, "The file could not be read as CSV (%s): export it from the tool as CSV and try again.", csvProblem(err))
	}
	cols := map[string]int{}
	for i, h := range head {
		if c := importColumn(h); c != "" {
			if _, dup := cols[c]; dup {
				return nil, nil, apperr.New(apperr.Invalid, "The header names the %s column twice: keep one.", strings.ReplaceAll(c, "_", " "))
			}
			cols[c] = i
		}
	}
	if _, ok := cols["email"]; !ok {
		return nil, nil, apperr.New(apperr.Invalid, "The header row has no email column: name one column \"email\" (phone, membership number and purpose columns are optional).")
	}
	_, hasPurpose := cols["purpose"]
	if !hasPurpose && defaultPurpose == "" {
		return nil, nil, apperr.New(apperr.Invalid, "Say what the people in the file opted out of: choose a purpose, or add a purpose column.")
	}
	get := func(rec []string, c string) string {
		i, ok := cols[c]
		if !ok || i >= len(rec) {
			return ""
		}
		return strings.TrimSpace(rec[i])
	}
	var rows []OptOutRow
	var probs []RowProblem
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			line := 0
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				line = pe.Line
			}
			return rows, append(probs, RowProblem{Line: line, Problem: "not readable as CSV: " + csvProblem(err) + "; nothing after it was read"}), nil
		}
		line, _ := cr.FieldPos(0)
		if len(rows)+len(probs) >= MaxImportRows {
			return nil, nil, apperr.New(apperr.Invalid, "The file has more than %d rows: split it into smaller files.", MaxImportRows)
		}
		if strings.TrimSpace(strings.Join(rec, "")) == "" {
			continue // blank lines are what spreadsheets leave at the end
		}
		row := OptOutRow{Line: line, Email: get(rec, "email"), Phone: get(rec, "phone"), MembershipNo: get(rec, "membership_no"), Purpose: defaultPurpose}
		var what []string
		for _, v := range []string{row.Email, row.Phone, row.MembershipNo} {
			if !utf8.ValidString(v) || len(v) > 320 {
				what = append(what, "a value is too long or not text")
				break
			}
		}
		if row.Email == "" && row.Phone == "" && row.MembershipNo == "" {
			what = append(what, "no email address, phone number or membership number")
		}
		if row.Email != "" && !strings.Contains(row.Email, "@") {
			what = append(what, "the email address has no @")
		}
		if p := get(rec, "purpose"); p != "" {
			code, ok := parsePurpose(p)
			if !ok {
				what = append(what, fmt.Sprintf("unknown purpose (use one of %s, or all marketing)", strings.Join(purposeCodes(), ", ")))
			}
			row.Purpose = code
		} else if row.Purpose == "" {
			what = append(what, "no purpose, and none chosen for the file")
		}
		if len(what) > 0 {
			probs = append(probs, RowProblem{Line: line, Problem: strings.Join(what, "; ")})
			continue
		}
		rows = append(rows, row)
	}
	if len(rows) == 0 && len(probs) == 0 {
		return nil, nil, apperr.New(apperr.Invalid, "The file has a header but no people in it.")
	}
	return rows, probs, nil
}

func csvProblem(err error) string {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return "not a text file"
}

// ImportReport is what an opt-out import found and did.
type ImportReport struct {
	DryRun bool `json:"dry_run"`
	// Written is false when nothing was recorded: a dry run, or a file
	// with problems.
	Written  bool         `json:"written"`
	ImportID string       `json:"import_id,omitempty"`
	Rows     int          `json:"rows"`
	Problems []RowProblem `json:"problems,omitempty"`
	// Matched rows name someone in the register in the caller's scope;
	// their opt-out is recorded against them.
	Matched int `json:"matched"`
	// SuppressedOnly rows stop all marketing but match nobody: their
	// identifiers go on the suppression list only.
	SuppressedOnly int `json:"suppressed_only"`
	// Unmatched rows opt out of one purpose but match nobody: there is no
	// consent to withdraw, and the row is recorded as such.
	Unmatched int `json:"unmatched"`
}

// ImportOptOuts records an opt-out file from an outside tool (a mailing or
// survey tool's export). A dry run reports what would happen and writes
// nothing; a file with any bad row writes nothing either and reports each
// by line. Otherwise, in one transaction, every row is recorded: people
// matched in the register (in the caller's scope) get the withdrawal, or
// for all marketing the objection with the suppression list, and rows for
// all marketing that match nobody put their identifiers on the suppression
// list, so a later import cannot market to them.
func (s *Service) ImportOptOuts(ctx context.Context, r io.Reader, defaultPurpose string, dryRun bool) (*ImportReport, error) {
	a, err := requireAny(ctx, recordPerms)
	if err != nil {
		return nil, err
	}
	rows, probs, err := ParseOptOuts(r, defaultPurpose)
	if err != nil {
		return nil, err
	}
	rep := &ImportReport{DryRun: dryRun, Rows: len(rows) + len(probs), Problems: probs}
	// Identifiers the vault cannot normalise are row problems too.
	keys := make([][]Key, len(rows))
	for i, row := range rows {
		k, err := s.sup.keys(Identifiers{Email: row.Email, Phone: row.Phone, MembershipNo: row.MembershipNo})
		if err != nil {
			rep.Problems = append(rep.Problems, RowProblem{Line: row.Line, Problem: apperr.MessageOf(err)})
			continue
		}
		keys[i] = k
	}
	if len(rep.Problems) > 0 {
		return rep, nil
	}
	matches, err := s.matchRows(ctx, a, keys)
	if err != nil {
		return nil, err
	}
	for i, row := range rows {
		switch {
		case len(matches[i]) > 0:
			rep.Matched++
		case row.Purpose == AllMarketing:
			rep.SuppressedOnly++
		default:
			rep.Unmatched++
		}
	}
	if dryRun {
		return rep, nil
	}
	rep.ImportID = store.NewID()
	err = s.db.InTx(ctx, func(ctx context.Context, tx *store.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO consent_imports (id, at, actor_id, purpose, rows_total, matched, suppressed) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
			rep.ImportID, store.Millis(tx.Now()), nullStr(a.AccountID), defaultPurpose, rep.Rows, rep.Matched, rep.SuppressedOnly); err != nil {
			return fmt.Errorf("record import: %w", err)
		}
		facts, err := s.reg.ConsentFacts(ctx, flatten(matches))
		if err != nil {
			return err
		}
		for i, row := range rows {
			outcome, first := "unmatched", ""
			for _, id := range matches[i] {
				if _, err := s.optOut(ctx, tx, facts[id], row.Purpose, ChannelImport, rep.ImportID); err != nil {
					return apperr.Wrap(err, apperr.CodeOf(err), "Line %d: %s", row.Line, apperr.MessageOf(err))
				}
				outcome, first = "matched", id
			}
			if row.Purpose == AllMarketing {
				if err := s.sup.suppressUnchecked(ctx, tx, SuppressInput{Purpose: PurposeMarketing, Source: SourceImport, Reference: rep.ImportID, SubjectID: first,
					Identifiers: Identifiers{Email: row.Email, Phone: row.Phone, MembershipNo: row.MembershipNo}}); err != nil {
					return err
				}
				if outcome == "unmatched" {
					outcome = "suppressed"
				}
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO consent_import_rows (import_id, line, purpose, outcome, subject_id) VALUES ($1, $2, $3, $4, $5)`,
				rep.ImportID, row.Line, row.Purpose, outcome, nullStr(first)); err != nil {
				return fmt.Errorf("record import row: %w", err)
			}
		}
		_, err = s.audit.Append(ctx, audit.Event{ActorID: a.AccountID, Action: "consent.import", Entity: "consent_import", EntityID: rep.ImportID, Purpose: "consent",
			Detail: map[string]string{"rows": strconv.Itoa(rep.Rows), "matched": strconv.Itoa(rep.Matched), "suppressed_only": strconv.Itoa(rep.SuppressedOnly)}})
		return err
	})
	if err != nil {
		return nil, err
	}
	rep.Written = true
	return rep, nil
}

// matchRows finds, for each row's keys, the people in the register the
// actor may record consents of.
func (s *Service) matchRows(ctx context.Context, a *access.Actor, keys [][]Key) ([][]string, error) {
	byKind := map[Kind][][]byte{}
	for _, ks := range keys {
		for _, k := range ks {
			byKind[k.Kind] = append(byKind[k.Kind], k.Index)
		}
	}
	found := map[string][]string{}
	for kind, ixs := range byKind {
		got, err := s.reg.ConsentMatch(ctx, vault.IndexKind(kind), ixs)
		if err != nil {
			return nil, err
		}
		for ix, ids := range got {
			found[string(kind)+"\x00"+ix] = ids
		}
	}
	var all []string
	for _, ids := range found {
		all = append(all, ids...)
	}
	facts, err := s.reg.ConsentFacts(ctx, all)
	if err != nil {
		return nil, err
	}
	out := make([][]string, len(keys))
	for i, ks := range keys {
		seen := map[string]bool{}
		for _, k := range ks {
			for _, id := range found[k.id()] {
				if p, ok := facts[id]; ok && !seen[id] && canAny(a, recordPerms, p.UnitPath) {
					seen[id] = true
					out[i] = append(out[i], id)
				}
			}
		}
	}
	return out, nil
}

func flatten(xs [][]string) []string {
	var out []string
	for _, x := range xs {
		out = append(out, x...)
	}
	return out
}
