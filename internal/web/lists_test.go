package web_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/stewardhq/steward/internal/lists"
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
