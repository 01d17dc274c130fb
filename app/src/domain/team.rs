//! Team work: who is reachable (presence), and the rules for inviting agents into a chat,
//! joining, leaving and transferring it. Pure: the desk reads the chat and the team, asks here,
//! then writes. The lifecycle (domain/lifecycle.rs) says in which states these may happen; this
//! says who may do them to whom.

use crate::domain::access::Staff;
use crate::domain::lifecycle::{ChatAction, IllegalTransition};
use crate::model::{AgentCard, AgentId, AssignmentGroup, Availability, ChatRequest, DeskLine, Presence, TeamMember};

/// How colleagues see an agent: offline with no console connected, else what they chose.
pub fn presence(chosen: Availability, connected: bool) -> Presence {
    match (connected, chosen) {
        (false, _) => Presence::Offline,
        (true, Availability::Online) => Presence::Online,
        (true, Availability::Away) => Presence::Away,
    }
}

/// Why a team action is refused; worded for the agent who tried.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize, thiserror::Error)]
pub enum TeamRefusal {
    #[error("Only the agents in this chat can do that.")]
    NotInChat,
    #[error("{0} is already in this chat.")]
    AlreadyIn(String),
    /// Listed a moment ago, gone now: nothing changed.
    #[error("{0} is not online any more; nothing changed. Choose someone who is online.")]
    Offline(String),
    #[error("There is no invitation into this chat for you (any more).")]
    NotInvited,
    #[error("You hold this chat: transfer it or end it instead of leaving.")]
    HolderCannotLeave,
    #[error("Only the agent holding this chat can transfer it.")]
    NotHolder,
    #[error("Only the agent holding this chat can end it; leave it instead.")]
    GuestCannotEnd,
    #[error("You already hold this chat.")]
    ToSelf,
    #[error("{0} is not in {1}.")]
    NotInGroup(String, String),
    #[error("{0}")]
    NotNow(IllegalTransition),
    /// Accepting would put the agent over their maximum of chats at once.
    #[error("You hold {0} chats, your most at once; end one before taking another.")]
    AtCapacity(u32),
    #[error("{0} holds their most chats at once; choose someone else or their group's queue.")]
    ReceiverAtCapacity(String),
}

impl From<IllegalTransition> for TeamRefusal {
    fn from(err: IllegalTransition) -> Self {
        TeamRefusal::NotNow(err)
    }
}

/// Where a transfer goes, with the target read from the team.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Handover<'a> {
    Agent(&'a TeamMember, &'a AssignmentGroup),
    Queue(&'a AssignmentGroup),
}

/// `by` (taking part) invites `invitee`, who must be online and not in the chat yet.
pub fn check_invite(chat: &ChatRequest, by: AgentId, invitee: &TeamMember) -> Result<(), TeamRefusal> {
    chat.state.apply(ChatAction::Invite)?;
    if !chat.takes_part(by) {
        return Err(TeamRefusal::NotInChat);
    }
    if chat.takes_part(invitee.card.id) {
        return Err(TeamRefusal::AlreadyIn(invitee.card.name.clone()));
    }
    if invitee.presence != Presence::Online {
        return Err(TeamRefusal::Offline(invitee.card.name.clone()));
    }
    Ok(())
}

/// Whether `agent` joins now as a guest: invited into the chat, or a supervisor of its group
/// (issue 18: "join it as a guest" from the monitor). `Ok(false)` when they already take part
/// (joining twice is once). Anyone else is `NotInvited` before the chat's state is looked at,
/// so trying tells a stranger nothing about the chat.
pub fn check_join(chat: &ChatRequest, agent: &Staff, invited: bool) -> Result<bool, TeamRefusal> {
    if agent.takes_part(chat) {
        return Ok(false);
    }
    if !invited && !agent.may_watch_chat(chat) {
        return Err(TeamRefusal::NotInvited);
    }
    chat.state.apply(ChatAction::Join)?;
    Ok(true)
}

