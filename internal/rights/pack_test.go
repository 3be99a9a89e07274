package rights_test

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stewardhq/steward/internal/apperr"
	"github.com/stewardhq/steward/internal/rights"
	"github.com/stewardhq/steward/internal/store/storetest"
)

func TestResponsePackHoldsRedactionsInEveryFormat(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		w, _, r := collateWorld(t, env)
		dpo := w.as(t, "dpo")
		items, tasks, err := w.svc.Collate(dpo, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		_, _, err = w.svc.Pack(dpo, r.ID)
		wantCode(t, err, apperr.Conflict) // nothing decided yet
		for _, it := range items {
			in := rights.DecisionInput{Decision: rights.Disclose}
			if it.Content.Source == "records" {
				i := strings.Index(it.Content.Text, "Mr Hughes")
				j := strings.LastIndex(it.Content.Text, "Mr Hughes")
				in = rights.DecisionInput{Decision: rights.Redact, Exemption: "third_party", Reason: "HR adviser's name.",
					Redactions: []rights.Span{{Field: -1, Start: i, End: i + 9}, {Field: -1, Start: j, End: j + 9}}}
			}
			if _, err := w.svc.Decide(dpo, r.ID, it.ID, in); err != nil {
				t.Fatal(err)
			}
		}
		_, _, err = w.svc.Pack(dpo, r.ID)
		wantCode(t, err, apperr.Conflict) // search tasks open
		if err := w.svc.CompleteTask(dpo, r.ID, tasks[0].ID, ""); apperr.CodeOf(err) != apperr.Invalid {
			t.Fatalf("task without a note: %v", err)
		}
		for _, tk := range tasks {
			if err := w.svc.CompleteTask(dpo, r.ID, tk.ID, "Searched by the owner; nothing about her."); err != nil {
				t.Fatal(err)
			}
		}
		// Nothing is released while identity is unconfirmed.
		cur, _, err := w.svc.Get(dpo, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		cur = w.step(t, cur, rights.StepIDRequested, "", "")
		_, _, err = w.svc.Pack(dpo, r.ID)
		wantCode(t, err, apperr.Conflict)
		if !strings.Contains(apperr.MessageOf(err), "proof of identity") {
			t.Fatalf("message: %s", apperr.MessageOf(err))
		}
		w.step(t, cur, rights.StepIDReceived, "", "Passport seen.")
		letter, zipped, err := w.svc.Pack(dpo, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		files := unzip(t, zipped)
		for _, name := range []string{"cover-letter.html", "your-data.json", "your-data.csv", "your-data.html", "your-data.pdf"} {
			b, ok := files[name]
			if !ok {
				t.Fatalf("%s missing from the pack: %v", name, keys(files))
			}
			if bytes.Contains(b, []byte("Hughes")) {
				t.Fatalf("the redacted name is in %s", name)
			}
		}
		var js struct {
			Items []struct {
				Text string `json:"text"`
			} `json:"items"`
		}
		if err := json.Unmarshal(files["your-data.json"], &js); err != nil {
			t.Fatal(err)
		}
		found := false
		for _, it := range js.Items {
			found = found || it.Text == "Met Priya with [redacted] from HR. [redacted] said the rota would change."
		}
		if !found {
			t.Fatalf("redacted note not in the JSON: %s", files["your-data.json"])
		}
		cover := string(files["cover-letter.html"])
		for _, want := range []string{"Priya Raman", "Casework and representation", "Information Commissioner", "Identity and contact details", "parts removed"} {
			if !strings.Contains(cover, want) {
				t.Fatalf("cover letter lacks %q:\n%s", want, cover)
			}
		}
		if tool := os.Getenv("STEWARD_TEST_PDFTOTEXT"); tool != "" {
			path := filepath.Join(t.TempDir(), "pack.pdf")
			os.WriteFile(path, files["your-data.pdf"], 0o600)
			out, err := exec.Command(tool, path, "-").CombinedOutput()
			if err != nil {
				t.Fatalf("pdftotext: %v %s", err, out)
			}
			text := strings.Join(strings.Fields(string(out)), " ")
			if strings.Contains(text, "Hughes") || !strings.Contains(text, "Met Priya with [redacted] from HR. [redacted] said the rota") {
				t.Fatalf("PDF text:\n%s", text)
			}
		}
		// The pack is kept as made.
		l, kept, err := w.svc.LetterFile(dpo, r.ID, letter.ID)
		if err != nil || !bytes.Equal(kept, zipped) || l.FileName != letter.FileName {
			t.Fatalf("kept pack: %v %+v", err, l)
		}
	})
}

func unzip(t *testing.T, b []byte) map[string][]byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]byte{}
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		out[f.Name], _ = io.ReadAll(rc)
		rc.Close()
	}
	return out
}

func keys(m map[string][]byte) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
