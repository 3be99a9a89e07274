package web

import (
	"testing"
	"time"

	"github.com/stewardhq/steward/internal/calendar"
)

// TestTimesOnPagesAreUKTimes: an instant shows as the clock in the UK
// read then, with BST in summer and GMT in winter.
func TestTimesOnPagesAreUKTimes(t *testing.T) {
	london, err := calendar.London()
	if err != nil {
		t.Fatal(err)
	}
	when := whenIn(london)
	for _, c := range []struct {
		at   time.Time
		want string
	}{
		{time.Date(2026, 7, 1, 23, 30, 0, 0, time.UTC), "2 Jul 2026 00:30 BST"},
		{time.Date(2026, 11, 22, 12, 21, 0, 0, time.UTC), "22 Nov 2026 12:21 GMT"},
		{time.Time{}, "—"},
	} {
		if got := when(c.at); got != c.want {
			t.Errorf("%v shows as %q, want %q", c.at, got, c.want)
		}
	}
}
