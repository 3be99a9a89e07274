package web_test

import (
	"archive/zip"
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stewardhq/steward/internal/access"
	"github.com/stewardhq/steward/internal/datamap"
	"github.com/stewardhq/steward/internal/rights"
	"github.com/stewardhq/steward/internal/store/storetest"
	"github.com/stewardhq/steward/internal/subjects"
)

// thirdParty is named in the member's casework note and must not reach
// the response pack.
const thirdParty = "Mr Hughes"

// addMemberWithNote seeds the data map and adds a member of workplace A
// with a casework note that names a third party, as the DPO; it returns
// the member's id.
func addMemberWithNote(t *testing.T, f *fixture) string {
	t.Helper()
	ctx := context.Background()
	a, err := f.Access.Actor(ctx, f.DPOUser, access.ViaSession)
	if err != nil {
		t.Fatal(err)
	}
	dpo := access.WithActor(ctx, a)
	dm := datamap.New(f.DB, f.Audit)
	if err := dm.Seed(dpo, datamap.Controller{Name: "Test Union", DPO: "Dana Patel, dpo@union.example"}); err != nil {
		t.Fatal(err)
	}
	p, err := f.Subjects.Create(dpo, subjects.Input{UnitID: f.WorkplaceA, Kind: subjects.KindMember,
		Profile: subjects.Profile{GivenName: "Priya", FamilyName: "Raman", Email: "priya.raman@example.org", MembershipNo: "M-7"}})
	if err != nil {
		t.Fatal(err)
	}
	ch, err := dm.FormChoices(dpo)
	if err != nil {
		t.Fatal(err)
	}
	pick := func(list []datamap.Choice, name string) string {
		for _, c := range list {
			if c.Name == name {
				return c.ID
			}
		}
		t.Fatalf("no %q in the seeded data map", name)
		return ""
	}
	_, err = subjects.NewRecords(f.Subjects, dm).Add(dpo, p.ID, subjects.RecordInput{Kind: "casework_note",
		CategoryID: pick(ch.Categories, "Casework notes and correspondence"), ActivityID: pick(ch.Activities, "Casework and representation"),
		Title: "Grievance meeting", Body: "Met Priya with " + thirdParty + " from HR. " + thirdParty + " said the rota would change.", OccurredOn: "2026-02-10"})
	if err != nil {
		t.Fatal(err)
	}
	return p.ID
}

type itemsBody struct {
	Items []rights.Item `json:"items"`
	Tasks []rights.Task `json:"tasks"`
}

// download fetches a path with a client and returns the status, headers and
// body bytes.
func download(t *testing.T, c *http.Client, method, u string) (int, http.Header, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header, b
}

func unzipPack(t *testing.T, b []byte) map[string]string {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatalf("the pack is not a zip: %v", err)
	}
	out := map[string]string{}
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		data, _ := io.ReadAll(rc)
		rc.Close()
		out[f.Name] = string(data)
	}
	return out
}

