// Package web serves Steward's HTML pages and its JSON API. Both are thin:
// they parse input, call a service with the actor in the context, and
// render the result. Permission is declared per route here and checked
// again by the service.
package web

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"embed"
	"encoding/hex"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"time"

	"github.com/stewardhq/steward/internal/access"
	"github.com/stewardhq/steward/internal/audit"
	"github.com/stewardhq/steward/internal/consent"
	"github.com/stewardhq/steward/internal/datamap"
	"github.com/stewardhq/steward/internal/disclosures"
	"github.com/stewardhq/steward/internal/governance"
	"github.com/stewardhq/steward/internal/lists"
	"github.com/stewardhq/steward/internal/notify"
	"github.com/stewardhq/steward/internal/rights"
	"github.com/stewardhq/steward/internal/store"
	"github.com/stewardhq/steward/internal/subjects"
	"github.com/stewardhq/steward/internal/subjects/importer"
	"github.com/stewardhq/steward/internal/vault"
)

//go:embed templates static
var assets embed.FS

// Config holds the HTTP settings.
type Config struct {
	// SecureCookies forces the Secure attribute even on plain HTTP (for a
	// TLS-terminating proxy that does not send X-Forwarded-Proto).
	SecureCookies bool
	// TrustProxy believes X-Forwarded-Proto from the proxy in front.
	TrustProxy bool
	// MetricsToken, when set, must be presented as a bearer token to read
	// /metrics. The figures hold no personal data, but not every operator
	// wants them public.
	MetricsToken string
	Version      string
	// BaseURL is Steward's public address; links Steward shows to be kept
	// or passed on (a preference link, the status page) use it rather
	// than the Host header the request came with.
	BaseURL string
}

// Deps are the services the web layer calls.
type Deps struct {
	DB       *store.DB
	Vault    *vault.Vault
	Access   *access.Service
	Audit    *audit.Log
	Subjects *subjects.Service
	Datamap  *datamap.Service   // made from DB and Audit when nil
	Records  *subjects.Records  // made from Subjects and Datamap when nil
	Importer *importer.Importer // made from the services above when nil
	Rights   *rights.Service    // made with the default settings when nil
	Lists    *lists.Service     // made with the default settings when nil
	Consent  *consent.Service   // made from the services above when nil
	// Governance runs onboarding and offboarding and is Access's gate;
	// made with the default settings when nil.
	Governance *governance.Service
	// Disclosures is the disclosure log (made when nil, and then given to
	// a Rights made here); Notify the outbox (made without a mail server
	// when nil).
	Disclosures *disclosures.Service
	Notify      *notify.Service
	Log         *slog.Logger
}

// Server is the HTTP face of Steward.
type Server struct {
	cfg       Config
	db        *store.DB
	vault     *vault.Vault
	access    *access.Service
	audit     *audit.Log
	subjects  *subjects.Service
	datamap   *datamap.Service
	records   *subjects.Records
	importer  *importer.Importer
	rights    *rights.Service
	lists     *lists.Service
	downloads *downloads
	listForms *formOnce
	gov       *governance.Service
	disclose  *disclosures.Service
	notify    *notify.Service
	log       *slog.Logger
	metrics   *metrics
	pages     map[string]*template.Template
	cssPath   string
	css       []byte
	loginRate *limiter
	// publicRate and statusRate slow the public request form and the
	// status check per client address.
	publicRate *limiter
	statusRate *limiter
	consent    *consent.Service
	// prefRate slows the preference pages and unsubscribeRate the
	// one-click unsubscribe, which mail providers call from few addresses.
	prefRate, unsubRate *limiter
}

