package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stewardhq/steward/internal/access"
	"github.com/stewardhq/steward/internal/calendar"
	"github.com/stewardhq/steward/internal/rights"
	"github.com/stewardhq/steward/internal/store/storetest"
	"github.com/stewardhq/steward/internal/subjects"
	"github.com/stewardhq/steward/internal/testkit"
	"github.com/stewardhq/steward/internal/web"
)

// repB is a rep on workplace B, added by the rights tests so that one
// rep's requests can be shown to stay hidden from another.
const repB, repBPassword = "rep.b", "another long password here"

// newFixtureOn is newFixture on a given engine, with the second rep.
func newFixtureOn(t *testing.T, env storetest.Env) *fixture {
	t.Helper()
	ctx := context.Background()
	c := testkit.Open(t, env, testkit.Options{})
	f := &fixture{
		RepUser: "rep.a", RepPassword: "correct horse battery staple",
		DPOUser: "dpo", DPOPassword: "purple monkey dishwasher lamp",
		WorkplaceAName: "Alder Road Primary School", WorkplaceBName: "Birchwood Academy",
		Access: c.Access, DB: c.DB, Vault: c.Vault, Audit: c.Audit,
		Subjects: subjects.New(c.DB, c.Vault, c.Audit, c.Access, nil, subjects.Config{}),
	}
	f.build(ctx, t)
	root, err := f.Access.RootUnit(ctx)
	if err != nil {
		t.Fatal(err)
	}
	op := access.WithActor(ctx, access.OperatorActor(root.Path))
	if _, err := f.Access.CreateAccountWithRole(op, repB, repBPassword, access.RoleRep, f.WorkplaceB); err != nil {
		t.Fatalf("create rep B: %v", err)
	}
	f.gate(t, f.RepUser, repB)
	srv, err := web.New(web.Deps{DB: c.DB, Vault: c.Vault, Access: c.Access, Audit: c.Audit, Subjects: f.Subjects, Governance: f.Gov}, web.Config{Version: "test"})
	if err != nil {
		t.Fatalf("web server: %v", err)
	}
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)
	f.URL = ts.URL
	return f
}

// signedIn returns a client with a session for user.
func signedIn(t *testing.T, f *fixture, user, password, code string) *http.Client {
	t.Helper()
	c := client(t)
	if r := login(t, f, c, user, password, code); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("%s sign-in: %d %s", user, r.StatusCode, body(t, r))
	}
	return c
}

func get(t *testing.T, f *fixture, c *http.Client, path string) (int, string) {
	t.Helper()
	resp, err := c.Get(f.URL + path)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, body(t, resp)
}

// post sends a form and returns the status, the redirect target and the
// body.
func post(t *testing.T, f *fixture, c *http.Client, path string, form url.Values) (int, string, string) {
	t.Helper()
	resp, err := c.PostForm(f.URL+path, form)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header.Get("Location"), body(t, resp)
}

// ukToday is today's date in the UK, the day the service counts in.
func ukToday(t *testing.T) calendar.Date {
	t.Helper()
	loc, err := calendar.London()
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().In(loc)
	return calendar.DateOf(now.Year(), now.Month(), now.Day())
}

// verbalForm is a request told to a rep in person a few days ago.
func verbalForm(received calendar.Date) url.Values {
	return url.Values{"kind": {"access"}, "channel": {"in_person"}, "requester": {"self"}, "received_on": {received.String()},
		"requester_name": {"Priya Raman"}, "requester_email": {"priya.raman@example.org"},
		"description": {"Asked in the staff room for a copy of everything the union holds about her grievance."}}
}

// logAsRep logs the verbal request through the page and returns its id.
func logAsRep(t *testing.T, f *fixture, c *http.Client) string {
	t.Helper()
	code, loc, b := post(t, f, c, "/requests", verbalForm(ukToday(t).AddDays(-3)))
	id, ok := strings.CutPrefix(loc, "/requests/")
	if code != http.StatusSeeOther || !ok {
		t.Fatalf("logging: %d to %q\n%s", code, loc, b)
	}
	id, _, _ = strings.Cut(id, "?")
	return id
}

func decode[T any](t *testing.T, b string) T {
	t.Helper()
	var v T
	if err := json.Unmarshal([]byte(b), &v); err != nil {
		t.Fatalf("decode %s: %v", b, err)
	}
	return v
}

