//! The store seam: every read and write of Deskchat's records, on SQLite (the embedded default)
//! or PostgreSQL (several server nodes), through one code path over sqlx's `Any` driver.
//!
//! Rules that keep the event stream exact (docs/realtime.md):
//! - a change and its event commit in one transaction: nothing is acknowledged unpersisted;
//! - events commit in position order: writers are serialised (an in-process lock for SQLite's
//!   single writer, plus a transaction-scoped advisory lock on PostgreSQL, across nodes);
//! - every chat change starts with a guarded update (`WHERE state = expected`), so two racing
//!   writers cannot both win: the loser sees `Conflict` and re-reads.

use std::str::FromStr;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{Any, AnyPool, Executor, FromRow, Row, Transaction};
use tokio::sync::Mutex;

use crate::domain::audience::{Audience, Viewer};
use crate::domain::lifecycle::{ChatState, Party};
use crate::domain::validate::ValidStartChat;
use crate::model::*;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("the record changed meanwhile")]
    Conflict,
    #[error("no such record")]
    NotFound,
    #[error("database: {0}")]
    Db(#[from] sqlx::Error),
    #[error("database migration: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("stored event is unreadable: {0}")]
    Corrupt(#[from] serde_json::Error),
}

pub type StoreResult<T> = Result<T, StoreError>;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A persisted event with the facts needed to decide who may see it.
#[derive(Clone, Debug, PartialEq)]
pub struct StoredEvent {
    pub position: Position,
    pub audience: Audience,
    pub event: ChatEvent,
}

/// An agent row including the password hash; never leaves the server.
#[derive(Clone, Debug)]
pub struct AgentCredentials {
    pub id: AgentId,
    pub password_hash: String,
}

pub struct Store {
    pool: AnyPool,
    backend: Backend,
    writer: Mutex<()>,
}

/// Rolls back on drop unless committed; holds the in-process writer lock while open.
pub struct WriteTx<'s> {
    tx: Transaction<'static, Any>,
    _writer: tokio::sync::MutexGuard<'s, ()>,
}

const CHAT_SELECT: &str = "SELECT c.id, c.group_id, g.name AS group_name, c.state, c.agent_id, \
    a.name AS agent_name, a.photo_url AS agent_photo, c.user_name, c.user_email, c.user_phone, \
    c.user_location, c.user_photo_url, c.question, c.previous_ticket, c.created_at, c.ended_by \
    FROM chat_requests c JOIN assignment_groups g ON g.id = c.group_id \
    LEFT JOIN agents a ON a.id = c.agent_id";

const MESSAGE_SELECT: &str = "SELECT m.id, m.chat_id, m.client_id, m.agent_id, a.name AS agent_name, \
    a.photo_url AS agent_photo, m.body, m.created_at FROM messages m LEFT JOIN agents a ON a.id = m.agent_id";

#[derive(FromRow)]
struct ChatRow {
    id: i64,
    group_id: i64,
    group_name: String,
    state: String,
    agent_id: Option<i64>,
    agent_name: Option<String>,
    agent_photo: Option<String>,
    user_name: String,
    user_email: String,
    user_phone: Option<String>,
    user_location: String,
    user_photo_url: Option<String>,
    question: String,
    previous_ticket: Option<String>,
    created_at: i64,
    ended_by: Option<String>,
}

impl ChatRow {
    fn into_request(self) -> ChatRequest {
        ChatRequest {
            id: self.id,
            number: chat_number(self.id),
            group: AssignmentGroup { id: self.group_id, name: self.group_name },
            state: ChatState::parse(&self.state).unwrap_or(ChatState::Ended),
            end_user: EndUser {
                name: self.user_name,
                email: self.user_email,
                phone: self.user_phone,
                location: self.user_location,
                photo_url: self.user_photo_url,
            },
            question: self.question,
            previous_ticket: self.previous_ticket,
            created_at_ms: self.created_at,
            agent: self.agent_id.map(|id| AgentCard {
                id,
                name: self.agent_name.unwrap_or_default(),
                photo_url: self.agent_photo,
            }),
            ended_by: self.ended_by.as_deref().and_then(Party::parse),
        }
    }
}

