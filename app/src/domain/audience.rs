//! Who may see an event. Decided once, here: the store records each event's routes, the hub
//! hands a live event only to connections subscribed to one of them, the replay reads by the
//! same routes, and `Viewer::may_see` is the check all of them agree with.

use crate::domain::lifecycle::{queue_move, ChatState, QueueMove};
use crate::model::{AgentId, ChatEvent, ChatId, ChatMessage, ChatRequest, GroupId, Ticket};

/// An address an event is delivered to; every connection subscribes to a few of them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Route {
    /// The end user of one chat (their widget).
    EndUser(ChatId),
    /// One agent: a participant of the chat the event is about.
    Agent(AgentId),
    /// Every agent of an assignment group: queue changes.
    Group(GroupId),
    /// Every agent's console: presence signals (never an event, never stored).
    Staff,
    /// The supervisors watching a group's live monitor: every event about its chats, live only
    /// (`Audience::live_routes`; never stored, never replayed: a monitor starts from a fresh
    /// board), and the group's board.
    Watch(GroupId),
}

impl Route {
    /// The stored form, e.g. `u:12`, `a:3`, `g:2` (indexed in `event_routes`).
    pub fn key(self) -> String {
        match self {
            Route::EndUser(id) => format!("u:{id}"),
            Route::Agent(id) => format!("a:{id}"),
            Route::Group(id) => format!("g:{id}"),
            Route::Staff => "staff".to_string(),
            Route::Watch(id) => format!("w:{id}"),
        }
    }

    pub fn parse(key: &str) -> Option<Route> {
        if key == "staff" {
            return Some(Route::Staff);
        }
        let (kind, id) = key.split_once(':')?;
        let id = id.parse().ok()?;
        match kind {
            "u" => Some(Route::EndUser(id)),
            "a" => Some(Route::Agent(id)),
            "g" => Some(Route::Group(id)),
            "w" => Some(Route::Watch(id)),
            _ => None,
        }
    }
}

/// Stored beside every event: the chat it is about (`0` for an event about a ticket alone)
/// and where it goes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Audience {
    pub chat_id: ChatId,
    pub group_id: GroupId,
    pub routes: Vec<Route>,
}

/// Whether the end user sees an event of their chat. Agent-only events (notes, transfer
/// reasons) never reach the widget, live or in replay.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reach {
    Everyone,
    AgentsOnly,
}

impl Reach {
    /// Who reads a message: a supervisor's whisper is for the chat's agents alone, never its
    /// end user, live, in replay, in the widget's transcript or in the transcript email. Every
    /// reader of messages for an end user asks this.
    pub fn of_message(message: &ChatMessage) -> Reach {
        match message.whisper {
            true => Reach::AgentsOnly,
            false => Reach::Everyone,
        }
    }
}

