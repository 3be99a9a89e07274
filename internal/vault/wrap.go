package vault

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
)

// HKDF info labels. Changing any of them changes every derived key, so
// they are part of the on-disk format.
const (
	labelKEKWrap  = "steward/kek/wrap/v1"
	labelKEKCheck = "steward/kek/check/v1"
	labelKEKID    = "steward/kek/id/v1"
	// checkMessage is what the check value MACs: a fixed label, so the
	// check proves possession of the key without revealing anything.
	checkMessage = "steward master key check value v1"

	adDEKPrefix     = "steward/dek/"
	adRootIndex     = "steward/root/index"
	adRootSystem    = "steward/root/system"
	wrapVersion     = 1
	nonceSize       = 12
	tagSize         = 16
	wrappedOverhead = 1 + nonceSize + tagSize
)

// errUnwrap means a wrapped key did not open: the wrong master key, a
// wrapped key moved to another subject, or corruption.
var errUnwrap = errors.New("wrapped key does not open under the master key")

// kek is an unwrapped master key, kept only in derived forms: the AEAD that
// wraps keys, its public id and its check value.
type kek struct {
	aead  cipher.AEAD
	id    string
	check []byte
}

func deriveKey(secret []byte, label string, n int) []byte {
	k, err := hkdf.Key(sha256.New, secret, nil, label, n)
	if err != nil {
		// hkdf.Key fails only for lengths above 255*32 bytes.
		panic(fmt.Sprintf("vault: hkdf: %v", err))
	}
	return k
}

func newKEK(raw []byte) (*kek, error) {
	if len(raw) != keySize {
		return nil, fmt.Errorf("master key is %d bytes, want %d", len(raw), keySize)
	}
	aead, err := newAEAD(deriveKey(raw, labelKEKWrap, keySize))
	if err != nil {
		return nil, err
	}
	m := hmac.New(sha256.New, deriveKey(raw, labelKEKCheck, keySize))
	m.Write([]byte(checkMessage))
	return &kek{
		aead:  aead,
		id:    hex.EncodeToString(deriveKey(raw, labelKEKID, 6)),
		check: m.Sum(nil),
	}, nil
}

func newAEAD(key []byte) (cipher.AEAD, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("vault: aes: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("vault: gcm: %w", err)
	}
	return aead, nil
}

// matches reports whether the stored check value is this key's, in
// constant time.
func (k *kek) matches(check []byte) bool { return hmac.Equal(k.check, check) }

// wrap seals a key under the KEK; ad binds it to its owner so it cannot be
// copied onto another subject's row.
func (k *kek) wrap(key []byte, ad string) []byte {
	out := make([]byte, 1+nonceSize, wrappedOverhead+len(key))
	out[0] = wrapVersion
	_, _ = rand.Read(out[1 : 1+nonceSize])
	return k.aead.Seal(out, out[1:1+nonceSize], key, []byte(ad))
}

func (k *kek) unwrap(wrapped []byte, ad string) ([]byte, error) {
	if len(wrapped) < wrappedOverhead || wrapped[0] != wrapVersion {
		return nil, errUnwrap
	}
	key, err := k.aead.Open(nil, wrapped[1:1+nonceSize], wrapped[1+nonceSize:], []byte(ad))
	if err != nil {
		return nil, errUnwrap
	}
	return key, nil
}
