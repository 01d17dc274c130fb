-- Canned messages (issue 7): reusable replies. `scope` is 'everyone', 'group' (of `group_id`)
-- or 'agent' (personal, of `agent_id`).
CREATE TABLE canned_messages (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    category   TEXT NOT NULL,
    title      TEXT NOT NULL,
    body       TEXT NOT NULL,
    scope      TEXT NOT NULL,
    group_id   INTEGER REFERENCES assignment_groups(id),
    agent_id   INTEGER REFERENCES agents(id),
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX canned_messages_group ON canned_messages (group_id);
CREATE INDEX canned_messages_agent ON canned_messages (agent_id);
