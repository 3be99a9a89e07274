package audit

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
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
