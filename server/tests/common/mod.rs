//! Shared helpers for the integration tests: the real `deskchat` binary on a free port with a
//! data directory of its own, HTTP clients for agents and end users (server functions are
//! `POST /api/<name>` with JSON), and a WebSocket client that speaks the realtime protocol.
//!
//! Waits are always "until this happens, or fail after `WAIT`", never fixed sleeps. A test
//! that needs time to pass (a pickup deadline, a session's expiry, presence timing out) starts
//! its server with `TEST_CLOCK` and moves that clock (`advance_clock`), never the wall clock.
#![allow(dead_code, unused_imports)] // each test file uses a different part of this

use std::net::TcpListener as StdTcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::{SinkExt, StreamExt};
use reqwest::header::{HeaderMap, SET_COOKIE};
use serde::de::DeserializeOwned;
use serde_json::{json, Value};
use tempfile::TempDir;
use tokio::net::{TcpSocket, TcpStream};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::{HeaderName, HeaderValue};
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::{self, Message};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

pub use app::domain::lifecycle::{ChatState, Party};
pub use app::domain::team::TeamRefusal;
pub use app::model::*;
pub use reqwest::StatusCode;

/// The demo agents seeded into every fresh database (app/src/ssr/seed.rs).
pub const PASSWORD: &str = "deskchat-demo";
/// "Service Desk" and "Network".
pub const ALICE: &str = "alice@deskchat.test";
/// "Hardware" only.
pub const BOB: &str = "bob@deskchat.test";
/// "Network" only.
pub const CAROL: &str = "carol@deskchat.test";
/// Every group.
pub const ADMIN: &str = "admin@deskchat.test";

pub const SESSION_COOKIE: &str = "deskchat_session";
/// The one answer for a chat that does not exist or is not the caller's.
pub const NOT_YOURS: &str = "No such chat, or it is not yours.";

/// The longest any single wait in a test may take before the test fails.
pub const WAIT: Duration = Duration::from_secs(10);
/// A hang guard for one HTTP call; log-ons verify argon2 hashes, slow in debug builds.
const HTTP_TIMEOUT: Duration = Duration::from_secs(30);
const STARTUP: Duration = Duration::from_secs(20);
const POLL: Duration = Duration::from_millis(50);

// ---- the server process ----------------------------------------------------------------------

/// One `deskchat` process with its own data directory. Killed when dropped.
pub struct TestServer {
    pub port: u16,
    data_dir: TempDir,
    /// Set when the suite runs on PostgreSQL (`DESKCHAT_TEST_POSTGRES`): a database of its own,
    /// shared with the other nodes started by `another_node` and dropped after the last of them.
    postgres: Option<Arc<TestDatabase>>,
    /// Extra environment for the process (settings under test), kept for restarts and nodes.
    env: Vec<(String, String)>,
    /// Started with `--seed-demo` (all but `FreshDeployment::start`).
    seed_demo: bool,
    child: Option<Child>,
}

/// The PostgreSQL server for tests that need one whatever the suite runs on (several nodes):
/// Reads until `condition` holds for what `read` returns, and returns that; fails after `WAIT`.
pub async fn until<T, F>(what: &str, mut read: impl FnMut() -> F, condition: impl Fn(&T) -> bool) -> T
where
    F: std::future::Future<Output = T>,
{
    let deadline = Instant::now() + WAIT;
    loop {
        let value = read().await;
        if condition(&value) {
            return value;
        }
        assert!(Instant::now() < deadline, "gave up waiting {WAIT:?} for {what}");
        tokio::time::sleep(POLL).await;
    }
}

/// `DESKCHAT_TEST_POSTGRES` if set, else the local one every machine and CI has.
pub fn postgres_server_url() -> String {
    std::env::var("DESKCHAT_TEST_POSTGRES").unwrap_or_else(|_| "postgres://postgres@127.0.0.1".to_string())
}

/// A throw-away PostgreSQL database, dropped with its server (or with itself).
pub struct TestDatabase {
    server_url: String,
    name: String,
}

impl TestDatabase {
    /// `DESKCHAT_TEST_POSTGRES=postgres://user@host` runs every test server on a fresh
    /// database there instead of SQLite (`make test-integration-pg`).
    async fn create_if_asked() -> Option<TestDatabase> {
        Some(TestDatabase::create(&std::env::var("DESKCHAT_TEST_POSTGRES").ok()?).await)
    }

    /// A fresh database on the PostgreSQL server at `server_url` (`postgres://user@host`).
    pub async fn create(server_url: &str) -> TestDatabase {
        use sqlx::Connection;
        let server_url = server_url.trim_end_matches('/').to_string();
        let name = format!("deskchat_test_{}", uuid::Uuid::new_v4().simple());
        let mut admin = sqlx::PgConnection::connect(&format!("{server_url}/postgres")).await.expect("connect to PostgreSQL");
        sqlx::query(&format!("CREATE DATABASE {name}")).execute(&mut admin).await.expect("create a test database");
        TestDatabase { server_url, name }
    }

    pub fn url(&self) -> String {
        format!("{}/{}", self.server_url, self.name)
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        use sqlx::Connection;
        let (server_url, name) = (self.server_url.clone(), self.name.clone());
        // Drop runs inside the test's runtime; a thread of its own may block on another.
        let _ = std::thread::spawn(move || {
            tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
                if let Ok(mut admin) = sqlx::PgConnection::connect(&format!("{server_url}/postgres")).await {
                    let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).execute(&mut admin).await;
                }
            })
        })
        .join();
    }
}

impl TestServer {
    /// Starts a fresh, seeded server on a free port and waits until `/healthz` answers.
    pub async fn start() -> TestServer {
        TestServer::start_with(&[]).await
    }

