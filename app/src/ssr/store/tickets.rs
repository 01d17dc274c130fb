//! Ticket records (Interactions and Incidents), their notes, the links between records, and
//! the desk settings: reads, and the writes that change them together with their events.

use sqlx::{AnyConnection, FromRow, Row};

use super::chats::holders_in;
use super::events::{append, PendingEvent};
use super::{id_list, scope, Backend, Store, StoreError, StoreResult};
use crate::domain::access::Staff;
use crate::domain::audience::Audience;
use crate::domain::records;
use crate::model::*;

const TICKET_SELECT: &str = "SELECT t.id, t.kind, t.title, t.description, t.status, t.priority, t.category, \
    t.contact_name, t.contact_email, t.contact_phone, t.location, t.group_id, g.name AS group_name, t.assignee_id, \
    a.name AS assignee_name, a.photo_url AS assignee_photo, t.chat_id, t.version, t.created_at, t.updated_at \
    FROM tickets t JOIN assignment_groups g ON g.id = t.group_id LEFT JOIN agents a ON a.id = t.assignee_id";

#[derive(FromRow)]
struct TicketRow {
    id: i64,
    kind: String,
    title: String,
    description: String,
    status: String,
    priority: String,
    category: String,
    contact_name: String,
    contact_email: String,
    contact_phone: String,
    location: String,
    group_id: i64,
    group_name: String,
    assignee_id: Option<i64>,
    assignee_name: Option<String>,
    assignee_photo: Option<String>,
    chat_id: Option<i64>,
    version: i64,
    created_at: i64,
    updated_at: i64,
}

impl TicketRow {
    fn into_ticket(self) -> Ticket {
        let kind = TicketKind::parse(&self.kind).unwrap_or(TicketKind::Interaction);
        Ticket {
            id: self.id,
            kind,
            number: ticket_number(kind, self.id),
            fields: TicketFields {
                title: self.title,
                description: self.description,
                status: TicketStatus::parse(&self.status).unwrap_or(TicketStatus::Open),
                priority: Priority::parse(&self.priority).unwrap_or(Priority::Moderate),
                category: self.category,
                contact_name: self.contact_name,
                contact_email: self.contact_email,
                contact_phone: self.contact_phone,
                location: self.location,
            },
            group: AssignmentGroup { id: self.group_id, name: self.group_name },
            assignee: self.assignee_id.map(|id| AgentCard {
                id,
                name: self.assignee_name.unwrap_or_default(),
                photo_url: self.assignee_photo,
            }),
            version: self.version,
            created_at_ms: self.created_at,
            updated_at_ms: self.updated_at,
            chat_id: self.chat_id,
        }
    }
}

const NOTE_SELECT: &str =
    "SELECT n.id, n.ticket_id, n.agent_id, a.name AS agent_name, a.photo_url AS agent_photo, n.body, n.created_at \
     FROM notes n JOIN agents a ON a.id = n.agent_id";

#[derive(FromRow)]
struct NoteRow {
    id: i64,
    ticket_id: i64,
    agent_id: i64,
    agent_name: String,
    agent_photo: Option<String>,
    body: String,
    created_at: i64,
}

impl NoteRow {
    fn into_note(self) -> Note {
        Note {
            id: self.id,
            ticket_id: self.ticket_id,
            author: AgentCard { id: self.agent_id, name: self.agent_name, photo_url: self.agent_photo },
            body: self.body,
            at_ms: self.created_at,
        }
    }
}

/// How a record is named in `record_links`.
fn link_key(record: RecordRef) -> String {
    match record {
        RecordRef::ChatRequest(id) => format!("c:{id}"),
        RecordRef::Ticket(_, id) => format!("t:{id}"),
    }
}

/// What a search matches: the words of the title, contact and the description's start. (A
/// number is found by its id, without words.)
fn search_text(fields: &TicketFields) -> String {
    let description: String = fields.description.chars().take(2_000).collect();
    let text = format!("{} {} {} {description}", fields.title, fields.contact_name, fields.contact_email);
    records::search_words(&text).join(" ")
}

/// On SQLite, puts a ticket's words into the full-text index (PostgreSQL indexes
/// `tickets.search_text` itself); `replacing` drops the words it had.
async fn index_words(conn: &mut AnyConnection, id: TicketId, text: &str, replacing: bool) -> StoreResult<()> {
    if Backend::of(conn) == Backend::Sqlite {
        if replacing {
            sqlx::query("DELETE FROM ticket_search WHERE rowid = $1").bind(id).execute(&mut *conn).await?;
        }
        sqlx::query("INSERT INTO ticket_search (rowid, words) VALUES ($1, $2)").bind(id).bind(text).execute(&mut *conn).await?;
    }
    Ok(())
}

