//! Team endpoints: presence, inviting agents into a chat, joining and leaving it, transferring
//! it. Each starts from the session cookie; the rules are domain/team.rs's.
use leptos::prelude::*;
use leptos::server_fn::codec::Json;

use crate::model::*;

/// Every agent with their groups and presence (the invite and transfer dialogs).
#[server(endpoint = "list_team", input = Json)]
pub async fn list_team() -> Result<Vec<TeamMember>, ApiError> {
    let (state, _agent) = super::ctx::agent().await?;
    state.desk.team().await.map_err(super::ctx::fail)
}

/// The agent sets themself online or away.
#[server(endpoint = "set_availability", input = Json)]
pub async fn set_availability(availability: Availability) -> Result<TeamMember, ApiError> {
    let (state, agent) = super::ctx::agent().await?;
    state.desk.set_availability(&agent, availability).await.map_err(super::ctx::fail)
}

#[server(endpoint = "invite_agent", input = Json)]
pub async fn invite_agent(chat_id: ChatId, agent_id: AgentId) -> Result<(), ApiError> {
    let (state, agent) = super::ctx::agent().await?;
    state.desk.invite(&agent, chat_id, agent_id).await.map_err(super::ctx::fail)
}

/// Accepts an invitation: the whole chat so far comes back.
#[server(endpoint = "join_chat", input = Json)]
pub async fn join_chat(chat_id: ChatId) -> Result<ChatTranscript, ApiError> {
    let (state, agent) = super::ctx::agent().await?;
    state.desk.join(&agent, chat_id).await.map_err(super::ctx::fail)
}

#[server(endpoint = "leave_chat", input = Json)]
pub async fn leave_chat(chat_id: ChatId) -> Result<(), ApiError> {
    let (state, agent) = super::ctx::agent().await?;
    state.desk.leave(&agent, chat_id).await.map_err(super::ctx::fail)
}

#[server(endpoint = "transfer_chat", input = Json)]
pub async fn transfer_chat(chat_id: ChatId, target: TransferTarget) -> Result<(), ApiError> {
    let (state, agent) = super::ctx::agent().await?;
    state.desk.transfer(&agent, chat_id, target).await.map_err(super::ctx::fail)
}

/// An admin gives a waiting request to an online agent of its group, as if they accepted it.
#[server(endpoint = "assign_chat", input = Json)]
pub async fn assign_chat(chat_id: ChatId, agent_id: AgentId) -> Result<(), ApiError> {
    let (state, agent) = super::ctx::agent().await?;
    state.desk.assign(&agent, chat_id, agent_id).await.map_err(super::ctx::fail)
}
