-- +goose Up
-- The outbox: email waiting for, or done with, the SMTP server. A group
-- email is a batch; each row is one message (one recipient, or everyone in
-- BCC when the sender chose that).
--
-- rcpt (the envelope recipients, a JSON list) and message (the whole
-- RFC 5322 message) are personal data and are sealed with the vault: under
-- the recipient's own key when the message is for one person (so erasing
-- them makes it unreadable), under the system key otherwise. message is
-- set to NULL once the message has been sent and the retention period for
-- bodies has passed (body_dropped_at); the row stays as the record that it
-- was sent, to how many people, when.
--
-- status is queued, sending, sent, failed (gave up: last_error says why,
-- in words that hold no address or content) or suppressed (a marketing
-- message whose recipient objected before it left). class is marketing,
-- operational or democratic.
CREATE TABLE outbox (
    id              TEXT PRIMARY KEY,
    batch_id        TEXT NOT NULL,
    list_id         TEXT NOT NULL DEFAULT '',
    class           TEXT NOT NULL,
    mode            TEXT NOT NULL,
    subject_id      TEXT,
    recipients      INTEGER NOT NULL,
    rcpt            BYTEA,
    message         BYTEA,
    status          TEXT NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    last_error      TEXT NOT NULL DEFAULT '',
    created_by      TEXT NOT NULL,
    created_at      BIGINT NOT NULL,
    sent_at         BIGINT,
    body_dropped_at BIGINT
);
CREATE INDEX outbox_due ON outbox (status, next_attempt_at);
CREATE INDEX outbox_batch ON outbox (batch_id);
