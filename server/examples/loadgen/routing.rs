//! `routing`: issue 17's auto-assign under load. `--agents` (200) agents of a group of their own
//! ("Routing"), each with a console socket and calling on its node: alternately `--base` and
//! each `--also-base` (two nodes sharing one PostgreSQL in `make bench-routing`). `--waiting`
//! (5,000) requests wait in the group. Then an admin turns the group to auto-assign: every agent
//! is offered one at once, takes it (`accept_chat`) and ends it (`end_chat`) the moment its
//! offer arrives, and is offered the next, until the queue is empty. Then, every agent free,
//! `--probes` (200) new requests arrive one after another. Reports:
//! - agent free → next offer, while requests wait: from `end_chat`'s answer until that agent's
//!   socket receives its next `Offered` (the router runs on the node that ended the chat; the
//!   offer may come from either node's writer, and reaches the socket through that node's hub);
//! - offers per second the desk made while the queue drained (each one taken and ended);
//! - request → offer: from sending `request_chat` until an agent's socket receives its offer;
//! - the servers' CPU per offer, and how many console connections fell behind and replayed.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use app::model::*;
use serde_json::json;
use tokio::sync::{mpsc, Notify};
use tokio::time::Instant;

use crate::client::{self, Api, Fleet, Result, ADMIN, DEMO_PASSWORD};
use crate::desk::{self, progress, Chat};
use crate::stats::{row, thousands, Latencies, Meter, ServerProc, SharedLatencies};

const GROUP: &str = "Routing";
/// Longest wait for the queue to drain, or for one probe's offer.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(600);
const PROBE_TIMEOUT: Duration = Duration::from_secs(30);

/// What the agents' sockets saw, shared with the scenario.
#[derive(Default)]
struct Seen {
    offers: AtomicUsize,
    taken: AtomicUsize,
    failed: AtomicUsize,
    /// While the queue drains: an agent's wait for their next offer counts only then (after
    /// it, agents wait for the probes, which is no measure of routing).
    draining: AtomicBool,
    free_to_offer: SharedLatencies,
    /// When each request was first offered (the probes read theirs).
    offered_at: Mutex<HashMap<ChatId, Instant>>,
    changed: Notify,
}

