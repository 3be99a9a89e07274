package audit

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"
	"unicode/utf8"

	"github.com/stewardhq/steward/internal/apperr"
)

// Event is one audit record.
//
// Detail carries ids, codes and counts only, never plaintext personal data:
// the log is kept for years, is not encrypted per subject and so survives
// crypto-shredding. Keys must match [a-z0-9_]+ and values are at most
// MaxDetailValue characters, which keeps free text (names, notes) out.
type Event struct {
	Seq       int64
	At        time.Time // set by Append from the transaction's Now()
	ActorID   string    // account id, "system", or "" for anonymous
	Action    string    // dotted name, e.g. "session.login"
	Entity    string    // entity type, e.g. "account", "subject"
	EntityID  string
	SubjectID string // the data subject concerned, if any
	Purpose   string // short code
	Detail    map[string]string
	Segment   string // UTC month of At, "2006-01"
	PrevHash  []byte
	Hash      []byte
}

// Limits on what an event may carry. They are generous for ids and codes and
// tight enough that prose does not fit.
const (
	MaxDetailValue = 200 // characters per Detail value
	MaxDetailKeys  = 32
	maxDetailKey   = 64
	maxField       = 200 // bytes per top-level string field
)

// ErrInvalidEvent is wrapped by every refusal of Append to record an event,
// so callers can tell a programming error from a database failure.
var ErrInvalidEvent = errors.New("invalid audit event")

// segmentLayout names a segment by its UTC month.
const segmentLayout = "2006-01"

func segmentOf(t time.Time) string { return t.UTC().Format(segmentLayout) }

func invalid(format string, args ...any) error {
	return apperr.Wrap(ErrInvalidEvent, apperr.Invalid, "audit event: "+format, args...)
}

// validate checks the caller-supplied fields of e.
func validate(e *Event) error {
	if e.Action == "" {
		return invalid("action is required")
	}
	for i := 0; i < len(e.Action); i++ {
		if c := e.Action[i]; !isKeyByte(c) && c != '.' {
			return invalid("action %q may use only a-z, 0-9, '_' and '.'", e.Action)
		}
	}
	for _, f := range [...]struct{ name, v string }{
		{"actor id", e.ActorID}, {"action", e.Action}, {"entity", e.Entity},
		{"entity id", e.EntityID}, {"subject id", e.SubjectID}, {"purpose", e.Purpose},
	} {
		if len(f.v) > maxField {
			return invalid("%s is longer than %d bytes", f.name, maxField)
		}
		if !utf8.ValidString(f.v) {
			return invalid("%s is not valid UTF-8", f.name)
		}
	}
	if len(e.Detail) > MaxDetailKeys {
		return invalid("detail has %d entries, at most %d allowed", len(e.Detail), MaxDetailKeys)
	}
	for k, v := range e.Detail {
		if !validKey(k) {
			return invalid("detail key %q must match [a-z0-9_]+ (at most %d bytes)", k, maxDetailKey)
		}
		if !utf8.ValidString(v) {
			return invalid("detail %s is not valid UTF-8", k)
		}
		if n := utf8.RuneCountInString(v); n > MaxDetailValue {
			// The value is not echoed: it may be the personal data this
			// limit exists to keep out.
			return invalid("detail %s is %d characters long, at most %d allowed (ids and codes only, never personal data)", k, n, MaxDetailValue)
		}
	}
	return nil
}

func isKeyByte(c byte) bool { return c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_' }

func validKey(k string) bool {
	if k == "" || len(k) > maxDetailKey {
		return false
	}
	for i := 0; i < len(k); i++ {
		if !isKeyByte(k[i]) {
			return false
		}
	}
	return true
}

// encodeDetail returns the stored form of d: JSON with sorted keys (what
// encoding/json does for maps), or "" for none, so equal details hash equal.
func encodeDetail(d map[string]string) (string, error) {
	if len(d) == 0 {
		return "", nil
	}
	b, err := json.Marshal(d)
	if err != nil {
		return "", fmt.Errorf("encode audit detail: %w", err)
	}
	return string(b), nil
}

func decodeDetail(s string) (map[string]string, error) {
	if s == "" {
		return nil, nil
	}
	var d map[string]string
	if err := json.Unmarshal([]byte(s), &d); err != nil {
		return nil, fmt.Errorf("decode audit detail: %w", err)
	}
	return d, nil
}
