//! `routing`: issue 17's auto-assign under load. `--agents` (200) agents of a group of their own
//! ("Routing"), each with a console socket and calling on its node: alternately `--base` and
//! each `--also-base` (two nodes sharing one PostgreSQL in `make bench-routing`). `--waiting`
//! (5,000) requests wait in the group. Then an admin turns the group to auto-assign: every agent
//! (capacity 1) is offered one at once, takes it (`accept_chat`), ends it (`end_chat`) and is offered the
//! next, until the queue is empty. For the first half of the queue each agent holds each chat
//! for a while (`HOLD_MS`, spread ±50%) as agents do, so the desk runs below what it can do;
//! for the second half they end it the moment they took it, so it runs flat out. Then, every
//! agent free, `--probes` (200) new requests arrive one after another. Reports:
//! - agent free → next offer, while requests wait, in each half: from `end_chat`'s answer until
//!   that agent's socket receives its next `Offered` (the router runs on the node that ended the
//!   chat; the offer may come from either node's writer, and reaches the socket through that
//!   node's hub). Flat out, the figure is mostly the writer's queue: with every agent calling
//!   again the moment they are answered, the load grows until the database is the limit;
//! - offers per second the desk made in each half (each one taken and ended);
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
/// How long an agent holds each chat in the paced half (each hold 50% … 150% of it).
const HOLD_MS: u64 = 1_000;

