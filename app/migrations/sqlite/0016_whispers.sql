-- Whispers (issue 18): a supervisor's message to a chat's agents, never shown to its end user
-- (live, in replay, in the widget, in the transcript email). 1 or 0, like the other flags.
ALTER TABLE messages ADD COLUMN whisper INTEGER NOT NULL DEFAULT 0;
