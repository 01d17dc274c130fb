//! The chat lifecycle as an explicit state machine.
//!
//! ```text
//!   Queued ──Accept──▶ Active ──End(any party)──▶ Ended
//!     │ └──End(EndUser)──────────────────────────▶ Ended   (the user gave up waiting)
//!     └────Miss─────────────────────────────────▶ Missed  (nobody picked it up in time)
//!   Active ──Requeue──▶ Queued                            (transferred back to a group's queue)
//! ```
//! Posting does not change the state but is only legal in some states, so it is an action too:
//! the end user may write while waiting; an agent only once the chat is theirs. So are the team
//! actions of an active chat: inviting, joining, leaving and transferring to an agent keep it
//! Active but change who takes part (domain/audience.rs `participants`).

use serde::{Deserialize, Serialize};

use crate::model::{AgentCard, AssignmentGroup, ChatEvent, ChatRequest};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ChatState {
    Queued,
    Active,
    Ended,
    Missed,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Party {
    EndUser,
    Agent,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ChatAction {
    Accept,
    Post(Party),
    End(Party),
    Miss,
    /// A participant invites another agent (who then may join).
    Invite,
    /// An invited agent joins, or a guest leaves: the chat goes on.
    Join,
    Leave,
    /// The holder hands the chat to another agent.
    Transfer,
    /// The holder hands the chat back to a group's queue.
    Requeue,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("{}", self.message())]
pub struct IllegalTransition {
    pub from: ChatState,
    pub action: ChatAction,
}

impl IllegalTransition {
    /// What a person is told; worded for the one who tried.
    pub fn message(&self) -> &'static str {
        match (self.from, self.action) {
            (ChatState::Ended | ChatState::Missed, _) => "This chat has already ended.",
            (ChatState::Active, ChatAction::Accept) => "This chat was already accepted by another agent.",
            (ChatState::Queued, ChatAction::Post(Party::Agent)) => "Accept the chat before writing to it.",
            (ChatState::Queued, ChatAction::End(Party::Agent)) => "Accept the chat before ending it.",
            (ChatState::Active, ChatAction::Miss) => "The chat was accepted in time.",
            (ChatState::Queued, ChatAction::Invite | ChatAction::Join | ChatAction::Transfer | ChatAction::Requeue) => {
                "Accept the chat before handing it on or inviting others."
            }
            _ => "That is not possible in this chat's current state.",
        }
    }
}

impl ChatState {
    pub const ALL: [ChatState; 4] = [ChatState::Queued, ChatState::Active, ChatState::Ended, ChatState::Missed];

    pub fn as_str(self) -> &'static str {
        match self {
            ChatState::Queued => "queued",
            ChatState::Active => "active",
            ChatState::Ended => "ended",
            ChatState::Missed => "missed",
        }
    }

    pub fn parse(s: &str) -> Option<ChatState> {
        ChatState::ALL.into_iter().find(|state| state.as_str() == s)
    }

    /// As a person reads it in record lists.
    pub fn label(self) -> &'static str {
        match self {
            ChatState::Queued => "Waiting",
            ChatState::Active => "In progress",
            ChatState::Ended => "Ended",
            ChatState::Missed => "Missed",
        }
    }

    pub fn is_open(self) -> bool {
        matches!(self, ChatState::Queued | ChatState::Active)
    }

    /// The state after `action`, or why it is refused.
    pub fn apply(self, action: ChatAction) -> Result<ChatState, IllegalTransition> {
        use ChatAction::*;
        use ChatState::*;
        let next = match (self, action) {
            (Queued, Accept) => Active,
            (Queued, Post(Party::EndUser)) => Queued,
            (Queued, End(Party::EndUser)) => Ended,
            (Queued, Miss) => Missed,
            (Active, Post(_)) => Active,
            (Active, End(_)) => Ended,
            (Active, Invite | Join | Leave | Transfer) => Active,
            (Active, Requeue) => Queued,
            _ => return Err(IllegalTransition { from: self, action }),
        };
        Ok(next)
    }
}

impl Party {
    pub fn as_str(self) -> &'static str {
        match self {
            Party::EndUser => "end_user",
            Party::Agent => "agent",
        }
    }
    pub fn parse(s: &str) -> Option<Party> {
        match s {
            "end_user" => Some(Party::EndUser),
            "agent" => Some(Party::Agent),
            _ => None,
        }
    }
}

/// What is asked of a chat, with what its change needs. (A message changes no chat: its
/// legality is `ChatState::apply(ChatAction::Post(..))`.)
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Command {
    Accept {
        agent: AgentCard,
    },
    End {
        by: Party,
    },
    Miss,
    Invite {
        agent: AgentCard,
        by: AgentCard,
    },
    Join {
        agent: AgentCard,
    },
    Leave {
        agent: AgentCard,
    },
    /// To an agent of `group`, or (`to` None) back to `group`'s queue.
    Transfer {
        to: Option<AgentCard>,
        group: AssignmentGroup,
    },
}

