//! Wire types: everything that crosses between server and browser. Both sides compile this
//! file, so a field renamed here is renamed everywhere.

use serde::{Deserialize, Serialize};

use crate::domain::lifecycle::{ChatState, Party};
pub use crate::domain::routing::{NoLiveChat, WaitPace};
pub use crate::error::{ApiError, Protocol};
pub use admin::*;
pub use canned::*;
pub use mail::*;
pub use monitor::*;
pub use records::*;
pub use reports::*;

mod admin;
mod canned;
mod mail;
mod monitor;
mod records;
mod reports;

pub type ChatId = i64;
pub type AgentId = i64;
pub type GroupId = i64;
/// A place in the ordered event stream. Every event a client can see has one; a client resumes
/// after the last position it applied (see docs/realtime.md).
pub type Position = i64;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AssignmentGroup {
    pub id: GroupId,
    pub name: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Role {
    Agent,
    Admin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Agent => "agent",
            Role::Admin => "admin",
        }
    }
    pub fn parse(s: &str) -> Option<Role> {
        match s {
            "agent" => Some(Role::Agent),
            "admin" => Some(Role::Admin),
            _ => None,
        }
    }
}

/// What an end user (and other agents) see of an agent: name and photo.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgentCard {
    pub id: AgentId,
    pub name: String,
    pub photo_url: Option<String>,
}

/// The logged-on agent, as the console knows them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgentProfile {
    pub card: AgentCard,
    pub email: String,
    pub role: Role,
    pub groups: Vec<AssignmentGroup>,
    /// The groups they supervise (issue 18), whether or not they are a member; an admin
    /// supervises every group (`domain::access::Staff::supervises_group`).
    #[serde(default)]
    pub supervises: Vec<AssignmentGroup>,
}

/// Who opened the chat, as given in the widget form.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EndUser {
    pub name: String,
    pub email: String,
    pub phone: Option<String>,
    pub location: String,
    /// Where agents load the photo the end user uploaded (`chat_photo_path`), if any.
    pub photo_url: Option<String>,
}

/// The address of a chat's end-user photo on this server (served only to agents who may see
/// the chat).
pub fn chat_photo_path(chat: ChatId) -> String {
    format!("/photos/chat/{chat}")
}

/// The chat request record: one per chat, from the widget form to the end of the session.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChatRequest {
    pub id: ChatId,
    /// Human-readable record number, e.g. `CR01042`.
    pub number: String,
    pub group: AssignmentGroup,
    pub state: ChatState,
    pub end_user: EndUser,
    pub question: String,
    pub previous_ticket: Option<String>,
    pub created_at_ms: i64,
    pub agent: Option<AgentCard>,
    pub ended_by: Option<Party>,
    /// The number of the chat's incident once it has one (a missed chat's is shown to the end
    /// user as their ticket).
    #[serde(default)]
    pub incident: Option<String>,
    /// Agents invited in who joined (the holder is `agent`); they see and write in the chat.
    #[serde(default)]
    pub guests: Vec<AgentCard>,
    /// When it ended or was missed.
    #[serde(default)]
    pub closed_at_ms: Option<i64>,
    /// Agents invited in who have not joined (agents only: the widget's copy is always empty).
    #[serde(default)]
    pub invited: Vec<AgentCard>,
    /// Moves on with every change of the chat (state, holder, guests, group), never with a
    /// message: every write to the chat is guarded by the version its writer decided on.
    #[serde(default)]
    pub version: i64,
}

