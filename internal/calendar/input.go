package calendar

import (
	"fmt"
	"strings"

	"github.com/stewardhq/steward/internal/apperr"
)

// InputError says which input to a calculation is wrong and how to put it
// right. Field is the input to fix and Other the one it was checked
// against (may be empty), both named in snake case as in SARInput's
// documentation: "received", "id_requested", "clarification_received".
// It reaches callers wrapped in an apperr.Invalid error whose message uses
// those names; Message rewrites the sentence with the caller's own labels,
// such as command-line flags or form field titles.
type InputError struct {
	Field string
	Other string
	text  string // the sentence, with {field} and {other} where the labels go
}

func (e *InputError) Error() string { return e.Message(func(s string) string { return s }) }

// Message returns the sentence with label(name) for each input's name.
func (e *InputError) Message(label func(name string) string) string {
	return strings.NewReplacer("{field}", label(e.Field), "{other}", label(e.Other)).Replace(e.text)
}

// invalid returns an apperr.Invalid error carrying an InputError.
func invalid(field, other, format string, args ...any) error {
	ie := &InputError{Field: field, Other: other, text: fmt.Sprintf(format, args...)}
	return apperr.Wrap(ie, apperr.Invalid, "%s", ie.Error())
}
