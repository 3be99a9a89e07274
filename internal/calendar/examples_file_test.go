package calendar

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// examplesFile holds the worked examples of RULES §§1.2-1.6 for tests in
// other packages (the rights service runs every one of them through a
// request). TestSARExamplesFile keeps it the same as sarExamples; set
// STEWARD_UPDATE_EXAMPLES=1 to write it after changing the table.
const examplesFile = "testdata/sar_examples.json"

// sarExampleJSON is one example as the file holds it.
type sarExampleJSON struct {
	Name    string    `json:"name"`
	In      [8]string `json:"in"` // received, id req, id rec, fee req, fee rec, authority, clar req, clar rec
	Start   string    `json:"clock_start"`
	Paused  int       `json:"paused_days"`
	Due     string    `json:"due"`
	Notice  string    `json:"extension_notice_by"`
	Ext     string    `json:"extended_due"`
	Regions []Region  `json:"regions"`
}

func TestSARExamplesFile(t *testing.T) {
	var out []sarExampleJSON
	for _, c := range sarExamples {
		out = append(out, sarExampleJSON{Name: c.name, In: c.in, Start: c.start, Paused: c.paused, Due: c.due, Notice: c.notice, Ext: c.ext, Regions: c.regions})
	}
	want, err := json.MarshalIndent(out, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	want = append(want, '\n')
	if os.Getenv("STEWARD_UPDATE_EXAMPLES") != "" {
		if err := os.MkdirAll(filepath.Dir(examplesFile), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(examplesFile, want, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(examplesFile)
	if err != nil {
		t.Fatalf("%v (run with STEWARD_UPDATE_EXAMPLES=1 to write it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("%s differs from sarExamples: run with STEWARD_UPDATE_EXAMPLES=1 to write it", examplesFile)
	}
}
