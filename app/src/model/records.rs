//! Wire types of the desk's ticket records: Interactions and Incidents, their notes, the
//! relations between records, the history of chats, and the desk settings that shape them.

use serde::{Deserialize, Serialize};

use super::{AgentCard, AssignmentGroup, ChatId, ChatRequest, ChatTranscript};

pub type TicketId = i64;

/// The two kinds of ticket a chat leaves. Both live in one table and share their fields; the
/// kind decides the number's prefix.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum TicketKind {
    /// The record of a contact with the desk (`SD…`), one per chat unless the end user gave
    /// a previous one.
    Interaction,
    /// A problem to be worked (`IM…`): converted from a chat, added after it, or a missed chat.
    Incident,
}

impl TicketKind {
    pub const ALL: [TicketKind; 2] = [TicketKind::Interaction, TicketKind::Incident];

    pub fn as_str(self) -> &'static str {
        match self {
            TicketKind::Interaction => "interaction",
            TicketKind::Incident => "incident",
        }
    }

    pub fn parse(s: &str) -> Option<TicketKind> {
        TicketKind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            TicketKind::Interaction => "Interaction",
            TicketKind::Incident => "Incident",
        }
    }

    pub fn prefix(self) -> &'static str {
        match self {
            TicketKind::Interaction => "SD",
            TicketKind::Incident => "IM",
        }
    }
}

/// `SD00012`, `IM00007`.
pub fn ticket_number(kind: TicketKind, id: TicketId) -> String {
    format!("{}{id:05}", kind.prefix())
}

/// What a record number names: `CR…` a chat request, `SD…` an interaction, `IM…` an incident.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum RecordRef {
    ChatRequest(ChatId),
    Ticket(TicketKind, TicketId),
}

impl RecordRef {
    pub fn parse(number: &str) -> Option<RecordRef> {
        let number = number.trim().to_ascii_uppercase();
        let (prefix, digits) = number.split_at_checked(2)?;
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let id: i64 = digits.parse().ok()?;
        match prefix {
            "CR" => Some(RecordRef::ChatRequest(id)),
            _ => TicketKind::ALL.into_iter().find(|k| k.prefix() == prefix).map(|k| RecordRef::Ticket(k, id)),
        }
    }

    pub fn number(self) -> String {
        match self {
            RecordRef::ChatRequest(id) => super::chat_number(id),
            RecordRef::Ticket(kind, id) => ticket_number(kind, id),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum TicketStatus {
    Open,
    InProgress,
    Resolved,
    Closed,
}

impl TicketStatus {
    pub const ALL: [TicketStatus; 4] =
        [TicketStatus::Open, TicketStatus::InProgress, TicketStatus::Resolved, TicketStatus::Closed];

    pub fn as_str(self) -> &'static str {
        match self {
            TicketStatus::Open => "open",
            TicketStatus::InProgress => "in_progress",
            TicketStatus::Resolved => "resolved",
            TicketStatus::Closed => "closed",
        }
    }

    pub fn parse(s: &str) -> Option<TicketStatus> {
        TicketStatus::ALL.into_iter().find(|v| v.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            TicketStatus::Open => "Open",
            TicketStatus::InProgress => "In progress",
            TicketStatus::Resolved => "Resolved",
            TicketStatus::Closed => "Closed",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Priority {
    Critical,
    High,
    Moderate,
    Low,
}

impl Priority {
    pub const ALL: [Priority; 4] = [Priority::Critical, Priority::High, Priority::Moderate, Priority::Low];

    pub fn as_str(self) -> &'static str {
        match self {
            Priority::Critical => "critical",
            Priority::High => "high",
            Priority::Moderate => "moderate",
            Priority::Low => "low",
        }
    }

    pub fn parse(s: &str) -> Option<Priority> {
        Priority::ALL.into_iter().find(|v| v.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            Priority::Critical => "1 - Critical",
            Priority::High => "2 - High",
            Priority::Moderate => "3 - Moderate",
            Priority::Low => "4 - Low",
        }
    }
}

/// The fields an agent edits on a ticket.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TicketFields {
    pub title: String,
    pub description: String,
    pub status: TicketStatus,
    pub priority: Priority,
    pub category: String,
    pub contact_name: String,
    pub contact_email: String,
    pub contact_phone: String,
    pub location: String,
}

impl Default for TicketFields {
    fn default() -> Self {
        TicketFields {
            title: String::new(),
            description: String::new(),
            status: TicketStatus::Open,
            priority: Priority::Moderate,
            category: String::new(),
            contact_name: String::new(),
            contact_email: String::new(),
            contact_phone: String::new(),
            location: String::new(),
        }
    }
}

/// An Interaction or Incident record.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ticket {
    pub id: TicketId,
    pub kind: TicketKind,
    pub number: String,
    pub fields: TicketFields,
    pub group: AssignmentGroup,
    pub assignee: Option<AgentCard>,
    /// Optimistic versioning: a save names the version it edited and is refused if the
    /// record moved on since.
    pub version: i64,
    pub created_at_ms: i64,
    pub updated_at_ms: i64,
    /// The chat this record was born from, if any (its transcript is one click away).
    pub chat_id: Option<ChatId>,
}

/// An agent's note on a ticket; never shown to the end user.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Note {
    pub id: i64,
    pub ticket_id: TicketId,
    pub author: AgentCard,
    pub body: String,
    pub at_ms: i64,
}

/// One line of a Related Records list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RelatedRecord {
    pub record: RecordRef,
    pub number: String,
    /// The chat's question, or the ticket's title.
    pub title: String,
    /// The chat's or the ticket's state, as a person reads it.
    pub status: String,
}

