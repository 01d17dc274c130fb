use std::sync::Arc;

use axum::extract::FromRef;
use leptos::config::LeptosOptions;

use super::desk::Desk;

/// Everything a request handler or server function needs; provided as Leptos context too.
#[derive(Clone, FromRef)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub desk: Arc<Desk>,
    /// Extra origins (besides this server's own) allowed to post and open WebSockets.
    pub allowed_origins: Arc<Vec<String>>,
    /// Mark the session cookie `Secure` (when served over HTTPS).
    pub secure_cookies: bool,
    /// A WebSocket peer that takes longer than this to accept a frame is cut off.
    pub ws_send_timeout: std::time::Duration,
}
