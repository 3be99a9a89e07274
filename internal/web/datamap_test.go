package web_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/stewardhq/steward/internal/access"
	"github.com/stewardhq/steward/internal/datamap"
)

// dmToken makes an API token for a user of the fixture.
func dmToken(t *testing.T, f *fixture, user string) string {
	t.Helper()
	a, err := f.Access.Actor(t.Context(), user, access.ViaSession)
	if err != nil {
		t.Fatal(err)
	}
	secret, _, err := f.Access.CreateToken(access.WithActor(t.Context(), a), "test", time.Hour, nil)
	if err != nil {
		t.Fatal(err)
	}
	return secret
}

// dmAddTrustee adds a trustee on the organisation and returns its TOTP seed.
func dmAddTrustee(t *testing.T, f *fixture) (user, pass, seed string) {
	t.Helper()
	ctx := context.Background()
	root, err := f.Access.RootUnit(ctx)
	if err != nil {
		t.Fatal(err)
	}
	op := access.WithActor(ctx, access.OperatorActor(root.Path))
	user, pass = "trustee", "seven blue kites over the moor"
	na, err := f.Access.CreateAccount(op, user, pass)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Access.Grant(op, user, access.RoleTrustee, root.ID); err != nil {
		t.Fatal(err)
	}
	return user, pass, na.TOTPSecret
}

func dmCall(t *testing.T, c *http.Client, method, u, bearer, ctype, reqBody string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(method, u, strings.NewReader(reqBody))
	if err != nil {
		t.Fatal(err)
	}
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	return resp, body(t, resp)
}

func TestDatamapAPI(t *testing.T) {
	f := newFixture(t)
	c := client(t)
	dpo, rep := dmToken(t, f, f.DPOUser), dmToken(t, f, f.RepUser)
	api := f.URL + "/api/v1/datamap"

	resp, b := dmCall(t, c, "POST", api+"/categories", dpo, "application/json", `{"name":"Health","special":"health"}`)
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("create category: %d %s", resp.StatusCode, b)
	}
	var cat datamap.Category
	if err := json.Unmarshal([]byte(b), &cat); err != nil || cat.ID == "" || cat.Special != datamap.SpecialHealth {
		t.Fatalf("category %s: %v", b, err)
	}
	resp, b = dmCall(t, c, "POST", api+"/activities", dpo, "application/json",
		`{"name":"Casework","purposes":"Representing members","lawful_basis":"b","category_ids":["`+cat.ID+`"],"transfers":[{"destination":"United States"}]}`)
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("create activity: %d %s", resp.StatusCode, b)
	}
	var act datamap.Activity
	if err := json.Unmarshal([]byte(b), &act); err != nil || act.ID == "" {
		t.Fatalf("activity %s: %v", b, err)
	}
	resp, b = dmCall(t, c, "GET", api+"/activities", dpo, "", "")
	if resp.StatusCode != 200 || !strings.Contains(b, `"name":"Casework"`) || !strings.Contains(b, cat.ID) {
		t.Fatalf("list activities: %d %s", resp.StatusCode, b)
	}
	resp, b = dmCall(t, c, "GET", api+"/activities/"+act.ID+"/gaps", dpo, "", "")
	for _, want := range []string{datamap.GapNoArt9Condition, datamap.GapTransferNoSafeguard, datamap.GapNoSystem} {
		if !strings.Contains(b, `"code":"`+want+`"`) {
			t.Errorf("gaps lack %s: %d %s", want, resp.StatusCode, b)
		}
	}
	resp, b = dmCall(t, c, "PUT", api+"/activities/"+act.ID, dpo, "application/json", `{"name":"Casework","lawful_basis":"z"}`)
	if resp.StatusCode != http.StatusUnprocessableEntity && resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("bad lawful basis accepted: %d %s", resp.StatusCode, b)
	}
	resp, b = dmCall(t, c, "PUT", api+"/controller", dpo, "application/json", `{"name":"Test Union","contact":"1 Test Street"}`)
	if resp.StatusCode != 200 {
		t.Fatalf("set controller: %d %s", resp.StatusCode, b)
	}

	resp, b = dmCall(t, c, "GET", api+"/export?format=xlsx", dpo, "", "")
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet") ||
		resp.Header.Get("Cache-Control") != "no-store" || !strings.Contains(resp.Header.Get("Content-Disposition"), "art30-record.xlsx") {
		t.Fatalf("xlsx export: %d %v", resp.StatusCode, resp.Header)
	}
	x, err := excelize.OpenReader(bytes.NewReader([]byte(b)))
	if err != nil {
		t.Fatalf("xlsx from the API does not open: %v", err)
	}
	rows, err := x.GetRows(x.GetSheetName(0))
	x.Close()
	if err != nil || len(rows) != 2 || len(rows[0]) != len(datamap.Art30Columns()) || rows[1][0] != "Casework" {
		t.Fatalf("xlsx rows %q: %v", rows, err)
	}

	// A rep holds neither datamap permission: 403 on every operation.
	for _, p := range []struct{ method, path, body string }{
		{"GET", "/activities", ""}, {"GET", "/activities/" + act.ID, ""}, {"GET", "/gaps", ""},
		{"POST", "/categories", `{"name":"X"}`}, {"DELETE", "/activities/" + act.ID, ""}, {"GET", "/export?format=csv", ""},
	} {
		resp, b := dmCall(t, c, p.method, api+p.path, rep, "application/json", p.body)
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("rep %s %s: %d %s", p.method, p.path, resp.StatusCode, b)
		}
	}
	// A trustee reads but does not write.
	tu, _, _ := dmAddTrustee(t, f)
	tr := dmToken(t, f, tu)
	if resp, b := dmCall(t, c, "GET", api+"/activities/"+act.ID, tr, "", ""); resp.StatusCode != 200 {
		t.Errorf("trustee read: %d %s", resp.StatusCode, b)
	}
	if resp, b := dmCall(t, c, "POST", api+"/categories", tr, "application/json", `{"name":"X"}`); resp.StatusCode != http.StatusForbidden {
		t.Errorf("trustee write: %d %s", resp.StatusCode, b)
	}
	resp, b = dmCall(t, c, "DELETE", api+"/activities/"+act.ID, dpo, "", "")
	if resp.StatusCode != http.StatusNoContent {
		t.Fatalf("delete: %d %s", resp.StatusCode, b)
	}
	if resp, _ := dmCall(t, c, "GET", api+"/activities/"+act.ID, dpo, "", ""); resp.StatusCode != http.StatusNotFound {
		t.Fatalf("deleted activity: %d", resp.StatusCode)
	}
	if resp, b := dmCall(t, c, "GET", f.URL+"/api/v1/openapi.json", "", "", ""); !strings.Contains(b, `"/datamap/activities/{id}"`) {
		t.Fatalf("openapi lacks the data map: %d", resp.StatusCode)
	}
}

