-- +goose Up
-- What a request found: each item a source returned about the person, as
-- collected (sealed under the request's key, so the pack shows what was
-- decided on even if the data changes later), with the reviewer's
-- decision: disclose, redact (the spans, and why) or withhold (under which
-- exemption, and why). The reasons are kept.
CREATE TABLE rights_items (
    id           TEXT PRIMARY KEY,
    request_id   TEXT NOT NULL REFERENCES rights_requests(id) ON DELETE CASCADE,
    n            INTEGER NOT NULL,
    source       TEXT NOT NULL,
    item_key     TEXT NOT NULL,
    content      BLOB NOT NULL,
    decision     TEXT CHECK (decision IN ('disclose','redact','withhold')),
    exemption    TEXT,
    reason       BLOB,
    redactions   BLOB,
    decided_by   TEXT,
    decided_at   INTEGER,
    collected_at INTEGER NOT NULL,
    UNIQUE (request_id, source, item_key)
);

-- Searches of systems Steward cannot search itself (a mailbox, a paper
-- file), assigned to their owners with a day to finish inside the clock.
CREATE TABLE rights_tasks (
    id          TEXT PRIMARY KEY,
    request_id  TEXT NOT NULL REFERENCES rights_requests(id) ON DELETE CASCADE,
    system_id   TEXT NOT NULL,
    system_name TEXT NOT NULL,
    owner       TEXT NOT NULL,
    due_on      TEXT NOT NULL,
    done_at     INTEGER,
    done_by     TEXT,
    note        BLOB,
    UNIQUE (request_id, system_id)
);
