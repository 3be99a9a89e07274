// Package collect is the meeting point between a rights request and the
// capabilities that hold personal data. Each capability offers a Source
// that returns what it holds about one person as Items; the rights service
// gathers them for access, portability and erasure without knowing where
// they came from, so a new capability plugs in by adding a Source. It is a
// leaf package: everything may import it, it imports nothing of Steward's.
package collect

import "context"

// Source is what one capability holds about people.
type Source interface {
	// Name identifies the source in items and decisions; it must not
	// change between releases ("register", "records", "access_log").
	Name() string
	// Collect returns everything the source holds about the person. It
	// runs inside the caller's transaction, as the caller's actor, and
	// audits its reads as any other read of the person's data.
	Collect(ctx context.Context, subjectID string) ([]Item, error)
}

// Item is one piece of what is held about a person, as it will be shown
// to them: fields with labels, and free text that a reviewer may redact.
type Item struct {
	// Source is the Source's Name; Key identifies the item within it and
	// stays the same between collections of unchanged data.
	Source string `json:"source"`
	Key    string `json:"key"`
	// Category is the kind of data in words ("Contact details", "Health
	// and sickness information"), for the pack's grouping and cover letter.
	Category string `json:"category"`
	Title    string `json:"title"`
	// Date is when the data was recorded or the event happened (YYYY-MM-DD).
	Date string `json:"date,omitempty"`
	// Purpose is why it is held: the processing activity, when known.
	Purpose string  `json:"purpose,omitempty"`
	Fields  []Field `json:"fields,omitempty"`
	Text    string  `json:"text,omitempty"`
	// Provided marks data the person gave us themselves (or that was
	// observed from their activity), which is what portability covers.
	Provided bool `json:"provided,omitempty"`
	// Special marks special-category or criminal-offence data.
	Special bool `json:"special,omitempty"`
	// ReviewNote is for the reviewer only and never goes to the person:
	// a source's reason to consider withholding the item (a disclosure
	// to the police marked as prejudicial to tell the person about).
	ReviewNote string `json:"review_note,omitempty"`
}

// Field is a labelled value of an item.
type Field struct {
	Label string `json:"label"`
	Value string `json:"value"`
}

// Eraser is a Source that can erase what it holds, for erasure requests
// (Art 17). A Source that is not an Eraser holds data that must be kept
// whatever is asked (the access log, which shows who saw the person's
// data), and its items can only be kept.
type Eraser interface {
	Source
	// CheckErase says, before anything is erased anywhere, whether the
	// items with keys erase can go while those with keys keep stay: some
	// items only go together. It changes nothing.
	CheckErase(erase, keep []string) error
	// Erase removes the items with these keys for good: their keys are
	// shredded first, so every copy, in backups too, is unreadable, then
	// the rows go. Keys already erased are skipped, so after a failure
	// calling it again finishes the work. It audits as any other change.
	Erase(ctx context.Context, subjectID string, keys []string) error
}