#[derive(FromRow)]
struct MessageRow {
    id: i64,
    chat_id: i64,
    client_id: String,
    agent_id: Option<i64>,
    agent_name: Option<String>,
    agent_photo: Option<String>,
    body: String,
    created_at: i64,
}

impl MessageRow {
    fn into_message(self) -> ChatMessage {
        let author = match self.agent_id {
            Some(id) => Author::Agent(AgentCard {
                id,
                name: self.agent_name.unwrap_or_default(),
                photo_url: self.agent_photo,
            }),
            None => Author::EndUser,
        };
        ChatMessage {
            id: self.id,
            chat_id: self.chat_id,
            client_id: self.client_id,
            author,
            body: self.body,
            at_ms: self.created_at,
        }
    }
}

#[derive(FromRow)]
struct EventRow {
    seq: i64,
    chat_id: i64,
    group_id: i64,
    agent_id: Option<i64>,
    whole_group: i64,
    payload: String,
}

impl EventRow {
    fn into_event(self) -> StoreResult<StoredEvent> {
        Ok(StoredEvent {
            position: self.seq,
            audience: Audience {
                chat_id: self.chat_id,
                group_id: self.group_id,
                agent_id: self.agent_id,
                whole_group: self.whole_group != 0,
            },
            event: serde_json::from_str(&self.payload)?,
        })
    }
}

impl Store {
    /// Opens (creating a SQLite file if needed) and migrates the database at `url`.
    pub async fn connect(url: &str) -> StoreResult<Store> {
        sqlx::any::install_default_drivers();
        let backend = if url.starts_with("postgres") { Backend::Postgres } else { Backend::Sqlite };
        let options = AnyConnectOptions::from_str(url)?;
        let pool = AnyPoolOptions::new()
            .max_connections(if backend == Backend::Sqlite { 8 } else { 16 })
            .after_connect(move |conn, _meta| {
                Box::pin(async move {
                    if backend == Backend::Sqlite {
                        // WAL lets readers run beside the writer; FULL sync makes an
                        // acknowledged write survive a crash of the machine, not just the process.
                        conn.execute("PRAGMA journal_mode = WAL").await?;
                        conn.execute("PRAGMA synchronous = FULL").await?;
                        conn.execute("PRAGMA busy_timeout = 5000").await?;
                        conn.execute("PRAGMA foreign_keys = ON").await?;
                    }
                    Ok(())
                })
            })
            .connect_with(options)
            .await?;
        match backend {
            Backend::Sqlite => sqlx::migrate!("./migrations/sqlite").run(&pool).await?,
            Backend::Postgres => sqlx::migrate!("./migrations/postgres").run(&pool).await?,
        }
        Ok(Store { pool, backend, writer: Mutex::new(()) })
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    async fn begin_write(&self) -> StoreResult<WriteTx<'_>> {
        let writer = self.writer.lock().await;
        let mut tx = self.pool.begin().await?;
        if self.backend == Backend::Postgres {
            // Serialises event writers across nodes so positions commit in order.
            tx.execute("SELECT pg_advisory_xact_lock(424242)").await?;
        }
        Ok(WriteTx { tx, _writer: writer })
    }

    // ---- assignment groups and agents -------------------------------------------------------

    pub async fn groups(&self) -> StoreResult<Vec<AssignmentGroup>> {
        let rows = sqlx::query("SELECT id, name FROM assignment_groups ORDER BY name")
            .fetch_all(&self.pool)
            .await?;
        Ok(rows
            .iter()
            .map(|r| AssignmentGroup { id: r.get::<i64, _>("id"), name: r.get::<String, _>("name") })
            .collect())
    }