impl ChatRequest {
    /// The agents taking part: the holder, then the guests.
    pub fn participants(&self) -> impl Iterator<Item = &AgentCard> + '_ {
        self.agent.iter().chain(self.guests.iter())
    }

    pub fn takes_part(&self, agent: AgentId) -> bool {
        self.participants().any(|a| a.id == agent)
    }

    pub fn is_guest(&self, agent: AgentId) -> bool {
        self.guests.iter().any(|a| a.id == agent)
    }

    /// How an event changes the chat request record: the one rule, used by the store (what it
    /// writes is the chat after this), by the server (a waiting end user's connection) and by
    /// the browser's models alike. A change moves `version` on; messages, invitations and
    /// ticket events leave the chat as it is.
    pub fn apply(&mut self, event: &ChatEvent) {
        // A change this chat already holds (it was read after the change) is not made twice.
        let made = event.version();
        if made.is_some_and(|v| v != 0 && v <= self.version) {
            return;
        }
        match event {
            ChatEvent::Accepted { agent, .. } => {
                self.state = ChatState::Active;
                self.agent = Some(agent.clone());
            }
            // Invitations end with the chat.
            ChatEvent::Ended { by, .. } => {
                self.state = ChatState::Ended;
                self.ended_by = Some(*by);
                self.invited.clear();
            }
            ChatEvent::Missed { incident, .. } => {
                self.state = ChatState::Missed;
                if incident.is_some() {
                    self.incident = incident.clone();
                }
                self.invited.clear();
            }
            // An invitation is not a change of who takes part: the version stays.
            ChatEvent::Invited { agent, version, .. } => {
                if *version != 0 && *version < self.version {
                    return;
                }
                if !self.takes_part(agent.id) && !self.invited.iter().any(|a| a.id == agent.id) {
                    self.invited.push(agent.clone());
                }
                return;
            }
            ChatEvent::Joined { agent, .. } => {
                self.invited.retain(|a| a.id != agent.id);
                if !self.takes_part(agent.id) {
                    self.guests.push(agent.clone());
                }
            }
            ChatEvent::Left { agent, .. } => self.guests.retain(|g| g.id != agent.id),
            ChatEvent::Transferred { to, group, .. } => {
                self.group = group.clone();
                match to {
                    Some(to) => {
                        self.guests.retain(|g| g.id != to.id);
                        self.invited.retain(|a| a.id != to.id);
                        self.agent = Some(to.clone());
                        self.state = ChatState::Active;
                    }
                    // Back in a queue: nobody holds it, and guests leave with the holder.
                    None => {
                        self.agent = None;
                        self.guests.clear();
                        self.invited.clear();
                        self.state = ChatState::Queued;
                    }
                }
            }
            ChatEvent::Queued { .. }
            | ChatEvent::MessagePosted { .. }
            | ChatEvent::TicketSaved { .. }
            | ChatEvent::NoteAdded { .. }
            | ChatEvent::Offered { .. }
            | ChatEvent::OfferEnded { .. } => return,
        }
        self.version = match made {
            Some(v) if v != 0 => v,
            _ => self.version + 1,
        };
    }

    /// The version the chat's next change makes: what the store's guarded write sets and the
    /// change's event carries.
    pub fn next_version(&self) -> i64 {
        self.version + 1
    }
}

