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
    /// What one client may do (rates, open sockets); see ssr/limits.rs.
    #[from_ref(skip)]
    pub limits: Arc<super::limits::Limits>,
    /// A console re-checks its session this often, so one ended on another node (or expired)
    /// closes it within this time.
    #[from_ref(skip)]
    pub session_check: std::time::Duration,
    /// Tells open WebSockets the server is stopping, so clients reconnect (to it or another node).
    #[from_ref(skip)]
    pub shutdown: tokio::sync::watch::Receiver<bool>,
}
