-- Issue 15: every change to a chat (state, holder, guests, group) moves its version on, and
-- every write to a chat is guarded by the version the writer read, not only its state: a
-- message racing a transfer cannot be routed to the former holder.
-- The agents invited in who have not joined yet, as cards (JSON, like `guests`): part of the chat,
-- so that ending it or handing it back to a queue tells them their invitation is gone.
ALTER TABLE chat_requests ADD COLUMN invited TEXT NOT NULL DEFAULT '[]';
ALTER TABLE chat_requests ADD COLUMN version INTEGER NOT NULL DEFAULT 0;
-- The access rule (domain/access.rs): a ticket is also read by the participants of the chats
-- that hold it; these find those chats.
CREATE INDEX chat_requests_interaction ON chat_requests (interaction_id);
CREATE INDEX chat_requests_incident ON chat_requests (incident_id);
