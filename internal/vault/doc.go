// Package vault protects personal data at rest: envelope encryption with one
// data-encryption key (DEK) per person, blind indexes for exact-match search,
// crypto-shredding for erasure, and master-key rotation.
//
// Keys form a small hierarchy:
//
//	master key (KEK, 32 random bytes, master.key or STEWARD_MASTER_KEY_FILE)
//	 ├─ wraps each person's DEK          (key store table data_keys)
//	 ├─ wraps the index root secret      (key store table meta)
//	 │    └─ HKDF → one blind-index key per IndexKind
//	 └─ wraps the system root secret     (key store table meta)
//	      └─ HKDF → system keys (SystemKey) and the system data key (SealSystem)
//
// DESIGN.md says index keys are "derived from the KEK". They are derived
// instead from random root secrets that the KEK wraps, so that rotating the
// KEK re-wraps 64 bytes rather than changing every blind index (which would
// force an index rebuild at each rotation). Index-key rotation, when wanted,
// is a separate operation that replaces the index root.
//
// The key store is a separate database (its own SQLite file or PostgreSQL
// schema) so that data backups never contain keys. Shredding deletes a DEK,
// which makes every copy of that person's data unreadable, including copies
// in old data backups. A copy of the key store taken before the shred still
// holds the DEK, which is why key-store backups must be short-lived and why
// the shred log (ids only) is replayed after a key-store restore.
//
// Blind indexes reveal equality: two rows with the same normalised value
// have the same index. They support exact match only, never prefix or
// substring search.
//
// Every AES-GCM key here uses random 96-bit nonces. A key must not seal more
// than 2^32 messages; a person's DEK seals a handful of fields, and the
// system data key seals staff secrets, so the bound is far away.
package vault