pub fn chat_number(id: ChatId) -> String {
    format!("CR{id:05}")
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Author {
    EndUser,
    Agent(AgentCard),
    /// A line the desk itself writes into the conversation: who joined, left, or took over.
    Desk,
}

impl Author {
    /// The writing agent, if an agent wrote it.
    pub fn agent_id(&self) -> Option<AgentId> {
        match self {
            Author::EndUser | Author::Desk => None,
            Author::Agent(card) => Some(card.id),
        }
    }

    /// Who wrote it, as a transcript names them.
    pub fn name<'a>(&'a self, end_user: &'a str) -> &'a str {
        match self {
            Author::EndUser => end_user,
            Author::Agent(card) => &card.name,
            Author::Desk => "Desk",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChatMessage {
    pub id: i64,
    pub chat_id: ChatId,
    /// Chosen by the sending browser; a retried send with the same id is the same message.
    pub client_id: String,
    pub author: Author,
    pub body: String,
    /// A line the desk wrote (`Author::Desk`): what it says, for readers of other languages.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<DeskLine>,
    pub at_ms: i64,
    /// A supervisor's whisper: only the chat's agents read it, never its end user
    /// (domain/audience.rs `Reach::of_message`).
    #[serde(default, skip_serializing_if = "is_false")]
    pub whisper: bool,
}

fn is_false(b: &bool) -> bool {
    !*b
}

/// A line the desk writes into a conversation (domain/team.rs), kept with its arguments so
/// each reader sees it in their language (app/locales, "desk-…"); the message's `body` holds
/// it in English for agents, records and search.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum DeskLine {
    Joined { agent: String },
    Left { agent: String },
    Transferred { from: String, to: String, group: String },
    TransferredToQueue { from: String, group: String },
}

impl DeskLine {
    pub fn text(&self, texts: &crate::i18n::Texts) -> String {
        match self {
            DeskLine::Joined { agent } => texts.fill("desk-joined", &[("agent", agent)]),
            DeskLine::Left { agent } => texts.fill("desk-left", &[("agent", agent)]),
            DeskLine::Transferred { from, to, group } => {
                texts.fill("desk-transferred-to-agent", &[("from", from), ("to", to), ("group", group)])
            }
            DeskLine::TransferredToQueue { from, group } => {
                texts.fill("desk-transferred-to-queue", &[("from", from), ("group", group)])
            }
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChatTranscript {
    pub request: ChatRequest,
    pub messages: Vec<ChatMessage>,
    /// There are older messages than these: the console's snapshot carries each open chat's
    /// most recent `TRANSCRIPT_PAGE`, and `load_earlier` pages back.
    #[serde(default)]
    pub earlier: bool,
}

/// Messages per page of a transcript in the console.
pub const TRANSCRIPT_PAGE: usize = 50;

/// A page of older messages, oldest first.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessagePage {
    pub messages: Vec<ChatMessage>,
    /// There are older ones still.
    pub earlier: bool,
}

/// Something that happened at the desk: to a chat, or to a ticket record. Events are persisted
/// in one ordered stream and fanned out to every connection allowed to see them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ChatEvent {
    Queued {
        request: ChatRequest,
    },
    Accepted {
        chat_id: ChatId,
        agent: AgentCard,

        /// The chat's version this change makes (`ChatRequest::version`; 0 in events stored
        /// before versions: they apply as one step).
        #[serde(default)]
        version: i64,
    },
    MessagePosted {
        message: ChatMessage,
    },
    Ended {
        chat_id: ChatId,
        by: Party,

        /// The chat's version this change makes (`ChatRequest::version`; 0 in events stored
        /// before versions: they apply as one step).
        #[serde(default)]
        version: i64,
    },
    /// Nobody accepted the request within the pickup timeout: it left the queue and, when the
    /// desk converts missed chats, became the incident `incident` (its number).
    Missed {
        chat_id: ChatId,
        #[serde(default)]
        incident: Option<String>,

        /// The chat's version this change makes (`ChatRequest::version`; 0 in events stored
        /// before versions: they apply as one step).
        #[serde(default)]
        version: i64,
    },
    /// A ticket was created or saved; agents of its group (and its chat's agent) see it.
    // The widget's WASM (feature `widget-wire`) leaves out the decoding of the events the
    // audience rule never sends an end user (domain/audience.rs): this, `NoteAdded`, `Invited`,
    // `Offered`, `OfferEnded`; bytes of the chat's chunk (README, Bytes).
    #[cfg_attr(feature = "widget-wire", serde(skip_deserializing))]
    TicketSaved {
        ticket: Ticket,
    },
    /// A note was added to a ticket. Agents only: never sent to an end user.
    #[cfg_attr(feature = "widget-wire", serde(skip_deserializing))]
    NoteAdded {
        note: Note,
    },
    /// A participant invited `agent` into the chat; they may join. Agents only.
    #[cfg_attr(feature = "widget-wire", serde(skip_deserializing))]
    Invited {
        request: ChatRequest,
        agent: AgentCard,
        by: AgentCard,
        /// The chat's version the invitation was decided on (it makes none: an invitation does
        /// not change who takes part). A chat changed since holds it already, or ended it.
        #[serde(default)]
        version: i64,
    },
    /// An invited agent joined: they see the whole chat and write in it.
    Joined {
        chat_id: ChatId,
        agent: AgentCard,

        /// The chat's version this change makes (`ChatRequest::version`; 0 in events stored
        /// before versions: they apply as one step).
        #[serde(default)]
        version: i64,
    },
    /// A guest left; the chat goes on.
    Left {
        chat_id: ChatId,
        agent: AgentCard,

        /// The chat's version this change makes (`ChatRequest::version`; 0 in events stored
        /// before versions: they apply as one step).
        #[serde(default)]
        version: i64,
    },
    /// The holder handed the chat on: to agent `to` of `group`, or (`to` None) back to
    /// `group`'s queue. The former holder no longer takes part.
    Transferred {
        chat_id: ChatId,
        from: AgentCard,
        to: Option<AgentCard>,
        group: AssignmentGroup,

        /// The chat's version this change makes (`ChatRequest::version`; 0 in events stored
        /// before versions: they apply as one step).
        #[serde(default)]
        version: i64,
    },
    /// In an auto-assign group the desk offers the waiting `request` to `agent` alone, who has
    /// until `expires_ms` (the desk's clock; made at `made_ms`) to accept or decline. Only that
    /// agent hears of it.
    #[cfg_attr(feature = "widget-wire", serde(skip_deserializing))]
    Offered {
        request: ChatRequest,
        agent: AgentId,
        made_ms: i64,
        expires_ms: i64,
    },
    /// An offer ended with the request still waiting (declined, ignored, given back); it goes
    /// to someone else. An offer taken ends with `Accepted`, one whose request left the queue
    /// with that event.
    #[cfg_attr(feature = "widget-wire", serde(skip_deserializing))]
    OfferEnded {
        chat_id: ChatId,
        agent: AgentId,
        outcome: PassedOver,
    },
}

/// Why an agent was passed over for a request: kept with the request (its offer history).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum PassedOver {
    Declined,
    TimedOut,
    /// Went offline or away with the offer open: it went back.
    GaveBack,
}

impl PassedOver {
    pub const ALL: [PassedOver; 3] = [PassedOver::Declined, PassedOver::TimedOut, PassedOver::GaveBack];

    pub fn as_str(self) -> &'static str {
        match self {
            PassedOver::Declined => "declined",
            PassedOver::TimedOut => "timed_out",
            PassedOver::GaveBack => "gave_back",
        }
    }

    pub fn parse(s: &str) -> Option<PassedOver> {
        PassedOver::ALL.into_iter().find(|p| p.as_str() == s)
    }
}

/// A chat offered to the console's agent, open until answered or until it moves on.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OfferCard {
    pub request: ChatRequest,
    /// Seconds it had left when sent: the console counts down from there on its own clock
    /// (the desk's clock and the browser's need not agree; the desk decides).
    pub seconds_left: i64,
}

impl ChatEvent {
    /// The chat version a change of the chat makes; `None` for events that change no chat.
    pub fn version(&self) -> Option<i64> {
        match self {
            ChatEvent::Accepted { version, .. }
            | ChatEvent::Ended { version, .. }
            | ChatEvent::Missed { version, .. }
            | ChatEvent::Joined { version, .. }
            | ChatEvent::Left { version, .. }
            | ChatEvent::Transferred { version, .. } => Some(*version),
            ChatEvent::Queued { .. }
            | ChatEvent::MessagePosted { .. }
            | ChatEvent::TicketSaved { .. }
            | ChatEvent::NoteAdded { .. }
            | ChatEvent::Invited { .. }
            | ChatEvent::Offered { .. }
            | ChatEvent::OfferEnded { .. } => None,
        }
    }

    /// The chat this event is about; `None` for events about a ticket record.
    pub fn chat_id(&self) -> Option<ChatId> {
        match self {
            ChatEvent::Queued { request } => Some(request.id),
            ChatEvent::Accepted { chat_id, .. } | ChatEvent::Ended { chat_id, .. } | ChatEvent::Missed { chat_id, .. } => {
                Some(*chat_id)
            }
            ChatEvent::MessagePosted { message } => Some(message.chat_id),
            ChatEvent::Invited { request, .. } | ChatEvent::Offered { request, .. } => Some(request.id),
            ChatEvent::OfferEnded { chat_id, .. } => Some(*chat_id),
            ChatEvent::Joined { chat_id, .. } | ChatEvent::Left { chat_id, .. } | ChatEvent::Transferred { chat_id, .. } => {
                Some(*chat_id)
            }
            ChatEvent::TicketSaved { .. } | ChatEvent::NoteAdded { .. } => None,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StreamEvent {
    pub position: Position,
    pub event: ChatEvent,
}

/// Browser → server frames on the WebSocket.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ClientFrame {
    /// First frame on every connection: resume after `after`. End users identify with the
    /// token of their chat; agents by their session cookie.
    Hello {
        after: Position,
        token: Option<String>,
        /// A supervisor's live monitor (issue 18): boards and their groups' events from now on,
        /// no replay.
        #[serde(default, skip_serializing_if = "is_false")]
        monitor: bool,
    },
    Ping,
    /// The sender is typing in this chat (repeated every `TYPING_EVERY_MS` while they type).
    /// Passed on live to the other side of the chat; never stored.
    Typing {
        chat_id: ChatId,
    },
}

impl ClientFrame {
    /// One text frame from a client, as the server reads it (ssr/ws.rs): at most
    /// `MAX_CLIENT_FRAME_BYTES`, JSON of a known frame. Never panics, whatever the text
    /// (`make fuzz`).
    pub fn decode(text: &str) -> Result<ClientFrame, Protocol> {
        if text.len() > MAX_CLIENT_FRAME_BYTES {
            return Err(Protocol::TooBig(MAX_CLIENT_FRAME_BYTES));
        }
        serde_json::from_str(text).map_err(|_| Protocol::Malformed)
    }

    /// Where a hello after `after` resumes, with the stream's head at `head`: positions are
    /// 0 (nothing seen yet) up to the head. Below 0 is not a position; beyond the head is one
    /// the client cannot have seen, and resuming there would silently skip every event up to
    /// it, so both are refused (docs/realtime.md §3).
    pub fn resume_from(after: Position, head: Position) -> Result<Position, Protocol> {
        if (0..=head).contains(&after) {
            Ok(after)
        } else {
            Err(Protocol::BadPosition { after, head })
        }
    }
}

/// One change to a group's queue, by ticket (the chat's id: its arrival order).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum QueueStep {
    Entered(ChatId),
    Left(ChatId),
}

impl QueueStep {
    pub fn ticket(self) -> ChatId {
        match self {
            QueueStep::Entered(ticket) | QueueStep::Left(ticket) => ticket,
        }
    }
}

/// Server → browser frames on the WebSocket.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServerFrame {
    /// Sent once the backlog after the client's position has been replayed.
    Live {
        position: Position,
    },
    Event(StreamEvent),
    /// The end user's place in their group's queue (1 = next), counting the queue's changes up
    /// to number `counted` (this node's hub numbers them). Sent to one widget: when its
    /// connection starts or dropped frames, and when its chat enters a queue.
    QueuePlace {
        chat_id: ChatId,
        place: u32,
        group: GroupId,
        counted: u64,
    },
    /// Changes to a group's queue numbered `first`, `first + 1`, …: one frame, serialised once,
    /// for every widget waiting behind them, at most a few a second per queue. Each widget
    /// counts those ahead of its own ticket (domain/queue.rs).
    QueueMoved {
        group: GroupId,
        first: u64,
        steps: Vec<QueueStep>,
    },
    /// Someone on the other side of the chat is typing: a live signal with no position, never
    /// replayed. Shown for `TYPING_SHOWN_MS` unless another comes.
    Typing {
        chat_id: ChatId,
        by: Author,
    },
    /// Every agent and how colleagues see them; sent to a console once it is live.
    Team {
        members: Vec<TeamMember>,
    },
    /// One agent's presence changed: a live signal to every console, never stored.
    Presence {
        member: TeamMember,
    },
    Pong,
    /// A group's board on a supervisor's live monitor, whole: sent when the monitor connects
    /// and whenever something on it changed (at most a few a second).
    Board {
        board: GroupBoard,
    },
    /// A refusal; one that closes the connection is followed by the close frame.
    Error {
        error: ApiError,
    },
}

/// How long a typing signal is shown; a typist's browser repeats it sooner while they type.
pub const TYPING_SHOWN_MS: u32 = 4_000;
/// How often a browser repeats the typing signal while its user keeps typing.
pub const TYPING_EVERY_MS: i64 = 2_000;

/// Upper bound of one WebSocket frame from a browser; Hello and Ping are tiny.
pub const MAX_CLIENT_FRAME_BYTES: usize = 4 * 1024;

/// What the console needs to draw itself; events after `position` are applied on top.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsoleSnapshot {
    pub position: Position,
    pub agent: AgentProfile,
    pub queued: Vec<ChatRequest>,
    pub my_chats: Vec<ChatTranscript>,
    /// The records beside each of `my_chats`.
    #[serde(default)]
    pub records: Vec<ChatRecords>,
    /// Open invitations into other agents' chats.
    #[serde(default)]
    pub invitations: Vec<Invitation>,
    /// A chat the desk offers this agent now (auto-assign groups).
    #[serde(default)]
    pub offer: Option<OfferCard>,
    /// The agent's groups that route by offers: their requests are not picked up from the list.
    #[serde(default)]
    pub offering_groups: Vec<GroupId>,
    /// Offline requests nobody took yet, of the groups in `offline_request_groups`.
    #[serde(default)]
    pub offline_requests: Vec<Ticket>,
    /// The agent's groups whose offline requests the console lists (the admin wants it:
    /// `routing::lists_offline_requests`).
    #[serde(default)]
    pub offline_request_groups: Vec<GroupId>,
}

