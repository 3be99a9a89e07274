package vault

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"testing"

	"github.com/stewardhq/steward/internal/store/storetest"
)

// corpus is data sealed before a rotation, checked after it.
type corpus struct {
	sealed  map[string][]byte // subject -> sealed name
	index   []byte
	sysKey  []byte
	sysSeal []byte
}

func nameField(id string) Field { return Field{"people", "name", id} }

var sysField = Field{"staff", "totp_secret", "s1"}

func sealCorpus(t *testing.T, v *Vault, subjects int) corpus {
	t.Helper()
	ctx := context.Background()
	c := corpus{sealed: map[string][]byte{}}
	for i := range subjects {
		id := fmt.Sprintf("person-%04d", i)
		k, err := v.SubjectKey(ctx, id, true)
		if err != nil {
			t.Fatal(err)
		}
		c.sealed[id] = k.Seal(nameField(id), []byte("Name of "+id))
	}
	var err error
	if c.index, err = v.BlindIndex(IndexEmail, "jo@example.org"); err != nil {
		t.Fatal(err)
	}
	c.sysKey = v.SystemKey("audit-checkpoint")
	if c.sysSeal, err = v.SealSystem(sysField, []byte("totp")); err != nil {
		t.Fatal(err)
	}
	return c
}

func (c corpus) check(t *testing.T, v *Vault) {
	t.Helper()
	ctx := context.Background()
	for id, s := range c.sealed {
		got, err := v.Open(ctx, id, nameField(id), s)
		if err != nil || string(got) != "Name of "+id {
			t.Fatalf("%s: %q, %v", id, got, err)
		}
	}
	if idx, _ := v.BlindIndex(IndexEmail, "jo@example.org"); !bytes.Equal(idx, c.index) {
		t.Fatal("blind index changed")
	}
	if !bytes.Equal(v.SystemKey("audit-checkpoint"), c.sysKey) {
		t.Fatal("system key changed")
	}
	if got, err := v.OpenSystem(sysField, c.sysSeal); err != nil || string(got) != "totp" {
		t.Fatalf("system value: %q, %v", got, err)
	}
}

func pendingMark(t *testing.T, v *Vault) string {
	t.Helper()
	meta, err := readKeyMeta(context.Background(), v.KeyStore().Reader())
	if err != nil {
		t.Fatal(err)
	}
	return meta.pending
}

func TestRotateKeepsEverythingReadable(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		ctx := context.Background()
		v, o := newTestVault(t, env)
		subjects := rotatePage + 37 // more than one page
		c := sealCorpus(t, v, subjects)
		oldKey, _ := os.ReadFile(o.KeyFilePath())
		oldID := v.KeyID()

		n, err := Rotate(ctx, o)
		if err != nil {
			t.Fatal(err)
		}
		if n != subjects {
			t.Fatalf("re-wrapped %d keys, want %d", n, subjects)
		}
		newKey, _ := os.ReadFile(o.KeyFilePath())
		if bytes.Equal(newKey, oldKey) {
			t.Fatal("key file unchanged by rotation")
		}
		st, _ := os.Stat(o.KeyFilePath())
		if st.Mode().Perm() != 0o600 {
			t.Fatalf("rotated key file mode %#o", st.Mode().Perm())
		}
		for _, leftover := range []string{".new", ".old"} {
			if exists(o.KeyFilePath() + leftover) {
				t.Errorf("%s left behind", leftover)
			}
		}
		v2 := openTestVault(t, o)
		if v2.KeyID() == oldID {
			t.Fatal("key id unchanged by rotation")
		}
		if p := pendingMark(t, v2); p != "" {
			t.Fatalf("rotation_pending still set: %q", p)
		}
		c.check(t, v2)

		// The process that was running during the rotation must not wrap
		// new keys under the retired master key.
		if _, err := v.Seal(ctx, "newcomer", nameField("newcomer"), []byte("x")); !errors.Is(err, ErrKeyRotated) {
			t.Fatalf("stale process creating a key: %v, want ErrKeyRotated", err)
		}

		// The old key no longer opens the store.
		if err := os.WriteFile(o.KeyFilePath(), oldKey, 0o600); err != nil {
			t.Fatal(err)
		}
		_, err = Open(ctx, o)
		wantMessage(t, "Open with the pre-rotation key", err, o.KeyFilePath(), "STEWARD_MASTER_KEY_FILE")
	})
}

func TestRotateInterruptedAfterCommitIsCompletedOnOpen(t *testing.T) {
	for _, stage := range []string{"before any rename", "after moving the old key aside"} {
		t.Run(stage, func(t *testing.T) {
			storetest.Each(t, func(t *testing.T, env storetest.Env) {
				ctx := context.Background()
				v, o := newTestVault(t, env)
				c := sealCorpus(t, v, 20)
				path := o.KeyFilePath()
				crash := errors.New("simulated crash")
				_, err := rotate(ctx, o, rotateHooks{afterCommit: func() error {
					if stage != "before any rename" {
						if err := os.Rename(path, path+".old"); err != nil {
							return err
						}
					}
					return crash
				}})
				if !errors.Is(err, crash) {
					t.Fatalf("rotate: %v", err)
				}
				newKey, err := os.ReadFile(path + ".new")
				if err != nil {
					t.Fatalf("no %s.new after the commit: %v", path, err)
				}
				v2 := openTestVault(t, o)
				got, _ := os.ReadFile(path)
				if !bytes.Equal(got, newKey) {
					t.Fatal("Open did not move the new key into place")
				}
				if exists(path+".new") || exists(path+".old") {
					t.Fatal("Open left rotation files behind")
				}
				if p := pendingMark(t, v2); p != "" {
					t.Fatalf("rotation_pending still set: %q", p)
				}
				c.check(t, v2)
			})
		})
	}
}

func TestRotateCrashBeforeCommitKeepsOldKey(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		ctx := context.Background()
		v, o := newTestVault(t, env)
		c := sealCorpus(t, v, 20)
		path := o.KeyFilePath()
		oldKey, _ := os.ReadFile(path)
		crash := errors.New("simulated crash")
		if _, err := rotate(ctx, o, rotateHooks{beforeCommit: func() error { return crash }}); !errors.Is(err, crash) {
			t.Fatalf("rotate: %v", err)
		}
		if got, _ := os.ReadFile(path); !bytes.Equal(got, oldKey) {
			t.Fatal("key file changed by a rotation that did not commit")
		}
		// The stale .new protects nothing; Open ignores it.
		v2 := openTestVault(t, o)
		if v2.KeyID() != v.KeyID() {
			t.Fatal("key id changed by a rotation that did not commit")
		}
		c.check(t, v2)
		// A later rotation overwrites the stale file and succeeds.
		if _, err := Rotate(ctx, o); err != nil {
			t.Fatal(err)
		}
		c.check(t, openTestVault(t, o))
	})
}
