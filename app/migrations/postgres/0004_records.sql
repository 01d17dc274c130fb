-- Ticket records (issue 6): Interactions (SD…) and Incidents (IM…) in one table, since they
-- share every field; the number is the kind's prefix and the id. `version` is the optimistic
-- lock a save must name. `search_text` is the words a search matches (number, title, contact,
-- the start of the description), lower-cased, everything but letters and digits a space.
CREATE TABLE tickets (
    id            BIGSERIAL PRIMARY KEY,
    kind          TEXT NOT NULL,
    title         TEXT NOT NULL,
    description   TEXT NOT NULL,
    status        TEXT NOT NULL,
    priority      TEXT NOT NULL,
    category      TEXT NOT NULL,
    contact_name  TEXT NOT NULL,
    contact_email TEXT NOT NULL,
    contact_phone TEXT NOT NULL,
    location      TEXT NOT NULL,
    group_id      BIGINT NOT NULL REFERENCES assignment_groups(id),
    assignee_id   BIGINT REFERENCES agents(id),
    chat_id       BIGINT REFERENCES chat_requests(id),
    version       BIGINT NOT NULL,
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL,
    search_text   TEXT NOT NULL
);
CREATE INDEX tickets_group ON tickets (group_id, id);
CREATE INDEX tickets_kind ON tickets (kind, id);
CREATE INDEX tickets_status ON tickets (status, id);
-- Search: every word of a query is a prefix of a word of the record, through full-text search
-- on the words of `search_text` (the 'simple' configuration: no stemming, no stop words).
CREATE INDEX tickets_search ON tickets USING GIN (to_tsvector('simple', search_text));

-- "Related Records", both ways: each relation is stored from each side (`c:<chat>`,
-- `t:<ticket>`), so listing a record's relations is one index range.
CREATE TABLE record_links (
    record TEXT NOT NULL,
    other  TEXT NOT NULL,
    PRIMARY KEY (record, other)
);

CREATE TABLE notes (
    id         BIGSERIAL PRIMARY KEY,
    ticket_id  BIGINT NOT NULL REFERENCES tickets(id),
    agent_id   BIGINT NOT NULL REFERENCES agents(id),
    body       TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX notes_ticket ON notes (ticket_id, id);

-- The records beside a chat, for the console and for "convert" to be done once.
ALTER TABLE chat_requests ADD COLUMN interaction_id BIGINT REFERENCES tickets(id);
ALTER TABLE chat_requests ADD COLUMN incident_id BIGINT REFERENCES tickets(id);
-- The console's history: ended and missed chats of a group, newest first.
CREATE INDEX chat_requests_history ON chat_requests (group_id, id);

-- Desk settings an admin changes at run time (JSON values, see model::DeskSettings).
CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
