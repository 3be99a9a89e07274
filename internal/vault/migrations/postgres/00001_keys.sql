-- +goose Up
CREATE TABLE meta (
    name  TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE data_keys (
    subject_id TEXT PRIMARY KEY,
    wrapped    BYTEA NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE shred_log (
    subject_id  TEXT PRIMARY KEY,
    shredded_at BIGINT NOT NULL
);
