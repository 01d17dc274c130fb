//! Offers (auto-assign groups, issue 17): what routing reads, and the writes that make and end
//! offers. One open offer per request and per agent is the tables' own constraint
//! (`chat_offers`: primary key and UNIQUE), so two nodes routing at once cannot break it; every
//! write also re-reads, inside its job, what it decides on (the request still waits, the agent's
//! capacity with their row locked), as accepts do.

use sqlx::{AnyConnection, Row};

use super::chats::{chat_in, chats_with_settings_in};
use super::deadlines::schedule_all;
use super::events::{append, PendingEvent};
use super::{id_list, Backend, Store, StoreError, StoreResult};
use crate::domain::audience::{Audience, Reach};
use crate::domain::deadline::DeadlineKind;
use crate::domain::lifecycle::ChatState;
use crate::domain::routing::{self, Offer, OfferEvent, OfferOutcome, Waiting};
use crate::model::{AgentId, ChatEvent, ChatId, ChatRequest, GroupId, OfferCard, PassedOver};

/// An agent as routing counts them (their groups and presence come from the team).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RoutingLoad {
    pub agent: AgentId,
    /// What counts toward their capacity (active chats held and as a guest, their own maximum),
    /// for each group to weigh.
    pub load: routing::Load,
    pub offered: bool,
    /// When they last took a chat (accepted or were assigned one; 0: never).
    pub idle_since_ms: i64,
}

/// An offer routing decided on, to be written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NewOffer {
    pub request: ChatId,
    pub group: GroupId,
    pub agent: AgentId,
    pub round: i64,
    pub timeout_ms: i64,
}

/// One line of a request's offer history.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OfferPass {
    pub agent: AgentId,
    pub outcome: PassedOver,
    pub round: i64,
    pub at_ms: i64,
}

/// Of what a routing pass read, what is still free when its offers are written (`make_offers`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StillFree {
    pub requests: Vec<ChatId>,
    pub agents: Vec<AgentId>,
    /// The loads of `agents`, read once their rows are the job's: what the plan weighs and what
    /// the offers are checked against.
    pub loads: Vec<RoutingLoad>,
}

/// A routing pass's plan: decides its offers, inside their job, from what is still free then
/// (tests hand `make_offers` their own; `Store::route` plans with `routing::plan_offers`).
#[cfg(test)]
pub trait OfferPlan: Fn(&StillFree) -> Vec<NewOffer> + Clone + Send + Sync + 'static {}
#[cfg(test)]
impl<P: Fn(&StillFree) -> Vec<NewOffer> + Clone + Send + Sync + 'static> OfferPlan for P {}

/// What a pass's job did: the offers it planned there, and those it made (fewer when an agent's
/// load or a request changed after `StillFree` was read).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MadeOffers {
    pub planned: usize,
    pub made: Vec<Offer>,
}

impl MadeOffers {
    /// Planned offers the job could not make (another job held or changed their rows).
    pub fn lost(&self) -> usize {
        self.planned - self.made.len()
    }
}

/// A waiting request as routing reads it, with the round its offers are in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QueuedForOffer {
    pub waiting: Waiting,
    pub round: i64,
}

impl Store {
    /// Every active agent's load: what routing weighs (`routing::Candidate`).
    pub async fn routing_loads(&self) -> StoreResult<Vec<RoutingLoad>> {
        routing_loads_in(&mut *self.pool.acquire().await?, None).await
    }

    /// The oldest `limit` requests waiting in `groups` with no offer open (`offer_queue_in`;
    /// routing reads it inside its job, tests read it here).
    #[cfg(test)]
    pub async fn offer_queue(&self, groups: &[GroupId], limit: i64) -> StoreResult<Vec<QueuedForOffer>> {
        offer_queue_in(&mut *self.pool.acquire().await?, groups, limit).await
    }

    /// Makes a routing pass's offers in one job. `plan` decides them there, from what of the
    /// pass's reading is still free then (`StillFree`: of `requests` and `agents`), so a pass
    /// that met another node's router, or an accept, offers what is left instead of losing its
    /// offers to it. Each is written only if its request still waits with no offer, its agent
    /// has none, and the agent is below capacity. The router's own pass is `Store::route`;
    /// tests decide a pass's offers themselves here.
    #[cfg(test)]
    pub async fn make_offers(
        &self,
        requests: Vec<ChatId>,
        agents: Vec<AgentId>,
        plan: impl OfferPlan,
        now_ms: i64,
    ) -> StoreResult<MadeOffers> {
        self.write(move |conn, out| Box::pin(async move { offers_in(conn, out, &requests, &agents, plan, now_ms).await })).await
    }

