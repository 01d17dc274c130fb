//! The supervisor's live monitor (issue 18): the boards of the groups they supervise, a chat
//! watched read-only, whispers. The rules are domain/access.rs's (`watched_groups`,
//! `may_watch_chat`); joining is `join_chat` (team.rs).
use leptos::prelude::*;
use leptos::server_fn::codec::Json;

use crate::model::*;

/// The boards of the groups the agent supervises, as they are now (the page's first render;
/// the live link sends them again as they change).
#[server(endpoint = "load_monitor", input = Json)]
pub async fn load_monitor() -> Result<Vec<GroupBoard>, ApiError> {
    let (state, agent) = super::ctx::agent().await?;
    state.desk.monitor(&agent).await.map_err(super::ctx::fail)
}

/// A chat of a supervised group, read-only: its whole transcript, whispers included.
#[server(endpoint = "watch_chat", input = Json)]
pub async fn watch_chat(chat_id: ChatId) -> Result<ChatTranscript, ApiError> {
    let (state, agent) = super::ctx::agent().await?;
    state.desk.watch_chat(&agent, chat_id).await.map_err(super::ctx::fail)
}

/// A whisper to the chat's agents; never shown to the end user.
#[server(endpoint = "whisper", input = Json)]
pub async fn whisper(chat_id: ChatId, client_id: String, body: String) -> Result<ChatMessage, ApiError> {
    let (state, agent) = super::ctx::agent().await?;
    state.desk.whisper(&agent, chat_id, &client_id, &body).await.map_err(super::ctx::fail)
}

/// A report of the groups the agent supervises (issue 18): figures per day, per hour of the
/// week and per agent, with charts.
#[server(endpoint = "load_report", input = Json)]
pub async fn load_report(query: ReportQuery) -> Result<ReportView, ApiError> {
    let (state, agent) = super::ctx::agent().await?;
    state.desk.report(&agent, &query).await.map_err(super::ctx::fail)
}