/// What an agent chose in the console. Offline is not a choice: it is having no console open.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Availability {
    #[default]
    Online,
    Away,
}

impl Availability {
    pub fn as_str(self) -> &'static str {
        match self {
            Availability::Online => "online",
            Availability::Away => "away",
        }
    }
    pub fn parse(s: &str) -> Option<Availability> {
        match s {
            "online" => Some(Availability::Online),
            "away" => Some(Availability::Away),
            _ => None,
        }
    }
}

/// How colleagues see an agent (domain/team.rs `presence`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Presence {
    Online,
    Away,
    Offline,
}

impl Presence {
    pub fn label(self) -> &'static str {
        match self {
            Presence::Online => "Online",
            Presence::Away => "Away",
            Presence::Offline => "Offline",
        }
    }
}

/// An agent as colleagues see them: who, in which groups, and whether they can be reached.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TeamMember {
    pub card: AgentCard,
    pub groups: Vec<AssignmentGroup>,
    pub presence: Presence,
}

/// An invitation into another agent's chat, as the invited agent sees it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Invitation {
    pub request: ChatRequest,
    pub by: AgentCard,
}

/// Where "Transfer this chat" hands it: an online agent (taking it in one of their groups),
/// or a group's queue.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum TransferTarget {
    Agent { agent_id: AgentId, group_id: GroupId },
    Queue { group_id: GroupId },
}

