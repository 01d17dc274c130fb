-- Deskchat schema (PostgreSQL). Times are unix milliseconds; the SQLite twin lives in ../sqlite.
CREATE TABLE assignment_groups (
    id   BIGSERIAL PRIMARY KEY,
    name TEXT NOT NULL UNIQUE
);

CREATE TABLE agents (
    id            BIGSERIAL PRIMARY KEY,
    email         TEXT NOT NULL UNIQUE,
    name          TEXT NOT NULL,
    photo_url     TEXT,
    password_hash TEXT NOT NULL,
    role          TEXT NOT NULL
);

CREATE TABLE agent_groups (
    agent_id BIGINT NOT NULL REFERENCES agents(id),
    group_id BIGINT NOT NULL REFERENCES assignment_groups(id),
    PRIMARY KEY (agent_id, group_id)
);

CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    agent_id   BIGINT NOT NULL REFERENCES agents(id),
    expires_at BIGINT NOT NULL
);

CREATE TABLE chat_requests (
    id              BIGSERIAL PRIMARY KEY,
    token_hash      TEXT NOT NULL UNIQUE,
    group_id        BIGINT NOT NULL REFERENCES assignment_groups(id),
    state           TEXT NOT NULL,
    agent_id        BIGINT REFERENCES agents(id),
    user_name       TEXT NOT NULL,
    user_email      TEXT NOT NULL,
    user_phone      TEXT,
    user_location   TEXT NOT NULL,
    user_photo_url  TEXT,
    question        TEXT NOT NULL,
    previous_ticket TEXT,
    created_at      BIGINT NOT NULL,
    accepted_at     BIGINT,
    ended_at        BIGINT,
    ended_by        TEXT,
    updated_at      BIGINT NOT NULL
);
CREATE INDEX chat_requests_queue ON chat_requests (state, group_id, id);
CREATE INDEX chat_requests_agent ON chat_requests (agent_id, state);

CREATE TABLE messages (
    id         BIGSERIAL PRIMARY KEY,
    chat_id    BIGINT NOT NULL REFERENCES chat_requests(id),
    author_key TEXT NOT NULL,
    client_id  TEXT NOT NULL,
    agent_id   BIGINT REFERENCES agents(id),
    body       TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    UNIQUE (chat_id, author_key, client_id)
);

CREATE TABLE events (
    seq         BIGSERIAL PRIMARY KEY,
    chat_id     BIGINT NOT NULL,
    group_id    BIGINT NOT NULL,
    agent_id    BIGINT,
    whole_group BIGINT NOT NULL,
    payload     TEXT NOT NULL,
    created_at  BIGINT NOT NULL
);
