//! `GET /photos/chat/{id}`: an end user's photo, for the agents who may see that chat's
//! records (the same rule as the records: theirs, their groups', or an admin). Anyone else,
//! and a chat without a photo, gets 404; no session, 401. The bytes were checked to be an image
//! of the type they are served as when they came in (`validate::photo`), and `nosniff` keeps
//! browsers from reading them as anything else.

use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};

use super::auth;
use super::state::AppState;
use crate::api::ctx::status;
use crate::model::{ApiError, ChatId};

pub async fn serve(State(state): State<AppState>, Path(chat_id): Path<ChatId>, headers: HeaderMap) -> Response {
    let found = async {
        let agent = state.desk.agent_for_session(auth::session_token(&headers).as_deref()).await?;
        state.desk.chat_photo(&agent, chat_id).await
    };
    match found.await {
        Ok(photo) => (
            [
                (header::CONTENT_TYPE, HeaderValue::from_static(photo.kind.content_type())),
                // Private: it is a person's photo, behind a log-on; the browser may keep it.
                (header::CACHE_CONTROL, HeaderValue::from_static("private, max-age=3600")),
            ],
            photo.bytes,
        )
            .into_response(),
        Err(err) => {
            let error = ApiError::from(err);
            (status(&error), axum::Json(error)).into_response()
        }
    }
}
