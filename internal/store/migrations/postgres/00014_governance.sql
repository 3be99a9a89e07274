-- +goose Up
-- Onboarding and offboarding of the people who handle members' data.
-- These tables hold staff and volunteer records (who acknowledged what,
-- which training, which declaration), never data subjects' data.
--
-- A policy document has versions: rows sharing a key ("data-protection"),
-- the newest published one being current. A version that requires
-- acknowledgement names the roles (comma-separated) that must acknowledge
-- it; until they do, the access gate holds their personal-data access.
CREATE TABLE governance_policies (
    id            TEXT PRIMARY KEY,
    policy_key    TEXT NOT NULL,
    title         TEXT NOT NULL,
    version       TEXT NOT NULL,
    body          TEXT NOT NULL,
    requires_ack  INTEGER NOT NULL,
    roles         TEXT NOT NULL,
    published_at  BIGINT NOT NULL,
    published_by  TEXT NOT NULL,
    UNIQUE (policy_key, version)
);
CREATE INDEX governance_policies_key ON governance_policies(policy_key, published_at);

CREATE TABLE governance_acknowledgements (
    policy_id       TEXT NOT NULL REFERENCES governance_policies(id) DEFERRABLE,
    account_id      TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE DEFERRABLE,
    acknowledged_at BIGINT NOT NULL,
    PRIMARY KEY (policy_id, account_id)
);
CREATE INDEX governance_acknowledgements_account ON governance_acknowledgements(account_id);

-- Training courses; roles (comma-separated) must hold a completion that
-- has not expired. Dates are calendar dates, YYYY-MM-DD.
CREATE TABLE governance_courses (
    id              TEXT PRIMARY KEY,
    name            TEXT NOT NULL UNIQUE,
    validity_months INTEGER NOT NULL,
    roles           TEXT NOT NULL,
    created_at      BIGINT NOT NULL
);

CREATE TABLE governance_training (
    id           TEXT PRIMARY KEY,
    course_id    TEXT NOT NULL REFERENCES governance_courses(id) DEFERRABLE,
    account_id   TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE DEFERRABLE,
    completed_on TEXT NOT NULL,
    expires_on   TEXT NOT NULL,
    recorded_by  TEXT NOT NULL,
    recorded_at  BIGINT NOT NULL
);
CREATE INDEX governance_training_account ON governance_training(account_id, course_id);

-- The device-security declaration: the checks ticked (codes), when, and
-- until when it holds (a year).
CREATE TABLE governance_declarations (
    id          TEXT PRIMARY KEY,
    account_id  TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE DEFERRABLE,
    checks      TEXT NOT NULL,
    declared_at BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL
);
CREATE INDEX governance_declarations_account ON governance_declarations(account_id, expires_at);

-- Leaving the role: once a row exists the account is held for good.
CREATE TABLE governance_leavers (
    account_id   TEXT PRIMARY KEY REFERENCES accounts(id) ON DELETE CASCADE DEFERRABLE,
    left_on      TEXT NOT NULL,
    started_at   BIGINT NOT NULL,
    started_by   TEXT NOT NULL,
    completed_at BIGINT
);

-- The offboarding checklist, item by item: the date it was done, who
-- recorded it and when.
CREATE TABLE governance_offboarding (
    account_id  TEXT NOT NULL REFERENCES governance_leavers(account_id) ON DELETE CASCADE DEFERRABLE,
    item        TEXT NOT NULL,
    done_on     TEXT NOT NULL,
    recorded_by TEXT NOT NULL,
    recorded_at BIGINT NOT NULL,
    PRIMARY KEY (account_id, item)
);