    /// Returns the group's id, creating the group if it does not exist.
    pub async fn ensure_group(&self, name: &str) -> StoreResult<GroupId> {
        let mut w = self.begin_write().await?;
        sqlx::query("INSERT INTO assignment_groups (name) VALUES ($1) ON CONFLICT (name) DO NOTHING")
            .bind(name)
            .execute(&mut *w.tx)
            .await?;
        let id: i64 = sqlx::query_scalar("SELECT id FROM assignment_groups WHERE name = $1")
            .bind(name)
            .fetch_one(&mut *w.tx)
            .await?;
        w.tx.commit().await?;
        Ok(id)
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
        let mut w = self.begin_write().await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO agents (email, name, photo_url, password_hash, role) VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(email.to_ascii_lowercase())
        .bind(name)
        .bind(photo_url.map(str::to_string))
        .bind(password_hash)
        .bind(role.as_str())
        .fetch_one(&mut *w.tx)
        .await?;
        for group in groups {
            sqlx::query("INSERT INTO agent_groups (agent_id, group_id) VALUES ($1, $2)")
                .bind(id)
                .bind(*group)
                .execute(&mut *w.tx)
                .await?;
        }
        w.tx.commit().await?;
        Ok(id)
    }

    pub async fn agent_credentials(&self, email: &str) -> StoreResult<Option<AgentCredentials>> {
        let row = sqlx::query("SELECT id, password_hash FROM agents WHERE email = $1")
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
        let groups = sqlx::query(
            "SELECT g.id, g.name FROM assignment_groups g JOIN agent_groups ag ON ag.group_id = g.id \
             WHERE ag.agent_id = $1 ORDER BY g.name",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await?;
        Ok(AgentProfile {
            card: AgentCard { id, name: row.get("name"), photo_url: row.get("photo_url") },
            email: row.get("email"),
            role: Role::parse(&row.get::<String, _>("role")).unwrap_or(Role::Agent),
            groups: groups.iter().map(|g| AssignmentGroup { id: g.get("id"), name: g.get("name") }).collect(),
        })
    }

    // ---- sessions --------------------------------------------------------------------------

    pub async fn create_session(&self, token_hash: &str, agent_id: AgentId, expires_at_ms: i64) -> StoreResult<()> {
        let mut w = self.begin_write().await?;
        sqlx::query("INSERT INTO sessions (token_hash, agent_id, expires_at) VALUES ($1, $2, $3)")
            .bind(token_hash)
            .bind(agent_id)
            .bind(expires_at_ms)
            .execute(&mut *w.tx)
            .await?;
        w.tx.commit().await?;
        Ok(())
    }

    pub async fn session_agent(&self, token_hash: &str, now_ms: i64) -> StoreResult<Option<AgentId>> {
        Ok(sqlx::query_scalar("SELECT agent_id FROM sessions WHERE token_hash = $1 AND expires_at > $2")
            .bind(token_hash)
            .bind(now_ms)
            .fetch_optional(&self.pool)
            .await?)
    }

    pub async fn delete_session(&self, token_hash: &str) -> StoreResult<()> {
        let mut w = self.begin_write().await?;
        sqlx::query("DELETE FROM sessions WHERE token_hash = $1").bind(token_hash).execute(&mut *w.tx).await?;
        w.tx.commit().await?;
        Ok(())
    }

    // ---- chats -----------------------------------------------------------------------------

    pub async fn chat(&self, id: ChatId) -> StoreResult<ChatRequest> {
        let row: ChatRow = sqlx::query_as(&format!("{CHAT_SELECT} WHERE c.id = $1"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::NotFound)?;
        Ok(row.into_request())
    }

    pub async fn chat_by_token(&self, token_hash: &str) -> StoreResult<Option<ChatRequest>> {
        let row: Option<ChatRow> = sqlx::query_as(&format!("{CHAT_SELECT} WHERE c.token_hash = $1"))
            .bind(token_hash)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(ChatRow::into_request))
    }

    pub async fn messages(&self, chat_id: ChatId) -> StoreResult<Vec<ChatMessage>> {
        let rows: Vec<MessageRow> = sqlx::query_as(&format!("{MESSAGE_SELECT} WHERE m.chat_id = $1 ORDER BY m.id"))
            .bind(chat_id)
            .fetch_all(&self.pool)
            .await?;
        Ok(rows.into_iter().map(MessageRow::into_message).collect())
    }

    pub async fn transcript(&self, chat_id: ChatId) -> StoreResult<ChatTranscript> {
        Ok(ChatTranscript { request: self.chat(chat_id).await?, messages: self.messages(chat_id).await? })
    }

    /// Queued requests of these groups, oldest first.
    pub async fn queued(&self, groups: &[GroupId]) -> StoreResult<Vec<ChatRequest>> {
        if groups.is_empty() {
            return Ok(Vec::new());
        }
        let rows: Vec<ChatRow> = sqlx::query_as(&format!(
            "{CHAT_SELECT} WHERE c.state = 'queued' AND c.group_id IN ({}) ORDER BY c.id",
            id_list(groups)
        ))
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(ChatRow::into_request).collect())
    }

