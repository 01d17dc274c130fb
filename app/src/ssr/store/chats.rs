//! Chat request records and their messages: reads, and the writes that change a chat together
//! with its event.

use sqlx::{AnyConnection, FromRow, Row};

use super::deadlines::schedule;
use super::directory::group_settings_from;
use super::events::append;
use super::routing::RouteAfter;
use super::tickets::{open_interaction, Opening};
use super::{id_list, scope, Backend, Store, StoreError, StoreResult};
use crate::domain::access::Staff;
use crate::domain::audience::{Audience, Reach};
use crate::domain::deadline::DeadlineKind;
use crate::domain::lifecycle::{decide, ChatState, Command, Party};
use crate::domain::monitor::Activity;
use crate::domain::routing::{self, Offer};
use crate::domain::validate::{Photo, PhotoType, ValidStartChat};
use crate::model::*;

/// Every read of a chat request.
const CHAT_SELECT: &str = "SELECT c.id, c.group_id, g.name AS group_name, c.state, c.agent_id, \
    a.name AS agent_name, a.photo_url AS agent_photo, c.user_name, c.user_email, c.user_phone, \
    c.user_location, c.user_photo_url, c.question, c.previous_ticket, c.created_at, c.ended_by, \
    c.interaction_id, c.incident_id, c.guests, c.invited, c.ended_at, c.updated_at, c.version \
    FROM chat_requests c JOIN assignment_groups g ON g.id = c.group_id \
    LEFT JOIN agents a ON a.id = c.agent_id";

const MESSAGE_SELECT: &str = "SELECT m.id, m.chat_id, m.client_id, m.author_key, m.agent_id, a.name AS agent_name, \
    a.photo_url AS agent_photo, m.body, m.line, m.created_at, m.whisper FROM messages m LEFT JOIN agents a ON a.id = m.agent_id";

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
    interaction_id: Option<i64>,
    incident_id: Option<i64>,
    /// The guests' cards as JSON (`chat_guests` holds the same as rows).
    guests: String,
    /// The invited agents' cards as JSON.
    invited: String,
    ended_at: Option<i64>,
    updated_at: i64,
    version: i64,
}

impl ChatRow {
    fn into_history(self) -> HistoryEntry {
        let interaction = self.interaction_id.map(|id| ticket_number(TicketKind::Interaction, id));
        let request = self.into_request();
        HistoryEntry { incident: request.incident.clone(), request, interaction, rating: None }
    }

    fn into_request(self) -> ChatRequest {
        let state = ChatState::parse(&self.state).unwrap_or(ChatState::Ended);
        // Chats missed before `ended_at` was written for them closed at their last update.
        let closed_at_ms = (!state.is_open()).then(|| self.ended_at.unwrap_or(self.updated_at));
        ChatRequest {
            id: self.id,
            number: chat_number(self.id),
            group: AssignmentGroup { id: self.group_id, name: self.group_name },
            state,
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
            incident: self.incident_id.map(|id| ticket_number(TicketKind::Incident, id)),
            guests: serde_json::from_str(&self.guests).unwrap_or_default(),
            invited: serde_json::from_str(&self.invited).unwrap_or_default(),
            closed_at_ms,
            version: self.version,
        }
    }
}

#[derive(FromRow)]
struct MessageRow {
    id: i64,
    chat_id: i64,
    client_id: String,
    author_key: String,
    agent_id: Option<i64>,
    agent_name: Option<String>,
    agent_photo: Option<String>,
    body: String,
    line: Option<String>,
    created_at: i64,
    whisper: i64,
}

impl MessageRow {
    fn into_message(self) -> ChatMessage {
        let author = match self.agent_id {
            Some(id) => Author::Agent(AgentCard { id, name: self.agent_name.unwrap_or_default(), photo_url: self.agent_photo }),
            None if self.author_key == DESK_AUTHOR => Author::Desk,
            None => Author::EndUser,
        };
        ChatMessage {
            id: self.id,
            chat_id: self.chat_id,
            client_id: self.client_id,
            author,
            body: self.body,
            // A line the desk wrote before lines kept their code reads as its English text.
            line: self.line.and_then(|json| serde_json::from_str(&json).ok()),
            at_ms: self.created_at,
            whisper: self.whisper != 0,
        }
    }
}

