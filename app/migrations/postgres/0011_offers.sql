-- Issue 17, auto-assign: the open offer of each waiting request. One row per request (the
-- primary key) and one per agent (UNIQUE): two nodes routing at once cannot offer a request
-- twice or give an agent two offers; the loser's insert does nothing and it decides again.
CREATE TABLE chat_offers (
    chat_id    BIGINT PRIMARY KEY REFERENCES chat_requests(id),
    agent_id   BIGINT NOT NULL UNIQUE REFERENCES agents(id),
    round      BIGINT NOT NULL,
    made_at    BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);

-- Every offer that ended with the request still waiting (declined, timed out, given back): the
-- request's offer history, and who routing passes over in the current round.
CREATE TABLE offer_passes (
    id       BIGSERIAL PRIMARY KEY,
    chat_id  BIGINT NOT NULL REFERENCES chat_requests(id),
    agent_id BIGINT NOT NULL REFERENCES agents(id),
    round    BIGINT NOT NULL,
    outcome  TEXT NOT NULL,
    at       BIGINT NOT NULL
);
CREATE INDEX offer_passes_chat ON offer_passes (chat_id, id);

-- Routing weighs how long ago each agent last took a chat (domain::routing::Candidate).
CREATE INDEX chat_requests_agent_taken ON chat_requests (agent_id, accepted_at);
