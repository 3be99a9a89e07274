package web

import (
	"bytes"
	"errors"
	"io"
	"mime"
	"net/http"
	"path/filepath"

	"github.com/stewardhq/steward/internal/access"
	"github.com/stewardhq/steward/internal/apperr"
	"github.com/stewardhq/steward/internal/subjects"
	"github.com/stewardhq/steward/internal/subjects/importer"
)

// importUploadPattern takes a whole membership list, so it has a larger
// body limit. Larger files go through `steward import people`.
const importUploadPattern = "POST /people/import"

// maxImportUpload bounds a list uploaded through the page.
const maxImportUpload = 64 << 20

type importView struct {
	Units  []access.Unit
	Keys   []string
	Result *importer.Result
	File   string
}

func (s *Server) importPage(w http.ResponseWriter, r *http.Request) error {
	_, units, err := s.unitNames(r)
	if err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "import", view{Title: "Import people", Data: importView{Units: units, Keys: subjects.KeyFields()}})
	return nil
}

// importUpload imports an uploaded CSV or XLSX from memory: it is never
// written to disk. The page shows the summary and the rejected rows; the
// "report" button answers with the per-row report as a CSV download
// instead, so nothing about the run has to be kept on the server.
func (s *Server) importUpload(w http.ResponseWriter, r *http.Request) error {
	// The whole upload is kept in memory (the body limit is just above
	// this), so no part of a membership list is spilled to a temporary
	// file in clear.
	if err := r.ParseMultipartForm(maxImportUpload + 1<<20); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return apperr.New(apperr.Invalid, "The file is larger than %d MB; import it with `steward import people` instead.", maxImportUpload>>20)
		}
		return apperr.New(apperr.Invalid, "Choose a CSV or XLSX file to import.")
	}
	defer r.MultipartForm.RemoveAll()
	files := r.MultipartForm.File["file"]
	if len(files) == 0 {
		return apperr.New(apperr.Invalid, "Choose a CSV or XLSX file to import.")
	}
	fh := files[0]
	f, err := fh.Open()
	if err != nil {
		return apperr.Wrap(err, apperr.Invalid, "The file could not be read; please try again.")
	}
	data, err := io.ReadAll(io.LimitReader(f, maxImportUpload+1))
	f.Close()
	if err != nil {
		return apperr.Wrap(err, apperr.Invalid, "The file could not be read; please try again.")
	}
	if len(data) > maxImportUpload {
		// Never import the first part of a list: with a full refresh the
		// rest would be marked as left.
		return apperr.New(apperr.Invalid, "The file is larger than %d MB; import it with `steward import people` instead.", maxImportUpload>>20)
	}
	v := r.MultipartForm.Value
	wantReport := first(v["action"]) == "report"
	var report bytes.Buffer
	o := importer.Options{Data: data, Name: filepath.Base(fh.Filename), Unit: first(v["unit"]), Key: first(v["key"]),
		DryRun: first(v["dry_run"]) == "on", Strict: first(v["strict"]) == "on", FullRefresh: first(v["full_refresh"]) == "on"}
	if wantReport {
		o.Report = &report
	}
	res, runErr := s.importer.Run(r.Context(), o)
	if runErr != nil && (res == nil || !res.Refused) {
		code := status(apperr.CodeOf(runErr))
		if code >= 500 {
			return runErr
		}
		_, units, err := s.unitNames(r)
		if err != nil {
			return err
		}
		s.render(w, r, code, "import", view{Title: "Import people", Error: apperr.MessageOf(runErr), Data: importView{Units: units, Keys: subjects.KeyFields(), File: o.Name}})
		return nil
	}
	if wantReport {
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": o.Name + ".report.csv"}))
		_, _ = report.WriteTo(w)
		return nil
	}
	_, units, err := s.unitNames(r)
	if err != nil {
		return err
	}
	vw := view{Title: "Import people", Notice: res.Summary(), Data: importView{Units: units, Keys: subjects.KeyFields(), Result: res, File: o.Name}}
	if runErr != nil {
		vw.Error = apperr.MessageOf(runErr)
	}
	s.render(w, r, http.StatusOK, "import", vw)
	return nil
}
