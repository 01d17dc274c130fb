//! Load generator: drives a running Deskchat server the way a busy help desk does and prints
//! what it measured as Markdown table rows, `| figure | value |`, ready for the README.
//!
//! ```text
//! make bench           # every scenario, each on a fresh release server and SQLite (SOCKETS=2000 … to scale)
//! make bench-quick     # the same with small sizes, about two minutes
//! make bench-nodes     # `throughput` on one node, then on two nodes sharing one PostgreSQL
//! target/release/examples/loadgen --base http://127.0.0.1:3099 --pid <server pid> chat 200
//! ```
//!
//! It speaks only the public wire protocol: server functions (`POST /api/<name>`, JSON) and
//! the WebSocket `/ws` (hello → queue place → `live` → events; docs/realtime.md). It never
//! opens the database. Loopback servers only. Progress goes to stderr, rows to stdout.
//!
//! # Scenarios
//!
//! - **`sockets N`** (20,000): N end users start a chat (`request_chat`, Network group, distinct
//!   names and emails) and open one idle widget socket each (hello with the chat's token, wait
//!   for `live`). Reports the `request_chat` latency, the time to connect all sockets, the
//!   server's RSS empty → with the chats → with the sockets (KiB per socket), and how many
//!   sockets are still open after holding them `--hold-seconds`. Raises RLIMIT_NOFILE to what
//!   N needs, or says in a row how many sockets the hard limit allowed.
//! - **`accept N`** (5,000 waiting): N chats wait in Network, widgets open; alice accepts the
//!   oldest `--accepts` times (200). Each accept is timed from sending the POST until *every*
//!   widget still waiting shows its new place, which it works out as the browser does from its
//!   `queue_place` and the queue's shared `queue_moved` frames (a widget first at place p is at
//!   p − r − 1 after accept r, so its place tells which accepts it has seen; the widget that
//!   completes a round stamps the time). The HTTP answer is reported separately. Needs a fresh
//!   database: nothing else may wait in Network.
//! - **`chat N`** (1,000 chats): N chats accepted round robin by alice and the admin, the end
//!   users' widget sockets and one console socket per agent open. Open loop: message j is *due*
//!   at `start + j / (2·N·rate)`, alternately from the agent (`post_as_agent`) and the end user
//!   (`post_as_end_user`) of chat `(j/2) mod N`, each with a fresh UUID v4 `client_id`; so each
//!   side posts `--rate` (1) msg/s per chat for `--chat-seconds` (30). Everything is timed from
//!   when the message was due, not from when it was sent, so a slow server shows up as latency
//!   rather than as a lower send rate (no coordinated omission); at most `--max-in-flight`
//!   posts are outstanding, and waiting for a slot counts as latency too. Reports delivery
//!   (due → the other side's socket receives the `event` with that `client_id`) and
//!   acknowledgement (due → HTTP 200) both ways, and counts of messages lost (acknowledged,
//!   never delivered within 10 s of the last answer), doubled (delivered twice) and failed.
//! - **`throughput`**: `--senders` (256) end users in accepted chats, each posting into its own
//!   chat the moment its previous post was acknowledged (closed loop), for
//!   `--throughput-seconds` (20). Reports acknowledged — committed, durable — messages per
//!   second and the acknowledgement latency. With `--also-base URL` (repeatable: more server
//!   nodes sharing the first one's database) the chats are still started and accepted through
//!   `--base`, but sender i posts, and has its widget socket open, on node `i mod nodes`
//!   (`--base` first, then each `--also-base` in order); it then also reports msg/s and
//!   latency per node, and the CPU and RSS of `--pid` and every `--also-pid`.
//! - **`console`**: `--queued` (1,000) chats waiting in alice's two groups and `--active` (50)
//!   accepted by alice with a short exchange each; times `GET /console` (server-side
//!   rendering, alice's session cookie) and `load_console`, `--repeat` (200) times each, one
//!   after another.
//! - **`bytes`**: fetches `/widget` and `/console`, finds every `.js`, `.css` and `.wasm` they
//!   reference (and what the scripts load, e.g. `/pkg/deskchat_bg.wasm`), downloads each with
//!   `Accept-Encoding: br, gzip` and reports the body bytes as sent, per page, and whether
//!   `Content-Encoding` and `Cache-Control` were set; likewise `/embed.js`, all that a page of
//!   another site with the embed snippet downloads until its launcher is opened. Needs the
//!   built site (`cargo leptos build --release`); without it the assets show as HTTP 404.
//! - **`records N`** (100,000): N chats started in Network, accepted by alice (each accept
//!   opens an Interaction) and converted to incidents, a thousand at a time; then alice's
//!   `search_records` calls, `--repeat` times each: the list's first page and one from the
//!   middle, incidents only, by number, by contact name, text nothing matches, a status
//!   nothing has. Reports how long building took and each query's latency.
//! - **`routing N`** (5,000 waiting): issue 17's auto-assign; see `routing.rs`. With
//!   `--also-base` (and `--also-pid`) its `--agents` (200) are spread over the nodes.
//! - **`abuse`**: issue 8's findings replayed from one address against the server's default
//!   limits: 200 wrong passwords for alice at once (how many were checked, refused, and
//!   `/healthz`'s latency meanwhile), 300 chat requests (how many were created), 400 messages of
//!   3.9 KB into one waiting chat (how many were stored) and the size of the reply accepting it.
//!   `make bench` starts its server for this one without `--…-per-minute 0`.
//! - **`all`**: each of the above in turn on one server, ending every chat a scenario started
//!   before the next one (so each finds an empty queue, though not an empty database).
//!
//! Latencies come from HDR histograms (p50, p90, p99, max). Every scenario also prints the CPU
//! (user + sys) both processes used during its measured phase — this process from getrusage,
//! the server (`--pid`) from /proc/<pid>/stat — and the server's RSS, so a reader can tell
//! which side was the bottleneck: the two share the machine's cores.
//!
//! Every loop is bounded in count and time: HTTP calls time out after 60 s, waits for frames
//! after 30 s, and each scenario as a whole after `--scenario-timeout` seconds.

