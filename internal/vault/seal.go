package vault

import (
	"crypto/cipher"
	"crypto/rand"
	"encoding/binary"
	"errors"
)

// Sealed format: version byte, 12-byte random nonce, AES-256-GCM ciphertext
// and tag. The version byte lets a later format coexist with this one.
const (
	sealVersion  = 1
	sealOverhead = 1 + nonceSize + tagSize
)

// ErrCorrupt is returned (wrapped) when a sealed value does not open: it was
// altered, moved to another table, column or row, or sealed under another
// key.
var ErrCorrupt = errors.New("vault: sealed value does not open (altered, moved to another field, or sealed under another key)")

// Field names where a sealed value lives. It is the additional data of the
// seal, so a ciphertext copied to another table, column or row fails to
// open. All three parts should be set; Row is the row's id.
type Field struct{ Table, Column, Row string }

// adLen is the length of the encoded additional data.
func (f Field) adLen() int {
	return 1 + uvarintLen(len(f.Table)) + len(f.Table) +
		uvarintLen(len(f.Column)) + len(f.Column) +
		uvarintLen(len(f.Row)) + len(f.Row)
}

// appendAD encodes the version byte and each part length-prefixed, so
// ("ab","c") and ("a","bc") can never collide.
func (f Field) appendAD(dst []byte) []byte {
	dst = append(dst, sealVersion)
	dst = binary.AppendUvarint(dst, uint64(len(f.Table)))
	dst = append(dst, f.Table...)
	dst = binary.AppendUvarint(dst, uint64(len(f.Column)))
	dst = append(dst, f.Column...)
	dst = binary.AppendUvarint(dst, uint64(len(f.Row)))
	return append(dst, f.Row...)
}

func (f Field) complete() bool { return f.Table != "" && f.Column != "" && f.Row != "" }

func uvarintLen(n int) int {
	l := 1
	for n >= 0x80 {
		n >>= 7
		l++
	}
	return l
}

// sealWith seals plaintext in one allocation: the additional data is
// encoded into the spare capacity after the ciphertext, because an AD slice
// of its own would escape to the heap through the AEAD interface call.
func sealWith(aead cipher.AEAD, f Field, plaintext []byte) []byte {
	n := sealOverhead + len(plaintext)
	buf := make([]byte, n, n+f.adLen())
	ad := f.appendAD(buf[n:n])
	buf[0] = sealVersion
	nonce := buf[1 : 1+nonceSize]
	_, _ = rand.Read(nonce) // never fails since Go 1.24: it crashes the program instead
	aead.Seal(buf[:1+nonceSize], nonce, plaintext, ad)
	return buf[:n:n]
}

// openWith is sealWith's inverse, also in one allocation.
func openWith(aead cipher.AEAD, f Field, sealed []byte) ([]byte, error) {
	if len(sealed) < sealOverhead || sealed[0] != sealVersion {
		return nil, ErrCorrupt
	}
	m := len(sealed) - sealOverhead
	buf := make([]byte, 0, m+f.adLen())
	ad := f.appendAD(buf[m:m])
	pt, err := aead.Open(buf, sealed[1:1+nonceSize], sealed[1+nonceSize:], ad)
	if err != nil {
		return nil, ErrCorrupt
	}
	return pt[:m:m], nil
}

// SubjectKey is one person's unwrapped DEK with its AEAD ready, for sealing
// many fields without a key-store round trip each. It is safe for
// concurrent use. Shredding the person does not invalidate a SubjectKey
// already handed out, so hold one only for the batch at hand.
type SubjectKey struct {
	subject string
	aead    cipher.AEAD
}

func newSubjectKey(subject string, dek []byte) (*SubjectKey, error) {
	aead, err := newAEAD(dek)
	if err != nil {
		return nil, err
	}
	return &SubjectKey{subject: subject, aead: aead}, nil
}

// Subject is the id of the person the key belongs to.
func (k *SubjectKey) Subject() string { return k.subject }

// Seal encrypts plaintext bound to f. It panics if f does not name a table,
// a column and a row: that is a bug in the caller, and sealing with a
// partial field would quietly weaken the binding.
func (k *SubjectKey) Seal(f Field, plaintext []byte) []byte {
	if !f.complete() {
		panic("vault: Seal needs a Field with Table, Column and Row set")
	}
	return sealWith(k.aead, f, plaintext)
}

// Open decrypts a value sealed by Seal for the same field. It returns
// ErrCorrupt if the value was altered, moved or sealed under another key.
func (k *SubjectKey) Open(f Field, sealed []byte) ([]byte, error) {
	return openWith(k.aead, f, sealed)
}

// NewSubjectKeyForBench returns a SubjectKey over a random DEK that belongs
// to no one and is stored nowhere, for benchmarks of the pure crypto.
func NewSubjectKeyForBench() (*SubjectKey, error) {
	return newSubjectKey("bench", newRawKey())
}
