use leptos::prelude::*;
use leptos::server_fn::codec::Json;

use crate::model::{AgentProfile, ApiError};

#[server(endpoint = "log_on", input = Json)]
pub async fn log_on(email: String, password: String) -> Result<AgentProfile, ApiError> {
    use super::ctx;
    let state = ctx::state()?;
    let (token, agent) = state.desk.log_on(&email, &password).await.map_err(ctx::fail)?;
    let cookie = crate::ssr::auth::session_cookie(&token, state.secure_cookies);
    let response = expect_context::<leptos_axum::ResponseOptions>();
    response.insert_header(axum::http::header::SET_COOKIE, cookie.parse().map_err(|_| ApiError::Request("bad cookie".into()))?);
    Ok(agent)
}

#[server(endpoint = "log_off", input = Json)]
pub async fn log_off() -> Result<(), ApiError> {
    use super::ctx;
    let state = ctx::state()?;
    if let Some(token) = ctx::session_token() {
        state.desk.log_off(&token).await.map_err(ctx::fail)?;
    }
    let response = expect_context::<leptos_axum::ResponseOptions>();
    response.insert_header(
        axum::http::header::SET_COOKIE,
        crate::ssr::auth::clear_session_cookie().parse().map_err(|_| ApiError::Request("bad cookie".into()))?,
    );
    Ok(())
}

/// The logged-on agent: name, role and groups (for screens that need no more).
#[server(endpoint = "current_agent", input = Json)]
pub async fn current_agent() -> Result<AgentProfile, ApiError> {
    let (_state, agent) = super::ctx::agent().await?;
    Ok(agent)
}
