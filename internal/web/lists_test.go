package web_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stewardhq/steward/internal/lists"
	"github.com/stewardhq/steward/internal/store/storetest"
)

// Through the API a rep makes a list of their own workplace, gets the
// file and its password once, confirms its deletion, and cannot read the
// DPO's view of outstanding lists or another rep's list.
func TestListsAPI(t *testing.T) {
	f, _, _ := peopleFixture(t)
	rep := tokenFor(t, f, f.RepUser)
	code, body := apiDo(t, f, rep, "GET", "/api/v1/lists/purposes", "")
	if code != 200 || !strings.Contains(body, `"code":"ballot"`) {
		t.Fatalf("purposes: %d %s", code, body)
	}
	code, body = apiDo(t, f, rep, "POST", "/api/v1/lists", `{"purpose":"meeting","format":"csv.age"}`)
	if code != 201 {
		t.Fatalf("make a list: %d %s", code, body)
	}
	var made struct {
		List     lists.List `json:"list"`
		Password string     `json:"password"`
		File     []byte     `json:"file"`
	}
	if err := json.Unmarshal([]byte(body), &made); err != nil {
		t.Fatal(err)
	}
	rows, err := lists.DecryptAgeCSV(made.File, made.Password)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(rows[0], []string{"Given name", "Family name", "Workplace", "Email"}) || len(rows) != 2 || rows[1][3] != "alice.mine@example.org" {
		t.Fatalf("the meeting list of workplace A: %q", rows)
	}
	if code, body := apiDo(t, f, rep, "GET", "/api/v1/lists", ""); code != 200 || strings.Contains(body, made.Password) || !strings.Contains(body, made.List.ID) {
		t.Fatalf("my lists: %d %s", code, body)
	}
	if code, _ := apiDo(t, f, rep, "GET", "/api/v1/lists/outstanding", ""); code != 403 {
		t.Fatalf("a rep reads outstanding lists: %d", code)
	}
	if code, body := apiDo(t, f, rep, "POST", "/api/v1/lists", `{"purpose":"ballot","format":"xlsx","unit_id":"`+f.WorkplaceB+`"}`); code != 404 && code != 403 {
		t.Fatalf("a list of another workplace: %d %s", code, body)
	}
	if code, body := apiDo(t, f, rep, "POST", "/api/v1/lists/"+made.List.ID+"/deleted", ""); code != 200 || !strings.Contains(body, `"deleted_at"`) {
		t.Fatalf("confirm deleted: %d %s", code, body)
	}
	dpo := tokenFor(t, f, f.DPOUser)
	if code, body := apiDo(t, f, dpo, "GET", "/api/v1/lists/"+made.List.ID, ""); code != 200 || !strings.Contains(body, f.RepUser) {
		t.Fatalf("the DPO reads the rep's list: %d %s", code, body)
	}
	if code, body := apiDo(t, f, dpo, "GET", "/api/v1/lists/outstanding", ""); code != 200 || !strings.Contains(body, `"lists":[]`) {
		t.Fatalf("outstanding: %d %s", code, body)
	}
}

// The pages without a browser: the form refuses a list until the rep
// accepts the rules; the made list's page carries the password and a
// one-time download in a form; a fresh list replaces the old one, which
// the dashboard then asks the rep to delete.
func TestListsPages(t *testing.T) {
	f, _, _ := peopleFixture(t)
	c := client(t)
	if resp := login(t, f, c, f.RepUser, f.RepPassword, ""); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign-in: %d", resp.StatusCode)
	}
	resp, err := c.Get(f.URL + "/lists")
	if err != nil {
		t.Fatal(err)
	}
	if page := body(t, resp); resp.StatusCode != 200 || !strings.Contains(page, `value="postal_ballot"`) || !strings.Contains(page, "Do not forward it") {
		t.Fatalf("/lists: %d", resp.StatusCode)
	}
	post := func(path string, form url.Values) (*http.Response, string) {
		t.Helper()
		resp, err := c.PostForm(f.URL+path, form)
		if err != nil {
			t.Fatal(err)
		}
		return resp, body(t, resp)
	}
	resp, page := post("/lists", url.Values{"purpose": {"meeting"}, "format": {"csv.age"}})
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(page, "Tick the box") {
		t.Fatalf("without accepting the rules: %d", resp.StatusCode)
	}
	resp, page = post("/lists", url.Values{"purpose": {"meeting"}, "format": {"csv.age"}, "understood": {"yes"}})
	if resp.StatusCode != 200 {
		t.Fatalf("making a list: %d %s", resp.StatusCode, page)
	}
	password := between(page, `<code id="password">`, `</code>`)
	token := between(page, `name="token" value="`, `"`)
	if len(password) != 24 || token == "" || strings.Contains(page, "/lists/download?") {
		t.Fatalf("password %q token %q", password, token)
	}
	resp, file := post("/lists/download", url.Values{"token": {token}})
	if resp.StatusCode != 200 || !strings.Contains(resp.Header.Get("Content-Disposition"), ".csv.age") || resp.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("download: %d %v", resp.StatusCode, resp.Header)
	}
	rows, err := lists.DecryptAgeCSV([]byte(file), password)
	if err != nil || len(rows) != 2 || rows[1][0] != "Alice" {
		t.Fatalf("downloaded list: %q %v", rows, err)
	}
	if resp, _ := post("/lists/download", url.Values{"token": {token}}); resp.StatusCode != http.StatusNotFound {
		t.Fatalf("second download: %d", resp.StatusCode)
	}
	// Another account cannot use the token either (it is gone anyway);
	// a made-up one is refused.
	if resp, _ := post("/lists/download", url.Values{"token": {"made-up"}}); resp.StatusCode != http.StatusNotFound {
		t.Fatalf("made-up token: %d", resp.StatusCode)
	}
	id := between(page, `href="/lists/`, `"`)
	resp, page = post("/lists/"+id+"/fresh", url.Values{})
	if resp.StatusCode != 200 || !strings.Contains(page, "due for deletion") {
		t.Fatalf("fresh list: %d", resp.StatusCode)
	}
	resp, err = c.Get(f.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	if dash := body(t, resp); !strings.Contains(dash, `id="my-lists"`) || !strings.Contains(dash, `href="/lists/`+id+`"`) {
		t.Fatalf("the dashboard does not ask the rep to delete the replaced list")
	}
	if resp, _ := post("/lists/"+id+"/deleted", url.Values{}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("confirm deleted: %d", resp.StatusCode)
	}
	resp, err = c.Get(f.URL + "/lists/" + id)
	if err != nil {
		t.Fatal(err)
	}
	if page := body(t, resp); !strings.Contains(page, "Deleted</dt><dd>confirmed") || strings.Contains(page, `action="/lists/`+id+`/deleted"`) {
		t.Fatalf("the old list's page after confirming: %s", page)
	}
}

