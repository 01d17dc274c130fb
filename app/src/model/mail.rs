//! Wire types of mail (issue 18): the SMTP settings admins keep, the outbox they watch, and
//! what an end user's "Email me the transcript" answers.

use serde::{Deserialize, Serialize};

pub use crate::domain::outbox::{OutboxKind, OutboxState};

/// How the connection to the SMTP server is protected.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum MailSecurity {
    /// Plain SMTP upgraded with STARTTLS, which must succeed (submission, port 587).
    #[default]
    StartTls,
    /// TLS from the first byte (port 465).
    Tls,
    /// No encryption: only for a relay on this machine or a test server.
    None,
}

impl MailSecurity {
    pub const ALL: [MailSecurity; 3] = [MailSecurity::StartTls, MailSecurity::Tls, MailSecurity::None];

    pub fn as_str(self) -> &'static str {
        match self {
            MailSecurity::StartTls => "starttls",
            MailSecurity::Tls => "tls",
            MailSecurity::None => "none",
        }
    }

    pub fn parse(s: &str) -> Option<MailSecurity> {
        MailSecurity::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// Where and as whom the desk sends mail. No host: the desk sends none (and the widget offers
/// no transcript by email).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MailSettings {
    pub host: String,
    pub port: u16,
    pub security: MailSecurity,
    /// Empty: the server is not logged on to.
    pub username: String,
    pub password: String,
    /// The From address, e.g. `Service desk <desk@example.com>`.
    pub sender: String,
}

impl MailSettings {
    pub fn is_on(&self) -> bool {
        !self.host.is_empty()
    }
}

/// The settings as the admin screen shows them: never the password, only whether one is kept.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MailSettingsView {
    pub host: String,
    pub port: u16,
    pub security: MailSecurity,
    pub username: String,
    pub sender: String,
    pub password_set: bool,
    /// The server was started with `--smtp-host`: those flags are used, not these settings.
    pub from_flags: bool,
}

/// The admin's change: `new_password` `None` keeps the stored one, `Some("")` removes it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MailSettingsChange {
    pub host: String,
    pub port: u16,
    pub security: MailSecurity,
    pub username: String,
    pub new_password: Option<String>,
    pub sender: String,
}

/// One outbox entry as admins see it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutboxEntry {
    pub id: i64,
    pub kind: OutboxKind,
    pub recipient: String,
    pub subject: String,
    /// The chat it is about, if any (its number, e.g. CHAT0001042).
    pub chat_number: Option<String>,
    pub state: OutboxState,
    pub attempts: u32,
    /// When it is tried next (queued entries).
    pub next_attempt_at_ms: Option<i64>,
    /// Why the last try failed, if it did.
    pub last_error: Option<String>,
    pub created_at_ms: i64,
    pub sent_at_ms: Option<i64>,
}

/// What "Email me the transcript" answers: the entry is queued (or was sent already, when the
/// same request came again) to this address.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TranscriptRequested {
    pub address: String,
    pub state: OutboxState,
}
