-- Supervisors (issue 18): the assignment groups an agent supervises, besides (not instead of)
-- the groups they are a member of. A supervisor reads the records of the groups they supervise;
-- admins supervise every group without rows here.
CREATE TABLE agent_supervises (
    agent_id BIGINT NOT NULL REFERENCES agents(id),
    group_id BIGINT NOT NULL REFERENCES assignment_groups(id),
    PRIMARY KEY (agent_id, group_id)
);
CREATE INDEX agent_supervises_group ON agent_supervises (group_id);
