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
    // The widget's WASM (feature `widget-wire`) never receives this or `Team` and leaves out
    // their decoding, a ticket's among it: bytes every visitor would download (README, Bytes).
    #[cfg_attr(feature = "widget-wire", serde(skip_deserializing))]
    Stale { current: Box<crate::model::Ticket> },
    #[error("Only an admin can do that.")]
    AdminOnly,
    /// Allowed to others, not to the caller; the text says what they may do instead.
    #[error("{0}")]
    NotAllowed(String),
    /// An invite, join, leave or transfer that cannot happen (domain/team.rs); e.g. the chosen
    /// agent went offline meanwhile.
    #[error("{0}")]
    #[cfg_attr(feature = "widget-wire", serde(skip_deserializing))]
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
    // Not decoded by the widget either: its server functions never answer it, and on its
    // WebSocket a frame it cannot decode is passed over as this would be (the server closes
    // the connection after it, and the widget connects again).
    #[cfg_attr(feature = "widget-wire", serde(skip_deserializing))]
    Protocol(Protocol),
    /// Anything else the server function machinery reports: arguments that do not decode
    /// (wrong types, missing, not JSON, not UTF-8: `ApiError::bad_arguments`, 400), a body that
    /// is not JSON (415), an unknown endpoint (404).
    #[error("{0}")]
    Request(String),
    /// A request body over the server's limit (413).
    #[error("The request is too large: at most {} KiB are accepted.", max_bytes / 1024)]
    TooLarge { max_bytes: usize },
    /// The widget's form broke its rules (422); each error names its field.
    #[error("{}", form_errors(.0))]
    InvalidForm(Vec<crate::model::FieldError>),
}

fn form_errors(errors: &[crate::model::FieldError]) -> String {
    let fields = errors.iter().map(|e| e.field.key()).collect::<Vec<_>>().join(", ");
    format!("Please correct the form: {fields}.")
}

impl ApiError {
    /// What an end user reads, in their language (the widget; app/locales). Of the errors an
    /// end user's calls do not get, those carrying the server's own words keep them inside
    /// "Something went wrong: …"; the others read "Something went wrong. Please try again."
    pub fn text_for_end_user(&self, texts: &crate::i18n::Texts) -> String {
        use crate::domain::lifecycle::ChatState;
        match self {
            ApiError::InvalidMessage(MessageError::Empty) => texts.get("error-message-empty"),
            ApiError::InvalidMessage(MessageError::TooLong { len }) => texts.fill(
                "error-message-too-long",
                &[("max", &crate::domain::validate::MAX_MESSAGE_CHARS.to_string()), ("length", &len.to_string())],
            ),
            ApiError::InvalidMessage(MessageError::Unprintable) => texts.get("error-message-unprintable"),
            ApiError::NoSuchChat => texts.get("error-no-such-chat"),
            ApiError::NotNow(t) if matches!(t.from, ChatState::Ended | ChatState::Missed) => texts.get("error-chat-ended"),
            ApiError::NotNow(_) => texts.get("error-not-now"),
            ApiError::RateLimited { retry_after_secs } => {
                texts.count("error-rate-limited", "seconds", (*retry_after_secs).max(1) as i64, &[])
            }
            ApiError::WaitingCap { cap } => texts.fill("error-waiting-cap", &[("cap", &cap.to_string())]),
            ApiError::TooManyConnections => texts.get("error-too-many-connections"),
            ApiError::ChatClosed => texts.get("error-chat-closed"),
            ApiError::Restarting => texts.get("error-restarting"),
            ApiError::Unavailable => texts.get("error-unavailable"),
            ApiError::Unreachable => texts.get("error-unreachable"),
            ApiError::TooLarge { max_bytes } => texts.fill("error-too-large", &[("kib", &(max_bytes / 1024).to_string())]),
            ApiError::InvalidForm(_) => texts.get("error-form"),
            // What the server said in words (English), without the whole enum's `Display`:
            // its texts would be bytes in every visitor's download (README, Bytes).
            ApiError::Invalid(said) | ApiError::NotAllowed(said) | ApiError::Request(said) => {
                texts.fill("error-other", &[("detail", said)])
            }
            _ => texts.get("error-unexpected"),
        }
    }
}

/// Largest request body the server accepts: a form or a message is a few KiB; a ticket with a
/// long transcript in its description (≤ 50,000 characters) needs the most.
pub const MAX_REQUEST_BYTES: usize = 256 * 1024;

