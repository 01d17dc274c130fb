//! Deadlines: something the desk must do at a given time unless the chat moved on first.
//! The scheduler (ssr/scheduler.rs) persists them and fires each once; what firing means is
//! decided by the lifecycle (`decide(chat, Command::Miss)`: only a request that still waits
//! is missed; one accepted or given up at the last moment is left alone), without I/O.

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DeadlineKind {
    /// A chat request nobody accepted within the pickup timeout becomes a missed chat.
    MissedChat,
    /// An offer of a request (auto-assign groups) not answered in time moves on
    /// (`routing::settle` with `OfferEvent::Deadline`). The subject is the request.
    OfferExpires,
}

impl DeadlineKind {
    pub const ALL: [DeadlineKind; 2] = [DeadlineKind::MissedChat, DeadlineKind::OfferExpires];

    pub fn as_str(self) -> &'static str {
        match self {
            DeadlineKind::MissedChat => "missed_chat",
            DeadlineKind::OfferExpires => "offer_expires",
        }
    }

    pub fn parse(s: &str) -> Option<DeadlineKind> {
        DeadlineKind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_round_trip_through_their_names() {
        for kind in DeadlineKind::ALL {
            assert_eq!(DeadlineKind::parse(kind.as_str()), Some(kind));
        }
        assert_eq!(DeadlineKind::parse("other"), None);
    }
}
