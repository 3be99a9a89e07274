-- +goose Up
-- Rights requests (Arts 15-22). Who asked, how to reach them and what they
-- asked for is sealed under the request's own key, held in the key store
-- like a person's: a request outlives the erasure of the person it was
-- about (the record that an erasure was honoured is itself needed), and it
-- can be shredded when its own retention ends. What stays in clear is what
-- the clock and the board need: kind, channel, status and the dates.
CREATE TABLE rights_requests (
    id                         TEXT PRIMARY KEY,
    ref                        TEXT NOT NULL UNIQUE,
    kind                       TEXT NOT NULL CHECK (kind IN ('access','rectification','erasure','restriction','portability','objection','marketing','automated')),
    channel                    TEXT NOT NULL CHECK (channel IN ('email','letter','web','phone','in_person')),
    requester                  TEXT NOT NULL CHECK (requester IN ('self','parent','solicitor','other')),
    status                     TEXT NOT NULL CHECK (status IN ('new','identity','fee','clarification','open','closed')),
    unit_id                    TEXT NOT NULL REFERENCES units(id),
    unit_path                  TEXT NOT NULL,
    subject_id                 TEXT REFERENCES subjects(id) ON DELETE SET NULL,
    received_on                TEXT NOT NULL,
    logged_by                  TEXT,
    logged_at                  INTEGER NOT NULL,
    forward_by                 TEXT NOT NULL,
    accepted_by                TEXT,
    accepted_at                INTEGER,
    id_requested_on            TEXT,
    id_received_on             TEXT,
    authority_requested_on     TEXT,
    authority_received_on      TEXT,
    fee_requested_on           TEXT,
    fee_received_on            TEXT,
    clarification_requested_on TEXT,
    clarification_received_on  TEXT,
    extended_on                TEXT,
    unfounded                  TEXT CHECK (unfounded IN ('fee','refuse')),
    -- Derived from the dates above on every change, so the board can sort
    -- by it; NULL while the clock waits (for proof of identity, a fee or
    -- an answer to a question).
    due_on                     TEXT,
    outcome                    TEXT CHECK (outcome IN ('complied','partly','refused','nothing_held','withdrawn','duplicate')),
    closed_at                  INTEGER,
    duplicate_of               TEXT REFERENCES rights_requests(id),
    -- Blind index of the requester's email or phone: finds the same
    -- person asking twice without opening every request.
    requester_key              BLOB,
    -- SHA-256 of the secret in the requester's status link.
    status_hash                BLOB UNIQUE,
    details                    BLOB NOT NULL,
    version                    INTEGER NOT NULL DEFAULT 1,
    created_at                 INTEGER NOT NULL,
    updated_at                 INTEGER NOT NULL,
    CHECK ((status = 'closed') = (outcome IS NOT NULL))
);
CREATE INDEX rights_requests_board ON rights_requests(status, due_on);
CREATE INDEX rights_requests_scope ON rights_requests(unit_path);
CREATE INDEX rights_requests_subject ON rights_requests(subject_id);
CREATE INDEX rights_requests_requester ON rights_requests(requester_key);

-- A request's history: every step, the day it happened (which may be
-- before it was recorded), who recorded it and when, and its note, sealed
-- under the request's key (a note may say which documents were seen).
CREATE TABLE rights_events (
    id         TEXT PRIMARY KEY,
    request_id TEXT NOT NULL REFERENCES rights_requests(id) ON DELETE CASCADE,
    step       TEXT NOT NULL,
    on_day     TEXT NOT NULL,
    actor_id   TEXT,
    at         INTEGER NOT NULL,
    note       BLOB
);
CREATE INDEX rights_events_request ON rights_events(request_id, at);
