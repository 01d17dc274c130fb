//! Deadlines: something the desk must do at a given time unless the chat moved on first.
//! The scheduler (ssr/scheduler.rs) persists them and fires each once; what firing means is
//! decided here and in the lifecycle, without I/O.

use crate::domain::lifecycle::{ChatAction, ChatState};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DeadlineKind {
    /// A chat request nobody accepted within the pickup timeout becomes a missed chat.
    MissedChat,
}

impl DeadlineKind {
    pub const ALL: [DeadlineKind; 1] = [DeadlineKind::MissedChat];

    pub fn as_str(self) -> &'static str {
        match self {
            DeadlineKind::MissedChat => "missed_chat",
        }
    }

    pub fn parse(s: &str) -> Option<DeadlineKind> {
        DeadlineKind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// Whether a due missed-chat deadline turns the chat into a missed one: only while it still
/// waits. A request accepted (or given up) at the last moment is left alone.
pub fn misses(state: ChatState) -> bool {
    state.apply(ChatAction::Miss).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_waiting_request_is_missed() {
        assert!(misses(ChatState::Queued));
        for state in [ChatState::Active, ChatState::Ended, ChatState::Missed] {
            assert!(!misses(state), "{state:?}");
        }
    }

    #[test]
    fn kinds_round_trip_through_their_names() {
        for kind in DeadlineKind::ALL {
            assert_eq!(DeadlineKind::parse(kind.as_str()), Some(kind));
        }
        assert_eq!(DeadlineKind::parse("other"), None);
    }
}