    /// Like `start`, with extra environment for the process, e.g.
    /// `[("DESKCHAT_WS_SEND_TIMEOUT_MS", "1000")]`; restarts and other nodes keep it.
    pub async fn start_with(env: &[(&str, &str)]) -> TestServer {
        let postgres = TestDatabase::create_if_asked().await.map(Arc::new);
        let env = env.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        TestServer::launch_node(postgres, env).await
    }

    /// A fresh server on a fresh PostgreSQL database whatever the suite runs on (see
    /// `postgres_server_url`): for tests of several nodes, which need one.
    pub async fn start_on_postgres() -> TestServer {
        TestServer::start_on_postgres_with(&[]).await
    }

    /// `start_on_postgres` with extra environment, as in `start_with`.
    pub async fn start_on_postgres_with(env: &[(&str, &str)]) -> TestServer {
        let postgres = Arc::new(TestDatabase::create(&postgres_server_url()).await);
        let env = env.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        TestServer::launch_node(Some(postgres), env).await
    }

    /// A second server process on the same PostgreSQL database as this one (own port and data
    /// directory, same settings). The database is dropped when the last node using it is.
    pub async fn another_node(&self) -> TestServer {
        let postgres = self.postgres.clone().expect("several nodes need PostgreSQL: use TestServer::start_on_postgres");
        TestServer::launch_node(Some(postgres), self.env.clone()).await
    }

    async fn launch_node(postgres: Option<Arc<TestDatabase>>, env: Vec<(String, String)>) -> TestServer {
        let data_dir = tempfile::tempdir().expect("create a temporary data directory");
        let database_url = postgres.as_deref().map(TestDatabase::url);
        let mut failures = Vec::new();
        // The free port can be taken by someone else before the server binds it; try another.
        for _ in 0..3 {
            let port = free_port();
            match launch(data_dir.path(), database_url.as_deref(), port, &env, true).await {
                Ok(child) => return TestServer { port, data_dir, postgres, env, seed_demo: true, child: Some(child) },
                Err(err) => failures.push(format!("port {port}: {err}")),
            }
        }
        panic!("deskchat did not start: {failures:?}");
    }

    /// The server's data directory, which is also its site root (`LEPTOS_SITE_ROOT`).
    pub fn data_dir(&self) -> &Path {
        self.data_dir.path()
    }

    pub fn base_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub fn ws_url(&self) -> String {
        format!("ws://127.0.0.1:{}/ws", self.port)
    }

    /// This server's own origin, as a browser on its pages would send it.
    pub fn origin(&self) -> String {
        self.base_url()
    }

    /// SIGKILL (`Child::kill` on unix): no graceful shutdown, nothing flushed on the way out.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// SIGTERM, as a service manager stops it: the server shuts down gracefully. Returns once
    /// the process has exited (fails the test if it takes longer than `WAIT`).
    pub fn terminate(&mut self) -> std::process::ExitStatus {
        let mut child = self.child.take().expect("the server is running");
        // SAFETY: kill(2) on our own child's pid; no memory is involved.
        unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGTERM) };
        let deadline = Instant::now() + WAIT;
        loop {
            if let Some(status) = child.try_wait().expect("query the server process") {
                return status;
            }
            assert!(Instant::now() < deadline, "the server did not stop within {WAIT:?} of SIGTERM");
            std::thread::sleep(POLL);
        }
    }

    /// Kills the server if it still runs, then starts it again on the same data dir and port.
    pub async fn restart(&mut self) {
        self.kill();
        let database_url = self.postgres.as_deref().map(TestDatabase::url);
        let child = launch(self.data_dir.path(), database_url.as_deref(), self.port, &self.env, self.seed_demo)
            .await
            .unwrap_or_else(|err| panic!("deskchat did not come back on port {}: {err}", self.port));
        self.child = Some(child);
    }

    /// Moves this server's test clock (`TEST_CLOCK`) `ms` forward; returns once what the new
    /// time made due has happened (presence timed out, deadlines fired), with how many
    /// deadlines this call fired. Their events are on their way: wait for those.
    pub async fn advance_clock(&self, ms: i64) -> usize {
        self.move_clock(ms, true).await
    }

    /// The time on this server's test clock (moved by nothing, nothing run).
    pub async fn clock_now(&self) -> i64 {
        self.clock_call(0, false).await["now_ms"].as_i64().expect("the clock's time")
    }

    async fn move_clock(&self, ms: i64, run_due: bool) -> usize {
        self.clock_call(ms, run_due).await["fired"].as_u64().expect("how many deadlines fired") as usize
    }

    async fn clock_call(&self, ms: i64, run_due: bool) -> Value {
        let http = reqwest::Client::builder().timeout(HTTP_TIMEOUT).build().unwrap();
        let args = json!({ "advance_ms": ms, "run_due": run_due });
        let response = http.post(format!("{}/test/clock", self.base_url())).json(&args).send().await.expect("POST /test/clock");
        let status = response.status();
        let body: Value = response.json().await.unwrap_or_default();
        assert_eq!(status, StatusCode::OK, "the test clock did not move (started without TEST_CLOCK?): {body}");
        body
    }

    /// This node's open WebSockets of one kind (`agent`, `end_user`, `pending`), from
    /// `/metrics`.
    pub async fn sockets(&self, kind: &str) -> u64 {
        let text = reqwest::get(format!("{}/metrics", self.base_url())).await.unwrap().text().await.unwrap();
        let prefix = format!("deskchat_sockets{{kind=\"{kind}\"}} ");
        text.lines().find_map(|l| l.strip_prefix(&prefix)).map_or(0, |v| v.trim().parse().unwrap())
    }

    /// Waits until this node counts `count` open sockets of `kind`. A console's socket is
    /// counted out after the node stopped counting it present, so a test that closed one can
    /// then move the clock and see its agent go offline.
    pub async fn until_sockets(&self, kind: &str, count: u64) {
        until(&format!("{kind} sockets to reach {count}"), || self.sockets(kind), |open| *open == count).await;
    }

    /// Fails unless the process is still running and `/healthz` says ok.
    pub async fn assert_healthy(&mut self) {
        let child = self.child.as_mut().expect("the server was killed");
        assert_eq!(child.try_wait().expect("query the server process"), None, "the server process exited");
        let response = reqwest::get(format!("{}/healthz", self.base_url())).await.expect("GET /healthz");
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(response.text().await.unwrap(), "ok");
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.kill();
    }
}

