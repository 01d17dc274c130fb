//! The directory: assignment groups, agents and their memberships, log-on sessions. What
//! admins change (and its audit lines) is in `admin.rs`.

use sqlx::Row;

use super::{AgentCredentials, Store, StoreError, StoreResult};
use crate::domain::lifecycle::ChatState;
use crate::model::*;

impl Store {
    pub async fn groups(&self) -> StoreResult<Vec<AssignmentGroup>> {
        let rows = sqlx::query("SELECT id, name FROM assignment_groups ORDER BY name").fetch_all(&self.pool).await?;
        Ok(rows.iter().map(|r| AssignmentGroup { id: r.get("id"), name: r.get("name") }).collect())
    }

    /// Every group's settings (`group_settings_from`).
    pub async fn group_settings(&self) -> StoreResult<Vec<(GroupId, GroupSettings)>> {
        group_settings_in(&mut *self.pool.acquire().await?).await
    }

    /// One group's settings (its defaults if there is no such group).
    pub async fn settings_of_group(&self, group: GroupId) -> StoreResult<GroupSettings> {
        let mut conn = self.pool.acquire().await?;
        settings_in(&mut conn, group).await
    }

    /// When the group's requests were accepted since `since_ms`: the wait estimate's data.
    pub async fn pickups(&self, group: GroupId, since_ms: i64) -> StoreResult<Vec<i64>> {
        Ok(sqlx::query_scalar("SELECT accepted_at FROM chat_requests WHERE group_id = $1 AND accepted_at > $2")
            .bind(group)
            .bind(since_ms)
            .fetch_all(&self.pool)
            .await?)
    }

    /// Returns the group's id, creating the group if it does not exist.
    pub async fn ensure_group(&self, name: &str) -> StoreResult<GroupId> {
        let name = name.to_string();
        self.write(move |conn, _| {
            Box::pin(async move {
                sqlx::query("INSERT INTO assignment_groups (name) VALUES ($1) ON CONFLICT (name) DO NOTHING")
                    .bind(&name)
                    .execute(&mut *conn)
                    .await?;
                Ok(sqlx::query_scalar("SELECT id FROM assignment_groups WHERE name = $1")
                    .bind(&name)
                    .fetch_one(&mut *conn)
                    .await?)
            })
        })
        .await
    }

    pub async fn agent_count(&self) -> StoreResult<i64> {
        Ok(sqlx::query_scalar("SELECT COUNT(*) FROM agents").fetch_one(&self.pool).await?)
    }

    pub async fn create_agent(
        &self,
        email: &str,
        name: &str,
        photo_url: Option<&str>,
        password_hash: &str,
        role: Role,
        groups: &[GroupId],
    ) -> StoreResult<AgentId> {
        let (email, name, photo_url, password_hash) =
            (email.to_ascii_lowercase(), name.to_string(), photo_url.map(str::to_string), password_hash.to_string());
        let groups = groups.to_vec();
        self.write(move |conn, _| {
            Box::pin(async move {
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO agents (email, name, photo_url, password_hash, role) VALUES ($1, $2, $3, $4, $5) RETURNING id",
                )
                .bind(email)
                .bind(name)
                .bind(photo_url)
                .bind(password_hash)
                .bind(role.as_str())
                .fetch_one(&mut *conn)
                .await?;
                set_listed(conn, Listed::Memberships, id, &groups).await?;
                Ok(id)
            })
        })
        .await
    }

    pub async fn agent_credentials(&self, email: &str) -> StoreResult<Option<AgentCredentials>> {
        // A deactivated agent has no credentials: log-on refuses them like a wrong password.
        let row = sqlx::query("SELECT id, password_hash FROM agents WHERE email = $1 AND active = 1")
            .bind(email.trim().to_ascii_lowercase())
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(|r| AgentCredentials { id: r.get("id"), password_hash: r.get("password_hash") }))
    }

    pub async fn agent_profile(&self, id: AgentId) -> StoreResult<AgentProfile> {
        let row = sqlx::query("SELECT id, email, name, photo_url, role FROM agents WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::NotFound)?;
        let groups = self.listed_groups(Listed::Memberships, id).await?;
        let supervises = self.listed_groups(Listed::Supervises, id).await?;
        Ok(AgentProfile {
            card: AgentCard { id, name: row.get("name"), photo_url: row.get("photo_url") },
            email: row.get("email"),
            role: Role::parse(&row.get::<String, _>("role")).unwrap_or(Role::Agent),
            groups,
            supervises,
        })
    }

    /// One agent's groups of `list`, by name.
    async fn listed_groups(&self, list: Listed, agent: AgentId) -> StoreResult<Vec<AssignmentGroup>> {
        let rows = sqlx::query(&format!(
            "SELECT g.id, g.name FROM assignment_groups g JOIN {} l ON l.group_id = g.id WHERE l.agent_id = $1 ORDER BY g.name",
            list.table()
        ))
        .bind(agent)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.iter().map(|g| AssignmentGroup { id: g.get("id"), name: g.get("name") }).collect())
    }

    pub async fn create_session(&self, token_hash: &str, agent_id: AgentId, expires_at_ms: i64) -> StoreResult<()> {
        let token_hash = token_hash.to_string();
        self.write(move |conn, _| {
            Box::pin(async move {
                sqlx::query("INSERT INTO sessions (token_hash, agent_id, expires_at) VALUES ($1, $2, $3)")
                    .bind(token_hash)
                    .bind(agent_id)
                    .bind(expires_at_ms)
                    .execute(&mut *conn)
                    .await?;
                Ok(())
            })
        })
        .await
    }

    pub async fn session_agent(&self, token_hash: &str, now_ms: i64) -> StoreResult<Option<AgentId>> {
        // Deactivating deletes the agent's sessions; the join keeps a deactivated agent out anyway.
        Ok(sqlx::query_scalar(
            "SELECT s.agent_id FROM sessions s JOIN agents a ON a.id = s.agent_id \
             WHERE s.token_hash = $1 AND s.expires_at > $2 AND a.active = 1",
        )
        .bind(token_hash)
        .bind(now_ms)
        .fetch_optional(&self.pool)
        .await?)
    }

    pub async fn delete_session(&self, token_hash: &str) -> StoreResult<()> {
        let token_hash = token_hash.to_string();
        self.write(move |conn, _| {
            Box::pin(async move {
                sqlx::query("DELETE FROM sessions WHERE token_hash = $1").bind(token_hash).execute(&mut *conn).await?;
                Ok(())
            })
        })
        .await
    }

    /// Deletes sessions past their expiry; returns how many.
    pub async fn purge_sessions(&self, now_ms: i64) -> StoreResult<u64> {
        self.write(move |conn, _| {
            Box::pin(async move {
                Ok(sqlx::query("DELETE FROM sessions WHERE expires_at <= $1")
                    .bind(now_ms)
                    .execute(&mut *conn)
                    .await?
                    .rows_affected())
            })
        })
        .await
    }

    /// Chat requests waiting, per assignment group (every group, zero included).
    pub async fn queue_lengths(&self) -> StoreResult<Vec<(String, i64)>> {
        let rows = sqlx::query(
            "SELECT g.name, COUNT(c.id) AS waiting FROM assignment_groups g \
             LEFT JOIN chat_requests c ON c.group_id = g.id AND c.state = $1 GROUP BY g.id, g.name",
        )
        .bind(ChatState::Queued.as_str())
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.iter().map(|r| (r.get("name"), r.get("waiting"))).collect())
    }

    /// Each agent's groups of `list` (memberships, or the groups they supervise), by name.
    pub(super) async fn groups_by_agent(
        &self,
        list: Listed,
    ) -> StoreResult<std::collections::HashMap<AgentId, Vec<AssignmentGroup>>> {
        groups_by_agent_in(&mut *self.pool.acquire().await?, list).await
    }
}

