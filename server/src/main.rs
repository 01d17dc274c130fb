#![recursion_limit = "512"]
//! The Deskchat server: settings, storage, the realtime hub, and the axum router that serves
//! the Leptos app, its server functions, and the WebSocket.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use app::error::MAX_REQUEST_BYTES;
use app::model::DeskSettings;
use app::ssr::api_answers::api_answers;
use app::ssr::desk::{Clock, Desk, SystemClock};
use app::ssr::hub::Hub;
use app::ssr::origin::origin_allowed;
use app::ssr::scheduler::Scheduler;
use app::ssr::seed::{seed_demo, DEMO_AGENTS, DEMO_PASSWORD};
use app::ssr::state::AppState;
use app::ssr::store::Store;
use app::{shell, App};
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::serve::ListenerExt;
use axum::Router;
use clap::Parser;
use leptos::config::get_configuration;
use leptos::prelude::*;
use leptos_axum::{generate_route_list, LeptosRoutes};
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::trace::TraceLayer;

/// Deskchat: a live-chat service desk.
#[derive(Parser, Debug)]
#[command(version, about)]
struct Settings {
    /// Address to listen on.
    #[arg(long, env = "DESKCHAT_LISTEN", default_value = "127.0.0.1:3000")]
    listen: SocketAddr,
    /// Database URL: `sqlite://PATH` (default: a file in the data directory) or
    /// `postgres://…` for several server nodes.
    #[arg(long, env = "DATABASE_URL")]
    database_url: Option<String>,
    /// Directory for the embedded SQLite database.
    #[arg(long, env = "DESKCHAT_DATA_DIR", default_value = "data")]
    data_dir: PathBuf,
    /// Seed demo groups and agents (with a published password) into an empty database: for
    /// trying Deskchat out only (`make run` asks for it). A real deployment creates its first
    /// admin with `deskchat admin`.
    #[arg(long = "seed-demo", env = "DESKCHAT_SEED_DEMO")]
    seed_demo: bool,
    /// Log filter, e.g. `info` or `deskchat=debug,tower_http=debug`.
    #[arg(long, env = "DESKCHAT_LOG", default_value = "info")]
    log: String,
    /// Another origin allowed to call the API and open WebSockets (repeatable).
    #[arg(long = "allowed-origin", env = "DESKCHAT_ALLOWED_ORIGINS", value_delimiter = ',')]
    allowed_origins: Vec<String>,
    /// Served over plain HTTP, for development on this machine: the session cookie is then not
    /// marked `Secure` (browsers would not send it back). Without it, Deskchat expects HTTPS in
    /// front of it.
    #[arg(long = "plain-http", env = "DESKCHAT_PLAIN_HTTP")]
    plain_http: bool,
    /// Cut off a WebSocket peer that takes longer than this (milliseconds) to accept a frame:
    /// a client that stops reading must not hold the server's memory.
    #[arg(long, env = "DESKCHAT_WS_SEND_TIMEOUT_MS", default_value_t = 10_000)]
    ws_send_timeout_ms: u64,
    /// Missed chats on a new database: a request nobody accepts within this many seconds becomes
    /// a 'Missed Chat' incident (0: off). Only the starting value; admins change it on the
    /// settings page (/admin/settings), and what they save wins over this.
    #[arg(long, env = "DESKCHAT_PICKUP_TIMEOUT_SECS", default_value_t = 0)]
    pickup_timeout_secs: u32,
    /// An agent whose consoles all closed (or whose node stopped) shows offline after this.
    #[arg(long, env = "DESKCHAT_PRESENCE_TIMEOUT_MS", default_value_t = app::ssr::desk::PRESENCE_TIMEOUT_MS)]
    presence_timeout_ms: i64,
    /// Accepting a chat opens its Interaction record. `false` only to measure what that costs
    /// (`make bench`).
    #[arg(long, env = "DESKCHAT_INTERACTIONS_ON_ACCEPT", default_value_t = true, action = clap::ArgAction::Set)]
    interactions_on_accept: bool,
    /// Where the built site (WASM, CSS, assets) is.
    #[arg(long, env = "LEPTOS_SITE_ROOT", default_value = "target/site")]
    site_root: String,
}

#[tokio::main]
async fn main() {
    let settings = Settings::parse();
    tracing_subscriber::fmt().with_env_filter(settings.log.clone()).init();
    if let Err(err) = run(settings).await {
        eprintln!("deskchat: {err}");
        std::process::exit(1);
    }
}

