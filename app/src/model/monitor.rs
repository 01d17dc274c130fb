//! The supervisor's live monitor (issue 18): one board per assignment group, drawn on the server
//! (domain/monitor.rs) and sent whole whenever something on it changed.

use serde::{Deserialize, Serialize};

use super::{AgentCard, AssignmentGroup, ChatId, Presence};

/// One group's board: its queue, its agents, its chats in progress.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupBoard {
    pub group: AssignmentGroup,
    /// The desk's clock when the board was drawn: waits and durations count from here.
    pub now_ms: i64,
    /// Waiting requests, oldest first.
    pub waiting: Vec<WaitingRequest>,
    /// The group's agents (its members), by name.
    pub agents: Vec<BoardAgent>,
    /// Chats of the group an agent took and that have not ended, oldest first.
    pub chats: Vec<ChatInProgress>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WaitingRequest {
    pub chat_id: ChatId,
    pub number: String,
    pub end_user: String,
    pub question: String,
    pub since_ms: i64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BoardAgent {
    pub card: AgentCard,
    pub presence: Presence,
    /// The chats counted toward their capacity in this group now (routing's count: held, and
    /// as a guest where the group counts those), in every group.
    pub chats: u32,
    /// Their most chats at once in this group, if one is set.
    pub capacity: Option<u32>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChatInProgress {
    pub chat_id: ChatId,
    pub number: String,
    pub end_user: String,
    pub agent: Option<AgentCard>,
    pub guests: Vec<AgentCard>,
    pub accepted_at_ms: i64,
    /// The last message the end user or an agent wrote (not the desk's lines, not whispers).
    pub last_message_at_ms: Option<i64>,
    /// The end user's messages after the last agent's message: waiting for an answer.
    pub unanswered: u32,
}

impl GroupBoard {
    /// How long the oldest waiting request has waited, if any waits.
    pub fn longest_wait_ms(&self) -> Option<i64> {
        self.waiting.iter().map(|w| (self.now_ms - w.since_ms).max(0)).max()
    }
}
