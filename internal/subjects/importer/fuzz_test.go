package importer

import (
	"bytes"
	"errors"
	"testing"

	"github.com/xuri/excelize/v2"
)

// fuzzLimits are small so the fuzzer reaches them.
var fuzzLimits = Limits{MaxRows: 50, MaxColumns: 20, MaxCellBytes: 64, MaxRowBytes: 512, MaxXLSXBytes: 1 << 20}

// drain reads a table to the end; it must stop, within the limits, on any
// input.
func drain(t *testing.T, data []byte) {
	tab, err := Open(bytes.NewReader(data), int64(len(data)), "", fuzzLimits)
	if err != nil {
		return
	}
	defer tab.Close()
	if len(tab.Header()) > fuzzLimits.MaxColumns {
		t.Fatalf("header of %d columns passed the limit", len(tab.Header()))
	}
	for range fuzzLimits.MaxRows + 10 {
		_, cells, err := tab.Next()
		var re *RowError
		if errors.As(err, &re) {
			continue
		}
		if err != nil {
			return
		}
		for _, c := range cells {
			if len(c) > fuzzLimits.MaxCellBytes {
				t.Fatalf("cell of %d bytes passed the limit", len(c))
			}
		}
	}
	t.Fatalf("more rows than the limit were returned")
}

func FuzzReadCSV(f *testing.F) {
	for _, s := range []string{"a,b\n1,2\n", "\uFEFFa;b\n1;2\n", "a,b\n\"x\ny\",2\n", "a\n\"unclosed\n", "a,b\n1,2,3\n", "\x00", "a\tb\n1\t2"} {
		f.Add([]byte(s))
	}
	f.Fuzz(drain)
}

func FuzzReadXLSX(f *testing.F) {
	x := excelize.NewFile()
	_ = x.SetSheetRow("Sheet1", "A1", &[]any{"Membership No", "Name"})
	_ = x.SetSheetRow("Sheet1", "A2", &[]any{"M1", "Jo"})
	var buf bytes.Buffer
	if err := x.Write(&buf); err != nil {
		f.Fatal(err)
	}
	f.Add(buf.Bytes())
	f.Add([]byte("PK\x03\x04"))
	f.Fuzz(func(t *testing.T, data []byte) {
		if !bytes.HasPrefix(data, []byte("PK\x03\x04")) {
			data = append([]byte("PK\x03\x04"), data...)
		}
		drain(t, data)
	})
}
