-- +goose Up
CREATE TABLE settings (
    name       TEXT PRIMARY KEY,
    value      TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE erasures (
    subject_id TEXT PRIMARY KEY,
    erased_at  BIGINT NOT NULL
);
