//! `chat N` and `throughput`: chats accepted by agents, with every end user's widget socket
//! and the agents' console sockets open, and messages flowing both ways.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use app::model::*;
use serde_json::json;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;
use tokio::time::Instant;

use crate::client::{self, Api, Fleet, Result, ADMIN, ALICE, HTTP_TIMEOUT};
use crate::desk::{self, progress, Chat};
use crate::stats::{row, thousands, Latencies, Meter, ServerProc, SharedLatencies};

/// How long deliveries may trail the last acknowledgement before a message counts as lost.
const DRAIN: Duration = Duration::from_secs(10);

/// `n` chats in the Network group accepted round robin by alice and the admin, every end
/// user's widget socket and one console socket per agent open. Everything goes through the
/// first of `nodes` except the widget sockets: chat i's opens on node `i mod nodes`.
struct ActiveDesk {
    chats: Vec<Chat>,
    agents: Vec<Api>,
    fleet: Fleet,
}

impl ActiveDesk {
    async fn open<W, A>(
        nodes: &[Api],
        scenario: &'static str,
        n: usize,
        on_widget: impl Fn() -> W,
        on_agent: impl Fn() -> A,
        typing: Option<&Arc<Ledger>>,
    ) -> Result<ActiveDesk>
    where
        W: FnMut(ServerFrame) + Send + 'static,
        A: FnMut(ServerFrame) + Send + 'static,
    {
        let api = &nodes[0];
        let network = desk::group(api, "Network").await?;
        let (chats, _) = desk::start_chats(api, network, n, scenario).await?;
        let agents = vec![api.log_on(ALICE).await?, api.log_on(ADMIN).await?];
        let mut fleet = Fleet::new();
        for (k, agent) in agents.iter().enumerate() {
            let console: ConsoleSnapshot = agent.call("load_console", json!({})).await?;
            let (socket, _) = client::open_live(agent, None, console.position).await?;
            // Agent k types in the chats it will accept (round robin).
            let mine = chats.iter().skip(k).step_by(agents.len()).map(|c| c.id).collect();
            fleet.keep_typing(socket, on_agent(), typing.map(|l| l.typing_plan(mine, Dir::ToEndUser)));
        }
        let accepted = Arc::new(AtomicUsize::new(0));
        let handler = |_: usize, _: &[ServerFrame]| {
            let accepted = accepted.clone();
            let mut inner = on_widget();
            move |frame: ServerFrame| {
                if let ServerFrame::Event(StreamEvent { event: ChatEvent::Accepted { .. }, .. }) = &frame {
                    accepted.fetch_add(1, Ordering::Relaxed);
                }
                inner(frame)
            }
        };
        for (k, node) in nodes.iter().enumerate() {
            let on_node: Vec<&Chat> = chats.iter().skip(k).step_by(nodes.len()).collect();
            let plan = |i: usize| typing.map(|l| l.typing_plan(vec![on_node[i].id], Dir::ToAgent));
            client::connect_typing_widgets(node, on_node.iter().map(|c| c.resume()), &mut fleet, &handler, plan).await?;
        }
        desk::accept_round_robin(&agents, &chats).await?;
        desk::wait_for("every widget to see its chat accepted", Duration::from_secs(60), || {
            accepted.load(Ordering::Relaxed) >= n
        })
        .await?;
        progress(scenario, format!("{n} chats accepted by alice and the admin; sockets open"));
        Ok(ActiveDesk { chats, agents, fleet })
    }

    fn agent_of(&self, chat: usize) -> &Api {
        &self.agents[chat % self.agents.len()]
    }
}

/// Which way a message goes; the index of its histograms.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Dir {
    ToEndUser = 0,
    ToAgent = 1,
}

struct Sent {
    due: Instant,
    dir: Dir,
    acked: bool,
    deliveries: u32,
}

/// Every message of the `chat` scenario by client id: when it was due, whether it was
/// acknowledged, how often the other side's socket received it.
#[derive(Default)]
struct Ledger {
    sent: Mutex<HashMap<String, Sent>>,
    ack: [SharedLatencies; 2],
    delivery: [SharedLatencies; 2],
    failed: AtomicUsize,
    strangers: AtomicUsize,
    /// With `--typing`: when each chat's last typing signal went out, per direction, and how
    /// long each took to reach the other side.
    typed: Mutex<HashMap<(ChatId, usize), Instant>>,
    typing_delivery: [SharedLatencies; 2],
    typing_on: Arc<std::sync::atomic::AtomicBool>,
}

