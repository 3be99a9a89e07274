-- +goose Up
-- Consent and preferences (RULES.md section 4): what each person agreed
-- to, purpose by purpose, with the evidence to demonstrate it (Art 7(1)).
--
-- consent_wordings are the texts people are shown when asked, versioned:
-- the DPO writes a new version rather than editing one, so every consent
-- points to the exact words the person saw. They are the organisation's
-- texts, not personal data, and are kept in clear.
CREATE TABLE consent_wordings (
    id         TEXT PRIMARY KEY,
    purpose    TEXT NOT NULL,
    version    INTEGER NOT NULL,
    body       TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    created_by TEXT,
    UNIQUE (purpose, version)
);

-- consent_events is the append-only history: each row is one act of
-- giving (given = 1) or withdrawing (given = 0) consent for a purpose, with
-- when, the channel it came through, the wording shown, who captured it,
-- and for a child the parent or guardian's name and relationship, sealed
-- under the person's key (column guardian). Rows are never updated or
-- deleted by Steward's code; consent_current is derived from them in the
-- same transaction. Purposes and channels are codes checked by the service.
-- unit_path is the person's unit when the event was recorded, for scope.
CREATE TABLE consent_events (
    id         TEXT PRIMARY KEY,
    subject_id TEXT NOT NULL,
    unit_path  TEXT NOT NULL,
    purpose    TEXT NOT NULL,
    given      INTEGER NOT NULL CHECK (given IN (0, 1)),
    at         INTEGER NOT NULL,
    channel    TEXT NOT NULL,
    wording_id TEXT REFERENCES consent_wordings (id),
    actor_id   TEXT,
    guardian   BLOB,
    import_id  TEXT,
    CHECK (given = 0 OR wording_id IS NOT NULL)
);
CREATE INDEX consent_events_subject ON consent_events (subject_id, at);
CREATE INDEX consent_events_at ON consent_events (at);

-- consent_current is the latest event per person and purpose: the state
-- member lists ask about, one primary-key lookup per person.
CREATE TABLE consent_current (
    subject_id TEXT NOT NULL,
    purpose    TEXT NOT NULL,
    event_id   TEXT NOT NULL REFERENCES consent_events (id),
    given      INTEGER NOT NULL CHECK (given IN (0, 1)),
    at         INTEGER NOT NULL,
    unit_path  TEXT NOT NULL,
    PRIMARY KEY (purpose, subject_id)
);
CREATE INDEX consent_current_subject ON consent_current (subject_id);

-- consent_imports are CSV imports of opt-outs from outside tools (a
-- mailing or survey tool's export), and consent_import_rows what became of
-- each row: an outcome code and, when the row matched someone in the
-- register, their id. No identifier from the file is kept here; the
-- suppression list keeps blind indexes of them.
CREATE TABLE consent_imports (
    id         TEXT PRIMARY KEY,
    at         INTEGER NOT NULL,
    actor_id   TEXT,
    purpose    TEXT NOT NULL,
    rows_total INTEGER NOT NULL,
    matched    INTEGER NOT NULL,
    suppressed INTEGER NOT NULL
);
CREATE TABLE consent_import_rows (
    import_id  TEXT NOT NULL REFERENCES consent_imports (id),
    line       INTEGER NOT NULL,
    purpose    TEXT NOT NULL,
    outcome    TEXT NOT NULL,
    subject_id TEXT,
    PRIMARY KEY (import_id, line)
);
