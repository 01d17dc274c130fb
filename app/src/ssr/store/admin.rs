//! What admins change in the directory (agents, their roles, memberships and passwords,
//! assignment groups), each change and its audit line in one write job, and the audit log.
//! The rules are the domain's (domain/admin.rs); the store only guards what a race could break:
//! a demotion or deactivation that would leave no active admin fails with `Conflict`, and the
//! desk decides again on fresh data.

use sqlx::{AnyConnection, Row};

use super::directory::{set_listed, Listed};
use super::{Store, StoreError, StoreResult};
use crate::domain::admin::ValidAgent;
use crate::model::*;

/// Who made a change (an admin, or `None` for the shell) and when.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Actor {
    pub agent: Option<AgentId>,
    pub now_ms: i64,
}

pub(super) async fn audit(
    conn: &mut AnyConnection,
    by: Actor,
    action: AuditAction,
    subject: &str,
    detail: &str,
) -> StoreResult<()> {
    sqlx::query("INSERT INTO audit_log (at, actor_id, action, subject, detail) VALUES ($1, $2, $3, $4, $5)")
        .bind(by.now_ms)
        .bind(by.agent)
        .bind(action.as_str())
        .bind(subject)
        .bind(detail)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

async fn email_of(conn: &mut AnyConnection, id: AgentId) -> StoreResult<String> {
    sqlx::query_scalar("SELECT email FROM agents WHERE id = $1")
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or(StoreError::NotFound)
}

/// `WHERE` condition: the row `$id` is not the last active admin.
fn not_last_admin(id: &str, admin: &str) -> String {
    format!(
        "(role <> {admin} OR active = 0 OR EXISTS (SELECT 1 FROM agents o WHERE o.role = {admin} AND o.active = 1 AND o.id <> {id}))"
    )
}

impl Store {
    /// Every agent, active or not, with their groups; by name.
    pub async fn agent_entries(&self) -> StoreResult<Vec<AgentEntry>> {
        let rows = sqlx::query("SELECT id, email, name, role, active, max_chats FROM agents ORDER BY name, id")
            .fetch_all(&self.pool)
            .await?;
        let mut memberships = self.groups_by_agent(Listed::Memberships).await?;
        let mut supervised = self.groups_by_agent(Listed::Supervises).await?;
        Ok(rows
            .iter()
            .map(|r| {
                let id: i64 = r.get("id");
                AgentEntry {
                    id,
                    email: r.get("email"),
                    name: r.get("name"),
                    role: Role::parse(&r.get::<String, _>("role")).unwrap_or(Role::Agent),
                    active: r.get::<i64, _>("active") != 0,
                    groups: memberships.remove(&id).unwrap_or_default(),
                    max_chats: r.get::<Option<i64>, _>("max_chats").map(|m| m as u32),
                    supervises: supervised.remove(&id).unwrap_or_default(),
                }
            })
            .collect())
    }

    /// Creates an agent with their groups; `None` when the email is taken.
    pub async fn add_agent(
        &self,
        agent: ValidAgent,
        password_hash: String,
        detail: String,
        by: Actor,
    ) -> StoreResult<Option<AgentId>> {
        self.write(move |conn, _| {
            Box::pin(async move {
                let id: Option<i64> = sqlx::query_scalar(
                    "INSERT INTO agents (email, name, password_hash, role) VALUES ($1, $2, $3, $4) \
                     ON CONFLICT (email) DO NOTHING RETURNING id",
                )
                .bind(&agent.email)
                .bind(&agent.name)
                .bind(&password_hash)
                .bind(agent.role.as_str())
                .fetch_optional(&mut *conn)
                .await?;
                let Some(id) = id else { return Ok(None) };
                set_listed(conn, Listed::Memberships, id, &agent.groups).await?;
                set_listed(conn, Listed::Supervises, id, &agent.supervises).await?;
                audit(conn, by, AuditAction::CreateAgent, &agent.email, &detail).await?;
                Ok(Some(id))
            })
        })
        .await
    }

    /// Changes an agent's name, role and groups. `Conflict` if it would demote the last active
    /// admin.
    pub async fn change_agent(&self, id: AgentId, agent: ValidAgent, detail: String, by: Actor) -> StoreResult<()> {
        self.write(move |conn, _| {
            Box::pin(async move {
                let email = email_of(conn, id).await?;
                let updated = sqlx::query(&format!(
                    "UPDATE agents SET name = $1, role = $2, max_chats = $5 WHERE id = $3 AND ($2 = $4 OR {})",
                    not_last_admin("$3", "$4")
                ))
                .bind(&agent.name)
                .bind(agent.role.as_str())
                .bind(id)
                .bind(Role::Admin.as_str())
                .bind(agent.max_chats.map(i64::from))
                .execute(&mut *conn)
                .await?;
                if updated.rows_affected() != 1 {
                    return Err(StoreError::Conflict);
                }
                set_listed(conn, Listed::Memberships, id, &agent.groups).await?;
                set_listed(conn, Listed::Supervises, id, &agent.supervises).await?;
                audit(conn, by, AuditAction::ChangeAgent, &email, &detail).await
            })
        })
        .await
    }

    /// Deactivates (ending all their sessions) or reactivates an agent. `Conflict` if it would
    /// deactivate the last active admin.
    pub async fn set_agent_active(&self, id: AgentId, active: bool, by: Actor) -> StoreResult<()> {
        self.write(move |conn, _| {
            Box::pin(async move {
                let email = email_of(conn, id).await?;
                let updated = sqlx::query(&format!(
                    "UPDATE agents SET active = $2 WHERE id = $1 AND ($2 = 1 OR {})",
                    not_last_admin("$1", "$3")
                ))
                .bind(id)
                .bind(i64::from(active))
                .bind(Role::Admin.as_str())
                .execute(&mut *conn)
                .await?;
                if updated.rows_affected() != 1 {
                    return Err(StoreError::Conflict);
                }
                let action = if active {
                    AuditAction::ReactivateAgent
                } else {
                    let ended = end_sessions(conn, id).await?;
                    return audit(conn, by, AuditAction::DeactivateAgent, &email, &format!("sessions ended: {ended}")).await;
                };
                audit(conn, by, action, &email, "").await
            })
        })
        .await
    }

    /// Sets a new password hash and ends all of the agent's sessions.
    pub async fn reset_password(&self, id: AgentId, password_hash: String, by: Actor) -> StoreResult<()> {
        self.write(move |conn, _| {
            Box::pin(async move {
                let email = email_of(conn, id).await?;
                sqlx::query("UPDATE agents SET password_hash = $1 WHERE id = $2")
                    .bind(&password_hash)
                    .bind(id)
                    .execute(&mut *conn)
                    .await?;
                let ended = end_sessions(conn, id).await?;
                audit(conn, by, AuditAction::ResetPassword, &email, &format!("sessions ended: {ended}")).await
            })
        })
        .await
    }

    /// Adds an agent to a group (the shell's `add-member`); false if they were in it already.
    pub async fn add_member(&self, agent: AgentId, group: GroupId, group_name: String, by: Actor) -> StoreResult<bool> {
        self.write(move |conn, _| {
            Box::pin(async move {
                let email = email_of(conn, agent).await?;
                let added = sqlx::query("INSERT INTO agent_groups (agent_id, group_id) VALUES ($1, $2) ON CONFLICT DO NOTHING")
                    .bind(agent)
                    .bind(group)
                    .execute(&mut *conn)
                    .await?
                    .rows_affected()
                    == 1;
                if added {
                    audit(conn, by, AuditAction::AddMember, &email, &format!("group: {group_name}")).await?;
                }
                Ok(added)
            })
        })
        .await
    }

    /// Creates an assignment group; `None` when the name is taken.
    pub async fn add_group(&self, name: String, by: Actor) -> StoreResult<Option<GroupId>> {
        self.write(move |conn, _| {
            Box::pin(async move {
                let id: Option<i64> = sqlx::query_scalar(
                    "INSERT INTO assignment_groups (name) VALUES ($1) ON CONFLICT (name) DO NOTHING RETURNING id",
                )
                .bind(&name)
                .fetch_optional(&mut *conn)
                .await?;
                if id.is_some() {
                    audit(conn, by, AuditAction::CreateGroup, &name, "").await?;
                }
                Ok(id)
            })
        })
        .await
    }

    /// Renames an assignment group; `Conflict` when another group has the name.
    pub async fn rename_group(&self, id: GroupId, name: String, by: Actor) -> StoreResult<()> {
        self.write(move |conn, _| {
            Box::pin(async move {
                let old: String = sqlx::query_scalar("SELECT name FROM assignment_groups WHERE id = $1")
                    .bind(id)
                    .fetch_optional(&mut *conn)
                    .await?
                    .ok_or(StoreError::NotFound)?;
                let taken: Option<i64> = sqlx::query_scalar("SELECT id FROM assignment_groups WHERE name = $1 AND id <> $2")
                    .bind(&name)
                    .bind(id)
                    .fetch_optional(&mut *conn)
                    .await?;
                if taken.is_some() {
                    return Err(StoreError::Conflict);
                }
                sqlx::query("UPDATE assignment_groups SET name = $1 WHERE id = $2")
                    .bind(&name)
                    .bind(id)
                    .execute(&mut *conn)
                    .await?;
                audit(conn, by, AuditAction::RenameGroup, &name, &format!("was: {old}")).await
            })
        })
        .await
    }

    /// Saves a group's settings (checked by the caller) with an audit line.
    pub async fn save_group_settings(&self, id: GroupId, settings: GroupSettings, by: Actor) -> StoreResult<()> {
        let value = serde_json::to_string(&settings)?;
        self.write(move |conn, _| {
            Box::pin(async move {
                let name: String = sqlx::query_scalar("UPDATE assignment_groups SET settings = $1 WHERE id = $2 RETURNING name")
                    .bind(&value)
                    .bind(id)
                    .fetch_optional(&mut *conn)
                    .await?
                    .ok_or(StoreError::NotFound)?;
                audit(conn, by, AuditAction::ChangeGroupSettings, &name, &value).await
            })
        })
        .await
    }

    /// A page of the audit log, newest first, older than line `before` if given.
    pub async fn audit_log(&self, before: Option<i64>, limit: usize) -> StoreResult<AuditPage> {
        let filter = before.map_or(String::new(), |id| format!(" WHERE l.id < {id}"));
        let rows = sqlx::query(&format!(
            "SELECT l.id, l.at, a.name AS actor, l.action, l.subject, l.detail FROM audit_log l \
             LEFT JOIN agents a ON a.id = l.actor_id{filter} ORDER BY l.id DESC LIMIT {}",
            limit + 1
        ))
        .fetch_all(&self.pool)
        .await?;
        let more = rows.len() > limit;
        let lines = rows
            .iter()
            .take(limit)
            .filter_map(|r| {
                Some(AuditLine {
                    id: r.get("id"),
                    at_ms: r.get("at"),
                    actor: r.get("actor"),
                    action: AuditAction::parse(&r.get::<String, _>("action"))?,
                    subject: r.get("subject"),
                    detail: r.get("detail"),
                })
            })
            .collect();
        Ok(AuditPage { lines, more })
    }
}

/// Deletes all of an agent's sessions; how many there were.
async fn end_sessions(conn: &mut AnyConnection, id: AgentId) -> StoreResult<u64> {
    Ok(sqlx::query("DELETE FROM sessions WHERE agent_id = $1").bind(id).execute(&mut *conn).await?.rows_affected())
}

#[cfg(test)]
mod tests {
    use super::super::test_support::TempDb;
    use super::*;

    fn valid(email: &str, role: Role, groups: Vec<GroupId>) -> ValidAgent {
        ValidAgent { email: email.into(), name: email.into(), role, groups, max_chats: None, supervises: vec![] }
    }

    #[tokio::test]
    async fn each_change_writes_its_audit_line_and_the_last_admin_is_guarded() {
        let db = TempDb::new();
        let store = db.open().await;
        let shell = Actor { agent: None, now_ms: 1 };
        let group = store.add_group("Network".into(), shell).await.unwrap().unwrap();
        assert_eq!(store.add_group("Network".into(), shell).await.unwrap(), None);
        let admin =
            store.add_agent(valid("ada@x.test", Role::Admin, vec![group]), "h".into(), "d".into(), shell).await.unwrap().unwrap();
        assert_eq!(store.add_agent(valid("ada@x.test", Role::Agent, vec![]), "h".into(), "d".into(), shell).await.unwrap(), None);
        let by = Actor { agent: Some(admin), now_ms: 2 };
        let bob = store.add_agent(valid("bob@x.test", Role::Agent, vec![]), "h".into(), "d".into(), by).await.unwrap().unwrap();
        store.create_session("t1", bob, 100).await.unwrap();
        assert_eq!(store.session_agent("t1", 10).await.unwrap(), Some(bob));

        // The only admin can neither be demoted nor deactivated; nothing is written then.
        let demote = store.change_agent(admin, valid("ada@x.test", Role::Agent, vec![]), "d".into(), by).await;
        assert!(matches!(demote, Err(StoreError::Conflict)));
        assert!(matches!(store.set_agent_active(admin, false, by).await, Err(StoreError::Conflict)));

        store.set_agent_active(bob, false, by).await.unwrap();
        assert_eq!(store.session_agent("t1", 10).await.unwrap(), None, "deactivating ends the sessions");
        assert!(store.agent_credentials("bob@x.test").await.unwrap().is_none());
        store.set_agent_active(bob, true, by).await.unwrap();
        store.create_session("t2", bob, 100).await.unwrap();
        store.reset_password(bob, "h2".into(), by).await.unwrap();
        assert_eq!(store.session_agent("t2", 10).await.unwrap(), None, "a reset ends the sessions");
        assert!(store.add_member(bob, group, "Network".into(), by).await.unwrap());
        assert!(!store.add_member(bob, group, "Network".into(), by).await.unwrap());
        store.rename_group(group, "Networks".into(), by).await.unwrap();

        let page = store.audit_log(None, 4).await.unwrap();
        let actions: Vec<AuditAction> = page.lines.iter().map(|l| l.action).collect();
        assert_eq!(
            actions,
            [AuditAction::RenameGroup, AuditAction::AddMember, AuditAction::ResetPassword, AuditAction::ReactivateAgent]
        );
        assert!(page.more);
        assert_eq!(page.lines[0].detail, "was: Network");
        assert_eq!(page.lines[0].actor.as_deref(), Some("ada@x.test"));
        let rest = store.audit_log(Some(page.lines[3].id), 10).await.unwrap();
        let actions: Vec<AuditAction> = rest.lines.iter().map(|l| l.action).collect();
        assert_eq!(
            actions,
            [AuditAction::DeactivateAgent, AuditAction::CreateAgent, AuditAction::CreateAgent, AuditAction::CreateGroup]
        );
        assert!(!rest.more);
        assert_eq!(rest.lines[0].detail, "sessions ended: 1");
        assert_eq!(rest.lines[3].actor, None, "the shell");
        let entries = store.agent_entries().await.unwrap();
        assert_eq!(
            entries.iter().map(|a| (a.email.as_str(), a.active, a.groups.len())).collect::<Vec<_>>(),
            [("ada@x.test", true, 1), ("bob@x.test", true, 1)]
        );
    }
}