impl Command {
    pub fn action(&self) -> ChatAction {
        match self {
            Command::Accept { .. } => ChatAction::Accept,
            Command::End { by } => ChatAction::End(*by),
            Command::Miss => ChatAction::Miss,
            Command::Invite { .. } => ChatAction::Invite,
            Command::Join { .. } => ChatAction::Join,
            Command::Leave { .. } => ChatAction::Leave,
            Command::Transfer { to: Some(_), .. } => ChatAction::Transfer,
            Command::Transfer { to: None, .. } => ChatAction::Requeue,
        }
    }
}

/// The one decision about a change of a chat: whether its lifecycle allows `command` now, and
/// the event that says what happens, carrying the version it makes. The store writes exactly
/// that event's change (`ChatRequest::apply`) guarded on the version decided on, and the
/// browser models apply the same event. Who may ask (`access.rs`) and the team rules
/// (`team.rs`) are asked before.
pub fn decide(chat: &ChatRequest, command: Command) -> Result<ChatEvent, IllegalTransition> {
    let action = command.action();
    chat.state.apply(action)?;
    let (chat_id, version) = (chat.id, chat.next_version());
    Ok(match command {
        Command::Accept { agent } => ChatEvent::Accepted { chat_id, agent, version },
        Command::End { by } => ChatEvent::Ended { chat_id, by, version },
        Command::Miss => ChatEvent::Missed { chat_id, incident: None, version },
        // An invitation changes nobody's part in the chat: it names the version it was decided on.
        Command::Invite { agent, by } => ChatEvent::Invited { request: chat.clone(), agent, by, version: chat.version },
        Command::Join { agent } => ChatEvent::Joined { chat_id, agent, version },
        Command::Leave { agent } => ChatEvent::Left { chat_id, agent, version },
        Command::Transfer { to, group } => {
            let from = chat.agent.clone().ok_or(IllegalTransition { from: chat.state, action })?;
            ChatEvent::Transferred { chat_id, from, to, group, version }
        }
    })
}

/// How an event moves a request in its group's queue. The one rule the audience (who hears of
/// it), the hub (places in memory) and both browser models (the console's panels, the widget's
/// place) follow. A chat handed back to a queue enters it by the `Queued` that follows its
/// `Transferred`; leaving applies only to a request that waits (ending an active chat leaves
/// nothing).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum QueueMove {
    Enters,
    Leaves,
    Stays,
}

pub fn queue_move(event: &crate::model::ChatEvent) -> QueueMove {
    use crate::model::ChatEvent::*;
    match event {
        Queued { .. } => QueueMove::Enters,
        Accepted { .. } | Ended { .. } | Missed { .. } => QueueMove::Leaves,
        MessagePosted { .. }
        | Invited { .. }
        | Joined { .. }
        | Left { .. }
        | Transferred { .. }
        | TicketSaved { .. }
        | NoteAdded { .. }
        | Offered { .. }
        | OfferEnded { .. } => QueueMove::Stays,
    }
}

