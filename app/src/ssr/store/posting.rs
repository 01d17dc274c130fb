//! Messages, written as a set: every post of a writer batch is checked and stored together, in
//! a fixed handful of statements however many there are (issue 16). A post is the desk's most
//! frequent write; one statement per post, each a round trip to the database (on SQLite a hop
//! to sqlx's worker thread), was what bounded a node's messages per second.
//!
//! Per batch: one read of the version of every chat the posts were decided on (on PostgreSQL
//! `FOR SHARE`, in id order: a change racing on another node waits for this commit, or lands
//! first and these posts see it); while a chat waits, one read of the end user's stored client
//! ids (the waiting cap, and retries past it); one multi-row insert that skips what is stored;
//! and, only when a post was sent again, one read of the stored ones. Each post still ends on
//! its own: a post decided on an old version of its chat gets `Conflict` (its caller decides
//! again), one over the cap `Capped`, a retry the stored message back — the others go on.

use std::collections::{HashMap, HashSet};

use sqlx::{AnyConnection, Row};

use super::chats::{author_key, find_messages_in, END_USER_AUTHOR};
use super::events::{append, PendingEvent};
use super::{id_list, Backend, StoreError, StoreResult};
use crate::domain::audience::{Audience, Reach};
use crate::domain::lifecycle::ChatState;
use crate::model::*;

/// A message to store, as decided by the desk on `chat` (at its `version`).
#[derive(Clone, Debug)]
pub struct Post {
    pub chat: ChatRequest,
    pub author: Author,
    pub client_id: String,
    pub body: String,
    pub now_ms: i64,
    /// While the chat waits, the end user may have at most this many messages.
    pub waiting_cap: Option<u32>,
    /// A supervisor's whisper to the chat's agents.
    pub whisper: bool,
}

/// The message, and whether it is new (`false`: a retry, answered with the stored one).
pub type Posted = StoreResult<(ChatMessage, bool)>;

/// What identifies a message: a client id is unique per author within a chat.
type Key = (ChatId, String, String);

impl Post {
    fn key(&self) -> Key {
        (self.chat.id, author_key(self.author.agent_id()), self.client_id.clone())
    }

    /// Whether the waiting cap applies to this post.
    fn capped_by(&self) -> Option<u32> {
        self.waiting_cap.filter(|_| self.chat.state == ChatState::Queued && self.author == Author::EndUser)
    }
}

/// How a post of the batch ends, before the insert tells which are new.
enum Plan {
    Done(Posted),
    /// To insert (or find stored, if the insert skips it).
    Insert,
    /// Sent twice in this batch: answered as the earlier one (at this index) is.
    SameAs(usize),
}

/// Stores `posts` (one writer batch's, in arrival order) and appends the events of the new
/// messages to `out`; returns each post's outcome, in the same order. An `Err` of the whole
/// function is a database failure: the batch does not commit.
pub(super) async fn post_all(
    conn: &mut AnyConnection,
    backend: Backend,
    posts: &[Post],
    out: &mut Vec<PendingEvent>,
) -> StoreResult<Vec<Posted>> {
    if posts.is_empty() {
        return Ok(Vec::new());
    }
    let versions = chat_versions(conn, backend, posts).await?;
    let waiting = waiting_client_ids(conn, posts).await?;

    let mut plans = Vec::with_capacity(posts.len());
    let mut first_of: HashMap<Key, usize> = HashMap::new();
    let mut waiting_count: HashMap<ChatId, usize> = waiting.iter().map(|(chat, ids)| (*chat, ids.len())).collect();
    for (i, post) in posts.iter().enumerate() {
        let key = post.key();
        let plan = if versions.get(&post.chat.id) != Some(&post.chat.version) {
            // Decided on a chat that has changed since (or is not there): decide again.
            Plan::Done(Err(StoreError::Conflict))
        } else if let Some(&first) = first_of.get(&key) {
            Plan::SameAs(first)
        } else {
            first_of.insert(key, i);
            match post.capped_by() {
                Some(cap) => {
                    let stored = waiting.get(&post.chat.id).is_some_and(|ids| ids.contains(&post.client_id));
                    let count = waiting_count.entry(post.chat.id).or_default();
                    if stored || *count < cap as usize {
                        *count += usize::from(!stored);
                        Plan::Insert
                    } else {
                        Plan::Done(Err(StoreError::Capped))
                    }
                }
                None => Plan::Insert,
            }
        };
        plans.push(plan);
    }

    let to_insert: Vec<usize> = plans.iter().enumerate().filter(|(_, p)| matches!(p, Plan::Insert)).map(|(i, _)| i).collect();
    let inserted = insert_messages(conn, backend, posts, &to_insert).await?;
    let resent: Vec<&Post> = to_insert.iter().map(|&i| &posts[i]).filter(|p| !inserted.contains_key(&p.key())).collect();
    let stored = find_messages_in(conn, &resent).await?;

    // The new messages' events, in the order the database numbered them.
    let mut new: Vec<(i64, usize)> = to_insert.iter().filter_map(|&i| inserted.get(&posts[i].key()).map(|&id| (id, i))).collect();
    new.sort_unstable();
    for &(id, i) in &new {
        let post = &posts[i];
        let message = message_of(post, id);
        let event = ChatEvent::MessagePosted { message };
        append(out, Audience::of(&event, &post.chat, Reach::Everyone), event, post.now_ms);
    }

    let mut outcomes: Vec<Posted> = Vec::with_capacity(posts.len());
    for (i, plan) in plans.into_iter().enumerate() {
        let post = &posts[i];
        let outcome = match plan {
            Plan::Done(outcome) => outcome,
            Plan::Insert => match inserted.get(&post.key()) {
                Some(&id) => Ok((message_of(post, id), true)),
                None => stored.get(&post.key()).cloned().map(|m| (m, false)).ok_or(StoreError::NotFound),
            },
            Plan::SameAs(first) => match &outcomes[first] {
                Ok((message, _)) => Ok((message.clone(), false)),
                Err(StoreError::Capped) => Err(StoreError::Capped),
                Err(_) => Err(StoreError::Conflict),
            },
        };
        outcomes.push(outcome);
    }
    Ok(outcomes)
}