/// A group in the widget's form, and whether any of its agents is online right now.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupOption {
    pub group: AssignmentGroup,
    pub agents_online: bool,
    /// Why a request to it would not be a live chat now (the widget then offers to leave a
    /// message); `None` when it would.
    pub no_live_chat: Option<NoLiveChat>,
}

/// An end user's answer to "How was this chat?" (domain/satisfaction.rs).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChatRating {
    /// 1 (very poor) to 5 (very good).
    pub score: u8,
    /// Empty when they wrote none.
    pub comment: String,
    pub at_ms: i64,
}

impl ChatRating {
    /// How agents read it (records, History).
    pub fn label(&self) -> String {
        format!("Rated {} out of 5", self.score)
    }
}

/// What the widget needs to draw the end user's chat.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WidgetSnapshot {
    pub position: Position,
    pub transcript: ChatTranscript,
    pub queue_place: Option<u32>,
    /// How fast the chat's group took requests lately, for "about N minutes" beside the place;
    /// `None` when the desk has too little to tell.
    pub pace: Option<WaitPace>,
    /// Whether the chat's group asks "How was this chat?" once it ends (its admin's setting).
    #[serde(default)]
    pub survey_on: bool,
    /// The end user's answer, once given.
    #[serde(default)]
    pub rating: Option<ChatRating>,
    /// Whether the desk sends mail: the widget offers "Email me the transcript" once the chat
    /// is a conversation (`outbox::offers_transcript`).
    #[serde(default)]
    pub mail_on: bool,
}