/// A guest leaves; the holder cannot (they transfer or end).
pub fn check_leave(chat: &ChatRequest, agent: AgentId) -> Result<(), TeamRefusal> {
    if chat.agent.as_ref().is_some_and(|a| a.id == agent) {
        return Err(TeamRefusal::HolderCannotLeave);
    }
    if !chat.is_guest(agent) {
        return Err(TeamRefusal::NotInChat);
    }
    chat.state.apply(ChatAction::Leave)?;
    Ok(())
}

/// The holder hands the chat to an online agent of a group they belong to, or to a queue.
pub fn check_transfer(chat: &ChatRequest, by: AgentId, to: &Handover) -> Result<(), TeamRefusal> {
    let action = match to {
        Handover::Agent(..) => ChatAction::Transfer,
        Handover::Queue(_) => ChatAction::Requeue,
    };
    chat.state.apply(action)?;
    if chat.agent.as_ref().is_none_or(|a| a.id != by) {
        return Err(TeamRefusal::NotHolder);
    }
    if let Handover::Agent(member, group) = to {
        if member.card.id == by {
            return Err(TeamRefusal::ToSelf);
        }
        may_receive(member, group)?;
    }
    Ok(())
}

/// Whether `member` can be handed a chat of `group` now (a transfer, an admin's assignment): an
/// online agent of that group. The refusal names them.
fn may_receive(member: &TeamMember, group: &AssignmentGroup) -> Result<(), TeamRefusal> {
    if !member.groups.iter().any(|g| g.id == group.id) {
        return Err(TeamRefusal::NotInGroup(member.card.name.clone(), group.name.clone()));
    }
    if member.presence != Presence::Online {
        return Err(TeamRefusal::Offline(member.card.name.clone()));
    }
    Ok(())
}

/// Whom "Invite other agents" lists: online agents not in the chat yet.
pub fn invitable<'a>(team: &'a [TeamMember], chat: &ChatRequest) -> Vec<&'a TeamMember> {
    team.iter().filter(|m| m.presence == Presence::Online && !chat.takes_part(m.card.id)).collect()
}

/// Whom "Transfer this chat" lists under each group: its online agents other than `me`.
pub fn transfer_choices<'a>(team: &'a [TeamMember], group: &AssignmentGroup, me: AgentId) -> Vec<&'a TeamMember> {
    team.iter().filter(|m| m.card.id != me && may_receive(m, group).is_ok()).collect()
}

/// Whether a waiting request can be given by hand (an admin's "Assign") to `to`: it still
/// waits, and `to` is an online agent of its group. (Only admins assign: `Desk::assign`.)
pub fn check_assign(chat: &ChatRequest, to: &TeamMember) -> Result<(), TeamRefusal> {
    chat.state.apply(ChatAction::Accept)?;
    may_receive(to, &chat.group)
}

/// Whom an admin's "Assign" lists for a request of `group`: its online agents.
pub fn assign_choices<'a>(team: &'a [TeamMember], group: &AssignmentGroup) -> Vec<&'a TeamMember> {
    team.iter().filter(|m| may_receive(m, group).is_ok()).collect()
}

/// The lines the desk writes into the conversation (author `Desk`), seen by everyone in it,
/// each in their own language (`DeskLine::text`).
pub fn joined_line(agent: &AgentCard) -> DeskLine {
    DeskLine::Joined { agent: agent.name.clone() }
}

pub fn left_line(agent: &AgentCard) -> DeskLine {
    DeskLine::Left { agent: agent.name.clone() }
}