impl Store {
    pub async fn chat(&self, id: ChatId) -> StoreResult<ChatRequest> {
        let row: ChatRow = sqlx::query_as(&format!("{CHAT_SELECT} WHERE c.id = $1"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::NotFound)?;
        Ok(row.into_request())
    }

    /// The end user's photo of a chat, if they gave one: its type and bytes.
    pub async fn chat_photo(&self, id: ChatId) -> StoreResult<Option<Photo>> {
        let row = sqlx::query("SELECT content_type, bytes FROM chat_photos WHERE chat_id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.and_then(|row| {
            let kind = PhotoType::from_content_type(row.get("content_type"))?;
            Some(Photo { kind, bytes: row.get("bytes") })
        }))
    }

    pub async fn chat_by_token(&self, token_hash: &str) -> StoreResult<Option<ChatRequest>> {
        let row: Option<ChatRow> =
            sqlx::query_as(&format!("{CHAT_SELECT} WHERE c.token_hash = $1")).bind(token_hash).fetch_optional(&self.pool).await?;
        Ok(row.map(ChatRow::into_request))
    }

    pub async fn messages(&self, chat_id: ChatId) -> StoreResult<Vec<ChatMessage>> {
        let mut conn = self.pool.acquire().await?;
        messages_in(&mut conn, chat_id).await
    }

    pub async fn transcript(&self, chat_id: ChatId) -> StoreResult<ChatTranscript> {
        Ok(ChatTranscript { request: self.chat(chat_id).await?, messages: self.messages(chat_id).await?, earlier: false })
    }

    /// The transcripts of these chats with each one's `recent` newest messages, in one query
    /// (not one per chat), in the chats' order.
    pub async fn recent_transcripts(&self, chats: Vec<ChatRequest>, recent: usize) -> StoreResult<Vec<ChatTranscript>> {
        if chats.is_empty() {
            return Ok(Vec::new());
        }
        let ids: Vec<ChatId> = chats.iter().map(|c| c.id).collect();
        // One more than asked for tells whether there are earlier ones.
        let rows: Vec<MessageRow> = sqlx::query_as(&format!(
            "SELECT id, chat_id, client_id, author_key, agent_id, agent_name, agent_photo, body, line, created_at, whisper FROM              (SELECT m.id, m.chat_id, m.client_id, m.author_key, m.agent_id, a.name AS agent_name, a.photo_url AS agent_photo,              m.body, m.line, m.created_at, m.whisper, ROW_NUMBER() OVER (PARTITION BY m.chat_id ORDER BY m.id DESC) AS newest              FROM messages m LEFT JOIN agents a ON a.id = m.agent_id WHERE m.chat_id IN ({})) t              WHERE newest <= $1 ORDER BY id",
            id_list(&ids)
        ))
        .bind(recent as i64 + 1)
        .fetch_all(&self.pool)
        .await?;
        let mut transcripts: Vec<ChatTranscript> =
            chats.into_iter().map(|request| ChatTranscript { request, messages: Vec::new(), earlier: false }).collect();
        for message in rows.into_iter().map(MessageRow::into_message) {
            if let Some(t) = transcripts.iter_mut().find(|t| t.request.id == message.chat_id) {
                t.messages.push(message);
            }
        }
        for t in &mut transcripts {
            t.earlier = t.messages.len() > recent;
            if t.earlier {
                t.messages.remove(0);
            }
        }
        Ok(transcripts)
    }

    /// Up to `limit` messages of a chat before message `before`, oldest first.
    pub async fn messages_before(&self, chat_id: ChatId, before: i64, limit: usize) -> StoreResult<MessagePage> {
        let rows: Vec<MessageRow> =
            sqlx::query_as(&format!("{MESSAGE_SELECT} WHERE m.chat_id = $1 AND m.id < $2 ORDER BY m.id DESC LIMIT $3"))
                .bind(chat_id)
                .bind(before)
                .bind(limit as i64 + 1)
                .fetch_all(&self.pool)
                .await?;
        let mut messages: Vec<ChatMessage> = rows.into_iter().map(MessageRow::into_message).collect();
        let earlier = messages.len() > limit;
        messages.truncate(limit);
        messages.reverse();
        Ok(MessagePage { messages, earlier })
    }

    /// Queued requests of these groups, oldest first.
    pub async fn queued(&self, groups: &[GroupId]) -> StoreResult<Vec<ChatRequest>> {
        if groups.is_empty() {
            return Ok(Vec::new());
        }
        let rows: Vec<ChatRow> =
            sqlx::query_as(&format!("{CHAT_SELECT} WHERE c.state = $1 AND c.group_id IN ({}) ORDER BY c.id", id_list(groups)))
                .bind(ChatState::Queued.as_str())
                .fetch_all(&self.pool)
                .await?;
        Ok(rows.into_iter().map(ChatRow::into_request).collect())
    }

    /// The chats of these groups an agent took that have not ended, with what the live monitor
    /// shows of each (domain/monitor.rs `Activity`): when it was taken, its last message of the
    /// end user or an agent (the desk's lines and whispers are not a conversation's), and the
    /// end user's messages after the last agent's one. Two queries whatever the number of chats.
    pub async fn in_progress(&self, groups: &[GroupId]) -> StoreResult<Vec<(ChatRequest, Activity)>> {
        if groups.is_empty() {
            return Ok(Vec::new());
        }
        let rows: Vec<ChatRow> =
            sqlx::query_as(&format!("{CHAT_SELECT} WHERE c.state = $1 AND c.group_id IN ({}) ORDER BY c.id", id_list(groups)))
                .bind(ChatState::Active.as_str())
                .fetch_all(&self.pool)
                .await?;
        let chats: Vec<ChatRequest> = rows.into_iter().map(ChatRow::into_request).collect();
        if chats.is_empty() {
            return Ok(Vec::new());
        }
        let ids: Vec<ChatId> = chats.iter().map(|c| c.id).collect();
        let activity = sqlx::query(&format!(
            "SELECT c.id, COALESCE(c.accepted_at, c.updated_at) AS accepted_at, \
             (SELECT MAX(m.created_at) FROM messages m WHERE m.chat_id = c.id AND m.whisper = 0 AND m.author_key <> $1) AS last_at, \
             (SELECT COUNT(*) FROM messages m WHERE m.chat_id = c.id AND m.author_key = $2 AND m.id > \
               COALESCE((SELECT MAX(r.id) FROM messages r WHERE r.chat_id = c.id AND r.agent_id IS NOT NULL AND r.whisper = 0), 0)) \
               AS unanswered \
             FROM chat_requests c WHERE c.id IN ({})",
            id_list(&ids)
        ))
        .bind(DESK_AUTHOR)
        .bind(END_USER_AUTHOR)
        .fetch_all(&self.pool)
        .await?;
        let mut of: std::collections::HashMap<ChatId, Activity> = activity
            .iter()
            .map(|r| {
                let activity = Activity {
                    accepted_at_ms: r.get("accepted_at"),
                    last_message_at_ms: r.get("last_at"),
                    unanswered: r.get::<i64, _>("unanswered").clamp(0, u32::MAX as i64) as u32,
                };
                (r.get::<i64, _>("id"), activity)
            })
            .collect();
        Ok(chats
            .into_iter()
            .map(|chat| {
                let activity = of.remove(&chat.id).unwrap_or_default();
                (chat, activity)
            })
            .collect())
    }

    /// Every waiting request as (group, chat), oldest first: the hub's queues at start.
    pub async fn queue_entries(&self) -> StoreResult<Vec<(GroupId, ChatId)>> {
        let rows = sqlx::query("SELECT group_id, id FROM chat_requests WHERE state = $1 ORDER BY id")
            .bind(ChatState::Queued.as_str())
            .fetch_all(&self.pool)
            .await?;
        Ok(rows.iter().map(|r| (r.get("group_id"), r.get("id"))).collect())
    }

    /// 1-based place of a queued chat in its group's queue, for a snapshot. (Live places come
    /// from the hub's memory, never from here.)
    pub async fn queue_place(&self, chat: &ChatRequest) -> StoreResult<u32> {
        let ahead: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM chat_requests WHERE state = $1 AND group_id = $2 AND id < $3")
            .bind(ChatState::Queued.as_str())
            .bind(chat.group.id)
            .bind(chat.id)
            .fetch_one(&self.pool)
            .await?;
        Ok(ahead as u32 + 1)
    }

    /// How many requests wait in `group`'s queue.
    pub async fn queued_in(&self, group: GroupId) -> StoreResult<u32> {
        let queued: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM chat_requests WHERE state = $1 AND group_id = $2")
            .bind(ChatState::Queued.as_str())
            .bind(group)
            .fetch_one(&self.pool)
            .await?;
        Ok(queued as u32)
    }

    /// The current state of each of these chats.
    pub async fn states(&self, ids: &[ChatId]) -> StoreResult<Vec<(ChatId, ChatState)>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let rows = sqlx::query(&format!("SELECT id, state FROM chat_requests WHERE id IN ({})", id_list(ids)))
            .fetch_all(&self.pool)
            .await?;
        Ok(rows
            .iter()
            .map(|r| (r.get("id"), ChatState::parse(&r.get::<String, _>("state")).unwrap_or(ChatState::Ended)))
            .collect())
    }

    /// The chats the agent takes part in (holds, or joined as a guest) still open, oldest first.
    pub async fn active_for_agent(&self, agent_id: AgentId) -> StoreResult<Vec<ChatRequest>> {
        let rows: Vec<ChatRow> = sqlx::query_as(&format!(
            "{CHAT_SELECT} WHERE c.state = $1 AND (c.agent_id = $2 OR c.id IN (SELECT chat_id FROM chat_guests WHERE agent_id = $2)) \
             ORDER BY c.id"
        ))
            .bind(ChatState::Active.as_str())
            .bind(agent_id)
            .fetch_all(&self.pool)
            .await?;
        Ok(rows.into_iter().map(ChatRow::into_request).collect())
    }

    /// Past chats (ended or missed) whose records `staff` may read (domain/access.rs), newest
    /// first, a page at a time (`before`: the last chat id of the previous page).
    pub async fn history(&self, staff: &Staff, before: Option<ChatId>) -> StoreResult<HistoryPage> {
        let rows: Vec<ChatRow> = sqlx::query_as(&format!(
            "{CHAT_SELECT} WHERE c.state IN ($1, $2) AND {} AND c.id < $3 ORDER BY c.id DESC LIMIT $4",
            scope::chat_records(staff, "c")
        ))
        .bind(ChatState::Ended.as_str())
        .bind(ChatState::Missed.as_str())
        .bind(before.unwrap_or(i64::MAX))
        .bind(HISTORY_PAGE as i64 + 1)
        .fetch_all(&self.pool)
        .await?;
        let more = rows.len() > HISTORY_PAGE;
        let mut entries: Vec<HistoryEntry> = rows.into_iter().take(HISTORY_PAGE).map(ChatRow::into_history).collect();
        let ids: Vec<ChatId> = entries.iter().map(|e| e.request.id).collect();
        let mut ratings = self.ratings(&ids).await?;
        for entry in &mut entries {
            entry.rating = ratings.remove(&entry.request.id);
        }
        Ok(HistoryPage { entries, more })
    }

    /// Creates the chat request record and its `Queued` event, and the deadline by which it is
    /// missed if nobody accepts it (`missed_at_ms`, when missed chats are on).
    pub async fn create_chat(
        &self,
        form: &ValidStartChat,
        token_hash: &str,
        now_ms: i64,
        missed_at_ms: Option<i64>,
    ) -> StoreResult<ChatRequest> {
        self.create_chat_then(form, token_hash, now_ms, missed_at_ms, None).await
    }

    /// `create_chat`, and with `route` a routing pass at the end of its batch (`RouteAfter`):
    /// in an auto-assign group the request is offered in the commit that stores it.
    pub async fn create_chat_then(
        &self,
        form: &ValidStartChat,
        token_hash: &str,
        now_ms: i64,
        missed_at_ms: Option<i64>,
        route: Option<RouteAfter>,
    ) -> StoreResult<ChatRequest> {
        let (form, token_hash) = (form.clone(), token_hash.to_string());
        self.writer.write_then(
            move |conn, out| {
                Box::pin(async move {
                    let id: i64 = sqlx::query_scalar(
                        "INSERT INTO chat_requests (token_hash, group_id, state, user_name, user_email, user_phone, \
                         user_location, question, previous_ticket, created_at, updated_at) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10) RETURNING id",
                    )
                    .bind(token_hash)
                    .bind(form.group_id)
                    .bind(ChatState::Queued.as_str())
                    .bind(&form.name)
                    .bind(&form.email)
                    .bind(form.phone.clone())
                    .bind(&form.location)
                    .bind(&form.question)
                    .bind(form.previous_ticket.clone())
                    .bind(now_ms)
                    .fetch_one(&mut *conn)
                    .await?;
                    // The photo's address names the chat's id, so it is set once the row has one.
                    if let Some(photo) = &form.photo {
                        sqlx::query("INSERT INTO chat_photos (chat_id, content_type, bytes) VALUES ($1, $2, $3)")
                            .bind(id)
                            .bind(photo.kind.content_type())
                            .bind(photo.bytes.clone())
                            .execute(&mut *conn)
                            .await?;
                        sqlx::query("UPDATE chat_requests SET user_photo_url = $1 WHERE id = $2")
                            .bind(chat_photo_path(id))
                            .bind(id)
                            .execute(&mut *conn)
                            .await?;
                    }
                    if let Some(due) = missed_at_ms {
                        schedule(conn, DeadlineKind::MissedChat, id, due).await?;
                    }
                    let request = chat_in(conn, id).await?;
                    let event = ChatEvent::Queued { request: request.clone() };
                    append(out, Audience::of(&event, &request, Reach::Everyone), event, now_ms);
                    Ok(request)
                })
            },
            route.map(RouteAfter::follow_up),
        )
        .await
    }

    /// Moves a queued chat to `agent` and, in the same transaction, opens its Interaction
    /// (`opening`, see `tickets::open_interaction`; `None` skips it). `Conflict` when the chat
    /// changed since it was read.
    /// `offer`: in an auto-assign group, the agent's offer of it (it ends with the accept, and
    /// `Conflict` if it expired or moved on meanwhile).
    pub async fn accept(
        &self,
        chat: &ChatRequest,
        agent: &AgentCard,
        offer: Option<Offer>,
        opening: Option<Opening>,
        now_ms: i64,
    ) -> StoreResult<Option<Ticket>> {
        self.accept_then(chat, agent, offer, opening, now_ms, None).await
    }

    /// `accept`, and with `route` a routing pass at the end of its batch (`RouteAfter`): the
    /// agent's offer ended with it, and below capacity they may be offered the next.
    pub async fn accept_then(
        &self,
        chat: &ChatRequest,
        agent: &AgentCard,
        offer: Option<Offer>,
        opening: Option<Opening>,
        now_ms: i64,
        route: Option<RouteAfter>,
    ) -> StoreResult<Option<Ticket>> {
        let (chat, agent) = (chat.clone(), agent.clone());
        self.writer.write_then(
            move |conn, out| Box::pin(async move { accept_in(conn, out, &chat, &agent, offer.as_ref(), opening, now_ms).await }),
            route.map(RouteAfter::follow_up),
        )
        .await
    }

    /// An admin's "Assign": the accept `agent` would make, with its audit line.
    pub async fn assign(
        &self,
        chat: &ChatRequest,
        agent: &AgentCard,
        opening: Option<Opening>,
        by: super::Actor,
        now_ms: i64,
    ) -> StoreResult<Option<Ticket>> {
        let (chat, agent) = (chat.clone(), agent.clone());
        self.write(move |conn, out| {
            Box::pin(async move {
                let interaction = accept_in(conn, out, &chat, &agent, None, opening, now_ms).await?;
                let detail = format!("to {}", agent.name);
                super::admin::audit(conn, by, AuditAction::AssignChat, &chat.number, &detail).await?;
                Ok(interaction)
            })
        })
        .await
    }

    /// Stores a message once per (chat, author, client id), if `chat` is still the version it
    /// was decided on (`Conflict` otherwise). Returns the message and whether it is new; a
    /// retried send gets the stored one back and publishes nothing. Stored with the other posts
    /// of its writer batch (`posting`).
    ///
    /// `waiting_cap`: while the chat waits, the end user may have at most this many messages;
    /// counted in the writer, so concurrent posts cannot pass it (`StoreError::Capped`).
    pub async fn post_message(
        &self,
        chat: &ChatRequest,
        author: &Author,
        client_id: &str,
        body: &str,
        now_ms: i64,
        waiting_cap: Option<u32>,
    ) -> StoreResult<(ChatMessage, bool)> {
        let post = super::Post {
            chat: chat.clone(),
            author: author.clone(),
            client_id: client_id.to_string(),
            body: body.to_string(),
            now_ms,
            waiting_cap,
            whisper: false,
        };
        self.writer.post(post).await
    }

    /// Stores a supervisor's whisper into `chat`, as `post_message` stores a message: its
    /// event reaches the chat's agents and the whisperer, never the end user.
    pub async fn post_whisper(
        &self,
        chat: &ChatRequest,
        author: &Author,
        client_id: &str,
        body: &str,
        now_ms: i64,
    ) -> StoreResult<(ChatMessage, bool)> {
        let post = super::Post {
            chat: chat.clone(),
            author: author.clone(),
            client_id: client_id.to_string(),
            body: body.to_string(),
            now_ms,
            waiting_cap: None,
            whisper: true,
        };
        self.writer.post(post).await
    }

    pub async fn find_message(
        &self,
        chat_id: ChatId,
        author_agent: Option<AgentId>,
        client_id: &str,
    ) -> StoreResult<Option<ChatMessage>> {
        let mut conn = self.pool.acquire().await?;
        find_message_in(&mut conn, chat_id, author_agent, client_id).await
    }

    /// Ends an open chat. `Conflict` when it changed since `chat` was read.
    pub async fn end(&self, chat: &ChatRequest, by: Party, now_ms: i64) -> StoreResult<()> {
        self.end_then(chat, by, now_ms, None).await
    }

    /// `end`, and with `route` a routing pass at the end of its batch (`RouteAfter`): the
    /// agent it freed is offered the next in its commit.
    pub async fn end_then(&self, chat: &ChatRequest, by: Party, now_ms: i64, route: Option<RouteAfter>) -> StoreResult<()> {
        let chat = chat.clone();
        self.writer.write_then(
            move |conn, out| {
                Box::pin(async move {
                    let event = decide(&chat, Command::End { by })?;
                    change_chat(conn, &chat, &event, now_ms).await?;
                    append(out, Audience::of(&event, &chat, Reach::Everyone), event, now_ms);
                    Ok(())
                })
            },
            route.map(RouteAfter::follow_up),
        )
        .await
    }
}

