package vault

import (
	"crypto/hmac"
	"crypto/sha256"
	"hash"
	"sync"

	"github.com/stewardhq/steward/internal/apperr"
)

// BlindIndexSize is the length of a blind index value: HMAC-SHA-256
// truncated to 128 bits, ample to keep unrelated values from colliding
// while halving the index's size.
const BlindIndexSize = 16

const labelBlindIndex = "steward/blind-index/v1/"

// blindIndexer holds one HMAC key per IndexKind, derived once at Open, and
// pools the HMAC states so computing an index allocates only its result.
type blindIndexer struct {
	kinds map[IndexKind]*sync.Pool
}

// indexState is a pooled HMAC with scratch space; the input is copied into
// in because converting the string would allocate on every call.
type indexState struct {
	h   hash.Hash
	in  []byte
	sum [sha256.Size]byte
}

func newBlindIndexer(root []byte) *blindIndexer {
	ix := &blindIndexer{kinds: make(map[IndexKind]*sync.Pool)}
	for _, kind := range IndexKinds() {
		key := deriveKey(root, labelBlindIndex+string(kind), keySize)
		ix.kinds[kind] = &sync.Pool{New: func() any {
			return &indexState{h: hmac.New(sha256.New, key), in: make([]byte, 0, 64)}
		}}
	}
	return ix
}

func (ix *blindIndexer) appendSum(dst []byte, kind IndexKind, normalised string) []byte {
	pool := ix.kinds[kind]
	st := pool.Get().(*indexState)
	st.h.Reset()
	st.in = append(st.in[:0], normalised...)
	st.h.Write(st.in)
	sum := st.h.Sum(st.sum[:0])
	dst = append(dst, sum[:BlindIndexSize]...)
	if cap(st.in) <= maxIndexInput*2 {
		pool.Put(st)
	}
	return dst
}

// BlindIndex normalises value for its kind and returns its 16-byte blind
// index, for storing beside the sealed value and for exact-match lookups.
// Equal normalised values give equal indexes: the index reveals equality,
// nothing more. Rotating the master key does not change index values.
func (v *Vault) BlindIndex(kind IndexKind, value string) ([]byte, error) {
	return v.AppendBlindIndex(make([]byte, 0, BlindIndexSize), kind, value)
}

// AppendBlindIndex is BlindIndex appending to dst, for batch work that
// wants to reuse one buffer.
func (v *Vault) AppendBlindIndex(dst []byte, kind IndexKind, value string) ([]byte, error) {
	n, err := Normalise(kind, value)
	if err != nil {
		return dst, err
	}
	if v.index.kinds[kind] == nil {
		return dst, apperr.New(apperr.Invalid, "unknown index kind %q", string(kind))
	}
	return v.index.appendSum(dst, kind, n), nil
}