/// The widget form.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StartChat {
    pub name: String,
    pub email: String,
    pub phone: String,
    pub location: String,
    /// The end user's photo as a `data:` URL (the widget reads the chosen file), or empty.
    pub photo: String,
    pub group_id: Option<GroupId>,
    pub question: String,
    pub previous_ticket: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum FormField {
    Name,
    Email,
    Phone,
    Location,
    Photo,
    Group,
    Question,
    PreviousTicket,
}

impl FormField {
    pub const ALL: [FormField; 8] = [
        FormField::Name,
        FormField::Email,
        FormField::Phone,
        FormField::Location,
        FormField::Photo,
        FormField::Group,
        FormField::Question,
        FormField::PreviousTicket,
    ];

    /// The field's name in message ids (`field-email-missing`, app/locales).
    pub fn key(self) -> &'static str {
        match self {
            FormField::Name => "name",
            FormField::Email => "email",
            FormField::Phone => "phone",
            FormField::Location => "location",
            FormField::Photo => "photo",
            FormField::Group => "group",
            FormField::Question => "question",
            FormField::PreviousTicket => "ticket",
        }
    }
}

/// What is wrong with a field: a code, worded in the end user's language by the widget
/// (`FieldError::text`), so one rule serves every language.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum FieldProblem {
    /// Required and left empty (for the group: none chosen).
    Missing,
    /// Not in the field's form (an email address, a phone number, a ticket ID, an image; for
    /// the group: one that does not exist).
    Invalid,
    TooLong {
        max: usize,
    },
    /// Control or text-direction characters.
    Unprintable,
}

