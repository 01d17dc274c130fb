//! Team work in the store: invitations, guests joining and leaving, transfers (each a guarded
//! change of the chat, its desk line and events in one job), and presence: which agents have a
//! console connected on some node, and what they chose (online or away).

use sqlx::{AnyConnection, Row};

use super::chats::{change_chat, desk_line, ensure_capacity};
use super::deadlines::schedule;
use super::directory::Listed;
use super::events::append;
use super::tickets::move_with_chat;
use super::{id_list, Store, StoreError, StoreResult};
use crate::domain::audience::{Audience, Reach};
use crate::domain::deadline::DeadlineKind;
use crate::domain::lifecycle::{decide, ChatState, Command};
use crate::domain::team;
use crate::model::*;

impl Store {
    /// Records an invitation (again, if it exists: the invitee is told once more).
    pub async fn invite(&self, chat: &ChatRequest, invitee: &AgentCard, by: &AgentCard, now_ms: i64) -> StoreResult<()> {
        let (chat, invitee, by) = (chat.clone(), invitee.clone(), by.clone());
        self.write(move |conn, out| {
            Box::pin(async move {
                let by_id = by.id;
                let event = decide(&chat, Command::Invite { agent: invitee.clone(), by })?;
                change_chat(conn, &chat, &event, now_ms).await?;
                sqlx::query(
                    "INSERT INTO chat_invitations (chat_id, agent_id, invited_by, created_at) VALUES ($1, $2, $3, $4) \
                     ON CONFLICT (chat_id, agent_id) DO UPDATE SET invited_by = excluded.invited_by, created_at = excluded.created_at",
                )
                .bind(chat.id)
                .bind(invitee.id)
                .bind(by_id)
                .bind(now_ms)
                .execute(&mut *conn)
                .await?;
                append(out, Audience::of(&event, &chat, Reach::AgentsOnly), event, now_ms);
                Ok(())
            })
        })
        .await
    }