    /// The request's open offer, if any.
    pub async fn open_offer(&self, chat: ChatId) -> StoreResult<Option<Offer>> {
        let row = sqlx::query("SELECT chat_id, agent_id, made_at, expires_at FROM chat_offers WHERE chat_id = $1")
            .bind(chat)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(|r| offer_of(&r)))
    }

    /// The chat offered to `agent` now, as their console shows it at `now_ms`.
    pub async fn offer_for(&self, agent: AgentId, now_ms: i64) -> StoreResult<Option<OfferCard>> {
        let row = sqlx::query("SELECT chat_id, agent_id, made_at, expires_at FROM chat_offers WHERE agent_id = $1")
            .bind(agent)
            .fetch_optional(&self.pool)
            .await?;
        let Some(offer) = row.map(|r| offer_of(&r)) else { return Ok(None) };
        let request = self.chat(offer.request).await?;
        Ok(Some(OfferCard { request, seconds_left: offer.seconds_left(now_ms) }))
    }

    /// The request's offers that ended with it still waiting, oldest first.
    pub async fn offer_history(&self, chat: ChatId) -> StoreResult<Vec<OfferPass>> {
        let rows = sqlx::query("SELECT agent_id, outcome, round, at FROM offer_passes WHERE chat_id = $1 ORDER BY id")
            .bind(chat)
            .fetch_all(&self.pool)
            .await?;
        Ok(rows
            .iter()
            .filter_map(|r| {
                Some(OfferPass {
                    agent: r.get("agent_id"),
                    outcome: PassedOver::parse(r.get::<&str, _>("outcome"))?,
                    round: r.get("round"),
                    at_ms: r.get("at"),
                })
            })
            .collect())
    }

    /// Settles the open offer of `chat` with `event` (a decline, an agent leaving) in one job:
    /// if it moves on, the offer is gone, the pass recorded and the agent told. `Ok(None)` when
    /// there was no such offer open any more; the refusal when the rule refuses the answer.
    pub async fn settle_offer(
        &self,
        chat: ChatId,
        event: OfferEvent,
        now_ms: i64,
    ) -> StoreResult<Option<Result<OfferOutcome, routing::OfferRefusal>>> {
        self.write(move |conn, out| Box::pin(async move { settle_in(conn, out, chat, event, now_ms).await })).await
    }

    /// The offers open to `agent` (one at most), as they go offline or away.
    pub async fn offers_to(&self, agent: AgentId) -> StoreResult<Vec<ChatId>> {
        Ok(sqlx::query_scalar("SELECT chat_id FROM chat_offers WHERE agent_id = $1").bind(agent).fetch_all(&self.pool).await?)
    }
}

/// Every active agent's load (`Store::routing_loads`), on `conn`.
pub(super) async fn routing_loads_in(conn: &mut AnyConnection, only: Option<&[AgentId]>) -> StoreResult<Vec<RoutingLoad>> {
    let only = only.map_or(String::new(), |ids| format!(" AND a.id IN ({})", id_list(ids)));
    let rows = sqlx::query(&format!(
        "SELECT a.id, a.max_chats, \
         (SELECT COUNT(*) FROM chat_requests c WHERE c.agent_id = a.id AND c.state = $1) AS held, \
         (SELECT COUNT(*) FROM chat_guests gu JOIN chat_requests c ON c.id = gu.chat_id \
          WHERE gu.agent_id = a.id AND c.state = $1) AS as_guest, \
         EXISTS (SELECT 1 FROM chat_offers o WHERE o.agent_id = a.id) AS offered, \
         (SELECT MAX(c.accepted_at) FROM chat_requests c WHERE c.agent_id = a.id) AS idle_since \
         FROM agents a WHERE a.active = 1{only} ORDER BY a.id"
    ))
    .bind(ChatState::Active.as_str())
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows
        .iter()
        .map(|r| RoutingLoad {
            agent: r.get("id"),
            load: routing::Load {
                max_chats: r.get::<Option<i64>, _>("max_chats").map(|m| m.clamp(0, u32::MAX as i64) as u32),
                held: r.get::<i64, _>("held") as u32,
                as_guest: r.get::<i64, _>("as_guest") as u32,
            },
            offered: r.try_get::<bool, _>("offered").unwrap_or_else(|_| r.get::<i64, _>("offered") != 0),
            idle_since_ms: r.get::<Option<i64>, _>("idle_since").unwrap_or(0),
        })
        .collect())
}

