//! `console`: the agent console's first load with a long queue and a few chats of her own.

use std::future::Future;

use app::model::*;
use futures::{StreamExt, TryStreamExt};
use serde_json::json;
use tokio::time::Instant;

use crate::client::{Api, Result, ALICE};
use crate::desk::{self, progress, Chat};
use crate::stats::{row, thousands, Latencies, Meter, ServerProc};

pub async fn run(api: &Api, server: Option<ServerProc>, queued: usize, active: usize, repeat: usize) -> Result<Vec<Chat>> {
    let alice = api.log_on(ALICE).await?;
    let chats = queue_and_busy_agent(api, &alice, queued, active).await?;
    progress("console", format!("{queued} queued, {active} accepted by alice; timing {repeat} loads each"));

    let meter = Meter::start("console", server);
    let (page, html_bytes) = timed(repeat, || async {
        let response = alice.get("/console").send().await?;
        if response.status() != reqwest::StatusCode::OK {
            return Err(format!("GET /console: {} (location {:?})", response.status(), response.headers().get("location")).into());
        }
        Ok(response.bytes().await?.len())
    })
    .await?;
    let (snapshot, json_bytes) = timed(repeat, || async {
        let snapshot: serde_json::Value = alice.call("load_console", json!({})).await?;
        Ok(snapshot.to_string().len())
    })
    .await?;
    let cpu = meter.stop();

    let sizes = format!("{} queued + {active} active", thousands(queued as u64));
    row(
        format!("console: GET /console, server-side rendered, {sizes}"),
        format!("{} ({} KiB HTML)", page.summary(), html_bytes / 1024),
    );
    row(format!("console: `load_console`, {sizes}"), format!("{} ({} KiB JSON)", snapshot.summary(), json_bytes / 1024));
    cpu.print();
    Ok(chats)
}

/// `queued` chats waiting (half in Service Desk, half in Network: both alice's groups) and
/// `active` chats accepted by alice, each with a short exchange.
async fn queue_and_busy_agent(api: &Api, alice: &Api, queued: usize, active: usize) -> Result<Vec<Chat>> {
    let service_desk = desk::group(api, "Service Desk").await?;
    let network = desk::group(api, "Network").await?;
    let (mut chats, _) = desk::start_chats(api, service_desk, queued / 2, "console-sd").await?;
    chats.extend(desk::start_chats(api, network, queued - queued / 2, "console-net").await?.0);
    let (busy, _) = desk::start_chats(api, network, active, "console-busy").await?;
    desk::accept_round_robin(std::slice::from_ref(alice), &busy).await?;
    futures::stream::iter(busy.iter().flat_map(|chat| (0..4).map(move |k| (chat, k))))
        .map(|(chat, k)| {
            let client_id = uuid::Uuid::new_v4().to_string();
            let body = format!("Exchange line {k}");
            async move {
                let _: ChatMessage = if k % 2 == 0 {
                    api.call("post_as_end_user", json!({ "token": chat.token, "client_id": client_id, "body": body })).await?
                } else {
                    alice.call("post_as_agent", json!({ "chat_id": chat.id, "client_id": client_id, "body": body })).await?
                };
                Ok::<_, crate::client::Error>(())
            }
        })
        .buffer_unordered(16)
        .try_collect::<()>()
        .await?;
    chats.extend(busy);
    // The figures are only comparable if the console really shows this much.
    let snapshot: ConsoleSnapshot = alice.call("load_console", json!({})).await?;
    if snapshot.queued.len() != queued || snapshot.my_chats.len() != active {
        eprintln!(
            "loadgen: console shows {} queued and {} of alice's chats (expected {queued} and {active}): not a fresh database?",
            snapshot.queued.len(),
            snapshot.my_chats.len()
        );
    }
    Ok(chats)
}

/// Runs `call` `repeat` times one after another; the latencies and the last call's result.
pub async fn timed<T, F: Future<Output = Result<T>>>(repeat: usize, call: impl Fn() -> F) -> Result<(Latencies, T)> {
    let mut latencies = Latencies::new();
    let mut last = None;
    for _ in 0..repeat.max(1) {
        let t = Instant::now();
        last = Some(call().await?);
        latencies.record(t.elapsed());
    }
    Ok((latencies, last.expect("at least one call")))
}
