package datamap

import (
	"strings"
	"time"

	"github.com/stewardhq/steward/internal/apperr"
)

const dateLayout = "2006-01-02"

// ParseDate reads a calendar date typed into a form or sent by the API and
// returns it as YYYY-MM-DD, the stored form; empty stays empty. It takes
// ISO dates (what a date input sends) and the UK's day/month/year (what
// people type where a browser shows a plain text box).
func ParseDate(label, s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", nil
	}
	for _, layout := range []string{dateLayout, "2/1/2006"} {
		if t, err := time.Parse(layout, s); err == nil {
			if t.Year() < 1900 || t.Year() > 2200 {
				break
			}
			return t.Format(dateLayout), nil
		}
	}
	return "", apperr.New(apperr.Invalid, "%s must be a date such as 2027-03-31 or 31/03/2027.", label)
}
