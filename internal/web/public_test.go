package web_test

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/stewardhq/steward/internal/access"
	"github.com/stewardhq/steward/internal/datamap"
	"github.com/stewardhq/steward/internal/rights"
	"github.com/stewardhq/steward/internal/store/storetest"
)

// publicForm is a request a member makes through the public form.
func publicForm() url.Values {
	return url.Values{"kind": {"access"}, "requester": {"self"}, "requester_name": {"Priya Raman"},
		"requester_email": {"priya.raman@example.org"}, "identifiers": {"Membership number M-7, Alder Road Primary"},
		"description": {"Please send me a copy of everything you hold about my grievance last year."}}
}

var (
	statusCode = regexp.MustCompile(`<code id="status-code">([^<]+)</code>`)
	pageURLs   = regexp.MustCompile(`(?:href|action|src)="([^"]*)"`)
)

// submitPublic sends the public form without a session and returns the
// receipt number and the status code from the receipt page.
func submitPublic(t *testing.T, f *fixture, form url.Values) (ref, code string) {
	t.Helper()
	resp, err := client(t).PostForm(f.URL+"/request", form)
	if err != nil {
		t.Fatal(err)
	}
	b := body(t, resp)
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Location") != "" {
		t.Fatalf("public submit: %d to %q\n%s", resp.StatusCode, resp.Header.Get("Location"), b)
	}
	m := statusCode.FindStringSubmatch(b)
	if m == nil {
		t.Fatalf("no status code on the receipt page:\n%s", b)
	}
	code = html.UnescapeString(m[1])
	ref = regexp.MustCompile(`<dd class="ref">(R-[0-9A-Z-]+)</dd>`).FindStringSubmatch(b)[1]
	wantNoSecretInURLs(t, b, code)
	return ref, code
}

// wantNoSecretInURLs fails when the code appears in any address on the
// page: a link, a form's action or an image.
func wantNoSecretInURLs(t *testing.T, page, secret string) {
	t.Helper()
	for _, m := range pageURLs.FindAllStringSubmatch(page, -1) {
		if strings.Contains(html.UnescapeString(m[1]), secret) {
			t.Errorf("the status code is in the address %q", m[1])
		}
	}
}

