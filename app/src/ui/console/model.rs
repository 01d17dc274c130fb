//! What the console shows, as plain data with pure update functions (the components wrap it in
//! signals): the requests waiting in the agent's groups, the agent's chats (`Thread`s), their
//! records, invitations and the team.

use crate::domain::access::Staff;
use crate::domain::lifecycle::{queue_move, ChatState, QueueMove};
use crate::domain::{records, routing};
use crate::model::*;
use crate::ui::thread::Thread;

/// What the console does next because of an event.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ConsoleFollowUp {
    Nothing,
    /// A new request arrived in one of the agent's groups: sound, notification, badge.
    Arrived(ChatRequest),
    /// A chat became the agent's (e.g. accepted in another tab, joined, transferred to them):
    /// load its transcript.
    LoadTranscript(ChatId),
    /// A colleague invited the agent into a chat: sound, notification.
    Invited(Invitation),
    /// The agent no longer takes part in a chat (they handed it on, or left): it closed here.
    /// The text says what happened.
    Closed(String),
    /// The desk offers the agent a chat: sound, notification.
    Offered(OfferCard),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConsoleModel {
    pub agent: AgentProfile,
    pub queued: Vec<ChatRequest>,
    pub chats: Vec<Thread>,
    pub selected: Option<ChatId>,
    pub position: Position,
    /// Chats that became mine whose transcript is on its way (after Accept).
    pub loading: Vec<ChatId>,
    /// Events of those chats that arrived before their transcript; applied by `open`.
    pub early: Vec<StreamEvent>,
    /// The records beside each open chat (its interaction and incident, and their notes).
    pub records: Vec<ChatRecords>,
    /// Invitations into colleagues' chats, not yet joined.
    pub invitations: Vec<Invitation>,
    /// Every agent and how they are (from the live link: `Team`, then `Presence` signals).
    pub team: Vec<TeamMember>,
    /// The chat the desk offers this agent now (auto-assign groups).
    pub offer: Option<OfferCard>,
    /// The agent's groups that route by offers: their requests are listed, not picked up.
    pub offering_groups: Vec<GroupId>,
    /// Offline requests nobody took yet, of `offline_request_groups`, oldest first.
    pub offline_requests: Vec<Ticket>,
    /// The agent's groups whose offline requests the console lists (where the admin wants it).
    pub offline_request_groups: Vec<GroupId>,
}

impl ConsoleModel {
    pub fn from_snapshot(snapshot: ConsoleSnapshot) -> Self {
        let selected = snapshot.my_chats.first().map(|c| c.request.id);
        ConsoleModel {
            agent: snapshot.agent,
            queued: snapshot.queued,
            chats: snapshot.my_chats.into_iter().map(Thread::new).collect(),
            selected,
            position: snapshot.position,
            loading: Vec::new(),
            early: Vec::new(),
            records: snapshot.records,
            invitations: snapshot.invitations,
            team: Vec::new(),
            offer: snapshot.offer,
            offering_groups: snapshot.offering_groups,
            offline_requests: snapshot.offline_requests,
            offline_request_groups: snapshot.offline_request_groups,
        }
    }

    /// The offline requests listed for `group`.
    pub fn offline_requests_in(&self, group: GroupId) -> impl Iterator<Item = &Ticket> {
        self.offline_requests.iter().filter(move |t| t.group.id == group)
    }

    /// Keeps the list of offline requests in step with a saved ticket: one that awaits taking
    /// in a listed group is added or updated (`records::awaits_taking`); one taken, closed or
    /// moved elsewhere goes. An older save than the one held changes nothing.
    fn offline_request_saved(&mut self, ticket: &Ticket) {
        let held = self.offline_requests.iter().position(|t| t.id == ticket.id);
        if held.is_some_and(|i| self.offline_requests[i].version >= ticket.version) {
            return;
        }
        let listed = records::awaits_taking(ticket) && self.offline_request_groups.contains(&ticket.group.id);
        match (held, listed) {
            (Some(i), true) => self.offline_requests[i] = ticket.clone(),
            (Some(i), false) => {
                self.offline_requests.remove(i);
            }
            (None, true) => {
                let at = self.offline_requests.partition_point(|t| t.id < ticket.id);
                self.offline_requests.insert(at, ticket.clone());
            }
            (None, false) => {}
        }
    }

