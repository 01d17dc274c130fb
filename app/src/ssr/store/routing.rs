//! A routing pass (auto-assign, issue 17) inside a writer job. It reads what routing weighs (the
//! auto-assign groups' settings, the team, every agent's load, the queue with its offer
//! history) on its batch's own connection, decides with `routing::plan_offers` on what is still
//! free (`StillFree`), and writes the offers. Read inside the job, a pass sees every change
//! committed before its batch and those its batch made before it. The router's pass is a job of
//! its own (`Store::route`); after an end, an accept or a new request the pass follows the
//! change in its batch (`RouteAfter`), so what the change allows is offered in its commit
//! (issue 17's free → next offer, README "Routing").

use std::collections::BTreeSet;
use std::sync::Arc;

use sqlx::AnyConnection;

use super::directory::group_settings_in;
use super::offers::{offer_queue_in, offers_in, routing_loads_in, MadeOffers, NewOffer, QueuedForOffer, RoutingLoad, StillFree};
use super::events::PendingEvent;
use super::team::team_in;
use super::writer::{Done, FollowUp};
use super::{Store, StoreError, StoreResult};
use crate::domain::routing::{self, Candidate, RoutingMode, Waiting};
use crate::model::{AgentId, ChatId, GroupId, GroupSettings, Presence, TeamMember};
use crate::ssr::metrics::metrics;

/// Requests read per routing pass beyond one per free agent: room for those the free agents
/// were passed over for.
const QUEUE_READ_EXTRA: i64 = 50;

impl Store {
    /// One routing pass over every auto-assign group, in one job of the next batch: the offers
    /// it made, and those it planned. `started` is called when the job begins (a caller that
    /// coalesces passes knows from then on that later changes need one more). `cutoff_ms`:
    /// consoles seen since then count as connected.
    pub async fn route(
        &self,
        cutoff_ms: i64,
        now_ms: i64,
        started: impl Fn() + Clone + Send + Sync + 'static,
    ) -> StoreResult<MadeOffers> {
        self.write(move |conn, out| {
            Box::pin(async move {
                started();
                route_in(conn, out, cutoff_ms, now_ms).await
            })
        })
        .await
    }
}

/// A routing pass to run at the end of the batch that writes a change which may free an agent
/// or bring a request: it sees the change and commits with it, so the agent an end freed (or
/// the request that came) is offered in that commit, not one batch later (issue 17's free →
/// next offer, README "Routing"). Jobs of one batch that ask share one pass.
#[derive(Clone)]
pub struct RouteAfter {
    /// Consoles seen since then count as connected.
    pub cutoff_ms: i64,
    pub now_ms: i64,
    /// Hears how the pass went once its batch committed (or did not).
    pub done: Arc<dyn Fn(StoreResult<MadeOffers>) + Send + Sync>,
}

impl RouteAfter {
    /// The writer's follow-up that runs this pass (`Store::end_then`, `accept_then`,
    /// `create_chat_then`).
    pub(super) fn follow_up(self) -> FollowUp {
        Arc::new(move || {
            let RouteAfter { cutoff_ms, now_ms, done } = self.clone();
            Box::new(move |conn, out| {
                Box::pin(async move {
                    let result = route_in(conn, out, cutoff_ms, now_ms).await;
                    Done::new(result.is_ok(), move |committed| done(committed.map_err(StoreError::from).and(result)))
                })
            })
        })
    }
}

/// One routing pass on the job's connection: reads, plans on what is still free, writes.
async fn route_in(conn: &mut AnyConnection, out: &mut Vec<PendingEvent>, cutoff_ms: i64, now_ms: i64) -> StoreResult<MadeOffers> {
    let reading = std::time::Instant::now();
    let pass = read_pass(conn, cutoff_ms).await?;
    metrics().routed("read", reading.elapsed());
    let Some(pass) = pass else { return Ok(MadeOffers { planned: 0, made: Vec::new() }) };
    offers_in(conn, out, &pass.requests, &pass.agents, |still| pass.plan(still), now_ms).await
}

/// What a pass read: the auto-assign groups, every candidate, the queue, and of them the
/// requests and free agents it may offer.
struct Pass {
    groups: Vec<(GroupId, GroupSettings)>,
    candidates: Vec<Candidate>,
    queue: Vec<QueuedForOffer>,
    requests: Vec<ChatId>,
    agents: Vec<AgentId>,
}