pub async fn run(nodes: &[Api], servers: &[ServerProc], agents: usize, waiting: usize, probes: usize) -> Result<Vec<Chat>> {
    let api = &nodes[0];
    let admin = api.log_on(ADMIN).await?;
    let group = match desk::group(api, GROUP).await {
        Ok(id) => id,
        Err(_) => admin.call::<AssignmentGroup>("admin_create_group", json!({ "name": GROUP })).await?.id,
    };
    // Pickup while the queue fills: nothing is offered before every agent is there.
    save_routing(&admin, group, RoutingMode::Pickup).await?;
    let (chats, _) = desk::start_chats(api, group, waiting, "routing").await?;
    let after = chats.iter().map(|c| c.position).max().unwrap_or(0);
    progress("routing", format!("{} requests waiting in {GROUP}; {agents} agents log on", thousands(waiting as u64)));

    let seen = Arc::new(Seen::default());
    let mut fleet = Fleet::new();
    for i in 0..agents {
        let node = &nodes[i % nodes.len()];
        let email = format!("routing.{i}@deskchat.test");
        let form = json!({ "form": { "email": email, "name": format!("Routing Agent {i}"), "role": "Agent", "groups": [group], "password": DEMO_PASSWORD } });
        // Made once per database; a second run finds them.
        let _ = admin.call_raw("admin_create_agent", form).await?;
        let agent = node.log_on(&email).await?;
        let me = agent.call::<AgentProfile>("current_agent", json!({})).await?.card.id;
        let (socket, _) = client::open_live(&agent, None, after).await?;
        let (offers, mut offered) = mpsc::unbounded_channel::<ChatId>();
        let on_frame = {
            let seen = seen.clone();
            move |frame: ServerFrame| {
                if let ServerFrame::Event(StreamEvent { event: ChatEvent::Offered { request, agent, .. }, .. }) = frame {
                    if agent == me {
                        seen.offered_at.lock().unwrap().entry(request.id).or_insert_with(Instant::now);
                        seen.offers.fetch_add(1, Ordering::AcqRel);
                        let _ = offers.send(request.id);
                    }
                }
            }
        };
        fleet.keep_typing(socket, on_frame, None);
        // The agent: takes each offer and ends it at once, then waits for the next.
        let seen = seen.clone();
        tokio::spawn(async move {
            let mut free_since: Option<Instant> = None;
            while let Some(chat_id) = offered.recv().await {
                if let (Some(free), true) = (free_since.take(), seen.draining.load(Ordering::Acquire)) {
                    seen.free_to_offer.record(free.elapsed());
                }
                let taken = async {
                    desk::accept(&agent, chat_id).await?;
                    agent.call::<()>("end_chat", json!({ "chat_id": chat_id })).await
                };
                match taken.await {
                    Ok(()) => seen.taken.fetch_add(1, Ordering::AcqRel),
                    Err(err) => {
                        eprintln!("loadgen: routing: {err}");
                        seen.failed.fetch_add(1, Ordering::AcqRel)
                    }
                };
                free_since = Some(Instant::now());
                seen.changed.notify_waiters();
            }
        });
    }
    progress("routing", format!("{agents} consoles open on {} node(s); the group turns to auto-assign", nodes.len()));

    let meter = Meter::start("routing", servers.iter().copied());
    seen.draining.store(true, Ordering::Release);
    let started = Instant::now();
    save_routing(&admin, group, RoutingMode::AutoAssign).await?;
    let drained = desk::wait_for(&format!("{waiting} requests offered and taken"), DRAIN_TIMEOUT, || {
        seen.taken.load(Ordering::Acquire) + seen.failed.load(Ordering::Acquire) >= waiting
    })
    .await;
    let drain_time = started.elapsed();
    seen.draining.store(false, Ordering::Release);
    let offers = seen.offers.load(Ordering::Acquire);
    drained.map_err(|e| format!("{e}: {offers} offers, {} taken", seen.taken.load(Ordering::Acquire)))?;

    // Every agent free: requests one at a time, each timed until someone is offered it.
    let mut probe_latency = Latencies::new();
    let mut probe_chats = Vec::new();
    for _ in 0..probes {
        let sent = Instant::now();
        let (mut one, _) = desk::start_chats(api, group, 1, "routing-probe").await?;
        let id = one[0].id;
        desk::wait_for("a probe's offer", PROBE_TIMEOUT, || seen.offered_at.lock().unwrap().contains_key(&id)).await?;
        let at = seen.offered_at.lock().unwrap()[&id];
        probe_latency.record(at - sent);
        probe_chats.append(&mut one);
    }
    let cpu = meter.stop();
    fleet.close().await;

    let (n, a) = (thousands(waiting as u64), thousands(agents as u64));
    let where_ = if nodes.len() > 1 { format!("{} nodes", nodes.len()) } else { "1 node".into() };
    row(format!("routing: agent free → next offer, {n} waiting, {a} agents on {where_}"), seen.free_to_offer.take().summary());
    row(
        format!("routing: offers made while {n} waiting drained, each taken and ended ({a} agents, {where_})"),
        format!("{} offers/s ({offers} offers in {:.1} s; {} failed)", thousands((offers as f64 / drain_time.as_secs_f64()) as u64), drain_time.as_secs_f64(), seen.failed.load(Ordering::Acquire)),
    );
    row(format!("routing: request → offer, every agent free ({probes} requests, {where_})"), probe_latency.summary());
    cpu.print_per("offer", offers + probes);
    let (mut lagged, mut retried) = (0, 0);
    for node in nodes {
        lagged += counter(node, "deskchat_lagged_total").await.unwrap_or(0);
        retried += counter(node, "deskchat_writes_retried_total").await.unwrap_or(0);
    }
    row("routing: connections that fell behind (a full inbox) and replayed from the store", thousands(lagged));
    // A batch PostgreSQL broke off (a deadlock between two nodes' batches) is run again.
    row("routing: writes run again after the database broke their batch off", thousands(retried));
    Ok(chats.into_iter().chain(probe_chats).collect())
}

/// A counter of one node's `/metrics`, e.g. `deskchat_lagged_total`.
async fn counter(node: &Api, name: &str) -> Option<u64> {
    let text = node.get("/metrics").send().await.ok()?.text().await.ok()?;
    text.lines().find_map(|l| l.strip_prefix(name)?.strip_prefix(' ')?.trim().parse::<f64>().ok()).map(|v| v as u64)
}

async fn save_routing(admin: &Api, group: GroupId, routing: RoutingMode) -> Result<()> {
    let settings = GroupSettings { routing, ..GroupSettings::default() };
    let _: GroupSettings = admin.call("admin_save_group_settings", json!({ "id": group, "settings": settings })).await?;
    Ok(())
}
