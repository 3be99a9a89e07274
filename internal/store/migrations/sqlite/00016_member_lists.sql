-- +goose Up
-- Member lists: every list of people a rep or officer downloaded, for
-- which purpose, with which fields, in which format, for which unit, who
-- holds it, when it must be deleted and when its holder confirmed that it
-- was. The file itself is never stored, nor its password.
--
-- fields is the purpose's field codes, comma-separated, as they were when
-- the list was made (a purpose may change later). class is the purpose's
-- communication class then (marketing, operational, democratic).
-- holder_name is their username then; holder_role is the role that let the holder ask for it, for the
-- person's access pack ("a workplace rep"). based_on is the list this one
-- was made from (re-sent to the same people, or downloaded afresh);
-- replaced_by the list that replaced this one. A replaced list is due for
-- deletion at once: its expires_at is brought forward to the replacement.
-- Ids and codes only: nothing here is personal data but who holds what.
CREATE TABLE member_lists (
    id           TEXT PRIMARY KEY,
    purpose      TEXT NOT NULL,
    class        TEXT NOT NULL,
    fields       TEXT NOT NULL,
    format       TEXT NOT NULL,
    holder_id    TEXT NOT NULL,
    holder_name  TEXT NOT NULL,
    holder_role  TEXT NOT NULL,
    unit_id      TEXT NOT NULL,
    unit_path    TEXT NOT NULL,
    people       INTEGER NOT NULL,
    based_on     TEXT REFERENCES member_lists(id),
    created_at   INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL,
    deleted_at   INTEGER,
    deleted_by   TEXT,
    replaced_by  TEXT REFERENCES member_lists(id),
    CHECK ((deleted_at IS NULL) = (deleted_by IS NULL))
);
CREATE INDEX member_lists_holder ON member_lists (holder_id, created_at);
CREATE INDEX member_lists_open ON member_lists (expires_at) WHERE deleted_at IS NULL;

-- The exact people on each list. subject_id has no foreign key: a
-- person's erasure deletes their row in subjects, but the record that
-- they were on a list (a random id, unreadable once their key is gone)
-- must stay, for a breach of that list or a later access request.
CREATE TABLE member_list_people (
    list_id    TEXT NOT NULL REFERENCES member_lists(id),
    subject_id TEXT NOT NULL,
    PRIMARY KEY (list_id, subject_id)
);
CREATE INDEX member_list_people_subject ON member_list_people (subject_id);
