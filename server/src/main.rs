#![recursion_limit = "512"]
//! The Deskchat server: settings, storage, the realtime hub, and the axum router that serves
//! the Leptos app, its server functions, and the WebSocket.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use app::error::MAX_REQUEST_BYTES;
use app::model::{DeskSettings, MailSecurity, MailSettings, MailSettingsChange};
use app::ssr::api_answers::api_answers;
use app::ssr::desk::{Clock, Desk, ManualClock, SystemClock};
use app::ssr::headers::{security_headers, HeaderPolicy};
use app::ssr::hub::Hub;
use app::ssr::limits::{LimitSettings, Limits};
use app::ssr::metrics::metrics;
use app::ssr::origin::origin_allowed;
use app::ssr::scheduler::Scheduler;
use app::ssr::seed::{seed_demo, DEMO_AGENTS, DEMO_PASSWORD};
use app::ssr::state::AppState;
use app::ssr::store::Store;
use app::{shell, App};
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{header, HeaderName, HeaderValue, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use clap::Parser;
use leptos::config::get_configuration;
use leptos::prelude::*;
use leptos_axum::{generate_route_list, LeptosRoutes};
use tower_http::compression::predicate::{DefaultPredicate, Predicate};
use tower_http::compression::CompressionLayer;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;

mod admin_cli;
mod serve;
mod test_clock;

/// Deskchat: a live-chat service desk.
#[derive(Parser, Debug)]
#[command(version, about)]
struct Cli {
    #[command(flatten)]
    settings: Settings,
    /// Without a command, the server runs.
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(clap::Subcommand, Debug)]
enum Command {
    /// Manage agents and assignment groups from the shell (the first admin, say).
    Admin {
        #[command(subcommand)]
        command: admin_cli::AdminCommand,
    },
}

/// The server's settings (the database ones are the admin commands' too).
#[derive(clap::Args, Debug)]
struct Settings {
    /// Address to listen on.
    #[arg(long, env = "DESKCHAT_LISTEN", default_value = "127.0.0.1:3000")]
    listen: SocketAddr,
    /// Database URL: `sqlite://PATH` (default: a file in the data directory) or
    /// `postgres://…` for several server nodes.
    #[arg(long, env = "DATABASE_URL", global = true)]
    database_url: Option<String>,
    /// Directory for the embedded SQLite database.
    #[arg(long, env = "DESKCHAT_DATA_DIR", default_value = "data", global = true)]
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
    /// Chat requests one client address may start per minute (0: no limit).
    #[arg(long, env = "DESKCHAT_CHATS_PER_MINUTE", default_value_t = LimitSettings::default().chats_per_minute)]
    chats_per_minute: u32,
    /// Log-on attempts one client address may make per minute (0: no limit). Failed attempts
    /// also back off per account and per address, doubling from 1 s after 5 in a row.
    #[arg(long, env = "DESKCHAT_LOG_ONS_PER_MINUTE", default_value_t = LimitSettings::default().log_ons_per_minute)]
    log_ons_per_minute: u32,
    /// Messages one chat's end user may post per minute (0: no limit).
    #[arg(long, env = "DESKCHAT_POSTS_PER_MINUTE", default_value_t = LimitSettings::default().posts_per_minute)]
    posts_per_minute: u32,
    /// Messages an end user may post while their chat waits for an agent (0: no cap).
    #[arg(long, env = "DESKCHAT_WAITING_MESSAGES", default_value_t = LimitSettings::default().waiting_messages)]
    waiting_messages: u32,
    /// Open WebSockets per chat (0: no cap).
    #[arg(long, env = "DESKCHAT_SOCKETS_PER_CHAT", default_value_t = LimitSettings::default().sockets_per_chat)]
    sockets_per_chat: u32,
    /// Open WebSockets per client address (0: no cap).
    #[arg(long, env = "DESKCHAT_SOCKETS_PER_ADDRESS", default_value_t = LimitSettings::default().sockets_per_address)]
    sockets_per_address: u32,
    /// Open WebSockets on this server (0: no cap).
    #[arg(long, env = "DESKCHAT_SOCKETS_TOTAL", default_value_t = LimitSettings::default().sockets_total)]
    sockets_total: u32,
    /// Take the client's address from `X-Forwarded-For` (only behind a proxy that sets it;
    /// otherwise clients could claim any address).
    #[arg(long, env = "DESKCHAT_TRUST_FORWARDED_FOR")]
    trust_forwarded_for: bool,
    /// A client must send its request headers within this (milliseconds).
    #[arg(long, env = "DESKCHAT_HEADER_READ_TIMEOUT_MS", default_value_t = 10_000)]
    header_read_timeout_ms: u64,
    /// Password checks (argon2id) running at once, on blocking threads (default: half the cores).
    #[arg(long, env = "DESKCHAT_PASSWORD_CHECKS")]
    password_checks: Option<usize>,
    /// An end user's chat token opens their chat for this long after it ended (seconds); then
    /// the widget offers a new chat.
    #[arg(long, env = "DESKCHAT_CLOSED_CHAT_ACCESS_SECS", default_value_t = app::ssr::desk::CLOSED_CHAT_ACCESS_MS / 1000)]
    closed_chat_access_secs: i64,
    /// A log-on lasts this long (seconds); then the agent logs on again.
    #[arg(long, env = "DESKCHAT_SESSION_TTL_SECS", default_value_t = app::ssr::auth::SESSION_TTL_SECS)]
    session_ttl_secs: i64,
    /// An open console checks its session this often (milliseconds): one ended on another
    /// node, or expired, closes within this time (on the same node at once).
    #[arg(long, env = "DESKCHAT_SESSION_CHECK_MS", default_value_t = 5_000)]
    session_check_ms: u64,
    /// `/metrics` answers requests with `Authorization: Bearer <this>`; without it, only
    /// requests from this machine (loopback).
    #[arg(long, env = "DESKCHAT_METRICS_TOKEN")]
    metrics_token: Option<String>,
    /// SMTP server for the mail the desk sends (transcripts to end users). With it, these
    /// `--smtp-*` flags and `--mail-from` are used and the admins' mail settings are not;
    /// without it, the admins' (/admin/settings), if they set a server.
    #[arg(long, env = "DESKCHAT_SMTP_HOST")]
    smtp_host: Option<String>,
    #[arg(long, env = "DESKCHAT_SMTP_PORT", default_value_t = 587)]
    smtp_port: u16,
    /// `starttls` (must succeed), `tls` (from the first byte, port 465) or `none` (a relay on
    /// this machine only).
    #[arg(long, env = "DESKCHAT_SMTP_SECURITY", default_value = "starttls", value_parser = ["starttls", "tls", "none"])]
    smtp_security: String,
    #[arg(long, env = "DESKCHAT_SMTP_USERNAME", default_value = "")]
    smtp_username: String,
    #[arg(long, env = "DESKCHAT_SMTP_PASSWORD", default_value = "", hide_env_values = true, hide_default_value = true)]
    smtp_password: String,
    /// The From of the desk's mail, e.g. `Service desk <desk@example.com>`.
    #[arg(long, env = "DESKCHAT_MAIL_FROM", default_value = "")]
    mail_from: String,
    /// Where the built site (WASM, CSS, assets) is.
    #[arg(long, env = "LEPTOS_SITE_ROOT", default_value = "target/site")]
    site_root: String,
    /// For the integration tests only: the clock stands still until `POST /test/clock` from
    /// this machine moves it (server/src/test_clock.rs). Needs a loopback `--listen`.
    #[arg(long, env = "DESKCHAT_TEST_CLOCK", hide = true)]
    test_clock: bool,
}

#[tokio::main]
async fn main() {
    let Cli { settings, command } = Cli::parse();
    if let Some(Command::Admin { command }) = command {
        std::process::exit(admin_cli::run(settings.database_url.as_deref(), &settings.data_dir, command).await);
    }
    tracing_subscriber::fmt().with_env_filter(settings.log.clone()).init();
    if let Err(err) = run(settings).await {
        eprintln!("deskchat: {err}");
        std::process::exit(1);
    }
}

async fn run(settings: Settings) -> Result<(), Box<dyn std::error::Error>> {
    let test_clock = settings.test_clock()?;
    let mail_flags = settings.mail()?;
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
    hub.spawn_queue_ticker();
    let clock: Arc<dyn Clock> = match &test_clock {
        Some(manual) => manual.clone(),
        None => Arc::new(SystemClock),
    };
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

    let limits = Arc::new(Limits::new(settings.limits(), clock.clone()));
    let sockets = limits.clone();
    let mut desk = Desk::new(store.clone(), hub, clock.clone())
        .with_interactions_on_accept(settings.interactions_on_accept)
        .with_presence_timeout_ms(settings.presence_timeout_ms)
        .with_waiting_cap(settings.waiting_messages)
        .with_closed_chat_access_ms(settings.closed_chat_access_secs.saturating_mul(1000))
        .with_session_ttl_ms(settings.session_ttl_secs.saturating_mul(1000))
        .with_mail_flags(mail_flags);
    if let Some(n) = settings.password_checks {
        desk = desk.with_password_checks(n);
    }
    let desk = Arc::new(desk);
    let scheduler = Arc::new(Scheduler::new(store, clock).after_firing({
        let desk = desk.clone();
        move || desk.route_soon()
    }));
    desk.spawn_router();
    // Boards go out when something changed, not on the clock: with the test clock too.
    desk.spawn_monitor();
    // With the test clock, the test's advance does what these loops would (test_clock.rs).
    if test_clock.is_none() {
        scheduler.clone().spawn();
        desk.spawn_presence();
        desk.outbox().clone().spawn();
    }
    spawn_housekeeping(desk.clone(), limits.clone());

    let (stopping, shutdown) = tokio::sync::watch::channel(false);
    let state = AppState {
        leptos_options: leptos_options.clone(),
        desk: desk.clone(),
        allowed_origins: Arc::new(settings.allowed_origins.clone()),
        secure_cookies: !settings.plain_http,
        ws_send_timeout: Duration::from_millis(settings.ws_send_timeout_ms),
        limits,
        session_check: Duration::from_millis(settings.session_check_ms.max(100)),
        shutdown,
    };

    let routes = generate_route_list(App);
    let context_state = Arc::new(state.clone());
    let mut app = Router::new();
    if let Some(clock) = test_clock {
        tracing::warn!("the test clock is on: time stands still until a test moves it (never in a deployment)");
        let test_clock = test_clock::TestClock { clock, desk: desk.clone(), scheduler, limits: state.limits.clone() };
        app = app.merge(test_clock::routes(Arc::new(test_clock)));
    }
    let metrics_access = MetricsAccess { token: settings.metrics_token.clone(), limits: state.limits.clone() };
    let app = app
        .route("/healthz", get(|| async { "ok" }))
        // The pages' icon (`<link rel="icon">`), built in: there whatever the site directory holds.
        .route("/favicon.svg", get(favicon))
        .route("/metrics", get(metrics_text).layer(middleware::from_fn_with_state(metrics_access, metrics_reader)))
        .route("/ws", get(app::ssr::ws::upgrade))
        .route("/photos/chat/{id}", get(app::ssr::photos::serve))
        .route("/reports/{file}", get(app::ssr::report_csv::serve))
        .leptos_routes_with_context(&state, routes, move || provide_context(context_state.clone()), {
            let options = leptos_options.clone();
            move || shell(options.clone())
        })
        .fallback(leptos_axum::file_and_error_handler::<AppState, _>(shell))
        // Pages go out compressed (the widget's carries its language's texts); assets are
        // precompressed already, and nothing else is touched (no API answer, no upgrade).
        .layer(CompressionLayer::new().compress_when(DefaultPredicate::new().and(is_page)))
        .layer(middleware::from_fn_with_state(leptos_options.hash_files, cache_assets))
        .layer(middleware::from_fn_with_state(state.allowed_origins.clone(), same_origin_writes))
        .layer(RequestBodyLimitLayer::new(MAX_REQUEST_BYTES))
        // Outside the limit and the Origin guard, so their refusals reach clients as `ApiError`s.
        .layer(middleware::from_fn(api_answers))
        // Outside every layer that refuses (Origin, body size, content type, unknown function):
        // refusals carry the security headers too.
        .layer(middleware::from_fn_with_state(Arc::new(HeaderPolicy::new(&settings.allowed_origins)), security_headers))
        .layer(middleware::from_fn(count_errors))
        // Every request gets an id (or keeps its proxy's), logged with it and sent back.
        .layer(PropagateRequestIdLayer::new(REQUEST_ID.clone()))
        .layer(TraceLayer::new_for_http().make_span_with(|request: &Request| {
            let id = request.headers().get(&REQUEST_ID).and_then(|v| v.to_str().ok()).unwrap_or("-");
            tracing::info_span!("request", id, method = %request.method(), path = %request.uri().path())
        }))
        .layer(SetRequestIdLayer::new(REQUEST_ID.clone(), MakeRequestUuid))
        .with_state(state);

    let listener = tokio::net::TcpListener::bind(settings.listen).await?;
    let url = format!("http://{}", listener.local_addr()?);
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
    let stop = async move {
        shutdown_signal().await;
        tracing::info!("stopping: telling clients to reconnect");
        let _ = stopping.send(true);
    };
    serve::serve(listener, app, Duration::from_millis(settings.header_read_timeout_ms), stop).await;
    // The WebSockets were told to reconnect; give them a moment to say it before exiting.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(3);
    while sockets.open_sockets() > 0 && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    Ok(())
}

impl Settings {
    /// The test clock, if asked for and safe: a server others can reach must never let
    /// anyone move its time.
    fn test_clock(&self) -> Result<Option<Arc<ManualClock>>, String> {
        if !self.test_clock {
            return Ok(None);
        }
        if !self.listen.ip().is_loopback() {
            return Err("--test-clock is for tests only: it needs a loopback --listen address".into());
        }
        Ok(Some(Arc::new(ManualClock::at(SystemClock.now_ms()))))
    }

    /// The mail settings the flags give, if `--smtp-host` is one of them.
    fn mail(&self) -> Result<Option<MailSettings>, String> {
        let Some(host) = &self.smtp_host else { return Ok(None) };
        let security = MailSecurity::parse(&self.smtp_security).unwrap_or_default();
        let change = MailSettingsChange {
            host: host.clone(),
            port: self.smtp_port,
            security,
            username: self.smtp_username.clone(),
            new_password: Some(self.smtp_password.clone()),
            sender: self.mail_from.clone(),
        };
        let sender_ok = app::ssr::outbox::is_mail_address(&self.mail_from);
        app::domain::outbox::change_mail_settings(&change, "", sender_ok)
            .map(Some)
            .map_err(|why| format!("--smtp-host and its flags (--mail-from for the sender): {why}"))
    }

    fn limits(&self) -> LimitSettings {
        LimitSettings {
            chats_per_minute: self.chats_per_minute,
            log_ons_per_minute: self.log_ons_per_minute,
            posts_per_minute: self.posts_per_minute,
            waiting_messages: self.waiting_messages,
            sockets_per_chat: self.sockets_per_chat,
            sockets_per_address: self.sockets_per_address,
            sockets_total: self.sockets_total,
            trust_forwarded_for: self.trust_forwarded_for,
        }
    }
}

static REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Every minute: expired sessions deleted, limits' memory of quiet clients dropped.
fn spawn_housekeeping(desk: Arc<Desk>, limits: Arc<Limits>) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(60));
        loop {
            tick.tick().await;
            limits.sweep();
            match desk.purge_sessions().await {
                Ok(0) => {}
                Ok(purged) => tracing::info!(purged, "expired sessions deleted"),
                Err(err) => tracing::warn!(%err, "could not delete expired sessions"),
            }
        }
    });
}

