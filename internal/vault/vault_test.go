package vault

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stewardhq/steward/internal/apperr"
	"github.com/stewardhq/steward/internal/store/storetest"
)

func testOptions(env storetest.Env) Options {
	return Options{DataDir: env.Dir, Keys: env.Keys}
}

// newTestVault initialises and opens a vault on env, closed at cleanup.
func newTestVault(t *testing.T, env storetest.Env) (*Vault, Options) {
	t.Helper()
	o := testOptions(env)
	created, err := Init(context.Background(), o)
	if err != nil || !created {
		t.Fatalf("Init = %v, %v; want created", created, err)
	}
	return openTestVault(t, o), o
}

func openTestVault(t *testing.T, o Options) *Vault {
	t.Helper()
	v, err := Open(context.Background(), o)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { v.Close() })
	return v
}

func TestSealOpenRoundTripAndBinding(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		ctx := context.Background()
		v, _ := newTestVault(t, env)
		f := Field{"people", "email", "row-1"}
		sealed, err := v.Seal(ctx, "alice", f, []byte("alice@example.org"))
		if err != nil {
			t.Fatal(err)
		}
		got, err := v.Open(ctx, "alice", f, sealed)
		if err != nil || string(got) != "alice@example.org" {
			t.Fatalf("Open = %q, %v", got, err)
		}
		for name, g := range map[string]Field{
			"another row":    {"people", "email", "row-2"},
			"another column": {"people", "phone", "row-1"},
			"another table":  {"staff", "email", "row-1"},
		} {
			if _, err := v.Open(ctx, "alice", g, sealed); !errors.Is(err, ErrCorrupt) {
				t.Errorf("moved to %s: %v, want ErrCorrupt", name, err)
			}
		}
		tampered := bytes.Clone(sealed)
		tampered[len(tampered)-20] ^= 0x80
		if _, err := v.Open(ctx, "alice", f, tampered); !errors.Is(err, ErrCorrupt) {
			t.Errorf("tampered: %v, want ErrCorrupt", err)
		}
		if _, err := v.Seal(ctx, "bob", f, []byte("x")); err != nil {
			t.Fatal(err)
		}
		if _, err := v.Open(ctx, "bob", f, sealed); !errors.Is(err, ErrCorrupt) {
			t.Errorf("another person's key opened alice's value: %v", err)
		}
		if _, err := v.Open(ctx, "carol", f, sealed); !errors.Is(err, ErrShredded) {
			t.Errorf("person without a key: %v, want ErrShredded", err)
		}
		if _, err := v.Seal(ctx, "alice", Field{Table: "people", Column: "email"}, []byte("x")); err == nil {
			t.Error("Seal accepted a field without a row")
		}
		if _, err := v.Seal(ctx, "", f, []byte("x")); !apperr.Is(err, apperr.Invalid) {
			t.Errorf("empty subject id: %v, want Invalid", err)
		}
	})
}

func TestWrappedKeyCopiedToAnotherSubjectIsRejected(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		ctx := context.Background()
		v, o := newTestVault(t, env)
		f := Field{"people", "name", "row-a"}
		sealed, err := v.Seal(ctx, "alice", f, []byte("Alice"))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := v.Seal(ctx, "mallory", f, []byte("Mallory")); err != nil {
			t.Fatal(err)
		}
		// Someone with write access to the key store copies alice's
		// wrapped key onto mallory's row, hoping to read alice's data as
		// mallory.
		_, err = v.KeyStore().Writer().ExecContext(ctx,
			`UPDATE data_keys SET wrapped = (SELECT wrapped FROM data_keys WHERE subject_id = 'alice') WHERE subject_id = 'mallory'`)
		if err != nil {
			t.Fatal(err)
		}
		v2 := openTestVault(t, o) // a fresh cache
		if _, err := v2.Open(ctx, "mallory", f, sealed); !errors.Is(err, ErrWrappedKey) {
			t.Fatalf("Open with a swapped key: %v, want ErrWrappedKey", err)
		}
		if got, err := v2.Open(ctx, "alice", f, sealed); err != nil || string(got) != "Alice" {
			t.Fatalf("alice unaffected: %q, %v", got, err)
		}
	})
}

