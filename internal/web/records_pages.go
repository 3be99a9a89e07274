package web

import (
	"context"
	"errors"
	"mime"
	"net/http"

	"github.com/stewardhq/steward/internal/access"
	"github.com/stewardhq/steward/internal/apperr"
	"github.com/stewardhq/steward/internal/store"
	"github.com/stewardhq/steward/internal/subjects"
)

// personRecordsView gathers what the person page shows besides the
// profile: the records with their files, and the choices for a new one.
func (s *Server) personRecordsView(r *http.Request, p *subjects.Subject, hist []subjects.Change) (personView, error) {
	ctx := r.Context()
	names, units, err := s.unitNames(r)
	if err != nil {
		return personView{}, err
	}
	recs, err := s.records.List(ctx, p.ID)
	if err != nil {
		return personView{}, err
	}
	choices, err := s.datamap.FormChoices(ctx)
	if err != nil {
		return personView{}, err
	}
	// Names of categories, activities and systems, for showing records.
	labels := map[string]string{}
	for _, c := range choices.Categories {
		labels[c.ID] = c.Name
	}
	for _, c := range choices.Activities {
		labels[c.ID] = c.Name
	}
	for _, c := range choices.Systems {
		labels[c.ID] = c.Name
	}
	return personView{Person: p, UnitName: names[p.UnitID], History: hist, Records: recs, Choices: choices, Names: labels, Kinds2: subjects.RecordKinds(),
		May: personMayFor(access.ActorFrom(ctx), p, units)}, nil
}

// recordCreate adds a record, with a file when one is attached. The upload
// is read into memory and sealed; it never touches the disk in clear.
func (s *Server) recordCreate(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	// Kept in memory whole (the body limit is this size), so an upload is
	// never spilled to a temporary file in clear.
	if err := r.ParseMultipartForm(subjects.MaxFileSize + 1<<20); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return apperr.New(apperr.Invalid, "The upload is larger than %d MB.", subjects.MaxFileSize>>20)
		}
		if err := r.ParseForm(); err != nil {
			return apperr.New(apperr.Invalid, "The form could not be read; please try again.")
		}
	}
	if r.MultipartForm != nil {
		defer r.MultipartForm.RemoveAll()
	}
	f := r.PostForm
	if r.MultipartForm != nil {
		f = r.MultipartForm.Value
	}
	in := subjects.RecordInput{Kind: first(f["kind"]), CategoryID: first(f["category_id"]), ActivityID: first(f["activity_id"]),
		SystemID: first(f["system_id"]), Title: first(f["title"]), Body: first(f["body"]), OccurredOn: first(f["occurred_on"])}
	// The record and its file are one transaction: a refused file leaves
	// no record behind.
	err := s.db.InTx(r.Context(), func(ctx context.Context, _ *store.Tx) error {
		rec, err := s.records.Add(ctx, id, in)
		if err != nil {
			return err
		}
		if r.MultipartForm == nil || len(r.MultipartForm.File["file"]) == 0 {
			return nil
		}
		fh := r.MultipartForm.File["file"][0]
		file, err := fh.Open()
		if err != nil {
			return apperr.Wrap(err, apperr.Invalid, "The file could not be read; please try again.")
		}
		defer file.Close()
		_, err = s.records.Attach(ctx, rec.ID, fh.Filename, fh.Header.Get("Content-Type"), file)
		return err
	})
	if err != nil {
		return s.recordFormError(w, r, id, err)
	}
	http.Redirect(w, r, "/people/"+id+"?done=saved", http.StatusSeeOther)
	return nil
}

func first(v []string) string {
	if len(v) == 0 {
		return ""
	}
	return v[0]
}

// recordFormError shows the person page again with the refusal.
func (s *Server) recordFormError(w http.ResponseWriter, r *http.Request, id string, err error) error {
	code := status(apperr.CodeOf(err))
	if code >= 500 || code == http.StatusNotFound {
		return err
	}
	p, gerr := s.subjects.Get(r.Context(), id, "view")
	if gerr != nil {
		return gerr
	}
	hist, herr := s.subjects.History(r.Context(), id)
	if herr != nil {
		return herr
	}
	v, verr := s.personRecordsView(r, p, hist)
	if verr != nil {
		return verr
	}
	s.render(w, r, code, "person", view{Title: personTitle, Error: apperr.MessageOf(err), Data: v})
	return nil
}

// fileDownload sends a record's file, decrypted on the way out, as an
// attachment that is never cached.
func (s *Server) fileDownload(w http.ResponseWriter, r *http.Request) error {
	info, data, err := s.records.File(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", info.ContentType)
	w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": info.Name}))
	w.Header().Set("X-Content-Type-Options", "nosniff")
	_, _ = w.Write(data)
	return nil
}