async fn run(settings: Settings) -> Result<(), Box<dyn std::error::Error>> {
    let database_url = match &settings.database_url {
        Some(url) => url.clone(),
        None => {
            std::fs::create_dir_all(&settings.data_dir)?;
            format!("sqlite://{}?mode=rwc", settings.data_dir.join("deskchat.db").display())
        }
    };
    let store = Arc::new(Store::connect(&database_url).await?);
    if settings.seed_demo && seed_demo(&store).await? {
        tracing::info!("seeded demo groups and agents");
    }
    let hub = Hub::load(&store).await?;
    hub.spawn_publisher(store.clone());
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    Scheduler::new(store.clone(), clock.clone()).spawn();
    store.save_settings(&DeskSettings::initial(Some(settings.pickup_timeout_secs)), true).await?;

    let mut leptos_options = get_configuration(None)?.leptos_options;
    if leptos_options.output_name.is_empty() {
        leptos_options.output_name = "deskchat".into();
    }
    leptos_options.site_addr = settings.listen;
    leptos_options.site_root = settings.site_root.clone().into();
    // cargo-leptos writes the asset hashes beside the binary (`hash-files` in Cargo.toml);
    // Leptos reads them from there to link the hashed names.
    let hashes = std::env::current_exe()?.with_file_name(&*leptos_options.hash_file);
    leptos_options.hash_files = hashes.exists();

    let desk = Arc::new(
        Desk::new(store, hub, clock)
            .with_interactions_on_accept(settings.interactions_on_accept)
            .with_presence_timeout_ms(settings.presence_timeout_ms),
    );
    desk.spawn_presence();

    let state = AppState {
        leptos_options: leptos_options.clone(),
        desk: desk.clone(),
        allowed_origins: Arc::new(settings.allowed_origins.clone()),
        secure_cookies: !settings.plain_http,
        ws_send_timeout: Duration::from_millis(settings.ws_send_timeout_ms),
    };

    let routes = generate_route_list(App);
    let context_state = state.clone();
    let app = Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .route("/ws", get(app::ssr::ws::upgrade))
        .leptos_routes_with_context(&state, routes, move || provide_context(context_state.clone()), {
            let options = leptos_options.clone();
            move || shell(options.clone())
        })
        .fallback(leptos_axum::file_and_error_handler::<AppState, _>(shell))
        .layer(middleware::from_fn_with_state(leptos_options.hash_files, cache_assets))
        .layer(middleware::from_fn_with_state(widget_framers(&settings.allowed_origins), widget_framing))
        .layer(middleware::from_fn_with_state(state.clone(), same_origin_writes))
        .layer(RequestBodyLimitLayer::new(MAX_REQUEST_BYTES))
        // Outside the limit and the Origin guard, so their refusals reach clients as `ApiError`s.
        .layer(middleware::from_fn(api_answers))
        .layer(TraceLayer::new_for_http())
        .with_state(state);

    // No Nagle: the stream sends small frames back to back (a queue place, then Live), and
    // waiting for the peer's delayed ACK between them costs ~40 ms each time.
    let listener = tokio::net::TcpListener::bind(settings.listen).await?;
    let url = format!("http://{}", listener.local_addr()?);
    let listener = listener.tap_io(|tcp| {
        let _ = tcp.set_nodelay(true);
    });
    println!("Deskchat is running ({}).", if database_url.starts_with("postgres") { "PostgreSQL" } else { "SQLite" });
    println!("  Widget (end users):  {url}/widget");
    println!("  Console (agents):    {url}/console");
    println!("  On another site:     <script src=\"{url}/embed.js\" data-group=\"Network\" async></script> (allow the site with --allowed-origin)");
    if settings.seed_demo {
        println!("  Demo logins (password \"{DEMO_PASSWORD}\"):");
        for agent in &DEMO_AGENTS {
            println!("    {:<22} {:<6} {}", agent.email, agent.role.as_str(), agent.groups.join(", "));
        }
    }
    axum::serve(listener, app).with_graceful_shutdown(shutdown_signal()).await?;
    Ok(())
}

/// Refuses state-changing requests sent by other sites' pages (CSRF): see `origin_allowed`.
async fn same_origin_writes(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let safe = matches!(*request.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    if !safe && !origin_allowed(request.headers(), &state.allowed_origins) {
        return (StatusCode::FORBIDDEN, "Cross-site requests are not allowed.").into_response();
    }
    next.run(request).await
}

/// Who may show the widget in a frame: Deskchat's own pages and the `--allowed-origin` sites
/// (where the embed snippet, /embed.js, runs). Any other site's frame stays empty.
fn widget_framers(allowed_origins: &[String]) -> HeaderValue {
    let sources: Vec<&str> =
        allowed_origins.iter().map(|o| o.trim()).filter(|o| !o.is_empty() && !o.contains([';', ','])).collect();
    let policy = format!("frame-ancestors 'self'{}{}", if sources.is_empty() { "" } else { " " }, sources.join(" "));
    HeaderValue::from_str(&policy).unwrap_or_else(|_| HeaderValue::from_static("frame-ancestors 'self'"))
}

async fn widget_framing(State(policy): State<HeaderValue>, request: Request, next: Next) -> Response {
    let widget = request.uri().path() == "/widget";
    let mut response = next.run(request).await;
    if widget {
        response.headers_mut().insert(header::CONTENT_SECURITY_POLICY, policy);
    }
    response
}

/// Assets under `/pkg` have hashed names when `hash_files` is on: a name never changes content,
/// so browsers may keep them for a year. Without hashes they must be revalidated.
async fn cache_assets(State(hashed): State<bool>, request: Request, next: Next) -> Response {
    let asset = request.uri().path().starts_with("/pkg/");
    // The embed snippet keeps its name on every site that links it: always revalidated.
    let snippet = request.uri().path() == "/embed.js";
    let mut response = next.run(request).await;
    if (asset || snippet) && response.status().is_success() {
        let policy = if hashed && asset { "public, max-age=31536000, immutable" } else { "no-cache" };
        response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static(policy));
    }
    response
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        if let Ok(mut sig) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            sig.recv().await;
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = terminate => {} }
}
