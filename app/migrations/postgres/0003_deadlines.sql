-- Persisted deadlines (ssr/scheduler.rs): one row per (kind, subject), fired at most once.
-- `fired_at` is set in the same transaction as what the deadline does, so a restart neither
-- loses nor repeats it, and of several nodes only one fires it.
CREATE TABLE deadlines (
    id         BIGSERIAL PRIMARY KEY,
    kind       TEXT NOT NULL,
    subject_id BIGINT NOT NULL,
    due_at     BIGINT NOT NULL,
    fired_at   BIGINT,
    UNIQUE (kind, subject_id)
);
CREATE INDEX deadlines_pending ON deadlines (due_at) WHERE fired_at IS NULL;
