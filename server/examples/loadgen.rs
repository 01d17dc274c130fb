//! Load generator: drives a running Deskchat server over loopback and prints figures.
//!
//!     make bench                      # builds release, starts a server, runs this, stops it
//!     cargo run --release -p server --example loadgen -- http://127.0.0.1:3000 [chats] [pid]
//!
//! 1. opens `chats` end-user chats in the Network group and one WebSocket per chat (idle
//!    widgets), and reads the server's resident memory before and after (when given its pid);
//! 2. the demo agent alice accepts every chat;
//! 3. alice posts messages round-robin; each is timed from the POST until the end user's
//!    socket receives it (post → persist → publish → fan-out → deliver).
//! Bounded in count and time; loopback only.

use std::time::{Duration, Instant};

use app::model::*;
use futures::{SinkExt, StreamExt};
use serde_json::json;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;

type Socket = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

const MESSAGES: usize = 2_000;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let base = args.get(1).cloned().unwrap_or_else(|| "http://127.0.0.1:3000".into());
    let chats: usize = args.get(2).and_then(|n| n.parse().ok()).unwrap_or(1_000);
    let pid: Option<u32> = args.get(3).and_then(|p| p.parse().ok());
    assert!(base.starts_with("http://127.") || base.starts_with("http://localhost"), "loopback only");
    let http = reqwest::Client::builder().cookie_store(true).build()?;
    let anonymous = reqwest::Client::new();

    let rss_before = pid.and_then(rss_kib);
    let network = groups(&anonymous, &base).await?.into_iter().find(|g| g.name == "Network").ok_or("no Network group")?;

    // 1. chats and idle widget connections
    let mut started = Vec::with_capacity(chats);
    let mut start_times = Vec::with_capacity(chats);
    for i in 0..chats {
        let form = StartChat {
            name: format!("Load User {i}"),
            email: format!("load{i}@example.com"),
            location: "Loopback".into(),
            group_id: Some(network.id),
            question: format!("Load question {i}"),
            ..Default::default()
        };
        let t = Instant::now();
        let outcome: StartChatOutcome = call(&anonymous, &base, "request_chat", json!({ "form": form })).await?;
        start_times.push(t.elapsed());
        match outcome {
            StartChatOutcome::Started { token, snapshot } => started.push((token, snapshot)),
            StartChatOutcome::Invalid(errors) => return Err(format!("form refused: {errors:?}").into()),
        }
    }
    let mut sockets = Vec::with_capacity(chats);
    let t = Instant::now();
    for (token, snapshot) in &started {
        let mut socket = connect(&base, None).await?;
        send(&mut socket, &ClientFrame::Hello { after: snapshot.position, token: Some(token.clone()) }).await?;
        until(&mut socket, |f| matches!(f, ServerFrame::Live { .. })).await?;
        sockets.push(Widget::run(socket));
    }
    let connect_all = t.elapsed();
    let rss_after = pid.and_then(rss_kib);

    // 2. accept them all
    let _: AgentProfile =
        call(&http, &base, "log_on", json!({ "email": "alice@deskchat.test", "password": "deskchat-demo" })).await?;
    let mut accept_times = Vec::with_capacity(chats);
    for (_, snapshot) in &started {
        let t = Instant::now();
        let outcome: AcceptOutcome =
            call(&http, &base, "accept_chat", json!({ "chat_id": snapshot.transcript.request.id })).await?;
        accept_times.push(t.elapsed());
        assert!(matches!(outcome, AcceptOutcome::Accepted(_)), "uncontended accept must win");
    }
    for widget in sockets.iter_mut() {
        widget.until(|f| matches!(f, ServerFrame::Event(StreamEvent { event: ChatEvent::Accepted { .. }, .. }))).await?;
    }

    // 3. message round trips
    let mut round_trips = Vec::with_capacity(MESSAGES);
    let t_all = Instant::now();
    for i in 0..MESSAGES {
        let k = i % chats;
        let chat_id = started[k].1.transcript.request.id;
        let client_id = format!("load-{i}");
        let t = Instant::now();
        let _: ChatMessage =
            call(&http, &base, "post_as_agent", json!({ "chat_id": chat_id, "client_id": client_id, "body": "ping" })).await?;
        sockets[k].until(|f| {
            matches!(f, ServerFrame::Event(StreamEvent { event: ChatEvent::MessagePosted { message }, .. }) if message.client_id == client_id)
        })
        .await?;
        round_trips.push(t.elapsed());
    }
    let all = t_all.elapsed();

    println!("Deskchat load figures ({chats} chats, {MESSAGES} messages, one client process, loopback)");
    println!("  start chat (POST /api/request_chat):   {}", summary(&mut start_times));
    println!("  {chats} widget WebSockets connected + replayed in {:.2} s", connect_all.as_secs_f64());
    if let (Some(before), Some(after)) = (rss_before, rss_after) {
        let per = (after.saturating_sub(before)) as f64 / chats as f64;
        println!("  server RSS {:.1} MiB → {:.1} MiB with {chats} chats + sockets ({per:.1} KiB per chat)", before as f64 / 1024.0, after as f64 / 1024.0);
    }
    println!("  accept (POST /api/accept_chat):        {}", summary(&mut accept_times));
    println!("  message post → end user's socket:      {}", summary(&mut round_trips));
    println!("  sequential message throughput:         {:.0} msg/s", MESSAGES as f64 / all.as_secs_f64());
    Ok(())
}

