-- +goose Up
-- Records: categorised pieces of personal data about a person (a casework
-- note, a sickness record, a DBS check...), each held under a processing
-- activity of the data map, in a system. Title, body and files are sealed
-- under the person's key; special notes which Art 9 category (or criminal
-- data) the record is, copied from its category when it was stored.
CREATE TABLE records (
    id          TEXT PRIMARY KEY,
    subject_id  TEXT NOT NULL REFERENCES subjects(id) ON DELETE CASCADE DEFERRABLE,
    kind        TEXT NOT NULL,
    category_id TEXT NOT NULL REFERENCES data_categories(id) DEFERRABLE,
    activity_id TEXT NOT NULL REFERENCES processing_activities(id) DEFERRABLE,
    system_id   TEXT REFERENCES data_systems(id) DEFERRABLE,
    special     TEXT NOT NULL DEFAULT '',
    title       BYTEA NOT NULL,
    body        BYTEA NOT NULL,
    occurred_on TEXT,
    created_by  TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);
CREATE INDEX records_subject ON records(subject_id, created_at);
CREATE INDEX records_activity ON records(activity_id);

-- Files of a record, sealed whole in the database: they are then in the
-- same transactions, backups and crypto-shredding as everything else.
CREATE TABLE record_files (
    id           TEXT PRIMARY KEY,
    record_id    TEXT NOT NULL REFERENCES records(id) ON DELETE CASCADE DEFERRABLE,
    name         BYTEA NOT NULL,
    content_type TEXT NOT NULL,
    size         BIGINT NOT NULL,
    content      BYTEA NOT NULL,
    created_at   BIGINT NOT NULL
);
CREATE INDEX record_files_record ON record_files(record_id);