    /// The agent's chats still open, oldest first.
    pub async fn active_for_agent(&self, agent_id: AgentId) -> StoreResult<Vec<ChatRequest>> {
        let rows: Vec<ChatRow> =
            sqlx::query_as(&format!("{CHAT_SELECT} WHERE c.agent_id = $1 AND c.state = 'active' ORDER BY c.id"))
                .bind(agent_id)
                .fetch_all(&self.pool)
                .await?;
        Ok(rows.into_iter().map(ChatRow::into_request).collect())
    }

    /// 1-based place of a queued chat in its group's queue.
    pub async fn queue_place(&self, chat: &ChatRequest) -> StoreResult<u32> {
        let ahead: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM chat_requests WHERE state = 'queued' AND group_id = $1 AND id < $2",
        )
        .bind(chat.group.id)
        .bind(chat.id)
        .fetch_one(&self.pool)
        .await?;
        Ok(ahead as u32 + 1)
    }

    /// Creates the chat request record and its `Queued` event.
    pub async fn create_chat(&self, form: &ValidStartChat, token_hash: &str, now_ms: i64) -> StoreResult<ChatRequest> {
        let mut w = self.begin_write().await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO chat_requests (token_hash, group_id, state, user_name, user_email, user_phone, \
             user_location, user_photo_url, question, previous_ticket, created_at, updated_at) \
             VALUES ($1, $2, 'queued', $3, $4, $5, $6, $7, $8, $9, $10, $10) RETURNING id",
        )
        .bind(token_hash)
        .bind(form.group_id)
        .bind(&form.name)
        .bind(&form.email)
        .bind(form.phone.clone())
        .bind(&form.location)
        .bind(form.photo_url.clone())
        .bind(&form.question)
        .bind(form.previous_ticket.clone())
        .bind(now_ms)
        .fetch_one(&mut *w.tx)
        .await?;
        let request: ChatRow = sqlx::query_as(&format!("{CHAT_SELECT} WHERE c.id = $1"))
            .bind(id)
            .fetch_one(&mut *w.tx)
            .await?;
        let request = request.into_request();
        let audience = Audience { chat_id: id, group_id: form.group_id, agent_id: None, whole_group: true };
        insert_event(&mut w.tx, &audience, &ChatEvent::Queued { request: request.clone() }, now_ms).await?;
        w.tx.commit().await?;
        Ok(request)
    }

    /// Moves a queued chat to `agent`. `Conflict` when it is no longer queued.
    pub async fn accept(&self, chat: &ChatRequest, agent: &AgentCard, now_ms: i64) -> StoreResult<()> {
        let mut w = self.begin_write().await?;
        let updated = sqlx::query(
            "UPDATE chat_requests SET state = 'active', agent_id = $1, accepted_at = $2, updated_at = $2 \
             WHERE id = $3 AND state = 'queued'",
        )
        .bind(agent.id)
        .bind(now_ms)
        .bind(chat.id)
        .execute(&mut *w.tx)
        .await?;
        if updated.rows_affected() != 1 {
            return Err(StoreError::Conflict);
        }
        let audience = Audience { chat_id: chat.id, group_id: chat.group.id, agent_id: Some(agent.id), whole_group: true };
        insert_event(&mut w.tx, &audience, &ChatEvent::Accepted { chat_id: chat.id, agent: agent.clone() }, now_ms)
            .await?;
        w.tx.commit().await?;
        Ok(())
    }

    /// Stores a message once per (chat, author, client id). Returns the message and whether it
    /// is new; a retried send gets the stored one back and publishes nothing.
    pub async fn post_message(
        &self,
        chat: &ChatRequest,
        author_agent: Option<AgentId>,
        client_id: &str,
        body: &str,
        now_ms: i64,
    ) -> StoreResult<(ChatMessage, bool)> {
        let author_key = author_key(author_agent);
        let mut w = self.begin_write().await?;
        guard_state(&mut w.tx, chat, now_ms).await?;
        let id: Option<i64> = sqlx::query_scalar(
            "INSERT INTO messages (chat_id, author_key, client_id, agent_id, body, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (chat_id, author_key, client_id) DO NOTHING RETURNING id",
        )
        .bind(chat.id)
        .bind(&author_key)
        .bind(client_id)
        .bind(author_agent)
        .bind(body)
        .bind(now_ms)
        .fetch_optional(&mut *w.tx)
        .await?;
        let Some(id) = id else {
            drop(w);
            let message = self.find_message(chat.id, author_agent, client_id).await?.ok_or(StoreError::NotFound)?;
            return Ok((message, false));
        };
        let row: MessageRow = sqlx::query_as(&format!("{MESSAGE_SELECT} WHERE m.id = $1"))
            .bind(id)
            .fetch_one(&mut *w.tx)
            .await?;
        let message = row.into_message();
        let audience = Audience {
            chat_id: chat.id,
            group_id: chat.group.id,
            agent_id: chat.agent.as_ref().map(|a| a.id),
            whole_group: false,
        };
        insert_event(&mut w.tx, &audience, &ChatEvent::MessagePosted { message: message.clone() }, now_ms).await?;
        w.tx.commit().await?;
        Ok((message, true))
    }

    pub async fn find_message(&self, chat_id: ChatId, author_agent: Option<AgentId>, client_id: &str) -> StoreResult<Option<ChatMessage>> {
        let row: Option<MessageRow> = sqlx::query_as(&format!(
            "{MESSAGE_SELECT} WHERE m.chat_id = $1 AND m.author_key = $2 AND m.client_id = $3"
        ))
        .bind(chat_id)
        .bind(author_key(author_agent))
        .bind(client_id)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(MessageRow::into_message))
    }

    /// Ends an open chat. `Conflict` when its state changed since `chat` was read.
    pub async fn end(&self, chat: &ChatRequest, by: Party, now_ms: i64) -> StoreResult<()> {
        let mut w = self.begin_write().await?;
        let updated = sqlx::query(
            "UPDATE chat_requests SET state = 'ended', ended_at = $1, ended_by = $2, updated_at = $1 \
             WHERE id = $3 AND state = $4",
        )
        .bind(now_ms)
        .bind(by.as_str())
        .bind(chat.id)
        .bind(chat.state.as_str())
        .execute(&mut *w.tx)
        .await?;
        if updated.rows_affected() != 1 {
            return Err(StoreError::Conflict);
        }
        let audience = Audience {
            chat_id: chat.id,
            group_id: chat.group.id,
            agent_id: chat.agent.as_ref().map(|a| a.id),
            // A request that leaves the queue must leave every panel of its group.
            whole_group: chat.state == ChatState::Queued,
        };
        insert_event(&mut w.tx, &audience, &ChatEvent::Ended { chat_id: chat.id, by }, now_ms).await?;
        w.tx.commit().await?;
        Ok(())
    }

    // ---- the event stream ------------------------------------------------------------------

    /// The newest position; a snapshot read after this includes everything up to it.
    pub async fn head(&self) -> StoreResult<Position> {
        Ok(sqlx::query_scalar::<_, i64>("SELECT COALESCE(MAX(seq), 0) FROM events").fetch_one(&self.pool).await?)
    }

    /// The events after `after` that `viewer` may see, in order, filtered by the database so a
    /// reconnecting end user does not read (or parse) the rest of the desk's stream.
    pub async fn visible_events_after(&self, viewer: &Viewer, after: Position, limit: i64) -> StoreResult<Vec<StoredEvent>> {
        let (filter, id) = match viewer {
            Viewer::EndUser { chat_id } => ("chat_id = $2".to_string(), *chat_id),
            Viewer::Agent { id, groups } if groups.is_empty() => ("agent_id = $2".to_string(), *id),
            Viewer::Agent { id, groups } => {
                (format!("(agent_id = $2 OR (whole_group = 1 AND group_id IN ({})))", id_list(groups)), *id)
            }
        };
        let rows: Vec<EventRow> = sqlx::query_as(&format!(
            "SELECT seq, chat_id, group_id, agent_id, whole_group, payload FROM events \
             WHERE seq > $1 AND {filter} ORDER BY seq LIMIT $3"
        ))
        .bind(after)
        .bind(id)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        Ok(readable(rows))
    }

    /// Events after `after`, in order. An event that cannot be read (written by a newer
    /// version, say) is logged and skipped rather than stopping the stream for everyone.
    pub async fn events_after(&self, after: Position, limit: i64) -> StoreResult<Vec<StoredEvent>> {
        let rows: Vec<EventRow> = sqlx::query_as(
            "SELECT seq, chat_id, group_id, agent_id, whole_group, payload FROM events WHERE seq > $1 ORDER BY seq LIMIT $2",
        )
        .bind(after)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        Ok(readable(rows))
    }
}

