//! Routing (issue 17): in an *auto-assign* group the desk offers each waiting request to one
//! agent at a time, who accepts or declines; an offer nobody answers moves on. *Pickup* groups
//! keep first-Accept-wins. Pure: the desk gathers the group's agents and the request's offer
//! history, asks here, then writes (the store makes "one open offer per request" hold across
//! nodes). Times are milliseconds from the desk's clock seam.

pub use crate::model::{PassedOver, RoutingMode};
use crate::model::{AgentId, ChatId, GroupId, GroupSettings, Presence};
#[cfg(test)]
use crate::model::BusinessHours;

/// How many chats an agent may hold at once when taking one of a group's: their own maximum if
/// an admin set one, else the group's default; `None` when neither is set (no limit, as the
/// seeds' desk has).
pub fn capacity(agent_maximum: Option<u32>, group_default: Option<u32>) -> Option<u32> {
    agent_maximum.or(group_default)
}

/// The chats that count toward an agent's capacity in a group: those they hold, and those they
/// take part in as a guest if the group counts them.
pub fn counted_chats(held: u32, as_guest: u32, count_guest_chats: bool) -> u32 {
    held + if count_guest_chats { as_guest } else { 0 }
}

/// Whether an agent holding `held` chats (guest chats included if the group counts them) may
/// take one more. Asked inside the write that would give it (accept, transfer), so that
/// concurrent ones cannot pass it together.
pub fn may_take(held: u32, capacity: Option<u32>) -> bool {
    capacity.is_none_or(|max| held < max)
}

/// What counts toward an agent's capacity, whichever group asks: their own maximum, the chats
/// they hold and those they take part in as a guest. Each group weighs it with its settings
/// (`chats_in`, `capacity_in`, `has_room_in`): the accept's check, routing, the monitor's board.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Load {
    pub max_chats: Option<u32>,
    pub held: u32,
    pub as_guest: u32,
}

impl Load {
    /// The chats that count in a group with `settings` (`counted_chats`).
    pub fn chats_in(&self, settings: &GroupSettings) -> u32 {
        counted_chats(self.held, self.as_guest, settings.count_guest_chats)
    }

    /// Their capacity in a group with `settings` (`capacity`); `None`: no limit.
    pub fn capacity_in(&self, settings: &GroupSettings) -> Option<u32> {
        capacity(self.max_chats, settings.max_chats)
    }

    /// Whether they may take one more chat of a group with `settings` (`may_take`).
    pub fn has_room_in(&self, settings: &GroupSettings) -> bool {
        may_take(self.chats_in(settings), self.capacity_in(settings))
    }
}

/// An agent of one group, as routing sees them (an agent of two groups is two candidates,
/// since the group decides their capacity).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Candidate {
    pub agent: AgentId,
    pub group: GroupId,
    pub presence: Presence,
    /// Chats the agent holds now (guest chats included if the group counts them).
    pub chats: u32,
    pub capacity: Option<u32>,
    /// The agent has an offer open: one at a time, and it counts against their capacity.
    pub offered: bool,
    /// When the agent last took a chat (accepted it, or was assigned it; 0: never): the longer
    /// ago, the sooner they are offered the next.
    pub idle_since_ms: i64,
}

impl Candidate {
    /// Online (not away, not offline), with no offer open, and below capacity.
    pub fn eligible(&self) -> bool {
        self.presence == Presence::Online && !self.offered && may_take(self.chats, self.capacity)
    }
}

/// Who gets the next offer of a request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Pick {
    pub agent: AgentId,
    /// Every eligible agent had been passed over in this round, so a new one begins (the
    /// request keeps waiting for someone rather than for nobody).
    pub new_round: bool,
}

/// The agent to offer a request to next: among the eligible, those not passed over in this
/// round (`passed`, oldest first), fewest chats first, then longest idle, then lowest id (so
/// every node decides alike). When all eligible agents were passed over, a new round begins
/// with all of them except the last one passed over, unless they are the only one.
pub fn next_agent(candidates: &[Candidate], passed: &[AgentId]) -> Option<Pick> {
    let best = |allowed: &dyn Fn(AgentId) -> bool| {
        candidates
            .iter()
            .filter(|c| c.eligible() && allowed(c.agent))
            .min_by_key(|c| (c.chats, c.idle_since_ms, c.agent))
            .map(|c| c.agent)
    };
    if let Some(agent) = best(&|a| !passed.contains(&a)) {
        return Some(Pick { agent, new_round: false });
    }
    let last = passed.last().copied();
    best(&|a| Some(a) != last).or_else(|| best(&|_| true)).map(|agent| Pick { agent, new_round: true })
}

