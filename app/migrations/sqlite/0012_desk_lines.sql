-- The lines the desk writes into a conversation (joined, left, transferred) keep what they
-- say as a code with its arguments (JSON of model::DeskLine), so each reader sees them in
-- their own language; `body` keeps the English text for agents, records and search.
ALTER TABLE messages ADD COLUMN line TEXT;
