package web

import (
	"context"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"time"

	"github.com/stewardhq/steward/internal/access"
	"github.com/stewardhq/steward/internal/apperr"
)

// maxBody bounds every request body; forms and JSON here are small.
const maxBody = 1 << 20

const csp = "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

type statusWriter struct {
	http.ResponseWriter
	code int
}

func (w *statusWriter) WriteHeader(c int) {
	if w.code == 0 {
		w.code = c
	}
	w.ResponseWriter.WriteHeader(c)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.code == 0 {
		w.code = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// common wraps every request: security headers, panic recovery, metrics and a log line without personal data (no query strings,
// no addresses, no bodies).
func (s *Server) common(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		h := w.Header()
		h.Set("Content-Security-Policy", csp)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		if !strings.HasPrefix(r.URL.Path, "/static/") {
			// Anything but static assets may carry personal data.
			h.Set("Cache-Control", "no-store")
		}
		if r.TLS != nil {
			h.Set("Strict-Transport-Security", "max-age=31536000")
		}
		sw := &statusWriter{ResponseWriter: w}
		ri := &routeInfo{}
		r = r.WithContext(context.WithValue(r.Context(), routeKey{}, ri))
		defer func() {
			if p := recover(); p != nil {
				s.log.ErrorContext(r.Context(), "panic serving request", "route", ri.pattern, "panic", p)
				if sw.code == 0 {
					http.Error(sw, "Internal error. It has been logged.", http.StatusInternalServerError)
				}
			}
			code := sw.code
			if code == 0 {
				code = http.StatusOK
			}
			s.metrics.observe(ri.pattern, code, time.Since(start))
			s.log.DebugContext(r.Context(), "request", "method", r.Method, "route", ri.pattern, "status", code, "ms", time.Since(start).Milliseconds())
		}()
		next.ServeHTTP(sw, r)
	})
}

// authenticate puts the actor of a session cookie or bearer token in the
// context, when there is a valid one. Routes decide whether they need it.
func (s *Server) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		// Bearer tokens are for the API; pages use the session cookie, and
		// /metrics checks its own token.
		if auth := r.Header.Get("Authorization"); auth != "" && strings.HasPrefix(r.URL.Path, "/api/") {
			tok, ok := strings.CutPrefix(auth, "Bearer ")
			if !ok {
				writeProblem(w, http.StatusUnauthorized, "Send the token as 'Authorization: Bearer stp_...'.")
				return
			}
			a, err := s.access.TokenActor(ctx, strings.TrimSpace(tok))
			if err != nil {
				writeProblem(w, status(apperr.CodeOf(err)), apperr.MessageOf(err))
				return
			}
			ctx = access.WithActor(ctx, a)
		} else if c, err := r.Cookie(s.cookieName(r)); err == nil && c.Value != "" {
			if a, err := s.access.SessionActor(ctx, c.Value); err == nil {
				ctx = access.WithActor(ctx, a)
				ctx = context.WithValue(ctx, sessionKey{}, c.Value)
			} else {
				s.clearCookie(w, r)
			}
		}
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

type sessionKey struct{}

// sessionToken returns the session cookie value of the request, if any.
func sessionToken(ctx context.Context) string {
	v, _ := ctx.Value(sessionKey{}).(string)
	return v
}

// secure reports whether cookies should carry the Secure attribute: always,
// except for plain HTTP on a loopback address (a local demo), where
// browsers would otherwise drop them.
func (s *Server) secure(r *http.Request) bool {
	if r.TLS != nil || s.cfg.SecureCookies {
		return true
	}
	if s.cfg.TrustProxy && r.Header.Get("X-Forwarded-Proto") == "https" {
		return true
	}
	host, _, err := net.SplitHostPort(r.Host)
	if err != nil {
		host = r.Host
	}
	return !IsLoopbackHost(host)
}

// IsLoopbackHost reports whether a host name or address is this machine's
// loopback: "localhost", 127.0.0.0/8 or ::1.
func IsLoopbackHost(host string) bool {
	if host == "localhost" {
		return true
	}
	a, err := netip.ParseAddr(strings.Trim(host, "[]"))
	return err == nil && a.IsLoopback()
}

// cookieName uses the __Host- prefix when the cookie is Secure: it pins the
// cookie to this host and path.
func (s *Server) cookieName(r *http.Request) string {
	if s.secure(r) {
		return "__Host-steward_session"
	}
	return "steward_session"
}

func (s *Server) setSessionCookie(w http.ResponseWriter, r *http.Request, token string, expires time.Time) {
	http.SetCookie(w, &http.Cookie{Name: s.cookieName(r), Value: token, Path: "/", Expires: expires,
		HttpOnly: true, Secure: s.secure(r), SameSite: http.SameSiteLaxMode})
}

func (s *Server) clearCookie(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{Name: s.cookieName(r), Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, Secure: s.secure(r), SameSite: http.SameSiteLaxMode})
}

// routeInfo carries the matched route pattern back out to the outer
// middleware: the mux sets Pattern only on the request it hands inward.
type routeInfo struct{ pattern string }

type routeKey struct{}

// patternMux is a ServeMux whose handlers note the pattern they matched,
// for metrics and logs labelled by route rather than by raw path (which
// could hold ids).
type patternMux struct{ *http.ServeMux }

func newPatternMux() patternMux { return patternMux{http.NewServeMux()} }

func (m patternMux) Handle(pattern string, h http.Handler) {
	m.ServeMux.Handle(pattern, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if ri, ok := r.Context().Value(routeKey{}).(*routeInfo); ok {
			ri.pattern = r.Pattern
		}
		h.ServeHTTP(w, r)
	}))
}

func (m patternMux) HandleFunc(pattern string, h func(http.ResponseWriter, *http.Request)) {
	m.Handle(pattern, http.HandlerFunc(h))
}
