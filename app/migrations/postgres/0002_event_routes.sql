-- Routed fan-out (docs/realtime.md): each event lists where it goes (`routes`, e.g. "u:7 a:1 g:2",
-- see domain/audience.rs), and `event_routes` indexes them so a replay reads only a viewer's
-- events. Replaces the single agent_id / whole_group pair, which could not name several agents.
ALTER TABLE events ADD COLUMN routes TEXT NOT NULL DEFAULT '';
UPDATE events SET routes = 'u:' || chat_id
    || CASE WHEN agent_id IS NOT NULL THEN ' a:' || agent_id ELSE '' END
    || CASE WHEN whole_group = 1 THEN ' g:' || group_id ELSE '' END;

CREATE TABLE event_routes (
    route TEXT NOT NULL,
    seq   BIGINT NOT NULL REFERENCES events(seq),
    PRIMARY KEY (route, seq)
);
INSERT INTO event_routes (route, seq) SELECT 'u:' || chat_id, seq FROM events;
INSERT INTO event_routes (route, seq) SELECT 'a:' || agent_id, seq FROM events WHERE agent_id IS NOT NULL;
INSERT INTO event_routes (route, seq) SELECT 'g:' || group_id, seq FROM events WHERE whole_group = 1;

ALTER TABLE events DROP COLUMN agent_id;
ALTER TABLE events DROP COLUMN whole_group;

-- load_console: an agent's open chats, and the queue of their groups.
CREATE INDEX chat_requests_state_agent ON chat_requests (state, agent_id, id);
