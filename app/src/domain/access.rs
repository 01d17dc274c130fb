//! Who may see and who may work on a chat and on a ticket. Decided once, here: the desk's use
//! cases ask these functions, the store turns the same rule into SQL through one helper
//! (`ssr/store/scope.rs`, tested against this module on real rows), and the live routes of
//! `audience.rs` reach the same people (tested below).
//!
//! The rule, in the desk's words:
//! - A **chat** in the console (its transcript, writing to it): the agents taking part in it
//!   (holder and guests); a waiting one also every agent of its group, who may accept it.
//! - A **chat request record** (its page, transcript and photo, after the chat too): admins, the
//!   agents taking part, the agents of the group it is in now and that group's supervisors. A
//!   transfer to another group takes it out of the old group's sight.
//! - A **ticket** (Interaction, Incident; its fields, notes, page): admins, the agents of its
//!   group and its supervisors, its assignee, and the agents taking part in a chat that holds it
//!   as its interaction or incident ("a chat's records follow its participants"). Whoever may
//!   read a ticket may also change it and add notes; nobody else can write into it.
//! - A **supervisor** of a group (issue 18; an admin supervises every group) reads what its
//!   agents read, without being one of them: no request of the group waits for them, and they
//!   write into a chat only by joining it (uninvited: `team::check_join`) — or by whispering to
//!   its agents. Their live monitor shows the groups they supervise and every chat of them.
//! - A **previous ticket ID** named by an end user is used only if the accepting agent may read
//!   that ticket already: naming a number never opens a record to anyone.

use crate::domain::lifecycle::ChatState;
use crate::model::{AgentId, AgentProfile, ChatRequest, GroupId, Role, Ticket};

/// An agent as the rule sees them: who, whether an admin, their assignment groups and the
/// groups they supervise.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Staff {
    pub id: AgentId,
    pub admin: bool,
    pub groups: Vec<GroupId>,
    pub supervises: Vec<GroupId>,
}

impl From<&AgentProfile> for Staff {
    fn from(agent: &AgentProfile) -> Staff {
        Staff {
            id: agent.card.id,
            admin: agent.role == Role::Admin,
            groups: agent.groups.iter().map(|g| g.id).collect(),
            supervises: agent.supervises.iter().map(|g| g.id).collect(),
        }
    }
}

impl Staff {
    pub fn in_group(&self, group: GroupId) -> bool {
        self.groups.contains(&group)
    }

    /// Supervises `group`: chosen for it, or an admin (who supervises every group).
    pub fn supervises_group(&self, group: GroupId) -> bool {
        self.admin || self.supervises.contains(&group)
    }

    /// Supervises some group: has a live monitor (an admin supervises every group).
    pub fn is_supervisor(&self) -> bool {
        self.admin || !self.supervises.is_empty()
    }

    /// Holds the chat or joined it as a guest.
    pub fn takes_part(&self, chat: &ChatRequest) -> bool {
        chat.takes_part(self.id)
    }

    /// The chat in the console: one they take part in, or one waiting in one of their groups.
    /// Anything else is "no such chat", so other groups' chats cannot be probed. What they may
    /// then do is the lifecycle's and the team rules' decision.
    pub fn may_see_chat(&self, chat: &ChatRequest) -> bool {
        self.takes_part(chat) || (chat.state == ChatState::Queued && self.in_group(chat.group.id))
    }

    /// Accepting: a request of one of their groups (whether it still waits is the lifecycle's
    /// call; an agent of the group is told who took it).
    pub fn may_accept(&self, chat: &ChatRequest) -> bool {
        self.in_group(chat.group.id)
    }

    /// Writing, ending, inviting, converting: only those taking part.
    pub fn may_work_on_chat(&self, chat: &ChatRequest) -> bool {
        self.takes_part(chat)
    }

    /// The chat request record, its transcript and photo, in any state.
    pub fn may_read_chat_record(&self, chat: &ChatRequest) -> bool {
        self.supervises_group(chat.group.id) || self.takes_part(chat) || self.in_group(chat.group.id)
    }

    /// Watching the chat from the live monitor (read-only, live), whispering to its agents and
    /// joining it uninvited: its group's supervisors (issue 18). Whether it is taken is the
    /// lifecycle's call.
    pub fn may_watch_chat(&self, chat: &ChatRequest) -> bool {
        self.supervises_group(chat.group.id)
    }

    /// The groups whose live monitor they may open, of `all`.
    pub fn watched_groups(&self, all: &[GroupId]) -> Vec<GroupId> {
        all.iter().copied().filter(|g| self.supervises_group(*g)).collect()
    }

