-- +goose Up
-- The audit log: append-only events chained by SHA-256 (see internal/audit).
-- Rows are never updated; retention may delete whole segments from the oldest
-- end, which verification accepts because each closed segment's checkpoint
-- is kept.
CREATE TABLE audit_events (
    seq        INTEGER PRIMARY KEY,
    segment    TEXT    NOT NULL,
    at         INTEGER NOT NULL,
    actor_id   TEXT    NOT NULL,
    action     TEXT    NOT NULL,
    entity     TEXT    NOT NULL,
    entity_id  TEXT    NOT NULL,
    subject_id TEXT    NOT NULL,
    purpose    TEXT    NOT NULL,
    detail     TEXT    NOT NULL,
    prev_hash  BLOB    NOT NULL,
    hash       BLOB    NOT NULL
);
-- seq second so "newest first for this person" is an index range scan.
CREATE INDEX audit_events_subject ON audit_events (subject_id, seq);
CREATE INDEX audit_events_actor   ON audit_events (actor_id, seq);
CREATE INDEX audit_events_entity  ON audit_events (entity_id, seq);

-- The chain's head, one row. Appenders lock it so that they queue instead of
-- forking the chain. seg_first_seq and seg_start_hash describe the open
-- segment so closing it needs no scan. mac is an HMAC of the other columns
-- under the checkpoint key, rewritten with them on every append: the open
-- segment has no checkpoint, so without it cutting the newest events and
-- moving the head back would go unnoticed. It starts empty because SQL
-- cannot reach the key; only this initial row is accepted without one.
CREATE TABLE audit_head (
    id             INTEGER PRIMARY KEY CHECK (id = 1),
    seq            INTEGER NOT NULL,
    hash           BLOB    NOT NULL,
    segment        TEXT    NOT NULL,
    seg_first_seq  INTEGER NOT NULL,
    seg_start_hash BLOB    NOT NULL,
    mac            BLOB    NOT NULL
);
INSERT INTO audit_head (id, seq, hash, segment, seg_first_seq, seg_start_hash, mac)
VALUES (1, 0, zeroblob(32), '', 0, zeroblob(32), X'');

-- One row per closed segment, MAC'd, kept forever (no personal data).
CREATE TABLE audit_checkpoints (
    segment    TEXT PRIMARY KEY,
    first_seq  INTEGER NOT NULL,
    last_seq   INTEGER NOT NULL,
    count      INTEGER NOT NULL,
    start_hash BLOB    NOT NULL,
    end_hash   BLOB    NOT NULL,
    closed_at  INTEGER NOT NULL,
    mac        BLOB    NOT NULL
);
