package consent_test

import (
	"strings"
	"testing"

	"github.com/stewardhq/steward/internal/consent"
)

// FuzzParseOptOuts feeds the opt-out file parser anything: it must never
// panic, every row it accepts has an identifier and a known purpose, and
// every problem names a line of the file.
func FuzzParseOptOuts(f *testing.F) {
	f.Add("email,phone,purpose\na@example.org,07700900123,all marketing\n", "")
	f.Add("Email Address\n\"quoted, comma\"@x.org\n", "newsletters")
	f.Add("email,purpose\nbad,holidays\n\"unterminated\n", "")
	f.Add("\ufeffE-mail;x\n", "all_marketing")
	f.Fuzz(func(t *testing.T, file, purpose string) {
		rows, probs, err := consent.ParseOptOuts(strings.NewReader(file), purpose)
		if err != nil {
			if rows != nil || probs != nil {
				t.Fatal("a file-level error came with rows")
			}
			return
		}
		lines := strings.Count(file, "\n") + 1
		for _, r := range rows {
			if r.Email == "" && r.Phone == "" && r.MembershipNo == "" {
				t.Fatalf("row without identifiers accepted: %+v", r)
			}
			if r.Purpose != consent.AllMarketing {
				if _, err := consent.PurposeOf(r.Purpose); err != nil {
					t.Fatalf("row with unknown purpose %q accepted", r.Purpose)
				}
			}
			if r.Line < 2 || r.Line > lines {
				t.Fatalf("row line %d outside the file (%d lines)", r.Line, lines)
			}
		}
		for _, p := range probs {
			if p.Line < 1 || p.Line > lines || p.Problem == "" {
				t.Fatalf("problem %+v", p)
			}
		}
	})
}
