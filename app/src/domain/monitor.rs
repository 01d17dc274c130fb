//! The supervisor's live monitor (issue 18): what one group's board shows, drawn from what the
//! desk stored. Pure: the desk reads the queue, the team, the loads and the chats in progress,
//! and asks here. Who may open a board is `access::Staff::watched_groups`; the board is sent
//! again, whole, whenever an event or a presence change may have altered it (ssr/desk/monitor.rs).

use crate::domain::routing::Load;
use crate::model::{
    AgentCard, AssignmentGroup, BoardAgent, ChatInProgress, ChatRequest, GroupBoard, GroupSettings, TeamMember, WaitingRequest,
};

/// What the store read of a chat in progress besides the chat itself.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Activity {
    pub accepted_at_ms: i64,
    /// The last message of the end user or an agent (not the desk's lines, not whispers).
    pub last_message_at_ms: Option<i64>,
    /// The end user's messages after the last (non-whisper) agent message.
    pub unanswered: u32,
}

/// The board of `group`: its waiting requests (as read, oldest first), its members with their
/// presence, the chats counted toward their capacity and that capacity (routing's own rules,
/// with the group's settings), and its chats in progress, oldest first. Supervisors who are not
/// members are not listed: they are not among those who take the group's chats.
pub fn board(
    group: &AssignmentGroup,
    settings: &GroupSettings,
    now_ms: i64,
    waiting: &[ChatRequest],
    team: &[TeamMember],
    load_of: impl Fn(&AgentCard) -> Load,
    in_progress: &[(ChatRequest, Activity)],
) -> GroupBoard {
    let waiting = waiting
        .iter()
        .filter(|chat| chat.group.id == group.id)
        .map(|chat| WaitingRequest {
            chat_id: chat.id,
            number: chat.number.clone(),
            end_user: chat.end_user.name.clone(),
            question: chat.question.clone(),
            since_ms: chat.created_at_ms,
        })
        .collect();
    let mut agents: Vec<BoardAgent> = team
        .iter()
        .filter(|m| m.groups.iter().any(|g| g.id == group.id))
        .map(|m| {
            let load = load_of(&m.card);
            BoardAgent {
                card: m.card.clone(),
                presence: m.presence,
                chats: load.chats_in(settings),
                capacity: load.capacity_in(settings),
            }
        })
        .collect();
    agents.sort_by(|a, b| a.card.name.cmp(&b.card.name).then(a.card.id.cmp(&b.card.id)));
    let mut chats: Vec<ChatInProgress> = in_progress
        .iter()
        .filter(|(chat, _)| chat.group.id == group.id)
        .map(|(chat, activity)| ChatInProgress {
            chat_id: chat.id,
            number: chat.number.clone(),
            end_user: chat.end_user.name.clone(),
            agent: chat.agent.clone(),
            guests: chat.guests.clone(),
            accepted_at_ms: activity.accepted_at_ms,
            last_message_at_ms: activity.last_message_at_ms,
            unanswered: activity.unanswered,
        })
        .collect();
    chats.sort_by_key(|c| (c.accepted_at_ms, c.chat_id));
    GroupBoard { group: group.clone(), now_ms, waiting, agents, chats }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::lifecycle::ChatState;
    use crate::fixtures;
    use crate::model::Presence;

    fn member(id: i64, name: &str, groups: &[i64], presence: Presence) -> TeamMember {
        TeamMember {
            card: AgentCard { name: name.into(), ..fixtures::agent(id) },
            groups: groups.iter().map(|g| fixtures::group(*g)).collect(),
            presence,
        }
    }

    #[test]
    fn a_board_shows_its_groups_queue_members_and_chats_only() {
        let group = fixtures::group(10);
        let settings = GroupSettings { max_chats: Some(3), count_guest_chats: false, ..GroupSettings::default() };
        let waiting = [
            ChatRequest { created_at_ms: 1_000, ..fixtures::request(1, 10) },
            ChatRequest { created_at_ms: 2_000, ..fixtures::request(2, 20) },
            ChatRequest { created_at_ms: 3_000, ..fixtures::request(3, 10) },
        ];
        let team = [
            member(1, "Zoe", &[10], Presence::Online),
            member(2, "Al", &[10, 20], Presence::Away),
            member(3, "Bo", &[20], Presence::Online),
        ];
        let load_of = |card: &AgentCard| match card.id {
            1 => Load { max_chats: Some(5), held: 2, as_guest: 1 },
            _ => Load { max_chats: None, held: 1, as_guest: 0 },
        };
        let mut active = ChatRequest { state: ChatState::Active, agent: Some(fixtures::agent(1)), ..fixtures::request(4, 10) };
        active.guests = vec![fixtures::agent(2)];
        let other = ChatRequest { state: ChatState::Active, ..fixtures::request(5, 20) };
        let activity = Activity { accepted_at_ms: 4_000, last_message_at_ms: Some(5_000), unanswered: 2 };
        let board = board(&group, &settings, 9_000, &waiting, &team, load_of, &[(active, activity), (other, activity)]);

        assert_eq!(board.waiting.iter().map(|w| w.chat_id).collect::<Vec<_>>(), [1, 3], "its own queue, oldest first");
        assert_eq!(board.longest_wait_ms(), Some(8_000));
        let agents: Vec<(&str, Presence, u32, Option<u32>)> =
            board.agents.iter().map(|a| (a.card.name.as_str(), a.presence, a.chats, a.capacity)).collect();
        assert_eq!(
            agents,
            [("Al", Presence::Away, 1, Some(3)), ("Zoe", Presence::Online, 2, Some(5))],
            "members only, by name; guest chats not counted here; an agent's own maximum wins"
        );
        assert_eq!(board.chats.len(), 1);
        let chat = &board.chats[0];
        assert_eq!((chat.chat_id, chat.unanswered, chat.last_message_at_ms), (4, 2, Some(5_000)));
        assert_eq!(chat.guests, vec![fixtures::agent(2)]);
    }

    #[test]
    fn guest_chats_count_where_the_group_counts_them_and_an_empty_queue_has_no_wait() {
        let settings = GroupSettings { count_guest_chats: true, ..GroupSettings::default() };
        let team = [member(1, "Zoe", &[10], Presence::Offline)];
        let board =
            board(&fixtures::group(10), &settings, 0, &[], &team, |_| Load { max_chats: None, held: 1, as_guest: 2 }, &[]);
        assert_eq!((board.agents[0].chats, board.agents[0].capacity), (3, None));
        assert_eq!(board.longest_wait_ms(), None);
    }
}
