-- +goose Up
-- People (data subjects). Everything that identifies a person is sealed
-- with their own key in profile; what stays in clear is what scope,
-- lifecycle and retention need: the unit, the kind, the status and the
-- lifecycle dates. A child's date of birth is not in clear: only the day
-- they stop being a child under the configured age (child_until).
CREATE TABLE subjects (
    id             TEXT PRIMARY KEY,
    unit_id        TEXT NOT NULL REFERENCES units(id) DEFERRABLE,
    unit_path      TEXT NOT NULL,
    kind           TEXT NOT NULL CHECK (kind IN ('member','student','employee','applicant','volunteer','pupil','parent','contact')),
    status         TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active','left')),
    restricted     BIGINT NOT NULL DEFAULT 0,
    child_until    TEXT,
    joined_on      TEXT,
    left_on        TEXT,
    interview_on   TEXT,
    -- Blind index of the membership number: the key imports update by.
    membership_key BYTEA UNIQUE,
    profile        BYTEA NOT NULL,
    version        BIGINT NOT NULL DEFAULT 1,
    created_at     BIGINT NOT NULL,
    updated_at     BIGINT NOT NULL
);
CREATE INDEX subjects_scope ON subjects(unit_path, status);

-- Blind indexes: exact-match search on every searchable identifier.
CREATE TABLE subject_index (
    kind       TEXT NOT NULL,
    hash       BYTEA NOT NULL,
    subject_id TEXT NOT NULL REFERENCES subjects(id) ON DELETE CASCADE DEFERRABLE,
    PRIMARY KEY (kind, hash, subject_id)
);
CREATE INDEX subject_index_subject ON subject_index(subject_id);

-- Rectification history: who changed which field when, with the old value
-- and the reason sealed under the person's key.
CREATE TABLE rectifications (
    id         TEXT PRIMARY KEY,
    subject_id TEXT NOT NULL REFERENCES subjects(id) ON DELETE CASCADE DEFERRABLE,
    field      TEXT NOT NULL,
    old_value  BYTEA NOT NULL,
    reason     BYTEA NOT NULL,
    actor_id   TEXT NOT NULL,
    at         BIGINT NOT NULL
);
CREATE INDEX rectifications_subject ON rectifications(subject_id, at);
