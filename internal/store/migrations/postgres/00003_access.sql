-- +goose Up
-- Organisation units form a tree; path is the chain of ids from the root,
-- "/root/region/branch/", so "covers its subtree" is a prefix match.
CREATE TABLE units (
    id         TEXT PRIMARY KEY,
    parent_id  TEXT REFERENCES units(id) DEFERRABLE,
    kind       TEXT NOT NULL CHECK (kind IN ('organisation','region','branch','workplace')),
    name       TEXT NOT NULL,
    path       TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL
);
CREATE INDEX units_parent ON units(parent_id);

-- Staff accounts. The TOTP secret is sealed with a system key.
CREATE TABLE accounts (
    id             TEXT PRIMARY KEY,
    username       TEXT NOT NULL UNIQUE,
    password_hash  TEXT NOT NULL,
    totp_secret    BYTEA,
    totp_last_step BIGINT NOT NULL DEFAULT 0,
    failed_logins  BIGINT NOT NULL DEFAULT 0,
    locked_until   BIGINT NOT NULL DEFAULT 0,
    disabled_at    BIGINT,
    created_at     BIGINT NOT NULL,
    password_changed_at BIGINT NOT NULL
);

CREATE TABLE grants (
    id         TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE DEFERRABLE,
    role       TEXT NOT NULL CHECK (role IN ('dpo','membership','officer','rep','trustee','admin')),
    unit_id    TEXT NOT NULL REFERENCES units(id) DEFERRABLE,
    granted_at BIGINT NOT NULL,
    granted_by TEXT NOT NULL,
    UNIQUE (account_id, role, unit_id)
);
CREATE INDEX grants_unit ON grants(unit_id);

-- Server-side sessions; only a hash of the cookie value is stored.
CREATE TABLE sessions (
    token_hash   BYTEA PRIMARY KEY,
    account_id   TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE DEFERRABLE,
    created_at   BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL,
    expires_at   BIGINT NOT NULL
);
CREATE INDEX sessions_account ON sessions(account_id);

-- Personal access tokens for the API; only a hash is stored.
CREATE TABLE api_tokens (
    id           TEXT PRIMARY KEY,
    account_id   TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE DEFERRABLE,
    name         TEXT NOT NULL,
    -- Comma-separated permissions the token is limited to; empty means all
    -- of the account's.
    permissions  TEXT NOT NULL DEFAULT '',
    token_hash   BYTEA NOT NULL UNIQUE,
    created_at   BIGINT NOT NULL,
    expires_at   BIGINT NOT NULL,
    revoked_at   BIGINT,
    last_used_at BIGINT
);
CREATE INDEX api_tokens_account ON api_tokens(account_id);