#[derive(Default)]
struct Tally {
    lost: usize,
    doubled: usize,
    unacked: usize,
}

impl Ledger {
    fn schedule(&self, client_id: String, dir: Dir, due: Instant) {
        self.sent.lock().unwrap().insert(client_id, Sent { due, dir, acked: false, deliveries: 0 });
    }

    fn acked(&self, client_id: &str, dir: Dir, due: Instant) {
        self.ack[dir as usize].record(due.elapsed());
        if let Some(sent) = self.sent.lock().unwrap().get_mut(client_id) {
            sent.acked = true;
        }
    }

    /// A socket on the receiving side `dir` got the message `client_id`.
    fn delivered(&self, client_id: &str, dir: Dir) {
        let due = match self.sent.lock().unwrap().get_mut(client_id) {
            Some(sent) if sent.dir == dir => {
                sent.deliveries += 1;
                (sent.deliveries == 1).then_some(sent.due)
            }
            _ => {
                self.strangers.fetch_add(1, Ordering::Relaxed);
                None
            }
        };
        if let Some(due) = due {
            self.delivery[dir as usize].record(due.elapsed());
        }
    }

    /// The handler for one socket that receives the other side's messages (and typing).
    fn receiver(self: &Arc<Self>, dir: Dir) -> impl FnMut(ServerFrame) + Send + 'static {
        let ledger = self.clone();
        move |frame| match frame {
            ServerFrame::Event(StreamEvent { event: ChatEvent::MessagePosted { message }, .. }) => {
                let from_agent = matches!(message.author, Author::Agent(_));
                if from_agent == (dir == Dir::ToEndUser) {
                    ledger.delivered(&message.client_id, dir);
                }
            }
            ServerFrame::Typing { chat_id, .. } => {
                if let Some(sent) = ledger.typed.lock().unwrap().get(&(chat_id, dir as usize)) {
                    ledger.typing_delivery[dir as usize].record(sent.elapsed());
                }
            }
            _ => {}
        }
    }

    /// A socket's typing: its `chats`, one signal each every `TYPING_EVERY_MS`, going `dir`.
    fn typing_plan(self: &Arc<Self>, chats: Vec<ChatId>, dir: Dir) -> client::Typing {
        let ledger = self.clone();
        client::Typing {
            chats,
            every: Duration::from_millis(TYPING_EVERY_MS as u64),
            on: self.typing_on.clone(),
            sent: Arc::new(move |chat_id| {
                ledger.typed.lock().unwrap().insert((chat_id, dir as usize), Instant::now());
            }),
        }
    }

    fn undelivered(&self) -> usize {
        self.sent.lock().unwrap().values().filter(|s| s.acked && s.deliveries == 0).count()
    }

    fn tally(&self) -> Tally {
        let mut tally = Tally::default();
        for sent in self.sent.lock().unwrap().values() {
            tally.lost += (sent.acked && sent.deliveries == 0) as usize;
            tally.doubled += (sent.deliveries > 1) as usize;
            tally.unacked += !sent.acked as usize;
        }
        tally
    }
}