/// Reads a pass on `conn`; None when no group routes by offers, no agent is free or nothing
/// waits.
async fn read_pass(conn: &mut AnyConnection, cutoff_ms: i64) -> StoreResult<Option<Pass>> {
    let groups: Vec<(GroupId, GroupSettings)> =
        group_settings_in(conn).await?.into_iter().filter(|(_, s)| s.routing == RoutingMode::AutoAssign).collect();
    if groups.is_empty() {
        return Ok(None);
    }
    let team = team_in(conn, cutoff_ms).await?;
    let loads = routing_loads_in(conn, None).await?;
    let candidates = candidates(&team, &loads, &groups);
    let free = candidates.iter().filter(|c| c.eligible()).map(|c| c.agent).collect::<BTreeSet<_>>();
    if free.is_empty() {
        return Ok(None);
    }
    let group_ids: Vec<GroupId> = groups.iter().map(|(id, _)| *id).collect();
    let queue = offer_queue_in(conn, &group_ids, free.len() as i64 + QUEUE_READ_EXTRA).await?;
    if queue.is_empty() {
        return Ok(None);
    }
    let requests = queue.iter().map(|q| q.waiting.request).collect();
    Ok(Some(Pass { groups, candidates, queue, requests, agents: free.into_iter().collect() }))
}

impl Pass {
    /// The offers to make, decided by `routing::plan_offers` on what is still free. Taken
    /// meanwhile counts as offered: the request is not given out twice, the agent is not
    /// eligible.
    fn plan(&self, still: &StillFree) -> Vec<NewOffer> {
        let waiting: Vec<Waiting> = self
            .queue
            .iter()
            .map(|q| Waiting { offered: q.waiting.offered || !still.requests.contains(&q.waiting.request), ..q.waiting.clone() })
            .collect();
        // Weighed by their loads read after the lock: an agent who took a chat meanwhile is
        // not given one more than they may hold.
        let candidates: Vec<Candidate> = self
            .candidates
            .iter()
            .map(|c| {
                let settings = self.groups.iter().find(|(id, _)| *id == c.group).map(|(_, s)| s);
                match (still.agents.contains(&c.agent), still.loads.iter().find(|l| l.agent == c.agent), settings) {
                    (true, Some(load), Some(settings)) => candidate(c.agent, c.presence, c.group, settings, load),
                    _ => Candidate { offered: true, ..c.clone() },
                }
            })
            .collect();
        routing::plan_offers(&waiting, &candidates)
            .iter()
            .map(|p| {
                let round = self.queue.iter().find(|q| q.waiting.request == p.request).map_or(0, |q| q.round);
                let settings = self.groups.iter().find(|(id, _)| *id == p.group).map(|(_, s)| s);
                NewOffer {
                    request: p.request,
                    group: p.group,
                    agent: p.pick.agent,
                    round: round + i64::from(p.pick.new_round),
                    timeout_ms: settings.map_or(0, GroupSettings::offer_timeout_ms),
                }
            })
            .collect()
    }
}

/// Every agent of an auto-assign group, once per such group of theirs, as routing weighs them.
fn candidates(team: &[TeamMember], loads: &[RoutingLoad], groups: &[(GroupId, GroupSettings)]) -> Vec<Candidate> {
    let mut candidates = Vec::new();
    for member in team {
        let Some(load) = loads.iter().find(|l| l.agent == member.card.id) else { continue };
        for (group, settings) in groups.iter().filter(|(id, _)| member.groups.iter().any(|g| g.id == *id)) {
            candidates.push(candidate(member.card.id, member.presence, *group, settings, load));
        }
    }
    candidates
}