impl Audience {
    /// Who sees `event`, given the chat as it was *before* the event. The one rule:
    /// - the chat's end user sees everything about their chat that is not agent-only;
    /// - the chat's participants (today: its agent) see everything about it;
    /// - the whole group sees a request arrive and leave its queue (Queued; Accepted; Ended or
    ///   Missed while still queued), so every panel adds or drops it;
    /// - an accepting agent sees their own Accepted; an invited, joining or receiving agent the
    ///   event that brings them in (an invitation is agent-only: `Invited` never reaches the
    ///   end user whatever `reach` says);
    /// - team changes are told to the participants *before* them, so a guest who left or a holder
    ///   who handed the chat on hears of it, and after it hears no more.
    pub fn of(event: &ChatEvent, before: &ChatRequest, reach: Reach) -> Audience {
        // An offer is the offered agent's alone: colleagues and the end user never hear of it.
        if let ChatEvent::Offered { agent, .. } | ChatEvent::OfferEnded { agent, .. } = event {
            return Audience { chat_id: before.id, group_id: before.group.id, routes: vec![Route::Agent(*agent)] };
        }
        let mut routes = Vec::with_capacity(3);
        let reach = match event {
            ChatEvent::Invited { .. } => Reach::AgentsOnly,
            ChatEvent::MessagePosted { message } if Reach::of_message(message) == Reach::AgentsOnly => Reach::AgentsOnly,
            _ => reach,
        };
        if reach == Reach::Everyone {
            routes.push(Route::EndUser(before.id));
        }
        routes.extend(participants(before).map(Route::Agent));
        // Whoever is invited hears when the chat ends or goes back to a queue: the invitation
        // ends with it (`ChatRequest::apply`).
        if matches!(event, ChatEvent::Ended { .. } | ChatEvent::Missed { .. } | ChatEvent::Transferred { to: None, .. }) {
            routes.extend(before.invited.iter().map(|a| Route::Agent(a.id)));
        }
        // The whole group hears of a request entering its queue or leaving it.
        match queue_move(event) {
            QueueMove::Enters => routes.push(Route::Group(before.group.id)),
            QueueMove::Leaves if before.state == ChatState::Queued => routes.push(Route::Group(before.group.id)),
            QueueMove::Leaves | QueueMove::Stays => {}
        }
        match event {
            ChatEvent::Accepted { agent, .. } => routes.push(Route::Agent(agent.id)),
            // A whisper also reaches the supervisor who wrote it, who need not take part.
            ChatEvent::MessagePosted { message } if Reach::of_message(message) == Reach::AgentsOnly => {
                routes.extend(message.author.agent_id().map(Route::Agent))
            }
            ChatEvent::Queued { .. } | ChatEvent::Ended { .. } | ChatEvent::Missed { .. } | ChatEvent::MessagePosted { .. } => {}
            ChatEvent::Invited { agent, .. } | ChatEvent::Joined { agent, .. } => routes.push(Route::Agent(agent.id)),
            ChatEvent::Transferred { to: Some(to), .. } => routes.push(Route::Agent(to.id)),
            // Back to a queue: the `Queued` that follows it puts it in the group's panels.
            ChatEvent::Transferred { to: None, .. } | ChatEvent::Left { .. } => {}
            // Events about tickets are addressed by `of_ticket`; from a chat they reach its agents.
            ChatEvent::TicketSaved { .. } | ChatEvent::NoteAdded { .. } => {}
            ChatEvent::Offered { .. } | ChatEvent::OfferEnded { .. } => {}
        }
        routes.sort();
        routes.dedup();
        Audience { chat_id: before.id, group_id: before.group.id, routes }
    }

    /// Who sees an event about a ticket (saved, a note added): the agents of its group, its
    /// assignee, and the agents taking part in the chats that hold it (`holders`): everyone the
    /// access rule lets read it (admins through their groups). Never an end user: tickets and
    /// notes are the desk's own, live and in replay.
    pub fn of_ticket(ticket: &Ticket, holders: &[ChatRequest]) -> Audience {
        let mut routes = vec![Route::Group(ticket.group.id)];
        routes.extend(ticket.assignee.iter().map(|a| Route::Agent(a.id)));
        routes.extend(holders.iter().flat_map(participants).map(Route::Agent));
        routes.sort();
        routes.dedup();
        let chat_id = ticket.chat_id.or(holders.first().map(|c| c.id)).unwrap_or(0);
        Audience { chat_id, group_id: ticket.group.id, routes }
    }

    /// Where the event goes live: its stored routes, and the monitors of its chat's group (a
    /// group's supervisors read all of its chats: `access::Staff::may_watch_chat`). Events
    /// about a ticket alone (`chat_id` 0) are not a chat's, and no monitor shows them.
    pub fn live_routes(&self) -> Vec<Route> {
        let mut routes = self.routes.clone();
        if self.chat_id != 0 {
            routes.push(Route::Watch(self.group_id));
        }
        routes
    }

    /// The routes as stored in `events.routes`: space-separated keys.
    pub fn routes_text(&self) -> String {
        self.routes.iter().map(|r| r.key()).collect::<Vec<_>>().join(" ")
    }

    pub fn parse_routes(text: &str) -> Vec<Route> {
        text.split_whitespace().filter_map(Route::parse).collect()
    }
}

/// The agents taking part in a chat (its holder and guests): they see all of it.
fn participants(chat: &ChatRequest) -> impl Iterator<Item = AgentId> + '_ {
    chat.participants().map(|a| a.id)
}

/// Who is watching on one connection.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Viewer {
    Agent {
        id: AgentId,
        groups: Vec<GroupId>,
    },
    EndUser {
        chat_id: ChatId,
    },
    /// A supervisor's live monitor of the groups they supervise (`watched`): the groups'
    /// boards and every event of their chats, live only.
    Supervisor {
        id: AgentId,
        watched: Vec<GroupId>,
    },
}

impl Viewer {
    /// The routes this viewer's connection subscribes to.
    pub fn routes(&self) -> Vec<Route> {
        match self {
            Viewer::EndUser { chat_id } => vec![Route::EndUser(*chat_id)],
            Viewer::Agent { id, groups } => std::iter::once(Route::Agent(*id))
                .chain(groups.iter().map(|g| Route::Group(*g)))
                .chain(std::iter::once(Route::Staff))
                .collect(),
            Viewer::Supervisor { watched, .. } => watched.iter().map(|g| Route::Watch(*g)).collect(),
        }
    }