/// `chat N`: open loop. Message j is due at `start + j / (2 N rate)`, alternately from the
/// agent and from the end user of chat `(j / 2) mod N`, and is timed from when it was due.
pub async fn chat(
    api: &Api,
    server: Option<ServerProc>,
    n: usize,
    rate: f64,
    seconds: u64,
    max_in_flight: usize,
    typing: bool,
) -> Result<Vec<Chat>> {
    let n = desk::fit_sockets("chat", n, max_in_flight + 256);
    let ledger = Arc::new(Ledger::default());
    let desk = ActiveDesk::open(
        std::slice::from_ref(api),
        "chat",
        n,
        || ledger.receiver(Dir::ToEndUser),
        || ledger.receiver(Dir::ToAgent),
        typing.then_some(&ledger),
    )
    .await?;
    if typing {
        // Typing alone first: what it costs the store (nothing, it is never written).
        let head = |agent: &Api| {
            let agent = agent.clone();
            async move { agent.call::<ConsoleSnapshot>("load_console", json!({})).await.map(|c| c.position) }
        };
        let before = head(&desk.agents[0]).await?;
        ledger.typing_on.store(true, Ordering::Relaxed);
        progress("chat", "both sides of every chat typing, a signal every 2 s per side; 5 s without messages first");
        tokio::time::sleep(Duration::from_secs(5)).await;
        let written = head(&desk.agents[0]).await? - before;
        row(
            format!("chat: events written during 5 s of {} chats typing on both sides and nothing else", thousands(n as u64)),
            written,
        );
    }

    let offered = 2.0 * n as f64 * rate;
    let total = (offered * seconds as f64).round() as usize;
    let period = Duration::from_secs_f64(1.0 / offered);
    progress("chat", format!("posting {total} messages at {offered:.0}/s"));
    let meter = Meter::start("chat", server);
    let in_flight = Arc::new(Semaphore::new(max_in_flight));
    let start = Instant::now() + Duration::from_millis(50);
    let mut lag = Latencies::new();
    let mut posts = JoinSet::new();
    for j in 0..total {
        let due = start + period.mul_f64(j as f64);
        tokio::time::sleep_until(due).await;
        lag.record(due.elapsed());
        let (i, dir) = ((j / 2) % n, if j % 2 == 0 { Dir::ToEndUser } else { Dir::ToAgent });
        let client_id = uuid::Uuid::new_v4().to_string();
        let body = format!("Message {j} from the load generator");
        let (caller, name, args) = match dir {
            Dir::ToEndUser => (
                desk.agent_of(i).clone(),
                "post_as_agent",
                json!({ "chat_id": desk.chats[i].id, "client_id": client_id, "body": body }),
            ),
            Dir::ToAgent => {
                (api.clone(), "post_as_end_user", json!({ "token": desk.chats[i].token, "client_id": client_id, "body": body }))
            }
        };
        ledger.schedule(client_id.clone(), dir, due);
        let (ledger, in_flight) = (ledger.clone(), in_flight.clone());
        posts.spawn(async move {
            let _permit = in_flight.acquire_owned().await;
            match caller.call::<ChatMessage>(name, args).await {
                Ok(_) => ledger.acked(&client_id, dir, due),
                Err(_) => drop(ledger.failed.fetch_add(1, Ordering::Relaxed)),
            }
        });
        while posts.try_join_next().is_some() {}
    }
    let _ =
        tokio::time::timeout(HTTP_TIMEOUT + Duration::from_secs(5), async { while posts.join_next().await.is_some() {} }).await;
    // Posts still waiting now are abandoned (counted as not acknowledged), so that nothing is
    // acknowledged during the drain below without time left to be delivered.
    posts.shutdown().await;
    let acked_by = start.elapsed();
    let _ = desk::wait_for("the last deliveries", DRAIN, || ledger.undelivered() == 0).await;
    let cpu = meter.stop();

    let tally = ledger.tally();
    let acked = total - tally.unacked;
    row(
        format!(
            "chat: {} active chats, each side posting {rate} msg/s per chat for {seconds} s (open loop, {} msg/s offered)",
            thousands(n as u64),
            thousands(offered as u64)
        ),
        format!(
            "{} of {} acknowledged in {:.0} s ({} msg/s){}; the sender ran late by at most {:.1} ms",
            thousands(acked as u64),
            thousands(total as u64),
            acked_by.as_secs_f64(),
            thousands((acked as f64 / acked_by.as_secs_f64()) as u64),
            if acked < total {
                format!(", the rest abandoned {} s after the last was due", (HTTP_TIMEOUT + Duration::from_secs(5)).as_secs())
            } else {
                String::new()
            },
            lag.max_ms()
        ),
    );
    row("chat: agent → end user, due → the end user's socket has it", ledger.delivery[Dir::ToEndUser as usize].take().summary());
    row(
        "chat: end user → agent, due → the agent's console socket has it",
        ledger.delivery[Dir::ToAgent as usize].take().summary(),
    );
    if typing {
        ledger.typing_on.store(false, Ordering::Relaxed);
        row(
            "chat: typing signal, agent → the end user's socket",
            ledger.typing_delivery[Dir::ToEndUser as usize].take().summary(),
        );
        row(
            "chat: typing signal, end user → the agent's console socket",
            ledger.typing_delivery[Dir::ToAgent as usize].take().summary(),
        );
    }
    row("chat: agent post acknowledged (due → HTTP 200)", ledger.ack[Dir::ToEndUser as usize].take().summary());
    row("chat: end-user post acknowledged (due → HTTP 200)", ledger.ack[Dir::ToAgent as usize].take().summary());
    row(
        "chat: lost (acknowledged, never delivered) / doubled (delivered twice) / failed posts / sockets dropped",
        format!(
            "{} / {} / {} / {}{}",
            tally.lost,
            tally.doubled,
            ledger.failed.load(Ordering::Relaxed),
            desk.fleet.dropped(),
            match ledger.strangers.load(Ordering::Relaxed) {
                0 => String::new(),
                k => format!(" ({k} deliveries of messages never sent)"),
            }
        ),
    );
    cpu.print_per("message acknowledged and delivered", acked - tally.lost);
    cpu.print();
    desk.fleet.close().await;
    Ok(desk.chats)
}