/// A deployment before its first start: an empty data directory (and an empty PostgreSQL
/// database when the suite runs on one), for `deskchat admin …` and then a server started
/// without demo data.
pub struct FreshDeployment {
    data_dir: TempDir,
    postgres: Option<Arc<TestDatabase>>,
}

impl FreshDeployment {
    pub async fn new() -> FreshDeployment {
        let data_dir = tempfile::tempdir().expect("create a temporary data directory");
        FreshDeployment { data_dir, postgres: TestDatabase::create_if_asked().await.map(Arc::new) }
    }

    pub fn data_dir(&self) -> &Path {
        self.data_dir.path()
    }

    /// Runs `deskchat admin <args>` on this deployment's database, `stdin` written to it.
    pub fn admin(&self, args: &[&str], stdin: &str) -> std::process::Output {
        use std::io::Write;
        let mut command = Command::new(env!("CARGO_BIN_EXE_deskchat"));
        match self.postgres.as_deref().map(TestDatabase::url) {
            Some(url) => command.env("DATABASE_URL", url),
            None => command.env_remove("DATABASE_URL"),
        };
        let mut child = command
            .arg("admin")
            .args(args)
            .arg("--data-dir")
            .arg(self.data_dir.path())
            .env_remove("DESKCHAT_DATA_DIR")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn deskchat admin");
        child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
        child.wait_with_output().expect("deskchat admin finishes")
    }

    /// Starts the server on it, without `--seed-demo`.
    pub async fn start(self) -> TestServer {
        let database_url = self.postgres.as_deref().map(TestDatabase::url);
        let port = free_port();
        let child = launch(self.data_dir.path(), database_url.as_deref(), port, &[], false).await.expect("deskchat starts");
        TestServer {
            port,
            data_dir: self.data_dir,
            postgres: self.postgres,
            env: Vec::new(),
            seed_demo: false,
            child: Some(child),
        }
    }
}

fn free_port() -> u16 {
    let listener = StdTcpListener::bind("127.0.0.1:0").expect("bind an ephemeral port");
    listener.local_addr().expect("local address").port()
}

/// The limits (ssr/limits.rs) the harness turns off; a test's own `env` turns them on again.
pub const UNLIMITED: [&str; 7] = [
    "DESKCHAT_CHATS_PER_MINUTE",
    "DESKCHAT_LOG_ONS_PER_MINUTE",
    "DESKCHAT_POSTS_PER_MINUTE",
    "DESKCHAT_WAITING_MESSAGES",
    "DESKCHAT_SOCKETS_PER_CHAT",
    "DESKCHAT_SOCKETS_PER_ADDRESS",
    "DESKCHAT_SOCKETS_TOTAL",
];

/// Spawns the binary and waits for `/healthz`; an early exit is an error.
async fn launch(
    data_dir: &Path,
    database_url: Option<&str>,
    port: u16,
    env: &[(String, String)],
    seed_demo: bool,
) -> Result<Child, String> {
    let mut command = Command::new(env!("CARGO_BIN_EXE_deskchat"));
    match database_url {
        Some(url) => command.env("DATABASE_URL", url),
        None => command.env_remove("DATABASE_URL"),
    };
    if seed_demo {
        command.arg("--seed-demo");
    }
    let mut child = command
        .arg("--listen")
        .arg(format!("127.0.0.1:{port}"))
        .arg("--data-dir")
        .arg(data_dir)
        .arg("--plain-http")
        .env("DESKCHAT_LOG", "warn")
        .env("LEPTOS_OUTPUT_NAME", "deskchat")
        .env("LEPTOS_SITE_ROOT", data_dir)
        // Settings a developer's shell might carry would change what is under test.
        .env_remove("DESKCHAT_LISTEN")
        .env_remove("DESKCHAT_DATA_DIR")
        .env_remove("DESKCHAT_SEED_DEMO")
        .env_remove("DESKCHAT_PLAIN_HTTP")
        .env_remove("DESKCHAT_ALLOWED_ORIGINS")
        .env_remove("DESKCHAT_WS_SEND_TIMEOUT_MS")
        .env_remove("DESKCHAT_TEST_CLOCK")
        // Tests make many chats and connections from one address, quickly: the limits are off
        // unless a test sets them (server/tests/limits.rs).
        .envs(UNLIMITED.iter().map(|k| (k, "0")))
        .envs(env.iter().map(|(k, v)| (k, v)))
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|err| format!("cannot spawn deskchat: {err}"))?;
    let http = reqwest::Client::builder().timeout(Duration::from_secs(2)).build().unwrap();
    let url = format!("http://127.0.0.1:{port}/healthz");
    let deadline = Instant::now() + STARTUP;
    loop {
        if let Some(status) = child.try_wait().map_err(|e| e.to_string())? {
            return Err(format!("exited early with {status}"));
        }
        let healthy = matches!(http.get(&url).send().await, Ok(r) if r.status() == StatusCode::OK);
        // Still running after answering: it was this process that answered, not a stranger.
        if healthy && child.try_wait().map_err(|e| e.to_string())?.is_none() {
            return Ok(child);
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            return Err(format!("/healthz did not answer within {STARTUP:?}"));
        }
        tokio::time::sleep(POLL).await;
    }
}

/// Starts a server with the test clock: its time stands still until the test moves it.
pub const TEST_CLOCK: (&str, &str) = ("DESKCHAT_TEST_CLOCK", "true");

