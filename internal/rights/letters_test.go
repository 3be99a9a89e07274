package rights_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stewardhq/steward/internal/apperr"
	"github.com/stewardhq/steward/internal/rights"
	"github.com/stewardhq/steward/internal/store/storetest"
)

// pdfText reads a PDF back with pdftotext when the test environment has
// it, else from the literal strings the writer puts in the file.
func pdfText(t *testing.T, b []byte) string {
	t.Helper()
	tool := os.Getenv("STEWARD_TEST_PDFTOTEXT")
	if tool == "" {
		return string(b)
	}
	path := filepath.Join(t.TempDir(), "letter.pdf")
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(tool, path, "-").CombinedOutput()
	if err != nil {
		t.Fatalf("pdftotext: %v %s", err, out)
	}
	return strings.Join(strings.Fields(string(out)), " ")
}

func TestLettersFollowTheRecord(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		w := newWorld(t, env, "england-and-wales", "2027-02-10")
		dpo := w.as(t, "dpo")
		r := w.logReq(t, "dpo", verbal("2027-01-31"))
		// Letters the record does not back are refused.
		for _, k := range []rights.LetterKind{rights.LetterIDRequest, rights.LetterClarification, rights.LetterFee, rights.LetterExtension, rights.LetterRefusal, rights.LetterOutcome} {
			if _, _, err := w.svc.MakeLetter(dpo, r.ID, k); apperr.CodeOf(err) != apperr.Conflict {
				t.Fatalf("%s before its step: %v", k, err)
			}
		}
		_, _, err := w.svc.MakeLetter(w.as(t, "rep.a"), r.ID, rights.LetterAcknowledge)
		wantCode(t, err, apperr.Forbidden)

		ack, body, err := w.svc.MakeLetter(dpo, r.ID, rights.LetterAcknowledge)
		if err != nil {
			t.Fatal(err)
		}
		if text := pdfText(t, body); !strings.Contains(text, "Dear Priya Raman") || !strings.Contains(text, "Monday 1 March 2027") || !strings.Contains(text, r.Ref) {
			t.Fatalf("acknowledgement:\n%s", text)
		}
		ext, err := w.svc.Extend(dpo, r.ID, "Twelve years of casework across three systems.", "", r.Version)
		if err != nil {
			t.Fatal(err)
		}
		_, body, err = w.svc.MakeLetter(dpo, r.ID, rights.LetterExtension)
		if err != nil {
			t.Fatal(err)
		}
		if text := pdfText(t, body); !strings.Contains(text, "Twelve years of casework") || !strings.Contains(text, "Friday 30 April 2027") ||
			!strings.Contains(text, "Information Commissioner") {
			t.Fatalf("extension notice:\n%s", text)
		}
		if _, err := w.svc.Close(dpo, r.ID, rights.CloseInput{Outcome: rights.OutcomeRefused, Note: "The same request was answered in full on 3 January.", Version: ext.Version}); err != nil {
			t.Fatal(err)
		}
		_, body, err = w.svc.MakeLetter(dpo, r.ID, rights.LetterRefusal)
		if err != nil {
			t.Fatal(err)
		}
		if text := pdfText(t, body); !strings.Contains(text, "answered in full on 3 January") || !strings.Contains(text, "through the courts") {
			t.Fatalf("refusal:\n%s", text)
		}
		// Every letter is kept as made.
		letters, err := w.svc.Letters(dpo, r.ID)
		if err != nil || len(letters) != 3 {
			t.Fatalf("letters: %v %+v", err, letters)
		}
		_, kept, err := w.svc.LetterFile(dpo, r.ID, ack.ID)
		if err != nil || !bytes.HasPrefix(kept, []byte("%PDF")) {
			t.Fatalf("kept acknowledgement: %v", err)
		}
	})
}
