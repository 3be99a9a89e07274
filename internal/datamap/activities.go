package datamap

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/stewardhq/steward/internal/apperr"
	"github.com/stewardhq/steward/internal/store"
)

// Transfer is a transfer of personal data outside the UK (Art 30(1)(e)).
type Transfer struct {
	Destination   string `json:"destination" minLength:"1" maxLength:"200" doc:"The third country or international organisation"`
	Safeguard     string `json:"safeguard,omitempty" enum:"adequacy,idta,uk_addendum,bcr,art49_consent,art49_contract,art49_public_interest,art49_legal_claims,art49_vital_interests,art49_public_register,art49_compelling" doc:"The Chapter V mechanism the transfer relies on"`
	Documentation string `json:"documentation,omitempty" maxLength:"10000" doc:"Documentation of the suitable safeguards; required for an Art 49(1) second-subparagraph transfer"`
}

// SafeguardLabel is the safeguard in words.
func (t Transfer) SafeguardLabel() string { return labelOf(SafeguardOptions(), t.Safeguard) }

// Activity is a processing activity: one entry of the Art 30(1) record,
// with the lawful basis and conditions that make the processing lawful.
type Activity struct {
	ID                string `json:"id,omitempty" readOnly:"true"`
	Name              string `json:"name" minLength:"1" maxLength:"200"`
	Purposes          string `json:"purposes,omitempty" maxLength:"10000" doc:"Purposes of the processing (Art 30(1)(b))"`
	DataSubjects      string `json:"data_subjects,omitempty" maxLength:"10000" doc:"Categories of data subjects (Art 30(1)(c))"`
	LawfulBasis       string `json:"lawful_basis,omitempty" enum:"a,b,c,d,e,f" doc:"Art 6(1) point"`
	LawfulBasisDetail string `json:"lawful_basis_detail,omitempty" maxLength:"10000" doc:"How the processing satisfies Art 6: the legal obligation, the legitimate interest, the contract"`
	Art9Condition     string `json:"art9_condition,omitempty" enum:"a,b,c,d,e,f,g,h,i,j" doc:"Art 9(2) point, for special category data"`
	Sch1Condition     string `json:"sch1_condition,omitempty" maxLength:"10000" doc:"The DPA 2018 Sch 1 condition relied on, where the Art 9(2) condition needs one (b, g, h, i, j)"`
	Art10Basis        string `json:"art10_basis,omitempty" maxLength:"10000" doc:"For criminal offence data: official authority, or the DPA 2018 Sch 1 condition relied on (s.10(5))"`
	APDRequired       bool   `json:"apd_required,omitempty" doc:"The Sch 1 condition relied on needs an appropriate policy document (set automatically for Art 9(2)(b) and (g))"`
	APDReference      string `json:"apd_reference,omitempty" maxLength:"10000" doc:"Where the appropriate policy document is"`
	APDRetention      string `json:"apd_retention,omitempty" maxLength:"10000" doc:"Whether the data is retained and erased in line with the APD, and if not why (Sch 1 para 41(c))"`
	RetentionRule     string `json:"retention_rule,omitempty" maxLength:"10000" doc:"Envisaged time limits for erasure (Art 30(1)(f))"`
	RetentionMonths   int    `json:"retention_months,omitempty" minimum:"0" maximum:"1200" doc:"The retention period in months, for sweeps; 0 when the rule is not a fixed period"`
	SecurityMeasures  string `json:"security_measures,omitempty" maxLength:"10000" doc:"Technical and organisational security measures (Art 30(1)(g))"`
	PrivacyNotice     string `json:"privacy_notice,omitempty" maxLength:"10000" doc:"The privacy notice that tells people about this processing"`
	JointController   string `json:"joint_controller,omitempty" maxLength:"10000" doc:"Name and contact details of any joint controller (Art 30(1)(a))"`
	Owner             string `json:"owner,omitempty" maxLength:"10000" doc:"Who in the organisation owns the activity and how to reach them"`

	CategoryIDs  []string   `json:"category_ids,omitempty" maxItems:"200" doc:"Categories of personal data (Art 30(1)(c))"`
	RecipientIDs []string   `json:"recipient_ids,omitempty" maxItems:"200" doc:"Categories of recipients (Art 30(1)(d))"`
	SystemIDs    []string   `json:"system_ids,omitempty" maxItems:"200" doc:"Systems where the data is held"`
	Transfers    []Transfer `json:"transfers,omitempty" maxItems:"50"`

	CreatedAt time.Time `json:"created_at,omitzero" readOnly:"true"`
	UpdatedAt time.Time `json:"updated_at,omitzero" readOnly:"true"`
}