func TestDPOCollatesRedactsAndMakesThePack(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		f := newFixtureOn(t, env)
		member := addMemberWithNote(t, f)
		repA := signedIn(t, f, f.RepUser, f.RepPassword, "")
		id := logAsRep(t, f, repA)
		tok := tokenFor(t, f, f.DPOUser)
		dpo := signedIn(t, f, f.DPOUser, f.DPOPassword, f.DPOCode(t))

		// Nothing to collect until the request is matched to the person.
		code, page := get(t, f, dpo, "/requests/"+id)
		if code != http.StatusOK || !strings.Contains(page, "Match the request to a person in the register first") || strings.Contains(page, `/collate"`) {
			t.Fatalf("request page before matching: %d\n%s", code, page)
		}
		if code, _, b := post(t, f, dpo, "/requests/"+id+"/match", url.Values{"version": {"1"}, "subject_id": {member}}); code != http.StatusSeeOther {
			t.Fatalf("match: %d\n%s", code, b)
		}
		_, page = get(t, f, dpo, "/requests/"+id)
		if !strings.Contains(page, `action="/requests/`+id+`/collate"`) || !strings.Contains(page, "Collect the person's data") {
			t.Fatalf("no collect button:\n%s", page)
		}
		code, loc, b := post(t, f, dpo, "/requests/"+id+"/collate", nil)
		if code != http.StatusSeeOther || loc != "/requests/"+id+"?done=collated#data" {
			t.Fatalf("collate: %d to %q\n%s", code, loc, b)
		}
		_, page = get(t, f, dpo, loc)
		for _, want := range []string{"Casework notes and correspondence", "Identity and contact details", "Grievance meeting", thirdParty + " from HR",
			"Held for: Casework and representation", "still to decide", rights.Exemption("third_party").Label(), `id="tasks"`, "Make the response pack"} {
			if !strings.Contains(page, want) {
				t.Errorf("request page after collating lacks %q", want)
			}
		}

		_, b = apiDo(t, f, tok, "GET", "/api/v1/requests/"+id+"/items", "")
		got := decode[itemsBody](t, b)
		var note rights.Item
		for _, it := range got.Items {
			if it.Content.Source == "records" {
				note = it
			}
		}
		if note.ID == "" || len(got.Tasks) == 0 {
			t.Fatalf("items from the API: %s", b)
		}
		decide := "/requests/" + id + "/items/" + note.ID + "/decision"

		// A typo is refused, naming it, with the form kept.
		code, _, b = post(t, f, dpo, decide, url.Values{"decision": {"redact"}, "redact": {"Mr Hughs"}, "exemption": {"third_party"}, "reason": {"The HR adviser's name."}})
		if code != http.StatusBadRequest || !strings.Contains(b, "Not found in this item") || !strings.Contains(b, "“Mr Hughs”") ||
			!strings.Contains(b, "The HR adviser&#39;s name.</textarea>") || !strings.Contains(b, `value="redact" checked`) {
			t.Fatalf("redaction with a typo: %d\n%s", code, b)
		}
		// Withholding needs the exemption: the service's refusal comes back
		// on the form.
		if code, _, b := post(t, f, dpo, decide, url.Values{"decision": {"withhold"}, "reason": {"x"}}); code != http.StatusBadRequest || !strings.Contains(b, "Name the exemption") {
			t.Fatalf("withhold without an exemption: %d\n%s", code, b)
		}
		code, loc, b = post(t, f, dpo, decide, url.Values{"decision": {"redact"}, "redact": {thirdParty + "\nHughes"}, "exemption": {"third_party"}, "reason": {"The HR adviser's name."}})
		if code != http.StatusSeeOther || loc != "/requests/"+id+"?done=decided#item-"+note.ID {
			t.Fatalf("redact: %d to %q\n%s", code, loc, b)
		}
		_, page = get(t, f, dpo, "/requests/"+id)
		if !strings.Contains(page, "Met Priya with [redacted] from HR. [redacted] said the rota would change.") || !strings.Contains(page, "Reason: The HR adviser&#39;s name.") ||
			!strings.Contains(page, "Disclosed with redactions") || !strings.Contains(page, ">"+thirdParty+"</textarea>") {
			t.Fatalf("the redacted item on the page:\n%s", page)
		}

		// The rest are disclosed through the API.
		for _, it := range got.Items {
			if it.ID == note.ID {
				continue
			}
			if code, b := apiDo(t, f, tok, "POST", "/api/v1/requests/"+id+"/items/"+it.ID+"/decision", `{"decision":"disclose"}`); code != http.StatusOK || decode[rights.Item](t, b).Decision != rights.Disclose {
				t.Fatalf("disclose through the API: %d %s", code, b)
			}
		}

		// The pack waits for the search tasks.
		if code, _, b := post(t, f, dpo, "/requests/"+id+"/pack", nil); code != http.StatusConflict || !strings.Contains(b, "search tasks") {
			t.Fatalf("pack with open tasks: %d\n%s", code, b)
		}
		task := "/requests/" + id + "/tasks/" + got.Tasks[0].ID + "/done"
		if code, _, b := post(t, f, dpo, task, url.Values{"note": {" "}}); code != http.StatusBadRequest || !strings.Contains(b, "Say what the search found") {
			t.Fatalf("task without a note: %d\n%s", code, b)
		}
		if code, loc, b := post(t, f, dpo, task, url.Values{"note": {"Searched the paper files: nothing about her."}}); code != http.StatusSeeOther || !strings.HasSuffix(loc, "#tasks") {
			t.Fatalf("task done: %d\n%s", code, b)
		}
		for _, tk := range got.Tasks[1:] {
			if code, b := apiDo(t, f, tok, "POST", "/api/v1/requests/"+id+"/tasks/"+tk.ID+"/done", `{"note":"Searched by the owner; nothing."}`); code != http.StatusNoContent {
				t.Fatalf("task done through the API: %d %s", code, b)
			}
		}
		if _, page = get(t, f, dpo, "/requests/"+id); !strings.Contains(page, "Searched the paper files: nothing about her.") || strings.Contains(page, `/done"`) {
			t.Fatalf("tasks after completing them:\n%s", page)
		}

		// The pack downloads from the page.
		code, h, zipped := download(t, dpo, http.MethodPost, f.URL+"/requests/"+id+"/pack")
		if code != http.StatusOK || h.Get("Content-Type") != "application/zip" || h.Get("Cache-Control") != "no-store" ||
			!strings.HasPrefix(h.Get("Content-Disposition"), "attachment; filename=response-R-") || h.Get("Location") != "" {
			t.Fatalf("pack: %d %v", code, h)
		}
		files := unzipPack(t, zipped)
		for _, name := range []string{"your-data.json", "your-data.html"} {
			if strings.Contains(files[name], "Hughes") || !strings.Contains(files[name], "[redacted]") || !strings.Contains(files[name], "Met Priya with") {
				t.Errorf("%s in the pack:\n%s", name, files[name])
			}
		}

		// It is kept, and downloads again byte for byte, by page and API.
		_, b = apiDo(t, f, tok, "GET", "/api/v1/requests/"+id+"/letters", "")
		letters := decode[struct {
			Letters []rights.Letter `json:"letters"`
		}](t, b).Letters
		if len(letters) != 1 || letters[0].Kind != "pack" {
			t.Fatalf("letters: %s", b)
		}
		link := "/requests/" + id + "/letters/" + letters[0].ID
		if _, page = get(t, f, dpo, "/requests/"+id); !strings.Contains(page, `href="`+link+`"`) || !strings.Contains(page, "Response pack") {
			t.Fatalf("the kept pack is not listed:\n%s", page)
		}
		code, h, kept := download(t, dpo, http.MethodGet, f.URL+link)
		if code != http.StatusOK || !bytes.Equal(kept, zipped) || h.Get("Content-Type") != "application/zip" || !strings.HasPrefix(h.Get("Content-Disposition"), "attachment") {
			t.Fatalf("kept pack from the page: %d %v, identical %v", code, h, bytes.Equal(kept, zipped))
		}
		code, b = apiDo(t, f, tok, "GET", "/api/v1"+link, "")
		if code != http.StatusOK || b != string(zipped) {
			t.Fatalf("kept pack from the API: %d, identical %v", code, b == string(zipped))
		}
		code, b = apiDo(t, f, tok, "POST", "/api/v1/requests/"+id+"/pack", "")
		if code != http.StatusOK || !strings.HasPrefix(b, "PK") || strings.Contains(unzipPack(t, []byte(b))["your-data.json"], "Hughes") {
			t.Fatalf("pack from the API: %d", code)
		}

		// A rep may do none of this, by page or API, and the page does not
		// offer it.
		if _, page := get(t, f, repA, "/requests/"+id); strings.Contains(page, "Data found") || strings.Contains(page, "Grievance meeting") {
			t.Errorf("the rep's view of the request shows the collected data")
		}
		for _, p := range []struct{ method, path string }{
			{"POST", "/requests/" + id + "/collate"},
			{"POST", decide},
			{"POST", task},
			{"POST", "/requests/" + id + "/pack"},
			{"GET", link},
		} {
			if code, _, b := download(t, repA, p.method, f.URL+p.path); code != http.StatusForbidden || bytes.Contains(b, []byte("Hughes")) {
				t.Errorf("rep %s %s: %d, want 403", p.method, p.path, code)
			}
		}
		repTok := tokenFor(t, f, f.RepUser)
		for _, p := range []struct{ method, path, body string }{
			{"POST", "/requests/" + id + "/collate", ""},
			{"GET", "/requests/" + id + "/items", ""},
			{"POST", "/requests/" + id + "/items/" + note.ID + "/decision", `{"decision":"disclose"}`},
			{"POST", "/requests/" + id + "/tasks/" + got.Tasks[0].ID + "/done", `{"note":"x"}`},
			{"POST", "/requests/" + id + "/pack", ""},
			{"GET", "/requests/" + id + "/letters", ""},
			{"GET", link, ""},
		} {
			if code, b := apiDo(t, f, repTok, p.method, "/api/v1"+p.path, p.body); code != http.StatusForbidden && code != http.StatusNotFound || strings.Contains(b, "Hughes") {
				t.Errorf("rep API %s %s: %d %s, want 403 or 404", p.method, p.path, code, b)
			}
		}

		// A letter or item of another request is not found through this one.
		other := logAsRep(t, f, repA)
		if code, _, _ := download(t, dpo, http.MethodGet, f.URL+"/requests/"+other+"/letters/"+letters[0].ID); code != http.StatusNotFound {
			t.Errorf("pack through another request: %d, want 404", code)
		}
		if code, b := apiDo(t, f, tok, "POST", fmt.Sprintf("/api/v1/requests/%s/items/%s/decision", other, note.ID), `{"decision":"disclose"}`); code != http.StatusNotFound {
			t.Errorf("decision through another request: %d %s", code, b)
		}

		resp, err := http.Get(f.URL + "/api/v1/openapi.json")
		if err != nil {
			t.Fatal(err)
		}
		doc := body(t, resp)
		for _, p := range []string{`"/requests/{id}/collate"`, `"/requests/{id}/items"`, `"/requests/{id}/items/{item}/decision"`, `"/requests/{id}/tasks/{task}/done"`,
			`"/requests/{id}/pack"`, `"/requests/{id}/letters/{letter}"`, `"CollectedItem"`} {
			if !strings.Contains(doc, p) {
				t.Errorf("openapi.json lacks %s", p)
			}
		}
	})
}
