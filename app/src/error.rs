//! `ApiError`: every refusal a caller can get, from a server function or on the WebSocket.
//! It crosses the wire as itself (JSON), so the browser matches variants and never compares
//! texts; `Display` is what a person reads.

use serde::{Deserialize, Serialize};

use crate::domain::lifecycle::IllegalTransition;
use crate::domain::validate::MessageError;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum ApiError {
    /// No session, or it ended: the console goes to the log-on page.
    #[error("Please log on first.")]
    NotSignedIn,
    #[error("The email or password is not right.")]
    BadCredentials,
    /// Deliberately the same whether the chat does not exist or is not the caller's.
    #[error("No such chat, or it is not yours.")]
    NoSuchChat,
    #[error("{0}")]
    InvalidMessage(MessageError),
    /// Deliberately the same whether the record does not exist or is outside the caller's groups.
    #[error("No such record, or it is not in your groups.")]
    NoSuchRecord,
    /// A record, note or setting that breaks a rule; the text names the field.
    #[error("{0}")]
    Invalid(String),
    /// Someone else saved the record since it was opened: nothing was overwritten, and these
    /// are the values now stored.
    #[error("Someone else saved {} meanwhile; nothing was overwritten. The values shown now are theirs: make your change again.", current.number)]
    Stale { current: Box<crate::model::Ticket> },
    #[error("Only an admin can do that.")]
    AdminOnly,
    /// Allowed to others, not to the caller; the text says what they may do instead.
    #[error("{0}")]
    NotAllowed(String),
    /// An invite, join, leave or transfer that cannot happen (domain/team.rs); e.g. the chosen
    /// agent went offline meanwhile.
    #[error("{0}")]
    Team(crate::domain::team::TeamRefusal),
    /// The chat's state does not allow it (see domain/lifecycle.rs).
    #[error("{0}")]
    NotNow(IllegalTransition),
    /// A limit on how often one client may do this (ssr/limits.rs); sent with `Retry-After`.
    #[error("Too many attempts from here. Please wait {} and try again.", seconds(*retry_after_secs))]
    RateLimited { retry_after_secs: u64 },
    /// An end user may post only so many messages while their chat waits for an agent.
    #[error("You have sent {cap} messages while waiting. An agent will read them all when they answer; please wait for them before sending more.")]
    WaitingCap { cap: u32 },
    /// Too many live connections (per chat, per address, or on this server).
    #[error("Too many open connections. Close another Deskchat tab or window and try again.")]
    TooManyConnections,
    /// The chat ended long enough ago that its token no longer opens it.
    #[error("This chat has ended and is closed. Start a new chat if you need more help.")]
    ChatClosed,
    /// The server is restarting; the connection will be made again.
    #[error("The server is restarting; reconnecting…")]
    Restarting,
    #[error("The server could not save this; please try again.")]
    Unavailable,
    /// The browser could not reach the server at all.
    #[error("The server could not be reached; check your connection.")]
    Unreachable,
    /// A WebSocket frame or request the protocol does not allow (docs/realtime.md).
    #[error("{0}")]
    Protocol(Protocol),
    /// Anything else the server function machinery reports (arguments that do not decode, …).
    #[error("{0}")]
    Request(String),
}

fn seconds(n: u64) -> String {
    if n == 1 {
        "1 second".into()
    } else if n < 120 {
        format!("{n} seconds")
    } else {
        format!("{} minutes", n.div_ceil(60))
    }
}

/// What was wrong with a WebSocket conversation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum Protocol {
    #[error("The first frame must be a hello.")]
    HelloFirst,
    #[error("No hello received in time.")]
    NoHello,
    #[error("Already said hello.")]
    AlreadySaidHello,
    #[error("Malformed frame; expected JSON.")]
    Malformed,
    #[error("Binary frames are not supported.")]
    Binary,
    #[error("Frames are limited to {0} bytes.")]
    TooBig(usize),
    #[error("Unreadable frame: {0}")]
    Unreadable(String),
    #[error("Idle for too long.")]
    Idle,
    /// The agent's groups or role changed: the connection is made again with what they may see now.
    #[error("Your groups or role changed; reconnecting…")]
    Changed,
    #[error("The connection did not keep up.")]
    TooSlow,
    #[error("The connection was lost.")]
    Gone,
    #[error("Cannot read events: {0}")]
    Events(String),
}

impl leptos::server_fn::error::FromServerFnError for ApiError {
    type Encoder = leptos::server_fn::codec::JsonEncoding;

    fn from_server_fn_error(value: leptos::server_fn::error::ServerFnErrorErr) -> Self {
        use leptos::server_fn::error::ServerFnErrorErr;
        match value {
            ServerFnErrorErr::Request(_) => ApiError::Unreachable,
            other => ApiError::Request(other.to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::lifecycle::{ChatAction, ChatState, Party};

    #[test]
    fn errors_cross_the_wire_as_themselves_and_read_as_text() {
        let cases = [
            ApiError::NoSuchChat,
            ApiError::InvalidMessage(MessageError::TooLong { len: 4001 }),
            ApiError::NotNow(IllegalTransition { from: ChatState::Queued, action: ChatAction::Post(Party::Agent) }),
            ApiError::Protocol(Protocol::TooBig(4096)),
        ];
        for error in cases {
            let json = serde_json::to_string(&error).unwrap();
            assert_eq!(serde_json::from_str::<ApiError>(&json).unwrap(), error);
        }
        assert_eq!(
            ApiError::NotNow(IllegalTransition { from: ChatState::Ended, action: ChatAction::Accept }).to_string(),
            "This chat has already ended."
        );
        assert_eq!(ApiError::Protocol(Protocol::TooBig(4096)).to_string(), "Frames are limited to 4096 bytes.");
        assert_eq!(
            ApiError::RateLimited { retry_after_secs: 42 }.to_string(),
            "Too many attempts from here. Please wait 42 seconds and try again."
        );
        assert_eq!(
            ApiError::RateLimited { retry_after_secs: 900 }.to_string(),
            "Too many attempts from here. Please wait 15 minutes and try again."
        );
    }
}
