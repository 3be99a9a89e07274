-- +goose Up
-- Erasure record by record. A record gets its own data key (key_id, the
-- record's id), so one record can be crypto-shredded while the person and
-- their other records stay; NULL means the record was written before this
-- migration and is sealed under the person's key.
ALTER TABLE records ADD COLUMN key_id TEXT;
CREATE INDEX records_key ON records(key_id) WHERE key_id IS NOT NULL;

-- The copies a request collates are sealed under a key of their own
-- (items_key; NULL: the request's key, as before), so that after an
-- erasure the copies of what was erased can be shredded with it while the
-- request itself, which honouring the erasure needs, is kept.
ALTER TABLE rights_requests ADD COLUMN items_key TEXT;

-- Tasks are searches of systems Steward cannot search, or notices to
-- recipients of an erasure or a rectification (Art 19).
ALTER TABLE rights_tasks ADD COLUMN kind TEXT NOT NULL DEFAULT 'search' CHECK (kind IN ('search','notify'));

-- An erasure decides erase or keep (with the Art 17(3) exception) for
-- each item, in a column of its own: the access decisions' CHECK stays as
-- it is (SQLite would have to rebuild the table to change it).
ALTER TABLE rights_items ADD COLUMN erasure TEXT CHECK (erasure IN ('erase','keep'));
