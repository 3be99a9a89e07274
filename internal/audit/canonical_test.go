package audit

import (
	"bytes"
	"testing"
)

// FuzzCanonicalInjective checks that two different events never share an
// encoding, which is what makes the hash bind every field.
func FuzzCanonicalInjective(f *testing.F) {
	f.Add(int64(1), int64(0), "2026-09", "a", "subject.read", "subject", "s1", "s1", "p", "",
		int64(1), int64(0), "2026-09", "", "asubject.read", "subject", "s1", "s1", "p", "")
	f.Add(int64(7), int64(99), "", "ab", "", "", "", "", "", `{"a":"b"}`,
		int64(7), int64(99), "", "a", "b", "", "", "", "", `{"a":"b"}`)
	f.Fuzz(func(t *testing.T, s1, a1 int64, g1, ac1, x1, e1, ei1, su1, p1, d1 string,
		s2, a2 int64, g2, ac2, x2, e2, ei2, su2, p2, d2 string) {
		r1 := record[string]{s1, a1, g1, ac1, x1, e1, ei1, su1, p1, d1}
		r2 := record[string]{s2, a2, g2, ac2, x2, e2, ei2, su2, p2, d2}
		b1, b2 := r1.appendTo(nil), r2.appendTo(nil)
		if (r1 == r2) != bytes.Equal(b1, b2) {
			t.Fatalf("%+v and %+v: equal records %v, equal encodings %v", r1, r2, r1 == r2, bytes.Equal(b1, b2))
		}
		// The []byte form used by Verify encodes exactly like the string
		// form used by Append.
		rb := record[[]byte]{r1.seq, r1.at, []byte(g1), []byte(ac1), []byte(x1), []byte(e1), []byte(ei1), []byte(su1), []byte(p1), []byte(d1)}
		if !bytes.Equal(rb.appendTo(nil), b1) {
			t.Fatal("string and []byte encodings differ")
		}
	})
}

// The encoding is frozen: stored hashes depend on it byte for byte.
func TestCanonicalEncodingIsStable(t *testing.T) {
	r := record[string]{seq: 1, at: 2, segment: "2026-09", action: "a.b", detail: `{"k":"v"}`}
	want := []byte{0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 2, 7, '2', '0', '2', '6', '-', '0', '9', 0, 3, 'a', '.', 'b', 0, 0, 0, 0, 9, '{', '"', 'k', '"', ':', '"', 'v', '"', '}'}
	if got := r.appendTo(nil); !bytes.Equal(got, want) {
		t.Fatalf("encoding\n got %v\nwant %v", got, want)
	}
}

func TestDetailEncodingIsSorted(t *testing.T) {
	d, err := encodeDetail(map[string]string{"z": "1", "a": "2", "m": "<&>"})
	if err != nil || d != `{"a":"2","m":"\u003c\u0026\u003e","z":"1"}` {
		t.Fatalf("encodeDetail = %q, %v", d, err)
	}
	if d, _ := encodeDetail(nil); d != "" {
		t.Fatalf("no detail encodes as %q, want empty", d)
	}
}
