-- +goose Up
-- The key store is a database of its own, never inside the data backups:
-- deleting a row of data_keys makes every copy of that person's data
-- unreadable (crypto-shredding).

-- Meta holds small named values: the master key's id and check value, the
-- wrapped root secrets for blind indexes and system keys, and the state of
-- a key rotation in progress.
CREATE TABLE meta (
    name  TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- One data-encryption key per person, wrapped (AES-256-GCM) by the master
-- key with the subject id as additional data.
CREATE TABLE data_keys (
    subject_id TEXT PRIMARY KEY,
    wrapped    BLOB NOT NULL,
    created_at INTEGER NOT NULL
);

-- Shred log: the ids (never data) of people whose key was destroyed, so a
-- restore of an older key store can destroy them again.
CREATE TABLE shred_log (
    subject_id  TEXT PRIMARY KEY,
    shredded_at INTEGER NOT NULL
);
