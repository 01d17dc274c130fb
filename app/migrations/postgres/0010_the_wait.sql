-- Issue 17, the end user's wait: what an admin sets per group (business hours, leaving a message
-- when nobody is online, a wait limit) as one JSON value (model::GroupSettings; '{}' is every
-- default: always open, queue as before).
ALTER TABLE assignment_groups ADD COLUMN settings TEXT NOT NULL DEFAULT '{}';

-- "Leave a message": the key the widget sends with it, and the incident it made, so a retried
-- submit (a lost answer, a double click) finds the same incident instead of making a second.
-- The key row is written first, in the incident's transaction: on PostgreSQL a second node
-- sending the same key waits on it and then reads the first one's incident.
CREATE TABLE offline_requests (
    request_key TEXT PRIMARY KEY,
    ticket_id   BIGINT REFERENCES tickets(id),
    created_at  BIGINT NOT NULL
);

-- The wait estimate reads a group's recent pickups.
CREATE INDEX chat_requests_pickups ON chat_requests (group_id, accepted_at);

-- An agent's own maximum of chats at once (NULL: their groups' default, if any; see
-- GroupSettings::max_chats and domain::routing::capacity).
ALTER TABLE agents ADD COLUMN max_chats BIGINT;
