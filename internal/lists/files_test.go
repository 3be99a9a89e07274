package lists

import "testing"

// A CSV cell a spreadsheet would run as a formula gets a leading
// apostrophe; a phone number keeps its plus sign.
func TestDefuse(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"Ada", "Ada"},
		{"", ""},
		{"=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"},
		{"@SUM(A1)", "'@SUM(A1)"},
		{"+SUM(A1)", "'+SUM(A1)"},
		{"-A1", "'-A1"},
		{"\t=1", "'\t=1"},
		{"+44 7700 900123", "+44 7700 900123"},
		{"+447700900123", "+447700900123"},
		// A digit after the sign does not make the rest harmless: the
		// classic DDE payload starts with one.
		{"-2+3+cmd|' /C calc'!A0", "'-2+3+cmd|' /C calc'!A0"},
		{"+1+cmd|' /C calc'!A0", "'+1+cmd|' /C calc'!A0"},
		{"+44 7700 900123=1+1", "'+44 7700 900123=1+1"},
		{"+1*2", "'+1*2"},
	} {
		if got := defuse(c.in); got != c.want {
			t.Errorf("defuse(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}