/// On the wire as one short code, `"email:invalid"`, `"name:too_long:120"`: its decoding is
/// a split and two lookups, where serde's for a struct of two enums was 15 KB of every widget
/// visitor's download (README, Bytes).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(into = "String", try_from = "String")]
pub struct FieldError {
    pub field: FormField,
    pub problem: FieldProblem,
}

impl From<FieldError> for String {
    fn from(error: FieldError) -> String {
        let field = error.field.key();
        match error.problem {
            FieldProblem::Missing => format!("{field}:missing"),
            FieldProblem::Invalid => format!("{field}:invalid"),
            FieldProblem::TooLong { max } => format!("{field}:too_long:{max}"),
            FieldProblem::Unprintable => format!("{field}:unprintable"),
        }
    }
}

impl TryFrom<String> for FieldError {
    type Error = String;

    fn try_from(code: String) -> Result<FieldError, String> {
        let mut parts = code.split(':');
        let field = parts.next().and_then(|key| FormField::ALL.into_iter().find(|f| f.key() == key));
        let problem = match (parts.next(), parts.next().map(str::parse::<usize>), parts.next()) {
            (Some("missing"), None, None) => Some(FieldProblem::Missing),
            (Some("invalid"), None, None) => Some(FieldProblem::Invalid),
            (Some("too_long"), Some(Ok(max)), None) => Some(FieldProblem::TooLong { max }),
            (Some("unprintable"), None, None) => Some(FieldProblem::Unprintable),
            _ => None,
        };
        match (field, problem) {
            (Some(field), Some(problem)) => Ok(FieldError { field, problem }),
            _ => Err(format!("not a form error: {code}")),
        }
    }
}

impl FieldError {
    pub fn new(field: FormField, problem: FieldProblem) -> FieldError {
        FieldError { field, problem }
    }

