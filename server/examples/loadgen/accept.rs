//! `accept N`: N end users waiting in one group, each with a widget socket; alice accepts the
//! oldest request again and again. Each accept is timed from sending the POST until every
//! widget still waiting shows its new place: each widget keeps its place as the browser does,
//! from its connection's `QueuePlace` and then the queue's shared `QueueMoved` frames
//! (domain/queue.rs `QueueSpot::follow`).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use app::domain::queue::{Followed, QueueSpot};
use app::model::*;
use tokio::time::Instant;

use crate::client::{self, Api, Fleet, Result, ALICE};
use crate::desk::{self, progress, Chat};
use crate::stats::{row, thousands, Latencies, Meter, ServerProc};

/// Longest wait for one accept's queue places.
const ROUND_TIMEOUT: Duration = Duration::from_secs(30);

pub async fn run(api: &Api, server: Option<ServerProc>, n: usize, accepts: usize) -> Result<Vec<Chat>> {
    let n = desk::fit_sockets("accept", n, 256);
    let accepts = accepts.min(n.saturating_sub(1));
    let network = desk::group(api, "Network").await?;
    let (chats, _) = desk::start_chats(api, network, n, "accept").await?;
    let alice = api.log_on(ALICE).await?;

    let rounds = Arc::new(Rounds::new(n, accepts));
    let initial: Vec<OnceLock<u32>> = (0..n).map(|_| OnceLock::new()).collect();
    let mut fleet = Fleet::new();
    client::connect_widgets(api, chats.iter().map(Chat::resume), &mut fleet, |i, before| {
        let mut spot = before.iter().rev().find_map(queue_spot);
        let first = spot.map_or(0, |s| s.place());
        let _ = initial[i].set(first);
        let rounds = rounds.clone();
        move |frame| {
            let (Some(spot), ServerFrame::QueueMoved { group, first: from, steps }) = (spot.as_mut(), &frame) else {
                return;
            };
            let was = spot.place();
            if spot.follow(*group, *from, steps) == Followed::Counted {
                rounds.moved(first, was, spot.place());
            }
        }
    })
    .await?;
    // Widget i (oldest first) must be at place i + 1, or the accepted chat is not the oldest.
    if initial.iter().enumerate().any(|(i, place)| place.get() != Some(&(i as u32 + 1))) {
        fleet.close().await;
        return Err("accept needs a fresh database: other chats are waiting in the Network group".into());
    }
    progress("accept", format!("{n} chats waiting with open widgets; alice accepts {accepts}"));

    let meter = Meter::start("accept", server);
    let mut http = Latencies::new();
    let mut places = Latencies::new();
    for (round, chat) in chats.iter().take(accepts).enumerate() {
        let sent = Instant::now();
        desk::accept(&alice, chat.id).await?;
        http.record(sent.elapsed());
        let done = rounds.wait(round).await?;
        places.record(done - sent);
    }
    let cpu = meter.stop();
    let n_str = thousands(n as u64);
    row(format!("accept: `accept_chat` HTTP answer, {n_str} waiting in the group ({accepts} accepts)"), http.summary());
    row(format!("accept: POST → every widget still waiting shows its new place, {n_str} waiting"), places.summary());
    cpu.print();
    fleet.close().await;
    Ok(chats)
}

/// The spot a connection's `QueuePlace` gives: the widget follows the queue's frames from it.
fn queue_spot(frame: &ServerFrame) -> Option<QueueSpot> {
    match *frame {
        ServerFrame::QueuePlace { chat_id, place, group, counted } => {
            Some(QueueSpot { group, ticket: chat_id, ahead: place.saturating_sub(1), counted })
        }
        _ => None,
    }
}

/// Counts, per accept ("round"), the widgets that show the place it gives them: after round r a
/// widget first at place p is at p − r − 1, so a place tells its round (a frame covering
/// several accepts completes each of them for that widget).
struct Rounds {
    n: usize,
    received: Vec<AtomicUsize>,
    completed: Vec<OnceLock<Instant>>,
}

impl Rounds {
    fn new(n: usize, rounds: usize) -> Rounds {
        Rounds {
            n,
            received: (0..rounds).map(|_| AtomicUsize::new(0)).collect(),
            completed: (0..rounds).map(|_| OnceLock::new()).collect(),
        }
    }

    /// Called by a widget's task when its place moved from `was` up to `now`; the widget
    /// completing a round (the last of the n − r − 1 still waiting) stamps its time.
    fn moved(&self, first: u32, was: u32, now: u32) {
        for place in now..was {
            let Some(round) = first.checked_sub(place + 1).map(|r| r as usize) else { continue };
            let Some(received) = self.received.get(round) else { continue };
            if received.fetch_add(1, Ordering::AcqRel) + 1 == self.n - round - 1 {
                let _ = self.completed[round].set(Instant::now());
            }
        }
    }

    async fn wait(&self, round: usize) -> Result<Instant> {
        let waiting = self.n - round - 1;
        desk::wait_for(&format!("the queue places of accept {round} ({waiting} widgets)"), ROUND_TIMEOUT, || {
            waiting == 0 || self.completed[round].get().is_some()
        })
        .await
        .map_err(|e| format!("{e}; {} of {waiting} arrived", self.received[round].load(Ordering::Acquire)))?;
        Ok(self.completed[round].get().copied().unwrap_or_else(Instant::now))
    }
}
