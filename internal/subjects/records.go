package subjects

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"mime"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/stewardhq/steward/internal/access"
	"github.com/stewardhq/steward/internal/apperr"
	"github.com/stewardhq/steward/internal/datamap"
	"github.com/stewardhq/steward/internal/store"
	"github.com/stewardhq/steward/internal/vault"
)

// RecordKinds are the kinds of record the register knows.
func RecordKinds() []string {
	return []string{"casework_note", "health", "dbs_check", "recruitment", "accident", "election", "advice", "photo_cctv", "financial", "other"}
}

// MaxFileSize bounds one attached file.
const MaxFileSize = 10 << 20

// DataMap is what records need of the data map: whether a category may be
// held under an activity, and whether it is special.
type DataMap interface {
	ActivityAllows(ctx context.Context, activityID, categoryID string) error
	SystemExists(ctx context.Context, systemID string) error
	CategorySpecial(ctx context.Context, categoryID string) (datamap.Special, error)
}

// Records holds the records about people.
type Records struct {
	reg *Service
	dm  DataMap
}

// NewRecords returns the records service over a register.
func NewRecords(reg *Service, dm DataMap) *Records { return &Records{reg: reg, dm: dm} }

// Record is one record about a person.
type Record struct {
	ID         string     `json:"id"`
	SubjectID  string     `json:"subject_id"`
	Kind       string     `json:"kind"`
	CategoryID string     `json:"category_id"`
	ActivityID string     `json:"activity_id"`
	SystemID   string     `json:"system_id,omitempty"`
	Special    string     `json:"special,omitempty"`
	Title      string     `json:"title"`
	Body       string     `json:"body"`
	OccurredOn string     `json:"occurred_on,omitempty"`
	CreatedBy  string     `json:"created_by"`
	CreatedAt  time.Time  `json:"created_at"`
	Files      []FileInfo `json:"files"`
}

// FileInfo describes an attached file without its content.
type FileInfo struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	ContentType string `json:"content_type"`
	Size        int64  `json:"size"`
}

// RecordInput is what adds a record.
type RecordInput struct {
	Kind, CategoryID, ActivityID, SystemID string
	Title, Body, OccurredOn                string
}

func recField(col, id string) vault.Field { return vault.Field{Table: "records", Column: col, Row: id} }
func fileField(col, id string) vault.Field {
	return vault.Field{Table: "record_files", Column: col, Row: id}
}

func (in *RecordInput) clean() error {
	in.Kind = strings.TrimSpace(in.Kind)
	known := false
	for _, k := range RecordKinds() {
		known = known || k == in.Kind
	}
	if !known {
		return apperr.New(apperr.Invalid, "Unknown kind of record %q: use one of %s.", in.Kind, strings.Join(RecordKinds(), ", "))
	}
	in.Title = strings.TrimSpace(in.Title)
	if in.Title == "" || utf8.RuneCountInString(in.Title) > 200 {
		return apperr.New(apperr.Invalid, "A record needs a title of 1 to 200 characters.")
	}
	if utf8.RuneCountInString(in.Body) > 100_000 {
		return apperr.New(apperr.Invalid, "The text is longer than 100,000 characters; attach it as a file instead.")
	}
	var err error
	if in.OccurredOn, err = cleanDate("occurred", in.OccurredOn); err != nil {
		return err
	}
	if in.CategoryID == "" || in.ActivityID == "" {
		return apperr.New(apperr.Invalid, "Choose the data category of the record and the processing activity it is held under.")
	}
	return nil
}

// canWrite reports whether the actor may add records about people in a
// unit: those who edit the register, and those who keep casework.
func canWrite(a *access.Actor, unitPath string) bool {
	return a.CanIn(access.PermSubjectsWrite, unitPath) || a.CanIn(access.PermCasesWrite, unitPath)
}