    /// The message id and its arguments (app/locales/en.ftl, "What is wrong with a field").
    pub fn message_id(&self) -> (String, Option<usize>) {
        match self.problem {
            FieldProblem::Missing => (format!("field-{}-missing", self.field.key()), None),
            FieldProblem::Invalid => (format!("field-{}-invalid", self.field.key()), None),
            FieldProblem::TooLong { max } => ("field-too-long".to_string(), Some(max)),
            FieldProblem::Unprintable => ("field-unprintable".to_string(), None),
        }
    }

    pub fn text(&self, texts: &crate::i18n::Texts) -> String {
        match self.message_id() {
            (id, Some(max)) => texts.fill(&id, &[("max", &max.to_string())]),
            (id, None) => texts.get(&id),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum StartChatOutcome {
    Started {
        token: String,
        snapshot: WidgetSnapshot,
    },
    /// Nothing was stored: the group takes no live chat now; the widget offers to leave a
    /// message with the same form.
    NoLiveChat {
        reason: NoLiveChat,
    },
}

/// What the end user is told after leaving a message: the number of the incident it made.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageLeft {
    pub number: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum AcceptOutcome {
    /// The chat, and the records beside it (its new or previous Interaction).
    Accepted(ChatTranscript, ChatRecords),
    /// Somebody was faster (or the end user left); the panel drops the request.
    AlreadyTaken { by: Option<String> },
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::{agent, group, request};

    #[test]
    fn a_form_error_crosses_the_wire_as_its_code_and_back() {
        let problems =
            [FieldProblem::Missing, FieldProblem::Invalid, FieldProblem::TooLong { max: 120 }, FieldProblem::Unprintable];
        for field in FormField::ALL {
            for problem in problems {
                let error = FieldError::new(field, problem);
                let json = serde_json::to_string(&error).unwrap();
                assert_eq!(serde_json::from_str::<FieldError>(&json).unwrap(), error, "{json}");
            }
        }
        let code = serde_json::to_string(&FieldError::new(FormField::PreviousTicket, FieldProblem::TooLong { max: 40 })).unwrap();
        assert_eq!(code, r#""ticket:too_long:40""#);
        for bad in [r#""email""#, r#""email:wrong""#, r#""nope:missing""#, r#""name:too_long:x""#, r#""name:missing:1""#, "{}"] {
            assert!(serde_json::from_str::<FieldError>(bad).is_err(), "{bad}");
        }
    }

    /// A screen may read a chat after a change and then receive that change's event (an accept
    /// answered with the transcript, a transcript loaded after a join): the version the event
    /// makes says it is held already, and it is not made twice.
    #[test]
    fn a_change_the_chat_already_holds_is_not_made_twice() {
        let mut chat = request(7, 10);
        let accepted = ChatEvent::Accepted { chat_id: 7, agent: agent(1), version: 1 };
        let to_bob = ChatEvent::Transferred { chat_id: 7, from: agent(1), to: Some(agent(2)), group: group(20), version: 2 };
        chat.apply(&accepted);
        chat.apply(&to_bob);
        let read_after = chat.clone();
        for late in [&accepted, &to_bob] {
            chat.apply(late);
            assert_eq!(chat, read_after, "{late:?} again");
        }
        assert_eq!((chat.version, chat.agent.as_ref().map(|a| a.id)), (2, Some(2)));
        // Events stored before versions (0) apply as one step each.
        chat.apply(&ChatEvent::Left { chat_id: 7, agent: agent(3), version: 0 });
        assert_eq!(chat.version, 3);
        // Messages, invitations and ticket events change no version.
        let invited = ChatEvent::Invited { request: read_after.clone(), agent: agent(4), by: agent(2), version: 3 };
        chat.apply(&invited);
        assert_eq!((chat.version, chat.invited.len()), (3, 1));
        chat.apply(&ChatEvent::Joined { chat_id: 7, agent: agent(4), version: 4 });
        assert_eq!((chat.invited.len(), chat.guests.len()), (0, 1), "joining ends the invitation");
        // The invitation arriving after a read that holds the join does not invite again.
        chat.apply(&invited);
        assert_eq!((chat.invited.len(), chat.guests.len()), (0, 1));
    }
}