/// The chats that hold a ticket as their interaction or incident, read inside a job or not.
pub(super) async fn holders_in(conn: &mut AnyConnection, ticket: TicketId) -> StoreResult<Vec<ChatRequest>> {
    let rows: Vec<ChatRow> =
        sqlx::query_as(&format!("{CHAT_SELECT} WHERE c.interaction_id = $1 OR c.incident_id = $1 ORDER BY c.id"))
            .bind(ticket)
            .fetch_all(&mut *conn)
            .await?;
    Ok(rows.into_iter().map(ChatRow::into_request).collect())
}

/// Every message of a chat, oldest first (inside a job, or on a connection of the pool).
pub(super) async fn messages_in(conn: &mut AnyConnection, chat_id: ChatId) -> StoreResult<Vec<ChatMessage>> {
    let rows: Vec<MessageRow> = sqlx::query_as(&format!("{MESSAGE_SELECT} WHERE m.chat_id = $1 ORDER BY m.id"))
        .bind(chat_id)
        .fetch_all(&mut *conn)
        .await?;
    Ok(rows.into_iter().map(MessageRow::into_message).collect())
}

/// Chats read inside a writer job, each with its group's settings (the routing job's offers).
pub(super) async fn chats_with_settings_in(conn: &mut AnyConnection, ids: &[ChatId]) -> StoreResult<Vec<(ChatRequest, GroupSettings)>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!("{} WHERE c.id IN ({})", CHAT_SELECT.replacen("SELECT ", "SELECT g.settings AS group_settings, ", 1), super::id_list(ids));
    let rows = sqlx::query(&sql).fetch_all(&mut *conn).await?;
    rows.iter()
        .map(|row| {
            let settings = group_settings_from(row.get("group_settings"));
            Ok((ChatRow::from_row(row)?.into_request(), settings))
        })
        .collect()
}

