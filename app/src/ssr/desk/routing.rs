//! Auto-assign (issue 17): in a group an admin set to *auto-assign*, the desk offers each waiting
//! request to one agent at a time; they accept or decline, and an offer not answered in time
//! moves on. Who gets what is `routing::plan_offers`, one pure function; a pass reads what it
//! weighs and writes what it decides in one job of the writer (`Store::route`). The job
//! re-checks what it decides on with the rows locked and the tables hold one offer per request
//! and per agent, so any node may route at any moment: routing runs after anything that may
//! free an agent or bring a request (`route_soon`), and with every presence heartbeat in case a
//! node died between a change and its routing. The commonest three, an end, an accept (it ends
//! the agent's one open offer) and a new request, route in their own batch instead
//! (`route_after`): what they allow is offered in the commit that wrote them.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use super::*;
use crate::domain::routing::{OfferEvent, OfferOutcome, OfferRefusal, RoutingMode};
use crate::ssr::metrics::metrics;
use crate::ssr::store::{MadeOffers, RouteAfter};

/// Passes in a row that may each lose some of their planned offers (another node's pass or an
/// accept held the rows) before the router waits for the next change or heartbeat.
const ROUTE_PASSES: usize = 3;

impl From<OfferRefusal> for DeskError {
    fn from(refusal: OfferRefusal) -> DeskError {
        DeskError::NotAllowed(refusal.to_string())
    }
}

impl Desk {
    /// Asks for a routing pass soon. Cheap and coalesced: while a pass waits for the writer,
    /// asking again changes nothing, since that pass reads when its batch runs it.
    pub fn route_soon(&self) {
        self.router.notify_one();
    }

    /// A routing pass to follow a change in its batch (`store::RouteAfter`): one that loses
    /// some of its planned offers, or fails, asks the router for another.
    pub(super) fn route_after(&self) -> RouteAfter {
        let router = self.router.clone();
        RouteAfter {
            cutoff_ms: self.presence_cutoff(),
            now_ms: self.now_ms(),
            done: Arc::new(move |outcome| {
                let again = match outcome {
                    Ok(done) => counted_lost(&done) > 0,
                    Err(err) => {
                        tracing::warn!(%err, "a routing pass after a change failed; the router runs one");
                        true
                    }
                };
                if again {
                    router.notify_one();
                }
            }),
        }
    }

    /// The router, for good: one pass waiting for the writer at a time, queued when asked
    /// (`route_soon`). A pass that has begun reading may miss a change committed meanwhile, so
    /// asking again from then on queues the next one.
    pub fn spawn_router(self: &Arc<Self>) {
        let desk = self.clone();
        tokio::spawn(async move {
            let queued = Arc::new(AtomicBool::new(false));
            let lost_in_a_row = Arc::new(AtomicUsize::new(0));
            loop {
                desk.router.notified().await;
                if queued.swap(true, Ordering::SeqCst) {
                    continue;
                }
                let (desk, queued, lost_in_a_row) = (desk.clone(), queued.clone(), lost_in_a_row.clone());
                tokio::spawn(async move {
                    let started = {
                        let queued = queued.clone();
                        move || queued.store(false, Ordering::SeqCst)
                    };
                    let writing = std::time::Instant::now();
                    let done = match desk.store.route(desk.presence_cutoff(), desk.now_ms(), started).await {
                        Ok(done) => done,
                        Err(err) => {
                            // Maybe before it began: the next request must queue another.
                            queued.store(false, Ordering::SeqCst);
                            tracing::warn!(%err, "routing failed; it runs again with the next change or heartbeat");
                            return;
                        }
                    };
                    metrics().routed("write", writing.elapsed());
                    // An agent or a request was held by another job: afresh, a few times in a row
                    // at most.
                    match counted_lost(&done) == 0 {
                        true => lost_in_a_row.store(0, Ordering::SeqCst),
                        false if lost_in_a_row.fetch_add(1, Ordering::SeqCst) + 1 < ROUTE_PASSES => desk.route_soon(),
                        false => lost_in_a_row.store(0, Ordering::SeqCst),
                    }
                });
            }
        });
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

/// The planned offers a pass that committed could not make, counted in `/metrics`.
fn counted_lost(done: &MadeOffers) -> usize {
    metrics().offers_lost.inc_by(done.lost() as u64);
    done.lost()
}

/// The agent's groups whose settings (`settings`: every group's) answer `wanted`.
pub(super) fn groups_where(
    agent: &AgentProfile,
    settings: &[(GroupId, GroupSettings)],
    wanted: impl Fn(&GroupSettings) -> bool,
) -> Vec<GroupId> {
    agent.groups.iter().map(|g| g.id).filter(|id| settings.iter().any(|(g, s)| g == id && wanted(s))).collect()
}