    /// Whether the agent picks up this group's requests from the list (else the desk offers
    /// them, one agent at a time).
    pub fn picks_up(&self, group: GroupId) -> bool {
        !self.offering_groups.contains(&group)
    }

    /// The whole team as the server sees it now.
    pub fn set_team(&mut self, members: Vec<TeamMember>) {
        self.team = members;
    }

    /// One colleague's presence changed.
    pub fn presence(&mut self, member: TeamMember) {
        match self.team.iter_mut().find(|m| m.card.id == member.card.id) {
            Some(held) => *held = member,
            None => {
                let at = self.team.partition_point(|m| m.card.name < member.card.name);
                self.team.insert(at, member);
            }
        }
    }

    /// How this agent shows to colleagues.
    pub fn my_presence(&self) -> Option<Presence> {
        self.team.iter().find(|m| m.card.id == self.me()).map(|m| m.presence)
    }

    /// The agent holds this chat (rather than being a guest in it).
    pub fn holds(&self, chat_id: ChatId) -> bool {
        self.chat(chat_id).is_some_and(|c| c.transcript.request.agent.as_ref().is_some_and(|a| a.id == self.me()))
    }

    /// Forgets a chat the agent no longer takes part in; another one is shown instead.
    fn close_chat(&mut self, id: ChatId) {
        self.chats.retain(|c| c.id() != id);
        self.records.retain(|r| r.chat_id != id);
        self.loading.retain(|c| *c != id);
        if self.selected == Some(id) {
            self.selected = self.chats.first().map(|c| c.id());
        }
    }

    /// A chat becomes the agent's (accepted, joined, transferred to them) on another path than
    /// this tab's own call: its transcript is fetched, and its events meanwhile kept.
    fn start_loading(&mut self, chat_id: ChatId) -> ConsoleFollowUp {
        if self.chat(chat_id).is_some() {
            return ConsoleFollowUp::Nothing;
        }
        if !self.loading.contains(&chat_id) {
            self.loading.push(chat_id);
        }
        ConsoleFollowUp::LoadTranscript(chat_id)
    }

    pub fn records(&self, chat_id: ChatId) -> Option<&ChatRecords> {
        self.records.iter().find(|r| r.chat_id == chat_id)
    }

    /// Sets (or refreshes) the records beside a chat.
    pub fn set_records(&mut self, records: ChatRecords) {
        match self.records.iter_mut().find(|r| r.chat_id == records.chat_id) {
            Some(held) => *held = records,
            None => self.records.push(records),
        }
    }

    /// A ticket saved here or elsewhere: every chat showing it shows the newest version, and a
    /// chat that gets its first incident or interaction shows it. Older versions arriving late
    /// change nothing.
    pub fn ticket_saved(&mut self, ticket: &Ticket) {
        self.offline_request_saved(ticket);
        for records in &mut self.records {
            let born_here = ticket.chat_id == Some(records.chat_id);
            let slot = match ticket.kind {
                TicketKind::Interaction => &mut records.interaction,
                TicketKind::Incident => &mut records.incident,
            };
            match slot {
                Some(held) if held.id == ticket.id && held.version < ticket.version => *held = ticket.clone(),
                None if born_here => *slot = Some(ticket.clone()),
                _ => {}
            }
        }
    }

    /// A note added here or elsewhere, once, to every chat whose notes go to its ticket.
    pub fn note_added(&mut self, note: &Note) {
        for records in &mut self.records {
            if records.note_target().is_some_and(|t| t.id == note.ticket_id) && !records.notes.iter().any(|n| n.id == note.id) {
                let at = records.notes.partition_point(|n| n.id < note.id);
                records.notes.insert(at, note.clone());
            }
        }
    }

    pub fn me(&self) -> AgentId {
        self.agent.card.id
    }

    pub fn queued_in(&self, group: GroupId) -> impl Iterator<Item = &ChatRequest> {
        self.queued.iter().filter(move |r| r.group.id == group)
    }

    pub fn chat(&self, id: ChatId) -> Option<&Thread> {
        self.chats.iter().find(|c| c.id() == id)
    }

    pub fn chat_mut(&mut self, id: ChatId) -> Option<&mut Thread> {
        self.chats.iter_mut().find(|c| c.id() == id)
    }