/// A chat read inside a writer job: what this transaction sees, the authority.
pub(super) async fn chat_in(conn: &mut AnyConnection, id: ChatId) -> StoreResult<ChatRequest> {
    let row: Option<ChatRow> =
        sqlx::query_as(&format!("{CHAT_SELECT} WHERE c.id = $1")).bind(id).fetch_optional(&mut *conn).await?;
    Ok(row.ok_or(StoreError::NotFound)?.into_request())
}

/// Client message ids are unique per author within a chat.
pub(super) fn author_key(author_agent: Option<AgentId>) -> String {
    author_agent.map_or_else(|| END_USER_AUTHOR.to_string(), |id| format!("agent:{id}"))
}

/// `messages.author_key` of the end user's messages.
pub(super) const END_USER_AUTHOR: &str = "end_user";

/// `messages.author_key` of the lines the desk writes itself (`Author::Desk`).
const DESK_AUTHOR: &str = "desk";

/// Writes a line of the desk's own into the conversation (who joined, left, took over) and
/// its event, addressed as the chat is *after* the change.
pub(super) async fn desk_line(
    conn: &mut AnyConnection,
    out: &mut Vec<super::events::PendingEvent>,
    after: &ChatRequest,
    line: DeskLine,
    now_ms: i64,
) -> StoreResult<()> {
    let body = line.text(&crate::i18n::catalog::catalog().english());
    let line_json = serde_json::to_string(&line).expect("a desk line is JSON");
    let client_id = uuid::Uuid::new_v4().to_string();
    // On PostgreSQL numbered like the batch's events (`posting::insert_messages`): after the
    // batch's posts (at most `MAX_BATCH` places), by the count of events written so far, which
    // only grows while the batch's messages are kept (a job rolled back takes its rows along).
    let on_postgres = Backend::of(conn) == Backend::Postgres;
    let sql = if on_postgres {
        "INSERT INTO messages (id, chat_id, author_key, client_id, agent_id, body, created_at, line) \
         VALUES ((pg_current_xact_id()::text::bigint << 20) | $7, $1, $2, $3, NULL, $4, $5, $6) RETURNING id"
    } else {
        "INSERT INTO messages (chat_id, author_key, client_id, agent_id, body, created_at, line) \
         VALUES ($1, $2, $3, NULL, $4, $5, $6) RETURNING id"
    };
    let mut insert =
        sqlx::query_scalar(sql).bind(after.id).bind(DESK_AUTHOR).bind(&client_id).bind(&body).bind(now_ms).bind(&line_json);
    if on_postgres {
        insert = insert.bind((super::writer::MAX_BATCH + out.len()) as i64);
    }
    let id: i64 = insert.fetch_one(&mut *conn).await?;
    let message = ChatMessage {
        id,
        chat_id: after.id,
        client_id,
        author: Author::Desk,
        body,
        line: Some(line),
        at_ms: now_ms,
        whisper: false,
    };
    let event = ChatEvent::MessagePosted { message };
    append(out, Audience::of(&event, after, Reach::Everyone), event, now_ms);
    Ok(())
}

