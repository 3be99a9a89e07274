package lists_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stewardhq/steward/internal/lists"
	"github.com/stewardhq/steward/internal/store/storetest"
)

// EnvSoffice names LibreOffice's soffice for the test that opens a list
// the way a rep would (CI sets it and installs libreoffice-calc and
// python3-uno).
const EnvSoffice = "STEWARD_TEST_SOFFICE"

// office is a headless LibreOffice listening on a local port.
type office struct{ port int }

func startOffice(t *testing.T) *office {
	t.Helper()
	bin := os.Getenv(EnvSoffice)
	if bin == "" {
		t.Skipf("LibreOffice test skipped: set %s=/usr/bin/soffice to run it", EnvSoffice)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	profile := t.TempDir()
	cmd := exec.Command(bin, "--headless", "--invisible", "--nologo", "--norestore", "--nodefault",
		"-env:UserInstallation=file://"+profile,
		fmt.Sprintf("--accept=socket,host=127.0.0.1,port=%d;urp;", port))
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", bin, err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	return &office{port: port}
}

// open opens the workbook with the password and returns its cells, or an
// error when LibreOffice refuses it.
func (o *office) open(t *testing.T, path, password string) ([][]string, error) {
	t.Helper()
	script, err := filepath.Abs("testdata/read_xlsx.py")
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("/usr/bin/python3", script, fmt.Sprint(o.port), path, password)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	var exit *exec.ExitError
	if errors.As(err, &exit) && exit.ExitCode() == 3 {
		return nil, fmt.Errorf("refused: %s", stderr.String())
	}
	if err != nil {
		t.Fatalf("read_xlsx.py: %v: %s", err, stderr.String())
	}
	var rows [][]string
	if err := json.Unmarshal(out, &rows); err != nil {
		t.Fatalf("read_xlsx.py printed %q: %v", out, err)
	}
	return rows, nil
}

// A ballot list opens in LibreOffice with its password and holds the
// expected people in the purpose's columns only; with a wrong password it
// does not open.
func TestXLSXOpensInLibreOfficeWithItsPasswordOnly(t *testing.T) {
	o := startOffice(t)
	w := newWorld(t, storetest.SQLiteEnv(t))
	m, err := w.svc.Create(w.as(t, "rep.a"), lists.Request{Purpose: "ballot", Format: lists.FormatXLSX})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), m.File.Name)
	if err := os.WriteFile(path, m.File.Data, 0o600); err != nil {
		t.Fatal(err)
	}
	rows, err := o.open(t, path, m.File.Password)
	if err != nil {
		t.Fatalf("the right password: %v", err)
	}
	want := [][]string{
		{"Given name", "Family name", "Workplace", "Membership number"},
		{"Dan", "Brown", "Riverside Academy", "M004"},
		{"Ada", "Lovelace", "Riverside Academy", "M001"},
		{"Ben", "Okri", "Riverside Academy", "M002"},
	}
	if !slices.EqualFunc(rows, want, slices.Equal) {
		t.Fatalf("LibreOffice read %q, want %q", rows, want)
	}
	if _, err := o.open(t, path, "wrong-"+m.File.Password); err == nil {
		t.Fatal("the workbook opened with a wrong password")
	}
}
