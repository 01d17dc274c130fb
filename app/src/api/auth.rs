use leptos::prelude::*;
use leptos::server_fn::codec::Json;

use crate::model::{AgentProfile, ApiError};

#[server(endpoint = "log_on", input = Json)]
pub async fn log_on(email: String, password: String) -> Result<AgentProfile, ApiError> {
    use super::ctx;
    use crate::ssr::desk::DeskError;
    let state = ctx::state()?;
    let address = ctx::client_address(&state);
    state.limits.log_on(address, &email).map_err(|wait| ctx::limited("log_on", wait))?;
    let (token, agent) = match state.desk.log_on(&email, &password).await {
        Ok(signed_on) => signed_on,
        Err(DeskError::BadCredentials) => {
            state.limits.log_on_failed(address, &email);
            return Err(ctx::fail(DeskError::BadCredentials));
        }
        Err(err) => return Err(ctx::fail(err)),
    };
    state.limits.log_on_succeeded(address, &email);
    let cookie = crate::ssr::auth::session_cookie(&token, state.secure_cookies, state.desk.session_ttl_ms() / 1000);
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
