package vault

import (
	"fmt"
	"testing"
	"time"
)

func BenchmarkSealOpenField(b *testing.B) {
	k, err := NewSubjectKeyForBench()
	if err != nil {
		b.Fatal(err)
	}
	f := Field{"people", "email", "0190a8f2-7c3e-7b8a-9d41-5e2f6a1b3c4d"}
	pt := []byte("jo.bloggs@example-union.org.uk") // 30 bytes
	b.ReportAllocs()
	for b.Loop() {
		sealed := k.Seal(f, pt)
		if _, err := k.Open(f, sealed); err != nil {
			b.Fatal(err)
		}
	}
}

// benchVault is a Vault with keys but no key store: enough for the pure
// crypto paths.
func benchVault(b *testing.B) *Vault {
	k, err := newKEK(newRawKey())
	if err != nil {
		b.Fatal(err)
	}
	return &Vault{kek: k, index: newBlindIndexer(newRawKey())}
}

func BenchmarkBlindIndex(b *testing.B) {
	v := benchVault(b)
	for _, c := range []struct {
		kind  IndexKind
		value string
	}{
		{IndexEmail, " Jo.Bloggs@Example.COM "},
		{IndexPhone, "07700 900123"},
		{IndexName, "Jo Bloggs"},
		{IndexName, "José Müller"},
		{IndexNINumber, "QQ 12 34 56 C"},
	} {
		b.Run(fmt.Sprintf("%s/%s", c.kind, c.value), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := v.BlindIndex(c.kind, c.value); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkSealAndIndexPerson is the import hot path for one person: a new
// DEK, wrapped under the KEK, ten typical fields sealed and five blind
// indexes computed. It reports persons per second.
func BenchmarkSealAndIndexPerson(b *testing.B) {
	v := benchVault(b)
	const people = 1024
	ids := make([]string, people)
	for i := range ids {
		ids[i] = fmt.Sprintf("0190a8f2-7c3e-7b8a-9d41-%012d", i)
	}
	type col struct {
		name  string
		value []byte
	}
	cols := []col{
		{"given_name", []byte("Josephine")},
		{"family_name", []byte("Bloggs-Smith")},
		{"email", []byte("jo.bloggs@example-union.org.uk")},
		{"phone", []byte("+447700900123")},
		{"address_line_1", []byte("Flat 4, 27 Acacia Avenue")},
		{"address_line_2", []byte("Little Whinging, Surrey")},
		{"postcode", []byte("GU21 4XY")},
		{"ni_number", []byte("QQ123456C")},
		{"date_of_birth", []byte("1984-03-27")},
		{"membership_no", []byte("M-0012345")},
	}
	type idx struct {
		kind  IndexKind
		value string
	}
	indexes := []idx{
		{IndexName, "Josephine Bloggs-Smith"},
		{IndexEmail, "Jo.Bloggs@Example-Union.org.uk"},
		{IndexPhone, "07700 900123"},
		{IndexNINumber, "QQ 12 34 56 C"},
		{IndexDate, "27/03/1984"},
	}
	b.ReportAllocs()
	start := time.Now()
	n := 0
	for b.Loop() {
		id := ids[n%people]
		n++
		dek := newRawKey()
		wrapped := v.kek.wrap(dek, adDEKPrefix+id)
		k, err := newSubjectKey(id, dek)
		if err != nil {
			b.Fatal(err)
		}
		for _, c := range cols {
			_ = k.Seal(Field{"people", c.name, id}, c.value)
		}
		for _, x := range indexes {
			if _, err := v.BlindIndex(x.kind, x.value); err != nil {
				b.Fatal(err)
			}
		}
		_ = wrapped
	}
	b.ReportMetric(float64(n)/time.Since(start).Seconds(), "persons/s")
}