/// `1, 2, 3` for an SQL `IN (…)`. The ids are integers from our own database, so inlining them
/// is safe, and one query beats one per group.
fn id_list(ids: &[i64]) -> String {
    ids.iter().map(i64::to_string).collect::<Vec<_>>().join(", ")
}

fn readable(rows: Vec<EventRow>) -> Vec<StoredEvent> {
    rows.into_iter()
        .filter_map(|row| {
            let seq = row.seq;
            row.into_event().map_err(|err| tracing::error!(seq, %err, "skipping an unreadable event")).ok()
        })
        .collect()
}

/// Client message ids are unique per author within a chat.
fn author_key(author_agent: Option<AgentId>) -> String {
    author_agent.map_or_else(|| "end_user".to_string(), |id| format!("agent:{id}"))
}

/// Touches the chat row only if its state is still what the caller decided on, which both
/// detects a race and takes SQLite's write lock first thing in the transaction.
async fn guard_state(tx: &mut Transaction<'static, Any>, chat: &ChatRequest, now_ms: i64) -> StoreResult<()> {
    let updated = sqlx::query("UPDATE chat_requests SET updated_at = $1 WHERE id = $2 AND state = $3")
        .bind(now_ms)
        .bind(chat.id)
        .bind(chat.state.as_str())
        .execute(&mut **tx)
        .await?;
    if updated.rows_affected() == 1 { Ok(()) } else { Err(StoreError::Conflict) }
}

async fn insert_event(
    tx: &mut Transaction<'static, Any>,
    audience: &Audience,
    event: &ChatEvent,
    now_ms: i64,
) -> StoreResult<Position> {
    Ok(sqlx::query_scalar(
        "INSERT INTO events (chat_id, group_id, agent_id, whole_group, payload, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING seq",
    )
    .bind(audience.chat_id)
    .bind(audience.group_id)
    .bind(audience.agent_id)
    .bind(audience.whole_group as i64)
    .bind(serde_json::to_string(event)?)
    .bind(now_ms)
    .fetch_one(&mut **tx)
    .await?)
}