    /// A ticket, given the chats that hold it as their interaction or incident.
    pub fn may_read_ticket(&self, ticket: &Ticket, holders: &[ChatRequest]) -> bool {
        self.supervises_group(ticket.group.id)
            || self.in_group(ticket.group.id)
            || ticket.assignee.as_ref().is_some_and(|a| a.id == self.id)
            || holders.iter().any(|chat| self.takes_part(chat))
    }

    /// Saving a ticket's fields, adding a note to it: the same people who may read it.
    pub fn may_change_ticket(&self, ticket: &Ticket, holders: &[ChatRequest]) -> bool {
        self.may_read_ticket(ticket, holders)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::audience::{Audience, Reach, Viewer};
    use crate::fixtures;
    use crate::model::*;

    const GROUP: GroupId = 10;
    const OTHER_GROUP: GroupId = 20;

    fn staff(id: AgentId, admin: bool, groups: &[GroupId]) -> Staff {
        Staff { id, admin, groups: groups.to_vec(), supervises: vec![] }
    }

    /// The kinds of caller every rule is checked for: [holder 1, guest 2, group member 3,
    /// outsider 4, admin 5 of no group, supervisor 6 of the group and a member of none].
    fn callers() -> [Staff; 6] {
        [
            staff(1, false, &[]),
            staff(2, false, &[OTHER_GROUP]),
            staff(3, false, &[GROUP]),
            staff(4, false, &[OTHER_GROUP]),
            staff(5, true, &[]),
            Staff { supervises: vec![GROUP], ..staff(6, false, &[]) },
        ]
    }

    fn chat(state: ChatState) -> ChatRequest {
        let mut chat = ChatRequest { state, ..fixtures::request(7, GROUP) };
        if state != ChatState::Queued {
            chat.agent = Some(fixtures::agent(1));
            chat.guests = vec![fixtures::agent(2)];
        }
        chat
    }

    fn ticket(group: GroupId, assignee: Option<AgentId>) -> Ticket {
        Ticket { assignee: assignee.map(fixtures::agent), ..fixtures::ticket(5, TicketKind::Interaction, group) }
    }

    #[test]
    fn a_waiting_chat_is_seen_by_its_group_and_a_taken_one_only_by_those_taking_part() {
        let queued = chat(ChatState::Queued);
        let seen: Vec<bool> = callers().iter().map(|c| c.may_see_chat(&queued)).collect();
        assert_eq!(
            seen,
            [false, false, true, false, false, false],
            "waiting: the group (the admin and the supervisor are in none)"
        );
        for state in [ChatState::Active, ChatState::Ended, ChatState::Missed] {
            let taken = chat(state);
            let seen: Vec<bool> = callers().iter().map(|c| c.may_see_chat(&taken)).collect();
            assert_eq!(seen, [true, true, false, false, false, false], "{state:?}");
            let works: Vec<bool> = callers().iter().map(|c| c.may_work_on_chat(&taken)).collect();
            assert_eq!(works, [true, true, false, false, false, false], "{state:?}");
            let accepts: Vec<bool> = callers().iter().map(|c| c.may_accept(&taken)).collect();
            assert_eq!(
                accepts,
                [false, false, true, false, false, false],
                "{state:?}: the group may try (and is told who took it)"
            );
        }
    }

    #[test]
    fn a_chat_record_is_read_by_admins_those_taking_part_and_the_group_it_is_in_now_and_its_supervisors() {
        for state in ChatState::ALL {
            let record = chat(state);
            let read: Vec<bool> = callers().iter().map(|c| c.may_read_chat_record(&record)).collect();
            let taking_part = state != ChatState::Queued;
            assert_eq!(read, [taking_part, taking_part, true, false, true, true], "{state:?}");
        }
        // Transferred to another group: its members read it, the old group (its members and
        // supervisor) no longer does.
        let mut moved = chat(ChatState::Active);
        moved.group = fixtures::group(OTHER_GROUP);
        let read: Vec<bool> = callers().iter().map(|c| c.may_read_chat_record(&moved)).collect();
        assert_eq!(read, [true, true, false, true, true, false]);
    }

    #[test]
    fn a_ticket_follows_its_group_its_assignee_and_the_participants_of_the_chats_holding_it() {
        let holder = chat(ChatState::Active);
        // [holder 1, guest 2, member 3, outsider 4, admin 5, supervisor 6 of the group]
        let cases: Vec<(&str, Ticket, Vec<ChatRequest>, [bool; 6])> = vec![
            ("own group, held by a chat", ticket(GROUP, Some(1)), vec![holder.clone()], [true, true, true, false, true, true]),
            ("own group, no chat", ticket(GROUP, None), vec![], [false, false, true, false, true, true]),
            ("other group, assigned to 4", ticket(OTHER_GROUP, Some(4)), vec![], [false, true, false, true, true, false]),
            (
                "another group's, held by the chat",
                ticket(30, None),
                vec![holder.clone()],
                [true, true, false, false, true, false],
            ),
            ("another group's, of no chat of theirs", ticket(30, None), vec![], [false, false, false, false, true, false]),
        ];
        for (name, ticket, holders, want) in cases {
            let read: Vec<bool> = callers().iter().map(|c| c.may_read_ticket(&ticket, &holders)).collect();
            let change: Vec<bool> = callers().iter().map(|c| c.may_change_ticket(&ticket, &holders)).collect();
            assert_eq!(read, want, "{name}: read");
            assert_eq!(change, want, "{name}: change");
        }
    }

    #[test]
    fn a_profile_becomes_staff_with_its_role_and_groups() {
        let profile = AgentProfile {
            card: fixtures::agent(3),
            email: "c@example.com".into(),
            role: Role::Admin,
            groups: vec![fixtures::group(GROUP), fixtures::group(OTHER_GROUP)],
            supervises: vec![fixtures::group(30)],
        };
        assert_eq!(Staff::from(&profile), Staff { supervises: vec![30], ..staff(3, true, &[GROUP, OTHER_GROUP]) });
    }

    #[test]
    fn an_admin_supervises_every_group_and_a_supervisor_the_groups_chosen() {
        let [member, _, _, _, admin, supervisor] = callers();
        assert!(admin.supervises_group(GROUP) && admin.supervises_group(99));
        assert!(supervisor.supervises_group(GROUP) && !supervisor.supervises_group(OTHER_GROUP));
        assert!(!member.supervises_group(GROUP));
        assert!(admin.is_supervisor() && supervisor.is_supervisor() && !member.is_supervisor());
    }

    /// The live routes reach the same agents as the rule: a ticket's events reach everyone who
    /// may read it and is not merely an admin or a supervisor (they follow what their groups'
    /// routes carry).
    #[test]
    fn ticket_events_reach_exactly_the_agents_who_may_read_the_ticket() {
        let holder = chat(ChatState::Active);
        for (ticket, holders) in [
            (ticket(GROUP, Some(1)), vec![holder.clone()]),
            (ticket(OTHER_GROUP, Some(4)), vec![]),
            (ticket(30, None), vec![holder.clone()]),
        ] {
            let audience = Audience::of_ticket(&ticket, &holders);
            for caller in callers().iter().filter(|c| !c.admin && c.supervises.is_empty()) {
                let viewer = Viewer::Agent { id: caller.id, groups: caller.groups.clone() };
                assert_eq!(viewer.may_see(&audience), caller.may_read_ticket(&ticket, &holders), "{caller:?} {ticket:?}");
            }
        }
    }

    /// A chat's events reach those who may see it in the console (and its end user).
    #[test]
    fn chat_events_reach_exactly_the_agents_who_may_see_the_chat() {
        for state in [ChatState::Queued, ChatState::Active] {
            let before = chat(state);
            let message = ChatEvent::MessagePosted { message: fixtures::message(1, 7, Author::EndUser, "c") };
            let queued = ChatEvent::Queued { request: before.clone() };
            let event = if state == ChatState::Queued { queued } else { message };
            let audience = Audience::of(&event, &before, Reach::Everyone);
            for caller in callers().iter().filter(|c| !c.admin) {
                let viewer = Viewer::Agent { id: caller.id, groups: caller.groups.clone() };
                assert_eq!(viewer.may_see(&audience), caller.may_see_chat(&before), "{caller:?} {state:?}");
            }
        }
    }

    /// A group's live monitor sees every event of its chats, live: exactly the chats its
    /// supervisor may watch, whichever group the chat is in.
    #[test]
    fn a_monitor_sees_exactly_the_chats_its_supervisor_may_watch() {
        let all = [GROUP, OTHER_GROUP, 30];
        for state in ChatState::ALL {
            for group in all {
                let mut before = chat(state);
                before.group = fixtures::group(group);
                let event = ChatEvent::MessagePosted { message: fixtures::message(1, 7, Author::EndUser, "c") };
                let audience = Audience::of(&event, &before, Reach::Everyone);
                for caller in callers() {
                    let viewer = Viewer::Supervisor { id: caller.id, watched: caller.watched_groups(&all) };
                    assert_eq!(viewer.may_see(&audience), caller.may_watch_chat(&before), "{caller:?} {state:?} {group}");
                }
            }
        }
        let [member, _, _, _, admin, supervisor] = callers();
        assert_eq!(admin.watched_groups(&all), all.to_vec());
        assert_eq!(supervisor.watched_groups(&all), vec![GROUP]);
        assert!(member.watched_groups(&all).is_empty(), "a member is no supervisor");
    }
}
