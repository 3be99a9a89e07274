-- +goose Up
-- The import ledger: one row per import run, and one per person it created,
-- updated or marked as left, written in the same transaction as the batch
-- that changed them. It replaces an audit event per person (too slow for a
-- million-row file): the audit trail gets one event per batch, and this
-- table says which people that batch touched. Nothing here is personal
-- data: ids, line numbers, counts and the file's base name.
CREATE TABLE imports (
    id           TEXT PRIMARY KEY,
    file_name    TEXT NOT NULL,
    actor_id     TEXT NOT NULL,
    key_field    TEXT NOT NULL,
    unit_id      TEXT,
    full_refresh BIGINT NOT NULL DEFAULT 0,
    -- running until the last batch commits; a run killed midway stays
    -- running, and a re-run (a new import) finishes its work.
    status       TEXT NOT NULL CHECK (status IN ('running','done','failed')),
    started_at   BIGINT NOT NULL,
    finished_at  BIGINT,
    batches      BIGINT NOT NULL DEFAULT 0,
    created      BIGINT NOT NULL DEFAULT 0,
    updated      BIGINT NOT NULL DEFAULT 0,
    unchanged    BIGINT NOT NULL DEFAULT 0,
    rejected     BIGINT NOT NULL DEFAULT 0,
    marked_left  BIGINT NOT NULL DEFAULT 0
);

-- A person's ledger rows go when they are erased: which files held them
-- is itself about them.
CREATE TABLE import_rows (
    import_id  TEXT NOT NULL REFERENCES imports(id) ON DELETE CASCADE DEFERRABLE,
    subject_id TEXT NOT NULL REFERENCES subjects(id) ON DELETE CASCADE DEFERRABLE,
    line       BIGINT NOT NULL, -- 0 for people marked left (not in the file)
    action     TEXT NOT NULL CHECK (action IN ('created','updated','left')),
    PRIMARY KEY (import_id, subject_id)
);
CREATE INDEX import_rows_subject ON import_rows(subject_id);