// LawfulBasisLabel is the lawful basis in words.
func (a Activity) LawfulBasisLabel() string {
	if a.LawfulBasis == "" {
		return ""
	}
	return labelOf(LawfulBasisOptions(), a.LawfulBasis)
}

// Art9Label is the Art 9(2) condition in words.
func (a Activity) Art9Label() string {
	if a.Art9Condition == "" {
		return ""
	}
	return labelOf(Art9Options(), a.Art9Condition)
}

// NeedsAPD reports whether the activity relies on a Sch 1 condition that
// needs an appropriate policy document.
func (a Activity) NeedsAPD() bool { return a.APDRequired || art9NeedsAPD(a.Art9Condition) }

func (a *Activity) clean() error {
	name, err := cleanName("processing activity", a.Name)
	if err != nil {
		return err
	}
	a.Name = name
	if a.LawfulBasis != "" && !known(LawfulBasisOptions(), a.LawfulBasis) {
		return apperr.New(apperr.Invalid, "The lawful basis must be one of Art 6(1)(a) to (f).")
	}
	if a.Art9Condition != "" && !known(Art9Options(), a.Art9Condition) {
		return apperr.New(apperr.Invalid, "The Art 9 condition must be one of Art 9(2)(a) to (j).")
	}
	if a.RetentionMonths < 0 || a.RetentionMonths > 1200 {
		return apperr.New(apperr.Invalid, "The retention period must be between 0 and 1200 months.")
	}
	if err := cleanText(
		text{"The purposes", &a.Purposes}, text{"The categories of data subjects", &a.DataSubjects},
		text{"The lawful basis detail", &a.LawfulBasisDetail}, text{"The Sch 1 condition", &a.Sch1Condition},
		text{"The Art 10 basis", &a.Art10Basis}, text{"The APD reference", &a.APDReference},
		text{"The APD retention statement", &a.APDRetention}, text{"The retention rule", &a.RetentionRule},
		text{"The security measures", &a.SecurityMeasures}, text{"The privacy notice", &a.PrivacyNotice},
		text{"The joint controller", &a.JointController}, text{"The owner", &a.Owner},
	); err != nil {
		return err
	}
	var ts []Transfer
	for i, t := range a.Transfers {
		if err := cleanText(text{"A transfer's destination", &t.Destination}, text{"A transfer's documentation", &t.Documentation}); err != nil {
			return err
		}
		if t.Destination == "" && t.Safeguard == "" && t.Documentation == "" {
			continue // an empty row of the form
		}
		if t.Destination == "" || len([]rune(t.Destination)) > maxName {
			return apperr.New(apperr.Invalid, "Transfer %d needs the country or international organisation it goes to (up to %d characters).", i+1, maxName)
		}
		if t.Safeguard != "" && !known(SafeguardOptions(), t.Safeguard) {
			return apperr.New(apperr.Invalid, "Transfer %d names an unknown safeguard.", i+1)
		}
		ts = append(ts, t)
	}
	a.Transfers = ts
	a.CategoryIDs, a.RecipientIDs, a.SystemIDs = dedupe(a.CategoryIDs), dedupe(a.RecipientIDs), dedupe(a.SystemIDs)
	return nil
}

