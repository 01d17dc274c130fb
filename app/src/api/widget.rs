//! End-user endpoints. The chat token is the end user's only key: every call carries it.
use leptos::prelude::*;
use leptos::server_fn::codec::Json;

use crate::model::*;

/// The groups to choose from, each saying whether one of its agents is online right now.
#[server(endpoint = "list_groups", input = Json)]
pub async fn list_groups() -> Result<Vec<GroupOption>, ApiError> {
    let state = super::ctx::state()?;
    state.desk.group_options().await.map_err(super::ctx::fail)
}

#[server(endpoint = "request_chat", input = Json)]
pub async fn request_chat(form: StartChat) -> Result<StartChatOutcome, ApiError> {
    let state = super::ctx::state()?;
    state.desk.start_chat(&form).await.map_err(super::ctx::fail)
}

#[server(endpoint = "resume_chat", input = Json)]
pub async fn resume_chat(token: String) -> Result<WidgetSnapshot, ApiError> {
    let state = super::ctx::state()?;
    state.desk.widget_snapshot(&token).await.map_err(super::ctx::fail)
}

#[server(endpoint = "post_as_end_user", input = Json)]
pub async fn post_as_end_user(token: String, client_id: String, body: String) -> Result<ChatMessage, ApiError> {
    let state = super::ctx::state()?;
    state.desk.post_as_end_user(&token, &client_id, &body).await.map_err(super::ctx::fail)
}

#[server(endpoint = "end_as_end_user", input = Json)]
pub async fn end_as_end_user(token: String) -> Result<(), ApiError> {
    let state = super::ctx::state()?;
    state.desk.end_as_end_user(&token).await.map_err(super::ctx::fail)
}