async fn find_message_in(
    conn: &mut AnyConnection,
    chat_id: ChatId,
    author_agent: Option<AgentId>,
    client_id: &str,
) -> StoreResult<Option<ChatMessage>> {
    let row: Option<MessageRow> =
        sqlx::query_as(&format!("{MESSAGE_SELECT} WHERE m.chat_id = $1 AND m.author_key = $2 AND m.client_id = $3"))
            .bind(chat_id)
            .bind(author_key(author_agent))
            .bind(client_id)
            .fetch_optional(&mut *conn)
            .await?;
    Ok(row.map(MessageRow::into_message))
}

/// The stored messages of these posts (sent again), by chat, author and client id: one read.
pub(super) async fn find_messages_in(
    conn: &mut AnyConnection,
    posts: &[&super::posting::Post],
) -> StoreResult<std::collections::HashMap<(ChatId, String, String), ChatMessage>> {
    if posts.is_empty() {
        return Ok(Default::default());
    }
    let chats: Vec<ChatId> = posts.iter().map(|p| p.chat.id).collect();
    let clients: Vec<String> = (1..=posts.len()).map(|n| format!("${n}")).collect();
    let sql = format!("{MESSAGE_SELECT} WHERE m.chat_id IN ({}) AND m.client_id IN ({})", id_list(&chats), clients.join(", "));
    let mut query = sqlx::query_as::<_, MessageRow>(&sql);
    for post in posts {
        query = query.bind(post.client_id.clone());
    }
    let rows = query.fetch_all(&mut *conn).await?;
    Ok(rows.into_iter().map(|row| ((row.chat_id, row.author_key.clone(), row.client_id.clone()), row.into_message())).collect())
}