/// Moves the test clocks of several nodes (of one database) `ms` forward together: first every
/// clock, then each node does what became due (all at once, as their schedulers would race).
/// Moved one by one, the first node would take the others' open consoles for gone.
pub async fn advance_clocks(nodes: &[&TestServer], ms: i64) -> usize {
    for node in nodes {
        node.move_clock(ms, false).await;
    }
    futures::future::join_all(nodes.iter().map(|node| node.move_clock(0, true))).await.into_iter().sum()
}

// ---- server functions over HTTP --------------------------------------------------------------

/// What a server function answered.
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}

impl Reply {
    /// The success value; fails the test on any other status.
    pub fn ok<T: DeserializeOwned>(&self) -> T {
        assert_eq!(self.status, StatusCode::OK, "expected success, got: {}", self.body);
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("unexpected reply {}: {e}", self.body))
    }

    /// The success value, or the refusal's body (where a refusal is as good an outcome).
    pub fn try_ok<T: DeserializeOwned>(&self) -> Result<T, String> {
        if self.status != StatusCode::OK {
            return Err(self.body.clone());
        }
        Ok(serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("unexpected reply {}: {e}", self.body)))
    }

    /// Asserts the status of a refusal and returns the error, as the browser decodes it.
    pub fn refusal(&self, status: StatusCode) -> ApiError {
        assert_eq!(self.status, status, "unexpected reply: {}", self.body);
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not an ApiError: {} ({e})", self.body))
    }

    /// Asserts the status of a refusal and returns the text people would read.
    pub fn refused(&self, status: StatusCode) -> String {
        self.refusal(status).to_string()
    }

    pub fn set_cookies(&self) -> Vec<String> {
        self.headers.get_all(SET_COOKIE).iter().map(|v| v.to_str().unwrap().to_string()).collect()
    }

    /// The value of the session cookie this reply sets, if any.
    pub fn session_cookie(&self) -> Option<String> {
        self.set_cookies()
            .iter()
            .find_map(|c| c.split(';').next()?.trim().strip_prefix(&format!("{SESSION_COOKIE}=")).map(str::to_string))
    }
}

/// An HTTP client of one person: keeps cookies like a browser would.
#[derive(Clone)]
pub struct Api {
    base: String,
    http: reqwest::Client,
}

impl Api {
    pub fn new(server: &TestServer) -> Api {
        let http = reqwest::Client::builder().cookie_store(true).timeout(HTTP_TIMEOUT).build().unwrap();
        Api { base: server.base_url(), http }
    }

    /// `POST /api/<endpoint>` with the arguments as a JSON object.
    pub async fn call(&self, endpoint: &str, args: Value) -> Reply {
        self.call_with(endpoint, args, &[]).await
    }

    /// Like `call`, with extra request headers (an `Origin`, a hand-made `Cookie`, …).
    pub async fn call_with(&self, endpoint: &str, args: Value, headers: &[(&str, &str)]) -> Reply {
        let mut request = self.http.post(format!("{}/api/{endpoint}", self.base)).json(&args);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        self.send(request).await
    }

    /// `GET <path>` with this client's cookies (a photo, a page).
    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.http.get(format!("{}{path}", self.base)).send().await.unwrap()
    }

    /// `POST /api/<endpoint>` with a raw body (for bodies that are not valid arguments).
    pub async fn call_raw(&self, endpoint: &str, body: String) -> Reply {
        let request =
            self.http.post(format!("{}/api/{endpoint}", self.base)).header("content-type", "application/json").body(body);
        self.send(request).await
    }

    /// Like `call`, but a server that does not answer (killed, say) is an `Err`, not a failure.
    pub async fn try_call(&self, endpoint: &str, args: Value) -> Result<Reply, reqwest::Error> {
        let response = self.http.post(format!("{}/api/{endpoint}", self.base)).json(&args).send().await?;
        let status = response.status();
        let headers = response.headers().clone();
        let body = response.text().await?;
        Ok(Reply { status, headers, body })
    }

    async fn send(&self, request: reqwest::RequestBuilder) -> Reply {
        let response = request.send().await.expect("the server answers");
        let status = response.status();
        let headers = response.headers().clone();
        let body = response.text().await.expect("read the reply");
        Reply { status, headers, body }
    }

    pub async fn groups(&self) -> Vec<AssignmentGroup> {
        self.group_options().await.into_iter().map(|o| o.group).collect()
    }

    /// The widget's groups, each with whether an agent of it is online.
    pub async fn group_options(&self) -> Vec<GroupOption> {
        self.call("list_groups", json!({})).await.ok()
    }

    pub async fn group_id(&self, name: &str) -> GroupId {
        let groups = self.groups().await;
        groups.iter().find(|g| g.name == name).unwrap_or_else(|| panic!("no group {name:?} in {groups:?}")).id
    }
}

// ---- agents ------------------------------------------------------------------------------------

/// A logged-on agent with a browser-like client of their own.
pub struct Agent {
    pub api: Api,
    pub profile: AgentProfile,
    /// The raw session token from the cookie, for the WebSocket upgrade.
    pub session: String,
}

impl Agent {
    pub async fn log_on(server: &TestServer, email: &str) -> Agent {
        Agent::log_on_with(server, email, PASSWORD).await
    }

    /// Logs on with a password of one's own (agents an admin created).
    pub async fn log_on_with(server: &TestServer, email: &str, password: &str) -> Agent {
        let api = Api::new(server);
        let reply = api.call("log_on", json!({ "email": email, "password": password })).await;
        let profile: AgentProfile = reply.ok();
        let session = reply.session_cookie().expect("log_on sets the session cookie");
        Agent { api, profile, session }
    }

