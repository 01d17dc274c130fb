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

/// When a request created at `created_at_ms` is missed, if missed chats are on.
pub fn missed_chat_due(created_at_ms: i64, pickup_timeout_ms: Option<i64>) -> Option<i64> {
    pickup_timeout_ms.filter(|t| *t > 0).map(|t| created_at_ms + t)
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
    fn a_missed_chat_is_due_a_timeout_after_it_was_created_when_the_timeout_is_on() {
        assert_eq!(missed_chat_due(1_000, Some(60_000)), Some(61_000));
        assert_eq!(missed_chat_due(1_000, None), None);
        assert_eq!(missed_chat_due(1_000, Some(0)), None, "0 means off");
    }

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