/// Inside a job: `agent` takes the waiting `chat` (within their capacity), with its Interaction
/// when `opening` says so.
async fn accept_in(
    conn: &mut AnyConnection,
    out: &mut Vec<super::events::PendingEvent>,
    chat: &ChatRequest,
    agent: &AgentCard,
    offer: Option<&Offer>,
    opening: Option<Opening>,
    now_ms: i64,
) -> StoreResult<Option<Ticket>> {
    let event = decide(chat, Command::Accept { agent: agent.clone() })?;
    // The agent's row first, as a routing write does: on PostgreSQL two nodes' jobs then lock
    // in one order (a routing write waiting on this accept's offer while holding the agent's
    // row was a deadlock the two-node load found).
    ensure_capacity(conn, agent.id, chat.group.id, chat.id).await?;
    if let Some(offer) = offer {
        super::offers::take_offer(conn, offer).await?;
    }
    // The guarded change before the rest: if it loses the race, nothing else is written.
    change_chat(conn, chat, &event, now_ms).await?;
    let interaction = match opening {
        Some(opening) => Some(open_interaction(conn, chat, agent, opening, now_ms).await?),
        None => None,
    };
    append(out, Audience::of(&event, chat, Reach::Everyone), event, now_ms);
    Ok(interaction)
}