    pub fn select(&mut self, id: ChatId) {
        self.selected = Some(id);
        if let Some(chat) = self.chat_mut(id) {
            chat.unread = 0;
        }
    }

    /// Opens (or refreshes) a chat the agent now holds, e.g. after Accept.
    pub fn open(&mut self, transcript: ChatTranscript) {
        let id = transcript.request.id;
        self.queued.retain(|r| r.id != id);
        self.loading.retain(|c| *c != id);
        match self.chat_mut(id) {
            Some(chat) => {
                // A transcript loaded earlier may arrive after the chat's Ended event: a
                // closed chat never reopens.
                if chat.transcript.request.state.is_open() {
                    chat.transcript.request = transcript.request;
                }
                // Earlier messages are missing only if neither copy has them.
                chat.transcript.earlier &= transcript.earlier;
                for message in transcript.messages {
                    chat.add_message(message, false);
                }
            }
            None => self.chats.push(Thread::new(transcript)),
        }
        // A chat that arrives on its own (joined, transferred here) shows if nothing else does.
        if self.selected.is_none() {
            self.selected = Some(id);
        }
        let (early, later): (Vec<_>, Vec<_>) =
            std::mem::take(&mut self.early).into_iter().partition(|e| e.event.chat_id() == Some(id));
        self.early = later;
        for event in early {
            self.apply_to_chat(&event.event);
        }
    }

    /// Drops a request another agent took before us.
    pub fn drop_request(&mut self, id: ChatId) {
        self.queued.retain(|r| r.id != id);
    }

    pub fn apply(&mut self, stream: &StreamEvent) -> ConsoleFollowUp {
        self.position = self.position.max(stream.position);
        let chat_id = match &stream.event {
            ChatEvent::TicketSaved { ticket } => {
                self.ticket_saved(ticket);
                return ConsoleFollowUp::Nothing;
            }
            ChatEvent::NoteAdded { note } => {
                self.note_added(note);
                return ConsoleFollowUp::Nothing;
            }
            event => event.chat_id().unwrap_or_default(),
        };
        if queue_move(&stream.event) == QueueMove::Leaves {
            self.queued.retain(|r| r.id != chat_id);
            // Its offer ends with it (taken by this agent, assigned, missed, given up).
            self.offer.take_if(|o| o.request.id == chat_id);
        }
        // An invitation follows its chat, and ends when the chat no longer invites this agent
        // (joined, handed to them, ended, back in a queue).
        let me = self.me();
        if let Some(invitation) = self.invitations.iter_mut().find(|i| i.request.id == chat_id) {
            invitation.request.apply(&stream.event);
        }
        self.invitations.retain(|i| i.request.invited.iter().any(|a| a.id == me));
        match &stream.event {
            ChatEvent::Queued { request } => {
                // In this agent's panels if they may see it waiting (domain/access.rs).
                let waiting_for_me = request.state == ChatState::Queued && Staff::from(&self.agent).may_see_chat(request);
                if !waiting_for_me || self.queued.iter().any(|r| r.id == request.id) {
                    return ConsoleFollowUp::Nothing;
                }
                let at = self.queued.partition_point(|r| r.id < request.id);
                self.queued.insert(at, request.clone());
                return ConsoleFollowUp::Arrived(request.clone());
            }
            ChatEvent::Accepted { .. } | ChatEvent::Ended { .. } | ChatEvent::Missed { .. } => {
                let accepted_by_me = matches!(&stream.event, ChatEvent::Accepted { agent, .. } if agent.id == self.me());
                if accepted_by_me && self.chat(chat_id).is_none() {
                    return self.start_loading(chat_id);
                }
            }
            ChatEvent::Invited { request, agent, by, .. } if agent.id == self.me() => {
                if self.chat(chat_id).is_some() || self.invitations.iter().any(|i| i.request.id == chat_id) {
                    return ConsoleFollowUp::Nothing;
                }
                let mut request = request.clone();
                request.apply(&stream.event);
                let invitation = Invitation { request, by: by.clone() };
                self.invitations.push(invitation.clone());
                return ConsoleFollowUp::Invited(invitation);
            }
            ChatEvent::Joined { agent, .. } if agent.id == self.me() => {
                return self.start_loading(chat_id);
            }
            ChatEvent::Transferred { to: Some(to), .. } if to.id == self.me() && self.chat(chat_id).is_none() => {
                return self.start_loading(chat_id);
            }
            ChatEvent::Offered { request, agent, made_ms, expires_ms } if *agent == me => {
                let offer = routing::Offer { request: request.id, agent: me, made_ms: *made_ms, expires_ms: *expires_ms };
                let card = OfferCard { request: request.clone(), seconds_left: offer.seconds_left(*made_ms) };
                self.offer = Some(card.clone());
                return ConsoleFollowUp::Offered(card);
            }
            ChatEvent::OfferEnded { agent, outcome, .. } if *agent == me => {
                if self.offer.take_if(|o| o.request.id == chat_id).is_none() {
                    return ConsoleFollowUp::Nothing;
                }
                return match outcome {
                    PassedOver::Declined => ConsoleFollowUp::Nothing,
                    PassedOver::TimedOut => {
                        ConsoleFollowUp::Closed(format!("The time to answer the offer of {} ran out; it went to a colleague.", chat_number(chat_id)))
                    }
                    PassedOver::GaveBack => {
                        ConsoleFollowUp::Closed(format!("The offer of {} went back to the queue while you were away.", chat_number(chat_id)))
                    }
                };
            }
            ChatEvent::Offered { .. } | ChatEvent::OfferEnded { .. } => return ConsoleFollowUp::Nothing,
            ChatEvent::Invited { .. }
            | ChatEvent::Joined { .. }
            | ChatEvent::Left { .. }
            | ChatEvent::Transferred { .. }
            | ChatEvent::MessagePosted { .. }
            | ChatEvent::TicketSaved { .. }
            | ChatEvent::NoteAdded { .. } => {}
        }
        if self.chat(chat_id).is_none() && self.loading.contains(&chat_id) {
            self.early.push(stream.clone());
        } else {
            self.apply_to_chat(&stream.event);
        }
        // Handed on or left: the chat is no longer this agent's to show.
        let gone = self.chat(chat_id).is_some_and(|c| !c.transcript.request.takes_part(self.me()));
        if gone {
            self.close_chat(chat_id);
            return ConsoleFollowUp::Closed(match &stream.event {
                ChatEvent::Transferred { to: Some(to), .. } => {
                    format!("{} was transferred to {}.", chat_number(chat_id), to.name)
                }
                ChatEvent::Transferred { to: None, group, .. } => {
                    format!("{} was transferred to the {} queue.", chat_number(chat_id), group.name)
                }
                _ => format!("You left {}.", chat_number(chat_id)),
            });
        }
        ConsoleFollowUp::Nothing
    }