/// What the agents' sockets saw, shared with the scenario.
#[derive(Default)]
struct Seen {
    offers: AtomicUsize,
    taken: AtomicUsize,
    failed: AtomicUsize,
    /// While the queue drains: an agent's wait for their next offer counts only then (after
    /// it, agents wait for the probes, which is no measure of routing).
    draining: AtomicBool,
    /// The first half of the queue: agents hold each chat `HOLD_MS`.
    paced: AtomicBool,
    free_to_offer_paced: SharedLatencies,
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
            let mut free_since: Option<(Instant, bool)> = None;
            let mut held = 0u64;
            while let Some(chat_id) = offered.recv().await {
                if let (Some((free, paced)), true) = (free_since.take(), seen.draining.load(Ordering::Acquire)) {
                    match paced {
                        true => seen.free_to_offer_paced.record(free.elapsed()),
                        false => seen.free_to_offer.record(free.elapsed()),
                    }
                }
                // Spread so the agents do not end in step: 50% … 150% of HOLD_MS.
                held += 1;
                let hold = HOLD_MS / 2 + (i as u64 * 7_919 + held * 104_729) % (HOLD_MS + 1);
                let paced = seen.paced.load(Ordering::Acquire);
                let taken = async {
                    desk::accept(&agent, chat_id).await?;
                    if paced {
                        tokio::time::sleep(Duration::from_millis(hold)).await;
                    }
                    agent.call::<()>("end_chat", json!({ "chat_id": chat_id })).await
                };
                match taken.await {
                    Ok(()) => seen.taken.fetch_add(1, Ordering::AcqRel),
                    Err(err) => {
                        eprintln!("loadgen: routing: {err}");
                        seen.failed.fetch_add(1, Ordering::AcqRel)
                    }
                };
                free_since = Some((Instant::now(), seen.paced.load(Ordering::Acquire)));
                seen.changed.notify_waiters();
            }
        });
    }
    progress("routing", format!("{agents} consoles open on {} node(s); the group turns to auto-assign", nodes.len()));

    let meter = Meter::start("routing", servers.iter().copied());
    seen.draining.store(true, Ordering::Release);
    seen.paced.store(true, Ordering::Release);
    let started = Instant::now();
    save_routing(&admin, group, RoutingMode::AutoAssign).await?;
    let done = || seen.taken.load(Ordering::Acquire) + seen.failed.load(Ordering::Acquire);
    let half = waiting / 2;
    let paced = desk::wait_for(&format!("{half} requests offered and taken, paced"), DRAIN_TIMEOUT, || done() >= half).await;
    let (paced_time, paced_offers) = (started.elapsed(), seen.offers.load(Ordering::Acquire));
    seen.paced.store(false, Ordering::Release);
    paced.map_err(|e| format!("{e}: {paced_offers} offers, {} taken", seen.taken.load(Ordering::Acquire)))?;
    let flat_out = Instant::now();
    let drained = desk::wait_for(&format!("{waiting} requests offered and taken"), DRAIN_TIMEOUT, || done() >= waiting).await;
    let drain_time = flat_out.elapsed();
    seen.draining.store(false, Ordering::Release);
    let offers = seen.offers.load(Ordering::Acquire);
    drained.map_err(|e| format!("{e}: {offers} offers, {} taken", seen.taken.load(Ordering::Acquire)))?;
    let flat_out_offers = offers - paced_offers;

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
    let rate = |offers: usize, took: Duration| thousands((offers as f64 / took.as_secs_f64()) as u64);
    row(
        format!("routing: agent free → next offer, {n} waiting, {a} agents on {where_}, each holding a chat ~{HOLD_MS} ms"),
        format!("{}; {} offers/s", seen.free_to_offer_paced.take().summary(), rate(paced_offers, paced_time)),
    );
    row(
        "routing: agent free → next offer, flat out (each chat ended the moment it is taken)",
        seen.free_to_offer.take().summary(),
    );
    row(
        format!("routing: offers made flat out while the second half drained, each taken and ended ({a} agents, {where_})"),
        format!(
            "{} offers/s ({flat_out_offers} offers in {:.1} s; {} failed)",
            rate(flat_out_offers, drain_time),
            drain_time.as_secs_f64(),
            seen.failed.load(Ordering::Acquire)
        ),
    );
    row(format!("routing: request → offer, every agent free ({probes} requests, {where_})"), probe_latency.summary());
    cpu.print_per("offer", offers + probes);
    let (mut lagged, mut retried, mut lost) = (0, 0, 0);
    let (mut passes, mut read_s, mut written, mut write_s) = (0, 0.0, 0, 0.0);
    for node in nodes {
        lagged += counter(node, "deskchat_lagged_total").await.unwrap_or(0.0) as u64;
        retried += counter(node, "deskchat_writes_retried_total").await.unwrap_or(0.0) as u64;
        lost += counter(node, "deskchat_offers_lost_total").await.unwrap_or(0.0) as u64;
        passes += counter(node, r#"deskchat_routing_seconds_count{kind="read"}"#).await.unwrap_or(0.0) as u64;
        read_s += counter(node, r#"deskchat_routing_seconds_sum{kind="read"}"#).await.unwrap_or(0.0);
        written += counter(node, r#"deskchat_routing_seconds_count{kind="write"}"#).await.unwrap_or(0.0) as u64;
        write_s += counter(node, r#"deskchat_routing_seconds_sum{kind="write"}"#).await.unwrap_or(0.0);
    }
    // What a pass costs, and how many the offers took: stable where latencies are not.
    row(
        "routing: passes (all nodes), mean time reading / writing offers",
        format!(
            "{} passes, {:.2} offers a pass; read {:.1} ms, write {:.1} ms ({} passes wrote); {} planned offers lost a race",
            thousands(passes),
            (offers + probes) as f64 / passes.max(1) as f64,
            read_s * 1000.0 / passes.max(1) as f64,
            write_s * 1000.0 / written.max(1) as f64,
            thousands(written),
            thousands(lost)
        ),
    );
    row("routing: connections that fell behind (a full inbox) and replayed from the store", thousands(lagged));
    // A batch PostgreSQL broke off (a deadlock between two nodes' batches) is run again.
    row("routing: writes run again after the database broke their batch off", thousands(retried));
    Ok(chats.into_iter().chain(probe_chats).collect())
}

/// A figure of one node's `/metrics` by its name and labels, e.g. `deskchat_lagged_total`.
async fn counter(node: &Api, name: &str) -> Option<f64> {
    let text = node.get("/metrics").send().await.ok()?.text().await.ok()?;
    text.lines().find_map(|l| l.strip_prefix(name)?.strip_prefix(' ')?.trim().parse::<f64>().ok())
}

async fn save_routing(admin: &Api, group: GroupId, routing: RoutingMode) -> Result<()> {
    // One chat at a time: an agent's next offer waits for them to end the one they hold.
    let settings = GroupSettings { routing, max_chats: Some(1), ..GroupSettings::default() };
    let _: GroupSettings = admin.call("admin_save_group_settings", json!({ "id": group, "settings": settings })).await?;
    Ok(())
}
