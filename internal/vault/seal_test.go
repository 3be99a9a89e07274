package vault

import (
	"bytes"
	"errors"
	"testing"
)

func TestFieldADIsUnambiguous(t *testing.T) {
	a := Field{"ab", "c", "1"}.appendAD(nil)
	b := Field{"a", "bc", "1"}.appendAD(nil)
	if bytes.Equal(a, b) {
		t.Fatal(`("ab","c") and ("a","bc") encode to the same additional data`)
	}
	long := Field{string(make([]byte, 300)), "c", "r"}
	if got := len(long.appendAD(nil)); got != long.adLen() {
		t.Fatalf("adLen = %d, encoded length %d", long.adLen(), got)
	}
}

func TestSubjectKeySealOpen(t *testing.T) {
	k, err := NewSubjectKeyForBench()
	if err != nil {
		t.Fatal(err)
	}
	f := Field{"people", "email", "row-1"}
	pt := []byte("jo.bloggs@example.org")
	sealed := k.Seal(f, pt)
	if len(sealed) != len(pt)+sealOverhead || cap(sealed) != len(sealed) {
		t.Fatalf("sealed length %d cap %d, want %d", len(sealed), cap(sealed), len(pt)+sealOverhead)
	}
	if bytes.Contains(sealed, pt) {
		t.Fatal("sealed value contains the plaintext")
	}
	got, err := k.Open(f, sealed)
	if err != nil || !bytes.Equal(got, pt) {
		t.Fatalf("Open = %q, %v", got, err)
	}
	if again := k.Seal(f, pt); bytes.Equal(again, sealed) {
		t.Fatal("two seals of the same value are equal: nonce reuse")
	}
	empty := k.Seal(f, nil)
	if got, err := k.Open(f, empty); err != nil || len(got) != 0 {
		t.Fatalf("empty plaintext: %q, %v", got, err)
	}
	for name, g := range map[string]Field{
		"other row":    {"people", "email", "row-2"},
		"other column": {"people", "phone", "row-1"},
		"other table":  {"contacts", "email", "row-1"},
		"shifted":      {"peoplee", "mail", "row-1"},
	} {
		if _, err := k.Open(g, sealed); !errors.Is(err, ErrCorrupt) {
			t.Errorf("%s: Open = %v, want ErrCorrupt", name, err)
		}
	}
	for i := range sealed {
		bad := bytes.Clone(sealed)
		bad[i] ^= 0x01
		if _, err := k.Open(f, bad); !errors.Is(err, ErrCorrupt) {
			t.Fatalf("flipped byte %d: Open = %v, want ErrCorrupt", i, err)
		}
	}
	other, _ := NewSubjectKeyForBench()
	if _, err := other.Open(f, sealed); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("another person's key opened the value: %v", err)
	}
	defer func() {
		if recover() == nil {
			t.Fatal("Seal with a partial Field did not panic")
		}
	}()
	k.Seal(Field{Table: "people", Column: "email"}, pt)
}

func TestWrapBindsSubject(t *testing.T) {
	k, err := newKEK(newRawKey())
	if err != nil {
		t.Fatal(err)
	}
	dek := newRawKey()
	w := k.wrap(dek, adDEKPrefix+"alice")
	if got, err := k.unwrap(w, adDEKPrefix+"alice"); err != nil || !bytes.Equal(got, dek) {
		t.Fatalf("unwrap: %v", err)
	}
	if _, err := k.unwrap(w, adDEKPrefix+"bob"); !errors.Is(err, errUnwrap) {
		t.Fatalf("unwrap under another subject: %v", err)
	}
	other, _ := newKEK(newRawKey())
	if _, err := other.unwrap(w, adDEKPrefix+"alice"); !errors.Is(err, errUnwrap) {
		t.Fatalf("unwrap under another master key: %v", err)
	}
	if k.id == other.id || k.matches(other.check) {
		t.Fatal("two master keys share an id or check value")
	}
}

func FuzzOpen(f *testing.F) {
	dek := bytes.Repeat([]byte{7}, keySize)
	k, err := newSubjectKey("fuzz", dek)
	if err != nil {
		f.Fatal(err)
	}
	type genuine struct {
		field Field
		pt    []byte
	}
	sealed := map[string]genuine{}
	for _, g := range []genuine{
		{Field{"people", "email", "r1"}, []byte("jo@example.org")},
		{Field{"people", "name", "r1"}, []byte("Jo Bloggs")},
		{Field{"t", "c", "r"}, nil},
	} {
		// Fixed nonces: the fuzz workers rebuild this table, and random
		// nonces would give each worker different genuine values.
		nonce := bytes.Repeat([]byte{byte(len(sealed))}, nonceSize)
		s := append([]byte{sealVersion}, nonce...)
		s = k.aead.Seal(s, nonce, g.pt, g.field.appendAD(nil))
		sealed[string(s)] = g
		f.Add(s, g.field.Table, g.field.Column, g.field.Row)
	}
	f.Add([]byte{}, "t", "c", "r")
	f.Add([]byte{sealVersion}, "t", "c", "r")
	f.Add(make([]byte, sealOverhead), "t", "c", "r")
	f.Fuzz(func(t *testing.T, data []byte, table, column, row string) {
		fld := Field{table, column, row}
		pt, err := k.Open(fld, data)
		if err != nil {
			if pt != nil || !errors.Is(err, ErrCorrupt) {
				t.Fatalf("failed Open returned %q, %v", pt, err)
			}
			return
		}
		g, ok := sealed[string(data)]
		if !ok || g.field != fld || !bytes.Equal(pt, g.pt) {
			t.Fatalf("Open accepted bytes that were never sealed for %+v: %x", fld, data)
		}
	})
}
