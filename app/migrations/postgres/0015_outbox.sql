-- The outbox (issue 18): what the desk owes someone outside it (an email now; a webhook next),
-- written in the transaction of the request that owes it and sent afterwards by a worker
-- (ssr/outbox.rs) with retries. `request_key` makes the request idempotent (the same one sent
-- again finds its entry); `held_by`/`held_until` are the claim of the node sending it, so
-- one node sends it at a time and another takes over only once that claim has run out.
CREATE TABLE outbox (
    id              BIGSERIAL PRIMARY KEY,
    kind            TEXT NOT NULL,
    request_key     TEXT NOT NULL UNIQUE,
    chat_id         BIGINT REFERENCES chat_requests(id),
    recipient       TEXT NOT NULL,
    subject         TEXT NOT NULL,
    payload         TEXT NOT NULL,
    state           TEXT NOT NULL,
    attempts        BIGINT NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    held_by         TEXT,
    held_until      BIGINT,
    last_error      TEXT,
    created_at      BIGINT NOT NULL,
    sent_at         BIGINT
);
-- The worker's look for what is due.
CREATE INDEX outbox_due ON outbox (state, next_attempt_at);
CREATE INDEX outbox_chat ON outbox (chat_id);
