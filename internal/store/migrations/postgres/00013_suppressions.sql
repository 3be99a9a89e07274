-- +goose Up
-- The suppression list: people who must not be marketed to. An objection
-- to direct marketing (Art 21(2)-(3)) is absolute and applies at once, and
-- the ICO's advice is to keep the person on a suppression list rather than
-- forget them, or the next import would market to them again.
--
-- The list holds blind indexes only, never an identifier in clear and
-- never a person's id: nothing here is keyed by or sealed under a person,
-- so erasing (crypto-shredding) them leaves their suppression in force,
-- and whoever reads a backup learns no email address or phone number from
-- it. A blind index is the same HMAC the register uses for the same kind
-- (vault.IndexKind), so a person's stored indexes can be checked directly.
--
-- kind is the vault index kind the value was normalised as (email, phone,
-- membership_no), or name_dob: the name's blind index followed by the date
-- of birth's (32 bytes), since a name alone is shared by many people.
-- Kinds, purposes and sources are checked by the service rather than by
-- CHECK constraints: SQLite cannot change a CHECK in place, and consents
-- and preferences will add to them.
--
-- source is how the objection came (rights_request, unsubscribe,
-- preferences, staff, import) and reference the id of what records it (a
-- rights request's id): codes and ids, no personal data.
--
-- Opting back in lifts a row rather than deleting it: lifted_at, lifted_by
-- and how and on what evidence (lift_source, lift_reference). The row is
-- the organisation's proof, if a complaint comes, of when the person was
-- suppressed and when and on whose word that ended. The audit log holds
-- no identifiers, so it cannot tie an event to an email address or phone
-- number, least of all for someone never on the register or since erased.
-- Suppressing again clears the lift.
CREATE TABLE suppressions (
    purpose        TEXT NOT NULL,
    kind           TEXT NOT NULL,
    ix             BYTEA NOT NULL CHECK (length(ix) IN (16, 32)),
    since          BIGINT NOT NULL,
    source         TEXT NOT NULL,
    reference      TEXT,
    actor_id       TEXT,
    lifted_at      BIGINT,
    lifted_by      TEXT,
    lift_source    TEXT,
    lift_reference TEXT,
    PRIMARY KEY (purpose, kind, ix),
    CHECK (lifted_at IS NOT NULL OR (lifted_by IS NULL AND lift_source IS NULL AND lift_reference IS NULL))
);