/// A request offered to one agent, open until answered or until it expires.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Offer {
    pub request: ChatId,
    pub agent: AgentId,
    pub made_ms: i64,
    pub expires_ms: i64,
}

impl Offer {
    pub fn new(request: ChatId, agent: AgentId, now_ms: i64, timeout_ms: i64) -> Offer {
        Offer { request, agent, made_ms: now_ms, expires_ms: now_ms.saturating_add(timeout_ms.max(0)) }
    }

    /// Seconds left for the console's countdown (0 once expired).
    pub fn seconds_left(&self, now_ms: i64) -> i64 {
        ((self.expires_ms - now_ms).max(0) + 999) / 1000
    }
}

/// What happened to an open offer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OfferEvent {
    Accepted {
        by: AgentId,
    },
    Declined {
        by: AgentId,
    },
    /// The deadline fired (the scheduler, on the clock seam).
    Deadline,
    /// The agent went offline or away.
    AgentLeft {
        agent: AgentId,
    },
}

/// How an offer ends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OfferOutcome {
    /// The agent took the request: it leaves the queue as by Accept.
    Taken(AgentId),
    /// The request stays in its place and goes to the next agent.
    MoveOn(AgentId, PassedOver),
    /// Not this offer's business (another agent's answer, an early deadline): nothing changes.
    Stands,
}

/// Why an answer to an offer is refused; worded for the agent who answered.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize, thiserror::Error)]
pub enum OfferRefusal {
    #[error("This chat was offered to someone else.")]
    NotYours,
    #[error("The time to answer this offer ran out; it went to a colleague.")]
    Expired,
    #[error("The desk offers this group's requests to one agent at a time, and this one is not offered to you.")]
    NotOffered,
}

/// Whether an agent may take a waiting request by Accept: in a pickup group anyone of it may
/// (first wins); in an auto-assign group only the agent it is offered to, before the offer
/// expires (`offer`: the request's open offer, if any).
pub fn may_pick_up(mode: RoutingMode, offer: Option<&Offer>, by: AgentId, now_ms: i64) -> Result<(), OfferRefusal> {
    match (mode, offer) {
        (RoutingMode::Pickup, _) => Ok(()),
        (RoutingMode::AutoAssign, None) => Err(OfferRefusal::NotOffered),
        (RoutingMode::AutoAssign, Some(offer)) => match settle(offer, OfferEvent::Accepted { by }, now_ms)? {
            OfferOutcome::Taken(_) => Ok(()),
            OfferOutcome::MoveOn(..) | OfferOutcome::Stands => Err(OfferRefusal::NotOffered),
        },
    }
}

/// Settles an open offer at `now_ms`. An answer at or after the deadline is too late (the
/// deadline may not have fired yet on this node), so the request is never taken by two.
pub fn settle(offer: &Offer, event: OfferEvent, now_ms: i64) -> Result<OfferOutcome, OfferRefusal> {
    let expired = now_ms >= offer.expires_ms;
    match event {
        OfferEvent::Accepted { by } | OfferEvent::Declined { by } if by != offer.agent => Err(OfferRefusal::NotYours),
        OfferEvent::Accepted { .. } | OfferEvent::Declined { .. } if expired => Err(OfferRefusal::Expired),
        OfferEvent::Accepted { by } => Ok(OfferOutcome::Taken(by)),
        OfferEvent::Declined { by } => Ok(OfferOutcome::MoveOn(by, PassedOver::Declined)),
        OfferEvent::Deadline if expired => Ok(OfferOutcome::MoveOn(offer.agent, PassedOver::TimedOut)),
        OfferEvent::Deadline => Ok(OfferOutcome::Stands),
        OfferEvent::AgentLeft { agent } if agent == offer.agent => Ok(OfferOutcome::MoveOn(agent, PassedOver::GaveBack)),
        OfferEvent::AgentLeft { .. } => Ok(OfferOutcome::Stands),
    }
}

