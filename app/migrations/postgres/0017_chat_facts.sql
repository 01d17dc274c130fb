-- Reports (issue 18): one row per chat request with what the reports count and measure
-- (domain/reports.rs `ChatFact`). Changed in the same transaction as the events that change it
-- (store/reports.rs), so a report is exact whatever is written meanwhile; read by the day of
-- the request. Times are unix milliseconds; `missed` is 1 or 0 like the other flags.
CREATE TABLE chat_facts (
    chat_id           BIGINT PRIMARY KEY REFERENCES chat_requests(id),
    group_id          BIGINT NOT NULL,
    requested_at      BIGINT NOT NULL,
    agent_id          BIGINT,
    accepted_at       BIGINT,
    first_response_at BIGINT,
    ended_at          BIGINT,
    missed            BIGINT NOT NULL DEFAULT 0,
    transfers         BIGINT NOT NULL DEFAULT 0,
    rating            BIGINT,
    -- Kept by the database: the day (UTC) of the request, and the whole fact as one text
    -- (`chat:group:requested:agent:accepted:responded:ended:missed:transfers:rating`, empty
    -- where NULL). A report reads a range of days from the index alone, in day order, and joins
    -- each day's texts into one (store/reports.rs): no row is decoded one by one, nothing sorted.
    day               BIGINT GENERATED ALWAYS AS (requested_at / 86400000) STORED,
    packed            TEXT GENERATED ALWAYS AS (
        chat_id::text || ':' || group_id::text || ':' || requested_at::text || ':' || COALESCE(agent_id::text, '') || ':' ||
        COALESCE(accepted_at::text, '') || ':' || COALESCE(first_response_at::text, '') || ':' || COALESCE(ended_at::text, '') || ':' ||
        missed::text || ':' || transfers::text || ':' || COALESCE(rating::text, '')
    ) STORED
);
CREATE INDEX chat_facts_day ON chat_facts (day, group_id, agent_id, packed);
-- Offline requests by when they were made.
CREATE INDEX tickets_category_created ON tickets (category, created_at);

-- The chats before this migration, as well as their records tell: the group they are in now,
-- their last acceptance, their transfers as the stream recorded them.
INSERT INTO chat_facts (chat_id, group_id, requested_at, agent_id, accepted_at, first_response_at, ended_at, missed, transfers, rating)
SELECT c.id, c.group_id, c.created_at,
       CASE WHEN c.accepted_at IS NULL THEN NULL ELSE c.agent_id END,
       c.accepted_at,
       (SELECT MIN(m.created_at) FROM messages m WHERE m.chat_id = c.id AND m.agent_id IS NOT NULL AND m.whisper = 0),
       CASE WHEN c.state IN ('ended', 'missed') THEN COALESCE(c.ended_at, c.updated_at) END,
       CASE WHEN c.state = 'missed' THEN 1 ELSE 0 END,
       (SELECT COUNT(*) FROM events e WHERE e.chat_id = c.id AND e.payload LIKE '{"Transferred"%'),
       (SELECT r.score FROM chat_ratings r WHERE r.chat_id = c.id)
FROM chat_requests c;