    /// A new agent, made by `admin`: a supervisor of `groups` and a member of none, logged on
    /// (issue 18: monitors and reports).
    pub async fn new_supervisor(server: &TestServer, admin: &Agent, email: &str, groups: Vec<GroupId>) -> Agent {
        const PASSWORD: &str = "a long enough secret";
        let form = NewAgent {
            email: email.into(),
            name: format!("Supervisor {email}"),
            role: Some(Role::Agent),
            groups: vec![],
            password: PASSWORD.into(),
            supervises: groups,
        };
        admin.api.call("admin_create_agent", json!({ "form": form })).await.ok::<AgentEntry>();
        Agent::log_on_with(server, email, PASSWORD).await
    }

    pub fn id(&self) -> AgentId {
        self.profile.card.id
    }

    pub fn name(&self) -> &str {
        &self.profile.card.name
    }

    pub async fn console(&self) -> ConsoleSnapshot {
        self.api.call("load_console", json!({})).await.ok()
    }

    pub async fn try_load_chat(&self, chat_id: ChatId) -> Reply {
        self.api.call("load_chat", json!({ "chat_id": chat_id })).await
    }

    pub async fn load_chat(&self, chat_id: ChatId) -> ChatTranscript {
        self.try_load_chat(chat_id).await.ok()
    }

    pub async fn try_accept(&self, chat_id: ChatId) -> Reply {
        self.api.call("accept_chat", json!({ "chat_id": chat_id })).await
    }

    pub async fn accept(&self, chat_id: ChatId) -> AcceptOutcome {
        self.try_accept(chat_id).await.ok()
    }

    /// Accepts a chat nobody else is after; fails the test unless it is won.
    pub async fn take(&self, chat_id: ChatId) -> ChatTranscript {
        match self.accept(chat_id).await {
            AcceptOutcome::Accepted(transcript, _) => transcript,
            other => panic!("{} could not accept chat {chat_id}: {other:?}", self.name()),
        }
    }

    pub async fn try_post(&self, chat_id: ChatId, client_id: &str, body: &str) -> Reply {
        self.api.call("post_as_agent", json!({ "chat_id": chat_id, "client_id": client_id, "body": body })).await
    }

    pub async fn post(&self, chat_id: ChatId, client_id: &str, body: &str) -> ChatMessage {
        self.try_post(chat_id, client_id, body).await.ok()
    }

    pub async fn end(&self, chat_id: ChatId) {
        self.api.call("end_chat", json!({ "chat_id": chat_id })).await.ok::<()>()
    }

    /// Accepts a chat nobody else is after and returns its records too.
    pub async fn take_with_records(&self, chat_id: ChatId) -> (ChatTranscript, ChatRecords) {
        match self.accept(chat_id).await {
            AcceptOutcome::Accepted(transcript, records) => (transcript, records),
            other => panic!("{} could not accept chat {chat_id}: {other:?}", self.name()),
        }
    }

    pub async fn try_records(&self, chat_id: ChatId) -> Reply {
        self.api.call("load_chat_records", json!({ "chat_id": chat_id })).await
    }

    pub async fn records(&self, chat_id: ChatId) -> ChatRecords {
        self.try_records(chat_id).await.ok()
    }

    pub async fn try_save_ticket(&self, ticket: &Ticket, fields: &TicketFields) -> Reply {
        self.api.call("save_ticket", json!({ "ticket_id": ticket.id, "fields": fields, "version": ticket.version })).await
    }

    pub async fn try_convert(&self, chat_id: ChatId) -> Reply {
        self.api.call("convert_to_incident", json!({ "chat_id": chat_id })).await
    }

    pub async fn try_add_as_request(&self, chat_id: ChatId) -> Reply {
        self.api.call("add_as_request", json!({ "chat_id": chat_id })).await
    }

    pub async fn try_chat_note(&self, chat_id: ChatId, body: &str) -> Reply {
        self.api.call("add_chat_note", json!({ "chat_id": chat_id, "body": body })).await
    }

    pub async fn try_ticket_note(&self, ticket_id: TicketId, body: &str) -> Reply {
        self.api.call("add_ticket_note", json!({ "ticket_id": ticket_id, "body": body })).await
    }

    pub async fn try_record(&self, number: &str) -> Reply {
        self.api.call("load_record", json!({ "number": number })).await
    }

    pub async fn try_search(&self, query: &RecordQuery) -> Reply {
        self.api.call("search_records", json!({ "query": query })).await
    }

    pub async fn history(&self, before: Option<ChatId>) -> HistoryPage {
        self.api.call("load_history", json!({ "before": before })).await.ok()
    }

    pub async fn try_save_settings(&self, settings: &DeskSettings) -> Reply {
        self.api.call("save_settings", json!({ "settings": settings })).await
    }

    /// An admin's *Chat settings* of one group (business hours, a message when nobody is
    /// online, a wait limit, the agents' maximum of chats).
    pub async fn try_save_group_settings(&self, group: GroupId, settings: &GroupSettings) -> Reply {
        self.api.call("admin_save_group_settings", json!({ "id": group, "settings": settings })).await
    }

    pub async fn canned(&self) -> Vec<CannedMessage> {
        self.api.call("list_canned_messages", json!({})).await.ok()
    }

    pub async fn try_save_canned(&self, id: Option<CannedId>, draft: &CannedDraft) -> Reply {
        self.api.call("save_canned_message", json!({ "id": id, "draft": draft })).await
    }

    pub async fn try_delete_canned(&self, id: CannedId) -> Reply {
        self.api.call("delete_canned_message", json!({ "id": id })).await
    }

    /// The numbers of every incident this agent can find, newest first.
    pub async fn incident_numbers(&self) -> Vec<String> {
        let page: RecordPage =
            self.try_search(&RecordQuery { kind: Some(TicketKind::Incident), ..RecordQuery::default() }).await.ok();
        page.rows.into_iter().map(|r| r.number).collect()
    }

