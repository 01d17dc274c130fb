//! `records N`: N Interactions and N Incidents, made the way a desk makes them (chats started,
//! accepted by alice — each accept opens an Interaction — and converted to incidents), then
//! the record list and searches timed one after another as alice sees them (her groups only).

use std::future::Future;

use app::model::*;
use futures::{StreamExt, TryStreamExt};
use serde_json::json;
use tokio::time::Instant;

use crate::client::{Api, Result, ALICE};
use crate::console::timed;
use crate::desk::{self, progress, Chat};
use crate::stats::{row, thousands, Meter, ServerProc};

/// Chats made, accepted and converted per round; keeps the queue short while building.
const ROUND: usize = 1_000;
/// Calls in flight at once while building.
const BUILD_CONCURRENCY: usize = 64;

pub async fn run(api: &Api, server: Option<ServerProc>, n: usize, repeat: usize) -> Result<Vec<Chat>> {
    let alice = api.log_on(ALICE).await?;
    let network = desk::group(api, "Network").await?;
    let built = Instant::now();
    let mut made = 0;
    let mut middle = None;
    while made < n {
        let size = ROUND.min(n - made);
        let (chats, _) = desk::start_chats(api, network, size, &format!("records-{made}")).await?;
        each(&chats, |chat| desk::accept(&alice, chat.id)).await?;
        each(&chats, |chat| async {
            let _: Ticket = alice.call("convert_to_incident", json!({ "chat_id": chat.id })).await?;
            Ok(())
        })
        .await?;
        made += size;
        if made >= n / 2 && middle.is_none() {
            middle = chats.last().map(|c| c.id);
        }
        progress("records", format!("{} interactions and incidents of {}", thousands(made as u64), thousands(n as u64)));
    }
    let build_secs = built.elapsed().as_secs_f64();

    // A page from the middle of the list: `before` the newest record of a chat made half way.
    let page: RecordPage = alice.call("search_records", json!({ "query": RecordQuery::default() })).await?;
    let before = page.rows.first().map(|r| r.id / 2);
    let one = page.rows.first().map(|r| r.number.clone()).ok_or("no records made")?;
    let contact = format!("Load records-{} {}", (n / ROUND / 2) * ROUND, ROUND / 3);
    let queries: Vec<(&str, RecordQuery)> = vec![
        ("list, newest first (first page)", RecordQuery::default()),
        ("list, a page in the middle", RecordQuery { before, ..RecordQuery::default() }),
        ("list, incidents only", RecordQuery { kind: Some(TicketKind::Incident), ..RecordQuery::default() }),
        ("search by number", RecordQuery { text: one, ..RecordQuery::default() }),
        (
            "search by contact name (an interaction and its incident)",
            RecordQuery { text: contact.to_lowercase(), ..RecordQuery::default() },
        ),
        ("search for text nothing matches", RecordQuery { text: "no such words".into(), ..RecordQuery::default() }),
        ("search for a word every record has", RecordQuery { text: "vpn".into(), ..RecordQuery::default() }),
        ("list by a status nothing has", RecordQuery { status: Some(TicketStatus::Closed), ..RecordQuery::default() }),
    ];
    progress("records", format!("timing {repeat} calls of each of {} queries", queries.len()));
    let meter = Meter::start("records", server);
    let mut results = Vec::new();
    for (name, query) in &queries {
        let (latencies, rows) = timed(repeat, || async {
            let page: RecordPage = alice.call("search_records", json!({ "query": query })).await?;
            Ok(page.rows.len())
        })
        .await?;
        results.push((name, latencies, rows));
    }
    let cpu = meter.stop();
    let size = format!("{} interactions + {} incidents", thousands(n as u64), thousands(n as u64));
    row(format!("records: building {size} through the API"), format!("{build_secs:.0} s"));
    for (name, latencies, rows) in results {
        row(format!("records: `search_records` {name}, {size}"), format!("{} ({rows} rows)", latencies.summary()));
    }
    cpu.print();
    Ok(Vec::new())
}

async fn each<'a, F: Future<Output = Result<()>> + 'a>(chats: &'a [Chat], call: impl Fn(&'a Chat) -> F) -> Result<()> {
    futures::stream::iter(chats).map(call).buffer_unordered(BUILD_CONCURRENCY).try_collect::<()>().await
}