func dedupe(ids []string) []string {
	var out []string
	for _, id := range ids {
		if id != "" && !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	return out
}

const activityCols = `id, name, purposes, data_subjects, lawful_basis, lawful_basis_detail, art9_condition, sch1_condition,
	art10_basis, apd_required, apd_reference, apd_retention, retention_rule, retention_months, security_measures,
	privacy_notice, joint_controller, owner, created_at, updated_at`

func scanActivity(sc scanner) (*Activity, error) {
	var a Activity
	var months sql.NullInt64
	var created, updated int64
	if err := sc.Scan(&a.ID, &a.Name, &a.Purposes, &a.DataSubjects, &a.LawfulBasis, &a.LawfulBasisDetail, &a.Art9Condition,
		&a.Sch1Condition, &a.Art10Basis, &a.APDRequired, &a.APDReference, &a.APDRetention, &a.RetentionRule, &months,
		&a.SecurityMeasures, &a.PrivacyNotice, &a.JointController, &a.Owner, &created, &updated); err != nil {
		return nil, err
	}
	a.RetentionMonths = int(months.Int64)
	a.CreatedAt, a.UpdatedAt = store.FromMillis(created), store.FromMillis(updated)
	return &a, nil
}

// Activities lists the processing activities by name, with their links.
func (s *Service) Activities(ctx context.Context) ([]Activity, error) {
	if err := canRead(ctx); err != nil {
		return nil, err
	}
	return s.activities(ctx, "")
}

// Activity returns one processing activity with its links.
func (s *Service) Activity(ctx context.Context, id string) (*Activity, error) {
	if err := canRead(ctx); err != nil {
		return nil, err
	}
	return s.activity(ctx, id)
}

func (s *Service) activity(ctx context.Context, id string) (*Activity, error) {
	if !store.ValidID(id) {
		return nil, notFound("processing activity", id)
	}
	as, err := s.activities(ctx, id)
	if err != nil {
		return nil, err
	}
	if len(as) == 0 {
		return nil, notFound("processing activity", id)
	}
	return &as[0], nil
}

// activities loads every activity, or only id's when id is set, and fills
// in the links with one query per link table rather than one per activity.
func (s *Service) activities(ctx context.Context, id string) ([]Activity, error) {
	q := s.db.Q(ctx)
	where, args := "", []any{}
	if id != "" {
		where, args = ` WHERE id = $1`, []any{id}
	}
	rows, err := q.QueryContext(ctx, `SELECT `+activityCols+` FROM processing_activities`+where+` ORDER BY name`, args...)
	if err != nil {
		return nil, fmt.Errorf("list processing activities: %w", err)
	}
	out := []Activity{}
	index := map[string]int{}
	for rows.Next() {
		a, err := scanActivity(rows)
		if err != nil {
			rows.Close()
			return nil, fmt.Errorf("scan processing activity: %w", err)
		}
		index[a.ID] = len(out)
		out = append(out, *a)
	}
	if err := rows.Close(); err != nil {
		return nil, fmt.Errorf("list processing activities: %w", err)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list processing activities: %w", err)
	}
	if len(out) == 0 {
		return out, nil
	}
	linkWhere := ""
	if id != "" {
		linkWhere = ` WHERE activity_id = $1`
	}
	for _, l := range []struct {
		table, col string
		field      func(*Activity) *[]string
	}{
		{"activity_categories", "category_id", func(a *Activity) *[]string { return &a.CategoryIDs }},
		{"activity_recipients", "recipient_id", func(a *Activity) *[]string { return &a.RecipientIDs }},
		{"activity_systems", "system_id", func(a *Activity) *[]string { return &a.SystemIDs }},
	} {
		if err := s.loadLinks(ctx, `SELECT activity_id, `+l.col+` FROM `+l.table+linkWhere+` ORDER BY activity_id, `+l.col, args, func(aid, oid string) {
			if i, ok := index[aid]; ok {
				p := l.field(&out[i])
				*p = append(*p, oid)
			}
		}); err != nil {
			return nil, fmt.Errorf("load %s: %w", l.table, err)
		}
	}
	trows, err := q.QueryContext(ctx, `SELECT activity_id, destination, safeguard, documentation FROM activity_transfers`+linkWhere+` ORDER BY activity_id, position`, args...)
	if err != nil {
		return nil, fmt.Errorf("load transfers: %w", err)
	}
	defer trows.Close()
	for trows.Next() {
		var aid string
		var t Transfer
		if err := trows.Scan(&aid, &t.Destination, &t.Safeguard, &t.Documentation); err != nil {
			return nil, fmt.Errorf("scan transfer: %w", err)
		}
		if i, ok := index[aid]; ok {
			out[i].Transfers = append(out[i].Transfers, t)
		}
	}
	return out, trows.Err()
}

func (s *Service) loadLinks(ctx context.Context, query string, args []any, add func(activityID, otherID string)) error {
	rows, err := s.db.Q(ctx).QueryContext(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var a, o string
		if err := rows.Scan(&a, &o); err != nil {
			return err
		}
		add(a, o)
	}
	return rows.Err()
}

// CreateActivity adds a processing activity with its links.
func (s *Service) CreateActivity(ctx context.Context, a Activity) (*Activity, error) {
	if err := canWrite(ctx); err != nil {
		return nil, err
	}
	if err := a.clean(); err != nil {
		return nil, err
	}
	a.ID = store.NewID()
	err := s.db.InTx(ctx, func(ctx context.Context, tx *store.Tx) error {
		a.CreatedAt, a.UpdatedAt = tx.Now(), tx.Now()
		_, err := tx.ExecContext(ctx, `INSERT INTO processing_activities (`+activityCols+`)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20)`,
			a.ID, a.Name, a.Purposes, a.DataSubjects, a.LawfulBasis, a.LawfulBasisDetail, a.Art9Condition, a.Sch1Condition,
			a.Art10Basis, a.APDRequired, a.APDReference, a.APDRetention, a.RetentionRule, months(a.RetentionMonths),
			a.SecurityMeasures, a.PrivacyNotice, a.JointController, a.Owner, store.Millis(a.CreatedAt), store.Millis(a.UpdatedAt))
		if store.IsUniqueViolation(err) {
			return apperr.New(apperr.Conflict, "There is already a processing activity called %q.", a.Name)
		}
		if err != nil {
			return fmt.Errorf("insert processing activity: %w", err)
		}
		if err := s.writeLinks(ctx, tx, &a); err != nil {
			return err
		}
		return s.record(ctx, "datamap.activity.create", "processing_activity", a.ID, activityDetail(&a))
	})
	if err != nil {
		return nil, err
	}
	return &a, nil
}

// UpdateActivity replaces the fields and links of the activity a.ID.
func (s *Service) UpdateActivity(ctx context.Context, a Activity) (*Activity, error) {
	if err := canWrite(ctx); err != nil {
		return nil, err
	}
	if err := a.clean(); err != nil {
		return nil, err
	}
	err := s.db.InTx(ctx, func(ctx context.Context, tx *store.Tx) error {
		old, err := s.activity(ctx, a.ID)
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE processing_activities SET name = $1, purposes = $2, data_subjects = $3,
			lawful_basis = $4, lawful_basis_detail = $5, art9_condition = $6, sch1_condition = $7, art10_basis = $8,
			apd_required = $9, apd_reference = $10, apd_retention = $11, retention_rule = $12, retention_months = $13,
			security_measures = $14, privacy_notice = $15, joint_controller = $16, owner = $17, updated_at = $18 WHERE id = $19`,
			a.Name, a.Purposes, a.DataSubjects, a.LawfulBasis, a.LawfulBasisDetail, a.Art9Condition, a.Sch1Condition,
			a.Art10Basis, a.APDRequired, a.APDReference, a.APDRetention, a.RetentionRule, months(a.RetentionMonths),
			a.SecurityMeasures, a.PrivacyNotice, a.JointController, a.Owner, store.Millis(tx.Now()), a.ID)
		if store.IsUniqueViolation(err) {
			return apperr.New(apperr.Conflict, "There is already a processing activity called %q.", a.Name)
		}
		if err != nil {
			return fmt.Errorf("update processing activity: %w", err)
		}
		for _, t := range []string{"activity_categories", "activity_recipients", "activity_systems", "activity_transfers"} {
			if _, err := tx.ExecContext(ctx, `DELETE FROM `+t+` WHERE activity_id = $1`, a.ID); err != nil {
				return fmt.Errorf("clear %s: %w", t, err)
			}
		}
		if err := s.writeLinks(ctx, tx, &a); err != nil {
			return err
		}
		a.CreatedAt, a.UpdatedAt = old.CreatedAt, tx.Now()
		d := activityDetail(&a)
		d["lawful_basis_was"], d["art9_condition_was"] = old.LawfulBasis, old.Art9Condition
		return s.record(ctx, "datamap.activity.update", "processing_activity", a.ID, d)
	})
	if err != nil {
		return nil, err
	}
	return &a, nil
}

// DeleteActivity removes a processing activity and its links.
func (s *Service) DeleteActivity(ctx context.Context, id string) error {
	if err := canWrite(ctx); err != nil {
		return err
	}
	err := s.db.InTx(ctx, func(ctx context.Context, tx *store.Tx) error {
		if _, err := s.activity(ctx, id); err != nil {
			return err
		}
		// The link tables cascade; deleting them first keeps SQLite and
		// PostgreSQL (deferred checks) doing the same thing.
		for _, t := range []string{"activity_categories", "activity_recipients", "activity_systems", "activity_transfers"} {
			if _, err := tx.ExecContext(ctx, `DELETE FROM `+t+` WHERE activity_id = $1`, id); err != nil {
				return fmt.Errorf("clear %s: %w", t, err)
			}
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM processing_activities WHERE id = $1`, id); err != nil {
			return fmt.Errorf("delete processing activity: %w", err)
		}
		return s.record(ctx, "datamap.activity.delete", "processing_activity", id, nil)
	})
	return deleteError(err, "processing activity", id)
}

