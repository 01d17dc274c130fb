-- Managing agents (issue 8): an agent can be deactivated (kept for the records they appear in,
-- but they can no longer log on), and every change an admin makes leaves an audit line.
-- `active` is 1 or 0, like the other flags of this schema (the same on both databases).
ALTER TABLE agents ADD COLUMN active INTEGER NOT NULL DEFAULT 1;

-- One line per change: when, who (an agent, or NULL for the shell: `deskchat admin …`), what
-- (`agent.create`, `group.rename`, …), to whom or what (an email or a group name), and the
-- details a reader needs (never a password).
CREATE TABLE audit_log (
    id       INTEGER PRIMARY KEY AUTOINCREMENT,
    at       INTEGER NOT NULL,
    actor_id INTEGER REFERENCES agents(id),
    action   TEXT NOT NULL,
    subject  TEXT NOT NULL,
    detail   TEXT NOT NULL
);
