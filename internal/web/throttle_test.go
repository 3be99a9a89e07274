package web

import (
	"net/http/httptest"
	"testing"
	"time"
)

func TestLimiterRefillsAndSeparatesClients(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	l := newLimiter(10, 3)
	l.now = func() time.Time { return now }
	for i := 0; i < 3; i++ {
		if !l.allow("a") {
			t.Fatalf("attempt %d refused within the burst", i+1)
		}
	}
	if l.allow("a") {
		t.Fatal("fourth attempt allowed beyond the burst")
	}
	if !l.allow("b") {
		t.Fatal("another client was throttled too")
	}
	now = now.Add(6 * time.Second) // 10 a minute: one token every 6 s
	if !l.allow("a") {
		t.Fatal("no token after the refill interval")
	}
}

func TestClientKeyBehindProxy(t *testing.T) {
	r := httptest.NewRequest("POST", "/login", nil)
	r.RemoteAddr = "10.0.0.1:5555"
	r.Header.Add("X-Forwarded-For", "203.0.113.9, 198.51.100.7")
	if got := clientKey(r, false); got != "10.0.0.1" {
		t.Fatalf("without a trusted proxy: %q", got)
	}
	if got := clientKey(r, true); got != "198.51.100.7" {
		t.Fatalf("behind a trusted proxy: %q, want the address the proxy appended", got)
	}
}

func TestIPv6ClientsShareTheirSlash64(t *testing.T) {
	r := httptest.NewRequest("POST", "/login", nil)
	r.RemoteAddr = "[2001:db8:1:2:aaaa::1]:443"
	r2 := httptest.NewRequest("POST", "/login", nil)
	r2.RemoteAddr = "[2001:db8:1:2:bbbb::9]:443"
	if a, b := clientKey(r, false), clientKey(r2, false); a != b || a != "2001:db8:1:2::/64" {
		t.Fatalf("keys %q and %q, want one /64 bucket", a, b)
	}
}