    pub async fn settings(&self) -> DeskSettings {
        self.api.call("load_settings", json!({})).await.ok()
    }

    /// A WebSocket carrying this agent's session cookie, hello not yet said.
    // ---- team work ----

    pub async fn team(&self) -> Vec<TeamMember> {
        self.api.call("list_team", json!({})).await.ok()
    }

    pub async fn set_availability(&self, availability: Availability) -> TeamMember {
        self.api.call("set_availability", json!({ "availability": availability })).await.ok()
    }

    pub async fn try_invite(&self, chat_id: ChatId, agent_id: AgentId) -> Reply {
        self.api.call("invite_agent", json!({ "chat_id": chat_id, "agent_id": agent_id })).await
    }

    pub async fn try_join(&self, chat_id: ChatId) -> Reply {
        self.api.call("join_chat", json!({ "chat_id": chat_id })).await
    }

    pub async fn join(&self, chat_id: ChatId) -> ChatTranscript {
        self.try_join(chat_id).await.ok()
    }

    pub async fn try_leave(&self, chat_id: ChatId) -> Reply {
        self.api.call("leave_chat", json!({ "chat_id": chat_id })).await
    }

    pub async fn try_transfer(&self, chat_id: ChatId, target: TransferTarget) -> Reply {
        self.api.call("transfer_chat", json!({ "chat_id": chat_id, "target": target })).await
    }

    pub async fn try_end(&self, chat_id: ChatId) -> Reply {
        self.api.call("end_chat", json!({ "chat_id": chat_id })).await
    }

    pub async fn connect(&self, server: &TestServer) -> WsClient {
        WsClient::connect(server, &[("cookie", &format!("{SESSION_COOKIE}={}", self.session))])
            .await
            .expect("the WebSocket upgrade succeeds")
    }

    /// Like `connect`, over a TCP socket whose kernel receive buffer is `recv_buffer` bytes:
    /// a peer that stops reading fills it, and then the server's send buffer, quickly.
    pub async fn connect_with_recv_buffer(&self, server: &TestServer, recv_buffer: u32) -> WsClient {
        WsClient::connect_with_recv_buffer(server, &[("cookie", &format!("{SESSION_COOKIE}={}", self.session))], recv_buffer)
            .await
            .expect("the WebSocket upgrade succeeds")
    }

    /// Connects, says hello after `after` and reads the replay up to `live`.
    pub async fn listen(&self, server: &TestServer, after: Position) -> (WsClient, Replay) {
        let mut ws = self.connect(server).await;
        ws.hello(after, None).await;
        let replay = ws.until_live().await;
        (ws, replay)
    }
}

// ---- end users ---------------------------------------------------------------------------------

/// The widget form, filled in well.
pub fn chat_form(group_id: GroupId, question: &str) -> StartChat {
    StartChat {
        name: "Erin Enduser".into(),
        email: "erin@example.com".into(),
        phone: "+1 555 0100".into(),
        location: "Head office, floor 3".into(),
        photo: String::new(),
        group_id: Some(group_id),
        question: question.into(),
        previous_ticket: String::new(),
    }
}

/// An end user's chat as the widget holds it: the token is their only key.
pub struct EndUserChat {
    pub api: Api,
    pub token: String,
    pub snapshot: WidgetSnapshot,
}

/// Opens a chat through the widget endpoint for the group named `group`.
pub async fn start_chat(server: &TestServer, group: &str, question: &str) -> EndUserChat {
    start_chat_with(server, group, question, |_| {}).await
}

/// Like `start_chat`, with the form shaped by the test (a previous ticket, another contact).
pub async fn start_chat_with(
    server: &TestServer,
    group: &str,
    question: &str,
    shape: impl FnOnce(&mut StartChat),
) -> EndUserChat {
    let api = Api::new(server);
    let mut form = chat_form(api.group_id(group).await, question);
    shape(&mut form);
    let StartChatOutcome::Started { token, snapshot } = api.call("request_chat", json!({ "form": form })).await.ok() else {
        panic!("{group} took no live chat")
    };
    EndUserChat { api, token, snapshot }
}

impl EndUserChat {
    pub fn id(&self) -> ChatId {
        self.snapshot.transcript.request.id
    }

    pub async fn resume(&self) -> WidgetSnapshot {
        self.api.call("resume_chat", json!({ "token": self.token })).await.ok()
    }

    pub async fn try_post(&self, client_id: &str, body: &str) -> Reply {
        self.api.call("post_as_end_user", json!({ "token": self.token, "client_id": client_id, "body": body })).await
    }

    pub async fn post(&self, client_id: &str, body: &str) -> ChatMessage {
        self.try_post(client_id, body).await.ok()
    }

    pub async fn end(&self) {
        self.api.call("end_as_end_user", json!({ "token": self.token })).await.ok::<()>()
    }

    /// Connects, says hello with the token after `after` and reads the replay up to `live`.
    pub async fn listen(&self, server: &TestServer, after: Position) -> (WsClient, Replay) {
        let mut ws = WsClient::connect(server, &[]).await.expect("the WebSocket upgrade succeeds");
        ws.hello(after, Some(&self.token)).await;
        let replay = ws.until_live().await;
        (ws, replay)
    }
}

// ---- the WebSocket -----------------------------------------------------------------------------

/// What a connection received between its hello and `live`.
#[derive(Debug)]
pub struct Replay {
    pub events: Vec<StreamEvent>,
    /// The position in the `live` frame.
    pub live: Position,
    /// Every frame before `live`, including queue places.
    pub frames: Vec<ServerFrame>,
}

pub struct WsClient {
    socket: WebSocketStream<MaybeTlsStream<TcpStream>>,
}

