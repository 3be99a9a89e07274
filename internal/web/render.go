package web

import (
	"bytes"
	"crypto/rand"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"time"

	"github.com/stewardhq/steward/internal/access"
	"github.com/stewardhq/steward/internal/apperr"
	"github.com/stewardhq/steward/internal/calendar"
)

// view is what every page template receives.
type view struct {
	Title   string
	Actor   *access.Actor
	CSS     string
	Demo    bool
	Notice  string
	Error   string
	Version string
	Data    any
}

func (s *Server) parseTemplates() error {
	// Times on pages are UK times, as the people reading them live them,
	// with GMT or BST named so that nobody has to guess.
	london, err := calendar.London()
	if err != nil {
		london = time.UTC // no time zone data: times say UTC instead
	}
	funcs := template.FuncMap{
		"when": whenIn(london),
		"can":  func(a *access.Actor, p string) bool { return a.Can(access.Permission(p)) },
		"day":  longDay,
		// formNonce marks a form so that sending it twice is noticed
		// (formOnce).
		"formNonce": rand.Text,
	}
	layout, err := template.New("layout.html").Funcs(funcs).ParseFS(assets, "templates/layout.html")
	if err != nil {
		return fmt.Errorf("parse layout: %w", err)
	}
	names, err := fs.Glob(assets, "templates/*.html")
	if err != nil {
		return err
	}
	s.pages = map[string]*template.Template{}
	for _, n := range names {
		if path.Base(n) == "layout.html" {
			continue
		}
		t, err := template.Must(layout.Clone()).ParseFS(assets, n)
		if err != nil {
			return fmt.Errorf("parse %s: %w", n, err)
		}
		s.pages[strings.TrimSuffix(path.Base(n), ".html")] = t
	}
	for _, need := range []string{"login", "dashboard", "account", "units", "unit", "accounts", "error", "people", "person", "person_form", "import",
		"datamap_index", "datamap_gaps", "datamap_activity", "datamap_activity_form", "datamap_controller",
		"datamap_categories", "datamap_category", "datamap_systems", "datamap_system", "datamap_recipients", "datamap_recipient",
		"requests", "request", "request_form", "public_request", "public_receipt", "public_status",
		"lists", "list", "list_ready",
		"onboarding", "governance_policies", "governance_people", "governance_person",
		"consent", "consent_import", "consent_link", "preferences", "unsubscribe",
		"disclosures", "disclosure", "disclosure_form", "outbox", "list_email"} {
		if s.pages[need] == nil {
			return fmt.Errorf("template %s.html is missing", need)
		}
	}
	return nil
}

// whenIn writes an instant as a time in loc with its zone's name ("3 Jul
// 2026 14:05 BST"), and "—" for none.
func whenIn(loc *time.Location) func(time.Time) string {
	return func(t time.Time) string {
		if t.IsZero() {
			return "—"
		}
		return t.In(loc).Format("2 Jan 2006 15:04 MST")
	}
}

// longDay writes a YYYY-MM-DD day as people do ("Monday 2 March 2026"),
// "—" for none, and anything else as it is.
func longDay(s string) string {
	if s == "" {
		return "—"
	}
	d, err := calendar.ParseDate(s)
	if err != nil {
		return s
	}
	return d.Long()
}

// render executes a page into a buffer first, so a template error becomes a
// clean error page instead of half a page.
func (s *Server) render(w http.ResponseWriter, r *http.Request, code int, name string, v view) {
	v.Actor = access.ActorFrom(r.Context())
	v.CSS = s.cssPath
	v.Version = s.cfg.Version
	v.Demo = s.access.DemoTOTPOff(r.Context())
	var buf bytes.Buffer
	if err := s.pages[name].ExecuteTemplate(&buf, "layout.html", v); err != nil {
		s.log.ErrorContext(r.Context(), "render page", "page", name, "err", err)
		http.Error(w, "Internal error. It has been logged.", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(code)
	_, _ = buf.WriteTo(w)
}

func (s *Server) renderError(w http.ResponseWriter, r *http.Request, code int, msg string) {
	s.render(w, r, code, "error", view{Title: http.StatusText(code), Error: msg, Data: code})
}

// renderAppError shows an application error with its safe message and logs
// internal causes.
func (s *Server) renderAppError(w http.ResponseWriter, r *http.Request, err error) {
	code := status(apperr.CodeOf(err))
	if code >= 500 {
		s.log.ErrorContext(r.Context(), "page failed", "route", r.Pattern, "err", err)
	}
	s.renderError(w, r, code, apperr.MessageOf(err))
}
