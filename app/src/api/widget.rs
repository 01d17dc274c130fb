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
    use super::ctx;
    let state = ctx::state()?;
    state.limits.start_chat(ctx::client_address(&state)).map_err(|wait| ctx::limited("start_chat", wait))?;
    state.desk.start_chat(&form).await.map_err(super::ctx::fail)
}

/// "Leave a message" instead of a live chat: the form becomes an 'Offline request' incident in
/// the chosen group. `request_key` is the widget's random id for this one message: sending it
/// again (a lost answer) returns the same incident's number instead of making a second.
#[server(endpoint = "leave_message", input = Json)]
pub async fn leave_message(form: StartChat, request_key: String) -> Result<MessageLeft, ApiError> {
    use super::ctx;
    let state = ctx::state()?;
    state.limits.start_chat(ctx::client_address(&state)).map_err(|wait| ctx::limited("leave_message", wait))?;
    state.desk.leave_message(&form, &request_key).await.map_err(super::ctx::fail)
}

#[server(endpoint = "resume_chat", input = Json)]
pub async fn resume_chat(token: String) -> Result<WidgetSnapshot, ApiError> {
    let state = super::ctx::state()?;
    state.desk.widget_snapshot(&token).await.map_err(super::ctx::fail)
}

#[server(endpoint = "post_as_end_user", input = Json)]
pub async fn post_as_end_user(token: String, client_id: String, body: String) -> Result<ChatMessage, ApiError> {
    use super::ctx;
    let state = ctx::state()?;
    state.limits.post(&crate::ssr::auth::token_hash(&token)).map_err(|wait| ctx::limited("post", wait))?;
    state.desk.post_as_end_user(&token, &client_id, &body).await.map_err(|err| {
        if matches!(err, crate::ssr::desk::DeskError::WaitingCap(_)) {
            crate::ssr::metrics::metrics().refused("waiting_messages");
        }
        ctx::fail(err)
    })
}

#[server(endpoint = "end_as_end_user", input = Json)]
pub async fn end_as_end_user(token: String) -> Result<(), ApiError> {
    let state = super::ctx::state()?;
    state.desk.end_as_end_user(&token).await.map_err(super::ctx::fail)
}

/// The end user's answer to "How was this chat?" once it ended (1–5, an optional comment):
/// taken once; the same answer sent again returns the stored one.
#[server(endpoint = "rate_chat", input = Json)]
pub async fn rate_chat(token: String, score: u8, comment: String) -> Result<ChatRating, ApiError> {
    use super::ctx;
    let state = ctx::state()?;
    state.limits.post(&crate::ssr::auth::token_hash(&token)).map_err(|wait| ctx::limited("rate", wait))?;
    state.desk.rate_chat(&token, score, &comment).await.map_err(super::ctx::fail)
}

/// "Email me the transcript", during the chat or after it: queued for the address on the form,
/// in the widget's language (`lang`), and sent once. `request_key` is the widget's random id
/// for this one request: sent again (a lost answer), it returns the same entry.
#[server(endpoint = "email_transcript", input = Json)]
pub async fn email_transcript(token: String, request_key: String, lang: String) -> Result<TranscriptRequested, ApiError> {
    use super::ctx;
    let state = ctx::state()?;
    state.limits.post(&crate::ssr::auth::token_hash(&token)).map_err(|wait| ctx::limited("email_transcript", wait))?;
    state.desk.email_transcript(&token, &request_key, &lang).await.map_err(super::ctx::fail)
}
