//! The wire protocol as a client sees it: server functions (`POST /api/<name>`, JSON) and the
//! `/ws` event stream (hello → … → live, then events). Nothing here touches the database.

use std::net::Ipv4Addr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use app::model::*;
use futures::{SinkExt, StreamExt};
use serde::de::DeserializeOwned;
use serde_json::{json, Value};
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::Message;

use crate::stats::Latencies;

pub type Error = Box<dyn std::error::Error + Send + Sync>;
pub type Result<T, E = Error> = std::result::Result<T, E>;
pub type Socket = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// The demo agents' password (app/src/ssr/seed.rs).
pub const DEMO_PASSWORD: &str = "deskchat-demo";
pub const ALICE: &str = "alice@deskchat.test";
pub const ADMIN: &str = "admin@deskchat.test";

/// Upper bound of one HTTP call, and of one wait for a frame.
pub const HTTP_TIMEOUT: Duration = Duration::from_secs(60);
pub const FRAME_WAIT: Duration = Duration::from_secs(30);
/// As the browser does: the server closes a socket that sent nothing for 60 s.
const PING_EVERY: Duration = Duration::from_secs(20);
/// Widget sockets opened at once.
const CONNECT_CONCURRENCY: usize = 64;

/// `base` if it is `http://` on a loopback address (127.x or localhost), else an error.
pub fn loopback(base: &str) -> Result<String> {
    let url = reqwest::Url::parse(base)?;
    let host = url.host_str().unwrap_or_default();
    let loopback = host == "localhost" || host.parse::<Ipv4Addr>().is_ok_and(|ip| ip.is_loopback());
    if url.scheme() != "http" || !loopback {
        return Err(format!(
            "refusing {base}: the load generator drives loopback servers only (http://127.x.x.x or http://localhost)"
        )
        .into());
    }
    Ok(base.trim_end_matches('/').to_string())
}

/// Raises this process's open-file limit (RLIMIT_NOFILE) to `needed` if it can; returns the
/// limit in force afterwards.
pub fn raise_open_files(needed: u64) -> u64 {
    // SAFETY: getrlimit/setrlimit only read and write the struct we pass.
    unsafe {
        let mut limit: libc::rlimit = std::mem::zeroed();
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) != 0 {
            return 1024;
        }
        if limit.rlim_cur >= needed {
            return limit.rlim_cur;
        }
        let wanted = libc::rlimit { rlim_cur: needed, rlim_max: limit.rlim_max.max(needed) };
        if libc::setrlimit(libc::RLIMIT_NOFILE, &wanted) == 0 {
            return needed;
        }
        // Not allowed past the hard limit (no CAP_SYS_RESOURCE): take all of it.
        let most = libc::rlimit { rlim_cur: limit.rlim_max, rlim_max: limit.rlim_max };
        if libc::setrlimit(libc::RLIMIT_NOFILE, &most) == 0 {
            limit.rlim_max
        } else {
            limit.rlim_cur
        }
    }
}

/// Server functions over HTTP; anonymous (end user) or with an agent's session cookie.
/// Clones share one connection pool.
#[derive(Clone)]
pub struct Api {
    http: reqwest::Client,
    base: Arc<str>,
    cookie: Option<Arc<str>>,
}

impl Api {
    pub fn new(base: &str) -> Result<Api> {
        let http = reqwest::Client::builder()
            .timeout(HTTP_TIMEOUT)
            .redirect(reqwest::redirect::Policy::none())
            .tcp_nodelay(true)
            // Bodies as they crossed the wire: `bytes` counts compressed sizes.
            .no_gzip()
            .no_brotli()
            .no_deflate()
            .no_zstd()
            .build()?;
        Ok(Api { http, base: base.into(), cookie: None })
    }

    pub fn base(&self) -> &str {
        &self.base
    }

    /// The `deskchat_session=…` cookie of a logged-on agent.
    pub fn cookie(&self) -> Option<&str> {
        self.cookie.as_deref()
    }

    /// Logs a demo agent on; the returned `Api` carries their session cookie.
    pub async fn log_on(&self, email: &str) -> Result<Api> {
        let response = self.post("log_on", json!({ "email": email, "password": DEMO_PASSWORD })).await?;
        let cookie = response
            .headers()
            .get_all(reqwest::header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|c| c.starts_with("deskchat_session="))
            .and_then(|c| c.split(';').next())
            .ok_or("log_on answered without a session cookie")?;
        Ok(Api { cookie: Some(cookie.into()), ..self.clone() })
    }

    /// Calls server function `name` with a JSON body and decodes the JSON answer.
    pub async fn call<T: DeserializeOwned>(&self, name: &str, body: Value) -> Result<T> {
        Ok(self.post(name, body).await?.json().await?)
    }