pub fn transfer_line(from: &AgentCard, to: Option<&AgentCard>, group: &AssignmentGroup) -> DeskLine {
    match to {
        Some(to) => DeskLine::Transferred { from: from.name.clone(), to: to.name.clone(), group: group.name.clone() },
        None => DeskLine::TransferredToQueue { from: from.name.clone(), group: group.name.clone() },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::lifecycle::ChatState;
    use crate::model::*;

    fn card(id: AgentId) -> AgentCard {
        AgentCard { id, name: format!("Agent {id}"), photo_url: None }
    }

    fn group(id: GroupId) -> AssignmentGroup {
        AssignmentGroup { id, name: format!("G{id}") }
    }

    fn member(id: AgentId, groups: &[GroupId], presence: Presence) -> TeamMember {
        TeamMember { card: card(id), groups: groups.iter().map(|g| group(*g)).collect(), presence }
    }

    /// Held by agent 1, agent 2 a guest.
    fn chat(state: ChatState) -> ChatRequest {
        ChatRequest {
            state,
            agent: (state != ChatState::Queued).then(|| card(1)),
            guests: if state == ChatState::Active { vec![card(2)] } else { Vec::new() },
            ..crate::fixtures::request(7, 10)
        }
    }

    #[test]
    fn presence_is_offline_without_a_console_else_the_agents_choice() {
        for chosen in [Availability::Online, Availability::Away] {
            assert_eq!(presence(chosen, false), Presence::Offline);
        }
        assert_eq!(presence(Availability::Online, true), Presence::Online);
        assert_eq!(presence(Availability::Away, true), Presence::Away);
    }

    #[test]
    fn participants_invite_online_agents_not_in_the_chat() {
        let active = chat(ChatState::Active);
        assert_eq!(check_invite(&active, 1, &member(3, &[20], Presence::Online)), Ok(()));
        assert_eq!(check_invite(&active, 2, &member(3, &[20], Presence::Online)), Ok(()), "a guest may invite too");
        assert_eq!(check_invite(&active, 4, &member(3, &[20], Presence::Online)), Err(TeamRefusal::NotInChat));
        assert_eq!(check_invite(&active, 1, &member(2, &[10], Presence::Online)), Err(TeamRefusal::AlreadyIn("Agent 2".into())));
        for presence in [Presence::Away, Presence::Offline] {
            let refused = check_invite(&active, 1, &member(3, &[20], presence)).unwrap_err();
            assert_eq!(refused, TeamRefusal::Offline("Agent 3".into()));
            assert_eq!(refused.to_string(), "Agent 3 is not online any more; nothing changed. Choose someone who is online.");
        }
        for state in [ChatState::Queued, ChatState::Ended, ChatState::Missed] {
            assert!(matches!(check_invite(&chat(state), 1, &member(3, &[], Presence::Online)), Err(TeamRefusal::NotNow(_))));
        }
    }

    #[test]
    fn only_the_invited_join_and_joining_twice_is_once() {
        let active = chat(ChatState::Active);
        let agent = |id| Staff { id, ..Staff::default() };
        assert_eq!(check_join(&active, &agent(3), true), Ok(true));
        assert_eq!(check_join(&active, &agent(3), false), Err(TeamRefusal::NotInvited));
        assert_eq!(check_join(&active, &agent(2), false), Ok(false));
        assert!(matches!(check_join(&chat(ChatState::Ended), &agent(3), true), Err(TeamRefusal::NotNow(_))));
        assert_eq!(
            check_join(&chat(ChatState::Ended), &agent(3), false),
            Err(TeamRefusal::NotInvited),
            "a stranger learns nothing of the chat's state"
        );
        // A supervisor of the chat's group (an admin supervises every group) joins uninvited;
        // a supervisor of another group does not.
        let supervisor = Staff { supervises: vec![active.group.id], ..agent(6) };
        assert_eq!(check_join(&active, &supervisor, false), Ok(true));
        assert_eq!(check_join(&active, &Staff { admin: true, ..agent(5) }, false), Ok(true));
        let elsewhere = Staff { supervises: vec![active.group.id + 1], ..agent(7) };
        assert_eq!(check_join(&active, &elsewhere, false), Err(TeamRefusal::NotInvited));
        assert!(matches!(check_join(&chat(ChatState::Queued), &supervisor, false), Err(TeamRefusal::NotNow(_))));
    }

    #[test]
    fn guests_leave_the_holder_does_not() {
        let active = chat(ChatState::Active);
        assert_eq!(check_leave(&active, 2), Ok(()));
        assert_eq!(check_leave(&active, 1), Err(TeamRefusal::HolderCannotLeave));
        assert_eq!(check_leave(&active, 3), Err(TeamRefusal::NotInChat));
    }

    #[test]
    fn the_holder_transfers_to_an_online_agent_of_the_chosen_group_or_a_queue() {
        let active = chat(ChatState::Active);
        let bob = member(3, &[20], Presence::Online);
        assert_eq!(check_transfer(&active, 1, &Handover::Agent(&bob, &group(20))), Ok(()));
        assert_eq!(check_transfer(&active, 1, &Handover::Queue(&group(20))), Ok(()));
        assert_eq!(check_transfer(&active, 2, &Handover::Agent(&bob, &group(20))), Err(TeamRefusal::NotHolder));
        assert_eq!(check_transfer(&active, 2, &Handover::Queue(&group(20))), Err(TeamRefusal::NotHolder));
        assert_eq!(
            check_transfer(&active, 1, &Handover::Agent(&bob, &group(30))),
            Err(TeamRefusal::NotInGroup("Agent 3".into(), "G30".into()))
        );
        assert_eq!(
            check_transfer(&active, 1, &Handover::Agent(&member(1, &[10], Presence::Online), &group(10))),
            Err(TeamRefusal::ToSelf)
        );
        let gone = member(3, &[20], Presence::Offline);
        assert_eq!(check_transfer(&active, 1, &Handover::Agent(&gone, &group(20))), Err(TeamRefusal::Offline("Agent 3".into())));
        assert!(matches!(check_transfer(&chat(ChatState::Queued), 1, &Handover::Queue(&group(20))), Err(TeamRefusal::NotNow(_))));
    }

    #[test]
    fn dialogs_list_only_online_agents() {
        let team = [
            member(1, &[10], Presence::Online),
            member(2, &[10], Presence::Online),
            member(3, &[20], Presence::Online),
            member(4, &[20], Presence::Away),
            member(5, &[10, 20], Presence::Offline),
        ];
        let active = chat(ChatState::Active);
        let ids = |members: Vec<&TeamMember>| members.iter().map(|m| m.card.id).collect::<Vec<_>>();
        assert_eq!(ids(invitable(&team, &active)), vec![3]);
        assert_eq!(ids(transfer_choices(&team, &group(10), 1)), vec![2]);
        assert_eq!(ids(transfer_choices(&team, &group(20), 1)), vec![3]);
    }

    #[test]
    fn desk_lines_say_who_did_what() {
        let english = crate::i18n::catalog::catalog().english();
        assert_eq!(joined_line(&card(2)).text(&english), "Agent 2 joined the chat.");
        assert_eq!(left_line(&card(2)).text(&english), "Agent 2 left the chat.");
        assert_eq!(
            transfer_line(&card(1), Some(&card(3)), &group(20)).text(&english),
            "Agent 1 transferred the chat to Agent 3 (G20)."
        );
        assert_eq!(transfer_line(&card(1), None, &group(20)).text(&english), "Agent 1 transferred the chat to the G20 queue.");
        let german = crate::i18n::catalog::catalog().texts("de");
        assert!(joined_line(&card(2)).text(&german).starts_with("Agent 2 "), "{}", joined_line(&card(2)).text(&german));
        assert_ne!(joined_line(&card(2)).text(&german), joined_line(&card(2)).text(&english));
    }

    #[test]
    fn a_waiting_request_is_assigned_only_to_an_online_agent_of_its_group() {
        let queued = chat(ChatState::Queued);
        let group = queued.group.id;
        let online = member(3, &[group], Presence::Online);
        assert_eq!(check_assign(&queued, &online), Ok(()));
        assert!(matches!(check_assign(&queued, &member(3, &[group + 1], Presence::Online)), Err(TeamRefusal::NotInGroup(..))));
        for presence in [Presence::Away, Presence::Offline] {
            assert!(matches!(check_assign(&queued, &member(3, &[group], presence)), Err(TeamRefusal::Offline(_))));
        }
        assert!(matches!(check_assign(&chat(ChatState::Active), &online), Err(TeamRefusal::NotNow(_))), "taken meanwhile");
        let team = [online.clone(), member(4, &[group], Presence::Away), member(5, &[group + 1], Presence::Online)];
        let ids: Vec<AgentId> = assign_choices(&team, &queued.group).iter().map(|m| m.card.id).collect();
        assert_eq!(ids, vec![3]);
    }
}
