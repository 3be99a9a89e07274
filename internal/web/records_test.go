package web_test

import (
	"bytes"
	"context"
	"io"
	"mime/multipart"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/stewardhq/steward/internal/access"
	"github.com/stewardhq/steward/internal/datamap"
	"github.com/stewardhq/steward/internal/subjects"
)

func TestRepFilesACaseworkRecordWithAFile(t *testing.T) {
	f, mine, theirs := peopleFixture(t)
	a, _ := f.Access.Actor(context.Background(), f.DPOUser, access.ViaSession)
	dpo := access.WithActor(context.Background(), a)
	dm := datamap.New(f.DB, f.Audit)
	health, err := dm.CreateCategory(dpo, datamap.Category{Name: "Health", Special: "health"})
	if err != nil {
		t.Fatal(err)
	}
	act, err := dm.CreateActivity(dpo, datamap.Activity{Name: "Casework", Purposes: "Representation", LawfulBasis: "f", Art9Condition: "d", CategoryIDs: []string{health.ID}})
	if err != nil {
		t.Fatal(err)
	}
	recs := subjects.NewRecords(f.Subjects, dm)
	theirRec, err := recs.Add(dpo, theirs.ID, subjects.RecordInput{Kind: "casework_note", CategoryID: health.ID, ActivityID: act.ID, Title: "Theirs"})
	if err != nil {
		t.Fatal(err)
	}
	theirFile, err := recs.Attach(dpo, theirRec.ID, "theirs.txt", "text/plain", strings.NewReader("secret of B"))
	if err != nil {
		t.Fatal(err)
	}

	c := client(t)
	login(t, f, c, f.RepUser, f.RepPassword, "")
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, v := range map[string]string{"kind": "health", "category_id": health.ID, "activity_id": act.ID, "title": "Fit note", "body": "Off sick two weeks", "occurred_on": "2026-03-03"} {
		mw.WriteField(k, v)
	}
	fw, _ := mw.CreateFormFile("file", "fit-note.pdf")
	fw.Write([]byte("%PDF-1.4 fit note for Alice"))
	mw.Close()
	req, _ := http.NewRequest("POST", f.URL+"/people/"+mine.ID+"/records", &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if b := body(t, resp); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("adding a record: %d %s", resp.StatusCode, b)
	}
	resp, _ = c.Get(f.URL + "/people/" + mine.ID)
	page := body(t, resp)
	if !strings.Contains(page, "Fit note") || !strings.Contains(page, "Off sick two weeks") || !strings.Contains(page, "fit-note.pdf") {
		t.Fatal("the record or its file is not on the person's page")
	}
	m := regexp.MustCompile(`/files/([0-9a-f-]{36})`).FindStringSubmatch(page)
	if m == nil {
		t.Fatal("no download link")
	}
	resp, _ = c.Get(f.URL + "/files/" + m[1])
	data, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(data) != "%PDF-1.4 fit note for Alice" || !strings.Contains(resp.Header.Get("Content-Disposition"), "attachment") || resp.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("download: %d %q %v", resp.StatusCode, data, resp.Header)
	}
	resp, _ = c.Get(f.URL + "/files/" + theirFile.ID)
	if b := body(t, resp); resp.StatusCode != 404 || strings.Contains(b, "secret of B") {
		t.Fatalf("another workplace's file: %d", resp.StatusCode)
	}
}