    async fn post(&self, name: &str, body: Value) -> Result<reqwest::Response> {
        let response = self.with_cookie(self.http.post(format!("{}/api/{name}", self.base))).json(&body).send().await?;
        let status = response.status();
        if !status.is_success() {
            return Err(format!("{name}: {status}: {}", response.text().await.unwrap_or_default()).into());
        }
        Ok(response)
    }

    /// Calls server function `name` and returns the status and body whatever they are (for
    /// calls that are meant to be refused).
    /// The writer's batches so far on this node, from `/metrics`: (batches, jobs), or `None`
    /// if the metrics are not readable from here.
    pub async fn writer_batches(&self) -> Option<(f64, f64)> {
        let text = self.http.get(format!("{}/metrics", self.base)).send().await.ok()?.text().await.ok()?;
        let value = |name: &str| text.lines().find_map(|line| line.strip_prefix(name)?.trim().parse::<f64>().ok());
        Some((value("deskchat_writer_batch_jobs_count ")?, value("deskchat_writer_batch_jobs_sum ")?))
    }

    pub async fn call_raw(&self, name: &str, body: Value) -> Result<(reqwest::StatusCode, Vec<u8>)> {
        let response = self.with_cookie(self.http.post(format!("{}/api/{name}", self.base))).json(&body).send().await?;
        Ok((response.status(), response.bytes().await?.to_vec()))
    }

    /// A GET of `path_or_url` (a path on the server, or an absolute URL).
    pub fn get(&self, path_or_url: &str) -> reqwest::RequestBuilder {
        let url = if path_or_url.starts_with("http") { path_or_url.to_string() } else { format!("{}{path_or_url}", self.base) };
        self.with_cookie(self.http.get(url))
    }

    fn with_cookie(&self, request: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        match &self.cookie {
            Some(cookie) => request.header(reqwest::header::COOKIE, cookie.as_ref()),
            None => request,
        }
    }
}

/// Opens `/ws`, says hello and reads until `live`. Returns the socket and the frames that came
/// before `live` (a waiting end user's queue place, replayed events).
pub async fn open_live(api: &Api, token: Option<&str>, after: Position) -> Result<(Socket, Vec<ServerFrame>)> {
    let mut request = format!("{}/ws", api.base().replacen("http", "ws", 1)).into_client_request()?;
    if let Some(cookie) = api.cookie() {
        request.headers_mut().insert("cookie", cookie.parse()?);
    }
    // Small buffers (tungstenite's default is 128 KiB each): tens of thousands of these live at once.
    let config = WebSocketConfig::default().read_buffer_size(4096).write_buffer_size(0);
    let connect = tokio_tungstenite::connect_async_with_config(request, Some(config), true);
    let (mut socket, _) = tokio::time::timeout(FRAME_WAIT, connect).await.map_err(|_| "WebSocket connect timed out")??;
    send(&mut socket, &ClientFrame::Hello { after, token: token.map(str::to_owned), monitor: false }).await?;
    let deadline = Instant::now() + FRAME_WAIT;
    let mut before = Vec::new();
    loop {
        let frame = tokio::time::timeout_at(deadline, socket.next()).await.map_err(|_| "no `live` within 30 s")?;
        match frame {
            Some(Ok(Message::Text(text))) => match serde_json::from_str::<ServerFrame>(&text)? {
                ServerFrame::Live { .. } => return Ok((socket, before)),
                ServerFrame::Error { error } => return Err(format!("hello refused: {error}").into()),
                frame => before.push(frame),
            },
            Some(Ok(_)) => {}
            Some(Err(err)) => return Err(err.into()),
            None => return Err("socket closed before `live`".into()),
        }
    }
}

async fn send(socket: &mut Socket, frame: &ClientFrame) -> Result<()> {
    socket.send(Message::text(serde_json::to_string(frame)?)).await?;
    Ok(())
}

/// Live sockets, each kept open by a task of its own until `close`: it pings every 20 s and
/// hands every frame it receives to its handler.
pub struct Fleet {
    stop: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
    dropped: Arc<AtomicUsize>,
}

impl Fleet {
    pub fn new() -> Fleet {
        Fleet { stop: watch::channel(false).0, tasks: Vec::new(), dropped: Arc::default() }
    }

    /// Keeps a socket open (pinging) and hands each frame to `on_frame`; with `typing`, it
    /// also sends typing signals as that says.
    pub fn keep_typing(&mut self, socket: Socket, on_frame: impl FnMut(ServerFrame) + Send + 'static, typing: Option<Typing>) {
        let task = keep_alive(socket, self.stop.subscribe(), on_frame, self.dropped.clone(), typing);
        self.tasks.push(tokio::spawn(task));
    }

    pub fn len(&self) -> usize {
        self.tasks.len()
    }

