//! Server functions: thin wrappers that read the request context, call the desk, map errors.
//! Every endpoint takes JSON (`POST /api/<name>`), so non-browser clients can use them too.
pub mod admin;
pub mod auth;
pub mod canned;
pub mod console;
pub mod monitor;
pub mod records;
pub mod team;
pub mod widget;

#[cfg(feature = "ssr")]
pub(crate) mod ctx {
    use std::sync::Arc;

    use leptos::prelude::*;

    use crate::model::{AgentProfile, ApiError};
    use crate::ssr::desk::DeskError;
    use crate::ssr::state::AppState;

    /// Shared, not copied: the state holds Leptos's options, whose copy and drop on every
    /// request showed in the profile of a post (issue 16).
    pub fn state() -> Result<Arc<AppState>, ApiError> {
        use_context::<Arc<AppState>>().ok_or(ApiError::Unavailable)
    }

    pub fn session_token() -> Option<String> {
        use_context::<axum::http::request::Parts>().and_then(|parts| crate::ssr::auth::session_token(&parts.headers))
    }

    /// The logged-on agent, or the error that tells the browser to log on.
    pub async fn agent() -> Result<(Arc<AppState>, AgentProfile), ApiError> {
        let state = state()?;
        let agent = state.desk.agent_for_session(session_token().as_deref()).await.map_err(fail)?;
        Ok((state, agent))
    }

    /// A desk error as the browser sees it, with a fitting status; store failures are
    /// logged here and reach the browser only as `Unavailable`.
    pub fn fail(err: DeskError) -> ApiError {
        if let DeskError::Store { source: store } = &err {
            tracing::error!(%store, "store failure");
            crate::ssr::metrics::metrics().error("store");
        }
        answer(ApiError::from(err))
    }

    /// Gives the answer to this request the error's status (when called while serving one); a
    /// limit's refusal also says when to try again.
    pub fn answer(error: ApiError) -> ApiError {
        if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
            response.set_status(status(&error));
            if let ApiError::RateLimited { retry_after_secs } = &error {
                response.insert_header(axum::http::header::RETRY_AFTER, (*retry_after_secs).into());
            }
        }
        error
    }

    /// The caller's address (behind a trusted proxy, the one it forwarded).
    pub fn client_address(state: &AppState) -> std::net::IpAddr {
        let parts = use_context::<axum::http::request::Parts>();
        let peer = parts
            .as_ref()
            .and_then(|p| p.extensions.get::<axum::extract::ConnectInfo<std::net::SocketAddr>>())
            .map(|info| info.0);
        let empty = axum::http::HeaderMap::new();
        state.limits.client_address(parts.as_ref().map_or(&empty, |p| &p.headers), peer)
    }

    /// A refusal by a limit: counted, then answered like any other error.
    pub fn limited(kind: &'static str, wait: crate::ssr::limits::RetryAfter) -> ApiError {
        crate::ssr::metrics::metrics().refused(kind);
        fail(DeskError::Limited(wait))
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
            ApiError::RateLimited { .. } | ApiError::TooManyConnections | ApiError::WaitingCap { .. } => {
                StatusCode::TOO_MANY_REQUESTS
            }
            ApiError::ChatClosed => StatusCode::GONE,
            ApiError::Unavailable | ApiError::Unreachable | ApiError::Restarting => StatusCode::SERVICE_UNAVAILABLE,
        }
    }
}