func TestPublicRequestWithoutSignIn(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		f := newFixtureOn(t, env)
		anon := client(t)
		ctx := context.Background()

		// The form is there without a session, and before the data map is
		// filled in it points to the DPO's details on the page.
		code, page := get(t, f, anon, "/request")
		if code != http.StatusOK || !strings.Contains(page, `action="/request"`) || !strings.Contains(page, `href="#dpo"`) ||
			!strings.Contains(page, "A copy of the personal data you hold about me") || strings.Contains(page, "<script") {
			t.Fatalf("public form: %d\n%s", code, page)
		}
		a, err := f.Access.Actor(ctx, f.DPOUser, access.ViaSession)
		if err != nil {
			t.Fatal(err)
		}
		dm := datamap.New(f.DB, f.Audit)
		if _, err := dm.SetController(access.WithActor(ctx, a), datamap.Controller{Name: "Test Union", DPO: "Dana Patel, dpo@union.example"}); err != nil {
			t.Fatal(err)
		}
		if _, page = get(t, f, anon, "/request"); !strings.Contains(page, `href="mailto:dpo@union.example"`) || !strings.Contains(page, "request to Test Union") {
			t.Fatalf("public form with a DPO's address:\n%s", page)
		}
		if _, err := dm.SetController(access.WithActor(ctx, a), datamap.Controller{Name: "Test Union",
			Contact: "1 Test Street. Privacy notice: https://union.example/privacy.", DPO: "dpo@union.example"}); err != nil {
			t.Fatal(err)
		}
		if _, page = get(t, f, anon, "/request"); !strings.Contains(page, `href="https://union.example/privacy"`) {
			t.Fatalf("public form with a privacy notice address:\n%s", page)
		}

		// Bad input shows the form again with what was typed, and writes
		// nothing.
		for _, c := range []struct{ name, field, value, want string }{
			{"bad email", "requester_email", "priya at example", "The email address is not valid"},
			{"no name", "requester_name", " ", "Give the requester"},
			{"parent without the child's name", "requester", "parent", "give the name of the person the request is about"},
			{"unknown right", "kind", "everything", "Choose which right"},
		} {
			in := publicForm()
			in.Set(c.field, c.value)
			code, loc, b := post(t, f, anon, "/request", in)
			if code != http.StatusBadRequest || loc != "" || !strings.Contains(b, c.want) || !strings.Contains(b, "my grievance last year.</textarea>") {
				t.Errorf("%s: %d to %q, want 400 with %q and the form\n%s", c.name, code, loc, c.want, b)
			}
		}
		if n := storetest.Count(t, f.DB.Q(ctx), `SELECT count(*) FROM rights_requests`); n != 0 {
			t.Fatalf("%d requests written by refused forms", n)
		}

		ref, secret := submitPublic(t, f, publicForm())
		if len(secret) < 40 {
			t.Fatalf("status code %q", secret)
		}

		// The DPO finds it on the board, received through the web form.
		tok := tokenFor(t, f, f.DPOUser)
		_, b := apiDo(t, f, tok, "GET", "/api/v1/requests", "")
		board := decode[struct {
			Requests []rights.Request `json:"requests"`
		}](t, b).Requests
		if len(board) != 1 || board[0].Ref != ref || board[0].Channel != rights.ChannelWeb || board[0].Status != rights.StatusNew {
			t.Fatalf("DPO's board: %s", b)
		}
		dpo := signedIn(t, f, f.DPOUser, f.DPOPassword, f.DPOCode(t))
		if _, page := get(t, f, dpo, "/requests"); !strings.Contains(page, ref) || !strings.Contains(page, "Web form") {
			t.Fatalf("the request is not on the DPO's board page:\n%s", page)
		}

		// The status page answers the code, sent in the body.
		if code, page := get(t, f, anon, "/request/status"); code != http.StatusOK || !strings.Contains(page, `action="/request/status"`) {
			t.Fatalf("status form: %d\n%s", code, page)
		}
		resp, err := anon.PostForm(f.URL+"/request/status", url.Values{"code": {secret}})
		if err != nil {
			t.Fatal(err)
		}
		page = body(t, resp)
		if resp.StatusCode != http.StatusOK || resp.Header.Get("Location") != "" || !strings.Contains(page, ref) ||
			!strings.Contains(page, "waiting for our data protection officer") || !strings.Contains(page, board[0].Clock.Applies[:4]) ||
			!strings.Contains(page, `class="due"`) || strings.Contains(page, "Priya") {
			t.Fatalf("status page: %d\n%s", resp.StatusCode, page)
		}
		wantNoSecretInURLs(t, page, secret)

		// Once the DPO asks for identity, the status page says so.
		step := url.Values{"version": {"1"}, "step": {"id_requested"}}
		if code, _, b := post(t, f, dpo, "/requests/"+board[0].ID+"/steps", step); code != http.StatusSeeOther {
			t.Fatalf("asking for identity: %d\n%s", code, b)
		}
		if _, _, page = post(t, f, anon, "/request/status", url.Values{"code": {" " + secret + "\n"}}); !strings.Contains(page, "proof of identity") || strings.Contains(page, `class="due"`) {
			t.Fatalf("status while waiting for identity:\n%s", page)
		}

		// A wrong code gets the one not-found answer.
		wrong := []byte(secret)
		wrong[3] ^= 1
		for _, c := range []string{string(wrong), ref, "nope"} {
			code, loc, page := post(t, f, anon, "/request/status", url.Values{"code": {c}})
			if code != http.StatusNotFound || loc != "" || !strings.Contains(page, "We do not recognise that code") || strings.Contains(page, ref+"</") {
				t.Errorf("status for %q: %d\n%s", c, code, page)
			}
		}

		// Another site cannot post the form for someone.
		req, _ := http.NewRequest(http.MethodPost, f.URL+"/request", strings.NewReader(publicForm().Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Sec-Fetch-Site", "cross-site")
		resp, err = anon.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		if b := body(t, resp); resp.StatusCode != http.StatusForbidden {
			t.Errorf("cross-site post: %d\n%s", resp.StatusCode, b)
		}
		if n := storetest.Count(t, f.DB.Q(ctx), `SELECT count(*) FROM rights_requests`); n != 1 {
			t.Fatalf("%d requests, want the one sent", n)
		}
	})
}

// TestPublicFormsAreRateLimited: ten posts from one address, then a clear
// refusal, for the form and for the status check alike.
func TestPublicFormsAreRateLimited(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		f := newFixtureOn(t, env)
		anon := client(t)
		bad := publicForm()
		bad.Set("requester_email", "not an address")
		for i := range 10 {
			if code, _, b := post(t, f, anon, "/request", bad); code != http.StatusBadRequest {
				t.Fatalf("post %d: %d\n%s", i+1, code, b)
			}
		}
		code, loc, b := post(t, f, anon, "/request", publicForm())
		if code != http.StatusTooManyRequests || loc != "" || !strings.Contains(b, "Too many requests have been sent from your connection") ||
			!strings.Contains(b, "my grievance last year.</textarea>") {
			t.Fatalf("eleventh post: %d\n%s", code, b)
		}
		if n := storetest.Count(t, f.DB.Q(context.Background()), `SELECT count(*) FROM rights_requests`); n != 0 {
			t.Fatalf("%d requests written past the limit", n)
		}
		for i := range 10 {
			if code, _, b := post(t, f, anon, "/request/status", url.Values{"code": {"guess"}}); code != http.StatusNotFound {
				t.Fatalf("status check %d: %d\n%s", i+1, code, b)
			}
		}
		if code, _, b := post(t, f, anon, "/request/status", url.Values{"code": {"guess"}}); code != http.StatusTooManyRequests || !strings.Contains(b, "Too many status checks") {
			t.Fatalf("eleventh status check: %d\n%s", code, b)
		}
		// The rest of Steward is not affected.
		if code, _ := get(t, f, anon, "/request"); code != http.StatusOK {
			t.Fatalf("the form itself after the limit: %d", code)
		}
	})
}
