-- +goose Up
-- Settings are small named values for the whole installation.
CREATE TABLE settings (
    name       TEXT PRIMARY KEY,
    value      TEXT NOT NULL,
    updated_at INTEGER NOT NULL
);

-- Erasures records every person whose key was shredded (ids only). It is
-- replayed after a restore so that nobody erased comes back.
CREATE TABLE erasures (
    subject_id TEXT PRIMARY KEY,
    erased_at  INTEGER NOT NULL
);