func TestShred(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		ctx := context.Background()
		v, o := newTestVault(t, env)
		fields := []Field{{"people", "name", "p1"}, {"people", "email", "p1"}, {"notes", "body", "n7"}}
		sealed := map[string][][]byte{}
		for _, who := range []string{"alice", "bob"} {
			for _, f := range fields {
				s, err := v.Seal(ctx, who, f, []byte(who+" "+f.Column))
				if err != nil {
					t.Fatal(err)
				}
				sealed[who] = append(sealed[who], s)
			}
		}
		if err := v.Shred(ctx, "alice"); err != nil {
			t.Fatal(err)
		}
		if err := v.Shred(ctx, "alice"); err != nil {
			t.Fatalf("second Shred: %v", err)
		}
		other := openTestVault(t, o) // another process: nothing cached
		for _, vv := range []*Vault{v, other} {
			for i, f := range fields {
				if _, err := vv.Open(ctx, "alice", f, sealed["alice"][i]); !errors.Is(err, ErrShredded) {
					t.Errorf("alice's %s after shred: %v, want ErrShredded", f.Column, err)
				}
				got, err := vv.Open(ctx, "bob", f, sealed["bob"][i])
				if err != nil || string(got) != "bob "+f.Column {
					t.Errorf("bob's %s: %q, %v", f.Column, got, err)
				}
			}
		}
		if _, err := v.Seal(ctx, "alice", fields[0], []byte("back again")); !errors.Is(err, ErrShredded) {
			t.Errorf("Seal for a shredded person: %v, want ErrShredded", err)
		}
		if msg := apperr.MessageOf(fmt.Errorf("x: %w", ErrShredded)); !strings.Contains(msg, "erased") {
			t.Errorf("user message %q", msg)
		}
		log, err := v.ShredLog(ctx)
		if err != nil || !slices.Equal(log, []string{"alice"}) {
			t.Fatalf("ShredLog = %v, %v", log, err)
		}
		if ok, err := v.Shredded(ctx, "alice"); err != nil || !ok {
			t.Errorf("Shredded(alice) = %v, %v", ok, err)
		}
		if ok, err := v.Shredded(ctx, "bob"); err != nil || ok {
			t.Errorf("Shredded(bob) = %v, %v", ok, err)
		}
		if n := storetest.Count(t, v.KeyStore().Reader(), `SELECT count(*) FROM data_keys`); n != 1 {
			t.Errorf("%d data keys left, want 1 (bob's)", n)
		}
	})
}

func TestConcurrentFirstSealCreatesOneKey(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		ctx := context.Background()
		_, o := newTestVault(t, env)
		// Separate vaults stand for separate processes racing to create
		// the same person's key.
		vs := []*Vault{openTestVault(t, o), openTestVault(t, o), openTestVault(t, o), openTestVault(t, o)}
		f := Field{"people", "name", "r"}
		sealed := make([][]byte, len(vs))
		var wg sync.WaitGroup
		errs := make([]error, len(vs))
		for i, v := range vs {
			wg.Go(func() { sealed[i], errs[i] = v.Seal(ctx, "dora", f, []byte("Dora")) })
		}
		wg.Wait()
		for i := range vs {
			if errs[i] != nil {
				t.Fatalf("vault %d: %v", i, errs[i])
			}
			for _, v := range vs {
				if got, err := v.Open(ctx, "dora", f, sealed[i]); err != nil || string(got) != "Dora" {
					t.Fatalf("value sealed by vault %d does not open everywhere: %v", i, err)
				}
			}
		}
	})
}