/// The oldest `limit` requests waiting in `groups` with no offer open (queue order), with
/// who was passed over for each in its current round. Those offered now are left out: with
/// every agent deciding on an old one, the next free agent must still find the next. One
/// statement (the requests, then their passes joined): a routing pass waits for its reads.
pub(super) async fn offer_queue_in(conn: &mut AnyConnection, groups: &[GroupId], limit: i64) -> StoreResult<Vec<QueuedForOffer>> {
    if groups.is_empty() {
        return Ok(Vec::new());
    }
    let rows = sqlx::query(&format!(
        "WITH queued AS (SELECT c.id, c.group_id FROM chat_requests c \
         WHERE c.state = $1 AND c.group_id IN ({}) \
         AND NOT EXISTS (SELECT 1 FROM chat_offers o WHERE o.chat_id = c.id) ORDER BY c.id LIMIT $2) \
         SELECT q.id, q.group_id, p.agent_id, p.round FROM queued q \
         LEFT JOIN offer_passes p ON p.chat_id = q.id ORDER BY q.id, p.id",
        id_list(groups)
    ))
    .bind(ChatState::Queued.as_str())
    .bind(limit)
    .fetch_all(&mut *conn)
    .await?;
    let mut queue: Vec<QueuedForOffer> = Vec::new();
    for row in &rows {
        let request: ChatId = row.get("id");
        if queue.last().is_none_or(|q| q.waiting.request != request) {
            let waiting = Waiting { request, group: row.get("group_id"), offered: false, passed: Vec::new() };
            queue.push(QueuedForOffer { waiting, round: 0 });
        }
        // A request no agent was passed over for has one row, its pass columns NULL.
        let (Some(agent), Some(round)) = (row.get::<Option<AgentId>, _>("agent_id"), row.get::<Option<i64>, _>("round"))
        else {
            continue;
        };
        let Some(q) = queue.last_mut() else { continue };
        if round > q.round {
            q.round = round;
            q.waiting.passed.clear();
        }
        if round == q.round {
            q.waiting.passed.push(agent);
        }
    }
    Ok(queue)
}

fn offer_of(row: &sqlx::any::AnyRow) -> Offer {
    Offer { request: row.get("chat_id"), agent: row.get("agent_id"), made_ms: row.get("made_at"), expires_ms: row.get("expires_at") }
}

/// Inside a routing job: decides the pass's offers with `plan` on what of `requests` and
/// `agents` is still free, and writes them (`Store::make_offers`).
pub(super) async fn offers_in(
    conn: &mut AnyConnection,
    out: &mut Vec<PendingEvent>,
    requests: &[ChatId],
    agents: &[AgentId],
    plan: impl Fn(&StillFree) -> Vec<NewOffer>,
    now_ms: i64,
) -> StoreResult<MadeOffers> {
    let free = still_free(conn, requests, agents).await?;
    if free.requests.is_empty() || free.agents.is_empty() {
        return Ok(MadeOffers { planned: 0, made: Vec::new() });
    }
    let planned = plan(&free);
    let made = write_offers(conn, out, &free, &planned, now_ms).await?;
    Ok(MadeOffers { planned: planned.len(), made })
}

/// Of the requests and agents a routing pass read, those still free inside its job: requests
/// still waiting with no offer, agents with none. On PostgreSQL they are also locked, agents
/// first, each in id order, skipping rows another transaction holds (an accept, an end,
/// another node's router): the router never waits for a lock here, so it is never part of a
/// deadlock cycle, which PostgreSQL would break only after `deadlock_timeout` (a second) by
/// failing a batch (found by the two-node routing load). What it skips the next pass decides,
/// which the holder's commit wakes. On SQLite this node's writer is the only one. Then the
/// free agents' loads, read now that their rows are the job's.
async fn still_free(conn: &mut AnyConnection, requests: &[ChatId], agents: &[AgentId]) -> StoreResult<StillFree> {
    let (requests, agents) = free_rows(conn, requests, agents).await?;
    if requests.is_empty() || agents.is_empty() {
        return Ok(StillFree { requests, agents, loads: Vec::new() });
    }
    let loads = routing_loads_in(conn, Some(&agents)).await?;
    Ok(StillFree { requests, agents, loads })
}