mod abuse;
mod accept;
mod bytes;
mod chat;
mod client;
mod console;
mod desk;
mod records;
mod routing;
mod sockets;
mod stats;

use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, Subcommand};

use client::{Api, Result};
use desk::Chat;
use stats::ServerProc;

#[derive(Parser)]
#[command(about = "Drives a Deskchat server on loopback and prints Markdown rows of figures.")]
struct Cli {
    /// The server, on loopback only.
    #[arg(long, global = true, default_value = "http://127.0.0.1:3000")]
    base: String,
    /// The server's process id, to report its CPU and RSS.
    #[arg(long, global = true)]
    pid: Option<u32>,
    /// `throughput` only: another server node on the same database (repeatable); the senders
    /// are split round robin over `--base` and these.
    #[arg(long, global = true)]
    also_base: Vec<String>,
    /// `throughput` only: another server process to report the CPU and RSS of (repeatable).
    #[arg(long, global = true)]
    also_pid: Vec<u32>,
    /// Said after every figure, e.g. how the server was started (`make bench` uses it for the
    /// accept run on a server that opens no Interactions).
    #[arg(long, global = true)]
    variant: Option<String>,
    #[command(flatten)]
    sizes: Sizes,
    #[command(subcommand)]
    scenario: Scenario,
}