func months(n int) sql.NullInt64 { return sql.NullInt64{Int64: int64(n), Valid: n > 0} }

func activityDetail(a *Activity) map[string]string {
	return map[string]string{
		"lawful_basis":   a.LawfulBasis,
		"art9_condition": a.Art9Condition,
		"categories":     strconv.Itoa(len(a.CategoryIDs)),
		"recipients":     strconv.Itoa(len(a.RecipientIDs)),
		"systems":        strconv.Itoa(len(a.SystemIDs)),
		"transfers":      strconv.Itoa(len(a.Transfers)),
	}
}

// writeLinks inserts the activity's links, first checking that each id
// names something, so a bad id is a clear message rather than a
// constraint failure (which PostgreSQL would report only at commit).
func (s *Service) writeLinks(ctx context.Context, tx *store.Tx, a *Activity) error {
	for _, l := range []struct {
		ids                 []string
		table, link, col, w string
	}{
		{a.CategoryIDs, "data_categories", "activity_categories", "category_id", "data category"},
		{a.RecipientIDs, "data_recipients", "activity_recipients", "recipient_id", "recipient"},
		{a.SystemIDs, "data_systems", "activity_systems", "system_id", "system"},
	} {
		for _, id := range l.ids {
			ok, err := s.exists(ctx, l.table, id)
			if err != nil {
				return err
			}
			if !ok {
				return apperr.New(apperr.Invalid, "No %s with id %q.", l.w, truncate(id, 40))
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO `+l.link+` (activity_id, `+l.col+`) VALUES ($1, $2)`, a.ID, id); err != nil {
				return fmt.Errorf("link %s: %w", l.w, err)
			}
		}
	}
	for i, t := range a.Transfers {
		if _, err := tx.ExecContext(ctx, `INSERT INTO activity_transfers (id, activity_id, position, destination, safeguard, documentation) VALUES ($1, $2, $3, $4, $5, $6)`,
			store.NewID(), a.ID, i, t.Destination, t.Safeguard, t.Documentation); err != nil {
			return fmt.Errorf("insert transfer: %w", err)
		}
	}
	return nil
}