/// Inside the job that would give `agent` chat `chat` of `group` (an accept, a transfer to
/// them, an offer): the chats they hold now and their open offer of another chat, read in the
/// transaction, against their capacity in the group (`routing::Load::has_room_in`). On
/// PostgreSQL the agent's row is locked first, so two nodes' writes for the same agent are
/// decided one after the other and cannot both pass. `AtCapacity` if not.
pub(super) async fn ensure_capacity(conn: &mut AnyConnection, agent: AgentId, group: GroupId, chat: ChatId) -> StoreResult<()> {
    let lock = if Backend::of(conn) == Backend::Postgres { " FOR UPDATE OF a" } else { "" };
    let row = sqlx::query(&format!(
        "SELECT a.max_chats, g.settings FROM agents a JOIN assignment_groups g ON g.id = $2 WHERE a.id = $1{lock}"
    ))
    .bind(agent)
    .bind(group)
    .fetch_optional(&mut *conn)
    .await?
    .ok_or(StoreError::NotFound)?;
    let settings = group_settings_from(row.get("settings"));
    let own = routing::Load { max_chats: row.get::<Option<i64>, _>("max_chats").map(|m| m as u32), ..Default::default() };
    // No limit in this group: nothing to count.
    let Some(max) = own.capacity_in(&settings) else {
        return Ok(());
    };
    let held: i64 = sqlx::query_scalar(
        "SELECT (SELECT COUNT(*) FROM chat_requests WHERE agent_id = $1 AND state = $2) \
         + (SELECT COUNT(*) FROM chat_offers WHERE agent_id = $1 AND chat_id <> $3)",
    )
    .bind(agent)
    .bind(ChatState::Active.as_str())
    .bind(chat)
    .fetch_one(&mut *conn)
    .await?;
    let as_guest: i64 = match settings.count_guest_chats {
        // Not read when it does not count.
        false => 0,
        true => sqlx::query_scalar(
            "SELECT COUNT(*) FROM chat_guests gu JOIN chat_requests c ON c.id = gu.chat_id WHERE gu.agent_id = $1 AND c.state = $2",
        )
        .bind(agent)
        .bind(ChatState::Active.as_str())
        .fetch_one(&mut *conn)
        .await?,
    };
    match (routing::Load { held: held as u32, as_guest: as_guest as u32, ..own }).has_room_in(&settings) {
        true => Ok(()),
        false => Err(StoreError::AtCapacity(max)),
    }
}