func TestRequestsStayWithWhoeverLoggedThem(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		f := newFixtureOn(t, env)
		repA := signedIn(t, f, f.RepUser, f.RepPassword, "")
		other := signedIn(t, f, repB, repBPassword, "")
		id := logAsRep(t, f, repA)

		code, page := get(t, f, repA, "/requests/"+id+"?done=logged")
		if code != http.StatusOK || !strings.Contains(page, "The receipt number is R-") || !strings.Contains(page, "Priya Raman") {
			t.Fatalf("rep A's own request: %d\n%s", code, page)
		}
		if strings.Contains(page, `action="/requests/`+id+`/steps"`) {
			t.Error("a rep is offered the DPO's forms")
		}
		if code, board := get(t, f, repA, "/requests"); code != http.StatusOK || !strings.Contains(board, id) || !strings.Contains(board, `href="/requests"`) {
			t.Fatalf("rep A's board: %d\n%s", code, board)
		}

		// Rep B cannot tell the request exists: not on the board, and its
		// page and API answer as for an id that names nothing.
		if _, board := get(t, f, other, "/requests"); strings.Contains(board, id) || !strings.Contains(board, "No open requests") {
			t.Errorf("rep B's board shows rep A's request")
		}
		if code, b := get(t, f, other, "/requests/"+id); code != http.StatusNotFound || strings.Contains(b, "Priya") {
			t.Errorf("rep B opening rep A's request: %d", code)
		}
		tokB := tokenFor(t, f, repB)
		if code, b := apiDo(t, f, tokB, "GET", "/api/v1/requests/"+id, ""); code != http.StatusNotFound || strings.Contains(b, "Priya") {
			t.Errorf("rep B reading rep A's request through the API: %d %s", code, b)
		}
		if code, b := apiDo(t, f, tokB, "GET", "/api/v1/requests", ""); code != http.StatusOK || strings.Contains(b, id) {
			t.Errorf("rep B's API board: %d %s", code, b)
		}

		// A rep logs requests but does not work them, by page or API.
		step := url.Values{"version": {"1"}, "step": {"id_requested"}}
		if code, _, _ := post(t, f, repA, "/requests/"+id+"/steps", step); code != http.StatusForbidden {
			t.Errorf("rep recording a step: %d, want 403", code)
		}
		tokA := tokenFor(t, f, f.RepUser)
		if code, _ := apiDo(t, f, tokA, "POST", "/api/v1/requests/"+id+"/steps", `{"step":"id_requested","version":1}`); code != http.StatusForbidden {
			t.Errorf("rep recording a step through the API: %d, want 403", code)
		}
		if code, _ := apiDo(t, f, tokA, "POST", "/api/v1/requests/"+id+"/close", `{"outcome":"complied","note":"x","version":1}`); code != http.StatusForbidden {
			t.Errorf("rep closing through the API: %d, want 403", code)
		}
		if code, b := apiDo(t, f, tokA, "GET", "/api/v1/requests/"+id, ""); code != http.StatusOK || !strings.Contains(b, `"step":"logged"`) {
			t.Errorf("rep A reading their own request through the API: %d %s", code, b)
		}

		// The DPO sees it, and the nav offers requests to both roles.
		dpo := signedIn(t, f, f.DPOUser, f.DPOPassword, f.DPOCode(t))
		code, board := get(t, f, dpo, "/requests")
		if code != http.StatusOK || !strings.Contains(board, id) || !strings.Contains(board, `<a href="/requests">Requests</a>`) {
			t.Fatalf("DPO's board: %d\n%s", code, board)
		}
	})
}