// Add stores a record about a person. A special-category record is refused
// unless its processing activity names the Art 9 condition (or the Art 10
// basis for criminal data), with a message saying which is missing.
func (r *Records) Add(ctx context.Context, subjectID string, in RecordInput) (*Record, error) {
	a, err := access.Require(ctx, access.PermSubjectsRead)
	if err != nil {
		return nil, err
	}
	if err := in.clean(); err != nil {
		return nil, err
	}
	s := r.reg
	row, err := s.inScope(ctx, a, access.PermSubjectsRead, subjectID)
	if err != nil {
		return nil, err
	}
	if !canWrite(a, row.unitPath) {
		return nil, apperr.New(apperr.Forbidden, "Your roles do not let you add records about this person.")
	}
	if row.restricted && !a.CanIn(access.PermRightsManage, row.unitPath) {
		return nil, apperr.New(apperr.Forbidden, "This person's data is restricted (Art 18): only the data protection officer may add to it.")
	}
	if err := r.dm.ActivityAllows(ctx, in.ActivityID, in.CategoryID); err != nil {
		return nil, err
	}
	if in.SystemID != "" {
		if err := r.dm.SystemExists(ctx, in.SystemID); err != nil {
			return nil, err
		}
	}
	special, err := r.dm.CategorySpecial(ctx, in.CategoryID)
	if err != nil {
		return nil, err
	}
	if _, err := s.vault.SubjectKey(ctx, subjectID, false); errors.Is(err, vault.ErrShredded) {
		return nil, apperr.New(apperr.Conflict, "This person has been erased: nothing more can be recorded about them.")
	} else if err != nil {
		return nil, fmt.Errorf("key of %s: %w", subjectID, err)
	}
	// Each record has its own key, so it can be erased on its own.
	recID := store.NewID()
	key, err := s.vault.SubjectKey(ctx, recID, true)
	if err != nil {
		return nil, fmt.Errorf("key of record: %w", err)
	}
	rec := &Record{ID: recID, SubjectID: subjectID, Kind: in.Kind, CategoryID: in.CategoryID, ActivityID: in.ActivityID,
		SystemID: in.SystemID, Special: string(special), Title: in.Title, Body: in.Body, OccurredOn: in.OccurredOn, CreatedBy: a.AccountID, Files: []FileInfo{}}
	err = s.db.InTx(ctx, func(ctx context.Context, tx *store.Tx) error {
		rec.CreatedAt = tx.Now()
		_, err := tx.ExecContext(ctx, `INSERT INTO records (id, subject_id, kind, category_id, activity_id, system_id, special, title, body, occurred_on, created_by, created_at, updated_at, key_id)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12, $1)`,
			rec.ID, subjectID, rec.Kind, rec.CategoryID, rec.ActivityID, nullStr(rec.SystemID), rec.Special,
			key.Seal(recField("title", rec.ID), []byte(rec.Title)), key.Seal(recField("body", rec.ID), []byte(rec.Body)),
			nullStr(rec.OccurredOn), rec.CreatedBy, store.Millis(rec.CreatedAt))
		if err != nil {
			return fmt.Errorf("insert record: %w", err)
		}
		return s.record(ctx, "record.create", subjectID, "", map[string]string{"record_id": rec.ID, "kind": rec.Kind, "special": rec.Special})
	})
	if err != nil {
		return nil, err
	}
	return rec, nil
}

