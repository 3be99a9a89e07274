package apperr

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestWrappedCodesAndSafeMessages(t *testing.T) {
	inner := New(NotFound, "No unit with id %q.", "x")
	err := fmt.Errorf("load: %w", inner)
	if CodeOf(err) != NotFound || MessageOf(err) != `No unit with id "x".` {
		t.Fatalf("wrapped: %s %q", CodeOf(err), MessageOf(err))
	}
	raw := errors.New("pq: relation \"secret_table\" does not exist")
	if CodeOf(raw) != Internal {
		t.Fatalf("plain error code %s, want internal", CodeOf(raw))
	}
	if strings.Contains(MessageOf(raw), "secret_table") {
		t.Fatal("the message of a plain error shows its internals")
	}
	if !Is(Wrap(raw, Conflict, "taken"), Conflict) || !errors.Is(Wrap(raw, Conflict, "taken"), raw) {
		t.Fatal("Wrap loses the code or the cause")
	}
}
