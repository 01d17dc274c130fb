-- Team work (issue 7): agents invited into a chat and joined as guests, transfers, presence.
-- `chat_requests.agent_id` stays the chat's holder; guests are kept twice on purpose: as rows
-- (to find an agent's chats) and as the cards the chat record shows (read with the chat, free).
ALTER TABLE chat_requests ADD COLUMN guests TEXT NOT NULL DEFAULT '[]';

CREATE TABLE chat_guests (
    chat_id   INTEGER NOT NULL REFERENCES chat_requests(id),
    agent_id  INTEGER NOT NULL REFERENCES agents(id),
    joined_at INTEGER NOT NULL,
    PRIMARY KEY (chat_id, agent_id)
);
CREATE INDEX chat_guests_agent ON chat_guests (agent_id);

CREATE TABLE chat_invitations (
    chat_id    INTEGER NOT NULL REFERENCES chat_requests(id),
    agent_id   INTEGER NOT NULL REFERENCES agents(id),
    invited_by INTEGER NOT NULL REFERENCES agents(id),
    created_at INTEGER NOT NULL,
    PRIMARY KEY (chat_id, agent_id)
);
CREATE INDEX chat_invitations_agent ON chat_invitations (agent_id);

-- What the agent chose in the console: 'online' or 'away'. Offline is not chosen: it is having
-- no console connected (agent_connections).
ALTER TABLE agents ADD COLUMN availability TEXT NOT NULL DEFAULT 'online';

-- Each node's connected consoles, refreshed while they stay; a row older than the presence
-- timeout (a closed console, a crashed node) no longer counts.
CREATE TABLE agent_connections (
    node     TEXT NOT NULL,
    agent_id INTEGER NOT NULL REFERENCES agents(id),
    seen_at  INTEGER NOT NULL,
    PRIMARY KEY (node, agent_id)
);
CREATE INDEX agent_connections_agent ON agent_connections (agent_id, seen_at);