impl ApiError {
    /// Arguments of a server function that did not decode, worded for a person, with serde's
    /// own text kept at the end for whoever debugs the client.
    pub fn bad_arguments(detail: &str) -> ApiError {
        let said = |s: &str| detail.contains(s);
        if said("length limit exceeded") {
            return ApiError::TooLarge { max_bytes: MAX_REQUEST_BYTES };
        }
        let what = if let Some(field) = detail.strip_prefix("missing field `").and_then(|rest| rest.split('`').next()) {
            format!("The request lacks the field `{field}`")
        } else if said("invalid unicode code point") || said("surrogate") || said("utf-8") || said("UTF-8") {
            "The request holds text that is not valid UTF-8".to_string()
        } else if said("invalid type") || said("invalid value") || said("invalid length") || said("unknown variant") {
            "An argument has the wrong type or value".to_string()
        } else if said("EOF while parsing")
            || said("expected value")
            || said("expected ident")
            || said("trailing characters")
            || said("key must be a string")
            || said("expected `,`")
            || said("expected `:`")
        {
            "The request is not a JSON object of arguments".to_string()
        } else {
            "The request's arguments could not be read".to_string()
        };
        ApiError::Request(format!("{what} ({detail})."))
    }
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
    /// A hello whose position is not in the stream: below 0, or beyond its head (the client
    /// cannot have seen it; resuming from there would skip everything up to it).
    #[error("Position {after} is not in the stream (it runs from 0 to {head}); load the page again.")]
    BadPosition { after: i64, head: i64 },
}

impl leptos::server_fn::error::FromServerFnError for ApiError {
    type Encoder = leptos::server_fn::codec::JsonEncoding;

    /// On the server these are the request's own faults (arguments that do not decode, a body
    /// over the limit): a 4xx with a clear text instead of server_fn's 500. In the browser,
    /// a request that never arrived.
    fn from_server_fn_error(value: leptos::server_fn::error::ServerFnErrorErr) -> Self {
        use leptos::server_fn::error::ServerFnErrorErr;
        match value {
            #[cfg(feature = "ssr")]
            ServerFnErrorErr::Args(detail) | ServerFnErrorErr::Deserialization(detail) => {
                crate::api::ctx::answer(ApiError::bad_arguments(&detail))
            }
            #[cfg(feature = "ssr")]
            ServerFnErrorErr::MissingArg(name) => {
                crate::api::ctx::answer(ApiError::Request(format!("The request lacks the argument `{name}`.")))
            }
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
            ApiError::Protocol(Protocol::BadPosition { after: -1, head: 7 }),
            ApiError::TooLarge { max_bytes: MAX_REQUEST_BYTES },
            ApiError::InvalidForm(vec![crate::model::FieldError::new(
                crate::model::FormField::Name,
                crate::model::FieldProblem::TooLong { max: 120 },
            )]),
            ApiError::InvalidMessage(MessageError::Unprintable),
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

    #[test]
    fn an_end_user_reads_the_servers_words_or_a_plain_apology() {
        let texts = crate::i18n::catalog::catalog().english();
        assert_eq!(ApiError::NotAllowed("Not here.".into()).text_for_end_user(&texts), "Something went wrong: Not here.");
        assert_eq!(ApiError::Request("Unknown endpoint.".into()).text_for_end_user(&texts), "Something went wrong: Unknown endpoint.");
        assert_eq!(ApiError::AdminOnly.text_for_end_user(&texts), "Something went wrong. Please try again.");
        assert_eq!(ApiError::ChatClosed.text_for_end_user(&texts), ApiError::ChatClosed.to_string(), "its own sentence");
    }

    #[test]
    fn too_large_crosses_the_wire_as_itself() {
        assert_eq!(
            serde_json::to_string(&ApiError::TooLarge { max_bytes: 262144 }).unwrap(),
            r#"{"TooLarge":{"max_bytes":262144}}"#
        );
        assert_eq!(
            ApiError::TooLarge { max_bytes: 262144 }.to_string(),
            "The request is too large: at most 256 KiB are accepted."
        );
    }

    /// serde's own errors for the arguments of `add_chat_note(chat_id: i64, body: String)`.
    fn decode(body: &[u8]) -> ApiError {
        #[derive(Debug, serde::Deserialize)]
        #[allow(dead_code)]
        struct AddChatNote {
            chat_id: i64,
            body: String,
        }
        let err = serde_json::from_slice::<AddChatNote>(body).unwrap_err();
        ApiError::bad_arguments(&err.to_string())
    }

    #[test]
    fn arguments_that_do_not_decode_are_told_in_words() {
        let text = |body: &[u8]| decode(body).to_string();
        assert!(text(br#"{"chat_id":"x"}"#).starts_with("An argument has the wrong type or value (invalid type: string"));
        assert!(text(b"{}").starts_with("The request lacks the field `chat_id` (missing field"));
        assert!(text(b"chat_id=3").starts_with("The request is not a JSON object of arguments ("));
        assert!(text(b"").starts_with("The request is not a JSON object of arguments ("));
        assert!(text(b"{\"chat_id\":1,\"body\":\"\"}x").starts_with("The request is not a JSON object of arguments ("));
        assert!(text(b"{\"chat_id\":1,\"body\":\"\xff\xfe\"}").starts_with("The request holds text that is not valid UTF-8 ("));
        assert!(text(br#"{"chat_id":1e400,"body":""}"#).ends_with(")."));
        assert_eq!(ApiError::bad_arguments("length limit exceeded"), ApiError::TooLarge { max_bytes: MAX_REQUEST_BYTES });
    }
}
