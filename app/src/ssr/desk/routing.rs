//! Auto-assign (issue 17): in a group an admin set to *auto-assign*, the desk offers each waiting
//! request to one agent at a time; they accept or decline, and an offer not answered in time
//! moves on. Who gets what is `routing::plan_offers`, one pure function; this gathers what it
//! weighs (the team's presence and groups, each agent's load, the queues with their offer
//! history) and writes what it decides. The writes re-check inside their job and the tables
//! hold one offer per request and per agent, so any node may route at any moment: routing
//! runs after anything that may free an agent or bring a request (`route_soon`), and with every
//! presence heartbeat in case a node died between a change and its routing.

use super::*;
use crate::domain::routing::{self, Candidate, OfferEvent, OfferOutcome, OfferRefusal, RoutingMode, Waiting};
use crate::ssr::metrics::metrics;
use crate::ssr::store::{NewOffer, OfferPlan, StillFree};

/// Requests read per routing pass beyond one per free agent: room for those the free agents
/// were passed over for.
const QUEUE_READ_EXTRA: i64 = 50;
/// Passes in a row when some offers could not be made (each reads afresh).
const ROUTE_PASSES: usize = 3;

/// What a pass read: the waiting requests and free agents it may offer, and its plan.
type Pass<P> = (Vec<ChatId>, Vec<AgentId>, P);

impl From<OfferRefusal> for DeskError {
    fn from(refusal: OfferRefusal) -> DeskError {
        DeskError::NotAllowed(refusal.to_string())
    }
}

impl Desk {
    /// Asks the router to run soon. Cheap and coalesced: many calls while it runs make one
    /// more pass.
    pub fn route_soon(&self) {
        self.router.notify_one();
    }

    /// The router: one pass each time it is asked (`route_soon`), for good.
    pub fn spawn_router(self: &Arc<Self>) {
        let desk = self.clone();
        tokio::spawn(async move {
            loop {
                desk.router.notified().await;
                if let Err(err) = desk.route().await {
                    tracing::warn!(%err, "routing failed; it runs again with the next change or heartbeat");
                }
            }
        });
    }

    /// One routing pass over every auto-assign group (again, up to `ROUTE_PASSES`, when some
    /// offers could not be made); returns the offers made.
    pub async fn route(&self) -> Result<usize, DeskError> {
        let mut made = 0;
        for _ in 0..ROUTE_PASSES {
            let reading = std::time::Instant::now();
            let pass = self.read_pass().await?;
            metrics().routed("read", reading.elapsed());
            let Some((requests, agents, plan)) = pass else { return Ok(made) };
            let writing = std::time::Instant::now();
            let done = self.store.make_offers(requests, agents, plan, self.now_ms()).await?;
            metrics().routed("write", writing.elapsed());
            metrics().offers_lost.inc_by((done.planned - done.made.len()) as u64);
            made += done.made.len();
            if done.made.len() == done.planned {
                return Ok(made);
            }
            // An agent's load or a request changed after the job read what was free: afresh.
        }
        Ok(made)
    }

    /// Reads what routing weighs: the waiting requests and the free agents a pass may offer
    /// to, and its plan, which decides inside the pass's write on those still free then
    /// (`StillFree`). None when no agent is free or nothing waits.
    async fn read_pass(&self) -> Result<Option<Pass<impl OfferPlan>>, DeskError> {
        let groups: Vec<(GroupId, GroupSettings)> =
            self.store.group_settings().await?.into_iter().filter(|(_, s)| s.routing == RoutingMode::AutoAssign).collect();
        if groups.is_empty() {
            return Ok(None);
        }
        let candidates = self.candidates(&groups).await?;
        let free = candidates.iter().filter(|c| c.eligible()).map(|c| c.agent).collect::<std::collections::BTreeSet<_>>();
        if free.is_empty() {
            return Ok(None);
        }
        let group_ids: Vec<GroupId> = groups.iter().map(|(id, _)| *id).collect();
        let queue = self.store.offer_queue(&group_ids, free.len() as i64 + QUEUE_READ_EXTRA).await?;
        if queue.is_empty() {
            return Ok(None);
        }
        let requests = queue.iter().map(|q| q.waiting.request).collect();
        let plan = move |still: &StillFree| -> Vec<NewOffer> {
            // Taken meanwhile counts as offered: the request is not given out twice, the agent
            // is not eligible.
            let waiting: Vec<Waiting> = queue
                .iter()
                .map(|q| Waiting { offered: q.waiting.offered || !still.requests.contains(&q.waiting.request), ..q.waiting.clone() })
                .collect();
            let candidates: Vec<Candidate> = candidates
                .iter()
                .map(|c| Candidate { offered: c.offered || !still.agents.contains(&c.agent), ..c.clone() })
                .collect();
            routing::plan_offers(&waiting, &candidates)
                .iter()
                .map(|p| {
                    let round = queue.iter().find(|q| q.waiting.request == p.request).map_or(0, |q| q.round);
                    let settings = groups.iter().find(|(id, _)| *id == p.group).map(|(_, s)| s);
                    NewOffer {
                        request: p.request,
                        group: p.group,
                        agent: p.pick.agent,
                        round: round + i64::from(p.pick.new_round),
                        timeout_ms: settings.map_or(0, GroupSettings::offer_timeout_ms),
                    }
                })
                .collect()
        };
        Ok(Some((requests, free.into_iter().collect(), plan)))
    }