func TestInitAndOpenErrors(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		ctx := context.Background()
		o := testOptions(env)
		path := o.KeyFilePath()

		if _, err := Open(ctx, o); !apperr.Is(err, apperr.Invalid) || !strings.Contains(apperr.MessageOf(err), "steward init") {
			t.Fatalf("Open before Init: %v", err)
		}
		v, _ := newTestVault(t, env)
		if _, err := v.Seal(ctx, "alice", Field{"t", "c", "r"}, []byte("x")); err != nil {
			t.Fatal(err)
		}
		st, err := os.Stat(path)
		if err != nil || st.Mode().Perm() != 0o600 {
			t.Fatalf("key file %s: %v, mode %v; want 0600", path, err, st.Mode().Perm())
		}
		original, _ := os.ReadFile(path)

		created, err := Init(ctx, o)
		if err != nil || created {
			t.Fatalf("second Init = %v, %v; want a no-op", created, err)
		}

		// A wrong key: the message names the file and the way out.
		if err := os.WriteFile(path, formatMasterKey(newRawKey()), 0o600); err != nil {
			t.Fatal(err)
		}
		_, err = Open(ctx, o)
		wantMessage(t, "Open with the wrong key", err, path, "STEWARD_MASTER_KEY_FILE", "key id")
		_, err = Init(ctx, o)
		wantMessage(t, "Init with the wrong key", err, path, "STEWARD_MASTER_KEY_FILE")

		// A malformed key.
		if err := os.WriteFile(path, []byte("hunter2\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		_, err = Open(ctx, o)
		wantMessage(t, "Open with a malformed key", err, path, keyFileHeader)

		// A missing key: Init must not make a new one over the data.
		if err := os.Remove(path); err != nil {
			t.Fatal(err)
		}
		_, err = Open(ctx, o)
		wantMessage(t, "Open without a key file", err, path, "STEWARD_MASTER_KEY_FILE")
		created, err = Init(ctx, o)
		wantMessage(t, "Init without a key file over a used key store", err, path, "will not create a new key")
		if created || exists(path) {
			t.Fatal("Init created a key over an existing key store")
		}

		// Restoring the right key brings everything back.
		if err := os.WriteFile(path, original, 0o600); err != nil {
			t.Fatal(err)
		}
		v2 := openTestVault(t, o)
		if v2.KeyID() != v.KeyID() {
			t.Fatalf("key id changed: %s != %s", v2.KeyID(), v.KeyID())
		}
	})
}

func TestInitAdoptsAProvisionedKeyFile(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		ctx := context.Background()
		o := testOptions(env)
		o.MasterKeyFile = filepath.Join(env.Dir, "secrets", "steward.key")
		if err := writeKeyFile(o.MasterKeyFile, newRawKey(), true); err != nil {
			t.Fatal(err)
		}
		created, err := Init(ctx, o)
		if err != nil || !created {
			t.Fatalf("Init with a provisioned key = %v, %v", created, err)
		}
		if exists(filepath.Join(env.Dir, "master.key")) {
			t.Fatal("Init wrote DataDir/master.key although MasterKeyFile was set")
		}
		openTestVault(t, o)
	})
}

func TestBlindIndex(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		v, o := newTestVault(t, env)
		same := []struct {
			kind IndexKind
			a, b string
		}{
			{IndexEmail, " Jo.Bloggs@Example.COM ", "jo.bloggs@example.com"},
			{IndexPhone, "07700 900123", "+447700900123"},
			{IndexPhone, "(020) 7946 0000", "0044 20 7946 0000"},
			{IndexName, "José Müller", "JOSE  MULLER"},
			{IndexDate, "27/03/1984", "1984-03-27"},
			{IndexPostcode, "sw1a1aa", "SW1A 1AA"},
			{IndexNINumber, "qq 12 34 56 c", "QQ123456C"},
		}
		for _, s := range same {
			a, err := v.BlindIndex(s.kind, s.a)
			if err != nil {
				t.Fatal(err)
			}
			b, err := v.BlindIndex(s.kind, s.b)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(a, b) || len(a) != BlindIndexSize {
				t.Errorf("%s: index(%q) = %x, index(%q) = %x", s.kind, s.a, a, s.b, b)
			}
		}
		a, _ := v.BlindIndex(IndexEmail, "a@example.org")
		b, _ := v.BlindIndex(IndexEmail, "b@example.org")
		c, _ := v.BlindIndex(IndexText, "a@example.org")
		if bytes.Equal(a, b) || bytes.Equal(a, c) {
			t.Error("different values or kinds share an index")
		}
		if _, err := v.BlindIndex(IndexPhone, "not a phone"); !apperr.Is(err, apperr.Invalid) {
			t.Errorf("junk phone: %v", err)
		}
		// Another process with the same key store computes the same
		// index: the key comes from the store, not from chance.
		v2 := openTestVault(t, o)
		a2, _ := v2.BlindIndex(IndexEmail, "a@example.org")
		if !bytes.Equal(a, a2) {
			t.Error("blind index differs between two opens of the same vault")
		}
	})
}

