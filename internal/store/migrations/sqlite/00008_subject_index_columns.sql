-- +goose Up
-- Blind indexes move from a table of (kind, hash, person) rows onto the
-- person's own row, one column per identifier, each with its own index.
-- A person's eight index rows cost eight primary-key inserts, eight
-- foreign-key checks and eight more inserts into an index by person;
-- on the row they cost one index insert each, and go when the row goes.
-- That was most of an import's time. (The membership number's blind
-- index was already on the row, as membership_key.)
ALTER TABLE subjects ADD COLUMN ix_name BLOB;
ALTER TABLE subjects ADD COLUMN ix_family BLOB;
ALTER TABLE subjects ADD COLUMN ix_email BLOB;
ALTER TABLE subjects ADD COLUMN ix_phone BLOB;
ALTER TABLE subjects ADD COLUMN ix_ni BLOB;
ALTER TABLE subjects ADD COLUMN ix_dob BLOB;
ALTER TABLE subjects ADD COLUMN ix_postcode BLOB;
UPDATE subjects SET
    ix_name = (SELECT hash FROM subject_index i WHERE i.subject_id = subjects.id AND i.kind = 'name'),
    ix_family = (SELECT hash FROM subject_index i WHERE i.subject_id = subjects.id AND i.kind = 'family'),
    ix_email = (SELECT hash FROM subject_index i WHERE i.subject_id = subjects.id AND i.kind = 'email'),
    ix_phone = (SELECT hash FROM subject_index i WHERE i.subject_id = subjects.id AND i.kind = 'phone'),
    ix_ni = (SELECT hash FROM subject_index i WHERE i.subject_id = subjects.id AND i.kind = 'ni'),
    ix_dob = (SELECT hash FROM subject_index i WHERE i.subject_id = subjects.id AND i.kind = 'dob'),
    ix_postcode = (SELECT hash FROM subject_index i WHERE i.subject_id = subjects.id AND i.kind = 'postcode');
DROP TABLE subject_index;
CREATE INDEX subjects_ix_name ON subjects(ix_name) WHERE ix_name IS NOT NULL;
CREATE INDEX subjects_ix_family ON subjects(ix_family) WHERE ix_family IS NOT NULL;
CREATE INDEX subjects_ix_email ON subjects(ix_email) WHERE ix_email IS NOT NULL;
CREATE INDEX subjects_ix_phone ON subjects(ix_phone) WHERE ix_phone IS NOT NULL;
CREATE INDEX subjects_ix_ni ON subjects(ix_ni) WHERE ix_ni IS NOT NULL;
CREATE INDEX subjects_ix_dob ON subjects(ix_dob) WHERE ix_dob IS NOT NULL;
CREATE INDEX subjects_ix_postcode ON subjects(ix_postcode) WHERE ix_postcode IS NOT NULL;
