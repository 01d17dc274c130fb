-- Persisted deadlines (ssr/scheduler.rs): one row per (kind, subject), fired at most once.
-- `fired_at` is set in the same transaction as what the deadline does, so a restart neither
-- loses nor repeats it, and of several nodes only one fires it.
CREATE TABLE deadlines (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    kind       TEXT NOT NULL,
    subject_id INTEGER NOT NULL,
    due_at     INTEGER NOT NULL,
    fired_at   INTEGER,
    UNIQUE (kind, subject_id)
);
CREATE INDEX deadlines_pending ON deadlines (due_at) WHERE fired_at IS NULL;
