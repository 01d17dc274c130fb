//! Server functions: thin wrappers that read the request context, call the desk, map errors.
//! Every endpoint takes JSON (`POST /api/<name>`), so non-browser clients can use them too.
pub mod auth;
pub mod canned;
pub mod console;
pub mod records;
pub mod team;
pub mod widget;

#[cfg(feature = "ssr")]
pub(crate) mod ctx {
    use leptos::prelude::*;

    use crate::model::{AgentProfile, ApiError};
    use crate::ssr::desk::DeskError;
    use crate::ssr::state::AppState;

    pub fn state() -> Result<AppState, ApiError> {
        use_context::<AppState>().ok_or(ApiError::Unavailable)
    }

    pub fn session_token() -> Option<String> {
        use_context::<axum::http::request::Parts>().and_then(|parts| crate::ssr::auth::session_token(&parts.headers))
    }

    /// The logged-on agent, or the error that tells the browser to log on.
    pub async fn agent() -> Result<(AppState, AgentProfile), ApiError> {
        let state = state()?;
        let agent = state.desk.agent_for_session(session_token().as_deref()).await.map_err(fail)?;
        Ok((state, agent))
    }

    /// A desk error as the browser sees it, with a fitting status; store failures are
    /// logged here and reach the browser only as `Unavailable`.
    pub fn fail(err: DeskError) -> ApiError {
        if let DeskError::Store { source: store } = &err {
            tracing::error!(%store, "store failure");
        }
        answer(ApiError::from(err))
    }

    /// Gives the answer to this request the error's status (when called while serving one).
    pub fn answer(error: ApiError) -> ApiError {
        if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
            response.set_status(status(&error));
        }
        error
    }

    pub fn status(error: &ApiError) -> axum::http::StatusCode {
        use axum::http::StatusCode;
        match error {
            ApiError::NotSignedIn | ApiError::BadCredentials => StatusCode::UNAUTHORIZED,
            ApiError::NoSuchChat | ApiError::NoSuchRecord => StatusCode::NOT_FOUND,
            ApiError::InvalidMessage(_) | ApiError::NotNow(_) | ApiError::Invalid(_) | ApiError::InvalidForm(_) => {
                StatusCode::UNPROCESSABLE_ENTITY
            }
            ApiError::Stale { .. } | ApiError::Team(_) => StatusCode::CONFLICT,
            ApiError::AdminOnly | ApiError::NotAllowed(_) => StatusCode::FORBIDDEN,
            ApiError::Protocol(_) | ApiError::Request(_) => StatusCode::BAD_REQUEST,
            ApiError::TooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::Unavailable | ApiError::Unreachable => StatusCode::SERVICE_UNAVAILABLE,
        }
    }
}
