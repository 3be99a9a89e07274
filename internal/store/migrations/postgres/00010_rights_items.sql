-- +goose Up
-- What a request found: each item a source returned about the person, as
-- collected (sealed under the request's key, so the pack shows what was
-- decided on even if the data changes later), with the reviewer's
-- decision: disclose, redact (the spans, and why) or withhold (under which
-- exemption, and why). The reasons are kept.
CREATE TABLE rights_items (
    id           TEXT PRIMARY KEY,
    request_id   TEXT NOT NULL REFERENCES rights_requests(id) ON DELETE CASCADE DEFERRABLE,
    n            BIGINT NOT NULL,
    source       TEXT NOT NULL,
    item_key     TEXT NOT NULL,
    content      BYTEA NOT NULL,
    decision     TEXT CHECK (decision IN ('disclose','redact','withhold')),
    exemption    TEXT,
    reason       BYTEA,
    redactions   BYTEA,
    decided_by   TEXT,
    decided_at   BIGINT,
    collected_at BIGINT NOT NULL,
    UNIQUE (request_id, source, item_key)
);

-- Searches of systems Steward cannot search itself (a mailbox, a paper
-- file), assigned to their owners with a day to finish inside the clock.
CREATE TABLE rights_tasks (
    id          TEXT PRIMARY KEY,
    request_id  TEXT NOT NULL REFERENCES rights_requests(id) ON DELETE CASCADE DEFERRABLE,
    system_id   TEXT NOT NULL,
    system_name TEXT NOT NULL,
    owner       TEXT NOT NULL,
    due_on      TEXT NOT NULL,
    done_at     BIGINT,
    done_by     TEXT,
    note        BYTEA,
    UNIQUE (request_id, system_id)
);