    /// Sockets that closed (server or network) before `close` was called.
    pub fn dropped(&self) -> usize {
        self.dropped.load(Ordering::Relaxed)
    }

    /// Closes every socket and waits (at most 10 s) for the tasks to end.
    pub async fn close(self) {
        let _ = self.stop.send(true);
        let _ = tokio::time::timeout(Duration::from_secs(10), futures::future::join_all(self.tasks)).await;
    }
}

/// What a socket types: a `Typing` frame for each of `chats` every `every`, spread evenly,
/// while `on` holds; `sent(chat)` hears of each one sent.
pub struct Typing {
    pub chats: Vec<ChatId>,
    pub every: Duration,
    pub on: Arc<std::sync::atomic::AtomicBool>,
    pub sent: Arc<dyn Fn(ChatId) + Send + Sync>,
}

async fn keep_alive(
    mut socket: Socket,
    mut stop: watch::Receiver<bool>,
    mut on_frame: impl FnMut(ServerFrame),
    dropped: Arc<AtomicUsize>,
    typing: Option<Typing>,
) {
    let mut ping = tokio::time::interval_at(Instant::now() + PING_EVERY, PING_EVERY);
    ping.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    // One chat's signal per tick; a random start spreads the sockets over the period.
    let typing = typing.filter(|t| !t.chats.is_empty());
    let tick = typing.as_ref().map_or(Duration::from_secs(3600), |t| t.every / t.chats.len() as u32);
    let offset = tick.mul_f64(rand_fraction());
    let mut type_tick = tokio::time::interval_at(Instant::now() + offset, tick);
    type_tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut next_chat = 0;
    loop {
        tokio::select! {
            _ = type_tick.tick(), if typing.is_some() => {
                let t = typing.as_ref().expect("typing is some");
                if t.on.load(Ordering::Relaxed) {
                    let chat_id = t.chats[next_chat % t.chats.len()];
                    next_chat += 1;
                    (t.sent)(chat_id);
                    if send(&mut socket, &ClientFrame::Typing { chat_id }).await.is_err() {
                        break;
                    }
                }
            }
            _ = stop.changed() => {
                let _ = tokio::time::timeout(Duration::from_secs(1), socket.close(None)).await;
                return;
            }
            _ = ping.tick() => {
                if send(&mut socket, &ClientFrame::Ping).await.is_err() {
                    break;
                }
            }
            incoming = socket.next() => match incoming {
                Some(Ok(Message::Text(text))) => {
                    if let Ok(frame) = serde_json::from_str(&text) {
                        on_frame(frame);
                    }
                }
                Some(Ok(_)) => {}
                Some(Err(_)) | None => break,
            },
        }
    }
    dropped.fetch_add(1, Ordering::Relaxed);
}

/// Opens a live end-user socket per `(token, position)`, `CONNECT_CONCURRENCY` at a time, and
/// puts each in `fleet` with the handler `handler(i, frames_before_live)` makes for it.
/// Returns each socket's time from connect to `live`.
pub async fn connect_widgets<'a, F>(
    api: &Api,
    chats: impl IntoIterator<Item = (&'a str, Position)>,
    fleet: &mut Fleet,
    handler: impl Fn(usize, &[ServerFrame]) -> F,
) -> Result<Latencies>
where
    F: FnMut(ServerFrame) + Send + 'static,
{
    connect_typing_widgets(api, chats, fleet, handler, |_| None).await
}

/// Like `connect_widgets`, widget `i` also typing as `typing(i)` says.
pub async fn connect_typing_widgets<'a, F>(
    api: &Api,
    chats: impl IntoIterator<Item = (&'a str, Position)>,
    fleet: &mut Fleet,
    handler: impl Fn(usize, &[ServerFrame]) -> F,
    typing: impl Fn(usize) -> Option<Typing>,
) -> Result<Latencies>
where
    F: FnMut(ServerFrame) + Send + 'static,
{
    let mut opened = futures::stream::iter(chats.into_iter().enumerate())
        .map(|(i, (token, after))| async move {
            let started = Instant::now();
            let (socket, before) = open_live(api, Some(token), after).await.map_err(|e| format!("widget socket {i}: {e}"))?;
            Ok::<_, Error>((i, socket, before, started.elapsed()))
        })
        .buffer_unordered(CONNECT_CONCURRENCY);
    let mut latencies = Latencies::new();
    while let Some(result) = opened.next().await {
        let (i, socket, before, took) = result?;
        latencies.record(took);
        fleet.keep_typing(socket, handler(i, &before), typing(i));
    }
    Ok(latencies)
}

/// A number in [0, 1) that differs between sockets (no RNG crate needed for spreading ticks).
fn rand_fraction() -> f64 {
    (uuid::Uuid::new_v4().as_u128() % 1_000_000) as f64 / 1_000_000.0
}
