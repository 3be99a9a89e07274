package web

import (
	"net/http/httptest"
	"testing"
)

// TestAbsURLPrefersThePublicAddress: a link Steward shows for keeping (a
// preference link, the status page) uses the configured public address,
// whatever Host the request carried; without one, the address reached.
func TestAbsURLPrefersThePublicAddress(t *testing.T) {
	r := httptest.NewRequest("GET", "http://attacker.example/consent", nil)
	s := &Server{cfg: Config{BaseURL: "https://steward.union.example"}}
	if got := s.absURL(r, "/preferences/tok"); got != "https://steward.union.example/preferences/tok" {
		t.Fatalf("with a public address: %s", got)
	}
	s = &Server{cfg: Config{}}
	if got := s.absURL(r, "/request/status"); got != "http://attacker.example/request/status" {
		t.Fatalf("without one: %s", got)
	}
}