// New builds the server and parses every template, so a broken template
// stops the start rather than a request.
func New(d Deps, cfg Config) (*Server, error) {
	if d.Log == nil {
		d.Log = slog.New(slog.DiscardHandler)
	}
	if d.Datamap == nil && d.DB != nil && d.Audit != nil {
		d.Datamap = datamap.New(d.DB, d.Audit)
	}
	if d.Records == nil && d.Subjects != nil && d.Datamap != nil {
		d.Records = subjects.NewRecords(d.Subjects, d.Datamap)
	}
	if d.Importer == nil && d.Subjects != nil {
		d.Importer = importer.New(d.DB, d.Audit, d.Access, d.Subjects, d.Log)
	}
	if d.Consent == nil && d.Subjects != nil {
		d.Consent = consent.New(d.DB, d.Vault, d.Audit, consent.NewSuppressions(d.DB, d.Vault, d.Audit), d.Subjects, consent.Config{})
	}
	if d.Lists == nil && d.Subjects != nil {
		d.Lists = lists.New(d.DB, d.Audit, d.Subjects, d.Access, d.Consent.Suppressions(), lists.Config{})
		d.Lists.UseConsents(d.Consent)
	}
	if d.Disclosures == nil && d.Subjects != nil && d.Datamap != nil {
		d.Disclosures = disclosures.New(d.DB, d.Vault, d.Audit, d.Datamap, d.Subjects, d.Access)
	}
	if d.Notify == nil && d.DB != nil {
		out, err := notify.New(d.DB, d.Vault, d.Audit, consent.NewSuppressions(d.DB, d.Vault, d.Audit), d.Log, notify.Config{})
		if err != nil {
			return nil, err
		}
		if d.Lists != nil {
			out.UseLists(d.Lists)
		}
		if d.Consent != nil {
			out.UseUnsubscribes(d.Consent)
			if d.Subjects != nil {
				out.UsePreferenceLinks(d.Consent, d.Subjects)
			}
		}
		d.Notify = out
	}
	if d.Rights == nil && d.Subjects != nil {
		rs, err := rights.New(d.DB, d.Vault, d.Audit, d.Access, d.Subjects, d.Log, rights.Config{})
		if err != nil {
			return nil, err
		}
		rs.Use(d.Subjects.Source(), d.Records.Source(d.Datamap), d.Consent.Source(), d.Lists.Source(), d.Access.AccessLogSource(d.Audit))
		rs.UseDataMap(d.Datamap)
		rs.UseSuppressions(d.Consent.Suppressions(), d.Subjects)
		rs.UseCorrections(d.Subjects)
		if d.Disclosures != nil {
			rs.Use(d.Disclosures.Source())
			rs.UseDisclosures(d.Disclosures)
		}
		d.Rights = rs
	}
	if d.Governance == nil && d.Access != nil {
		d.Governance = newGovernance(d)
	}
	if d.Governance != nil {
		d.Access.UseGate(d.Governance)
	}
	s := &Server{cfg: cfg, gov: d.Governance, rights: d.Rights, lists: d.Lists, downloads: newDownloads(), listForms: newFormOnce(), disclose: d.Disclosures, notify: d.Notify, datamap: d.Datamap, records: d.Records, importer: d.Importer, db: d.DB, vault: d.Vault, access: d.Access, audit: d.Audit, subjects: d.Subjects, log: d.Log,
		metrics: newMetrics(), loginRate: newLimiter(10, 10), publicRate: newLimiter(1, 10), statusRate: newLimiter(10, 10),
		consent: d.Consent, prefRate: newLimiter(30, 30), unsubRate: newLimiter(600, 600)}
	css, err := fs.ReadFile(assets, "static/style.css")
	if err != nil {
		return nil, fmt.Errorf("read stylesheet: %w", err)
	}
	sum := sha256.Sum256(css)
	s.css = css
	s.cssPath = "/static/style." + hex.EncodeToString(sum[:6]) + ".css"
	if err := s.parseTemplates(); err != nil {
		return nil, err
	}
	return s, nil
}

// route is one line of a route table: a ServeMux pattern, the permission it
// needs ("" for public pages) and the handler.
type route struct {
	pattern string
	perm    access.Permission
	handle  func(w http.ResponseWriter, r *http.Request) error
}

// bodyLimit is the largest body a page route accepts: forms are small;
// the uploads of a record's file and of an import are the exceptions.
func bodyLimit(pattern string) int64 {
	switch pattern {
	case recordUploadPattern:
		return subjects.MaxFileSize + 1<<20
	case importUploadPattern:
		return maxImportUpload + 1<<20
	case consentImportPattern:
		return maxConsentUpload + 1<<20
	}
	return maxBody
}

// pageRoutes is the table of HTML pages, read top to bottom; each
// capability adds its own table.
func (s *Server) pageRoutes() []route {
	routes := s.corePageRoutes()
	routes = append(routes, s.peoplePageRoutes()...)
	routes = append(routes, s.datamapPageRoutes()...)
	routes = append(routes, s.rightsPageRoutes()...)
	routes = append(routes, s.rightsItemsPageRoutes()...)
	routes = append(routes, s.rightsLetterPageRoutes()...)
	routes = append(routes, s.publicPageRoutes()...)
	routes = append(routes, s.listsPageRoutes()...)
	routes = append(routes, s.governancePageRoutes()...)
	routes = append(routes, s.consentPageRoutes()...)
	routes = append(routes, s.sharingPageRoutes()...)
	return routes
}

