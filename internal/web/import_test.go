package web_test

import (
	"bytes"
	"encoding/csv"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"
)

func uploadImport(t *testing.T, c *http.Client, url, name, content string, fields map[string]string) *http.Response {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, v := range fields {
		mw.WriteField(k, v)
	}
	fw, _ := mw.CreateFormFile("file", name)
	fw.Write([]byte(content))
	mw.Close()
	req, _ := http.NewRequest("POST", url+"/people/import", &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

func TestImportPageShowsEveryRejectedRow(t *testing.T) {
	f := newFixture(t)
	dpo := client(t)
	if r := login(t, f, dpo, f.DPOUser, f.DPOPassword, f.DPOCode(t)); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("DPO login: %d", r.StatusCode)
	}
	file := "Membership number,First name,Surname,Email,Workplace\n" +
		"M1,Ann,Able,ann@example.org," + f.WorkplaceAName + "\n" +
		"M2,Ben,Bad,not-an-email," + f.WorkplaceAName + "\n" +
		"M3,Cat,Cole,cat@example.org,No Such School\n"
	// An unknown workplace fails the whole file, changing nothing.
	resp := uploadImport(t, dpo, f.URL, "members.csv", file, map[string]string{"action": "import"})
	if b := body(t, resp); resp.StatusCode/100 != 4 || !strings.Contains(b, "Nothing was imported") {
		t.Fatalf("unknown workplace: %d %s", resp.StatusCode, b)
	}
	file = strings.Replace(file, "No Such School", f.WorkplaceAName, 1)
	resp = uploadImport(t, dpo, f.URL, "members.csv", file, map[string]string{"action": "import"})
	b := body(t, resp)
	if resp.StatusCode != 200 || !strings.Contains(b, "2 created") || !strings.Contains(b, "1 rejected") {
		t.Fatalf("import page: %d %s", resp.StatusCode, b)
	}
	if !strings.Contains(b, "<td>3</td>") || strings.Contains(b, "not-an-email") {
		t.Fatalf("the rejected row is not shown by line, or its value is echoed:\n%s", b)
	}
	// The report download, from a dry run of the same file.
	resp = uploadImport(t, dpo, f.URL, "members.csv", file, map[string]string{"action": "report", "dry_run": "on"})
	if resp.StatusCode != 200 || !strings.Contains(resp.Header.Get("Content-Disposition"), "members.csv.report.csv") {
		t.Fatalf("report download: %d %v", resp.StatusCode, resp.Header)
	}
	recs, err := csv.NewReader(strings.NewReader(body(t, resp))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var rejected [][]string
	for _, r := range recs[1:] {
		if r[1] == "rejected" {
			rejected = append(rejected, r)
		}
	}
	if len(rejected) != 1 || rejected[0][0] != "3" || rejected[0][2] != "Email" {
		t.Fatalf("report rows %v", recs)
	}

	rep := client(t)
	login(t, f, rep, f.RepUser, f.RepPassword, "")
	resp = uploadImport(t, rep, f.URL, "members.csv", file, map[string]string{"action": "import"})
	body(t, resp)
	if resp.StatusCode != 403 {
		t.Fatalf("a rep importing: %d, want 403", resp.StatusCode)
	}
}