fn message_of(post: &Post, id: i64) -> ChatMessage {
    ChatMessage {
        id,
        chat_id: post.chat.id,
        client_id: post.client_id.clone(),
        author: post.author.clone(),
        body: post.body.clone(),
        line: None,
        at_ms: post.now_ms,
        whisper: post.whisper,
    }
}

/// The version of every chat the posts name, as this transaction sees it; on PostgreSQL the
/// rows stay share-locked until commit, taken in id order so two nodes cannot deadlock on them.
async fn chat_versions(conn: &mut AnyConnection, backend: Backend, posts: &[Post]) -> StoreResult<HashMap<ChatId, i64>> {
    let mut ids: Vec<ChatId> = posts.iter().map(|p| p.chat.id).collect();
    ids.sort_unstable();
    ids.dedup();
    let lock = if backend == Backend::Postgres { " ORDER BY id FOR SHARE" } else { "" };
    let rows = sqlx::query(&format!("SELECT id, version FROM chat_requests WHERE id IN ({}){lock}", id_list(&ids)))
        .fetch_all(&mut *conn)
        .await?;
    Ok(rows.iter().map(|r| (r.get::<i64, _>("id"), r.get::<i64, _>("version"))).collect())
}

/// For the chats whose end user's posts the waiting cap counts: the client ids of the end
/// user's stored messages (at most the cap each).
async fn waiting_client_ids(conn: &mut AnyConnection, posts: &[Post]) -> StoreResult<HashMap<ChatId, HashSet<String>>> {
    let mut ids: Vec<ChatId> = posts.iter().filter(|p| p.capped_by().is_some()).map(|p| p.chat.id).collect();
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    ids.sort_unstable();
    ids.dedup();
    let rows =
        sqlx::query(&format!("SELECT chat_id, client_id FROM messages WHERE author_key = $1 AND chat_id IN ({})", id_list(&ids)))
            .bind(END_USER_AUTHOR)
            .fetch_all(&mut *conn)
            .await?;
    let mut stored: HashMap<ChatId, HashSet<String>> = ids.iter().map(|&id| (id, HashSet::new())).collect();
    for row in rows {
        stored.entry(row.get("chat_id")).or_default().insert(row.get("client_id"));
    }
    Ok(stored)
}

/// One statement whatever the number of rows (on PostgreSQL each numbered by its place among
/// them: the batch's posts come first, `chats::desk_line` numbers after them): the rows travel as one JSON array (so the
/// statement's text is the same for every batch and stays prepared). Returns the ids of the
/// rows inserted; a row whose message is already stored is skipped, and absent.
async fn insert_messages(
    conn: &mut AnyConnection,
    backend: Backend,
    posts: &[Post],
    which: &[usize],
) -> StoreResult<HashMap<Key, i64>> {
    if which.is_empty() {
        return Ok(HashMap::new());
    }
    let rows: Vec<serde_json::Value> = which
        .iter()
        .enumerate()
        .map(|(place, &i)| {
            let p = &posts[i];
            let agent = p.author.agent_id();
            serde_json::json!({
                "place": place, "chat_id": p.chat.id, "author_key": author_key(agent), "client_id": p.client_id,
                "agent_id": agent, "body": p.body, "created_at": p.now_ms, "whisper": i64::from(p.whisper),
            })
        })
        .collect();
    let sql = match backend {
        // `WHERE true`: SQLite's grammar needs it between `SELECT … FROM` and `ON CONFLICT`.
        Backend::Sqlite => {
            "INSERT INTO messages (chat_id, author_key, client_id, agent_id, body, created_at, whisper) \
             SELECT json_extract(value, '$.chat_id'), json_extract(value, '$.author_key'), json_extract(value, '$.client_id'), \
             json_extract(value, '$.agent_id'), json_extract(value, '$.body'), json_extract(value, '$.created_at'), \
             json_extract(value, '$.whisper') \
             FROM json_each($1) WHERE true \
             ON CONFLICT (chat_id, author_key, client_id) DO NOTHING RETURNING id, chat_id, author_key, client_id"
        }
        // Ids numbered like the events' positions (store/events.rs): a chat's messages in id order
        // are in stream order.
        Backend::Postgres => {
            "INSERT INTO messages (id, chat_id, author_key, client_id, agent_id, body, created_at, whisper) \
             SELECT (pg_current_xact_id()::text::bigint << 20) | place, chat_id, author_key, client_id, agent_id, body, \
             created_at, whisper FROM json_to_recordset($1::json) \
             AS m(place BIGINT, chat_id BIGINT, author_key TEXT, client_id TEXT, agent_id BIGINT, body TEXT, created_at BIGINT, \
             whisper BIGINT) \
             ON CONFLICT (chat_id, author_key, client_id) DO NOTHING RETURNING id, chat_id, author_key, client_id"
        }
    };
    let returned = sqlx::query(sql).bind(serde_json::Value::Array(rows).to_string()).fetch_all(&mut *conn).await?;
    Ok(returned.iter().map(|r| ((r.get("chat_id"), r.get("author_key"), r.get("client_id")), r.get::<i64, _>("id"))).collect())
}
