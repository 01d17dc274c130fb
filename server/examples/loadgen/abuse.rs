//! `abuse`: issue 8's findings, replayed from one client address against a server with its
//! default limits: password guessing (and how `/healthz` answers meanwhile), a flood of chat
//! requests, a flood of long messages into a waiting chat, and what accepting that chat returns.
//! Run it on a build before the limits to see the findings, after them to see the refusals.

use std::time::Duration;

use app::model::*;
use futures::StreamExt;
use serde_json::json;
use tokio::time::Instant;

use crate::client::{Api, Result, ALICE};
use crate::desk;
use crate::stats::{row, Latencies, Meter, ServerProc};

const GUESSES: usize = 200;
const CHAT_FLOOD: usize = 300;
const MESSAGE_FLOOD: usize = 400;
const FLOOD_CONCURRENCY: usize = 32;

pub async fn run(api: &Api, server: Option<ServerProc>) -> Result<()> {
    // Alice logs on before the guessing, which backs her account (and this address) off.
    let alice = api.log_on(ALICE).await?;
    let network = desk::group(api, "Network").await?;
    let meter = Meter::start("abuse", server);

    // 1. Guessing alice's password, everything at once, while /healthz is asked every 10 ms.
    let probing = tokio::sync::watch::channel(true);
    let probe = {
        let (api, mut running) = (api.clone(), probing.1.clone());
        tokio::spawn(async move {
            let mut health = Latencies::new();
            while *running.borrow_and_update() {
                let t = Instant::now();
                if api.get("/healthz").send().await.is_ok() {
                    health.record(t.elapsed());
                }
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
            health
        })
    };
    let t = Instant::now();
    let statuses: Vec<u16> = futures::stream::iter(0..GUESSES)
        .map(|i| async move {
            let guess = json!({ "email": ALICE, "password": format!("guess-{i}") });
            api.call_raw("log_on", guess).await.map(|(status, _)| status.as_u16()).unwrap_or(0)
        })
        .buffer_unordered(GUESSES)
        .collect()
        .await;
    let guessing = t.elapsed();
    let _ = probing.0.send(false);
    let health = probe.await?;
    let count = |code: u16| statuses.iter().filter(|s| **s == code).count();
    row(
        format!("abuse: {GUESSES} wrong passwords at once from one address"),
        format!(
            "{} checked (401), {} refused (429), {} other, in {:.1} s",
            count(401),
            count(429),
            GUESSES - count(401) - count(429),
            guessing.as_secs_f64()
        ),
    );
    row("abuse: `/healthz` meanwhile, every 10 ms", health.summary());

    // 2. Chat requests, as fast as they go.
    let t = Instant::now();
    let outcomes: Vec<Option<(ChatId, String)>> = futures::stream::iter(0..CHAT_FLOOD)
        .map(|i| async move {
            let form = StartChat {
                name: format!("Flood {i}"),
                email: format!("flood.{i}@example.com"),
                location: "Loopback".into(),
                group_id: Some(network),
                question: "Flood".into(),
                ..Default::default()
            };
            match api.call_raw("request_chat", json!({ "form": form })).await {
                Ok((status, body)) if status.is_success() => match serde_json::from_slice(&body) {
                    Ok(StartChatOutcome::Started { token, snapshot }) => Some((snapshot.transcript.request.id, token)),
                    _ => None,
                },
                _ => None,
            }
        })
        .buffer_unordered(FLOOD_CONCURRENCY)
        .collect()
        .await;
    let mut created = outcomes.into_iter().flatten();
    let chat = created.next().ok_or("no chat could be started for the message flood")?;
    let started = 1 + created.count();
    row(
        format!("abuse: {CHAT_FLOOD} chat requests from one address"),
        format!("{started} created, {} refused, in {:.2} s", CHAT_FLOOD - started, t.elapsed().as_secs_f64()),
    );

    // 3. Long messages into one of those chats while it waits.
    let t = Instant::now();
    let body = "x".repeat(3_900);
    let posted: Vec<bool> = futures::stream::iter(0..MESSAGE_FLOOD)
        .map(|i| {
            let (body, token) = (body.clone(), chat.1.clone());
            async move {
                let message = json!({ "token": token, "client_id": format!("flood-{i}"), "body": body });
                matches!(api.call_raw("post_as_end_user", message).await, Ok((status, _)) if status.is_success())
            }
        })
        .buffer_unordered(FLOOD_CONCURRENCY)
        .collect()
        .await;
    let stored = posted.iter().filter(|p| **p).count();
    row(
        format!("abuse: {MESSAGE_FLOOD} messages of 3.9 KB into a waiting chat"),
        format!("{stored} stored, {} refused, in {:.2} s", MESSAGE_FLOOD - stored, t.elapsed().as_secs_f64()),
    );
    let (status, reply) = alice.call_raw("accept_chat", json!({ "chat_id": chat.0 })).await?;
    row("abuse: accepting that chat: the reply", format!("HTTP {}, {:.1} KiB", status.as_u16(), reply.len() as f64 / 1024.0));
    meter.stop().print();
    Ok(())
}
