package web_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/stewardhq/steward/internal/rights"
	"github.com/stewardhq/steward/internal/store/storetest"
)

// TestErasureThroughTheAPI: an erasure request worked end to end by a
// client: erase or keep on each item (access decisions refused), the
// erasure carried out with the version read, the report, the notices to
// recipients as tasks of their own kind, and no close as complied with
// until they are done.
func TestErasureThroughTheAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		f := newFixtureOn(t, env)
		member := addMemberWithTwoRecords(t, f)
		tok := tokenFor(t, f, f.DPOUser)
		req := logByEmail(t, f, tok, rights.KindErasure, "Delete everything about me.")
		base := "/api/v1/requests/" + req.ID
		if code, b := apiDo(t, f, tok, "POST", base+"/match", fmt.Sprintf(`{"subject_id":%q,"version":%d}`, member, req.Version)); code != http.StatusOK {
			t.Fatalf("match: %d %s", code, b)
		}
		code, b := apiDo(t, f, tok, "POST", base+"/collate", "")
		got := decode[itemsBody](t, b)
		if code != http.StatusOK || len(got.Items) != 5 || len(got.Tasks) == 0 {
			t.Fatalf("collate: %d %s", code, b)
		}
		for _, tk := range got.Tasks {
			if tk.Kind != rights.TaskSearch {
				t.Errorf("task before the erasure of kind %q: %+v", tk.Kind, tk)
			}
		}
		version := func() int64 {
			t.Helper()
			_, b := apiDo(t, f, tok, "GET", base, "")
			return decode[struct {
				Request rights.Request `json:"request"`
			}](t, b).Request.Version
		}
		erasure := func(v int64) (int, string) {
			t.Helper()
			return apiDo(t, f, tok, "POST", base+"/erasure", fmt.Sprintf(`{"version":%d}`, v))
		}

		decide := func(it rights.Item, body string) (int, string) {
			t.Helper()
			return apiDo(t, f, tok, "POST", base+"/items/"+it.ID+"/decision", body)
		}
		if code, b := decide(got.Items[0], `{"decision":"disclose"}`); code != http.StatusBadRequest || !strings.Contains(b, "erase or keep") {
			t.Errorf("disclose on an erasure: %d %s", code, b)
		}
		if code, b := decide(got.Items[0], `{"decision":"shred"}`); code != http.StatusUnprocessableEntity && code != http.StatusBadRequest {
			t.Errorf("an unknown decision: %d %s", code, b)
		}
		wantErased, wantKept := 0, 0
		for _, it := range got.Items {
			body := `{"decision":"erase"}`
			switch {
			case it.Content.Source == "access_log":
				if code, b := decide(it, `{"decision":"erase"}`); code != http.StatusBadRequest || !strings.Contains(b, "cannot be erased") {
					t.Errorf("erase the access log: %d %s", code, b)
				}
				body = `{"decision":"keep","exemption":"legal_obligation","reason":"Shows we complied."}`
			case it.Content.Title == eraseKeptTitle:
				body = `{"decision":"keep","exemption":"legal_claims","reason":"` + eraseKeepReason + `"}`
			}
			code, b := decide(it, body)
			d := decode[rights.Item](t, b)
			if code != http.StatusOK || !strings.Contains(body, `"`+string(d.Decision)+`"`) {
				t.Fatalf("decide %s: %d %s", it.Content.Title, code, b)
			}
			if d.Decision == rights.Erase {
				wantErased++
			} else {
				wantKept++
			}
		}
		if code, b := erasure(version()); code != http.StatusConflict || !strings.Contains(b, "search tasks") {
			t.Errorf("erasure with the searches open: %d %s", code, b)
		}
		for _, tk := range got.Tasks {
			if code, b := apiDo(t, f, tok, "POST", base+"/tasks/"+tk.ID+"/done", `{"note":"Searched; nothing about her."}`); code != http.StatusNoContent {
				t.Fatalf("task: %d %s", code, b)
			}
		}

		v := version()
		if code, b := erasure(0); code != http.StatusBadRequest && code != http.StatusUnprocessableEntity {
			t.Errorf("erasure without a version: %d %s", code, b)
		}
		if code, b := erasure(v - 1); code != http.StatusConflict || !strings.Contains(b, "changed this request") {
			t.Errorf("erasure on a stale version: %d %s", code, b)
		}
		if code, b := apiDo(t, f, tokenFor(t, f, f.RepUser), "POST", base+"/erasure", fmt.Sprintf(`{"version":%d}`, v)); code != http.StatusForbidden && code != http.StatusNotFound {
			t.Errorf("a rep carries out the erasure: %d %s", code, b)
		}
		code, b = erasure(v)
		rep := decode[rights.ErasureReport](t, b)
		if code != http.StatusOK || rep.Erased != wantErased || rep.Kept != wantKept || rep.Notices == 0 {
			t.Fatalf("erasure: %d %s, want %d erased and %d kept", code, b, wantErased, wantKept)
		}
		if code, b := erasure(version()); code != http.StatusConflict || !strings.Contains(b, "already been carried out") {
			t.Errorf("erasure again: %d %s", code, b)
		}

		_, b = apiDo(t, f, tok, "GET", base+"/items", "")
		after := decode[itemsBody](t, b)
		if strings.Contains(b, eraseGoneBody) || strings.Contains(b, erasePhone) || !strings.Contains(b, eraseKeptBody) {
			t.Errorf("items after the erasure: %s", b)
		}
		for _, it := range after.Items {
			if it.Decision == rights.Erase && (it.Content.Title != "Erased" || len(it.Content.Fields) != 0 || it.Content.Text != "") {
				t.Errorf("an erased item's copy: %+v", it.Content)
			}
		}
		var notices []rights.Task
		for _, tk := range after.Tasks {
			if tk.Kind == rights.TaskNotify {
				notices = append(notices, tk)
			}
		}
		if len(notices) != rep.Notices || !strings.Contains(b, `"kind":"notify"`) {
			t.Fatalf("%d notice tasks, report says %d: %s", len(notices), rep.Notices, b)
		}
		if code, b := decide(after.Items[0], `{"decision":"keep","exemption":"legal_claims","reason":"Changed my mind."}`); code != http.StatusConflict {
			t.Errorf("a decision after the erasure: %d %s", code, b)
		}

		closeReq := func() (int, string) {
			t.Helper()
			return apiDo(t, f, tok, "POST", base+"/close", fmt.Sprintf(`{"outcome":"complied","note":"Erased; the tribunal note is kept.","version":%d}`, version()))
		}
		if code, b := closeReq(); code != http.StatusConflict || !strings.Contains(b, "tell each recipient") {
			t.Errorf("close with the notices open: %d %s", code, b)
		}
		for _, tk := range notices {
			if code, b := apiDo(t, f, tok, "POST", base+"/tasks/"+tk.ID+"/done", `{"note":"Emailed them on the day."}`); code != http.StatusNoContent {
				t.Fatalf("notice: %d %s", code, b)
			}
		}
		if code, b := closeReq(); code != http.StatusOK || decode[rights.Request](t, b).Outcome != rights.OutcomeComplied {
			t.Errorf("close once all are told: %d %s", code, b)
		}

		resp, err := http.Get(f.URL + "/api/v1/openapi.json")
		if err != nil {
			t.Fatal(err)
		}
		doc := body(t, resp)
		for _, want := range []string{`"/requests/{id}/erasure"`, `"carry-out-erasure"`, `"ErasureReport"`} {
			if !strings.Contains(doc, want) {
				t.Errorf("openapi.json lacks %s", want)
			}
		}
	})
}

// logByEmail logs, through the API, a request of the kind that Priya
// Raman made by email at workplace A.
func logByEmail(t *testing.T, f *fixture, tok string, kind rights.Kind, description string) rights.Request {
	t.Helper()
	code, b := apiDo(t, f, tok, "POST", "/api/v1/requests", fmt.Sprintf(`{"kind":%q,"channel":"email","requester":"self","unit_id":%q,
		"details":{"requester_name":"Priya Raman","requester_email":"priya.raman@example.org","description":%q}}`, kind, f.WorkplaceA, description))
	if code != http.StatusCreated {
		t.Fatalf("log: %d %s", code, b)
	}
	return decode[rights.Request](t, b)
}
