//! Setting the desk up through the public API: groups, chats, agents, accepts; and the
//! bounded wait every scenario uses.

use std::sync::OnceLock;
use std::time::Duration;

use app::model::*;
use futures::{StreamExt, TryStreamExt};
use serde_json::json;
use tokio::time::Instant;

use crate::client::{Api, Error, Result};
use crate::stats::Latencies;

/// `request_chat` calls in flight at once while setting up.
const SETUP_CONCURRENCY: usize = 16;

/// A chat the load generator started: its id, the end user's token, and the stream position
/// of its snapshot (where its widget socket resumes).
pub struct Chat {
    pub id: ChatId,
    pub token: String,
    pub position: Position,
}

impl Chat {
    pub fn resume(&self) -> (&str, Position) {
        (&self.token, self.position)
    }
}

pub async fn group(api: &Api, name: &str) -> Result<GroupId> {
    let groups: Vec<GroupOption> = api.call("list_groups", json!({})).await?;
    Ok(groups.into_iter().find(|g| g.group.name == name).ok_or_else(|| format!("no group named {name}"))?.group.id)
}

/// Starts `n` chats in `group` (distinct names and emails), sorted oldest first (by id), and
/// the latency of each `request_chat`.
pub async fn start_chats(api: &Api, group: GroupId, n: usize, label: &str) -> Result<(Vec<Chat>, Latencies)> {
    let run = run_id();
    let started: Vec<(Chat, Duration)> = futures::stream::iter(0..n)
        .map(|i| async move {
            let form = StartChat {
                name: format!("Load {label} {i}"),
                email: format!("load.{run}.{label}.{i}@example.com"),
                location: "Loopback".into(),
                group_id: Some(group),
                question: format!("Load question {i}: the VPN drops every few minutes."),
                ..Default::default()
            };
            let t = Instant::now();
            let StartChatOutcome::Started { token, snapshot } = api.call("request_chat", json!({ "form": form })).await? else {
                return Err(Error::from("the group took no live chat (business hours, nobody online or a wait limit)"));
            };
            Ok::<_, Error>((Chat { id: snapshot.transcript.request.id, token, position: snapshot.position }, t.elapsed()))
        })
        .buffer_unordered(SETUP_CONCURRENCY)
        .try_collect()
        .await?;
    let mut latencies = Latencies::new();
    let mut chats = Vec::with_capacity(n);
    for (chat, took) in started {
        latencies.record(took);
        chats.push(chat);
    }
    chats.sort_by_key(|c| c.id);
    Ok((chats, latencies))
}

/// `agent` accepts the chat; an error unless it won.
pub async fn accept(agent: &Api, chat_id: ChatId) -> Result<()> {
    match agent.call("accept_chat", json!({ "chat_id": chat_id })).await? {
        AcceptOutcome::Accepted(..) => Ok(()),
        AcceptOutcome::AlreadyTaken { by } => Err(format!("chat {chat_id} already taken by {by:?}").into()),
    }
}

/// Agent `i % agents.len()` accepts chat `i`, a few at a time.
pub async fn accept_round_robin(agents: &[Api], chats: &[Chat]) -> Result<()> {
    futures::stream::iter(chats.iter().enumerate())
        .map(|(i, chat)| accept(&agents[i % agents.len()], chat.id))
        .buffer_unordered(SETUP_CONCURRENCY)
        .try_collect::<()>()
        .await
}

/// Ends every chat as its end user (best effort), so the next scenario in `all` finds an
/// empty queue.
pub async fn end_chats(api: &Api, chats: &[Chat]) {
    let failed = futures::stream::iter(chats)
        .map(|chat| api.call::<()>("end_as_end_user", json!({ "token": chat.token })))
        .buffer_unordered(SETUP_CONCURRENCY)
        .filter(|r| std::future::ready(r.is_err()))
        .count()
        .await;
    if failed > 0 {
        eprintln!("loadgen: {failed} of {} chats could not be ended", chats.len());
    }
}

/// Polls `done` every millisecond until it holds; an error naming `what` after `timeout`.
pub async fn wait_for(what: &str, timeout: Duration, done: impl Fn() -> bool) -> Result<()> {
    let deadline = Instant::now() + timeout;
    while !done() {
        if Instant::now() >= deadline {
            return Err(format!("timed out after {timeout:?} waiting for {what}").into());
        }
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    Ok(())
}

/// A short id that keeps this run's emails apart from an earlier run's on the same server.
fn run_id() -> &'static str {
    static RUN: OnceLock<String> = OnceLock::new();
    RUN.get_or_init(|| uuid::Uuid::new_v4().simple().to_string()[..8].to_string())
}

/// Prints a progress line on stderr.
pub fn progress(scenario: &str, what: impl std::fmt::Display) {
    eprintln!("[{scenario}] {what}");
}

/// Raises the open-file limit for `sockets` WebSockets plus `other` descriptors (HTTP
/// connections, the runtime); if the hard limit forbids it, says so in a row and returns how
/// many sockets fit.
pub fn fit_sockets(scenario: &str, sockets: usize, other: usize) -> usize {
    let needed = (sockets + other) as u64;
    let granted = crate::client::raise_open_files(needed);
    if granted >= needed {
        return sockets;
    }
    let fit = (granted as usize).saturating_sub(other);
    crate::stats::row(
        format!("{scenario}: open-file limit"),
        format!("RLIMIT_NOFILE could only be raised to {granted} (the hard limit): {sockets} sockets asked, {fit} used"),
    );
    fit
}