impl WsClient {
    /// Opens `/ws` with extra headers on the upgrade request (cookie, origin).
    pub async fn connect(server: &TestServer, headers: &[(&str, &str)]) -> Result<WsClient, tungstenite::Error> {
        let request = upgrade_request(server, headers)?;
        let (socket, _response) = tokio::time::timeout(WAIT, tokio_tungstenite::connect_async(request))
            .await
            .expect("the WebSocket upgrade answers in time")?;
        Ok(WsClient { socket })
    }

    /// Like `connect`, over a TCP socket with a kernel receive buffer of `recv_buffer` bytes
    /// (set before connecting, so the window it advertises stays small).
    pub async fn connect_with_recv_buffer(
        server: &TestServer,
        headers: &[(&str, &str)],
        recv_buffer: u32,
    ) -> Result<WsClient, tungstenite::Error> {
        let request = upgrade_request(server, headers)?;
        let tcp = TcpSocket::new_v4()?;
        tcp.set_recv_buffer_size(recv_buffer)?;
        let upgrade = async {
            let stream = tcp.connect(([127, 0, 0, 1], server.port).into()).await?;
            stream.set_nodelay(true)?;
            tokio_tungstenite::client_async(request, MaybeTlsStream::Plain(stream)).await
        };
        let (socket, _response) = tokio::time::timeout(WAIT, upgrade).await.expect("the WebSocket upgrade answers in time")?;
        Ok(WsClient { socket })
    }

    /// The raw stream, for tests that read it their own way (to the end, say).
    pub fn socket(&mut self) -> &mut WebSocketStream<MaybeTlsStream<TcpStream>> {
        &mut self.socket
    }

    pub async fn send_text(&mut self, text: impl Into<String>) {
        let text: String = text.into();
        self.socket.send(Message::text(text)).await.expect("send a frame");
    }

    pub async fn send(&mut self, frame: &ClientFrame) {
        self.send_text(serde_json::to_string(frame).unwrap()).await;
    }

    pub async fn hello(&mut self, after: Position, token: Option<&str>) {
        self.send(&ClientFrame::Hello { after, token: token.map(str::to_string), monitor: false }).await;
    }

    /// Says hello as a supervisor's live monitor (the session's agent).
    pub async fn hello_monitor(&mut self) {
        self.send(&ClientFrame::Hello { after: 0, token: None, monitor: true }).await;
    }

    /// The next WebSocket message (protocol pings and pongs skipped), `None` once the stream
    /// ended; fails the test if nothing arrives within `WAIT`.
    pub async fn next_message(&mut self) -> Option<Result<Message, tungstenite::Error>> {
        loop {
            let next = tokio::time::timeout(WAIT, self.socket.next())
                .await
                .unwrap_or_else(|_| panic!("nothing arrived on the WebSocket within {WAIT:?}"));
            match next {
                Some(Ok(Message::Ping(_) | Message::Pong(_))) => continue,
                other => return other,
            }
        }
    }

    /// The next server frame; fails the test on a timeout, a close, or a non-JSON message.
    pub async fn next_frame(&mut self) -> ServerFrame {
        match self.next_message().await {
            Some(Ok(Message::Text(text))) => {
                serde_json::from_str(text.as_str()).unwrap_or_else(|e| panic!("not a server frame: {} ({e})", text.as_str()))
            }
            other => panic!("expected a server frame, got {other:?}"),
        }
    }

    /// The next server frame, or `None` if nothing arrives within `WAIT` (where silence is an
    /// answer: a test then says what it waited for).
    pub async fn try_next_frame(&mut self) -> Option<ServerFrame> {
        loop {
            match tokio::time::timeout(WAIT, self.socket.next()).await.ok()? {
                Some(Ok(Message::Ping(_) | Message::Pong(_))) => continue,
                Some(Ok(Message::Text(text))) => {
                    return Some(
                        serde_json::from_str(text.as_str())
                            .unwrap_or_else(|e| panic!("not a server frame: {} ({e})", text.as_str())),
                    )
                }
                other => panic!("expected a server frame, got {other:?}"),
            }
        }
    }

    /// Reads frames until one matches `pred`; returns all frames read, the match last.
    pub async fn until(&mut self, mut pred: impl FnMut(&ServerFrame) -> bool) -> Vec<ServerFrame> {
        let mut frames = Vec::new();
        loop {
            let frame = self.next_frame().await;
            let done = pred(&frame);
            frames.push(frame);
            if done {
                return frames;
            }
        }
    }

    /// Reads the replay after a hello: every frame up to and including `live`.
    pub async fn until_live(&mut self) -> Replay {
        let mut frames = self.until(|f| matches!(f, ServerFrame::Live { .. })).await;
        let Some(ServerFrame::Live { position }) = frames.pop() else { unreachable!() };
        Replay { events: events(&frames), live: position, frames }
    }

    /// Reads until the server closes the connection. Returns the frames before the close and
    /// the close frame, if the server sent one.
    pub async fn until_closed(&mut self) -> (Vec<ServerFrame>, Option<CloseFrame>) {
        let mut frames = Vec::new();
        loop {
            match self.next_message().await {
                Some(Ok(Message::Text(text))) => frames.push(serde_json::from_str(text.as_str()).unwrap()),
                Some(Ok(Message::Close(close))) => return (frames, close),
                None | Some(Err(_)) => return (frames, None),
                Some(Ok(other)) => panic!("unexpected message {other:?}"),
            }
        }
    }
}

/// The upgrade request for `/ws` with extra headers (cookie, origin).
fn upgrade_request(
    server: &TestServer,
    headers: &[(&str, &str)],
) -> Result<tungstenite::handshake::client::Request, tungstenite::Error> {
    let mut request = server.ws_url().into_client_request()?;
    for (name, value) in headers {
        request.headers_mut().insert(HeaderName::from_bytes(name.as_bytes()).unwrap(), HeaderValue::from_str(value).unwrap());
    }
    Ok(request)
}