/// An agent in one of their auto-assign groups, as routing weighs them.
fn candidate(agent: AgentId, presence: Presence, group: GroupId, settings: &GroupSettings, load: &RoutingLoad) -> Candidate {
    Candidate {
        agent,
        group,
        presence,
        chats: load.load.chats_in(settings),
        capacity: load.load.capacity_in(settings),
        offered: load.offered,
        idle_since_ms: load.idle_since_ms,
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{agent_in, form, group_with_agent, TempDb};
    use super::super::Actor;
    use crate::domain::lifecycle::Party;
    use crate::domain::routing::RoutingMode;
    use crate::model::{ChatEvent, GroupSettings};
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;

    #[tokio::test]
    async fn a_pass_reads_in_its_job_so_a_change_written_before_it_counts() {
        let db = TempDb::new();
        let store = db.open().await;
        let (group, alice) = group_with_agent(&store).await;
        let bob = agent_in(&store, group, "bob@x.test", "Bob").await;
        let carol = agent_in(&store, group, "carol@x.test", "Carol").await;
        let settings = GroupSettings { routing: RoutingMode::AutoAssign, max_chats: Some(1), ..Default::default() };
        store.save_group_settings(group, settings, Actor { agent: None, now_ms: 0 }).await.unwrap();
        // Alice and Bob have a console open; Carol has none.
        for agent in [alice.id, bob.id] {
            store.console_connected("node", agent, 1_000, 0).await.unwrap();
        }
        let held = store.create_chat(&form(group, 0), "t-0", 0, None).await.unwrap();
        store.accept(&held, &alice, None, None, 500).await.unwrap();
        let two = store.create_chat(&form(group, 1), "t-1", 0, None).await.unwrap();
        let three = store.create_chat(&form(group, 2), "t-2", 0, None).await.unwrap();
        let began = Arc::new(AtomicUsize::new(0));
        let started = {
            let began = began.clone();
            move || {
                began.fetch_add(1, Ordering::SeqCst);
            }
        };

        // Alice is at capacity and Carol offline: the oldest waiting goes to Bob alone.
        let done = store.route(0, 2_000, started.clone()).await.unwrap();
        assert_eq!((done.planned, done.made.iter().map(|o| (o.request, o.agent)).collect::<Vec<_>>()), (1, vec![(two.id, bob.id)]));
        assert_eq!(began.load(Ordering::SeqCst), 1, "the caller hears the pass begin");
        assert_eq!(store.route(0, 2_500, started.clone()).await.unwrap().planned, 0, "nobody else is free");

        // Alice's end and a pass asked for at once: the pass reads when its job runs, after the
        // end (in the same batch or a later one), so she is offered the next without another.
        let active = store.chat(held.id).await.unwrap();
        let (ended, routed) = tokio::join!(store.end(&active, Party::EndUser, 3_000), store.route(0, 3_000, started));
        ended.unwrap();
        assert_eq!(routed.unwrap().made.iter().map(|o| (o.request, o.agent)).collect::<Vec<_>>(), [(three.id, alice.id)]);
        assert_eq!(store.offer_for(carol.id, 3_000).await.unwrap(), None);
    }

    /// What a pass that follows a change tells its caller.
    fn heard() -> (super::RouteAfter, Arc<std::sync::Mutex<Vec<(usize, usize)>>>) {
        let heard = Arc::new(std::sync::Mutex::new(Vec::new()));
        let route = super::RouteAfter {
            cutoff_ms: 0,
            now_ms: 5_000,
            done: {
                let heard = heard.clone();
                Arc::new(move |done: super::StoreResult<super::MadeOffers>| {
                    let done = done.unwrap();
                    heard.lock().unwrap().push((done.planned, done.made.len()));
                })
            },
        };
        (route, heard)
    }

    #[tokio::test]
    async fn an_end_and_a_new_request_are_routed_in_the_commit_that_writes_them() {
        let db = TempDb::new();
        let store = db.open().await;
        let mut committed = store.take_committed().unwrap();
        let (group, alice) = group_with_agent(&store).await;
        let settings = GroupSettings { routing: RoutingMode::AutoAssign, max_chats: Some(1), ..Default::default() };
        store.save_group_settings(group, settings, Actor { agent: None, now_ms: 0 }).await.unwrap();
        store.console_connected("node", alice.id, 1_000, 0).await.unwrap();
        let held = store.create_chat(&form(group, 0), "t-0", 0, None).await.unwrap();
        store.accept(&held, &alice, None, None, 500).await.unwrap();
        let next = store.create_chat(&form(group, 1), "t-1", 0, None).await.unwrap();
        while committed.try_recv().is_ok() {}

        // Alice's end and her offer of the next, in one commit.
        let (route, heard) = self::heard();
        store.end_then(&store.chat(held.id).await.unwrap(), Party::EndUser, 5_000, Some(route)).await.unwrap();
        let batch: Vec<ChatEvent> = committed.try_recv().unwrap().into_iter().map(|e| e.event).collect();
        assert!(matches!(&batch[..], [ChatEvent::Ended { .. }, ChatEvent::Offered { request, agent, .. }] if request.id == next.id && *agent == alice.id), "{batch:?}");
        assert_eq!(*heard.lock().unwrap(), [(1, 1)]);

        // Bob comes online with nothing waiting; a new request is offered to him in the commit
        // that stores it.
        let bob = agent_in(&store, group, "bob@x.test", "Bob").await;
        store.console_connected("node", bob.id, 5_100, 0).await.unwrap();
        while committed.try_recv().is_ok() {}
        let (route, heard) = self::heard();
        let new = store.create_chat_then(&form(group, 2), "t-2", 5_300, None, Some(route)).await.unwrap();
        let batch: Vec<ChatEvent> = committed.try_recv().unwrap().into_iter().map(|e| e.event).collect();
        assert!(matches!(&batch[..], [ChatEvent::Queued { .. }, ChatEvent::Offered { request, agent, .. }] if request.id == new.id && *agent == bob.id), "{batch:?}");
        assert_eq!(*heard.lock().unwrap(), [(1, 1)]);

        // With nobody free, the pass that follows plans nothing.
        let (route, heard) = self::heard();
        store.create_chat_then(&form(group, 3), "t-3", 5_400, None, Some(route)).await.unwrap();
        assert_eq!(*heard.lock().unwrap(), [(0, 0)]);
    }
}
