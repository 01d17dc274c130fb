//! `sockets N`: N end users waiting, each with an idle widget socket.

use std::time::Duration;

use tokio::time::Instant;

use crate::client::{self, Api, Fleet, Result};
use crate::desk::{self, progress, Chat};
use crate::stats::{self, mib, row, thousands, Meter, ServerProc};

pub async fn run(api: &Api, server: Option<ServerProc>, n: usize, hold: Duration) -> Result<Vec<Chat>> {
    let n = desk::fit_sockets("sockets", n, 256);
    let network = desk::group(api, "Network").await?;
    let rss_empty = stats::rss(server);
    let (chats, start_latency) = desk::start_chats(api, network, n, "sockets").await?;
    let rss_chats = stats::rss(server);
    progress("sockets", format!("{n} chats started; connecting their widgets"));

    let meter = Meter::start("sockets", server);
    let mut fleet = Fleet::new();
    let t = Instant::now();
    let connect_latency = client::connect_widgets(api, chats.iter().map(Chat::resume), &mut fleet, |_, _| |_| {}).await?;
    let all_connected = t.elapsed();
    let rss_sockets = stats::rss(server);
    let cpu = meter.stop();
    let n_str = thousands(n as u64);
    row(format!("sockets: start a chat (`request_chat`, 16 in flight), {n_str} chats"), start_latency.summary());
    row(
        format!("sockets: {n_str} idle widget WebSockets connected (connect, hello, `live`; 64 at a time)"),
        format!(
            "{:.2} s in all ({}/s); each {}",
            all_connected.as_secs_f64(),
            thousands((n as f64 / all_connected.as_secs_f64()) as u64),
            connect_latency.summary()
        ),
    );
    if let (Some(empty), Some(chats), Some(sockets)) = (rss_empty, rss_chats, rss_sockets) {
        let per_socket = sockets.saturating_sub(chats) as f64 / n.max(1) as f64;
        row(
            format!("sockets: server RSS, empty → {n_str} waiting chats → and their sockets"),
            format!("{} → {} → {} ({per_socket:.1} KiB per socket)", mib(empty), mib(chats), mib(sockets)),
        );
    }
    cpu.print();

    progress("sockets", format!("holding them open for {} s", hold.as_secs()));
    tokio::time::sleep(hold).await;
    let open = fleet.len() - fleet.dropped();
    row(
        format!("sockets: still open after holding them {} s", hold.as_secs()),
        format!("{} of {n_str}; server RSS {}", thousands(open as u64), stats::rss(server).map(mib).unwrap_or("?".into())),
    );
    fleet.close().await;
    Ok(chats)
}
