package audit

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"hash"
)

// The canonical encoding is what the chain hashes. It is length-prefixed
// throughout so that no two different events share an encoding, and it is
// frozen: changing it breaks verification of every stored event.
//
//	hash = SHA-256(prev_hash || u64 seq || u64 at_ms || str segment ||
//	               str actor_id || str action || str entity ||
//	               str entity_id || str subject_id || str purpose || str detail)
//
// u64 is 8 bytes big-endian; str is a uvarint byte length then the bytes.

// hashSize is the length of every chain hash.
const hashSize = sha256.Size

// record holds an event's hashed fields as stored. S is string when
// appending and []byte when verifying, so neither path copies to convert.
type record[S ~string | ~[]byte] struct {
	seq, at                                                      int64
	segment, actor, action, entity, entityID, subjectID, purpose S
	detail                                                       S
}

func appendStr[S ~string | ~[]byte](b []byte, s S) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

// appendTo appends the canonical encoding of r (without the prev hash).
func (r *record[S]) appendTo(b []byte) []byte {
	b = binary.BigEndian.AppendUint64(b, uint64(r.seq))
	b = binary.BigEndian.AppendUint64(b, uint64(r.at))
	b = appendStr(b, r.segment)
	b = appendStr(b, r.actor)
	b = appendStr(b, r.action)
	b = appendStr(b, r.entity)
	b = appendStr(b, r.entityID)
	b = appendStr(b, r.subjectID)
	b = appendStr(b, r.purpose)
	b = appendStr(b, r.detail)
	return b
}

// hashInput appends the exact bytes hashed for r: prev then its encoding.
func (r *record[S]) hashInput(b, prev []byte) []byte {
	return r.appendTo(append(b, prev...))
}

// checkpoint seals a closed segment. Its MAC lets verification trust the
// segment's start and end hashes after its events are deleted.
type checkpoint struct {
	segment        string
	first, last, n int64
	start, end     []byte
	closedAt       int64
	mac            []byte
}

// checkpointLabel separates checkpoint MACs from any other use of the key.
const checkpointLabel = "steward.audit.checkpoint.v1"

func (c *checkpoint) sum(key []byte) []byte {
	b := make([]byte, 0, 160)
	b = appendStr(b, checkpointLabel)
	b = appendStr(b, c.segment)
	b = binary.BigEndian.AppendUint64(b, uint64(c.first))
	b = binary.BigEndian.AppendUint64(b, uint64(c.last))
	b = binary.BigEndian.AppendUint64(b, uint64(c.n))
	b = appendStr(b, c.start)
	b = appendStr(b, c.end)
	b = binary.BigEndian.AppendUint64(b, uint64(c.closedAt))
	m := hmac.New(sha256.New, key)
	m.Write(b)
	return m.Sum(nil)
}

func (c *checkpoint) validMAC(key []byte) bool { return hmac.Equal(c.mac, c.sum(key)) }

// headLabel separates head MACs from checkpoint MACs made with the same key,
// so that neither can be passed off as the other.
const headLabel = "steward.audit.head.v1"

// headMAC returns the MAC of the head fields of st:
//
//	HMAC(key, str label || u64 seq || str hash || str segment ||
//	          u64 seg_first_seq || str seg_start_hash)
//
// m is an HMAC under the checkpoint key, reused across calls (an append
// makes one per event, so it is not rebuilt each time); buf is scratch.
// Every column of audit_head but its constant id and the MAC itself is
// covered: a field left out could be rewritten freely, and seg_first_seq and
// seg_start_hash feed the checkpoint that will close the open segment.
func headMAC(m hash.Hash, buf []byte, st *txState) (mac, scratch []byte) {
	buf = appendStr(buf[:0], headLabel)
	buf = binary.BigEndian.AppendUint64(buf, uint64(st.seq))
	buf = appendStr(buf, st.hash)
	buf = appendStr(buf, st.segment)
	buf = binary.BigEndian.AppendUint64(buf, uint64(st.segFirst))
	buf = appendStr(buf, st.segStart)
	m.Reset()
	m.Write(buf)
	return m.Sum(nil), buf
}

func newMAC(key []byte) hash.Hash { return hmac.New(sha256.New, key) }

// pristineHead reports whether st is the head row exactly as the migration
// inserts it: no event yet, and no MAC, because the migration cannot reach
// the key. It is the one head accepted without a MAC; the package comment says
// what that leaves open.
func pristineHead(st *txState) bool {
	var zero [hashSize]byte
	return st.seq == 0 && len(st.mac) == 0 && st.segment == "" && st.segFirst == 0 &&
		bytes.Equal(st.hash, zero[:]) && bytes.Equal(st.segStart, zero[:])
}

// validHead reports whether st carries a correct MAC or is pristine.
func validHead(m hash.Hash, st *txState) bool {
	if pristineHead(st) {
		return true
	}
	want, _ := headMAC(m, nil, st)
	return hmac.Equal(st.mac, want)
}