    /// Applies an event to the open chat it belongs to, counting news as unread unless the
    /// agent is looking at that chat.
    fn apply_to_chat(&mut self, event: &ChatEvent) {
        let (me, selected) = (self.me(), self.selected);
        let Some(chat_id) = event.chat_id() else {
            return;
        };
        if let Some(chat) = self.chat_mut(chat_id) {
            if chat.apply(event, Some(me)) && selected != Some(chat.id()) {
                chat.unread += 1;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::*;

    fn console() -> ConsoleModel {
        ConsoleModel::from_snapshot(ConsoleSnapshot {
            position: 0,
            agent: AgentProfile { card: agent(1), email: "a@x.test".into(), role: Role::Agent, groups: vec![group(10)], supervises: vec![] },
            queued: vec![],
            my_chats: vec![],
            records: vec![],
            invitations: vec![],
            offer: None,
            offering_groups: vec![],
            offline_requests: vec![],
            offline_request_groups: vec![],
        })
    }

    /// An offline request of `group`, as "Leave a message" makes it, at `version`.
    fn offline_request(id: TicketId, group_id: GroupId, version: i64) -> Ticket {
        Ticket {
            fields: TicketFields { category: records::OFFLINE_REQUEST.into(), ..TicketFields::default() },
            assignee: None,
            chat_id: None,
            group: group(group_id),
            version,
            ..ticket(id, TicketKind::Incident, 0, version)
        }
    }

    #[test]
    fn offline_requests_of_listed_groups_come_and_go_with_their_saves() {
        let mut m = console();
        m.offline_request_groups = vec![10];
        m.apply(&at(1, ChatEvent::TicketSaved { ticket: offline_request(5, 10, 1) }));
        m.apply(&at(2, ChatEvent::TicketSaved { ticket: offline_request(3, 10, 1) }));
        m.apply(&at(3, ChatEvent::TicketSaved { ticket: offline_request(4, 11, 1) }));
        assert_eq!(m.offline_requests_in(10).map(|t| t.id).collect::<Vec<_>>(), vec![3, 5], "oldest first; group 11 is not listed");
        // Taken by a colleague: gone; an older save arriving late does not bring it back.
        let taken = Ticket { assignee: Some(agent(2)), ..offline_request(5, 10, 2) };
        m.apply(&at(4, ChatEvent::TicketSaved { ticket: taken }));
        assert_eq!(m.offline_requests_in(10).map(|t| t.id).collect::<Vec<_>>(), vec![3]);
        let mut edited = offline_request(3, 10, 2);
        edited.fields.title = "Printer".into();
        m.apply(&at(5, ChatEvent::TicketSaved { ticket: edited }));
        m.apply(&at(6, ChatEvent::TicketSaved { ticket: offline_request(3, 10, 1) }));
        assert_eq!(m.offline_requests_in(10).next().unwrap().fields.title, "Printer", "an older save changes nothing");
        // Closed by hand: gone too.
        let mut closed = offline_request(3, 10, 3);
        closed.fields.status = TicketStatus::Closed;
        m.apply(&at(7, ChatEvent::TicketSaved { ticket: closed }));
        assert_eq!(m.offline_requests.len(), 0);
    }

    fn ticket(id: TicketId, kind: TicketKind, chat_id: ChatId, version: i64) -> Ticket {
        Ticket {
            id,
            kind,
            number: ticket_number(kind, id),
            fields: TicketFields { title: format!("v{version}"), ..TicketFields::default() },
            group: group(10),
            assignee: Some(agent(1)),
            version,
            created_at_ms: 0,
            updated_at_ms: 0,
            chat_id: Some(chat_id),
        }
    }

    /// A console holding chat 7 with interaction 1 (version 1) beside it.
    fn console_with_interaction() -> ConsoleModel {
        let mut m = console();
        m.set_records(ChatRecords {
            chat_id: 7,
            interaction: Some(ticket(1, TicketKind::Interaction, 7, 1)),
            incident: None,
            notes: vec![],
            notice: None,
        });
        m
    }

    fn note(id: i64, ticket_id: TicketId) -> Note {
        Note { id, ticket_id, author: agent(2), body: format!("note {id}"), at_ms: 0 }
    }

    #[test]
    fn a_saved_ticket_shows_its_newest_version_beside_its_chat_and_a_late_older_one_changes_nothing() {
        let mut m = console_with_interaction();
        m.apply(&at(5, ChatEvent::TicketSaved { ticket: ticket(1, TicketKind::Interaction, 7, 3) }));
        m.apply(&at(6, ChatEvent::TicketSaved { ticket: ticket(1, TicketKind::Interaction, 7, 2) }));
        assert_eq!(m.records(7).unwrap().interaction.as_ref().unwrap().version, 3);
        assert_eq!(m.position, 6);
        // The chat's first incident (converted in another tab, or missed) appears beside it.
        m.apply(&at(7, ChatEvent::TicketSaved { ticket: ticket(2, TicketKind::Incident, 7, 1) }));
        assert_eq!(m.records(7).unwrap().incident.as_ref().map(|t| t.id), Some(2));
        // Another chat's incident does not.
        m.apply(&at(8, ChatEvent::TicketSaved { ticket: ticket(3, TicketKind::Incident, 8, 1) }));
        assert_eq!(m.records(7).unwrap().incident.as_ref().map(|t| t.id), Some(2));
    }

    #[test]
    fn a_note_lands_once_in_order_beside_the_chat_whose_notes_go_to_its_ticket() {
        let mut m = console_with_interaction();
        m.apply(&at(5, ChatEvent::NoteAdded { note: note(11, 1) }));
        m.apply(&at(6, ChatEvent::NoteAdded { note: note(10, 1) }));
        m.apply(&at(7, ChatEvent::NoteAdded { note: note(11, 1) }));
        m.apply(&at(8, ChatEvent::NoteAdded { note: note(12, 99) }));
        assert_eq!(m.records(7).unwrap().notes.iter().map(|n| n.id).collect::<Vec<_>>(), vec![10, 11]);
    }

    #[test]
    fn requests_of_my_groups_arrive_once_and_leave_when_taken() {
        let mut model = console();
        let queued = at(1, ChatEvent::Queued { request: request(5, 10) });
        assert_eq!(model.apply(&queued), ConsoleFollowUp::Arrived(request(5, 10)));
        assert_eq!(model.apply(&queued), ConsoleFollowUp::Nothing, "replayed events are applied once");
        assert_eq!(model.apply(&at(2, ChatEvent::Queued { request: request(6, 99) })), ConsoleFollowUp::Nothing);
        assert_eq!(model.queued.len(), 1);
        model.apply(&at(3, ChatEvent::Accepted { chat_id: 5, agent: agent(2), version: 0 }));
        assert!(model.queued.is_empty());
        assert_eq!(model.position, 3);
    }

    #[test]
    fn an_accept_by_me_elsewhere_loads_the_transcript() {
        let mut model = console();
        model.apply(&at(1, ChatEvent::Queued { request: request(5, 10) }));
        assert_eq!(
            model.apply(&at(2, ChatEvent::Accepted { chat_id: 5, agent: agent(1), version: 0 })),
            ConsoleFollowUp::LoadTranscript(5)
        );
    }

    #[test]
    fn messages_are_deduplicated_confirm_the_outbox_and_count_unread() {
        let mut model = console();
        model.open(active(5, vec![]));
        model.open(active(6, vec![]));
        model.select(6);
        model.chat_mut(5).unwrap().queue("c-1".into(), "hello".into());

        let mine = at(7, ChatEvent::MessagePosted { message: message(1, 5, Author::Agent(agent(1)), "c-1") });
        model.apply(&mine);
        model.apply(&mine);
        let chat = model.chat(5).unwrap();
        assert_eq!(chat.transcript.messages.len(), 1);
        assert!(chat.outbox.is_empty(), "the acknowledged message left the outbox");
        assert_eq!(chat.unread, 0, "my own messages are never unread");

        model.apply(&at(8, ChatEvent::MessagePosted { message: message(2, 5, Author::EndUser, "u-1") }));
        assert_eq!(model.chat(5).unwrap().unread, 1);
        model.select(5);
        assert_eq!(model.chat(5).unwrap().unread, 0);
    }

    #[test]
    fn a_late_transcript_does_not_reopen_an_ended_chat() {
        let mut model = console();
        model.open(active(5, vec![]));
        model.apply(&at(9, ChatEvent::Ended { chat_id: 5, by: crate::domain::lifecycle::Party::EndUser, version: 0 }));
        model.open(active(5, vec![message(1, 5, Author::EndUser, "u")]));
        let chat = model.chat(5).unwrap();
        assert_eq!(chat.transcript.request.state, ChatState::Ended);
        assert_eq!(chat.transcript.messages.len(), 1, "its messages are still merged in");
    }

    #[test]
    fn ended_chats_stay_readable() {
        let mut model = console();
        model.open(active(5, vec![message(1, 5, Author::EndUser, "u")]));
        model.apply(&at(9, ChatEvent::Ended { chat_id: 5, by: crate::domain::lifecycle::Party::EndUser, version: 0 }));
        let chat = model.chat(5).unwrap();
        assert_eq!(chat.transcript.request.state, ChatState::Ended);
        assert_eq!(chat.transcript.messages.len(), 1);
    }

    /// Right after Accept the transcript is still on its way while the stream moves on: what
    /// arrives for that chat meanwhile must not be lost (it used to be dropped).
    #[test]
    fn events_for_a_chat_whose_transcript_is_loading_are_kept() {
        let mut model = console();
        model.apply(&at(1, ChatEvent::Queued { request: request(5, 10) }));
        assert_eq!(
            model.apply(&at(2, ChatEvent::Accepted { chat_id: 5, agent: agent(1), version: 0 })),
            ConsoleFollowUp::LoadTranscript(5)
        );
        model.apply(&at(3, ChatEvent::MessagePosted { message: message(1, 5, Author::EndUser, "u") }));
        model.apply(&at(4, ChatEvent::Ended { chat_id: 5, by: crate::domain::lifecycle::Party::EndUser, version: 0 }));
        // The transcript was read before the message and the end.
        model.open(active(5, vec![]));
        let chat = model.chat(5).unwrap();
        assert_eq!(chat.transcript.messages.len(), 1, "the message that came first is kept");
        assert_eq!(chat.transcript.request.state, ChatState::Ended, "the end that came first is kept");
        assert_eq!(model.position, 4);
    }

    /// Events of other agents' chats are not kept for a transcript that will never come.
    #[test]
    fn only_chats_being_loaded_keep_early_events() {
        let mut model = console();
        model.apply(&at(1, ChatEvent::MessagePosted { message: message(1, 9, Author::EndUser, "u") }));
        model.apply(&at(2, ChatEvent::Accepted { chat_id: 5, agent: agent(1), version: 0 }));
        model.open(active(5, vec![]));
        assert!(model.early.is_empty());
    }

    #[test]
    fn earlier_pages_fill_a_transcript_from_the_front() {
        let mut model = console();
        let mut recent = active(5, vec![message(10, 5, Author::EndUser, "u10"), message(11, 5, Author::EndUser, "u11")]);
        recent.earlier = true;
        model.open(recent.clone());
        assert_eq!(model.chat(5).unwrap().oldest(), Some(10));
        let page = MessagePage {
            messages: vec![message(8, 5, Author::EndUser, "u8"), message(9, 5, Author::EndUser, "u9")],
            earlier: false,
        };
        model.chat_mut(5).unwrap().add_earlier(page);
        let chat = model.chat(5).unwrap();
        assert_eq!(chat.transcript.messages.iter().map(|m| m.id).collect::<Vec<_>>(), vec![8, 9, 10, 11]);
        assert!(!chat.transcript.earlier);
        // A later windowed copy (e.g. after a reconnect) does not bring the button back.
        model.open(recent);
        assert!(!model.chat(5).unwrap().transcript.earlier);
    }

    #[test]
    fn an_invitation_arrives_once_and_joining_loads_the_chat_keeping_its_events_meanwhile() {
        let mut m = console();
        let mut theirs = active(7, vec![]).request;
        theirs.agent = Some(agent(2));
        let invited = ChatEvent::Invited { request: theirs.clone(), agent: agent(1), by: agent(2), version: 0 };
        assert!(matches!(m.apply(&at(3, invited.clone())), ConsoleFollowUp::Invited(ref i) if i.by == agent(2)));
        assert_eq!(m.apply(&at(3, invited)), ConsoleFollowUp::Nothing, "once");
        assert_eq!(m.invitations.len(), 1);
        // Someone else's invitation is not ours.
        m.apply(&at(4, ChatEvent::Invited { request: theirs.clone(), agent: agent(3), by: agent(2), version: 0 }));
        assert_eq!(m.invitations.len(), 1);
        // Joined (in this tab or another): the invitation goes, the transcript is fetched.
        assert_eq!(
            m.apply(&at(5, ChatEvent::Joined { chat_id: 7, agent: agent(1), version: 0 })),
            ConsoleFollowUp::LoadTranscript(7)
        );
        assert!(m.invitations.is_empty());
        m.apply(&at(6, ChatEvent::MessagePosted { message: desk_line(9, 7) }));
        let mut transcript =
            ChatTranscript { request: theirs, messages: vec![message(1, 7, Author::EndUser, "u")], earlier: false };
        transcript.request.guests = vec![agent(1)];
        m.open(transcript);
        let chat = m.chat(7).unwrap();
        assert_eq!(chat.transcript.messages.iter().map(|m| m.id).collect::<Vec<_>>(), vec![1, 9]);
        assert!(!m.holds(7), "a guest, not the holder");
    }

    #[test]
    fn handing_a_chat_on_closes_it_here_and_opens_it_for_the_receiver() {
        let mut m = console();
        m.open(active(5, vec![]));
        m.open(active(6, vec![]));
        m.select(5);
        assert!(m.holds(5));
        let to_bob = ChatEvent::Transferred { chat_id: 5, from: agent(1), to: Some(agent(3)), group: group(20), version: 0 };
        assert_eq!(m.apply(&at(8, to_bob)), ConsoleFollowUp::Closed("CR00005 was transferred to Agent 3.".into()));
        assert!(m.chat(5).is_none());
        assert_eq!(m.selected, Some(6), "another chat is shown instead");
        let to_queue = ChatEvent::Transferred { chat_id: 6, from: agent(1), to: None, group: group(20), version: 0 };
        assert_eq!(m.apply(&at(9, to_queue)), ConsoleFollowUp::Closed("CR00006 was transferred to the G20 queue.".into()));
        assert!(m.chats.is_empty() && m.selected.is_none());

        // The receiver: the chat is fetched, and shows them as its holder.
        let mut bob = console();
        bob.agent.card = agent(3);
        let to_bob = ChatEvent::Transferred { chat_id: 5, from: agent(1), to: Some(agent(3)), group: group(20), version: 0 };
        assert_eq!(bob.apply(&at(8, to_bob)), ConsoleFollowUp::LoadTranscript(5));
    }

    #[test]
    fn a_guest_who_leaves_closes_the_chat_and_the_holder_sees_them_go() {
        let mut holder = console();
        let mut transcript = active(5, vec![]);
        transcript.request.guests = vec![agent(2)];
        holder.open(transcript.clone());
        let left = ChatEvent::Left { chat_id: 5, agent: agent(2), version: 0 };
        assert_eq!(holder.apply(&at(4, left.clone())), ConsoleFollowUp::Nothing);
        assert!(holder.chat(5).unwrap().transcript.request.guests.is_empty());

        let mut guest = console();
        guest.agent.card = agent(2);
        guest.open(transcript);
        assert_eq!(guest.apply(&at(4, left)), ConsoleFollowUp::Closed("You left CR00005.".into()));
        assert!(guest.chat(5).is_none());
    }

    #[test]
    fn presence_follows_the_team_frame_then_each_signal() {
        let mut m = console();
        let member = |id, presence| TeamMember { card: agent(id), groups: vec![group(10)], presence };
        m.set_team(vec![member(1, Presence::Online), member(3, Presence::Offline)]);
        assert_eq!(m.my_presence(), Some(Presence::Online));
        m.presence(member(3, Presence::Online));
        m.presence(member(2, Presence::Away));
        m.presence(member(1, Presence::Away));
        let seen: Vec<_> = m.team.iter().map(|t| (t.card.id, t.presence)).collect();
        assert_eq!(seen, vec![(1, Presence::Away), (2, Presence::Away), (3, Presence::Online)]);
    }

    #[test]
    fn an_offer_shows_until_answered_moved_on_or_gone_from_the_queue() {
        let mut m = console();
        m.offering_groups = vec![10];
        assert!(!m.picks_up(10) && m.picks_up(11));
        let offered = |id, to| ChatEvent::Offered { request: request(id, 10), agent: to, made_ms: 1_000, expires_ms: 31_000 };
        let card = OfferCard { request: request(5, 10), seconds_left: 30 };
        assert_eq!(m.apply(&at(1, offered(5, 1))), ConsoleFollowUp::Offered(card.clone()));
        assert_eq!(m.offer, Some(card));
        assert_eq!(m.apply(&at(2, offered(6, 2))), ConsoleFollowUp::Nothing, "a colleague's offer is not shown");
        assert_eq!(m.offer.as_ref().map(|o| o.request.id), Some(5));

        // Ignored: it went on, and the agent is told why it vanished.
        let ended = |outcome| ChatEvent::OfferEnded { chat_id: 5, agent: 1, outcome };
        let told = m.apply(&at(3, ended(PassedOver::TimedOut)));
        assert_eq!(told, ConsoleFollowUp::Closed("The time to answer the offer of CR00005 ran out; it went to a colleague.".into()));
        assert_eq!(m.offer, None);
        assert_eq!(m.apply(&at(4, ended(PassedOver::TimedOut))), ConsoleFollowUp::Nothing, "told once");

        // Declined: no notice (the agent did it).
        m.apply(&at(5, offered(5, 1)));
        assert_eq!(m.apply(&at(6, ended(PassedOver::Declined))), ConsoleFollowUp::Nothing);
        assert_eq!(m.offer, None);

        // Taken (by this agent or assigned), missed or given up: it leaves with the request.
        m.apply(&at(7, offered(5, 1)));
        m.apply(&at(8, ChatEvent::Missed { chat_id: 5, incident: None, version: 2 }));
        assert_eq!(m.offer, None);
        m.apply(&at(9, offered(7, 1)));
        assert_eq!(m.apply(&at(10, ChatEvent::Accepted { chat_id: 7, agent: agent(1), version: 2 })), ConsoleFollowUp::LoadTranscript(7));
        assert_eq!(m.offer, None);
    }
}