/// `still_free`'s requests and agents (locked on PostgreSQL).
async fn free_rows(conn: &mut AnyConnection, requests: &[ChatId], agents: &[AgentId]) -> StoreResult<(Vec<ChatId>, Vec<AgentId>)> {
    if requests.is_empty() || agents.is_empty() {
        return Ok((Vec::new(), Vec::new()));
    }
    let lock = match Backend::of(conn) {
        Backend::Postgres => " FOR UPDATE SKIP LOCKED",
        Backend::Sqlite => "",
    };
    let ordered = |ids: &[i64]| {
        let mut ids = ids.to_vec();
        ids.sort_unstable();
        ids.dedup();
        id_list(&ids)
    };
    let agents: Vec<AgentId> = sqlx::query_scalar(&format!(
        "SELECT a.id FROM agents a WHERE a.id IN ({}) \
         AND NOT EXISTS (SELECT 1 FROM chat_offers o WHERE o.agent_id = a.id) ORDER BY a.id{lock}",
        ordered(agents)
    ))
    .fetch_all(&mut *conn)
    .await?;
    let requests: Vec<ChatId> = sqlx::query_scalar(&format!(
        "SELECT c.id FROM chat_requests c WHERE c.id IN ({}) AND c.state = $1 \
         AND NOT EXISTS (SELECT 1 FROM chat_offers o WHERE o.chat_id = c.id) ORDER BY c.id{lock}",
        ordered(requests)
    ))
    .bind(ChatState::Queued.as_str())
    .fetch_all(&mut *conn)
    .await?;
    if Backend::of(conn) == Backend::Sqlite || requests.is_empty() || agents.is_empty() {
        return Ok((requests, agents));
    }
    // Read the offers again, now that the rows are ours. Each statement above saw the offers
    // committed when it began, but locked rows as they were when it got to them: an offer
    // another node made in between was missed. The accept of that offer deletes it and then
    // waits for our lock on its request, while our insert of an offer of the same request
    // waited for that delete: a deadlock, which PostgreSQL broke after a second (once or twice
    // a run of the two-node routing load). This statement sees every commit up to the locks,
    // and no offer can be added to a row we hold.
    let offered: Vec<(ChatId, AgentId)> = sqlx::query_as(&format!(
        "SELECT chat_id, agent_id FROM chat_offers WHERE chat_id IN ({}) OR agent_id IN ({})",
        id_list(&requests),
        id_list(&agents)
    ))
    .fetch_all(&mut *conn)
    .await?;
    let requests = requests.into_iter().filter(|r| !offered.iter().any(|(c, _)| c == r)).collect();
    let agents = agents.into_iter().filter(|a| !offered.iter().any(|(_, b)| b == a)).collect();
    Ok((requests, agents))
}