/// Where a new ticket belongs and whose it is.
#[derive(Clone, Debug)]
pub struct NewTicket {
    pub kind: TicketKind,
    pub fields: TicketFields,
    pub group: AssignmentGroup,
    pub assignee: Option<AgentCard>,
    pub chat_id: Option<ChatId>,
}

/// Which of a chat's records a new ticket becomes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ChatSlot {
    Interaction,
    Incident,
}

impl ChatSlot {
    fn column(self) -> &'static str {
        match self {
            ChatSlot::Interaction => "interaction_id",
            ChatSlot::Incident => "incident_id",
        }
    }
}

pub(super) async fn insert_ticket(conn: &mut AnyConnection, new: &NewTicket, now_ms: i64) -> StoreResult<Ticket> {
    let f = &new.fields;
    let words = search_text(f);
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO tickets (kind, title, description, status, priority, category, contact_name, contact_email, \
         contact_phone, location, group_id, assignee_id, chat_id, version, created_at, updated_at, search_text) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, 1, $14, $14, $15) RETURNING id",
    )
    .bind(new.kind.as_str())
    .bind(&f.title)
    .bind(&f.description)
    .bind(f.status.as_str())
    .bind(f.priority.as_str())
    .bind(&f.category)
    .bind(&f.contact_name)
    .bind(&f.contact_email)
    .bind(&f.contact_phone)
    .bind(&f.location)
    .bind(new.group.id)
    .bind(new.assignee.as_ref().map(|a| a.id))
    .bind(new.chat_id)
    .bind(now_ms)
    .bind(&words)
    .fetch_one(&mut *conn)
    .await?;
    index_words(conn, id, &words, false).await?;
    // Everything is known: no need to read it back.
    Ok(Ticket {
        id,
        kind: new.kind,
        number: ticket_number(new.kind, id),
        fields: new.fields.clone(),
        group: new.group.clone(),
        assignee: new.assignee.clone(),
        version: 1,
        created_at_ms: now_ms,
        updated_at_ms: now_ms,
        chat_id: new.chat_id,
    })
}

pub(super) async fn ticket_in(conn: &mut AnyConnection, id: TicketId) -> StoreResult<Option<Ticket>> {
    let row: Option<TicketRow> =
        sqlx::query_as(&format!("{TICKET_SELECT} WHERE t.id = $1")).bind(id).fetch_optional(&mut *conn).await?;
    Ok(row.map(TicketRow::into_ticket))
}

/// Relates two records, both ways; relating them again changes nothing.
pub(super) async fn link(conn: &mut AnyConnection, a: RecordRef, b: RecordRef) -> StoreResult<()> {
    sqlx::query("INSERT INTO record_links (record, other) VALUES ($1, $2), ($2, $1) ON CONFLICT DO NOTHING")
        .bind(link_key(a))
        .bind(link_key(b))
        .execute(&mut *conn)
        .await?;
    Ok(())
}

fn ticket_ref(ticket: &Ticket) -> RecordRef {
    RecordRef::Ticket(ticket.kind, ticket.id)
}

/// The chat's record in `slot`, if it has one (read inside the job: the authority).
async fn chat_slot(conn: &mut AnyConnection, chat_id: ChatId, slot: ChatSlot) -> StoreResult<Option<TicketId>> {
    let id: Option<i64> = sqlx::query_scalar(&format!("SELECT {} FROM chat_requests WHERE id = $1", slot.column()))
        .bind(chat_id)
        .fetch_optional(&mut *conn)
        .await?
        .flatten();
    Ok(id)
}