/// `/metrics`: the Prometheus text format; queue lengths are read now.
async fn metrics_text(State(state): State<AppState>) -> Response {
    match state.desk.queue_lengths().await {
        Ok(queues) => metrics().set_queues(queues),
        Err(err) => tracing::warn!(%err, "metrics: cannot read queue lengths"),
    }
    ([(header::CONTENT_TYPE, "application/openmetrics-text; version=1.0.0; charset=utf-8")], metrics().encode()).into_response()
}

#[derive(Clone)]
struct MetricsAccess {
    token: Option<String>,
    limits: Arc<Limits>,
}

/// Who may read `/metrics`: the bearer of the configured token, else only this machine — the
/// client the server trusts (behind a proxy on this host every peer is loopback).
async fn metrics_reader(
    State(MetricsAccess { token, limits }): State<MetricsAccess>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    request: Request,
    next: Next,
) -> Response {
    let allowed = match &token {
        Some(token) => request
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .is_some_and(|given| app::ssr::auth::same_secret(given, token)),
        None => limits.client_address(request.headers(), Some(peer)).is_loopback(),
    };
    if !allowed {
        return (StatusCode::FORBIDDEN, "Metrics need the metrics token (--metrics-token).").into_response();
    }
    next.run(request).await
}

async fn count_errors(request: Request, next: Next) -> Response {
    let response = next.run(request).await;
    if response.status().is_server_error() {
        metrics().error("http_5xx");
    }
    response
}

/// Refuses state-changing requests sent by other sites' pages (CSRF): see `origin_allowed`.
async fn same_origin_writes(State(allowed_origins): State<Arc<Vec<String>>>, request: Request, next: Next) -> Response {
    let safe = matches!(*request.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    if !safe && !origin_allowed(request.headers(), &allowed_origins) {
        return (StatusCode::FORBIDDEN, "Cross-site requests are not allowed.").into_response();
    }
    next.run(request).await
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

/// Whether a response is an HTML page (what `CompressionLayer` compresses).
fn is_page(
    status: axum::http::StatusCode,
    _: axum::http::Version,
    headers: &axum::http::HeaderMap,
    _: &axum::http::Extensions,
) -> bool {
    status.is_success()
        && headers.get(axum::http::header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(|t| t.starts_with("text/html"))
}

/// The icon every page names, so browsers do not ask for a `/favicon.ico` that is not there.
async fn favicon() -> impl axum::response::IntoResponse {
    (
        [(axum::http::header::CONTENT_TYPE, "image/svg+xml"), (axum::http::header::CACHE_CONTROL, "public, max-age=86400")],
        include_str!("../../public/favicon.svg"),
    )
}