// List returns a person's records, newest first, each read audited.
func (r *Records) List(ctx context.Context, subjectID string) ([]Record, error) {
	a, err := access.Require(ctx, access.PermSubjectsRead)
	if err != nil {
		return nil, err
	}
	s := r.reg
	var out []Record
	err = s.db.InTx(ctx, func(ctx context.Context, tx *store.Tx) error {
		if _, err := s.inScope(ctx, a, access.PermSubjectsRead, subjectID); err != nil {
			return err
		}
		rows, err := tx.QueryContext(ctx, `SELECT id, kind, category_id, activity_id, COALESCE(system_id, ''), special, title, body, COALESCE(occurred_on, ''), created_by, created_at, key_id
			FROM records WHERE subject_id = $1 ORDER BY created_at DESC, id DESC`, subjectID)
		if err != nil {
			return fmt.Errorf("list records: %w", err)
		}
		var keys []*vault.SubjectKey
		for rows.Next() {
			rec := Record{SubjectID: subjectID, Files: []FileInfo{}}
			var title, body []byte
			var created int64
			var keyID sql.NullString
			if err := rows.Scan(&rec.ID, &rec.Kind, &rec.CategoryID, &rec.ActivityID, &rec.SystemID, &rec.Special, &title, &body, &rec.OccurredOn, &rec.CreatedBy, &created, &keyID); err != nil {
				rows.Close()
				return err
			}
			key, err := s.recordKey(ctx, keyID, subjectID)
			if errors.Is(err, vault.ErrShredded) {
				continue // erased: the row is on its way out
			}
			if err != nil {
				rows.Close()
				return err
			}
			t, err := key.Open(recField("title", rec.ID), title)
			if err != nil {
				rows.Close()
				return fmt.Errorf("open record %s: %w", rec.ID, err)
			}
			b, err := key.Open(recField("body", rec.ID), body)
			if err != nil {
				rows.Close()
				return fmt.Errorf("open record %s: %w", rec.ID, err)
			}
			rec.Title, rec.Body, rec.CreatedAt = string(t), string(b), store.FromMillis(created)
			out = append(out, rec)
			keys = append(keys, key)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for i := range out {
			if out[i].Files, err = r.files(ctx, tx, keys[i], out[i].ID); err != nil {
				return err
			}
			if err := s.record(ctx, "record.read", subjectID, "", map[string]string{"record_id": out[i].ID}); err != nil {
				return err
			}
		}
		return nil
	})
	return out, err
}

func (r *Records) files(ctx context.Context, tx *store.Tx, key *vault.SubjectKey, recordID string) ([]FileInfo, error) {
	rows, err := tx.QueryContext(ctx, `SELECT id, name, content_type, size FROM record_files WHERE record_id = $1 ORDER BY created_at, id`, recordID)
	if err != nil {
		return nil, fmt.Errorf("list files: %w", err)
	}
	defer rows.Close()
	out := []FileInfo{}
	for rows.Next() {
		var f FileInfo
		var name []byte
		if err := rows.Scan(&f.ID, &name, &f.ContentType, &f.Size); err != nil {
			return nil, err
		}
		n, err := key.Open(fileField("name", f.ID), name)
		if err != nil {
			return nil, fmt.Errorf("open file name %s: %w", f.ID, err)
		}
		f.Name = string(n)
		out = append(out, f)
	}
	return out, rows.Err()
}

// recordRow finds a record's person and checks the actor's scope.
func (r *Records) recordSubject(ctx context.Context, a *access.Actor, p access.Permission, recordID string) (*row, *vault.SubjectKey, error) {
	if !store.ValidID(recordID) {
		return nil, nil, apperr.New(apperr.NotFound, "No record with id %q.", recordID)
	}
	var subjectID string
	var keyID sql.NullString
	err := r.reg.db.Q(ctx).QueryRowContext(ctx, `SELECT subject_id, key_id FROM records WHERE id = $1`, recordID).Scan(&subjectID, &keyID)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil, apperr.New(apperr.NotFound, "No record with id %q.", recordID)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("find record: %w", err)
	}
	row, err := r.reg.inScope(ctx, a, p, subjectID)
	if err != nil {
		return nil, nil, apperr.New(apperr.NotFound, "No record with id %q.", recordID)
	}
	key, err := r.reg.recordKey(ctx, keyID, subjectID)
	if errors.Is(err, vault.ErrShredded) {
		return nil, nil, apperr.New(apperr.NotFound, "No record with id %q.", recordID)
	}
	if err != nil {
		return nil, nil, err
	}
	return row, key, nil
}

// recordKey returns the key a record is sealed under: its own, or the
// person's for records written before records had keys of their own.
func (s *Service) recordKey(ctx context.Context, keyID sql.NullString, subjectID string) (*vault.SubjectKey, error) {
	id := subjectID
	if keyID.Valid {
		id = keyID.String
	}
	key, err := s.vault.SubjectKey(ctx, id, false)
	if err != nil {
		return nil, fmt.Errorf("key of a record: %w", err)
	}
	return key, nil
}

