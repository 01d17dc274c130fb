//! Record endpoints: the records beside a chat, tickets, notes, search, history, settings.
//! Each starts from the session cookie; what an agent may see is the desk's decision.
use leptos::prelude::*;
use leptos::server_fn::codec::Json;

use crate::model::*;

/// The interaction and incident beside a chat.
#[server(endpoint = "load_chat_records", input = Json)]
pub async fn load_chat_records(chat_id: ChatId) -> Result<ChatRecords, ApiError> {
    let (state, agent) = super::ctx::agent().await?;
    state.desk.chat_records(&agent, chat_id).await.map_err(super::ctx::fail)
}

/// Saves a ticket edited from `version`; `ApiError::Stale` carries the current values when
/// someone saved it meanwhile.
#[server(endpoint = "save_ticket", input = Json)]
pub async fn save_ticket(ticket_id: TicketId, fields: TicketFields, version: i64) -> Result<Ticket, ApiError> {
    let (state, agent) = super::ctx::agent().await?;
    state.desk.save_ticket(&agent, ticket_id, fields, version).await.map_err(super::ctx::fail)
}

/// "Take" an offline request listed in the console: it becomes the caller's, in progress.
#[server(endpoint = "take_offline_request", input = Json)]
pub async fn take_offline_request(ticket_id: TicketId) -> Result<Ticket, ApiError> {
    let (state, agent) = super::ctx::agent().await?;
    state.desk.take_offline_request(&agent, ticket_id).await.map_err(super::ctx::fail)
}

#[server(endpoint = "convert_to_incident", input = Json)]
pub async fn convert_to_incident(chat_id: ChatId) -> Result<Ticket, ApiError> {
    let (state, agent) = super::ctx::agent().await?;
    state.desk.convert_to_incident(&agent, chat_id).await.map_err(super::ctx::fail)
}

#[server(endpoint = "add_as_request", input = Json)]
pub async fn add_as_request(chat_id: ChatId) -> Result<Ticket, ApiError> {
    let (state, agent) = super::ctx::agent().await?;
    state.desk.add_as_request(&agent, chat_id).await.map_err(super::ctx::fail)
}

/// A note from the chat window, on the chat's incident (or its interaction).
#[server(endpoint = "add_chat_note", input = Json)]
pub async fn add_chat_note(chat_id: ChatId, body: String) -> Result<Note, ApiError> {
    let (state, agent) = super::ctx::agent().await?;
    state.desk.add_chat_note(&agent, chat_id, &body).await.map_err(super::ctx::fail)
}

#[server(endpoint = "add_ticket_note", input = Json)]
pub async fn add_ticket_note(ticket_id: TicketId, body: String) -> Result<Note, ApiError> {
    let (state, agent) = super::ctx::agent().await?;
    state.desk.add_ticket_note(&agent, ticket_id, &body).await.map_err(super::ctx::fail)
}

/// A record page by its number: `CR…`, `SD…` or `IM…`.
#[server(endpoint = "load_record", input = Json)]
pub async fn load_record(number: String) -> Result<RecordView, ApiError> {
    let (state, agent) = super::ctx::agent().await?;
    state.desk.record(&agent, &number).await.map_err(super::ctx::fail)
}

#[server(endpoint = "search_records", input = Json)]
pub async fn search_records(query: RecordQuery) -> Result<RecordPage, ApiError> {
    let (state, agent) = super::ctx::agent().await?;
    state.desk.search_records(&agent, &query).await.map_err(super::ctx::fail)
}

/// Past chats of the agent and their groups, newest first; `before` pages back.
#[server(endpoint = "load_history", input = Json)]
pub async fn load_history(before: Option<ChatId>) -> Result<HistoryPage, ApiError> {
    let (state, agent) = super::ctx::agent().await?;
    state.desk.history(&agent, before).await.map_err(super::ctx::fail)
}

#[server(endpoint = "load_settings", input = Json)]
pub async fn load_settings() -> Result<DeskSettings, ApiError> {
    let (state, _agent) = super::ctx::agent().await?;
    state.desk.settings().await.map_err(super::ctx::fail)
}

#[server(endpoint = "save_settings", input = Json)]
pub async fn save_settings(settings: DeskSettings) -> Result<DeskSettings, ApiError> {
    let (state, agent) = super::ctx::agent().await?;
    state.desk.save_settings(&agent, settings).await.map_err(super::ctx::fail)
}