/// `throughput`: closed loop per sender. Each of `senders` end users posts into their own
/// (accepted) chat, the next message as soon as the previous one is acknowledged. With several
/// `nodes` (servers sharing one database) sender i posts, and has its widget open, on node
/// `i mod nodes`; chats are started and accepted through the first. `servers` are the
/// processes whose CPU and RSS are reported.
pub async fn throughput(nodes: &[Api], servers: &[ServerProc], senders: usize, seconds: u64) -> Result<Vec<Chat>> {
    let senders = desk::fit_sockets("throughput", senders, senders + 256);
    let desk = ActiveDesk::open(nodes, "throughput", senders, || |_| {}, || |_| {}, None).await?;
    progress("throughput", format!("{senders} senders on {} node(s) for {seconds} s", nodes.len()));

    let batches_before = futures::future::join_all(nodes.iter().map(Api::writer_batches)).await;
    let meter = Meter::start("throughput", servers.iter().copied());
    let acks: Arc<Vec<SharedLatencies>> = Arc::new(nodes.iter().map(|_| SharedLatencies::default()).collect());
    let failed = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let end = started + Duration::from_secs(seconds);
    let mut tasks = JoinSet::new();
    for (i, chat) in desk.chats.iter().enumerate() {
        let node = i % nodes.len();
        let (api, token, acks, failed) = (nodes[node].clone(), chat.token.clone(), acks.clone(), failed.clone());
        tasks.spawn(async move {
            let mut k = 0;
            while Instant::now() < end {
                let client_id = uuid::Uuid::new_v4().to_string();
                let args = json!({ "token": token, "client_id": client_id, "body": format!("Back-to-back message {k}") });
                let t = Instant::now();
                match api.call::<ChatMessage>("post_as_end_user", args).await {
                    Ok(_) => acks[node].record(t.elapsed()),
                    Err(_) => drop(failed.fetch_add(1, Ordering::Relaxed)),
                }
                k += 1;
            }
        });
    }
    let _ =
        tokio::time::timeout(Duration::from_secs(seconds) + HTTP_TIMEOUT, async { while tasks.join_next().await.is_some() {} })
            .await;
    let elapsed = started.elapsed();
    let cpu = meter.stop();

    let per_node: Vec<Latencies> = acks.iter().map(SharedLatencies::take).collect();
    let mut acks = Latencies::new();
    per_node.iter().for_each(|node| acks.add(node));
    let rate = |acks: &Latencies| thousands((acks.len() as f64 / elapsed.as_secs_f64()).round() as u64);
    let over = match nodes.len() {
        1 => String::new(),
        k => format!(" over {k} nodes on one database (round robin)"),
    };
    row(
        format!(
            "throughput: {senders} end users{over}, each posting the next message when the last is acknowledged, {seconds} s"
        ),
        format!(
            "{} msg/s acknowledged (each committed before its answer); {} failed",
            rate(&acks),
            failed.load(Ordering::Relaxed)
        ),
    );
    row(format!("throughput: post acknowledged with {senders} senders{over} (`post_as_end_user`)"), acks.summary());
    if nodes.len() > 1 {
        for (k, (node, acks)) in nodes.iter().zip(&per_node).enumerate() {
            let its = senders.saturating_sub(k).div_ceil(nodes.len());
            row(
                format!("throughput: node {} ({its} senders)", node.base()),
                format!("{} msg/s; acknowledged {}", rate(acks), acks.summary()),
            );
        }
    }
    cpu.print_per("message acknowledged", acks.len() as usize);
    let batches_after = futures::future::join_all(nodes.iter().map(Api::writer_batches)).await;
    let batches: Option<(f64, f64)> = batches_before.iter().zip(&batches_after).try_fold((0.0, 0.0), |(b, j), pair| match pair {
        (Some((b0, j0)), Some((b1, j1))) => Some((b + b1 - b0, j + j1 - j0)),
        _ => None,
    });
    if let Some((batches, jobs)) = batches.filter(|(b, _)| *b > 0.0) {
        row(
            "throughput: writer batches (one transaction each), all nodes",
            format!("{} batches, {:.1} jobs per batch", thousands(batches as u64), jobs / batches),
        );
    }
    cpu.print();
    desk.fleet.close().await;
    Ok(desk.chats)
}