func (s *Server) corePageRoutes() []route {
	return []route{
		{"GET /login", "", s.loginPage},
		{"POST /login", "", s.loginSubmit},
		{"POST /logout", access.PermSelf, s.logout},
		{"GET /{$}", access.PermSelf, s.dashboard},
		{"GET /account", access.PermSelf, s.accountPage},
		{"POST /account/password", access.PermSelf, s.changePassword},
		{"POST /account/tokens", access.PermSelf, s.createToken},
		{"POST /account/tokens/{id}/revoke", access.PermSelf, s.revokeToken},
		{"POST /account/sessions/end-others", access.PermSelf, s.endOtherSessions},
		{"GET /units", access.PermUnitsRead, s.unitsPage},
		{"GET /units/{id}", access.PermUnitsRead, s.unitPage},
		{"GET /admin/accounts", access.PermAccountsManage, s.accountsPage},
	}
}

// Handler returns the complete HTTP handler.
func (s *Server) Handler() http.Handler {
	mux := newPatternMux()
	mux.HandleFunc("GET /healthz", s.healthz)
	mux.HandleFunc("GET /readyz", s.readyz)
	mux.Handle("GET /metrics", s.metricsGate(s.metrics.handler()))
	mux.HandleFunc("GET "+s.cssPath, s.stylesheet)
	for _, rt := range s.pageRoutes() {
		mux.Handle(rt.pattern, s.page(rt))
	}
	api := s.apiHandler()
	mux.Handle("/api/v1/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, maxBody)
		api.ServeHTTP(w, r)
	}))
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		s.renderError(w, r, http.StatusNotFound, "There is no page at this address.")
	})
	cop := http.NewCrossOriginProtection()
	cop.AddInsecureBypassPattern(unsubscribePattern) // RFC 8058 one-click: see consentPageRoutes
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.renderError(w, r, http.StatusForbidden, "This request came from another site and was refused. Use Steward's own pages.")
	}))
	return s.common(cop.Handler(s.authenticate(mux)))
}

// page adapts a route to an http.Handler: it enforces the declared
// permission (sending the anonymous to the sign-in page) and renders errors.
func (s *Server) page(rt route) http.Handler {
	limit := bodyLimit(rt.pattern)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, limit)
		if rt.perm != "" {
			a := access.ActorFrom(r.Context())
			if a == nil {
				if r.Method == http.MethodGet {
					http.Redirect(w, r, "/login", http.StatusSeeOther)
					return
				}
				s.renderError(w, r, http.StatusUnauthorized, "Your session has ended. Please sign in again.")
				return
			}
			if !a.Can(rt.perm) {
				s.renderError(w, r, http.StatusForbidden, a.DeniedMessage(rt.perm, "Your roles do not allow this page."))
				return
			}
		}
		if err := rt.handle(w, r); err != nil {
			s.renderAppError(w, r, err)
		}
	})
}

func (s *Server) metricsGate(next http.Handler) http.Handler {
	if s.cfg.MetricsToken == "" {
		return next
	}
	want := sha256.Sum256([]byte("Bearer " + s.cfg.MetricsToken))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got := sha256.Sum256([]byte(r.Header.Get("Authorization")))
		if subtle.ConstantTimeCompare(got[:], want[:]) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="metrics"`)
			http.Error(w, "metrics need the bearer token set with --metrics-token", http.StatusUnauthorized)
			return
		}
		next.ServeHTTP(w, r)
	})
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	fmt.Fprintln(w, "ok")
}

// readyz answers 200 only when both the database and the key store answer.
func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	if err := s.db.Ping(ctx); err != nil {
		s.log.WarnContext(ctx, "readiness: database", "err", err)
		http.Error(w, "database unavailable", http.StatusServiceUnavailable)
		return
	}
	if err := s.vault.KeyStore().Ping(ctx); err != nil {
		s.log.WarnContext(ctx, "readiness: key store", "err", err)
		http.Error(w, "key store unavailable", http.StatusServiceUnavailable)
		return
	}
	fmt.Fprintln(w, "ready")
}

func (s *Server) stylesheet(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/css; charset=utf-8")
	// The content hash is in the URL, so the file can be cached for ever.
	w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	_, _ = w.Write(s.css)
}