// ---- a widget as the browser keeps it ---------------------------------------------------------

/// An end user's widget: the model `WidgetPage` keeps (`WidgetModel`), fed from its socket the
/// same way (events, the link's `QueuePlace`, the queue's shared `QueueMoved` frames).
pub struct WidgetScreen {
    pub model: app::ui::widget::model::WidgetModel,
    pub ws: WsClient,
}

impl WidgetScreen {
    /// The snapshot, then the link from its position, the frames before `live` applied.
    pub async fn open(server: &TestServer, chat: &EndUserChat) -> WidgetScreen {
        let model = app::ui::widget::model::WidgetModel::from_snapshot(chat.resume().await);
        let (ws, replay) = chat.listen(server, model.position).await;
        let mut screen = WidgetScreen { model, ws };
        for frame in &replay.frames {
            screen.apply(frame);
        }
        screen
    }

    pub fn apply(&mut self, frame: &ServerFrame) {
        match frame {
            ServerFrame::Event(event) => self.model.apply(event),
            other => self.model.apply_queue(other),
        }
    }

    /// Reads frames until the widget shows `place` ("You are number N in the queue"); fails if
    /// nothing more arrives within `WAIT` before that. Returns the frames read.
    pub async fn until_place(&mut self, place: Option<u32>) -> Vec<ServerFrame> {
        let mut frames = Vec::new();
        while self.model.queue_place != place {
            let Some(frame) = self.ws.try_next_frame().await else {
                panic!(
                    "chat {} shows place {:?}, not {place:?}, and nothing more arrives; it read {frames:?}",
                    self.model.request().id,
                    self.model.queue_place
                )
            };
            self.apply(&frame);
            frames.push(frame);
        }
        frames
    }
}

// ---- reading frames ----------------------------------------------------------------------------

/// The stream events among `frames`, in order.
pub fn events(frames: &[ServerFrame]) -> Vec<StreamEvent> {
    frames
        .iter()
        .filter_map(|f| match f {
            ServerFrame::Event(e) => Some(e.clone()),
            _ => None,
        })
        .collect()
}

/// The chat a frame is about, if it is about one.
pub fn chat_of(frame: &ServerFrame) -> Option<ChatId> {
    match frame {
        ServerFrame::Event(e) => e.event.chat_id(),
        ServerFrame::QueuePlace { chat_id, .. } => Some(*chat_id),
        _ => None,
    }
}

/// The chat of a `Queued` event.
pub fn queued(frame: &ServerFrame) -> Option<ChatId> {
    match frame {
        ServerFrame::Event(StreamEvent { event: ChatEvent::Queued { request }, .. }) => Some(request.id),
        _ => None,
    }
}

/// An agent's presence in a `Presence` signal.
pub fn presence_of(frame: &ServerFrame, agent: AgentId) -> Option<Presence> {
    match frame {
        ServerFrame::Presence { member } if member.card.id == agent => Some(member.presence),
        _ => None,
    }
}

/// The message of a `MessagePosted` event.
pub fn posted(frame: &ServerFrame) -> Option<&ChatMessage> {
    match frame {
        ServerFrame::Event(StreamEvent { event: ChatEvent::MessagePosted { message }, .. }) => Some(message),
        _ => None,
    }
}

/// The ids of all messages posted among `frames`, in order.
pub fn posted_ids(frames: &[ServerFrame]) -> Vec<i64> {
    frames.iter().filter_map(posted).map(|m| m.id).collect()
}

/// Asserts positions rise strictly: no event twice, none out of order.
pub fn assert_strictly_increasing(events: &[StreamEvent]) {
    for pair in events.windows(2) {
        assert!(pair[0].position < pair[1].position, "positions out of order: {:?}", pair);
    }
}

/// What kind of event, and about whom; enough to compare streams exactly.
#[derive(Debug, PartialEq)]
pub enum Seen {
    Queued(ChatId),
    Accepted(ChatId, AgentId),
    Message(i64),
    Ended(ChatId, Party),
    Missed(ChatId),
    TicketSaved(String),
    Note(i64),
    Invited(ChatId, AgentId),
    Joined(ChatId, AgentId),
    Left(ChatId, AgentId),
    /// To an agent (`Some`) or back to a queue.
    Transferred(ChatId, Option<AgentId>),
    Offered(ChatId, AgentId),
    OfferEnded(ChatId, AgentId, PassedOver),
}

pub fn seen(events: &[StreamEvent]) -> Vec<Seen> {
    events
        .iter()
        .map(|e| match &e.event {
            ChatEvent::Queued { request } => Seen::Queued(request.id),
            ChatEvent::Accepted { chat_id, agent, .. } => Seen::Accepted(*chat_id, agent.id),
            ChatEvent::MessagePosted { message } => Seen::Message(message.id),
            ChatEvent::Ended { chat_id, by, .. } => Seen::Ended(*chat_id, *by),
            ChatEvent::Missed { chat_id, .. } => Seen::Missed(*chat_id),
            ChatEvent::TicketSaved { ticket } => Seen::TicketSaved(ticket.number.clone()),
            ChatEvent::NoteAdded { note } => Seen::Note(note.id),
            ChatEvent::Invited { request, agent, .. } => Seen::Invited(request.id, agent.id),
            ChatEvent::Joined { chat_id, agent, .. } => Seen::Joined(*chat_id, agent.id),
            ChatEvent::Left { chat_id, agent, .. } => Seen::Left(*chat_id, agent.id),
            ChatEvent::Transferred { chat_id, to, .. } => Seen::Transferred(*chat_id, to.as_ref().map(|a| a.id)),
            ChatEvent::Offered { request, agent, .. } => Seen::Offered(request.id, *agent),
            ChatEvent::OfferEnded { chat_id, agent, outcome } => Seen::OfferEnded(*chat_id, *agent, *outcome),
        })
        .collect()
}