    pub fn may_see(&self, audience: &Audience) -> bool {
        let mine = self.routes();
        audience.live_routes().iter().any(|r| mine.contains(r))
    }

    /// A replay is never wider than what the HTTP reads would show now: a request's arrival
    /// or its offer (with the end user's contact details) is replayed to agents only while it
    /// still waits;
    /// once it left the queue a later event in the same replay says so anyway.
    pub fn replays(&self, event: &ChatEvent, state_now: ChatState) -> bool {
        match (self, event) {
            (Viewer::Agent { .. }, ChatEvent::Queued { .. } | ChatEvent::Offered { .. }) => state_now == ChatState::Queued,
            _ => true,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::lifecycle::Party;
    use crate::model::*;

    fn chat(state: ChatState, agent: Option<AgentId>) -> ChatRequest {
        ChatRequest { state, agent: agent.map(card), ..crate::fixtures::request(7, 10) }
    }

    fn card(id: AgentId) -> AgentCard {
        AgentCard { id, name: format!("A{id}"), photo_url: None }
    }

    fn message(chat_id: ChatId) -> ChatEvent {
        ChatEvent::MessagePosted {
            message: ChatMessage {
                id: 1,
                chat_id,
                client_id: "c".into(),
                author: Author::EndUser,
                body: "hi".into(),
                line: None,
                at_ms: 0,
                whisper: false,
            },
        }
    }

    const MEMBER: Viewer = Viewer::EndUser { chat_id: 7 };

    fn agent(id: AgentId, groups: &[GroupId]) -> Viewer {
        Viewer::Agent { id, groups: groups.to_vec() }
    }

    /// Every event kind × every kind of viewer, with the expected answer.
    #[test]
    fn each_event_reaches_exactly_whom_it_should() {
        let queued = chat(ChatState::Queued, None);
        let active = chat(ChatState::Active, Some(1));
        let cases: Vec<(&str, Audience, [bool; 5])> = vec![
            // [own end user, other end user, assigned/accepting agent 1, group member 2, outsider 3]
            (
                "queued",
                Audience::of(&ChatEvent::Queued { request: queued.clone() }, &queued, Reach::Everyone),
                [true, false, false, true, false],
            ),
            (
                "accepted",
                Audience::of(&ChatEvent::Accepted { chat_id: 7, agent: card(1), version: 0 }, &queued, Reach::Everyone),
                [true, false, true, true, false],
            ),
            ("message while waiting", Audience::of(&message(7), &queued, Reach::Everyone), [true, false, false, false, false]),
            ("message", Audience::of(&message(7), &active, Reach::Everyone), [true, false, true, false, false]),
            ("agent-only", Audience::of(&message(7), &active, Reach::AgentsOnly), [false, false, true, false, false]),
            (
                "ended while waiting",
                Audience::of(&ChatEvent::Ended { chat_id: 7, by: Party::EndUser, version: 0 }, &queued, Reach::Everyone),
                [true, false, false, true, false],
            ),
            (
                "ended",
                Audience::of(&ChatEvent::Ended { chat_id: 7, by: Party::Agent, version: 0 }, &active, Reach::Everyone),
                [true, false, true, false, false],
            ),
            (
                "missed",
                Audience::of(&ChatEvent::Missed { chat_id: 7, incident: None, version: 0 }, &queued, Reach::Everyone),
                [true, false, false, true, false],
            ),
        ];
        let viewers = [MEMBER, Viewer::EndUser { chat_id: 8 }, agent(1, &[]), agent(2, &[10, 20]), agent(3, &[30])];
        for (name, audience, expected) in cases {
            for (viewer, want) in viewers.iter().zip(expected) {
                assert_eq!(viewer.may_see(&audience), want, "{name} for {viewer:?}");
            }
        }
    }

    #[test]
    fn ticket_events_reach_the_group_the_assignee_and_the_chat_agent_but_never_an_end_user() {
        let ticket = Ticket {
            id: 5,
            kind: TicketKind::Incident,
            number: ticket_number(TicketKind::Incident, 5),
            fields: TicketFields::default(),
            group: AssignmentGroup { id: 20, name: "G20".into() },
            assignee: Some(card(4)),
            version: 1,
            created_at_ms: 0,
            updated_at_ms: 0,
            chat_id: Some(7),
        };
        let active = chat(ChatState::Active, Some(1));
        let audience = Audience::of_ticket(&ticket, std::slice::from_ref(&active));
        assert_eq!(audience.routes, vec![Route::Agent(1), Route::Agent(4), Route::Group(20)]);
        let viewers = [MEMBER, agent(1, &[]), agent(2, &[10, 20]), agent(3, &[30]), agent(4, &[])];
        let expected = [false, true, true, false, true];
        for (viewer, want) in viewers.iter().zip(expected) {
            assert_eq!(viewer.may_see(&audience), want, "{viewer:?}");
        }
        assert_eq!(Audience::of_ticket(&Ticket { chat_id: None, ..ticket }, &[]).chat_id, 0);
    }

    /// Team events: the end user hears of joins, leaves and transfers but never of an
    /// invitation; whoever is brought in hears of it; whoever leaves hears of it last.
    #[test]
    fn team_events_reach_the_participants_before_them_and_whom_they_bring_in() {
        let mut active = chat(ChatState::Active, Some(1));
        active.guests = vec![card(2)];
        let group20 = AssignmentGroup { id: 20, name: "G20".into() };
        // [own end user, holder 1, guest 2, newcomer 3, group member 4, outsider 5]
        let viewers = [MEMBER, agent(1, &[]), agent(2, &[]), agent(3, &[]), agent(4, &[10, 20]), agent(5, &[30])];
        let cases: Vec<(&str, ChatEvent, [bool; 6])> = vec![
            (
                "invited",
                ChatEvent::Invited { request: active.clone(), agent: card(3), by: card(1), version: 0 },
                [false, true, true, true, false, false],
            ),
            ("joined", ChatEvent::Joined { chat_id: 7, agent: card(3), version: 0 }, [true, true, true, true, false, false]),
            ("left", ChatEvent::Left { chat_id: 7, agent: card(2), version: 0 }, [true, true, true, false, false, false]),
            (
                "transferred to an agent",
                ChatEvent::Transferred { chat_id: 7, from: card(1), to: Some(card(3)), group: group20.clone(), version: 0 },
                [true, true, true, true, false, false],
            ),
            (
                "transferred to a queue",
                ChatEvent::Transferred { chat_id: 7, from: card(1), to: None, group: group20, version: 0 },
                [true, true, true, false, false, false],
            ),
            ("a guest's message", message(7), [true, true, true, false, false, false]),
        ];
        for (name, event, expected) in cases {
            let audience = Audience::of(&event, &active, Reach::Everyone);
            for (viewer, want) in viewers.iter().zip(expected) {
                assert_eq!(viewer.may_see(&audience), want, "{name} for {viewer:?}");
            }
        }
        // After a transfer the former holder is no participant: the chat's next message skips them.
        let mut after = active.clone();
        after.apply(&ChatEvent::Transferred {
            chat_id: 7,
            from: card(1),
            to: Some(card(3)),
            group: after.group.clone(),
            version: 0,
        });
        let next = Audience::of(&message(7), &after, Reach::Everyone);
        assert!(!agent(1, &[]).may_see(&next));
        assert!(agent(3, &[]).may_see(&next) && agent(2, &[]).may_see(&next));
    }

    /// An invited agent who has not joined hears only what ends their invitation.
    #[test]
    fn invited_agents_hear_when_the_chat_ends_or_goes_back_to_a_queue() {
        let mut active = chat(ChatState::Active, Some(1));
        active.invited = vec![card(3)];
        let invitee = agent(3, &[]);
        let group20 = AssignmentGroup { id: 20, name: "G20".into() };
        for (event, hears) in [
            (ChatEvent::Ended { chat_id: 7, by: Party::Agent, version: 0 }, true),
            (ChatEvent::Transferred { chat_id: 7, from: card(1), to: None, group: group20.clone(), version: 0 }, true),
            (ChatEvent::Transferred { chat_id: 7, from: card(1), to: Some(card(4)), group: group20, version: 0 }, false),
            (message(7), false),
            (ChatEvent::Left { chat_id: 7, agent: card(2), version: 0 }, false),
        ] {
            assert_eq!(invitee.may_see(&Audience::of(&event, &active, Reach::Everyone)), hears, "{event:?}");
        }
        // Ending it, the chat invites nobody any more.
        active.apply(&ChatEvent::Ended { chat_id: 7, by: Party::Agent, version: 0 });
        assert!(active.invited.is_empty());
    }

    #[test]
    fn routes_round_trip_through_their_stored_form() {
        let audience = Audience::of(
            &ChatEvent::Accepted { chat_id: 7, agent: card(1), version: 0 },
            &chat(ChatState::Queued, None),
            Reach::Everyone,
        );
        assert_eq!(audience.routes_text(), "u:7 a:1 g:10");
        assert_eq!(Audience::parse_routes(&audience.routes_text()), audience.routes);
        assert_eq!(Route::parse("x:1"), None);
        assert_eq!(Route::parse("a:x"), None);
    }

    #[test]
    fn viewers_subscribe_to_their_own_routes() {
        assert_eq!(MEMBER.routes(), vec![Route::EndUser(7)]);
        assert_eq!(agent(1, &[10, 20]).routes(), vec![Route::Agent(1), Route::Group(10), Route::Group(20), Route::Staff]);
        assert_eq!(Route::parse(&Route::Staff.key()), Some(Route::Staff));
    }

    #[test]
    fn agents_replay_an_arrival_only_while_the_request_still_waits() {
        let queued = ChatEvent::Queued { request: chat(ChatState::Queued, None) };
        assert!(agent(2, &[10]).replays(&queued, ChatState::Queued));
        assert!(!agent(2, &[10]).replays(&queued, ChatState::Active));
        assert!(!agent(2, &[10]).replays(&queued, ChatState::Ended));
        assert!(MEMBER.replays(&queued, ChatState::Ended), "the end user always sees their own chat");
        assert!(agent(2, &[10]).replays(&message(7), ChatState::Ended));
    }

    /// An offer and its end reach the offered agent alone: not the end user, not the group.
    #[test]
    fn an_offer_reaches_only_the_agent_it_is_offered_to_and_replays_while_the_request_waits() {
        let queued = chat(ChatState::Queued, None);
        let offered = ChatEvent::Offered { request: queued.clone(), agent: 2, made_ms: 0, expires_ms: 30_000 };
        let ended = ChatEvent::OfferEnded { chat_id: 7, agent: 2, outcome: crate::model::PassedOver::Declined };
        // [own end user, offered agent 2 (a member), member 1, outsider 3]
        let viewers = [MEMBER, agent(2, &[10]), agent(1, &[10]), agent(3, &[30])];
        for event in [&offered, &ended] {
            let audience = Audience::of(event, &queued, Reach::Everyone);
            let seen: Vec<bool> = viewers.iter().map(|v| v.may_see(&audience)).collect();
            assert_eq!(seen, [false, true, false, false], "{event:?}");
        }
        assert!(agent(2, &[10]).replays(&offered, ChatState::Queued));
        assert!(!agent(2, &[10]).replays(&offered, ChatState::Active), "no offer of a request taken since");
    }

    /// A supervisor's whisper reaches the chat's agents and its writer, never the end user
    /// (whatever reach the post was given), and the monitors of the group.
    #[test]
    fn a_whisper_never_reaches_the_end_user() {
        let active = chat(ChatState::Active, Some(1));
        let whisper =
            ChatMessage { whisper: true, author: Author::Agent(card(6)), ..crate::fixtures::message(1, 7, Author::EndUser, "w") };
        assert_eq!(Reach::of_message(&whisper), Reach::AgentsOnly);
        let event = ChatEvent::MessagePosted { message: whisper };
        let audience = Audience::of(&event, &active, Reach::Everyone);
        assert_eq!(audience.routes, vec![Route::Agent(1), Route::Agent(6)]);
        assert!(!MEMBER.may_see(&audience), "not live, not in replay: the widget subscribes to its end user route alone");
        assert!(Viewer::Supervisor { id: 8, watched: vec![10] }.may_see(&audience), "the group's monitor");
        assert!(!Viewer::Supervisor { id: 8, watched: vec![20] }.may_see(&audience), "another group's monitor");
        let plain = crate::fixtures::message(2, 7, Author::Agent(card(1)), "m");
        assert_eq!(Reach::of_message(&plain), Reach::Everyone);
    }

    /// Monitors see a chat's events live, never from the store: no stored route names them.
    #[test]
    fn monitor_routes_are_live_only() {
        let queued = chat(ChatState::Queued, None);
        let audience = Audience::of(&ChatEvent::Queued { request: queued.clone() }, &queued, Reach::Everyone);
        assert!(!audience.routes.contains(&Route::Watch(10)));
        assert!(audience.live_routes().contains(&Route::Watch(10)));
        assert_eq!(Route::parse(&Route::Watch(10).key()), Some(Route::Watch(10)));
        let ticket_only = Audience { chat_id: 0, group_id: 10, routes: vec![Route::Group(10)] };
        assert!(!ticket_only.live_routes().contains(&Route::Watch(10)), "a ticket alone is no chat of the monitor");
    }
}