// between returns the text of s between the first from and the next to.
func between(s, from, to string) string {
	_, rest, ok := strings.Cut(s, from)
	if !ok {
		return ""
	}
	v, _, _ := strings.Cut(rest, to)
	return v
}

// TestListOfTheSamePeople: from a list's page the rep makes a new list of
// the same people; when the old list is over a week old, the new list's
// page warns that people who joined since are missing.
func TestListOfTheSamePeople(t *testing.T) {
	f, _, _ := peopleFixture(t)
	c := client(t)
	if resp := login(t, f, c, f.RepUser, f.RepPassword, ""); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign-in: %d", resp.StatusCode)
	}
	resp, err := c.PostForm(f.URL+"/lists", url.Values{"purpose": {"meeting"}, "format": {"xlsx"}, "understood": {"yes"}})
	if err != nil {
		t.Fatal(err)
	}
	id := between(body(t, resp), `href="/lists/`, `"`)
	if _, err := f.DB.Writer().ExecContext(t.Context(), `UPDATE member_lists SET created_at = created_at - $1 WHERE id = $2`, int64(8*24*time.Hour/time.Millisecond), id); err != nil {
		t.Fatal(err)
	}
	resp, err = c.Get(f.URL + "/lists/" + id)
	if err != nil {
		t.Fatal(err)
	}
	page := body(t, resp)
	form := between(page, `<section class="card" id="same-people">`, `</section>`)
	if !strings.Contains(form, `name="based_on" value="`+id+`"`) || !strings.Contains(form, `name="purpose" value="meeting"`) {
		t.Fatalf("the list page offers no list of the same people:\n%s", page)
	}
	resp, err = c.PostForm(f.URL+"/lists", url.Values{"based_on": {id}, "purpose": {"meeting"}, "format": {"xlsx"}, "understood": {"yes"}})
	if err != nil {
		t.Fatal(err)
	}
	page = body(t, resp)
	if resp.StatusCode != http.StatusOK || !strings.Contains(page, "is 8 days old") || !strings.Contains(page, "people who joined since are missing") {
		t.Fatalf("a list of the same people as an old list: %d\n%s", resp.StatusCode, page)
	}
}

// TestListFormSentTwice: a browser sending the list form again (a reload
// of the page with the password) makes no second list; a form refused
// for a mistake can be corrected and sent again.
func TestListFormSentTwice(t *testing.T) {
	f, _, _ := peopleFixture(t)
	c := client(t)
	if resp := login(t, f, c, f.RepUser, f.RepPassword, ""); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign-in: %d", resp.StatusCode)
	}
	resp, err := c.Get(f.URL + "/lists")
	if err != nil {
		t.Fatal(err)
	}
	nonce := between(body(t, resp), `name="form_nonce" value="`, `"`)
	if len(nonce) < 20 {
		t.Fatalf("the list form carries no nonce: %q", nonce)
	}
	send := func(purpose string) (int, string) {
		resp, err := c.PostForm(f.URL+"/lists", url.Values{"form_nonce": {nonce}, "purpose": {purpose}, "format": {"xlsx"}, "understood": {"yes"}})
		if err != nil {
			t.Fatal(err)
		}
		return resp.StatusCode, body(t, resp)
	}
	if code, page := send("no-such-purpose"); code == http.StatusOK {
		t.Fatalf("a made-up purpose: %d\n%s", code, page)
	}
	if code, page := send("meeting"); code != http.StatusOK || !strings.Contains(page, `id="password"`) {
		t.Fatalf("the corrected form: %d\n%s", code, page)
	}
	code, page := send("meeting")
	if code != http.StatusConflict || !strings.Contains(page, "already sent") || strings.Contains(page, `id="password"`) {
		t.Fatalf("the same form again: %d\n%s", code, page)
	}
	if n := storetest.Count(t, f.DB.Reader(), `SELECT count(*) FROM member_lists`); n != 1 {
		t.Fatalf("%d lists made from one form, want 1", n)
	}
}