func TestBadRequestInputShowsTheFormAgain(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		f := newFixtureOn(t, env)
		rep := signedIn(t, f, f.RepUser, f.RepPassword, "")
		code, form := get(t, f, rep, "/requests/new")
		if code != http.StatusOK || !strings.Contains(form, f.WorkplaceAName) || strings.Contains(form, f.WorkplaceBName) ||
			!strings.Contains(form, `value="`+ukToday(t).String()+`"`) {
			t.Fatalf("the log form: %d\n%s", code, form)
		}
		for _, c := range []struct {
			name, field, value, want string
		}{
			{"bad email", "requester_email", "priya at example", "The email address is not valid"},
			{"future", "received_on", ukToday(t).AddDays(2).String(), "is in the future"},
			{"no description", "description", " ", "Describe the request"},
			{"other workplace", "unit_id", f.WorkplaceB, "Unknown unit"},
		} {
			t.Run(c.name, func(t *testing.T) {
				in := verbalForm(ukToday(t).AddDays(-1))
				in.Set(c.field, c.value)
				code, loc, b := post(t, f, rep, "/requests", in)
				if code != http.StatusBadRequest || loc != "" || !strings.Contains(b, c.want) {
					t.Fatalf("%d to %q, want 400 with %q\n%s", code, loc, c.want, b)
				}
				// What was typed is still there.
				if !strings.Contains(b, `value="Priya Raman"`) || c.field != "description" && !strings.Contains(b, "the staff room") {
					t.Errorf("the form lost what was typed:\n%s", b)
				}
			})
		}
		if n := storetest.Count(t, f.DB.Q(context.Background()), `SELECT count(*) FROM rights_requests`); n != 0 {
			t.Fatalf("%d requests written by refused forms", n)
		}
	})
}

func TestRequestPageClockStepsAndStaleForms(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		f := newFixtureOn(t, env)
		id := logAsRep(t, f, signedIn(t, f, f.RepUser, f.RepPassword, ""))
		tok := tokenFor(t, f, f.DPOUser)
		_, b := apiDo(t, f, tok, "GET", "/api/v1/requests/"+id, "")
		req := decode[struct {
			Request rights.Request `json:"request"`
		}](t, b).Request
		due, err := calendar.ParseDate(req.Clock.Due)
		if err != nil || req.Clock.Applies != req.Clock.Due {
			t.Fatalf("clock from the API: %+v", req.Clock)
		}

		dpo := signedIn(t, f, f.DPOUser, f.DPOPassword, f.DPOCode(t))
		code, page := get(t, f, dpo, "/requests/"+id)
		if code != http.StatusOK {
			t.Fatalf("request page: %d", code)
		}
		for _, want := range []string{
			`<dt>Due</dt><dd>` + due.Long() + `</dd>`,
			`<strong>` + due.Long() + `</strong>`,
			"days left",
			"One month from",                  // a Clock.Why sentence
			"within the hand-off deadline of", // Clock.ForwardWhy
			`action="/requests/` + id + `/accept"`,
			`name="version" value="1"`,
		} {
			if !strings.Contains(page, want) {
				t.Errorf("request page lacks %q", want)
			}
		}
		if _, board := get(t, f, dpo, "/requests"); !strings.Contains(board, due.Long()) {
			t.Errorf("board lacks the due date %s", due.Long())
		}

		// A step the service refuses keeps the note and says why.
		code, loc, b := post(t, f, dpo, "/requests/"+id+"/steps", url.Values{"version": {"1"}, "step": {"id_received"}, "note": {"Passport seen"}})
		if code != http.StatusBadRequest || loc != "" || !strings.Contains(b, "Record that proof of identity was asked for first.") || !strings.Contains(b, "Passport seen</textarea>") {
			t.Fatalf("refused step: %d\n%s", code, b)
		}
		// A form without the version is refused rather than applied
		// over whatever changed.
		if code, _, b := post(t, f, dpo, "/requests/"+id+"/steps", url.Values{"step": {"id_requested"}}); code != http.StatusBadRequest || !strings.Contains(b, "which version") {
			t.Fatalf("step without a version: %d\n%s", code, b)
		}

		code, loc, _ = post(t, f, dpo, "/requests/"+id+"/steps", url.Values{"version": {"1"}, "step": {"id_requested"}, "on": {ukToday(t).String()}})
		if code != http.StatusSeeOther || loc != "/requests/"+id+"?done=saved" {
			t.Fatalf("recording a step: %d to %q", code, loc)
		}
		_, page = get(t, f, dpo, loc)
		if !strings.Contains(page, rights.StatusIdentity.Label()) || !strings.Contains(page, "none while the request waits") || !strings.Contains(page, rights.StepIDRequested.Label()) {
			t.Errorf("after asking for identity the page shows:\n%s", page)
		}
		if _, board := get(t, f, dpo, "/requests"); strings.Contains(board, due.Long()) || !strings.Contains(board, "not running") {
			t.Errorf("the board still shows a due date while the request waits for identity")
		}

		// The same page, opened before that step, is now stale.
		code, _, b = post(t, f, dpo, "/requests/"+id+"/steps", url.Values{"version": {"1"}, "step": {"note"}, "note": {"Rang her back."}})
		if code != http.StatusConflict || !strings.Contains(b, "Someone changed this request since you opened it") || !strings.Contains(b, "Rang her back.</textarea>") {
			t.Fatalf("stale step: %d\n%s", code, b)
		}
		code, _, b = post(t, f, dpo, "/requests/"+id+"/close", url.Values{"version": {"1"}, "outcome": {"withdrawn"}, "note": {"She withdrew it."}})
		if code != http.StatusConflict || !strings.Contains(b, "Someone changed this request") {
			t.Fatalf("stale close: %d\n%s", code, b)
		}
		if n := storetest.Count(t, f.DB.Q(context.Background()), `SELECT count(*) FROM rights_events WHERE request_id = $1`, id); n != 3 {
			t.Fatalf("%d events, want logged, accepted and id_requested only", n)
		}

		// Closed: the outcome shows and the forms that change it go; only
		// letters (an outcome letter follows the close) can still be made.
		code, _, _ = post(t, f, dpo, "/requests/"+id+"/close", url.Values{"version": {"2"}, "outcome": {"withdrawn"}, "note": {"She withdrew it by phone."}})
		if code != http.StatusSeeOther {
			t.Fatalf("closing: %d", code)
		}
		_, page = get(t, f, dpo, "/requests/"+id)
		if !strings.Contains(page, rights.OutcomeWithdrawn.Label()) ||
			strings.Count(page, "<form method=\"post\" action=\"/requests/") != strings.Count(page, "<form method=\"post\" action=\"/requests/"+id+"/letter\"") {
			t.Errorf("closed request page:\n%s", page)
		}
		if _, closed := get(t, f, dpo, "/requests?closed=1"); !strings.Contains(closed, id) || !strings.Contains(closed, rights.OutcomeWithdrawn.Label()) {
			t.Errorf("closed board lacks the request")
		}
	})
}