/// Writes the planned offers that still hold, in the same few statements however many there
/// are (a routing job is part of every freed agent's wait): each request still waits in the
/// planned group (read with its group's settings), each agent has no offer and is below their
/// capacity by the load read after their row was locked (`StillFree::loads`), and of several
/// planned for one request or one agent the first is made, as the table's keys would decide.
/// The rows are this job's (`still_free`), so nothing read here changes before it commits.
async fn write_offers(
    conn: &mut AnyConnection,
    out: &mut Vec<PendingEvent>,
    free: &StillFree,
    planned: &[NewOffer],
    now_ms: i64,
) -> StoreResult<Vec<Offer>> {
    let ids: Vec<ChatId> = planned.iter().map(|p| p.request).collect();
    let chats = chats_with_settings_in(conn, &ids).await?;
    let mut offers: Vec<(Offer, i64, &ChatRequest)> = Vec::new();
    for new in planned {
        let Some((chat, settings)) = chats.iter().find(|(c, _)| c.id == new.request) else { continue };
        let Some(load) = free.loads.iter().find(|l| l.agent == new.agent) else { continue };
        let holds = chat.state == ChatState::Queued
            && chat.group.id == new.group
            && !load.offered
            && load.load.has_room_in(settings)
            && !offers.iter().any(|(o, ..)| o.request == new.request || o.agent == new.agent);
        if holds {
            offers.push((Offer::new(new.request, new.agent, now_ms, new.timeout_ms), new.round, chat));
        }
    }
    if offers.is_empty() {
        return Ok(Vec::new());
    }
    // Integers only: inlined, one statement for them all.
    let values: Vec<String> =
        offers.iter().map(|(o, round, _)| format!("({}, {}, {round}, {}, {})", o.request, o.agent, o.made_ms, o.expires_ms)).collect();
    let inserted: Vec<ChatId> = sqlx::query_scalar(&format!(
        "INSERT INTO chat_offers (chat_id, agent_id, round, made_at, expires_at) VALUES {} ON CONFLICT DO NOTHING RETURNING chat_id",
        values.join(", ")
    ))
    .fetch_all(&mut *conn)
    .await?;
    offers.retain(|(o, ..)| inserted.contains(&o.request));
    let due: Vec<(i64, i64)> = offers.iter().map(|(o, ..)| (o.request, o.expires_ms)).collect();
    schedule_all(conn, DeadlineKind::OfferExpires, &due).await?;
    for (offer, _, chat) in &offers {
        let event = ChatEvent::Offered { request: (*chat).clone(), agent: offer.agent, made_ms: offer.made_ms, expires_ms: offer.expires_ms };
        append(out, Audience::of(&event, chat, Reach::AgentsOnly), event, now_ms);
    }
    Ok(offers.into_iter().map(|(o, ..)| o).collect())
}

/// Settles `chat`'s open offer inside a job (see `Store::settle_offer`); the scheduler's
/// deadline comes here too.
pub(super) async fn settle_in(
    conn: &mut AnyConnection,
    out: &mut Vec<PendingEvent>,
    chat: ChatId,
    event: OfferEvent,
    now_ms: i64,
) -> StoreResult<Option<Result<OfferOutcome, routing::OfferRefusal>>> {
    let row = sqlx::query("SELECT chat_id, agent_id, round, made_at, expires_at FROM chat_offers WHERE chat_id = $1")
        .bind(chat)
        .fetch_optional(&mut *conn)
        .await?;
    let Some(row) = row else { return Ok(None) };
    let offer = offer_of(&row);
    let round: i64 = row.get("round");
    let outcome = match routing::settle(&offer, event, now_ms) {
        Ok(outcome) => outcome,
        Err(refusal) => return Ok(Some(Err(refusal))),
    };
    if let OfferOutcome::MoveOn(agent, passed) = outcome {
        sqlx::query("DELETE FROM chat_offers WHERE chat_id = $1 AND agent_id = $2").bind(chat).bind(agent).execute(&mut *conn).await?;
        sqlx::query("INSERT INTO offer_passes (chat_id, agent_id, round, outcome, at) VALUES ($1, $2, $3, $4, $5)")
            .bind(chat)
            .bind(agent)
            .bind(round)
            .bind(passed.as_str())
            .bind(now_ms)
            .execute(&mut *conn)
            .await?;
        let request = chat_in(conn, chat).await?;
        let ended = ChatEvent::OfferEnded { chat_id: chat, agent, outcome: passed };
        append(out, Audience::of(&ended, &request, Reach::AgentsOnly), ended, now_ms);
    }
    Ok(Some(Ok(outcome)))
}

