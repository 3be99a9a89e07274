-- +goose Up
-- Every letter and response pack generated for a request, kept as it was
-- made (sealed under the request's key), with when it was sent.
CREATE TABLE rights_letters (
    id         TEXT PRIMARY KEY,
    request_id TEXT NOT NULL REFERENCES rights_requests(id) ON DELETE CASCADE,
    kind       TEXT NOT NULL,
    file_name  TEXT NOT NULL,
    content    BLOB NOT NULL,
    size       INTEGER NOT NULL,
    made_by    TEXT NOT NULL,
    made_at    INTEGER NOT NULL,
    sent_at    INTEGER,
    sent_by    TEXT
);
CREATE INDEX rights_letters_request ON rights_letters(request_id, made_at);
