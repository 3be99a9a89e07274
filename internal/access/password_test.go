package access

import (
	"strings"
	"testing"
	"time"
)

func TestPasswordHashRoundTrip(t *testing.T) {
	p := HashParams{Memory: 8 * 1024, Time: 1, Threads: 1}
	h, err := HashPassword("correct horse battery", p)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=8192,t=1,p=1$") {
		t.Fatalf("hash %q is not a PHC argon2id string", h)
	}
	if ok, err := VerifyPassword("correct horse battery", h); !ok || err != nil {
		t.Fatalf("right password refused: %v", err)
	}
	if ok, _ := VerifyPassword("correct horse batterY", h); ok {
		t.Fatal("wrong password accepted")
	}
}

func FuzzParseHash(f *testing.F) {
	h, _ := HashPassword("seed password", HashParams{Memory: 8 * 1024, Time: 1, Threads: 1})
	f.Add(h)
	f.Add("$argon2id$v=19$m=99999999,t=1,p=1$AAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAA")
	f.Add("$$$$$")
	f.Fuzz(func(t *testing.T, s string) {
		p, salt, key, err := parseHash(s)
		if err != nil {
			return
		}
		// Whatever parses must be within the bounds that keep verification cheap.
		if p.Memory > 1<<21 || p.Time > 16 || p.Threads > 16 || len(salt) < 8 || len(key) < 16 {
			t.Fatalf("accepted out-of-bounds hash %q", s)
		}
	})
}

func TestTOTPWindowAndReplay(t *testing.T) {
	secret, _ := NewTOTPSecret()
	now := time.Date(2026, 3, 29, 0, 59, 45, 0, time.UTC)
	code, _ := TOTPCode(secret, now)
	step, ok := checkTOTP(secret, code, now, 0)
	if !ok {
		t.Fatal("current code refused")
	}
	if _, ok := checkTOTP(secret, code, now, step); ok {
		t.Fatal("replayed code accepted")
	}
	old, _ := TOTPCode(secret, now.Add(-2*time.Minute))
	if _, ok := checkTOTP(secret, old, now, 0); ok {
		t.Fatal("code from two minutes ago accepted")
	}
	if _, ok := checkTOTP(secret, "12345", now, 0); ok {
		t.Fatal("five-digit code accepted")
	}
}

func TestScopeDropsCoveredPaths(t *testing.T) {
	a := &Actor{AccountID: "x", Grants: []Grant{
		{Role: RoleRep, UnitPath: "/r/b/w1/"},
		{Role: RoleOfficer, UnitPath: "/r/b/"},
		{Role: RoleRep, UnitPath: "/r/c/w2/"},
	}}
	got := a.Scope(PermSubjectsRead)
	if len(got) != 2 || got[0] != "/r/b/" || got[1] != "/r/c/w2/" {
		t.Fatalf("scope %v", got)
	}
	if !a.CanIn(PermCasesRead, "/r/b/w9/") || a.CanIn(PermCasesRead, "/r/z/") {
		t.Fatal("CanIn does not follow the subtree")
	}
	if a.CanIn(PermDisclosures, "/r/c/w2/") {
		t.Fatal("rep on w2 holds an officer permission there")
	}
}

func FuzzCheckTOTP(f *testing.F) {
	secret, _ := NewTOTPSecret()
	now := time.Date(2026, 10, 25, 1, 30, 0, 0, time.UTC)
	good, _ := TOTPCode(secret, now)
	f.Add(good)
	f.Add("")
	f.Add(" 123 456 ")
	f.Add("١٢٣٤٥٦")
	f.Fuzz(func(t *testing.T, code string) {
		_, ok := checkTOTP(secret, code, now, 0)
		if ok && strings.ReplaceAll(strings.TrimSpace(code), " ", "") != good {
			want1, _ := TOTPCode(secret, now.Add(-30*time.Second))
			want2, _ := TOTPCode(secret, now.Add(30*time.Second))
			c := strings.ReplaceAll(strings.TrimSpace(code), " ", "")
			if c != want1 && c != want2 {
				t.Fatalf("accepted %q, which is no code of the window", code)
			}
		}
	})
}
