package pdf_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stewardhq/steward/internal/pdf"
)

// envPdfToText names poppler's pdftotext; with it set, the test checks
// that a real PDF reader opens the document and reads its text back.
const envPdfToText = "STEWARD_TEST_PDFTOTEXT"

func sample() []byte {
	d := pdf.New("Your data (R-7K3F-9QXM)")
	d.Heading("Your data held by Northfield Education Union")
	d.Para("Dear Ms Raman,\nWe received your request on Monday 2 March 2026.")
	d.Label("Casework (Grievance meeting)", "Met Priya with [redacted] from HR. Brackets (like these) and a backslash \\ survive; so do £ and é.")
	long := strings.Repeat("A long paragraph that has to wrap over several lines of the page. ", 200)
	d.Para(long)
	return d.Bytes()
}

func TestDocumentStructure(t *testing.T) {
	b := sample()
	s := string(b)
	if !strings.HasPrefix(s, "%PDF-1.4") || !strings.HasSuffix(s, "%%EOF\n") {
		t.Fatal("not framed as a PDF")
	}
	if n := strings.Count(s, "/Type /Page "); n < 2 {
		t.Fatalf("%d pages; the long paragraph should need more than one", n)
	}
	// The cross-reference table points at each object.
	xref := strings.LastIndex(s, "\nxref\n")
	if xref < 0 || !strings.Contains(s[xref:], "trailer") {
		t.Fatal("no xref table")
	}
	if strings.Contains(s, "Met Priya with [redacted]") == false {
		t.Fatal("text not written literally")
	}
}

func TestAReaderOpensIt(t *testing.T) {
	tool := os.Getenv(envPdfToText)
	if tool == "" {
		t.Skip(envPdfToText + " is not set: set it to pdftotext (poppler-utils) to check the PDF with a real reader")
	}
	dir := t.TempDir()
	in := filepath.Join(dir, "pack.pdf")
	if err := os.WriteFile(in, sample(), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(tool, "-layout", in, "-").CombinedOutput()
	if err != nil {
		t.Fatalf("pdftotext: %v\n%s", err, out)
	}
	text := string(out)
	for _, want := range []string{"Your data held by Northfield Education Union", "Dear Ms Raman,", "Met Priya with [redacted] from HR.",
		"Brackets (like these)", "backslash \\ survive", "£ and é.", "several lines of the page."} {
		if !strings.Contains(text, want) {
			t.Fatalf("%q not read back from the PDF:\n%s", want, text[:min(len(text), 2000)])
		}
	}
	info, err := exec.Command("pdfinfo", in).CombinedOutput()
	if err == nil && !strings.Contains(string(info), "R-7K3F-9QXM") {
		t.Fatalf("title not in the metadata:\n%s", info)
	}
}