/// Every change of a chat, written one way: the chat after `event` (`ChatRequest::apply`, the
/// domain's rule) replaces the row if the row is still the version `before` was read at;
/// `Conflict` otherwise, and the caller decides again on fresh data. No state is named here:
/// what the chat becomes is the domain's to say. Returns the chat after the change.
pub(super) async fn change_chat(
    conn: &mut AnyConnection,
    before: &ChatRequest,
    event: &ChatEvent,
    now_ms: i64,
) -> StoreResult<ChatRequest> {
    let mut after = before.clone();
    after.apply(event);
    let closes = before.state.is_open() && !after.state.is_open();
    let accepted = matches!(event, ChatEvent::Accepted { .. });
    if closes {
        after.closed_at_ms = Some(now_ms);
    }
    let updated = sqlx::query(
        "UPDATE chat_requests SET state = $1, agent_id = $2, group_id = $3, guests = $4, ended_by = $5, version = $6, \
         updated_at = $7, ended_at = CASE WHEN $8 THEN $7 ELSE ended_at END, \
         accepted_at = CASE WHEN $9 THEN $7 ELSE accepted_at END, invited = $12 \
         WHERE id = $10 AND version = $11",
    )
    .bind(after.state.as_str())
    .bind(after.agent.as_ref().map(|a| a.id))
    .bind(after.group.id)
    .bind(guests_json(&after.guests))
    .bind(after.ended_by.map(Party::as_str))
    .bind(after.version)
    .bind(now_ms)
    .bind(closes)
    .bind(accepted)
    .bind(before.id)
    .bind(before.version)
    .bind(guests_json(&after.invited))
    .execute(&mut *conn)
    .await?;
    if updated.rows_affected() != 1 {
        return Err(StoreError::Conflict);
    }
    // A request that leaves its queue takes its offer (if any) along: the offered agent's
    // console drops it on the same event, and routing sees them free again.
    if before.state == ChatState::Queued && after.state != ChatState::Queued {
        sqlx::query("DELETE FROM chat_offers WHERE chat_id = $1").bind(before.id).execute(&mut *conn).await?;
    }
    Ok(after)
}

/// Guests or invited agents, as stored.
fn guests_json(cards: &[AgentCard]) -> String {
    serde_json::to_string(cards).unwrap_or_else(|_| "[]".into())
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{agent_in, form, group_with_agent, TempDb};
    use super::*;
    use crate::domain::audience::Route;

    /// Issue 15, finding 7: transfer, join and leave keep a chat Active, so a guard on its state
    /// alone let a message decided before a transfer through, routed to the former holder. The
    /// version guard refuses every write decided on the chat as it was; decided again on the
    /// fresh chat, the message reaches the new holder and not the old one.
    #[tokio::test]
    async fn a_write_decided_before_a_transfer_is_refused_by_the_version_guard() {
        let db = TempDb::new();
        let store = db.open().await;
        let mut committed = store.take_committed().unwrap();
        let (group, alice) = group_with_agent(&store).await;
        let bob = agent_in(&store, group, "b@x.test", "Bob").await;
        let created = store.create_chat(&form(group, 0), "token", 1, None).await.unwrap();
        store.accept(&created, &alice, None, None, 2).await.unwrap();
        let read = store.chat(created.id).await.unwrap();
        assert_eq!((read.version, read.agent.as_ref().map(|a| a.id)), (created.version + 1, Some(alice.id)));

        let network = read.group.clone();
        let after = store.transfer(&read, Some(&bob), &network, 3, None).await.unwrap();
        assert_eq!(after, store.chat(created.id).await.unwrap(), "what the store wrote is the domain's apply");

        let alice_author = Author::Agent(alice.clone());
        let stale_post = store.post_message(&read, &alice_author, "a-1", "Still mine?", 4, None).await;
        assert!(matches!(stale_post, Err(StoreError::Conflict)), "{stale_post:?}");
        assert!(matches!(store.end(&read, Party::Agent, 4).await, Err(StoreError::Conflict)));
        assert!(matches!(store.invite(&read, &bob, &alice, 4).await, Err(StoreError::Conflict)));
        assert!(store.messages(created.id).await.unwrap().iter().all(|m| m.body != "Still mine?"), "nothing stored");

        // Decided again on the fresh chat: the end user's message goes to Bob, not Alice.
        while committed.try_recv().is_ok() {}
        let (message, _) = store.post_message(&after, &Author::EndUser, "u-1", "Hello?", 5, None).await.unwrap();
        let batch = committed.recv().await.unwrap();
        let stored = batch.iter().find(|e| matches!(&e.event, ChatEvent::MessagePosted { message: m } if m.id == message.id));
        let routes = &stored.expect("the message's event").audience.routes;
        assert!(routes.contains(&Route::Agent(bob.id)) && !routes.contains(&Route::Agent(alice.id)), "{routes:?}");
        // A message does not change the chat: a second one decided on the same version passes.
        store.post_message(&after, &Author::EndUser, "u-2", "Anyone?", 6, None).await.unwrap();
    }
}
