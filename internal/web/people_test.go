package web_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stewardhq/steward/internal/access"
	"github.com/stewardhq/steward/internal/subjects"
)

// peopleFixture adds a member to each workplace, made by the DPO.
func peopleFixture(t *testing.T) (*fixture, *subjects.Subject, *subjects.Subject) {
	f := newFixture(t)
	a, err := f.Access.Actor(context.Background(), f.DPOUser, access.ViaSession)
	if err != nil {
		t.Fatal(err)
	}
	dpo := access.WithActor(context.Background(), a)
	mine, err := f.Subjects.Create(dpo, subjects.Input{UnitID: f.WorkplaceA, Profile: subjects.Profile{GivenName: "Alice", FamilyName: "Mine", Email: "alice.mine@example.org", MembershipNo: "A-1"}})
	if err != nil {
		t.Fatal(err)
	}
	theirs, err := f.Subjects.Create(dpo, subjects.Input{UnitID: f.WorkplaceB, Profile: subjects.Profile{GivenName: "Bob", FamilyName: "Theirs", Email: "bob.theirs@example.org", MembershipNo: "B-1"}})
	if err != nil {
		t.Fatal(err)
	}
	return f, mine, theirs
}

func tokenFor(t *testing.T, f *fixture, user string) string {
	t.Helper()
	a, err := f.Access.Actor(context.Background(), user, access.ViaSession)
	if err != nil {
		t.Fatal(err)
	}
	secret, _, err := f.Access.CreateToken(access.WithActor(context.Background(), a), "test", time.Hour, nil)
	if err != nil {
		t.Fatal(err)
	}
	return secret
}

func apiDo(t *testing.T, f *fixture, tok, method, path, payload string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(method, f.URL+path, strings.NewReader(payload))
	req.Header.Set("Authorization", "Bearer "+tok)
	if payload != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, body(t, resp)
}

func TestRepSeesOnlyTheirWorkplacesPeople(t *testing.T) {
	f, mine, theirs := peopleFixture(t)
	c := client(t)
	if r := login(t, f, c, f.RepUser, f.RepPassword, ""); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("login %d", r.StatusCode)
	}
	get := func(path string) (int, string) {
		resp, err := c.Get(f.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		return resp.StatusCode, body(t, resp)
	}
	search := func(q string) string {
		resp, err := c.PostForm(f.URL+"/people/search", url.Values{"q": {q}})
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode != 200 {
			t.Fatalf("search answered %d", resp.StatusCode)
		}
		return body(t, resp)
	}
	if code, b := get("/people"); code != 200 || !strings.Contains(b, "Alice Mine") || strings.Contains(b, "Bob Theirs") {
		t.Fatalf("people list as rep: %d, shows mine %v, shows theirs %v", code, strings.Contains(b, "Alice Mine"), strings.Contains(b, "Bob Theirs"))
	}
	if b := search("ALICE.MINE@example.org"); !strings.Contains(b, "Alice Mine") {
		t.Fatal("rep cannot find their own member by email")
	}
	if b := search("bob.theirs@example.org"); strings.Contains(b, "Bob Theirs") {
		t.Fatal("rep found another workplace's member by search")
	}
	if code, b := get("/people/" + mine.ID); code != 200 || !strings.Contains(b, "alice.mine@example.org") {
		t.Fatalf("own member's page: %d", code)
	}
	if code, b := get("/people/" + theirs.ID); code != 404 || strings.Contains(b, "Bob") {
		t.Fatalf("another workplace's member by URL: %d", code)
	}
	if code, _ := get("/people/new"); code != 403 {
		t.Fatalf("rep reaching the add form: %d, want 403", code)
	}

	tok := tokenFor(t, f, f.RepUser)
	code, b := apiDo(t, f, tok, "GET", "/api/v1/people", "")
	if code != 200 || !strings.Contains(b, "Alice") || strings.Contains(b, "Bob") {
		t.Fatalf("API list as rep: %d %s", code, b)
	}
	if code, b := apiDo(t, f, tok, "POST", "/api/v1/people/search", `{"query":"bob.theirs@example.org"}`); code != 200 || strings.Contains(b, "Bob") {
		t.Fatalf("API search for another workplace's member: %d %s", code, b)
	}
	if code, b := apiDo(t, f, tok, "GET", "/api/v1/people/"+theirs.ID, ""); code != 404 || strings.Contains(b, "Bob") {
		t.Fatalf("API read of another workplace's member: %d %s", code, b)
	}
	if code, _ := apiDo(t, f, tok, "POST", "/api/v1/people", `{"unit_id":"`+f.WorkplaceA+`","profile":{"given_name":"X"}}`); code != 403 {
		t.Fatalf("rep creating a person through the API: %d, want 403", code)
	}
}

func TestDPOManagesPeopleThroughTheAPI(t *testing.T) {
	f, mine, _ := peopleFixture(t)
	tok := tokenFor(t, f, f.DPOUser)
	code, b := apiDo(t, f, tok, "POST", "/api/v1/people", `{"unit_id":"`+f.WorkplaceB+`","kind":"member","profile":{"given_name":"Cara","family_name":"New","email":"cara@example.org","date_of_birth":"01/02/1990"}}`)
	if code != 201 {
		t.Fatalf("create: %d %s", code, b)
	}
	var p subjects.Subject
	if err := json.Unmarshal([]byte(b), &p); err != nil || p.Profile.DateOfBirth != "1990-02-01" {
		t.Fatalf("created %+v %v", p, err)
	}
	if code, b := apiDo(t, f, tok, "POST", "/api/v1/people", `{"unit_id":"`+f.WorkplaceB+`","profile":{"given_name":"Bad","email":"nope"}}`); code != 400 || !strings.Contains(b, "email") {
		t.Fatalf("bad email: %d %s", code, b)
	}
	upd := `{"unit_id":"` + f.WorkplaceA + `","profile":{"given_name":"Alice","family_name":"Wed","email":"alice.mine@example.org","membership_no":"A-1"},"version":%d,"reason":"married"}`
	if code, b := apiDo(t, f, tok, "PUT", "/api/v1/people/"+mine.ID, strings.Replace(upd, "%d", "1", 1)); code != 200 {
		t.Fatalf("update: %d %s", code, b)
	}
	if code, _ := apiDo(t, f, tok, "PUT", "/api/v1/people/"+mine.ID, strings.Replace(upd, "%d", "1", 1)); code != 409 {
		t.Fatalf("stale update: %d, want 409", code)
	}
	if code, b := apiDo(t, f, tok, "GET", "/api/v1/people/"+mine.ID+"/history", ""); code != 200 || !strings.Contains(b, `"old_value":"Mine"`) || !strings.Contains(b, "married") {
		t.Fatalf("history: %d %s", code, b)
	}
}
