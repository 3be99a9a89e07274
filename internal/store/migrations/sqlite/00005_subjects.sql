-- +goose Up
-- People (data subjects). Everything that identifies a person is sealed
-- with their own key in profile; what stays in clear is what scope,
-- lifecycle and retention need: the unit, the kind, the status and the
-- lifecycle dates. A child's date of birth is not in clear: only the day
-- they stop being a child under the configured age (child_until).
CREATE TABLE subjects (
    id             TEXT PRIMARY KEY,
    unit_id        TEXT NOT NULL REFERENCES units(id),
    unit_path      TEXT NOT NULL,
    kind           TEXT NOT NULL CHECK (kind IN ('member','student','employee','applicant','volunteer','pupil','parent','contact')),
    status         TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active','left')),
    restricted     INTEGER NOT NULL DEFAULT 0,
    child_until    TEXT,
    joined_on      TEXT,
    left_on        TEXT,
    interview_on   TEXT,
    -- Blind index of the membership number: the key imports update by.
    membership_key BLOB UNIQUE,
    profile        BLOB NOT NULL,
    version        INTEGER NOT NULL DEFAULT 1,
    created_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL
);
CREATE INDEX subjects_scope ON subjects(unit_path, status);

-- Blind indexes: exact-match search on every searchable identifier.
-- WITHOUT ROWID: the primary key is the table, so each index row is one
-- B-tree insert instead of two, which is most of an import's work.
CREATE TABLE subject_index (
    kind       TEXT NOT NULL,
    hash       BLOB NOT NULL,
    subject_id TEXT NOT NULL REFERENCES subjects(id) ON DELETE CASCADE,
    PRIMARY KEY (kind, hash, subject_id)
) WITHOUT ROWID;
CREATE INDEX subject_index_subject ON subject_index(subject_id);

-- Rectification history: who changed which field when, with the old value
-- and the reason sealed under the person's key.
CREATE TABLE rectifications (
    id         TEXT PRIMARY KEY,
    subject_id TEXT NOT NULL REFERENCES subjects(id) ON DELETE CASCADE,
    field      TEXT NOT NULL,
    old_value  BLOB NOT NULL,
    reason     BLOB NOT NULL,
    actor_id   TEXT NOT NULL,
    at         INTEGER NOT NULL
);
CREATE INDEX rectifications_subject ON rectifications(subject_id, at);
