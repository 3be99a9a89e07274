package web_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stewardhq/steward/internal/access"
	"github.com/stewardhq/steward/internal/web"
)

// client returns an HTTP client with a cookie jar that does not follow
// redirects, so tests see each response as sent.
func client(t *testing.T) *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, Timeout: 10 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

func login(t *testing.T, f *fixture, c *http.Client, user, pass, code string) *http.Response {
	t.Helper()
	resp, err := c.PostForm(f.URL+"/login", url.Values{"username": {user}, "password": {pass}, "code": {code}})
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

func body(t *testing.T, r *http.Response) string {
	t.Helper()
	defer r.Body.Close()
	b, err := io.ReadAll(r.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// apiToken signs the rep in and makes a token through the service.
func repToken(t *testing.T, f *fixture) string {
	t.Helper()
	a, err := f.Access.Actor(t.Context(), f.RepUser, access.ViaSession)
	if err != nil {
		t.Fatal(err)
	}
	secret, _, err := f.Access.CreateToken(access.WithActor(t.Context(), a), "test", time.Hour, nil)
	if err != nil {
		t.Fatal(err)
	}
	return secret
}

func TestPagesAndAPIScenarios(t *testing.T) {
	f := newFixture(t)
	rep := client(t)
	if r := login(t, f, rep, f.RepUser, f.RepPassword, ""); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("rep login: %d %s", r.StatusCode, body(t, r))
	}
	anon := client(t)
	tok := repToken(t, f)
	type scenario struct {
		name       string
		c          *http.Client
		method     string
		path       string
		bearer     string
		body       string
		ctype      string
		wantStatus int
		want       []string
		notWant    []string
	}
	for _, s := range []scenario{
		{name: "anonymous dashboard redirects to login", c: anon, method: "GET", path: "/", wantStatus: 303},
		{name: "login page", c: anon, method: "GET", path: "/login", wantStatus: 200, want: []string{`name="password"`}},
		{name: "wrong password", c: anon, method: "POST", path: "/login", ctype: "application/x-www-form-urlencoded", body: "username=rep.a&password=nope-nope-nope", wantStatus: 401, want: []string{"Wrong username, password or code."}},
		{name: "rep dashboard shows own workplace only", c: rep, method: "GET", path: "/", wantStatus: 200, want: []string{f.WorkplaceAName}, notWant: []string{f.WorkplaceBName, "Tyneside"}},
		{name: "rep units page", c: rep, method: "GET", path: "/units", wantStatus: 200, want: []string{f.WorkplaceAName}, notWant: []string{f.WorkplaceBName}},
		{name: "rep cannot open another workplace", c: rep, method: "GET", path: "/units/" + f.WorkplaceB, wantStatus: 404, notWant: []string{f.WorkplaceBName}},
		{name: "rep cannot open accounts admin", c: rep, method: "GET", path: "/admin/accounts", wantStatus: 403},
		{name: "invalid id is a clean 404", c: rep, method: "GET", path: "/units/%3Cscript%3E", wantStatus: 404, notWant: []string{"<script>"}},
		{name: "unknown page", c: rep, method: "GET", path: "/no/such/page", wantStatus: 404, want: []string{"There is no page at this address."}},
		{name: "api without credentials", c: anon, method: "GET", path: "/api/v1/me", wantStatus: 401, want: []string{`"status":401`}},
		{name: "api bad token", c: anon, method: "GET", path: "/api/v1/me", bearer: "stp_nonsense", wantStatus: 401, want: []string{"not valid"}},
		{name: "api me", c: anon, method: "GET", path: "/api/v1/me", bearer: tok, wantStatus: 200, want: []string{`"username":"rep.a"`}},
		{name: "api units scoped", c: anon, method: "GET", path: "/api/v1/units", bearer: tok, wantStatus: 200, want: []string{f.WorkplaceAName}, notWant: []string{f.WorkplaceBName}},
		{name: "api other unit", c: anon, method: "GET", path: "/api/v1/units/" + f.WorkplaceB, bearer: tok, wantStatus: 404, notWant: []string{f.WorkplaceBName}},
		{name: "api accounts forbidden", c: anon, method: "GET", path: "/api/v1/accounts", bearer: tok, wantStatus: 403},
		{name: "api create unit forbidden", c: anon, method: "POST", path: "/api/v1/units", bearer: tok, ctype: "application/json", body: `{"parent_id":"` + f.WorkplaceA + `","kind":"workplace","name":"x"}`, wantStatus: 403},
		{name: "api malformed json", c: anon, method: "POST", path: "/api/v1/units", bearer: tok, ctype: "application/json", body: `{"parent_id":`, wantStatus: 400},
		{name: "api unknown route", c: anon, method: "GET", path: "/api/v1/nothing", bearer: tok, wantStatus: 404, want: []string{"openapi.json"}},
		{name: "openapi document", c: anon, method: "GET", path: "/api/v1/openapi.json", wantStatus: 200, want: []string{`"openapi":"3.1.0"`, `"/units/{id}"`}},
		{name: "healthz", c: anon, method: "GET", path: "/healthz", wantStatus: 200},
		{name: "readyz", c: anon, method: "GET", path: "/readyz", wantStatus: 200},
	} {
		t.Run(s.name, func(t *testing.T) {
			req, err := http.NewRequest(s.method, f.URL+s.path, strings.NewReader(s.body))
			if err != nil {
				t.Fatal(err)
			}
			if s.ctype != "" {
				req.Header.Set("Content-Type", s.ctype)
			}
			if s.bearer != "" {
				req.Header.Set("Authorization", "Bearer "+s.bearer)
			}
			resp, err := s.c.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			b := body(t, resp)
			if resp.StatusCode != s.wantStatus {
				t.Fatalf("status %d, want %d\n%s", resp.StatusCode, s.wantStatus, b)
			}
			for _, w := range s.want {
				if !strings.Contains(b, w) {
					t.Errorf("response lacks %q:\n%s", w, b)
				}
			}
			for _, w := range s.notWant {
				if strings.Contains(b, w) {
					t.Errorf("response contains %q", w)
				}
			}
			if strings.Contains(b, "goroutine ") || strings.Contains(b, ".go:") {
				t.Errorf("response shows internals:\n%s", b)
			}
			if resp.StatusCode >= 400 && strings.HasPrefix(s.path, "/api/") && !strings.Contains(resp.Header.Get("Content-Type"), "problem+json") {
				t.Errorf("API error content type %q, want application/problem+json", resp.Header.Get("Content-Type"))
			}
			if !strings.HasPrefix(s.path, "/static/") && resp.Header.Get("Cache-Control") != "no-store" {
				t.Errorf("Cache-Control %q, want no-store", resp.Header.Get("Cache-Control"))
			}
			if !strings.Contains(resp.Header.Get("Content-Security-Policy"), "default-src 'none'") {
				t.Errorf("CSP %q", resp.Header.Get("Content-Security-Policy"))
			}
		})
	}
}

func TestCrossOriginStateChangeRefused(t *testing.T) {
	f := newFixture(t)
	c := client(t)
	login(t, f, c, f.RepUser, f.RepPassword, "")
	req, _ := http.NewRequest("POST", f.URL+"/logout", nil)
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	req.Header.Set("Origin", "https://evil.example")
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body(t, resp)
	if resp.StatusCode != http.StatusForbidden {
		t.Fatalf("cross-site logout: %d, want 403", resp.StatusCode)
	}
	// The session survived.
	resp, _ = c.Get(f.URL + "/")
	if resp.StatusCode != 200 {
		t.Fatalf("session ended by a cross-site request: %d", resp.StatusCode)
	}
	body(t, resp)
}

func TestOversizedBodyRefused(t *testing.T) {
	f := newFixture(t)
	big := strings.Repeat("a", 2<<20)
	resp, err := http.Post(f.URL+"/login", "application/x-www-form-urlencoded", strings.NewReader("username="+big))
	if err != nil {
		t.Fatal(err)
	}
	b := body(t, resp)
	if resp.StatusCode < 400 || resp.StatusCode >= 500 {
		t.Fatalf("oversized login form: %d %s", resp.StatusCode, b)
	}
	tok := repToken(t, f)
	req, _ := http.NewRequest("POST", f.URL+"/api/v1/units", strings.NewReader(`{"name":"`+big+`"}`))
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Content-Type", "application/json")
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body(t, resp)
	if resp.StatusCode != http.StatusRequestEntityTooLarge && resp.StatusCode != http.StatusForbidden {
		t.Fatalf("oversized API body: %d", resp.StatusCode)
	}
}

func TestSessionCookieAttributes(t *testing.T) {
	f := newFixture(t)
	resp := login(t, f, client(t), f.RepUser, f.RepPassword, "")
	body(t, resp)
	var found bool
	for _, c := range resp.Cookies() {
		if strings.HasSuffix(c.Name, "steward_session") {
			found = true
			if !c.HttpOnly || c.SameSite != http.SameSiteLaxMode {
				t.Errorf("cookie %+v lacks HttpOnly or SameSite", c)
			}
			if strings.Contains(c.Value, f.RepUser) {
				t.Error("cookie carries the username")
			}
		}
	}
	if !found {
		t.Fatal("no session cookie set")
	}
}

func TestMetricsHoldNoPersonalData(t *testing.T) {
	f := newFixture(t)
	c := client(t)
	login(t, f, c, f.RepUser, f.RepPassword, "")
	c.Get(f.URL + "/units/" + f.WorkplaceA)
	resp, err := http.Get(f.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	b := body(t, resp)
	if !strings.Contains(b, "steward_http_requests_total") || !strings.Contains(b, `route="GET /units/{id}"`) {
		t.Fatalf("metrics lack request counters:\n%.2000s", b)
	}
	for _, bad := range []string{f.RepUser, f.WorkplaceA, f.WorkplaceAName} {
		if strings.Contains(b, bad) {
			t.Errorf("metrics contain %q", bad)
		}
	}
}

func TestOpenAPIDeclaresPermissions(t *testing.T) {
	f := newFixture(t)
	resp, err := http.Get(f.URL + "/api/v1/openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Paths map[string]map[string]struct {
			Description string `json:"description"`
		} `json:"paths"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&doc); err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if len(doc.Paths) < 5 {
		t.Fatalf("only %d paths documented", len(doc.Paths))
	}
	for p, ops := range doc.Paths {
		for m, op := range ops {
			if !strings.Contains(op.Description, "Requires the permission") {
				t.Errorf("%s %s does not state its permission", m, p)
			}
		}
	}
}

func TestCookieSecureOffLoopback(t *testing.T) {
	f := newFixture(t)
	req, _ := http.NewRequest("POST", f.URL+"/login", strings.NewReader(url.Values{"username": {f.RepUser}, "password": {f.RepPassword}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Host = "steward.example.org"
	resp, err := client(t).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body(t, resp)
	cs := resp.Cookies()
	if len(cs) != 1 || cs[0].Name != "__Host-steward_session" || !cs[0].Secure {
		t.Fatalf("cookie for a non-loopback host: %+v, want Secure with the __Host- prefix", cs)
	}
}

// FuzzAPIBody posts arbitrary bodies to a state-changing API operation:
// the answer is always a problem document or a success, never a 500.
func FuzzAPIBody(f *testing.F) {
	fx := newFixture(f)
	a, err := fx.Access.Actor(context.Background(), fx.DPOUser, access.ViaSession)
	if err != nil {
		f.Fatal(err)
	}
	tok, _, err := fx.Access.CreateToken(access.WithActor(context.Background(), a), "fuzz", time.Hour, nil)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(`{"parent_id":"` + fx.WorkplaceA + `","kind":"workplace","name":"x"}`)
	f.Add(`{"parent_id":`)
	f.Add(`[]`)
	f.Add(`{"kind":"region","name":"` + strings.Repeat("é", 300) + `"}`)
	f.Fuzz(func(t *testing.T, b string) {
		req, _ := http.NewRequest("POST", fx.URL+"/api/v1/units", strings.NewReader(b))
		req.Header.Set("Authorization", "Bearer "+tok)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if resp.StatusCode >= 500 {
			out, _ := io.ReadAll(resp.Body)
			t.Fatalf("body %q: status %d %s", b, resp.StatusCode, out)
		}
	})
}

func TestMetricsTokenWhenSet(t *testing.T) {
	f := newFixture(t)
	srv, err := web.New(web.Deps{DB: f.DB, Vault: f.Vault, Access: f.Access, Audit: f.Audit, Subjects: f.Subjects}, web.Config{MetricsToken: "s3cret-metrics"})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv.Handler())
	defer ts.Close()
	resp, err := http.Get(ts.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body(t, resp)
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("metrics without the token: %d", resp.StatusCode)
	}
	req, _ := http.NewRequest("GET", ts.URL+"/metrics", nil)
	req.Header.Set("Authorization", "Bearer s3cret-metrics")
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if b := body(t, resp); resp.StatusCode != 200 || !strings.Contains(b, "steward_http_requests_total") {
		t.Fatalf("metrics with the token: %d", resp.StatusCode)
	}
}