    /// Every agent of an auto-assign group, once per such group of theirs, as routing weighs
    /// them.
    async fn candidates(&self, groups: &[(GroupId, GroupSettings)]) -> Result<Vec<Candidate>, DeskError> {
        // Side by side: a routing pass's reads are part of every freed agent's wait.
        let (team, loads) = tokio::try_join!(self.team(), async { Ok::<_, DeskError>(self.store.routing_loads().await?) })?;
        let mut candidates = Vec::new();
        for member in &team {
            let Some(load) = loads.iter().find(|l| l.agent == member.card.id) else { continue };
            for (group, settings) in groups.iter().filter(|(id, _)| member.groups.iter().any(|g| g.id == *id)) {
                candidates.push(Candidate {
                    agent: member.card.id,
                    group: *group,
                    presence: member.presence,
                    chats: routing::counted_chats(load.held, load.as_guest, settings.count_guest_chats),
                    capacity: routing::capacity(load.max_chats, settings.max_chats),
                    offered: load.offered,
                    idle_since_ms: load.idle_since_ms,
                });
            }
        }
        Ok(candidates)
    }

    /// The offered agent declines: the request goes on to the next one. Declining an offer
    /// that already ended (it timed out, a retried click) changes nothing.
    pub async fn decline_offer(&self, agent: &AgentProfile, chat_id: ChatId) -> Result<(), DeskError> {
        let settled = self.store.settle_offer(chat_id, OfferEvent::Declined { by: agent.card.id }, self.now_ms()).await?;
        if let Some(Ok(OfferOutcome::MoveOn(..))) = settled {
            self.route_soon();
        }
        Ok(())
    }

    /// An agent went offline or away: their open offer goes back and on to someone else.
    pub(super) async fn give_back_offers(&self, agent: AgentId) -> Result<(), DeskError> {
        for chat in self.store.offers_to(agent).await? {
            self.store.settle_offer(chat, OfferEvent::AgentLeft { agent }, self.now_ms()).await?;
        }
        self.route_soon();
        Ok(())
    }

    /// The chat offered to the agent now, and which of their groups route by offers: for their
    /// console's snapshot (`settings`: every group's).
    pub(super) async fn offers_for(
        &self,
        agent: &AgentProfile,
        settings: &[(GroupId, GroupSettings)],
    ) -> Result<(Option<OfferCard>, Vec<GroupId>), DeskError> {
        let offering = groups_where(agent, settings, |s| s.routing == RoutingMode::AutoAssign);
        let offer = match offering.is_empty() {
            true => None,
            false => self.store.offer_for(agent.card.id, self.now_ms()).await?,
        };
        Ok((offer, offering))
    }
}

/// The agent's groups whose settings (`settings`: every group's) answer `wanted`.
pub(super) fn groups_where(
    agent: &AgentProfile,
    settings: &[(GroupId, GroupSettings)],
    wanted: impl Fn(&GroupSettings) -> bool,
) -> Vec<GroupId> {
    agent.groups.iter().map(|g| g.id).filter(|id| settings.iter().any(|(g, s)| g == id && wanted(s))).collect()
}