/// What the console shows beside one chat: its interaction and incident, if any.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChatRecords {
    pub chat_id: ChatId,
    pub interaction: Option<Ticket>,
    pub incident: Option<Ticket>,
    pub notes: Vec<Note>,
    /// E.g. the previous ticket ID the end user gave did not lead anywhere.
    pub notice: Option<String>,
}

impl ChatRecords {
    /// Where a note from the chat window goes: the incident, else the interaction.
    pub fn note_target(&self) -> Option<&Ticket> {
        self.incident.as_ref().or(self.interaction.as_ref())
    }
}

/// A record page: the record, its notes and related records, and for chat-born records (and
/// chat requests) the transcript.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordView {
    /// The stream position this was read at: the page follows changes live from here.
    pub position: super::Position,
    pub record: RecordRef,
    pub ticket: Option<Ticket>,
    pub notes: Vec<Note>,
    pub related: Vec<RelatedRecord>,
    pub transcript: Option<ChatTranscript>,
    /// The end user's rating of the record's chat, to those who may read its transcript.
    #[serde(default)]
    pub rating: Option<super::ChatRating>,
}

/// A search over tickets. Empty text lists everything the agent may see, newest first.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordQuery {
    /// Matches the number, contact name or email, title or description.
    pub text: String,
    pub kind: Option<TicketKind>,
    pub status: Option<TicketStatus>,
    /// Paging: only records with a smaller id (the last row of the previous page).
    pub before: Option<TicketId>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordRow {
    pub id: TicketId,
    pub kind: TicketKind,
    pub number: String,
    pub title: String,
    pub status: TicketStatus,
    pub contact_name: String,
    pub group_name: String,
    pub updated_at_ms: i64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordPage {
    pub rows: Vec<RecordRow>,
    pub more: bool,
}

pub const RECORD_PAGE: usize = 50;
/// Past chats per page of the console's history.
pub const HISTORY_PAGE: usize = 50;

/// A past chat in the console's history, with the numbers of its records.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryEntry {
    pub request: ChatRequest,
    pub interaction: Option<String>,
    pub incident: Option<String>,
    /// The end user's rating of the chat, if they gave one.
    #[serde(default)]
    pub rating: Option<super::ChatRating>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryPage {
    pub entries: Vec<HistoryEntry>,
    pub more: bool,
}

/// One line of the chat-request → interaction field mapping, by field name (see
/// `domain::records` for the names and which fit together). Names, not enums, on the wire,
/// so an unknown name gets a clear refusal instead of a decoding error.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldMap {
    pub from: String,
    pub to: String,
}

/// What an admin sets for the whole desk.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeskSettings {
    /// Requests nobody accepts within `pickup_timeout_secs` become 'Missed Chat' incidents.
    pub missed_chat_incidents: bool,
    pub pickup_timeout_secs: u32,
    /// How a new Interaction is prefilled from its chat request.
    pub mapping: Vec<FieldMap>,
}