/// One simulated widget: a task keeps its socket alive (pings every 20 s, as the browser does)
/// and hands every frame it receives to the main task.
struct Widget {
    frames: tokio::sync::mpsc::UnboundedReceiver<ServerFrame>,
}

impl Widget {
    fn run(mut socket: Socket) -> Widget {
        let (tx, frames) = tokio::sync::mpsc::unbounded_channel();
        tokio::spawn(async move {
            let mut ping = tokio::time::interval(Duration::from_secs(20));
            loop {
                tokio::select! {
                    _ = ping.tick() => {
                        if send(&mut socket, &ClientFrame::Ping).await.is_err() { return; }
                    }
                    incoming = socket.next() => match incoming {
                        Some(Ok(Message::Text(text))) => {
                            if let Ok(frame) = serde_json::from_str(&text) {
                                if tx.send(frame).is_err() { return; }
                            }
                        }
                        Some(Ok(_)) => {}
                        _ => return,
                    },
                }
            }
        });
        Widget { frames }
    }

    async fn until(&mut self, want: impl Fn(&ServerFrame) -> bool) -> Result<(), Box<dyn std::error::Error>> {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let left = deadline.checked_duration_since(Instant::now()).ok_or("timed out waiting for a frame")?;
            match tokio::time::timeout(left, self.frames.recv()).await? {
                Some(frame) if want(&frame) => return Ok(()),
                Some(_) => {}
                None => return Err("socket closed".into()),
            }
        }
    }
}

fn summary(times: &mut [Duration]) -> String {
    times.sort();
    let at = |q: f64| times[((times.len() as f64 - 1.0) * q).round() as usize].as_secs_f64() * 1000.0;
    format!("p50 {:.2} ms  p95 {:.2} ms  p99 {:.2} ms  max {:.2} ms", at(0.5), at(0.95), at(0.99), at(1.0))
}

fn rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status.lines().find(|l| l.starts_with("VmRSS:"))?.split_whitespace().nth(1)?.parse().ok()
}

async fn groups(http: &reqwest::Client, base: &str) -> Result<Vec<AssignmentGroup>, Box<dyn std::error::Error>> {
    call(http, base, "list_groups", json!({})).await
}

async fn call<T: serde::de::DeserializeOwned>(
    http: &reqwest::Client,
    base: &str,
    endpoint: &str,
    body: serde_json::Value,
) -> Result<T, Box<dyn std::error::Error>> {
    let response = http.post(format!("{base}/api/{endpoint}")).json(&body).send().await?;
    let status = response.status();
    if !status.is_success() {
        return Err(format!("{endpoint}: {status}: {}", response.text().await?).into());
    }
    Ok(response.json().await?)
}

async fn connect(base: &str, cookie: Option<&str>) -> Result<Socket, Box<dyn std::error::Error>> {
    let mut request = format!("{}/ws", base.replacen("http", "ws", 1)).into_client_request()?;
    if let Some(cookie) = cookie {
        request.headers_mut().insert("cookie", cookie.parse()?);
    }
    Ok(tokio_tungstenite::connect_async(request).await?.0)
}

async fn send(socket: &mut Socket, frame: &ClientFrame) -> Result<(), Box<dyn std::error::Error>> {
    socket.send(Message::text(serde_json::to_string(frame)?)).await?;
    Ok(())
}

async fn until(socket: &mut Socket, want: impl Fn(&ServerFrame) -> bool) -> Result<(), Box<dyn std::error::Error>> {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let left = deadline.checked_duration_since(Instant::now()).ok_or("timed out waiting for a frame")?;
        match tokio::time::timeout(left, socket.next()).await? {
            Some(Ok(Message::Text(text))) => {
                if want(&serde_json::from_str(&text)?) {
                    return Ok(());
                }
            }
            Some(Ok(_)) => {}
            Some(Err(err)) => return Err(err.into()),
            None => return Err("socket closed".into()),
        }
    }
}