func TestRequestsAPIRoundTrip(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		f := newFixtureOn(t, env)
		tok := tokenFor(t, f, f.DPOUser)
		received := ukToday(t).AddDays(-2)
		code, b := apiDo(t, f, tok, "POST", "/api/v1/requests", fmt.Sprintf(`{"kind":"erasure","channel":"email","requester":"solicitor","unit_id":%q,
			"received_on":%q,"details":{"requester_name":"Hart & Co Solicitors","requester_email":"office@hart.example",
			"subject_name":"Alice Mine","description":"Erase our client's data."}}`, f.WorkplaceA, received))
		if code != http.StatusCreated {
			t.Fatalf("log: %d %s", code, b)
		}
		req := decode[rights.Request](t, b)
		if req.Status != rights.StatusOpen || req.Ref == "" || req.Clock.Due == "" || req.Details == nil || req.Details.SubjectName != "Alice Mine" {
			t.Fatalf("logged by the DPO: %+v", req)
		}
		if code, b := apiDo(t, f, tok, "POST", "/api/v1/requests", `{"kind":"erasure","channel":"pigeon","requester":"self","details":{"requester_name":"X","description":"y"}}`); code != http.StatusBadRequest && code != http.StatusUnprocessableEntity {
			t.Fatalf("bad channel: %d %s", code, b)
		}

		code, b = apiDo(t, f, tok, "GET", "/api/v1/requests", "")
		board := decode[struct {
			Requests []rights.Request `json:"requests"`
		}](t, b).Requests
		if code != http.StatusOK || len(board) != 1 || board[0].ID != req.ID || board[0].Details != nil {
			t.Fatalf("board: %d %s", code, b)
		}

		steps := []struct{ path, body, status string }{
			{"/steps", `{"step":"authority_requested","version":%d}`, "identity"},
			{"/steps", `{"step":"authority_received","note":"Signed client authority seen by the DPO.","version":%d}`, "open"},
			{"/extend", `{"reasons":"Records in four systems.","version":%d}`, "open"},
		}
		version := req.Version
		for _, s := range steps {
			code, b := apiDo(t, f, tok, "POST", "/api/v1/requests/"+req.ID+s.path, fmt.Sprintf(s.body, version))
			if code != http.StatusOK {
				t.Fatalf("%s: %d %s", s.path, code, b)
			}
			got := decode[rights.Request](t, b)
			if string(got.Status) != s.status || got.Version != version+1 {
				t.Fatalf("%s: %+v", s.path, got)
			}
			version = got.Version
		}
		if code, b := apiDo(t, f, tok, "POST", "/api/v1/requests/"+req.ID+"/steps", `{"step":"note","note":"late","version":1}`); code != http.StatusConflict || !strings.Contains(b, "changed this request") {
			t.Fatalf("stale version: %d %s", code, b)
		}
		if code, b := apiDo(t, f, tok, "POST", "/api/v1/requests/"+req.ID+"/steps", `{"step":"note","note":"no version","version":0}`); code != http.StatusBadRequest {
			t.Fatalf("version 0: %d %s", code, b)
		}

		a, err := f.Access.Actor(context.Background(), f.DPOUser, access.ViaSession)
		if err != nil {
			t.Fatal(err)
		}
		alice, err := f.Subjects.Create(access.WithActor(context.Background(), a), subjects.Input{UnitID: f.WorkplaceA,
			Profile: subjects.Profile{GivenName: "Alice", FamilyName: "Mine", Email: "alice.mine@example.org"}})
		if err != nil {
			t.Fatal(err)
		}
		code, b = apiDo(t, f, tok, "POST", "/api/v1/requests/"+req.ID+"/match", fmt.Sprintf(`{"subject_id":%q,"version":%d}`, alice.ID, version))
		if code != http.StatusOK || decode[rights.Request](t, b).SubjectID != alice.ID {
			t.Fatalf("match: %d %s", code, b)
		}
		version++
		// An erasure is not complied with until it is carried out.
		code, b = apiDo(t, f, tok, "POST", "/api/v1/requests/"+req.ID+"/close", fmt.Sprintf(`{"outcome":"complied","note":"Erased from all four systems.","version":%d}`, version))
		if code != http.StatusConflict || !strings.Contains(b, "Carry out the erasure") {
			t.Fatalf("close as complied before erasing: %d %s", code, b)
		}
		code, b = apiDo(t, f, tok, "POST", "/api/v1/requests/"+req.ID+"/close", fmt.Sprintf(`{"outcome":"withdrawn","note":"The solicitors withdrew it by letter.","version":%d}`, version))
		if code != http.StatusOK || decode[rights.Request](t, b).Status != rights.StatusClosed {
			t.Fatalf("close: %d %s", code, b)
		}

		code, b = apiDo(t, f, tok, "GET", "/api/v1/requests/"+req.ID, "")
		full := decode[struct {
			Request rights.Request `json:"request"`
			History []rights.Event `json:"history"`
		}](t, b)
		var trail []string
		for _, e := range full.History {
			trail = append(trail, e.Step)
		}
		if code != http.StatusOK || full.Request.Outcome != rights.OutcomeWithdrawn || full.Request.Extended == "" ||
			strings.Join(trail, ",") != "logged,accepted,authority_requested,authority_received,extended,matched,closed:withdrawn" {
			t.Fatalf("read back: %d %+v %v", code, full.Request, trail)
		}
		if code, b := apiDo(t, f, tok, "GET", "/api/v1/requests?closed=true", ""); code != http.StatusOK || !strings.Contains(b, req.ID) {
			t.Fatalf("closed board: %d %s", code, b)
		}

		resp, err := http.Get(f.URL + "/api/v1/openapi.json")
		if err != nil {
			t.Fatal(err)
		}
		doc := body(t, resp)
		for _, p := range []string{`"/requests"`, `"/requests/{id}"`, `"/requests/{id}/steps"`, `"/requests/{id}/accept"`, `"/requests/{id}/match"`, `"/requests/{id}/extend"`, `"/requests/{id}/close"`, "rights:manage"} {
			if !strings.Contains(doc, p) {
				t.Errorf("openapi.json lacks %s", p)
			}
		}
	})
}