async fn set_chat_slot(conn: &mut AnyConnection, chat_id: ChatId, slot: ChatSlot, ticket: TicketId) -> StoreResult<()> {
    sqlx::query(&format!("UPDATE chat_requests SET {} = $1 WHERE id = $2", slot.column()))
        .bind(ticket)
        .bind(chat_id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// The Interaction an accept opens: its prefilled fields, and the accepting agent as the access
/// rule sees them.
#[derive(Clone, Debug)]
pub struct Opening {
    pub fields: TicketFields,
    pub by: Staff,
}

/// Inside the accept job (after the chat's guarded change): the chat's Interaction.
/// - A chat handed back to a queue and accepted again keeps the one it has, now the new agent's.
/// - Else the previous one the end user named, if it is an Interaction of the same contact
///   *that the accepting agent may already read* (domain/access.rs): naming a number never opens
///   a record to anyone.
/// - Else a new one from the prefilled fields.
///
/// Related to the chat either way and recorded as the chat's.
pub(super) async fn open_interaction(
    conn: &mut AnyConnection,
    chat: &ChatRequest,
    agent: &AgentCard,
    opening: Opening,
    now_ms: i64,
) -> StoreResult<Ticket> {
    if let Some(held) = chat_slot(conn, chat.id, ChatSlot::Interaction).await? {
        let ticket = ticket_in(conn, held).await?.ok_or(StoreError::NotFound)?;
        return assign(conn, &ticket, &chat.group, Some(agent), now_ms).await;
    }
    let previous = match chat.previous_ticket.as_deref().and_then(RecordRef::parse) {
        Some(RecordRef::Ticket(TicketKind::Interaction, id)) => match ticket_in(conn, id).await? {
            Some(ticket) => {
                let holders = holders_in(conn, id).await?;
                Some(ticket).filter(|t| records::same_contact(t, chat) && opening.by.may_read_ticket(t, &holders))
            }
            None => None,
        },
        _ => None,
    };
    let interaction = match previous {
        Some(previous) => previous,
        None => {
            let new = NewTicket {
                kind: TicketKind::Interaction,
                fields: opening.fields,
                group: chat.group.clone(),
                assignee: Some(agent.clone()),
                chat_id: Some(chat.id),
            };
            insert_ticket(conn, &new, now_ms).await?
        }
    };
    link(conn, RecordRef::ChatRequest(chat.id), ticket_ref(&interaction)).await?;
    set_chat_slot(conn, chat.id, ChatSlot::Interaction, interaction.id).await?;
    Ok(interaction)
}

/// Gives a ticket to `group` and `assignee` (a new version, as a save would make).
async fn assign(
    conn: &mut AnyConnection,
    ticket: &Ticket,
    group: &AssignmentGroup,
    assignee: Option<&AgentCard>,
    now_ms: i64,
) -> StoreResult<Ticket> {
    sqlx::query("UPDATE tickets SET group_id = $1, assignee_id = $2, version = version + 1, updated_at = $3 WHERE id = $4")
        .bind(group.id)
        .bind(assignee.map(|a| a.id))
        .bind(now_ms)
        .bind(ticket.id)
        .execute(&mut *conn)
        .await?;
    Ok(Ticket {
        group: group.clone(),
        assignee: assignee.cloned(),
        version: ticket.version + 1,
        updated_at_ms: now_ms,
        ..ticket.clone()
    })
}

/// Inside the transfer job: the chat's open records (`records::moves_with_chat`) follow it to
/// its new group and holder, each with a note by the agent who handed it on that says so; both
/// are published to the agents who may see the record now.
pub(super) async fn move_with_chat(
    conn: &mut AnyConnection,
    out: &mut Vec<PendingEvent>,
    before: &ChatRequest,
    after: &ChatRequest,
    by: &AgentCard,
    now_ms: i64,
) -> StoreResult<()> {
    let mut held = Vec::new();
    for slot in [ChatSlot::Interaction, ChatSlot::Incident] {
        if let Some(id) = chat_slot(conn, before.id, slot).await? {
            held.extend(ticket_in(conn, id).await?);
        }
    }
    for ticket in held.iter().filter(|t| records::moves_with_chat(t)) {
        let moved = assign(conn, ticket, &after.group, after.agent.as_ref(), now_ms).await?;
        let audience = Audience::of_ticket(&moved, &holders_in(conn, moved.id).await?);
        append(out, audience.clone(), ChatEvent::TicketSaved { ticket: moved.clone() }, now_ms);
        let note = insert_note(conn, moved.id, by, records::moved_note(before, after), now_ms).await?;
        append(out, audience, ChatEvent::NoteAdded { note }, now_ms);
    }
    Ok(())
}

async fn insert_note(
    conn: &mut AnyConnection,
    ticket: TicketId,
    author: &AgentCard,
    body: String,
    now_ms: i64,
) -> StoreResult<Note> {
    let id: i64 =
        sqlx::query_scalar("INSERT INTO notes (ticket_id, agent_id, body, created_at) VALUES ($1, $2, $3, $4) RETURNING id")
            .bind(ticket)
            .bind(author.id)
            .bind(&body)
            .bind(now_ms)
            .fetch_one(&mut *conn)
            .await?;
    Ok(Note { id, ticket_id: ticket, author: author.clone(), body, at_ms: now_ms })
}

/// Inside a job: the chat's incident, created from `fields` unless it has one already (so
/// converting twice, or converting after a missed chat, never makes a second). Related to the
/// chat and to its interaction. Returns it and whether it is new.
pub(super) async fn chat_incident(
    conn: &mut AnyConnection,
    chat: &ChatRequest,
    fields: TicketFields,
    assignee: Option<AgentCard>,
    now_ms: i64,
) -> StoreResult<(Ticket, bool)> {
    if let Some(existing) = chat_slot(conn, chat.id, ChatSlot::Incident).await? {
        return Ok((ticket_in(conn, existing).await?.ok_or(StoreError::NotFound)?, false));
    }
    let new = NewTicket { kind: TicketKind::Incident, fields, group: chat.group.clone(), assignee, chat_id: Some(chat.id) };
    let incident = insert_ticket(conn, &new, now_ms).await?;
    link(conn, RecordRef::ChatRequest(chat.id), ticket_ref(&incident)).await?;
    if let Some(interaction) = chat_slot(conn, chat.id, ChatSlot::Interaction).await? {
        link(conn, RecordRef::Ticket(TicketKind::Interaction, interaction), ticket_ref(&incident)).await?;
    }
    set_chat_slot(conn, chat.id, ChatSlot::Incident, incident.id).await?;
    Ok((incident, true))
}

/// The desk settings as stored, read inside a job.
pub(super) async fn settings_in(conn: &mut AnyConnection) -> StoreResult<Option<DeskSettings>> {
    setting_in(conn, "desk").await
}

/// One entry of the `settings` table (JSON under its key), if stored.
pub(super) async fn setting_in<T: serde::de::DeserializeOwned>(conn: &mut AnyConnection, key: &str) -> StoreResult<Option<T>> {
    let value: Option<String> =
        sqlx::query_scalar("SELECT value FROM settings WHERE key = $1").bind(key).fetch_optional(&mut *conn).await?;
    Ok(value.map(|v| serde_json::from_str(&v)).transpose()?)
}

/// Stores one entry of the `settings` table; `only_if_unset` keeps what is there.
pub(super) async fn put_setting(conn: &mut AnyConnection, key: &str, value: &str, only_if_unset: bool) -> StoreResult<()> {
    let sql = if only_if_unset {
        "INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING"
    } else {
        "INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value"
    };
    sqlx::query(sql).bind(key).bind(value).execute(&mut *conn).await?;
    Ok(())
}

impl Store {
    pub async fn ticket(&self, id: TicketId) -> StoreResult<Option<Ticket>> {
        let mut conn = self.pool.acquire().await?;
        ticket_in(&mut conn, id).await
    }

    pub async fn tickets(&self, ids: &[TicketId]) -> StoreResult<Vec<Ticket>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let rows: Vec<TicketRow> =
            sqlx::query_as(&format!("{TICKET_SELECT} WHERE t.id IN ({})", id_list(ids))).fetch_all(&self.pool).await?;
        Ok(rows.into_iter().map(TicketRow::into_ticket).collect())
    }

    /// Those of these tickets that `staff` may read.
    async fn tickets_in_scope(&self, ids: &[TicketId], staff: &Staff) -> StoreResult<Vec<Ticket>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!("{TICKET_SELECT} WHERE t.id IN ({}) AND {} ORDER BY t.id", id_list(ids), scope::tickets(staff, "t"));
        let rows: Vec<TicketRow> = sqlx::query_as(&sql).fetch_all(&self.pool).await?;
        Ok(rows.into_iter().map(TicketRow::into_ticket).collect())
    }

    /// The chats that hold a ticket as their interaction or incident: whose participants may
    /// work on it (domain/access.rs).
    pub async fn holders(&self, ticket: TicketId) -> StoreResult<Vec<ChatRequest>> {
        let mut conn = self.pool.acquire().await?;
        holders_in(&mut conn, ticket).await
    }

    pub async fn notes(&self, ticket_ids: &[TicketId]) -> StoreResult<Vec<Note>> {
        if ticket_ids.is_empty() {
            return Ok(Vec::new());
        }
        let rows: Vec<NoteRow> =
            sqlx::query_as(&format!("{NOTE_SELECT} WHERE n.ticket_id IN ({}) ORDER BY n.id", id_list(ticket_ids)))
                .fetch_all(&self.pool)
                .await?;
        Ok(rows.into_iter().map(NoteRow::into_note).collect())
    }

    /// The records beside each of these chats (its interaction and incident, and the notes of
    /// where its notes go), in a fixed number of queries.
    pub async fn chat_records(&self, chats: &[ChatRequest]) -> StoreResult<Vec<ChatRecords>> {
        if chats.is_empty() {
            return Ok(Vec::new());
        }
        let ids: Vec<ChatId> = chats.iter().map(|c| c.id).collect();
        let rows =
            sqlx::query(&format!("SELECT id, interaction_id, incident_id FROM chat_requests WHERE id IN ({})", id_list(&ids)))
                .fetch_all(&self.pool)
                .await?;
        let slots: Vec<(ChatId, Option<TicketId>, Option<TicketId>)> =
            rows.iter().map(|r| (r.get("id"), r.get("interaction_id"), r.get("incident_id"))).collect();
        let ticket_ids: Vec<TicketId> = slots.iter().flat_map(|(_, a, b)| [*a, *b]).flatten().collect();
        let tickets = self.tickets(&ticket_ids).await?;
        let find = |id: Option<TicketId>| id.and_then(|id| tickets.iter().find(|t| t.id == id).cloned());
        let mut records: Vec<ChatRecords> = chats
            .iter()
            .map(|chat| {
                let (interaction, incident) =
                    slots.iter().find(|(id, _, _)| *id == chat.id).map_or((None, None), |(_, a, b)| (find(*a), find(*b)));
                let notice = records::accept_notice(chat, interaction.as_ref());
                ChatRecords { chat_id: chat.id, interaction, incident, notes: Vec::new(), notice }
            })
            .collect();
        let targets: Vec<TicketId> = records.iter().filter_map(|r| r.note_target().map(|t| t.id)).collect();
        let notes = self.notes(&targets).await?;
        for r in &mut records {
            if let Some(target) = r.note_target().map(|t| t.id) {
                r.notes = notes.iter().filter(|n| n.ticket_id == target).cloned().collect();
            }
        }
        Ok(records)
    }

    /// Every record related to `record` that `staff` may read, as list lines.
    pub async fn related(&self, record: RecordRef, staff: &Staff) -> StoreResult<Vec<RelatedRecord>> {
        let others: Vec<String> = sqlx::query_scalar("SELECT other FROM record_links WHERE record = $1 ORDER BY other")
            .bind(link_key(record))
            .fetch_all(&self.pool)
            .await?;
        let ids = |prefix: &str| -> Vec<i64> { others.iter().filter_map(|o| o.strip_prefix(prefix)?.parse().ok()).collect() };
        let (chat_ids, ticket_ids) = (ids("c:"), ids("t:"));
        let mut related = Vec::with_capacity(others.len());
        if !chat_ids.is_empty() {
            let rows = sqlx::query(&format!(
                "SELECT c.id, c.question, c.state FROM chat_requests c WHERE c.id IN ({}) AND {} ORDER BY c.id",
                id_list(&chat_ids),
                scope::chat_records(staff, "c")
            ))
            .fetch_all(&self.pool)
            .await?;
            related.extend(rows.iter().map(|r| {
                let id: i64 = r.get("id");
                let state: String = r.get("state");
                RelatedRecord {
                    record: RecordRef::ChatRequest(id),
                    number: chat_number(id),
                    title: r.get("question"),
                    status: crate::domain::lifecycle::ChatState::parse(&state).map_or(state.clone(), |s| s.label().to_string()),
                }
            }));
        }
        for t in self.tickets_in_scope(&ticket_ids, staff).await? {
            related.push(RelatedRecord {
                record: RecordRef::Ticket(t.kind, t.id),
                number: t.number,
                title: t.fields.title,
                status: t.fields.status.label().to_string(),
            });
        }
        Ok(related)
    }

    /// Tickets matching `query` that `staff` may read (domain/access.rs), newest first, a page
    /// at a time.
    pub async fn search_tickets(&self, staff: &Staff, query: &RecordQuery) -> StoreResult<RecordPage> {
        let text = query.text.trim();
        let words: Vec<String> = records::search_words(text).into_iter().take(records::MAX_SEARCH_WORDS).collect();
        let by_number = match RecordRef::parse(text) {
            Some(RecordRef::Ticket(_, id)) => Some(id),
            _ => None,
        };
        // Only punctuation: nothing to look for, nothing found.
        if !text.is_empty() && words.is_empty() {
            return Ok(RecordPage { rows: Vec::new(), more: false });
        }
        // On SQLite a text search is driven by the full-text index, newest first, so a word
        // every record has still stops after one page instead of collecting every match.
        let fts = by_number.is_none() && !words.is_empty() && self.backend == Backend::Sqlite;
        let (from, order) =
            if fts { ("ticket_search s JOIN tickets t ON t.id = s.rowid", "s.rowid") } else { ("tickets t", "t.id") };
        let mut sql = format!(
            "SELECT t.id, t.kind, t.title, t.status, t.contact_name, g.name AS group_name, t.updated_at \
             FROM {from} JOIN assignment_groups g ON g.id = t.group_id WHERE 1 = 1"
        );
        sql.push_str(&format!(" AND {}", scope::tickets(staff, "t")));
        let mut binds: Vec<String> = Vec::new();
        let mut param = |sql: &mut String, clause: &str, value: String| {
            binds.push(value);
            sql.push_str(&clause.replace('?', &format!("${}", binds.len())));
        };
        if let Some(kind) = query.kind {
            param(&mut sql, " AND t.kind = ?", kind.as_str().to_string());
        }
        if let Some(status) = query.status {
            param(&mut sql, " AND t.status = ?", status.as_str().to_string());
        }
        if let Some(id) = by_number {
            // A record number finds that record (and nothing else).
            sql.push_str(&format!(" AND t.id = {id}"));
        } else if !words.is_empty() {
            // Every word a prefix of a word of the record; the words are letters and digits
            // only, so they need no escaping inside either database's query syntax.
            match self.backend {
                Backend::Sqlite => {
                    let query = words.iter().map(|w| format!("\"{w}\"*")).collect::<Vec<_>>().join(" ");
                    param(&mut sql, " AND ticket_search MATCH ?", query);
                }
                Backend::Postgres => {
                    let query = words.iter().map(|w| format!("{w}:*")).collect::<Vec<_>>().join(" & ");
                    param(&mut sql, " AND to_tsvector('simple', t.search_text) @@ to_tsquery('simple', ?)", query);
                }
            }
        }
        if let Some(before) = query.before {
            sql.push_str(&format!(" AND {order} < {before}"));
        }
        sql.push_str(&format!(" ORDER BY {order} DESC LIMIT {}", RECORD_PAGE + 1));
        let mut select = sqlx::query(&sql);
        for value in binds {
            select = select.bind(value);
        }
        let rows = select.fetch_all(&self.pool).await?;
        let mut rows: Vec<RecordRow> = rows
            .iter()
            .map(|r| {
                let id: i64 = r.get("id");
                let kind = TicketKind::parse(&r.get::<String, _>("kind")).unwrap_or(TicketKind::Interaction);
                RecordRow {
                    id,
                    kind,
                    number: ticket_number(kind, id),
                    title: r.get("title"),
                    status: TicketStatus::parse(&r.get::<String, _>("status")).unwrap_or(TicketStatus::Open),
                    contact_name: r.get("contact_name"),
                    group_name: r.get("group_name"),
                    updated_at_ms: r.get("updated_at"),
                }
            })
            .collect();
        let more = rows.len() > RECORD_PAGE;
        rows.truncate(RECORD_PAGE);
        Ok(RecordPage { rows, more })
    }

    /// The desk settings, if an admin (or the first start) saved them.
    pub async fn settings(&self) -> StoreResult<Option<DeskSettings>> {
        let mut conn = self.pool.acquire().await?;
        settings_in(&mut conn).await
    }

    /// Saves the settings; `only_if_unset` seeds them at the first start without overriding
    /// what an admin chose.
    pub async fn save_settings(&self, settings: &DeskSettings, only_if_unset: bool) -> StoreResult<()> {
        let value = serde_json::to_string(settings)?;
        self.write(move |conn, _out| {
            Box::pin(async move { put_setting(conn, "desk", &value, only_if_unset).await })
        })
        .await
    }

    /// Saves an agent's edit if the ticket is still at `version`; `Conflict` if someone saved
    /// it meanwhile (the caller reads the current values to show them).
    pub async fn save_ticket(&self, id: TicketId, fields: TicketFields, version: i64, now_ms: i64) -> StoreResult<Ticket> {
        self.write(move |conn, out| {
            Box::pin(async move {
                let updated = sqlx::query(
                    "UPDATE tickets SET title = $1, description = $2, status = $3, priority = $4, category = $5, \
                     contact_name = $6, contact_email = $7, contact_phone = $8, location = $9, \
                     version = version + 1, updated_at = $10 WHERE id = $11 AND version = $12",
                )
                .bind(&fields.title)
                .bind(&fields.description)
                .bind(fields.status.as_str())
                .bind(fields.priority.as_str())
                .bind(&fields.category)
                .bind(&fields.contact_name)
                .bind(&fields.contact_email)
                .bind(&fields.contact_phone)
                .bind(&fields.location)
                .bind(now_ms)
                .bind(id)
                .bind(version)
                .execute(&mut *conn)
                .await?;
                if updated.rows_affected() != 1 {
                    return Err(StoreError::Conflict);
                }
                let words = search_text(&fields);
                sqlx::query("UPDATE tickets SET search_text = $1 WHERE id = $2")
                    .bind(&words)
                    .bind(id)
                    .execute(&mut *conn)
                    .await?;
                index_words(conn, id, &words, true).await?;
                let ticket = ticket_in(conn, id).await?.ok_or(StoreError::NotFound)?;
                let event = ChatEvent::TicketSaved { ticket: ticket.clone() };
                append(out, Audience::of_ticket(&ticket, &holders_in(conn, id).await?), event, now_ms);
                Ok(ticket)
            })
        })
        .await
    }

    /// The chat's incident: made from `fields` unless it has one already. Returns it and
    /// whether it is new; a new one is published to the desk.
    pub async fn chat_incident(
        &self,
        chat: &ChatRequest,
        fields: TicketFields,
        assignee: Option<AgentCard>,
        now_ms: i64,
    ) -> StoreResult<(Ticket, bool)> {
        let chat = chat.clone();
        self.write(move |conn, out| {
            Box::pin(async move {
                let (incident, new) = chat_incident(conn, &chat, fields, assignee, now_ms).await?;
                if new {
                    let event = ChatEvent::TicketSaved { ticket: incident.clone() };
                    append(out, Audience::of_ticket(&incident, &holders_in(conn, incident.id).await?), event, now_ms);
                }
                Ok((incident, new))
            })
        })
        .await
    }

    /// The incident an end user's "Leave a message" makes, once per `request_key`: a retried
    /// submit returns the first one's (and `false`). A new one is published to the desk.
    pub async fn leave_message(&self, request_key: &str, new: NewTicket, now_ms: i64) -> StoreResult<(Ticket, bool)> {
        let key = request_key.to_string();
        self.write(move |conn, out| {
            Box::pin(async move {
                // The key first: a second sender of it (another node) waits here for the first
                // one's transaction, then finds its row.
                let claimed: Option<String> = sqlx::query_scalar(
                    "INSERT INTO offline_requests (request_key, created_at) VALUES ($1, $2) \
                     ON CONFLICT (request_key) DO NOTHING RETURNING request_key",
                )
                .bind(&key)
                .bind(now_ms)
                .fetch_optional(&mut *conn)
                .await?;
                if claimed.is_none() {
                    let made: Option<i64> =
                        sqlx::query_scalar("SELECT ticket_id FROM offline_requests WHERE request_key = $1")
                            .bind(&key)
                            .fetch_one(&mut *conn)
                            .await?;
                    let ticket = ticket_in(conn, made.ok_or(StoreError::NotFound)?).await?.ok_or(StoreError::NotFound)?;
                    return Ok((ticket, false));
                }
                let ticket = insert_ticket(conn, &new, now_ms).await?;
                sqlx::query("UPDATE offline_requests SET ticket_id = $1 WHERE request_key = $2")
                    .bind(ticket.id)
                    .bind(&key)
                    .execute(&mut *conn)
                    .await?;
                append(out, Audience::of_ticket(&ticket, &[]), ChatEvent::TicketSaved { ticket: ticket.clone() }, now_ms);
                Ok((ticket, true))
            })
        })
        .await
    }

    /// The offline requests of `groups` nobody took yet (`records::awaits_taking`, as SQL),
    /// oldest first, at most `limit`.
    pub async fn offline_requests(&self, groups: &[GroupId], limit: usize) -> StoreResult<Vec<Ticket>> {
        if groups.is_empty() {
            return Ok(Vec::new());
        }
        let rows: Vec<TicketRow> = sqlx::query_as(&format!(
            "{TICKET_SELECT} WHERE t.kind = $1 AND t.category = $2 AND t.assignee_id IS NULL AND t.status = $3 \
             AND t.group_id IN ({}) ORDER BY t.id LIMIT $4",
            id_list(groups)
        ))
        .bind(TicketKind::Incident.as_str())
        .bind(records::OFFLINE_REQUEST)
        .bind(TicketStatus::Open.as_str())
        .bind(limit as i64)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(TicketRow::into_ticket).collect())
    }

    /// "Take" an offline request: assigned to `agent` and in progress, if it still awaits
    /// taking (else `Conflict`: a colleague was first); published like any save.
    pub async fn take_offline_request(&self, id: TicketId, agent: &AgentCard, now_ms: i64) -> StoreResult<Ticket> {
        let agent = agent.id;
        self.write(move |conn, out| {
            Box::pin(async move {
                let taken = sqlx::query(
                    "UPDATE tickets SET assignee_id = $1, status = $2, version = version + 1, updated_at = $3 \
                     WHERE id = $4 AND kind = $5 AND category = $6 AND assignee_id IS NULL AND status = $7",
                )
                .bind(agent)
                .bind(TicketStatus::InProgress.as_str())
                .bind(now_ms)
                .bind(id)
                .bind(TicketKind::Incident.as_str())
                .bind(records::OFFLINE_REQUEST)
                .bind(TicketStatus::Open.as_str())
                .execute(&mut *conn)
                .await?;
                if taken.rows_affected() != 1 {
                    return Err(StoreError::Conflict);
                }
                let ticket = ticket_in(conn, id).await?.ok_or(StoreError::NotFound)?;
                let event = ChatEvent::TicketSaved { ticket: ticket.clone() };
                append(out, Audience::of_ticket(&ticket, &holders_in(conn, id).await?), event, now_ms);
                Ok(ticket)
            })
        })
        .await
    }

    /// Adds an agent's note to a ticket, published to the agents who may read it (never the
    /// end user).
    pub async fn add_note(&self, ticket: &Ticket, author: &AgentCard, body: &str, now_ms: i64) -> StoreResult<Note> {
        let (ticket, author, body) = (ticket.clone(), author.clone(), body.to_string());
        self.write(move |conn, out| {
            Box::pin(async move {
                let note = insert_note(conn, ticket.id, &author, body, now_ms).await?;
                let event = ChatEvent::NoteAdded { note: note.clone() };
                append(out, Audience::of_ticket(&ticket, &holders_in(conn, ticket.id).await?), event, now_ms);
                Ok(note)
            })
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{form, group_with_agent, TempDb};
    use super::*;

    #[tokio::test]
    async fn the_consoles_list_of_offline_requests_is_what_awaits_taking_and_one_take_wins() {
        let db = TempDb::new();
        let store = db.open().await;
        let (group, agent) = group_with_agent(&store).await;
        let network = AssignmentGroup { id: group, name: "Network".into() };
        let other = store.ensure_group("Hardware").await.unwrap();
        let left = |n: usize, group: AssignmentGroup, category: Option<&str>| {
            let mut fields = records::offline_request_incident(&form(group.id, n), &group);
            if let Some(category) = category {
                fields.category = category.into();
            }
            NewTicket { kind: TicketKind::Incident, fields, group, assignee: None, chat_id: None }
        };
        let mut made = Vec::new();
        for (n, new) in [
            left(1, network.clone(), None),
            left(2, network.clone(), None),
            left(3, network.clone(), Some("Hardware fault")),
            left(4, AssignmentGroup { id: other, name: "Hardware".into() }, None),
            left(5, network.clone(), None),
        ]
        .into_iter()
        .enumerate()
        {
            made.push(store.leave_message(&format!("key-{n}"), new, 10).await.unwrap().0);
        }
        // One closed by hand, one taken.
        let closed = TicketFields { status: TicketStatus::Closed, ..made[1].fields.clone() };
        store.save_ticket(made[1].id, closed, made[1].version, 20).await.unwrap();
        let taken = store.take_offline_request(made[4].id, &agent, 30).await.unwrap();
        assert_eq!((taken.assignee.as_ref().map(|a| a.id), taken.fields.status), (Some(agent.id), TicketStatus::InProgress));
        assert!(matches!(store.take_offline_request(made[4].id, &agent, 31).await, Err(StoreError::Conflict)), "taken once");
        assert!(matches!(store.take_offline_request(made[2].id, &agent, 31).await, Err(StoreError::Conflict)), "not an offline request");

        let now = store.tickets(&made.iter().map(|t| t.id).collect::<Vec<_>>()).await.unwrap();
        let awaiting: Vec<TicketId> = now.iter().filter(|t| t.group.id == group && records::awaits_taking(t)).map(|t| t.id).collect();
        let listed: Vec<TicketId> = store.offline_requests(&[group], 100).await.unwrap().iter().map(|t| t.id).collect();
        assert_eq!(listed, awaiting, "the SQL says what the rule says");
        assert_eq!(listed, vec![made[0].id]);
        assert_eq!(store.offline_requests(&[group, other], 100).await.unwrap().len(), 2);
        assert!(store.offline_requests(&[], 100).await.unwrap().is_empty());
    }
}