// Attach seals a file into a record. The content never touches the disk in
// clear: it is read into memory (at most MaxFileSize), sealed, and stored.
func (r *Records) Attach(ctx context.Context, recordID, name, contentType string, content io.Reader) (*FileInfo, error) {
	a, err := access.Require(ctx, access.PermSubjectsRead)
	if err != nil {
		return nil, err
	}
	row, key, err := r.recordSubject(ctx, a, access.PermSubjectsRead, recordID)
	if err != nil {
		return nil, err
	}
	if !canWrite(a, row.unitPath) {
		return nil, apperr.New(apperr.Forbidden, "Your roles do not let you add to records about this person.")
	}
	if row.restricted && !a.CanIn(access.PermRightsManage, row.unitPath) {
		return nil, apperr.New(apperr.Forbidden, "This person's data is restricted (Art 18): only the data protection officer may add to it.")
	}
	name = strings.TrimSpace(strings.ReplaceAll(strings.ReplaceAll(name, "/", "_"), "\\", "_"))
	if name == "" || utf8.RuneCountInString(name) > 200 || !utf8.ValidString(name) {
		return nil, apperr.New(apperr.Invalid, "The file needs a name of 1 to 200 characters.")
	}
	if mt, _, err := mime.ParseMediaType(contentType); err != nil || mt == "" {
		contentType = "application/octet-stream"
	} else {
		contentType = mt
	}
	data, err := io.ReadAll(io.LimitReader(content, MaxFileSize+1))
	if err != nil {
		return nil, apperr.Wrap(err, apperr.Invalid, "The file could not be read; please try again.")
	}
	if len(data) > MaxFileSize {
		return nil, apperr.New(apperr.Invalid, "The file is larger than %d MB.", MaxFileSize>>20)
	}
	f := &FileInfo{ID: store.NewID(), Name: name, ContentType: contentType, Size: int64(len(data))}
	err = r.reg.db.InTx(ctx, func(ctx context.Context, tx *store.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO record_files (id, record_id, name, content_type, size, content, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
			f.ID, recordID, key.Seal(fileField("name", f.ID), []byte(name)), contentType, f.Size, key.Seal(fileField("content", f.ID), data), store.Millis(tx.Now()))
		if err != nil {
			return fmt.Errorf("store file: %w", err)
		}
		return r.reg.record(ctx, "record.file_attach", row.id, "", map[string]string{"record_id": recordID, "file_id": f.ID})
	})
	if err != nil {
		return nil, err
	}
	return f, nil
}

// File returns an attached file, decrypted on the way out, and audits the
// download.
func (r *Records) File(ctx context.Context, fileID string) (*FileInfo, []byte, error) {
	a, err := access.Require(ctx, access.PermSubjectsRead)
	if err != nil {
		return nil, nil, err
	}
	if !store.ValidID(fileID) {
		return nil, nil, apperr.New(apperr.NotFound, "No file with id %q.", fileID)
	}
	var info *FileInfo
	var data []byte
	// The read and its audit event are one transaction: no file leaves
	// without its trace.
	err = r.reg.db.InTx(ctx, func(ctx context.Context, tx *store.Tx) error {
		var recordID, ctype string
		var name, content []byte
		var size int64
		err := tx.QueryRowContext(ctx, `SELECT record_id, name, content_type, size, content FROM record_files WHERE id = $1`, fileID).Scan(&recordID, &name, &ctype, &size, &content)
		if errors.Is(err, sql.ErrNoRows) {
			return apperr.New(apperr.NotFound, "No file with id %q.", fileID)
		}
		if err != nil {
			return fmt.Errorf("load file: %w", err)
		}
		row, key, err := r.recordSubject(ctx, a, access.PermSubjectsRead, recordID)
		if err != nil {
			return apperr.New(apperr.NotFound, "No file with id %q.", fileID)
		}
		// A download is a copy leaving Steward: processing beyond storage,
		// which a restriction stops for all but those who answer rights
		// requests.
		if row.restricted && !a.CanIn(access.PermRightsManage, row.unitPath) {
			return apperr.New(apperr.Forbidden, "This person's data is restricted (Art 18): only the data protection officer may download their files.")
		}
		n, err := key.Open(fileField("name", fileID), name)
		if err != nil {
			return fmt.Errorf("open file %s: %w", fileID, err)
		}
		if data, err = key.Open(fileField("content", fileID), content); err != nil {
			return fmt.Errorf("open file %s: %w", fileID, err)
		}
		info = &FileInfo{ID: fileID, Name: string(n), ContentType: ctype, Size: size}
		return r.reg.record(ctx, "record.file_read", row.id, "", map[string]string{"record_id": recordID, "file_id": fileID})
	})
	if err != nil {
		return nil, nil, err
	}
	return info, data, nil
}