/// A request waiting in an auto-assign group, as routing sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Waiting {
    pub request: ChatId,
    pub group: GroupId,
    /// Offered to someone right now: not offered to a second agent meanwhile.
    pub offered: bool,
    /// Agents passed over for it in this round, oldest first.
    pub passed: Vec<AgentId>,
}

/// An offer routing decided to make.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Planned {
    pub request: ChatId,
    pub group: GroupId,
    pub pick: Pick,
}

/// The offers to make now: the waiting requests (`waiting`, queue order, oldest first) each go
/// to their group's next agent (`next_agent`), oldest first, each agent getting at most one; it
/// stops when nobody eligible is left. A request whose every eligible agent passed it over
/// starts a new round only after the requests someone has not passed over yet were given out,
/// so an agent who let one go gets another before that one comes back. One function for every
/// moment routing runs: a request arrives (it gets a free agent), an agent becomes free (they
/// get the oldest request of their groups), an offer ends (the request goes on to the next).
pub fn plan_offers(waiting: &[Waiting], candidates: &[Candidate]) -> Vec<Planned> {
    let mut candidates = candidates.to_vec();
    let mut planned: Vec<Planned> = Vec::new();
    for new_rounds in [false, true] {
        for w in waiting.iter().filter(|w| !w.offered) {
            if !candidates.iter().any(Candidate::eligible) {
                return planned;
            }
            if planned.iter().any(|p| p.request == w.request) {
                continue;
            }
            let of_group: Vec<Candidate> = candidates.iter().filter(|c| c.group == w.group).cloned().collect();
            match next_agent(&of_group, &w.passed) {
                Some(pick) if new_rounds || !pick.new_round => {
                    for c in candidates.iter_mut().filter(|c| c.agent == pick.agent) {
                        c.offered = true;
                    }
                    planned.push(Planned { request: w.request, group: w.group, pick });
                }
                _ => {}
            }
        }
    }
    planned
}

/// Why the widget offers to leave a message instead of starting a live chat.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum NoLiveChat {
    OutsideHours,
    NobodyOnline,
    /// The estimated wait is above the limit the admin set.
    WaitTooLong {
        minutes: u32,
    },
}

/// What the desk knows of a group when a request for it arrives.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GroupNow {
    /// Within its business hours (or it has none).
    pub open: bool,
    /// Its agents online, if counted (`counts_agents_online`: only when the settings ask).
    pub agents_online: Option<usize>,
    /// The wait a new request would have (`WaitPace::minutes_for` its place), if known.
    pub estimate_minutes: Option<u32>,
}

/// Whether `live_chat` needs a group's online agents counted under these settings (the desk
/// reads only what the decision needs).
pub fn counts_agents_online(settings: &GroupSettings) -> bool {
    settings.leave_message_when_nobody_online
}

/// Whether a group's agents see its offline requests in the console: where the admin wants it.
/// Whatever the hours: left while the group was closed, they are there when it opens — also in a
/// console opened before the opening minute, which a rule on "open now" would leave empty until
/// reloaded — and an agent at work outside the hours may take them early.
pub fn lists_offline_requests(settings: &GroupSettings) -> bool {
    settings.offline_requests_in_console
}

/// Whether `live_chat` needs the wait estimate under these settings.
pub fn needs_estimate(settings: &GroupSettings) -> bool {
    settings.wait_limit_minutes.is_some()
}

/// Whether a new request to a group can be a live chat now: the group is open; someone of it is
/// online, if the admin wants that; and the estimated wait is within the admin's limit, if set.
/// An unknown estimate is not held against the end user. Otherwise the widget offers to leave a
/// message, saying why.
pub fn live_chat(settings: &GroupSettings, now: GroupNow) -> Result<(), NoLiveChat> {
    if !now.open {
        return Err(NoLiveChat::OutsideHours);
    }
    if counts_agents_online(settings) && now.agents_online == Some(0) {
        return Err(NoLiveChat::NobodyOnline);
    }
    match (now.estimate_minutes, settings.wait_limit_minutes) {
        (Some(minutes), Some(limit)) if minutes > limit => Err(NoLiveChat::WaitTooLong { minutes }),
        _ => Ok(()),
    }
}

/// How far back the wait estimate looks, and how many pickups it needs there to say anything.
pub const ESTIMATE_WINDOW_MS: i64 = 30 * 60 * 1000;
pub const ESTIMATE_MIN_PICKUPS: usize = 3;

