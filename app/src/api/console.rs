//! Agent endpoints; each one starts from the session cookie.
use leptos::prelude::*;
use leptos::server_fn::codec::Json;

use crate::model::*;

#[server(endpoint = "load_console", input = Json)]
pub async fn load_console() -> Result<ConsoleSnapshot, ApiError> {
    let (state, agent) = super::ctx::agent().await?;
    state.desk.console_snapshot(agent).await.map_err(super::ctx::fail)
}

#[server(endpoint = "load_chat", input = Json)]
pub async fn load_chat(chat_id: ChatId) -> Result<ChatTranscript, ApiError> {
    let (state, agent) = super::ctx::agent().await?;
    state.desk.agent_transcript(&agent, chat_id).await.map_err(super::ctx::fail)
}

/// The page of messages before `before` (a message id) in one of the agent's chats.
#[server(endpoint = "load_earlier", input = Json)]
pub async fn load_earlier(chat_id: ChatId, before: i64) -> Result<MessagePage, ApiError> {
    let (state, agent) = super::ctx::agent().await?;
    state.desk.earlier_messages(&agent, chat_id, before).await.map_err(super::ctx::fail)
}

#[server(endpoint = "accept_chat", input = Json)]
pub async fn accept_chat(chat_id: ChatId) -> Result<AcceptOutcome, ApiError> {
    let (state, agent) = super::ctx::agent().await?;
    state.desk.accept(&agent, chat_id).await.map_err(super::ctx::fail)
}

/// The agent declines the chat the desk offers them (auto-assign groups); it goes on to a
/// colleague. Declining an offer that already ended changes nothing.
#[server(endpoint = "decline_offer", input = Json)]
pub async fn decline_offer(chat_id: ChatId) -> Result<(), ApiError> {
    let (state, agent) = super::ctx::agent().await?;
    state.desk.decline_offer(&agent, chat_id).await.map_err(super::ctx::fail)
}

#[server(endpoint = "post_as_agent", input = Json)]
pub async fn post_as_agent(chat_id: ChatId, client_id: String, body: String) -> Result<ChatMessage, ApiError> {
    let (state, agent) = super::ctx::agent().await?;
    state.desk.post_as_agent(&agent, chat_id, &client_id, &body).await.map_err(super::ctx::fail)
}

#[server(endpoint = "end_chat", input = Json)]
pub async fn end_chat(chat_id: ChatId) -> Result<(), ApiError> {
    let (state, agent) = super::ctx::agent().await?;
    state.desk.end_as_agent(&agent, chat_id).await.map_err(super::ctx::fail)
}