func TestSystemKeysAndSealing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		ctx := context.Background()
		v, o := newTestVault(t, env)
		k1 := v.SystemKey("audit-checkpoint")
		k2 := v.SystemKey("session-mac")
		if len(k1) != 32 || bytes.Equal(k1, k2) {
			t.Fatalf("system keys: %x %x", k1, k2)
		}
		f := Field{"staff", "totp_secret", "s1"}
		sealed, err := v.SealSystem(f, []byte("JBSWY3DPEHPK3PXP"))
		if err != nil {
			t.Fatal(err)
		}
		v2 := openTestVault(t, o)
		if !bytes.Equal(v2.SystemKey("audit-checkpoint"), k1) {
			t.Fatal("system key differs after reopening")
		}
		if got, err := v2.OpenSystem(f, sealed); err != nil || string(got) != "JBSWY3DPEHPK3PXP" {
			t.Fatalf("OpenSystem = %q, %v", got, err)
		}
		if _, err := v2.OpenSystem(Field{"staff", "totp_secret", "s2"}, sealed); !errors.Is(err, ErrCorrupt) {
			t.Fatalf("system value moved to another row: %v", err)
		}
		// A system value is not a person's: no subject key opens it.
		if _, err := v.Seal(ctx, "s1", f, []byte("x")); err != nil {
			t.Fatal(err)
		}
		if _, err := v.Open(ctx, "s1", f, sealed); !errors.Is(err, ErrCorrupt) {
			t.Fatalf("a subject key opened a system value: %v", err)
		}
	})
}

func TestCacheIsBounded(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		ctx := context.Background()
		o := testOptions(env)
		if _, err := Init(ctx, o); err != nil {
			t.Fatal(err)
		}
		o.CacheSize = 3
		v := openTestVault(t, o)
		f := Field{"t", "c", "r"}
		sealed := map[string][]byte{}
		for i := range 10 {
			id := fmt.Sprintf("p%d", i)
			s, err := v.Seal(ctx, id, f, []byte(id))
			if err != nil {
				t.Fatal(err)
			}
			sealed[id] = s
		}
		if n := v.cache.len(); n != 3 {
			t.Fatalf("cache holds %d keys, want 3", n)
		}
		for id, s := range sealed {
			if got, err := v.Open(ctx, id, f, s); err != nil || string(got) != id {
				t.Fatalf("%s after eviction: %q, %v", id, got, err)
			}
		}
	})
}

func wantMessage(t *testing.T, what string, err error, parts ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("%s: no error", what)
	}
	if !apperr.Is(err, apperr.Invalid) {
		t.Errorf("%s: %v is not apperr.Invalid", what, err)
	}
	msg := apperr.MessageOf(err)
	for _, p := range parts {
		if !strings.Contains(msg, p) {
			t.Errorf("%s: message %q does not mention %q", what, msg, p)
		}
	}
}

func TestOpenWarnsAboutLooseKeyFileMode(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		_, o := newTestVault(t, env)
		if err := os.Chmod(o.KeyFilePath(), 0o644); err != nil {
			t.Fatal(err)
		}
		var logs bytes.Buffer
		o.Logger = slog.New(slog.NewTextHandler(&logs, nil))
		openTestVault(t, o)
		if !strings.Contains(logs.String(), "chmod 600") || !strings.Contains(logs.String(), o.KeyFilePath()) {
			t.Fatalf("no warning about mode 0644 in %q", logs.String())
		}
	})
}

// Another app server that cached a person's key stops using it within the
// cache TTL once the person is shredded elsewhere.
func TestShredReachesOtherProcessesWithinTTL(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		ctx := context.Background()
		v, o := newTestVault(t, env)
		now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
		var mu sync.Mutex
		o.Clock = func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
		o.CacheTTL = time.Minute
		other := openTestVault(t, o)
		f := Field{"people", "name", "r"}
		sealed, err := v.Seal(ctx, "erin", f, []byte("Erin"))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := other.Open(ctx, "erin", f, sealed); err != nil {
			t.Fatal(err)
		}
		if err := v.Shred(ctx, "erin"); err != nil {
			t.Fatal(err)
		}
		mu.Lock()
		now = now.Add(2 * time.Minute)
		mu.Unlock()
		if _, err := other.Open(ctx, "erin", f, sealed); !errors.Is(err, ErrShredded) {
			t.Fatalf("other process after the TTL: %v, want ErrShredded", err)
		}
	})
}