/// Whether an end user's token still opens their chat: while it is open, and for `keep_ms`
/// after it closed (ended or missed), so a reload shows it again but the browser does not keep
/// a key to the transcript forever.
pub fn token_opens(closed_at_ms: Option<i64>, now_ms: i64, keep_ms: i64) -> bool {
    closed_at_ms.is_none_or(|closed| now_ms < closed.saturating_add(keep_ms))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_opens_its_chat_until_a_while_after_it_closed() {
        assert!(token_opens(None, i64::MAX, 0), "an open chat, however old");
        assert!(token_opens(Some(1_000), 1_999, 1_000));
        assert!(!token_opens(Some(1_000), 2_000, 1_000));
        assert!(!token_opens(Some(1_000), 1_000, 0), "0: closed means closed");
        assert!(token_opens(Some(i64::MAX - 1), i64::MAX - 1, i64::MAX), "no overflow");
    }
    use ChatAction::*;
    use ChatState::*;

    const ACTIONS: [ChatAction; 11] = [
        Accept,
        Post(Party::EndUser),
        Post(Party::Agent),
        End(Party::EndUser),
        End(Party::Agent),
        Miss,
        Invite,
        Join,
        Leave,
        Transfer,
        Requeue,
    ];

    /// The whole table: every state × every action, legal ones with their target.
    fn expected(state: ChatState, action: ChatAction) -> Option<ChatState> {
        match (state, action) {
            (Queued, Accept) => Some(Active),
            (Queued, Post(Party::EndUser)) => Some(Queued),
            (Queued, End(Party::EndUser)) => Some(Ended),
            (Queued, Miss) => Some(Missed),
            (Active, Post(Party::EndUser)) | (Active, Post(Party::Agent)) => Some(Active),
            (Active, End(Party::EndUser)) | (Active, End(Party::Agent)) => Some(Ended),
            (Active, Invite) | (Active, Join) | (Active, Leave) | (Active, Transfer) => Some(Active),
            (Active, Requeue) => Some(Queued),
            _ => None,
        }
    }

    #[test]
    fn every_state_and_action_follows_the_table() {
        for state in ChatState::ALL {
            for action in ACTIONS {
                let got = state.apply(action);
                match expected(state, action) {
                    Some(next) => assert_eq!(got, Ok(next), "{state:?} + {action:?}"),
                    None => assert_eq!(got, Err(IllegalTransition { from: state, action }), "{state:?} + {action:?}"),
                }
            }
        }
    }

    #[test]
    fn the_happy_path_is_queued_active_ended() {
        let state = Queued.apply(Accept).unwrap();
        let state = state.apply(Post(Party::Agent)).unwrap();
        let state = state.apply(Post(Party::EndUser)).unwrap();
        assert_eq!(state.apply(End(Party::Agent)), Ok(Ended));
    }

    #[test]
    fn closed_chats_refuse_everything() {
        for state in [Ended, Missed] {
            assert!(!state.is_open());
            for action in ACTIONS {
                let err = state.apply(action).unwrap_err();
                assert_eq!(err.message(), "This chat has already ended.");
            }
        }
    }

    #[test]
    fn a_second_accept_is_refused_with_a_clear_message() {
        let err = Active.apply(Accept).unwrap_err();
        assert_eq!(err.message(), "This chat was already accepted by another agent.");
    }

    #[test]
    fn agents_cannot_write_to_or_end_a_queued_chat() {
        assert!(Queued.apply(Post(Party::Agent)).is_err());
        assert!(Queued.apply(End(Party::Agent)).is_err());
    }

    #[test]
    fn team_actions_need_an_active_chat() {
        for action in [Invite, Join, Transfer, Requeue] {
            assert_eq!(Queued.apply(action).unwrap_err().message(), "Accept the chat before handing it on or inviting others.");
        }
        assert_eq!(Active.apply(Requeue), Ok(Queued), "back in a queue, it can be accepted again");
        assert_eq!(Active.apply(Requeue).and_then(|s| s.apply(Accept)), Ok(Active));
    }

    /// `decide` refuses what the table refuses and otherwise makes the event whose `apply` takes
    /// the chat to the table's state, one version on (an invitation: none).
    #[test]
    fn decide_follows_the_table_and_its_event_makes_the_change() {
        use crate::fixtures::{agent, group, request};
        let commands = [
            Command::Accept { agent: agent(1) },
            Command::End { by: Party::EndUser },
            Command::End { by: Party::Agent },
            Command::Miss,
            Command::Invite { agent: agent(3), by: agent(1) },
            Command::Join { agent: agent(3) },
            Command::Leave { agent: agent(3) },
            Command::Transfer { to: Some(agent(2)), group: group(20) },
            Command::Transfer { to: None, group: group(20) },
        ];
        for state in ChatState::ALL {
            let mut chat = crate::model::ChatRequest { state, version: 4, ..request(7, 10) };
            if state != Queued {
                chat.agent = Some(agent(1));
            }
            for command in commands.clone() {
                let action = command.action();
                match (decide(&chat, command.clone()), expected(state, action)) {
                    (Ok(event), Some(next)) => {
                        let mut after = chat.clone();
                        after.apply(&event);
                        assert_eq!(after.state, next, "{state:?} + {command:?}");
                        let moves = if action == Invite { 0 } else { 1 };
                        assert_eq!(after.version, chat.version + moves, "{state:?} + {command:?}");
                    }
                    (Err(refused), None) => assert_eq!(refused, IllegalTransition { from: state, action }),
                    (got, want) => panic!("{state:?} + {command:?}: {got:?}, the table says {want:?}"),
                }
            }
        }
    }

    #[test]
    fn arrivals_enter_the_queue_and_accepting_ending_or_missing_leave_it() {
        use crate::fixtures::{agent, message, request};
        use crate::model::{Author, ChatEvent};
        let cases = [
            (ChatEvent::Queued { request: request(7, 10) }, QueueMove::Enters),
            (ChatEvent::Accepted { chat_id: 7, agent: agent(1), version: 0 }, QueueMove::Leaves),
            (ChatEvent::Ended { chat_id: 7, by: Party::EndUser, version: 0 }, QueueMove::Leaves),
            (ChatEvent::Missed { chat_id: 7, incident: None, version: 0 }, QueueMove::Leaves),
            (ChatEvent::MessagePosted { message: message(1, 7, Author::EndUser, "c") }, QueueMove::Stays),
            (ChatEvent::Joined { chat_id: 7, agent: agent(2), version: 0 }, QueueMove::Stays),
            (ChatEvent::Left { chat_id: 7, agent: agent(2), version: 0 }, QueueMove::Stays),
            (
                ChatEvent::Transferred { chat_id: 7, from: agent(1), to: None, group: crate::fixtures::group(20), version: 0 },
                QueueMove::Stays,
            ),
        ];
        for (event, expected) in cases {
            assert_eq!(queue_move(&event), expected, "{event:?}");
        }
    }

    #[test]
    fn states_and_parties_round_trip_through_their_names() {
        for state in ChatState::ALL {
            assert_eq!(ChatState::parse(state.as_str()), Some(state));
        }
        for party in [Party::EndUser, Party::Agent] {
            assert_eq!(Party::parse(party.as_str()), Some(party));
        }
        assert_eq!(ChatState::parse("transferred"), None);
    }
}
