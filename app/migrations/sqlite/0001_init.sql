-- Deskchat schema (SQLite). Times are unix milliseconds; the PostgreSQL twin lives in ../postgres.
CREATE TABLE assignment_groups (
    id   INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL UNIQUE
);

CREATE TABLE agents (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    email         TEXT NOT NULL UNIQUE,
    name          TEXT NOT NULL,
    photo_url     TEXT,
    password_hash TEXT NOT NULL,
    role          TEXT NOT NULL
);

CREATE TABLE agent_groups (
    agent_id INTEGER NOT NULL REFERENCES agents(id),
    group_id INTEGER NOT NULL REFERENCES assignment_groups(id),
    PRIMARY KEY (agent_id, group_id)
);

CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    agent_id   INTEGER NOT NULL REFERENCES agents(id),
    expires_at INTEGER NOT NULL
);

CREATE TABLE chat_requests (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    token_hash      TEXT NOT NULL UNIQUE,
    group_id        INTEGER NOT NULL REFERENCES assignment_groups(id),
    state           TEXT NOT NULL,
    agent_id        INTEGER REFERENCES agents(id),
    user_name       TEXT NOT NULL,
    user_email      TEXT NOT NULL,
    user_phone      TEXT,
    user_location   TEXT NOT NULL,
    user_photo_url  TEXT,
    question        TEXT NOT NULL,
    previous_ticket TEXT,
    created_at      INTEGER NOT NULL,
    accepted_at     INTEGER,
    ended_at        INTEGER,
    ended_by        TEXT,
    updated_at      INTEGER NOT NULL
);
CREATE INDEX chat_requests_queue ON chat_requests (state, group_id, id);
CREATE INDEX chat_requests_agent ON chat_requests (agent_id, state);

CREATE TABLE messages (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    chat_id    INTEGER NOT NULL REFERENCES chat_requests(id),
    author_key TEXT NOT NULL,
    client_id  TEXT NOT NULL,
    agent_id   INTEGER REFERENCES agents(id),
    body       TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    UNIQUE (chat_id, author_key, client_id)
);

CREATE TABLE events (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    chat_id     INTEGER NOT NULL,
    group_id    INTEGER NOT NULL,
    agent_id    INTEGER,
    whole_group INTEGER NOT NULL,
    payload     TEXT NOT NULL,
    created_at  INTEGER NOT NULL
);