/// How fast a group's agents took requests lately: `pickups` accepts over `span_ms`. Sent to the
/// widget with the chat, which turns it into minutes for its place as the place moves.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct WaitPace {
    pub pickups: u32,
    pub span_ms: i64,
}

/// The pace of the pickups (accept times) of the last `ESTIMATE_WINDOW_MS`; `None` when there
/// were too few to tell: the widget then shows only the place, never a number the desk has no
/// data for.
pub fn wait_pace(pickups_ms: &[i64], now_ms: i64) -> Option<WaitPace> {
    let since = now_ms - ESTIMATE_WINDOW_MS;
    let recent = pickups_ms.iter().copied().filter(|&t| t > since && t <= now_ms);
    let (count, first) = recent.fold((0usize, now_ms), |(n, first), t| (n + 1, first.min(t)));
    if count < ESTIMATE_MIN_PICKUPS {
        return None;
    }
    // The span the pickups cover (not the whole window: a desk that just opened is not slow),
    // at least a minute so a burst does not promise seconds.
    Some(WaitPace { pickups: count as u32, span_ms: (now_ms - first).max(60_000) })
}

impl WaitPace {
    /// About how long an end user at `place` (1 = next) waits, in whole minutes (at least 1):
    /// `place` requests at the recent rate.
    pub fn minutes_for(self, place: u32) -> Option<u32> {
        if place == 0 || self.pickups == 0 {
            return None;
        }
        let ms = u64::from(place) * self.span_ms.max(0) as u64 / u64::from(self.pickups);
        Some(ms.div_ceil(60_000).max(1) as u32)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `wait_pace` and `minutes_for` in one, as the desk and the widget use them.
    fn wait_estimate_minutes(place: u32, pickups_ms: &[i64], now_ms: i64) -> Option<u32> {
        wait_pace(pickups_ms, now_ms)?.minutes_for(place)
    }

    fn agent(agent: AgentId, chats: u32, idle_since_ms: i64) -> Candidate {
        Candidate { agent, group: 5, presence: Presence::Online, chats, capacity: Some(3), offered: false, idle_since_ms }
    }

    #[test]
    fn an_agents_own_maximum_overrides_the_groups_default() {
        assert_eq!(capacity(None, Some(3)), Some(3));
        assert_eq!(capacity(Some(5), Some(3)), Some(5));
        assert_eq!(capacity(Some(0), Some(3)), Some(0));
        assert_eq!(capacity(Some(2), None), Some(2));
        assert_eq!(capacity(None, None), None, "no limit unless an admin sets one");
    }

    #[test]
    fn guest_chats_count_only_where_the_group_says_so() {
        assert_eq!(counted_chats(2, 3, false), 2);
        assert_eq!(counted_chats(2, 3, true), 5);
    }

    #[test]
    fn a_load_is_weighed_by_each_groups_settings() {
        let load = Load { max_chats: None, held: 1, as_guest: 1 };
        let counting = GroupSettings { max_chats: Some(2), count_guest_chats: true, ..GroupSettings::default() };
        let not_counting = GroupSettings { max_chats: Some(2), count_guest_chats: false, ..GroupSettings::default() };
        assert_eq!((load.chats_in(&counting), load.capacity_in(&counting), load.has_room_in(&counting)), (2, Some(2), false));
        assert_eq!((load.chats_in(&not_counting), load.has_room_in(&not_counting)), (1, true));
        let own = Load { max_chats: Some(3), ..load };
        assert_eq!((own.capacity_in(&counting), own.has_room_in(&counting)), (Some(3), true), "their own maximum first");
        assert!(Load { held: 40, ..Load::default() }.has_room_in(&GroupSettings::default()), "no limit unless one is set");
    }

    #[test]
    fn an_agent_takes_another_chat_only_below_their_capacity() {
        assert!(may_take(0, Some(1)));
        assert!(!may_take(1, Some(1)));
        assert!(!may_take(4, Some(3)), "over already (a maximum lowered meanwhile)");
        assert!(!may_take(0, Some(0)), "a maximum of 0 takes none");
        assert!(may_take(250, None));
    }

    #[test]
    fn only_online_agents_below_capacity_are_eligible() {
        assert!(agent(1, 2, 0).eligible());
        assert!(!agent(1, 3, 0).eligible(), "at capacity");
        assert!(!Candidate { capacity: Some(0), ..agent(1, 0, 0) }.eligible(), "a maximum of 0 takes none");
        assert!(Candidate { capacity: None, ..agent(1, 40, 0) }.eligible(), "no limit set");
        assert!(!Candidate { presence: Presence::Away, ..agent(1, 0, 0) }.eligible());
        assert!(!Candidate { presence: Presence::Offline, ..agent(1, 0, 0) }.eligible());
        assert!(!Candidate { offered: true, ..agent(1, 0, 0) }.eligible(), "one offer at a time");
    }

    #[test]
    fn the_agent_with_fewest_chats_is_offered_first_then_the_longest_idle_then_the_lowest_id() {
        let team = [agent(1, 2, 100), agent(2, 1, 500), agent(3, 1, 200)];
        assert_eq!(next_agent(&team, &[]), Some(Pick { agent: 3, new_round: false }));
        let tied = [agent(7, 1, 200), agent(4, 1, 200)];
        assert_eq!(next_agent(&tied, &[]).map(|p| p.agent), Some(4));
    }

    #[test]
    fn ineligible_agents_are_never_offered_a_request() {
        let team = [
            Candidate { presence: Presence::Away, ..agent(1, 0, 0) },
            agent(2, 3, 0),
            Candidate { presence: Presence::Offline, ..agent(3, 0, 0) },
        ];
        assert_eq!(next_agent(&team, &[]), None);
        assert_eq!(next_agent(&[], &[]), None);
    }

    #[test]
    fn agents_passed_over_wait_until_everyone_eligible_had_the_offer() {
        let team = [agent(1, 0, 0), agent(2, 0, 10), agent(3, 0, 20)];
        assert_eq!(next_agent(&team, &[1]).map(|p| p.agent), Some(2));
        assert_eq!(next_agent(&team, &[1, 2]).map(|p| p.agent), Some(3));
        // A new round, but not straight back to the one who just let it go.
        assert_eq!(next_agent(&team, &[1, 2, 3]), Some(Pick { agent: 1, new_round: true }));
        assert_eq!(next_agent(&team, &[2, 3, 1]), Some(Pick { agent: 2, new_round: true }));
    }

    #[test]
    fn the_only_eligible_agent_is_offered_again_in_a_new_round() {
        let team = [agent(1, 0, 0), Candidate { presence: Presence::Away, ..agent(2, 0, 0) }];
        assert_eq!(next_agent(&team, &[1]), Some(Pick { agent: 1, new_round: true }));
    }

    #[test]
    fn an_offer_runs_for_its_timeout_and_counts_down_in_whole_seconds() {
        let offer = Offer::new(10, 1, 1_000, 30_000);
        assert_eq!(offer.expires_ms, 31_000);
        assert_eq!(offer.seconds_left(1_000), 30);
        assert_eq!(offer.seconds_left(30_001), 1);
        assert_eq!(offer.seconds_left(31_000), 0);
        assert_eq!(offer.seconds_left(99_000), 0);
        assert_eq!(Offer::new(10, 1, 1_000, -5).expires_ms, 1_000, "a negative timeout is none");
    }

    #[test]
    fn the_offered_agent_accepts_or_declines_before_the_deadline() {
        let offer = Offer::new(10, 1, 0, 30_000);
        assert_eq!(settle(&offer, OfferEvent::Accepted { by: 1 }, 29_999), Ok(OfferOutcome::Taken(1)));
        assert_eq!(settle(&offer, OfferEvent::Declined { by: 1 }, 5), Ok(OfferOutcome::MoveOn(1, PassedOver::Declined)));
    }

    #[test]
    fn nobody_else_can_answer_an_offer_and_a_late_answer_is_refused() {
        let offer = Offer::new(10, 1, 0, 30_000);
        assert_eq!(settle(&offer, OfferEvent::Accepted { by: 2 }, 5), Err(OfferRefusal::NotYours));
        assert_eq!(settle(&offer, OfferEvent::Declined { by: 2 }, 5), Err(OfferRefusal::NotYours));
        // At the deadline the offer is over even if its timer has not fired on this node yet.
        assert_eq!(settle(&offer, OfferEvent::Accepted { by: 1 }, 30_000), Err(OfferRefusal::Expired));
        assert_eq!(settle(&offer, OfferEvent::Declined { by: 1 }, 40_000), Err(OfferRefusal::Expired));
    }

    #[test]
    fn an_ignored_offer_moves_on_at_its_deadline_and_not_before() {
        let offer = Offer::new(10, 1, 0, 30_000);
        assert_eq!(settle(&offer, OfferEvent::Deadline, 29_999), Ok(OfferOutcome::Stands));
        assert_eq!(settle(&offer, OfferEvent::Deadline, 30_000), Ok(OfferOutcome::MoveOn(1, PassedOver::TimedOut)));
    }

    #[test]
    fn an_agent_who_leaves_gives_their_offer_back() {
        let offer = Offer::new(10, 1, 0, 30_000);
        assert_eq!(settle(&offer, OfferEvent::AgentLeft { agent: 1 }, 5), Ok(OfferOutcome::MoveOn(1, PassedOver::GaveBack)));
        assert_eq!(settle(&offer, OfferEvent::AgentLeft { agent: 2 }, 5), Ok(OfferOutcome::Stands));
    }

    fn waiting(request: ChatId, group: GroupId, offered: bool, passed: &[AgentId]) -> Waiting {
        Waiting { request, group, offered, passed: passed.to_vec() }
    }

    fn planned(plan: &[Planned]) -> Vec<(ChatId, AgentId)> {
        plan.iter().map(|p| (p.request, p.pick.agent)).collect()
    }

    #[test]
    fn an_agent_who_becomes_free_is_offered_the_oldest_request_of_their_groups() {
        let queue = [waiting(1, 9, false, &[]), waiting(2, 5, false, &[]), waiting(3, 5, false, &[])];
        assert_eq!(planned(&plan_offers(&queue, &[agent(7, 0, 0)])), [(2, 7)]);
        let in_both = [agent(7, 0, 0), Candidate { group: 9, ..agent(7, 0, 0) }];
        assert_eq!(planned(&plan_offers(&queue, &in_both)), [(1, 7)], "the oldest of all their groups");
        assert_eq!(plan_offers(&queue, &[Candidate { group: 4, ..agent(7, 0, 0) }]), [], "not their group");
    }

    #[test]
    fn a_request_already_offered_or_passed_over_by_them_is_skipped() {
        let queue = [waiting(1, 5, true, &[]), waiting(2, 5, false, &[7]), waiting(3, 5, false, &[8])];
        assert_eq!(planned(&plan_offers(&queue, &[agent(7, 0, 0)])), [(3, 7)]);
        assert_eq!(planned(&plan_offers(&queue, &[agent(8, 0, 0)])), [(2, 8)]);
        // Passed over by the only eligible agent: a new round offers it to them again.
        let plan = plan_offers(&queue[..2], &[agent(7, 0, 0)]);
        assert_eq!(plan, [Planned { request: 2, group: 5, pick: Pick { agent: 7, new_round: true } }]);
    }

    #[test]
    fn each_agent_gets_one_offer_and_requests_go_oldest_first_to_the_freest() {
        let queue = [waiting(1, 5, false, &[]), waiting(2, 5, false, &[]), waiting(3, 5, false, &[])];
        let team = [agent(7, 2, 0), agent(8, 0, 50), agent(9, 0, 10)];
        assert_eq!(planned(&plan_offers(&queue, &team)), [(1, 9), (2, 8), (3, 7)]);
        let two = [agent(8, 0, 0), agent(9, 3, 0)];
        assert_eq!(planned(&plan_offers(&queue, &two)), [(1, 8)], "9 is at capacity; 8 has one offer at a time");
        let busy = [Candidate { offered: true, ..agent(8, 0, 0) }];
        assert_eq!(plan_offers(&queue, &busy), [], "an agent with an offer open gets no second");
    }

    #[test]
    fn only_the_offered_agent_picks_up_in_an_auto_assign_group() {
        let offer = Offer::new(10, 1, 0, 30_000);
        assert_eq!(may_pick_up(RoutingMode::Pickup, None, 2, 5), Ok(()));
        assert_eq!(may_pick_up(RoutingMode::Pickup, Some(&offer), 2, 5), Ok(()), "pickup groups: first Accept wins");
        assert_eq!(may_pick_up(RoutingMode::AutoAssign, Some(&offer), 1, 5), Ok(()));
        assert_eq!(may_pick_up(RoutingMode::AutoAssign, Some(&offer), 2, 5), Err(OfferRefusal::NotYours));
        assert_eq!(may_pick_up(RoutingMode::AutoAssign, Some(&offer), 1, 30_000), Err(OfferRefusal::Expired));
        assert_eq!(may_pick_up(RoutingMode::AutoAssign, None, 1, 5), Err(OfferRefusal::NotOffered));
    }

    #[test]
    fn a_live_chat_needs_open_hours_someone_online_and_a_wait_within_the_limit() {
        let now = |open, agents_online, estimate_minutes| GroupNow { open, agents_online: Some(agents_online), estimate_minutes };
        let strict = GroupSettings { leave_message_when_nobody_online: true, wait_limit_minutes: Some(10), ..Default::default() };
        let lenient = GroupSettings::default();
        assert_eq!(live_chat(&strict, now(true, 1, None)), Ok(()));
        assert_eq!(live_chat(&strict, now(false, 3, Some(1))), Err(NoLiveChat::OutsideHours));
        assert_eq!(live_chat(&lenient, now(false, 3, Some(1))), Err(NoLiveChat::OutsideHours), "hours bind everyone");
        assert_eq!(live_chat(&strict, now(true, 0, None)), Err(NoLiveChat::NobodyOnline));
        assert_eq!(live_chat(&lenient, now(true, 0, None)), Ok(()), "queued for whoever comes, as the seeds' desk does");
        assert_eq!(live_chat(&strict, now(true, 2, Some(12))), Err(NoLiveChat::WaitTooLong { minutes: 12 }));
        assert_eq!(live_chat(&strict, now(true, 2, Some(10))), Ok(()), "at the limit is within it");
        assert_eq!(live_chat(&strict, now(true, 2, None)), Ok(()), "no estimate is not a long wait");
        assert_eq!(live_chat(&lenient, now(true, 2, Some(50))), Ok(()), "no limit set");
        // The desk reads only what the settings make matter.
        assert!(counts_agents_online(&strict) && needs_estimate(&strict));
        assert!(!counts_agents_online(&lenient) && !needs_estimate(&lenient));
        let unread = GroupNow { open: true, agents_online: None, estimate_minutes: None };
        assert_eq!(live_chat(&lenient, unread), Ok(()));
    }

    #[test]
    fn offline_requests_are_listed_in_the_console_where_the_admin_wants_whatever_the_hours() {
        let closed = Some(BusinessHours { time_zone: "UTC".into(), openings: vec![], holidays: vec![] });
        let wanted = GroupSettings { offline_requests_in_console: true, hours: closed.clone(), ..Default::default() };
        assert!(lists_offline_requests(&wanted), "there when the group opens");
        assert!(!lists_offline_requests(&GroupSettings { hours: closed, ..Default::default() }), "off by default: Records only");
    }

    const MIN: i64 = 60_000;

    #[test]
    fn no_estimate_without_enough_recent_pickups() {
        let now = 100 * MIN;
        assert_eq!(wait_estimate_minutes(1, &[], now), None);
        assert_eq!(wait_estimate_minutes(1, &[now - MIN, now - 2 * MIN], now), None);
        // Pickups older than the window do not count.
        let old = [now - 31 * MIN, now - 40 * MIN, now - 50 * MIN, now - MIN, now - 2 * MIN];
        assert_eq!(wait_estimate_minutes(1, &old, now), None);
        assert_eq!(wait_estimate_minutes(0, &[now - MIN, now - 2 * MIN, now - 3 * MIN], now), None);
    }

    #[test]
    fn the_estimate_is_the_place_at_the_recent_pickup_rate() {
        let now = 100 * MIN;
        // Six pickups over the last 30 minutes: one every 5 minutes.
        let steady: Vec<i64> = (0..6).map(|i| now - (i * 5 + 5) * MIN + 1).collect();
        assert_eq!(wait_estimate_minutes(1, &steady, now), Some(5));
        assert_eq!(wait_estimate_minutes(3, &steady, now), Some(15));
    }

    #[test]
    fn a_burst_of_pickups_never_promises_less_than_a_minute() {
        let now = 100 * MIN;
        let burst = [now - 1_000, now - 2_000, now - 3_000, now - 4_000];
        assert_eq!(wait_estimate_minutes(1, &burst, now), Some(1));
        assert_eq!(wait_estimate_minutes(8, &burst, now), Some(2));
    }
}
