package web

import (
	"slices"
	"strings"
	"testing"

	"github.com/stewardhq/steward/internal/apperr"
	"github.com/stewardhq/steward/internal/collect"
	"github.com/stewardhq/steward/internal/rights"
)

func TestPastedRedactionsBecomeSpans(t *testing.T) {
	c := collect.Item{Title: "Meeting with Dr Okafor", Text: "Met Priya with Mr Hughes from HR. Mr Hughes said the rota would change.",
		Fields: []collect.Field{{Label: "Attendees", Value: "Priya Raman; Mr Hughes"}, {Label: "Place", Value: "Café Noël, Leeds"}}}
	spans, err := redactionSpans(c, "Mr Hughes\r\n\n  Hughes \nNoël\n")
	if err != nil {
		t.Fatal(err)
	}
	want := []rights.Span{{Field: -1, Start: 15, End: 24}, {Field: -1, Start: 34, End: 43}, {Field: 0, Start: 13, End: 22}, {Field: 1, Start: 6, End: 11}}
	if !slices.Equal(spans, want) {
		t.Fatalf("spans %+v, want %+v", spans, want)
	}
	got, _ := rights.Item{Content: c, Decision: rights.Redact, Redactions: spans}.Apply()
	if got.Text != "Met Priya with [redacted] from HR. [redacted] said the rota would change." ||
		got.Fields[0].Value != "Priya Raman; [redacted]" || got.Fields[1].Value != "Café [redacted], Leeds" {
		t.Fatalf("applied: %+v", got)
	}
	// Showing the form again lists each redacted run once.
	if lines := redactedLines(rights.Item{Content: c, Redactions: spans}); lines != "Mr Hughes\nNoël" {
		t.Fatalf("lines %q", lines)
	}

	for _, c2 := range []struct{ pasted, want string }{
		{"Mr Hughs\nMr Hughes\nrota  would", "Not found in this item's text or fields: “Mr Hughs”, “rota  would”."},
		{"Dr Okafor", "In the item's title, which cannot be redacted: “Dr Okafor”"},
		{" \n\n", "Paste the exact text to redact"},
		{"mr hughes", "“mr hughes”"},
	} {
		_, err := redactionSpans(c, c2.pasted)
		if apperr.CodeOf(err) != apperr.Invalid || !strings.Contains(apperr.MessageOf(err), c2.want) {
			t.Errorf("%q: %v, want %q", c2.pasted, err, c2.want)
		}
	}
	// In the text and the title too: redacting the text alone would leave
	// the name in the pack.
	c.Title = "Mr Hughes's meeting"
	if _, err := redactionSpans(c, "Mr Hughes"); !strings.Contains(apperr.MessageOf(err), "In the item's title") {
		t.Errorf("a piece also in the title: %v", err)
	}
}
