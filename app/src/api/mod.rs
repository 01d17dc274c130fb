//! Server functions: thin wrappers that read the request context, call the desk, map errors.
//! Every endpoint takes JSON (`POST /api/<name>`), so non-browser clients can use them too.
pub mod auth;
pub mod console;
pub mod widget;

#[cfg(feature = "ssr")]
pub(crate) mod ctx {
    use leptos::prelude::*;

    use crate::model::AgentProfile;
    use crate::ssr::desk::DeskError;
    use crate::ssr::state::AppState;

    pub fn state() -> Result<AppState, ServerFnError> {
        use_context::<AppState>().ok_or_else(|| ServerFnError::new("Server state is missing."))
    }

    pub fn session_token() -> Option<String> {
        use_context::<axum::http::request::Parts>().and_then(|parts| crate::ssr::auth::session_token(&parts.headers))
    }

    /// The logged-on agent, or the error that tells the browser to log on.
    pub async fn agent() -> Result<(AppState, AgentProfile), ServerFnError> {
        let state = state()?;
        let agent = state.desk.agent_for_session(session_token().as_deref()).await.map_err(fail)?;
        Ok((state, agent))
    }

    /// A desk error as the browser sees it: the message only, with a fitting status.
    pub fn fail(err: DeskError) -> ServerFnError {
        use axum::http::StatusCode;
        let status = match &err {
            DeskError::NotSignedIn | DeskError::BadCredentials => StatusCode::UNAUTHORIZED,
            DeskError::NoSuchChat => StatusCode::NOT_FOUND,
            DeskError::Message(_) | DeskError::Illegal(_) => StatusCode::UNPROCESSABLE_ENTITY,
            DeskError::Store(store) => {
                tracing::error!(%store, "store failure");
                StatusCode::SERVICE_UNAVAILABLE
            }
        };
        if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
            response.set_status(status);
        }
        ServerFnError::new(err.to_string())
    }
}

/// The text a person should read for a failed server call.
pub fn error_text(err: &leptos::prelude::ServerFnError) -> String {
    use leptos::prelude::ServerFnError;
    match err {
        ServerFnError::ServerError(message) => message.clone(),
        ServerFnError::Request(_) => "The server could not be reached; check your connection.".to_string(),
        other => other.to_string(),
    }
}