/// Sizes of every scenario; a subcommand's own N overrides its size.
#[derive(clap::Args, Clone)]
struct Sizes {
    /// `sockets`: waiting chats, one idle widget socket each.
    #[arg(long, global = true, default_value_t = 20_000)]
    sockets: usize,
    /// `sockets`: how long to hold them open after connecting.
    #[arg(long, global = true, default_value_t = 5)]
    hold_seconds: u64,
    /// `accept`: chats waiting in the group.
    #[arg(long, global = true, default_value_t = 5_000)]
    waiting: usize,
    /// `accept`: how many times alice accepts the oldest.
    #[arg(long, global = true, default_value_t = 200)]
    accepts: usize,
    /// `chat`: active chats.
    #[arg(long, global = true, default_value_t = 1_000)]
    chats: usize,
    /// `chat`: messages per second each side posts per chat.
    #[arg(long, global = true, default_value_t = 1.0)]
    rate: f64,
    /// `chat`: how long messages are posted.
    #[arg(long, global = true, default_value_t = 30)]
    chat_seconds: u64,
    /// `chat`: both sides of every chat also type (a signal every 2 s per side); adds the
    /// signals' delivery and what they wrote to the store (nothing) to the figures.
    #[arg(long, global = true)]
    typing: bool,
    /// `chat`: posts outstanding at once, at most.
    #[arg(long, global = true, default_value_t = 1_024)]
    max_in_flight: usize,
    /// `throughput`: end users posting back to back.
    #[arg(long, global = true, default_value_t = 256)]
    senders: usize,
    /// `throughput`: how long they post.
    #[arg(long, global = true, default_value_t = 20)]
    throughput_seconds: u64,
    /// `console`: chats waiting in alice's groups.
    #[arg(long, global = true, default_value_t = 1_000)]
    queued: usize,
    /// `console`: chats alice has accepted.
    #[arg(long, global = true, default_value_t = 50)]
    active: usize,
    /// `records`: Interactions made (and as many Incidents).
    #[arg(long, global = true, default_value_t = 100_000)]
    records: usize,
    /// `routing`: agents of the auto-assign group, each with a console socket.
    #[arg(long, global = true, default_value_t = 200)]
    agents: usize,
    /// `routing`: requests timed from arrival to offer once every agent is free.
    #[arg(long, global = true, default_value_t = 200)]
    probes: usize,
    /// `console`, `records`: calls timed, of each kind.
    #[arg(long, global = true, default_value_t = 200)]
    repeat: usize,
    /// Upper bound of one scenario, setup included.
    #[arg(long, global = true, default_value_t = 900)]
    scenario_timeout: u64,
}

#[derive(Subcommand, Clone, Copy)]
enum Scenario {
    /// N idle widget sockets: connect time, server memory per socket.
    Sockets { n: Option<usize> },
    /// Accepting the oldest of N waiting chats: time until every other widget has its new place.
    Accept { n: Option<usize> },
    /// N active chats, a message per second each way: delivery and acknowledgement latency.
    Chat { n: Option<usize> },
    /// Back-to-back senders: durable messages per second.
    Throughput,
    /// GET /console and load_console with a long queue.
    Console,
    /// Bytes a first visit to /widget and /console downloads, and what the embed snippet costs a page.
    Bytes,
    /// The record list and search over N interactions and N incidents.
    Records { n: Option<usize> },
    /// Auto-assign: N waiting requests offered to `--agents` agents (on every node given),
    /// each taken and ended; time from an agent becoming free, and from a request arriving,
    /// to its offer; offers per second.
    Routing { n: Option<usize> },
    /// Issue 8's findings from one address (guessing, floods) against the server's own limits;
    /// not part of `all` (its server must run with the default limits).
    Abuse,
    /// Every scenario in turn on one server.
    All,
}