/// Inside the accept of an offered request, before the chat changes: the offer decided on
/// (`Desk::accept` asked `routing::may_pick_up`) ends with it. `Conflict` if it is no longer
/// the one open: it expired or moved on meanwhile, on this node or another.
pub(super) async fn take_offer(conn: &mut AnyConnection, offer: &Offer) -> StoreResult<()> {
    let taken = sqlx::query("DELETE FROM chat_offers WHERE chat_id = $1 AND agent_id = $2 AND made_at = $3")
        .bind(offer.request)
        .bind(offer.agent)
        .bind(offer.made_ms)
        .execute(&mut *conn)
        .await?;
    match taken.rows_affected() {
        1 => Ok(()),
        _ => Err(StoreError::Conflict),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ssr::scheduler::Scheduler;
    use crate::ssr::store::test_support::{agent_in, form, group_with_agent, TempDb};
    use std::sync::Arc;

    fn new_offer(request: ChatId, group: GroupId, agent: AgentId, round: i64) -> NewOffer {
        NewOffer { request, group, agent, round, timeout_ms: 30_000 }
    }

    /// Makes `planned` as a pass that decided them would: those whose request and agent are
    /// still free.
    async fn offer(store: &Store, planned: Vec<NewOffer>, now_ms: i64) -> StoreResult<Vec<Offer>> {
        let requests = planned.iter().map(|p| p.request).collect();
        let agents = planned.iter().map(|p| p.agent).collect();
        let plan = move |free: &StillFree| -> Vec<NewOffer> {
            planned.iter().filter(|p| free.requests.contains(&p.request) && free.agents.contains(&p.agent)).copied().collect()
        };
        Ok(store.make_offers(requests, agents, plan, now_ms).await?.made)
    }

    /// A group with Alice and Bob, and two requests waiting in it.
    async fn two_agents_two_waiting(store: &Store) -> (GroupId, crate::model::AgentCard, crate::model::AgentCard, crate::model::ChatRequest, crate::model::ChatRequest) {
        let (group, alice) = group_with_agent(store).await;
        let bob = agent_in(store, group, "bob@x.test", "Bob").await;
        let one = store.create_chat(&form(group, 0), "t-1", 0, None).await.unwrap();
        let two = store.create_chat(&form(group, 1), "t-2", 0, None).await.unwrap();
        (group, alice, bob, one, two)
    }

    #[tokio::test]
    async fn one_offer_per_request_and_per_agent_and_every_pass_is_kept_with_the_request() {
        let db = TempDb::new();
        let store = db.open().await;
        let (group, alice, bob, one, two) = two_agents_two_waiting(&store).await;

        // Two routers deciding the same, or the same agent twice: only the first holds.
        let planned = vec![new_offer(one.id, group, alice.id, 0), new_offer(one.id, group, bob.id, 0), new_offer(two.id, group, alice.id, 0)];
        let made = offer(&store, planned, 1_000).await.unwrap();
        assert_eq!(made, [Offer::new(one.id, alice.id, 1_000, 30_000)]);
        assert_eq!(store.open_offer(one.id).await.unwrap().map(|o| o.agent), Some(alice.id));
        assert_eq!(store.offer_for(bob.id, 1_000).await.unwrap(), None);

        // A decline by someone else is refused; hers moves it on and is recorded.
        let refused = store.settle_offer(one.id, OfferEvent::Declined { by: bob.id }, 2_000).await.unwrap();
        assert_eq!(refused, Some(Err(routing::OfferRefusal::NotYours)));
        let declined = store.settle_offer(one.id, OfferEvent::Declined { by: alice.id }, 2_000).await.unwrap();
        assert_eq!(declined, Some(Ok(OfferOutcome::MoveOn(alice.id, PassedOver::Declined))));
        assert_eq!(store.settle_offer(one.id, OfferEvent::Declined { by: alice.id }, 2_000).await.unwrap(), None, "once");

        // Bob's, ignored: the deadline moves it on (the scheduler, on a given time).
        offer(&store, vec![new_offer(one.id, group, bob.id, 0)], 3_000).await.unwrap();
        let scheduler = Scheduler::new(store.clone(), Arc::new(crate::ssr::desk::ManualClock::at(0)));
        assert_eq!(scheduler.fire_due(32_999).await.unwrap(), 0, "not before its time");
        assert_eq!(scheduler.fire_due(33_000).await.unwrap(), 1);
        assert_eq!(store.open_offer(one.id).await.unwrap(), None);

        let history = store.offer_history(one.id).await.unwrap();
        let seen: Vec<_> = history.iter().map(|p| (p.agent, p.outcome, p.round, p.at_ms)).collect();
        assert_eq!(seen, [(alice.id, PassedOver::Declined, 0, 2_000), (bob.id, PassedOver::TimedOut, 0, 33_000)]);
        let queue = store.offer_queue(&[group], 10).await.unwrap();
        assert_eq!(queue[0].waiting.passed, [alice.id, bob.id], "both passed over in this round");
        assert_eq!(queue[1].waiting, Waiting { request: two.id, group, offered: false, passed: vec![] });
        // One offered now is not read: the next free agent finds the next request.
        offer(&store, vec![new_offer(one.id, group, bob.id, 0)], 34_000).await.unwrap();
        let queue = store.offer_queue(&[group], 1).await.unwrap();
        assert_eq!(queue.iter().map(|q| q.waiting.request).collect::<Vec<_>>(), [two.id]);
        store.settle_offer(one.id, OfferEvent::Declined { by: bob.id }, 35_000).await.unwrap();

        // A new round forgets the old one's passes.
        offer(&store, vec![new_offer(one.id, group, alice.id, 1)], 40_000).await.unwrap();
        store.settle_offer(one.id, OfferEvent::AgentLeft { agent: alice.id }, 41_000).await.unwrap();
        let queue = store.offer_queue(&[group], 10).await.unwrap();
        assert_eq!((queue[0].round, queue[0].waiting.passed.clone()), (1, vec![alice.id]));
        let outcomes: Vec<_> = store.offer_history(one.id).await.unwrap().iter().map(|p| p.outcome).collect();
        let expected = [PassedOver::Declined, PassedOver::TimedOut, PassedOver::Declined, PassedOver::GaveBack];
        assert_eq!(outcomes, expected);
    }

    #[tokio::test]
    async fn a_pass_decides_on_what_is_still_free_when_its_job_runs() {
        let db = TempDb::new();
        let store = db.open().await;
        let (group, alice, bob, one, two) = two_agents_two_waiting(&store).await;
        // Read by a pass with both free; meanwhile another offered the first to Alice.
        offer(&store, vec![new_offer(one.id, group, alice.id, 0)], 1_000).await.unwrap();
        let seen = std::sync::Arc::new(std::sync::Mutex::new(StillFree::default()));
        let plan = {
            let seen = seen.clone();
            move |free: &StillFree| {
                *seen.lock().unwrap() = free.clone();
                free.requests.iter().zip(&free.agents).map(|(r, a)| new_offer(*r, group, *a, 0)).collect::<Vec<_>>()
            }
        };
        let done = store.make_offers(vec![one.id, two.id], vec![alice.id, bob.id], plan, 2_000).await.unwrap();
        let seen = seen.lock().unwrap().clone();
        assert_eq!((seen.requests, seen.agents), (vec![two.id], vec![bob.id]));
        assert_eq!(seen.loads.iter().map(|l| l.agent).collect::<Vec<_>>(), [bob.id], "read once free");
        assert_eq!((done.planned, done.made), (1, vec![Offer::new(two.id, bob.id, 2_000, 30_000)]), "the next one, not lost");
    }

    #[tokio::test]
    async fn an_offer_counts_against_capacity_and_ends_with_its_request() {
        let db = TempDb::new();
        let store = db.open().await;
        let (group, alice) = group_with_agent(&store).await;
        let settings = crate::model::GroupSettings { max_chats: Some(1), ..Default::default() };
        store.save_group_settings(group, settings, super::super::Actor { agent: None, now_ms: 0 }).await.unwrap();
        let one = store.create_chat(&form(group, 0), "t-1", 0, None).await.unwrap();
        let two = store.create_chat(&form(group, 1), "t-2", 0, None).await.unwrap();
        offer(&store, vec![new_offer(one.id, group, alice.id, 0)], 1_000).await.unwrap();
        // Her offer fills her one place: she cannot pick up another meanwhile.
        let refused = store.accept(&two, &alice, None, None, 2_000).await;
        assert!(matches!(refused, Err(StoreError::AtCapacity(1))), "{refused:?}");
        // Taking the offered one is within it, and ends the offer.
        let offer = store.open_offer(one.id).await.unwrap();
        store.accept(&one, &alice, offer, None, 2_000).await.unwrap();
        assert_eq!(store.open_offer(one.id).await.unwrap(), None);
        // An offer that expired meanwhile is not taken (with room for it: no maximum now).
        store.save_group_settings(group, Default::default(), super::super::Actor { agent: None, now_ms: 0 }).await.unwrap();
        let stale = Offer::new(two.id, alice.id, 1_000, 30_000);
        assert!(matches!(store.accept(&two, &alice, Some(stale), None, 2_000).await, Err(StoreError::Conflict)));
    }
}