    pub async fn is_invited(&self, chat_id: ChatId, agent_id: AgentId) -> StoreResult<bool> {
        let found: Option<i64> = sqlx::query_scalar("SELECT chat_id FROM chat_invitations WHERE chat_id = $1 AND agent_id = $2")
            .bind(chat_id)
            .bind(agent_id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(found.is_some())
    }

    /// The agent's open invitations into chats still in progress, oldest first.
    pub async fn invitations_for(&self, agent_id: AgentId) -> StoreResult<Vec<Invitation>> {
        let rows = sqlx::query(
            "SELECT i.chat_id, a.id, a.name, a.photo_url FROM chat_invitations i JOIN agents a ON a.id = i.invited_by \
             JOIN chat_requests c ON c.id = i.chat_id WHERE i.agent_id = $1 AND c.state = $2 ORDER BY i.created_at",
        )
        .bind(agent_id)
        .bind(ChatState::Active.as_str())
        .fetch_all(&self.pool)
        .await?;
        let mut invitations = Vec::with_capacity(rows.len());
        for row in rows {
            let request = self.chat(row.get("chat_id")).await?;
            // The inviter may have left or handed the chat on since: the invitation stands.
            let by = AgentCard { id: row.get("id"), name: row.get("name"), photo_url: row.get("photo_url") };
            invitations.push(Invitation { request, by });
        }
        Ok(invitations)
    }

    /// An invited agent joins as a guest.
    pub async fn join(&self, chat: &ChatRequest, agent: &AgentCard, now_ms: i64) -> StoreResult<ChatRequest> {
        let (chat, agent) = (chat.clone(), agent.clone());
        self.write(move |conn, out| {
            Box::pin(async move {
                let event = decide(&chat, Command::Join { agent: agent.clone() })?;
                let after = change_chat(conn, &chat, &event, now_ms).await?;
                sqlx::query("INSERT INTO chat_guests (chat_id, agent_id, joined_at) VALUES ($1, $2, $3)")
                    .bind(chat.id)
                    .bind(agent.id)
                    .bind(now_ms)
                    .execute(&mut *conn)
                    .await?;
                sqlx::query("DELETE FROM chat_invitations WHERE chat_id = $1 AND agent_id = $2")
                    .bind(chat.id)
                    .bind(agent.id)
                    .execute(&mut *conn)
                    .await?;
                append(out, Audience::of(&event, &chat, Reach::Everyone), event, now_ms);
                desk_line(conn, out, &after, team::joined_line(&agent), now_ms).await?;
                Ok(after)
            })
        })
        .await
    }

    /// A guest leaves; the chat goes on.
    pub async fn leave(&self, chat: &ChatRequest, agent: &AgentCard, now_ms: i64) -> StoreResult<()> {
        let (chat, agent) = (chat.clone(), agent.clone());
        self.write(move |conn, out| {
            Box::pin(async move {
                let event = decide(&chat, Command::Leave { agent: agent.clone() })?;
                let after = change_chat(conn, &chat, &event, now_ms).await?;
                sqlx::query("DELETE FROM chat_guests WHERE chat_id = $1 AND agent_id = $2")
                    .bind(chat.id)
                    .bind(agent.id)
                    .execute(&mut *conn)
                    .await?;
                append(out, Audience::of(&event, &chat, Reach::Everyone), event, now_ms);
                desk_line(conn, out, &after, team::left_line(&agent), now_ms).await?;
                Ok(())
            })
        })
        .await
    }

    /// Hands the chat from its holder to `to` in `group`, or (`to` None) back to `group`'s
    /// queue, where it waits like a new request (missed at `missed_at_ms`, when missed chats
    /// are on). Messages stay with the chat; its open records move with it (`move_with_chat`).
    pub async fn transfer(
        &self,
        chat: &ChatRequest,
        to: Option<&AgentCard>,
        group: &AssignmentGroup,
        now_ms: i64,
        missed_at_ms: Option<i64>,
    ) -> StoreResult<ChatRequest> {
        let (chat, to, group) = (chat.clone(), to.cloned(), group.clone());
        let from = chat.agent.clone().ok_or(StoreError::Conflict)?;
        self.write(move |conn, out| {
            Box::pin(async move {
                let event = decide(&chat, Command::Transfer { to: to.clone(), group: group.clone() })?;
                if let Some(to) = &to {
                    ensure_capacity(conn, to.id, group.id, chat.id).await?;
                }
                let after = change_chat(conn, &chat, &event, now_ms).await?;
                // The guest and invitation rows follow the cards the chat now holds
                // (`ChatRequest::apply`).
                keep_only(conn, "chat_guests", chat.id, &after.guests).await?;
                keep_only(conn, "chat_invitations", chat.id, &after.invited).await?;
                if to.is_none() {
                    if let Some(due) = missed_at_ms {
                        schedule(conn, DeadlineKind::MissedChat, chat.id, due).await?;
                    }
                }
                append(out, Audience::of(&event, &chat, Reach::Everyone), event, now_ms);
                desk_line(conn, out, &after, team::transfer_line(&from, to.as_ref(), &group), now_ms).await?;
                move_with_chat(conn, out, &chat, &after, &from, now_ms).await?;
                if to.is_none() {
                    let queued = ChatEvent::Queued { request: after.clone() };
                    append(out, Audience::of(&queued, &after, Reach::Everyone), queued, now_ms);
                }
                Ok(after)
            })
        })
        .await
    }

    // ---- presence ------------------------------------------------------------------------

    /// A console of `agent` opened on `node`. Returns whether the agent counted as connected
    /// before (on any node, seen after `cutoff_ms`).
    pub async fn console_connected(&self, node: &str, agent: AgentId, now_ms: i64, cutoff_ms: i64) -> StoreResult<bool> {
        let node = node.to_string();
        self.write(move |conn, _| {
            Box::pin(async move {
                let before: i64 =
                    sqlx::query_scalar("SELECT COUNT(*) FROM agent_connections WHERE agent_id = $1 AND seen_at > $2")
                        .bind(agent)
                        .bind(cutoff_ms)
                        .fetch_one(&mut *conn)
                        .await?;
                refresh(conn, &node, &[agent], now_ms).await?;
                Ok(before > 0)
            })
        })
        .await
    }

    /// The node's heartbeat: refreshes its connected agents, forgets rows not seen since
    /// `cutoff_ms` (closed consoles, crashed nodes), and returns the agents that thereby went
    /// offline everywhere. Each expired row is deleted by one node only, so one node tells.
    pub async fn refresh_connections(
        &self,
        node: &str,
        agents: Vec<AgentId>,
        now_ms: i64,
        cutoff_ms: i64,
    ) -> StoreResult<Vec<AgentId>> {
        let node = node.to_string();
        self.write(move |conn, _| {
            Box::pin(async move {
                refresh(conn, &node, &agents, now_ms).await?;
                let expired: Vec<i64> =
                    sqlx::query_scalar("DELETE FROM agent_connections WHERE seen_at <= $1 RETURNING agent_id")
                        .bind(cutoff_ms)
                        .fetch_all(&mut *conn)
                        .await?;
                if expired.is_empty() {
                    return Ok(expired);
                }
                let still: Vec<i64> = sqlx::query_scalar(&format!(
                    "SELECT DISTINCT agent_id FROM agent_connections WHERE agent_id IN ({})",
                    id_list(&expired)
                ))
                .fetch_all(&mut *conn)
                .await?;
                let mut gone: Vec<AgentId> = expired.into_iter().filter(|id| !still.contains(id)).collect();
                gone.sort_unstable();
                gone.dedup();
                Ok(gone)
            })
        })
        .await
    }

    pub async fn set_availability(&self, agent: AgentId, availability: Availability) -> StoreResult<()> {
        self.write(move |conn, _| {
            Box::pin(async move {
                sqlx::query("UPDATE agents SET availability = $1 WHERE id = $2")
                    .bind(availability.as_str())
                    .bind(agent)
                    .execute(&mut *conn)
                    .await?;
                Ok(())
            })
        })
        .await
    }

    /// Every agent (or only `only`) with their groups and presence, by name.
    pub async fn team(&self, cutoff_ms: i64, only: Option<AgentId>) -> StoreResult<Vec<TeamMember>> {
        // Side by side, on two connections: the console reads the team often.
        let (rows, memberships) = tokio::try_join!(
            async { Ok::<_, StoreError>(sqlx::query(&team_sql(only)).bind(cutoff_ms).fetch_all(&self.pool).await?) },
            self.groups_by_agent(Listed::Memberships)
        )?;
        Ok(team_of(&rows, memberships))
    }
}

/// The team (`Store::team`) on `conn`, one statement after the other: a routing pass reads it
/// inside its job.
pub(super) async fn team_in(conn: &mut AnyConnection, cutoff_ms: i64) -> StoreResult<Vec<TeamMember>> {
    let rows = sqlx::query(&team_sql(None)).bind(cutoff_ms).fetch_all(&mut *conn).await?;
    let memberships = super::directory::groups_by_agent_in(conn, Listed::Memberships).await?;
    Ok(team_of(&rows, memberships))
}

fn team_sql(only: Option<AgentId>) -> String {
    // Deactivated agents are gone from the team (and cannot be invited or handed chats).
    let filter = only.map_or(String::new(), |id| format!(" AND a.id = {id}"));
    format!(
        "SELECT a.id, a.name, a.photo_url, a.availability, \
         EXISTS (SELECT 1 FROM agent_connections c WHERE c.agent_id = a.id AND c.seen_at > $1) AS connected \
         FROM agents a WHERE a.active = 1{filter} ORDER BY a.name, a.id"
    )
}

fn team_of(rows: &[sqlx::any::AnyRow], mut memberships: std::collections::HashMap<AgentId, Vec<AssignmentGroup>>) -> Vec<TeamMember> {
    rows.iter()
        .map(|r| {
            let id: i64 = r.get("id");
            let chosen = Availability::parse(&r.get::<String, _>("availability")).unwrap_or_default();
            let connected = r.try_get::<bool, _>("connected").unwrap_or_else(|_| r.get::<i64, _>("connected") != 0);
            TeamMember {
                card: AgentCard { id, name: r.get("name"), photo_url: r.get("photo_url") },
                groups: memberships.remove(&id).unwrap_or_default(),
                presence: team::presence(chosen, connected),
            }
        })
        .collect()
}

/// Refreshes (or adds) the node's rows for these agents.
async fn refresh(conn: &mut AnyConnection, node: &str, agents: &[AgentId], now_ms: i64) -> StoreResult<()> {
    if agents.is_empty() {
        return Ok(());
    }
    // Ids are integers and the node a hex uuid of our own: safe to inline, one statement.
    let values = agents.iter().map(|id| format!("('{node}', {id}, {now_ms})")).collect::<Vec<_>>().join(", ");
    sqlx::query(&format!(
        "INSERT INTO agent_connections (node, agent_id, seen_at) VALUES {values} \
         ON CONFLICT (node, agent_id) DO UPDATE SET seen_at = excluded.seen_at"
    ))
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Deletes the rows of `table` (`chat_guests`, `chat_invitations`) for `chat_id` whose agent is
/// not among `kept`.
async fn keep_only(conn: &mut AnyConnection, table: &str, chat_id: ChatId, kept: &[AgentCard]) -> StoreResult<()> {
    let ids: Vec<AgentId> = kept.iter().map(|a| a.id).collect();
    let keep = if ids.is_empty() { String::new() } else { format!(" AND agent_id NOT IN ({})", id_list(&ids)) };
    sqlx::query(&format!("DELETE FROM {table} WHERE chat_id = $1{keep}")).bind(chat_id).execute(&mut *conn).await?;
    Ok(())
}