const ALL: [Scenario; 7] = [
    Scenario::Sockets { n: None },
    Scenario::Accept { n: None },
    Scenario::Chat { n: None },
    Scenario::Throughput,
    Scenario::Console,
    Scenario::Bytes,
    Scenario::Records { n: None },
];

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("loadgen: {err}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> Result<()> {
    if let Some(variant) = cli.variant.clone() {
        let _ = stats::VARIANT.set(variant);
    }
    let several = !cli.also_base.is_empty() || !cli.also_pid.is_empty();
    if several && !matches!(cli.scenario, Scenario::Throughput | Scenario::Routing { .. }) {
        return Err("--also-base and --also-pid are for the throughput and routing scenarios only".into());
    }
    let nodes = std::iter::once(&cli.base)
        .chain(&cli.also_base)
        .map(|base| Api::new(&client::loopback(base)?))
        .collect::<Result<Vec<Api>>>()?;
    let servers: Vec<ServerProc> = cli.pid.into_iter().chain(cli.also_pid).map(ServerProc).collect();
    if let Some(ServerProc(pid)) = servers.iter().find(|s| s.rss_kib().is_none()) {
        return Err(format!("no process {pid} to measure").into());
    }
    for node in &nodes {
        node.get("/healthz").send().await?.error_for_status().map_err(|e| format!("server {} not healthy: {e}", node.base()))?;
    }
    let api = &nodes[0];
    let scenarios: &[Scenario] = match cli.scenario {
        Scenario::All => &ALL,
        one => &[one],
    };
    let limit = Duration::from_secs(cli.sizes.scenario_timeout);
    let mut failed = 0;
    for &scenario in scenarios {
        let outcome = tokio::time::timeout(limit, run_one(&nodes, &servers, &cli.sizes, scenario)).await;
        match outcome.unwrap_or_else(|_| Err(format!("ran longer than {} s", limit.as_secs()).into())) {
            Ok(chats) if scenarios.len() > 1 => desk::end_chats(api, &chats).await,
            Ok(_) => {}
            // `all` goes on with the next scenario.
            Err(err) => {
                eprintln!("loadgen: {}: {err}", scenario.name());
                failed += 1;
            }
        }
    }
    match failed {
        0 => Ok(()),
        n => Err(format!("{n} of {} scenarios failed", scenarios.len()).into()),
    }
}

impl Scenario {
    fn name(self) -> &'static str {
        match self {
            Scenario::Sockets { .. } => "sockets",
            Scenario::Accept { .. } => "accept",
            Scenario::Chat { .. } => "chat",
            Scenario::Throughput => "throughput",
            Scenario::Console => "console",
            Scenario::Bytes => "bytes",
            Scenario::Records { .. } => "records",
            Scenario::Routing { .. } => "routing",
            Scenario::Abuse => "abuse",
            Scenario::All => "all",
        }
    }
}

/// Runs one scenario on `nodes[0]` (`throughput`, `routing`: on all of them); returns the chats
/// it started.
async fn run_one(nodes: &[Api], servers: &[ServerProc], s: &Sizes, scenario: Scenario) -> Result<Vec<Chat>> {
    let (api, server) = (&nodes[0], servers.first().copied());
    match scenario {
        Scenario::Sockets { n } => sockets::run(api, server, n.unwrap_or(s.sockets), Duration::from_secs(s.hold_seconds)).await,
        Scenario::Accept { n } => accept::run(api, server, n.unwrap_or(s.waiting), s.accepts).await,
        Scenario::Chat { n } => {
            chat::chat(api, server, n.unwrap_or(s.chats), s.rate, s.chat_seconds, s.max_in_flight, s.typing).await
        }
        Scenario::Throughput => chat::throughput(nodes, servers, s.senders, s.throughput_seconds).await,
        Scenario::Console => console::run(api, server, s.queued, s.active, s.repeat).await,
        Scenario::Bytes => bytes::run(api).await.map(|()| Vec::new()),
        Scenario::Records { n } => records::run(api, server, n.unwrap_or(s.records), s.repeat).await,
        Scenario::Routing { n } => routing::run(nodes, servers, s.agents, n.unwrap_or(s.waiting), s.probes).await,
        Scenario::Abuse => abuse::run(api, server).await.map(|()| Vec::new()),
        Scenario::All => unreachable!("`all` is expanded by `run`"),
    }
}