/// Every group's settings (`Store::group_settings`), on `conn`.
pub(super) async fn group_settings_in(conn: &mut sqlx::AnyConnection) -> StoreResult<Vec<(GroupId, GroupSettings)>> {
    let rows = sqlx::query("SELECT id, settings FROM assignment_groups").fetch_all(&mut *conn).await?;
    Ok(rows.iter().map(|r| (r.get("id"), group_settings_from(r.get("settings")))).collect())
}

/// A group's stored settings: `'{}'`, or anything unreadable, is the defaults (saving checks
/// them first, so nothing an admin saved is lost that way).
pub(super) fn group_settings_from(stored: &str) -> GroupSettings {
    serde_json::from_str(stored).unwrap_or_default()
}

/// Each agent's groups of `list` (`Store::groups_by_agent`), on `conn`.
pub(super) async fn groups_by_agent_in(
    conn: &mut sqlx::AnyConnection,
    list: Listed,
) -> StoreResult<std::collections::HashMap<AgentId, Vec<AssignmentGroup>>> {
    let rows = sqlx::query(&format!(
        "SELECT ag.agent_id, g.id, g.name FROM {} ag JOIN assignment_groups g ON g.id = ag.group_id ORDER BY g.name",
        list.table()
    ))
    .fetch_all(&mut *conn)
    .await?;
    let mut groups: std::collections::HashMap<AgentId, Vec<AssignmentGroup>> = Default::default();
    for r in &rows {
        groups.entry(r.get("agent_id")).or_default().push(AssignmentGroup { id: r.get("id"), name: r.get("name") });
    }
    Ok(groups)
}

/// An agent's lists of groups: the groups they are a member of, the groups they supervise.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Listed {
    Memberships,
    Supervises,
}

impl Listed {
    fn table(self) -> &'static str {
        match self {
            Listed::Memberships => "agent_groups",
            Listed::Supervises => "agent_supervises",
        }
    }
}

/// Replaces an agent's groups of `list`.
pub(super) async fn set_listed(conn: &mut sqlx::AnyConnection, list: Listed, id: AgentId, groups: &[GroupId]) -> StoreResult<()> {
    let table = list.table();
    sqlx::query(&format!("DELETE FROM {table} WHERE agent_id = $1")).bind(id).execute(&mut *conn).await?;
    for group in groups {
        sqlx::query(&format!("INSERT INTO {table} (agent_id, group_id) VALUES ($1, $2)"))
            .bind(id)
            .bind(group)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// One group's settings as `conn` sees them (inside a job: what its transaction decides on).
pub(super) async fn settings_in(conn: &mut sqlx::AnyConnection, group: GroupId) -> StoreResult<GroupSettings> {
    let settings: Option<String> =
        sqlx::query_scalar("SELECT settings FROM assignment_groups WHERE id = $1").bind(group).fetch_optional(&mut *conn).await?;
    Ok(settings.map_or_else(GroupSettings::default, |s| group_settings_from(&s)))
}
