-- +goose Up
-- Organisation units form a tree; path is the chain of ids from the root,
-- "/root/region/branch/", so "covers its subtree" is a prefix match.
CREATE TABLE units (
    id         TEXT PRIMARY KEY,
    parent_id  TEXT REFERENCES units(id),
    kind       TEXT NOT NULL CHECK (kind IN ('organisation','region','branch','workplace')),
    name       TEXT NOT NULL,
    path       TEXT NOT NULL UNIQUE,
    created_at INTEGER NOT NULL
);
CREATE INDEX units_parent ON units(parent_id);

-- Staff accounts. The TOTP secret is sealed with a system key.
CREATE TABLE accounts (
    id             TEXT PRIMARY KEY,
    username       TEXT NOT NULL UNIQUE,
    password_hash  TEXT NOT NULL,
    totp_secret    BLOB,
    totp_last_step INTEGER NOT NULL DEFAULT 0,
    failed_logins  INTEGER NOT NULL DEFAULT 0,
    locked_until   INTEGER NOT NULL DEFAULT 0,
    disabled_at    INTEGER,
    created_at     INTEGER NOT NULL,
    password_changed_at INTEGER NOT NULL
);

CREATE TABLE grants (
    id         TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    role       TEXT NOT NULL CHECK (role IN ('dpo','membership','officer','rep','trustee','admin')),
    unit_id    TEXT NOT NULL REFERENCES units(id),
    granted_at INTEGER NOT NULL,
    granted_by TEXT NOT NULL,
    UNIQUE (account_id, role, unit_id)
);
CREATE INDEX grants_unit ON grants(unit_id);

-- Server-side sessions; only a hash of the cookie value is stored.
CREATE TABLE sessions (
    token_hash   BLOB PRIMARY KEY,
    account_id   TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    created_at   INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL
);
CREATE INDEX sessions_account ON sessions(account_id);

-- Personal access tokens for the API; only a hash is stored.
CREATE TABLE api_tokens (
    id           TEXT PRIMARY KEY,
    account_id   TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    -- Comma-separated permissions the token is limited to; empty means all
    -- of the account's.
    permissions  TEXT NOT NULL DEFAULT '',
    token_hash   BLOB NOT NULL UNIQUE,
    created_at   INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL,
    revoked_at   INTEGER,
    last_used_at INTEGER
);
CREATE INDEX api_tokens_account ON api_tokens(account_id);
