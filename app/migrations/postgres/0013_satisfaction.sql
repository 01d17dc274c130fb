-- The end user's answer to "How was this chat?" (issue 18): one per chat request, the primary
-- key, so a chat is rated once whichever node takes the answer.
CREATE TABLE chat_ratings (
    chat_id  BIGINT PRIMARY KEY REFERENCES chat_requests(id),
    score    BIGINT NOT NULL CHECK (score BETWEEN 1 AND 5),
    comment  TEXT NOT NULL,
    rated_at BIGINT NOT NULL
);
