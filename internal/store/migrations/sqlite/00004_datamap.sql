-- +goose Up
-- The data map: the Art 30 record of processing activities and what it
-- refers to. None of it is personal data of members, so nothing here is
-- sealed; names and contacts are of the organisation and its suppliers.

-- The controller's own details (Art 30(1)(a)), a single row.
CREATE TABLE datamap_controller (
    id                     INTEGER PRIMARY KEY CHECK (id = 1),
    name                   TEXT NOT NULL DEFAULT '',
    contact                TEXT NOT NULL DEFAULT '',
    dpo                    TEXT NOT NULL DEFAULT '',
    representative         TEXT NOT NULL DEFAULT '',
    updated_at             INTEGER NOT NULL
);

-- Categories of personal data; special marks an Art 9(1) category, or
-- 'criminal' for Art 10 data.
CREATE TABLE data_categories (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    description TEXT NOT NULL DEFAULT '',
    special     TEXT NOT NULL DEFAULT '' CHECK (special IN ('','racial_ethnic','political','religious','trade_union','genetic','biometric','health','sex_life','criminal')),
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
);

-- Systems where data lives, inside Steward or not; searchable_by_steward
-- tells a rights request whether it needs a manual search task.
CREATE TABLE data_systems (
    id                    TEXT PRIMARY KEY,
    name                  TEXT NOT NULL UNIQUE,
    kind                  TEXT NOT NULL CHECK (kind IN ('steward','mailbox','cloud_drive','survey_tool','paper','processor_system','database','other')),
    owner_account_id      TEXT REFERENCES accounts(id) ON DELETE SET NULL,
    owner                 TEXT NOT NULL DEFAULT '',
    location              TEXT NOT NULL DEFAULT '',
    country               TEXT NOT NULL DEFAULT '',
    searchable_by_steward INTEGER NOT NULL DEFAULT 0 CHECK (searchable_by_steward IN (0,1)),
    notes                 TEXT NOT NULL DEFAULT '',
    created_at            INTEGER NOT NULL,
    updated_at            INTEGER NOT NULL
);
CREATE INDEX data_systems_owner ON data_systems(owner_account_id);

-- Recipients and processors. Dates are YYYY-MM-DD or ''.
CREATE TABLE data_recipients (
    id                 TEXT PRIMARY KEY,
    name               TEXT NOT NULL UNIQUE,
    kind               TEXT NOT NULL CHECK (kind IN ('processor','controller','public_authority','employer','other')),
    contact            TEXT NOT NULL DEFAULT '',
    contract_status    TEXT NOT NULL DEFAULT 'none' CHECK (contract_status IN ('none','draft','signed','expired')),
    contract_signed_on TEXT NOT NULL DEFAULT '',
    contract_review_on TEXT NOT NULL DEFAULT '',
    country            TEXT NOT NULL DEFAULT '',
    safeguard          TEXT NOT NULL DEFAULT '',
    notes              TEXT NOT NULL DEFAULT '',
    created_at         INTEGER NOT NULL,
    updated_at         INTEGER NOT NULL
);

-- Processing activities: one row of the Art 30(1) record each.
CREATE TABLE processing_activities (
    id                  TEXT PRIMARY KEY,
    name                TEXT NOT NULL UNIQUE,
    purposes            TEXT NOT NULL DEFAULT '',
    data_subjects       TEXT NOT NULL DEFAULT '',
    lawful_basis        TEXT NOT NULL DEFAULT '' CHECK (lawful_basis IN ('','a','b','c','d','e','f')),
    lawful_basis_detail TEXT NOT NULL DEFAULT '',
    art9_condition      TEXT NOT NULL DEFAULT '' CHECK (art9_condition IN ('','a','b','c','d','e','f','g','h','i','j')),
    sch1_condition      TEXT NOT NULL DEFAULT '',
    art10_basis         TEXT NOT NULL DEFAULT '',
    apd_required        INTEGER NOT NULL DEFAULT 0 CHECK (apd_required IN (0,1)),
    apd_reference       TEXT NOT NULL DEFAULT '',
    apd_retention       TEXT NOT NULL DEFAULT '',
    retention_rule      TEXT NOT NULL DEFAULT '',
    retention_months    INTEGER,
    security_measures   TEXT NOT NULL DEFAULT '',
    privacy_notice      TEXT NOT NULL DEFAULT '',
    joint_controller    TEXT NOT NULL DEFAULT '',
    owner               TEXT NOT NULL DEFAULT '',
    created_at          INTEGER NOT NULL,
    updated_at          INTEGER NOT NULL
);

CREATE TABLE activity_categories (
    activity_id TEXT NOT NULL REFERENCES processing_activities(id) ON DELETE CASCADE,
    category_id TEXT NOT NULL REFERENCES data_categories(id),
    PRIMARY KEY (activity_id, category_id)
);
CREATE INDEX activity_categories_category ON activity_categories(category_id);

CREATE TABLE activity_recipients (
    activity_id  TEXT NOT NULL REFERENCES processing_activities(id) ON DELETE CASCADE,
    recipient_id TEXT NOT NULL REFERENCES data_recipients(id),
    PRIMARY KEY (activity_id, recipient_id)
);
CREATE INDEX activity_recipients_recipient ON activity_recipients(recipient_id);

CREATE TABLE activity_systems (
    activity_id TEXT NOT NULL REFERENCES processing_activities(id) ON DELETE CASCADE,
    system_id   TEXT NOT NULL REFERENCES data_systems(id),
    PRIMARY KEY (activity_id, system_id)
);
CREATE INDEX activity_systems_system ON activity_systems(system_id);

-- Transfers outside the UK (Art 30(1)(e)): destination country or
-- international organisation, the Chapter V mechanism, and the
-- documentation an Art 49(1) second-subparagraph transfer needs.
CREATE TABLE activity_transfers (
    id            TEXT PRIMARY KEY,
    activity_id   TEXT NOT NULL REFERENCES processing_activities(id) ON DELETE CASCADE,
    position      INTEGER NOT NULL,
    destination   TEXT NOT NULL,
    safeguard     TEXT NOT NULL DEFAULT '',
    documentation TEXT NOT NULL DEFAULT ''
);
CREATE INDEX activity_transfers_activity ON activity_transfers(activity_id, position);