func TestDatamapPages(t *testing.T) {
	f := newFixture(t)
	dpo := client(t)
	if r := login(t, f, dpo, f.DPOUser, f.DPOPassword, f.DPOCode(t)); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("dpo login: %d %s", r.StatusCode, body(t, r))
	}
	form := "application/x-www-form-urlencoded"
	post := func(c *http.Client, path string, v url.Values) (*http.Response, string) {
		return dmCall(t, c, "POST", f.URL+path, "", form, v.Encode())
	}

	resp, b := dmCall(t, dpo, "GET", f.URL+"/datamap", "", "", "")
	if resp.StatusCode != 200 || !strings.Contains(b, `href="/datamap"`) || !strings.Contains(b, "Add a processing activity") {
		t.Fatalf("dpo index: %d %s", resp.StatusCode, b)
	}
	resp, b = post(dpo, "/datamap/categories", url.Values{"name": {"DBS checks"}, "special": {"criminal"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("create category: %d %s", resp.StatusCode, b)
	}
	catID := strings.TrimSuffix(strings.TrimPrefix(resp.Header.Get("Location"), "/datamap/categories/"), "?done=saved")
	resp, b = post(dpo, "/datamap/systems", url.Values{"name": {"Paper files"}, "kind": {"paper"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("create system: %d %s", resp.StatusCode, b)
	}
	resp, b = post(dpo, "/datamap/recipients", url.Values{"name": {"Mailing house"}, "kind": {"processor"}, "contract_status": {"signed"}, "contract_review_on": {"31/13/2027"}})
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(b, "must be a date") || !strings.Contains(b, `value="Mailing house"`) {
		t.Fatalf("bad date: %d %s", resp.StatusCode, b)
	}
	resp, b = post(dpo, "/datamap/activities", url.Values{"name": {"Recruitment"}, "purposes": {"Hiring staff"}, "lawful_basis": {"b"},
		"category_id": {catID}, "transfer_destination": {"", ""}, "transfer_safeguard": {"", ""}, "transfer_documentation": {"", ""}, "retention_months": {"six"}})
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(b, "whole number") {
		t.Fatalf("bad months: %d %s", resp.StatusCode, b)
	}
	resp, b = post(dpo, "/datamap/activities", url.Values{"name": {"Recruitment"}, "purposes": {"Hiring staff"}, "lawful_basis": {"b"},
		"category_id": {catID}, "transfer_destination": {"", ""}, "transfer_safeguard": {"", ""}, "transfer_documentation": {"", ""}, "retention_months": {"6"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("create activity: %d %s", resp.StatusCode, b)
	}
	actPath := strings.TrimSuffix(resp.Header.Get("Location"), "?done=saved")
	resp, b = dmCall(t, dpo, "GET", f.URL+actPath, "", "", "")
	if resp.StatusCode != 200 || !strings.Contains(b, "no Art 10 basis") || !strings.Contains(b, "DBS checks") || !strings.Contains(b, "/edit") {
		t.Fatalf("activity page: %d %s", resp.StatusCode, b)
	}
	resp, b = dmCall(t, dpo, "GET", f.URL+actPath+"/edit", "", "", "")
	if resp.StatusCode != 200 || !strings.Contains(b, `value="`+catID+`" checked`) || !strings.Contains(b, `value="6"`) {
		t.Fatalf("edit page: %d %s", resp.StatusCode, b)
	}
	resp, b = dmCall(t, dpo, "GET", f.URL+"/datamap/gaps", "", "", "")
	if resp.StatusCode != 200 || !strings.Contains(b, "controller") || !strings.Contains(b, "Recruitment") {
		t.Fatalf("gaps page: %d %s", resp.StatusCode, b)
	}
	resp, b = dmCall(t, dpo, "GET", f.URL+"/datamap/export/csv", "", "", "")
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/csv; charset=utf-8" ||
		resp.Header.Get("Cache-Control") != "no-store" || resp.Header.Get("Content-Disposition") != `attachment; filename="art30-record.csv"` {
		t.Fatalf("csv download: %d %v", resp.StatusCode, resp.Header)
	}
	recs, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(b, "\ufeff"))).ReadAll()
	if err != nil || len(recs) != 2 || len(recs[0]) != len(datamap.Art30Columns()) {
		t.Fatalf("csv: %v %q", err, recs)
	}
	if resp, _ := dmCall(t, dpo, "GET", f.URL+"/datamap/export/pdf", "", "", ""); resp.StatusCode != http.StatusNotFound {
		t.Fatalf("unknown format: %d", resp.StatusCode)
	}
	// A category in use cannot be deleted.
	if resp, b := post(dpo, "/datamap/categories/"+catID+"/delete", nil); resp.StatusCode != http.StatusConflict {
		t.Fatalf("delete used category: %d %s", resp.StatusCode, b)
	}

	// The trustee sees the map without edit controls and cannot post.
	tu, tp, seed := dmAddTrustee(t, f)
	tr := client(t)
	code := ""
	if seed != "" {
		code, _ = access.TOTPCode(seed, time.Now())
	}
	if r := login(t, f, tr, tu, tp, code); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("trustee login: %d %s", r.StatusCode, body(t, r))
	}
	resp, b = dmCall(t, tr, "GET", f.URL+actPath, "", "", "")
	if resp.StatusCode != 200 || strings.Contains(b, "/edit") || strings.Contains(b, "/delete") || !strings.Contains(b, "Hiring staff") {
		t.Fatalf("trustee activity page: %d %s", resp.StatusCode, b)
	}
	resp, b = dmCall(t, tr, "GET", f.URL+"/datamap/categories/"+catID, "", "", "")
	if resp.StatusCode != 200 || strings.Contains(b, "<form method=\"post\" action=\"/datamap") {
		t.Fatalf("trustee category page: %d %s", resp.StatusCode, b)
	}
	for _, p := range []string{"/datamap/activities/new", actPath + "/edit", "/datamap/controller"} {
		if resp, _ := dmCall(t, tr, "GET", f.URL+p, "", "", ""); resp.StatusCode != http.StatusForbidden {
			t.Errorf("trustee GET %s: %d", p, resp.StatusCode)
		}
	}
	if resp, _ := post(tr, actPath+"/delete", nil); resp.StatusCode != http.StatusForbidden {
		t.Errorf("trustee delete: %d", resp.StatusCode)
	}

	// The rep sees no data map at all.
	rep := client(t)
	if r := login(t, f, rep, f.RepUser, f.RepPassword, ""); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("rep login: %d", r.StatusCode)
	}
	if resp, b := dmCall(t, rep, "GET", f.URL+"/", "", "", ""); strings.Contains(b, `href="/datamap"`) {
		t.Errorf("rep nav shows the data map: %d", resp.StatusCode)
	}
	for _, p := range []string{"/datamap", actPath, "/datamap/export/csv"} {
		if resp, _ := dmCall(t, rep, "GET", f.URL+p, "", "", ""); resp.StatusCode != http.StatusForbidden {
			t.Errorf("rep GET %s: %d", p, resp.StatusCode)
		}
	}
}
