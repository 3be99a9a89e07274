package vault

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stewardhq/steward/internal/apperr"
)

func TestNormalise(t *testing.T) {
	tests := []struct {
		kind  IndexKind
		in    string
		want  string // empty means the value is rejected
		about string // for rejections: a word the message must contain
	}{
		{IndexEmail, " Jo.Bloggs@Example.COM ", "jo.bloggs@example.com", ""},
		{IndexEmail, "jo.bloggs@example.com", "jo.bloggs@example.com", ""},
		{IndexEmail, "jo.bloggs.example.com", "", "@"},
		{IndexEmail, "@example.com", "", "@"},
		{IndexEmail, "jo@", "", "@"},
		{IndexEmail, "jo bloggs@example.com", "", "spaces"},

		{IndexPhone, "07700 900123", "+447700900123", ""},
		{IndexPhone, "+44 7700 900123", "+447700900123", ""},
		{IndexPhone, "0044 7700 900123", "+447700900123", ""},
		{IndexPhone, "+44 (0)7700 900123", "+447700900123", ""},
		{IndexPhone, "(020) 7946 0000", "+442079460000", ""},
		{IndexPhone, "020-7946-0000", "+442079460000", ""},
		{IndexPhone, "+447700900123", "+447700900123", ""},
		{IndexPhone, "0800 123 456", "+44800123456", ""},
		{IndexPhone, "+33 1 23 45 67 89", "+33123456789", ""},
		{IndexPhone, "call me", "", "digits"},
		{IndexPhone, "07700 90012", "+44770090012", ""}, // 9-digit NSN exists in the UK plan
		{IndexPhone, "0770090", "", "UK phone number"},
		{IndexPhone, "077009001234", "", "UK phone number"},
		{IndexPhone, "7700 900123", "", "start with 0"},
		{IndexPhone, "07700 900123 ext 5", "", "digits"},
		{IndexPhone, "+", "", "international"},

		{IndexNINumber, "qq 12 34 56 c", "QQ123456C", ""},
		{IndexNINumber, "QQ123456C", "QQ123456C", ""},
		{IndexNINumber, "QQ123456E", "", "A to D"},
		{IndexNINumber, "Q1123456C", "", "A to D"},
		{IndexNINumber, "QQ12345C", "", "A to D"},
		{IndexNINumber, "QQ1234567C", "", "A to D"},

		{IndexName, "  José   Müller ", "jose muller", ""},
		{IndexName, "JOSE MULLER", "jose muller", ""},
		{IndexName, "O’Brien", "o'brien", ""},
		{IndexName, "Straße", "strasse", ""},
		{IndexName, "Zoë\tSmith-Jones", "zoe smith-jones", ""},
		{IndexName, "   ", "", "empty"},

		{IndexDate, "1984-03-27", "1984-03-27", ""},
		{IndexDate, "27/03/1984", "1984-03-27", ""},
		{IndexDate, "7/3/1984", "1984-03-07", ""},
		{IndexDate, "2024-02-29", "2024-02-29", ""},
		{IndexDate, "2023-02-29", "", "does not exist"},
		{IndexDate, "31/04/2020", "", "does not exist"},
		{IndexDate, "1984-13-01", "", "does not exist"},
		{IndexDate, "03/27/84", "", "YYYY-MM-DD"},
		{IndexDate, "yesterday", "", "YYYY-MM-DD"},
		{IndexDate, "+984-03-27", "", "YYYY-MM-DD"},

		{IndexMembershipNo, " m-00123 ", "M-00123", ""},
		{IndexMembershipNo, "A 12 34", "A1234", ""},
		{IndexMembershipNo, "12#4", "", "letters"},

		{IndexPostcode, "sw1a1aa", "SW1A 1AA", ""},
		{IndexPostcode, " SW1A  1AA ", "SW1A 1AA", ""},
		{IndexPostcode, "m1 1ae", "M1 1AE", ""},
		{IndexPostcode, "GIR0AA", "GIR 0AA", ""},
		{IndexPostcode, "12345", "", "postcode"},
		{IndexPostcode, "SW1A 1A", "", "postcode"},
		{IndexPostcode, "SW1A1AAA", "", "postcode"},

		{IndexText, "  Hello   World ", "hello world", ""},
		{IndexText, "Café", "café", ""},
		{IndexText, "Cafe\u0301", "café", ""},

		{IndexKind("shoe size"), "42", "", "unknown"},
		{IndexName, "bad\x00byte", "", "control"},
		{IndexName, "bad\xffutf8", "", "UTF-8"},
	}
	for _, tc := range tests {
		t.Run(string(tc.kind)+"/"+tc.in, func(t *testing.T) {
			got, err := Normalise(tc.kind, tc.in)
			if tc.want == "" {
				if err == nil {
					t.Fatalf("Normalise(%q) = %q, want an error", tc.in, got)
				}
				if !apperr.Is(err, apperr.Invalid) {
					t.Errorf("error %v is not apperr.Invalid", err)
				}
				if !strings.Contains(apperr.MessageOf(err), tc.about) {
					t.Errorf("message %q does not mention %q", apperr.MessageOf(err), tc.about)
				}
				return
			}
			if err != nil {
				t.Fatalf("Normalise(%q): %v", tc.in, err)
			}
			if got != tc.want {
				t.Fatalf("Normalise(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

// The ASCII fast path must agree with the Unicode path it short-cuts.
func TestFoldASCIIMatchesUnicodePath(t *testing.T) {
	for _, s := range []string{"  Jo   BLOGGS ", "O`Brien", "a\tb\nc", "MiXeD-Case 123", ""} {
		for _, name := range []bool{true, false} {
			fast, ok := foldASCII(s, name)
			if !ok {
				t.Fatalf("foldASCII(%q) refused ASCII", s)
			}
			slow := foldUnicodeForTest(s, name)
			if fast != slow {
				t.Errorf("foldASCII(%q, name=%v) = %q, Unicode path gives %q", s, name, fast, slow)
			}
		}
	}
}

// foldUnicodeForTest forces the Unicode path by appending a non-ASCII rune
// that both paths drop or keep predictably, then removing it.
func foldUnicodeForTest(s string, name bool) string {
	const marker = "\u00e9" // é: folds to itself (text) or to e (name)
	var out string
	if name {
		out = foldName(s + " " + marker)
		return strings.TrimSuffix(strings.TrimSuffix(out, "e"), " ")
	}
	out = foldText(s + " " + marker)
	return strings.TrimSuffix(strings.TrimSuffix(out, marker), " ")
}

func FuzzNormalise(f *testing.F) {
	seeds := []string{
		" Jo.Bloggs@Example.COM ", "07700 900123", "+44 (0)20 7946 0000", "qq 12 34 56 c",
		"José Müller", "ǅemal İnan ﬁsh ẞ", "27/03/1984", "2024-02-29", "sw1a1aa", "m-00123",
		"Cafe\u0301", "\u0130", "ℌello", "a\u0345\u0307", "´", "ﾊﾟ",
	}
	for i, s := range seeds {
		f.Add(uint8(i), s)
	}
	kinds := IndexKinds()
	f.Fuzz(func(t *testing.T, k uint8, value string) {
		kind := kinds[int(k)%len(kinds)]
		out, err := Normalise(kind, value)
		if err != nil {
			if !apperr.Is(err, apperr.Invalid) {
				t.Fatalf("Normalise(%s, %q) error %v is not apperr.Invalid", kind, value, err)
			}
			return
		}
		if out == "" || !utf8.ValidString(out) {
			t.Fatalf("Normalise(%s, %q) = %q: empty or invalid UTF-8", kind, value, out)
		}
		again, err := Normalise(kind, out)
		if err != nil {
			t.Fatalf("Normalise(%s, %q) = %q, which is then rejected: %v", kind, value, out, err)
		}
		if again != out {
			t.Fatalf("not idempotent for %s: %q -> %q -> %q", kind, value, out, again)
		}
	})
}
