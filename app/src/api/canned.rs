//! Canned message endpoints: the agent's list, and the management screen's saves and deletes.
use leptos::prelude::*;
use leptos::server_fn::codec::Json;

use crate::model::*;

#[server(endpoint = "list_canned_messages", input = Json)]
pub async fn list_canned_messages() -> Result<Vec<CannedMessage>, ApiError> {
    let (state, agent) = super::ctx::agent().await?;
    state.desk.canned_messages(&agent).await.map_err(super::ctx::fail)
}

/// Creates (`id` None) or changes a canned message.
#[server(endpoint = "save_canned_message", input = Json)]
pub async fn save_canned_message(id: Option<CannedId>, draft: CannedDraft) -> Result<CannedMessage, ApiError> {
    let (state, agent) = super::ctx::agent().await?;
    state.desk.save_canned(&agent, id, &draft).await.map_err(super::ctx::fail)
}

#[server(endpoint = "delete_canned_message", input = Json)]
pub async fn delete_canned_message(id: CannedId) -> Result<(), ApiError> {
    let (state, agent) = super::ctx::agent().await?;
    state.desk.delete_canned(&agent, id).await.map_err(super::ctx::fail)
}
