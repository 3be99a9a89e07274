-- +goose Up
-- The disclosure log: every sharing of personal data outside the
-- organisation (a processor, an employer, the police, a survey or mailing
-- tool), with the recipient, the people, the data categories, the lawful
-- basis or exemption, the written request's reference, who decided and why.
--
-- recipient_name and categories (a JSON list of {id, name}) are copied from
-- the data map when the disclosure is logged, so the log still says who
-- received what after a recipient or category is renamed or removed. Names
-- of recipients and categories are not personal data.
--
-- reference (the written request's reference), reasoning (why sharing was
-- justified) and decision_reason (the DPO's reason for approving or
-- refusing) may hold personal data: they are sealed with the vault's system
-- key, bound to this table, column and row. The log must outlive the
-- erasure of the people in it, so nothing is sealed under a person's key.
--
-- state is pending (held until the DPO approves: no current contract, or a
-- transfer abroad without a recorded safeguard; why is in held_for as
-- codes), approved or refused. Codes are checked by the service.
CREATE TABLE disclosures (
    id              TEXT PRIMARY KEY,
    recipient_id    TEXT NOT NULL,
    recipient_name  TEXT NOT NULL,
    recipient_kind  TEXT NOT NULL,
    disclosed_on    TEXT NOT NULL,
    basis           TEXT NOT NULL,
    court_order     INTEGER NOT NULL DEFAULT 0,
    prejudice       INTEGER NOT NULL DEFAULT 0,
    categories      TEXT NOT NULL,
    people          INTEGER NOT NULL,
    reference       BLOB,
    reasoning       BLOB,
    state           TEXT NOT NULL,
    held_for        TEXT NOT NULL DEFAULT '',
    decision_reason BLOB,
    created_by      TEXT NOT NULL,
    created_at      INTEGER NOT NULL,
    decided_by      TEXT,
    decided_at      INTEGER
);
CREATE INDEX disclosures_state ON disclosures (state, created_at);

-- The people in a disclosure, by id, with their unit path when it was
-- logged: scope checks read it without opening anyone's record.
CREATE TABLE disclosure_subjects (
    disclosure_id TEXT NOT NULL REFERENCES disclosures(id),
    subject_id    TEXT NOT NULL,
    unit_path     TEXT NOT NULL,
    PRIMARY KEY (disclosure_id, subject_id)
);
CREATE INDEX disclosure_subjects_subject ON disclosure_subjects (subject_id);
