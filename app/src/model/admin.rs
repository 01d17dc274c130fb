//! Wire types of the admin screens: agents with their groups and status, the forms that create
//! and change them, and the audit log.

use serde::{Deserialize, Serialize};

use super::{AgentId, AssignmentGroup, GroupId, Role};

/// An agent as the admin screens list them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgentEntry {
    pub id: AgentId,
    pub email: String,
    pub name: String,
    pub role: Role,
    /// A deactivated agent cannot log on; their records keep their name.
    pub active: bool,
    pub groups: Vec<AssignmentGroup>,
    /// Their own maximum of chats at once, over their groups' defaults.
    pub max_chats: Option<u32>,
    /// The groups they supervise.
    #[serde(default)]
    pub supervises: Vec<AssignmentGroup>,
}

/// The create form: who, their role and groups, and a first password (at least 12 characters).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewAgent {
    pub email: String,
    pub name: String,
    pub role: Option<Role>,
    pub groups: Vec<GroupId>,
    pub password: String,
    /// The groups they supervise.
    #[serde(default)]
    pub supervises: Vec<GroupId>,
}

/// The edit form: name, role and memberships (the email is the agent's log-on and stays).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgentChange {
    pub name: String,
    pub role: Role,
    pub groups: Vec<GroupId>,
    /// Their own maximum of chats at once; `None`: their groups' defaults.
    #[serde(default)]
    pub max_chats: Option<u32>,
    /// The groups they supervise.
    #[serde(default)]
    pub supervises: Vec<GroupId>,
}

/// What a change was; stored by `as_str` in the audit log.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum AuditAction {
    CreateAgent,
    ChangeAgent,
    DeactivateAgent,
    ReactivateAgent,
    ResetPassword,
    AddMember,
    CreateGroup,
    RenameGroup,
    ChangeGroupSettings,
    AssignChat,
    ChangeMailSettings,
    SendMailAgain,
}

impl AuditAction {
    pub const ALL: [AuditAction; 12] = [
        AuditAction::CreateAgent,
        AuditAction::ChangeAgent,
        AuditAction::DeactivateAgent,
        AuditAction::ReactivateAgent,
        AuditAction::ResetPassword,
        AuditAction::AddMember,
        AuditAction::CreateGroup,
        AuditAction::RenameGroup,
        AuditAction::ChangeGroupSettings,
        AuditAction::AssignChat,
        AuditAction::ChangeMailSettings,
        AuditAction::SendMailAgain,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AuditAction::CreateAgent => "agent.create",
            AuditAction::ChangeAgent => "agent.change",
            AuditAction::DeactivateAgent => "agent.deactivate",
            AuditAction::ReactivateAgent => "agent.reactivate",
            AuditAction::ResetPassword => "agent.reset_password",
            AuditAction::AddMember => "agent.add_member",
            AuditAction::CreateGroup => "group.create",
            AuditAction::RenameGroup => "group.rename",
            AuditAction::ChangeGroupSettings => "group.settings",
            AuditAction::AssignChat => "chat.assign",
            AuditAction::ChangeMailSettings => "mail.settings",
            AuditAction::SendMailAgain => "mail.send_again",
        }
    }

    pub fn parse(s: &str) -> Option<AuditAction> {
        AuditAction::ALL.into_iter().find(|a| a.as_str() == s)
    }

    /// How a person reads it in the audit list.
    pub fn label(self) -> &'static str {
        match self {
            AuditAction::CreateAgent => "Created agent",
            AuditAction::ChangeAgent => "Changed agent",
            AuditAction::DeactivateAgent => "Deactivated agent",
            AuditAction::ReactivateAgent => "Reactivated agent",
            AuditAction::ResetPassword => "Reset password",
            AuditAction::AddMember => "Added to group",
            AuditAction::CreateGroup => "Created group",
            AuditAction::RenameGroup => "Renamed group",
            AuditAction::ChangeGroupSettings => "Changed group settings",
            AuditAction::AssignChat => "Assigned chat",
            AuditAction::ChangeMailSettings => "Changed email settings",
            AuditAction::SendMailAgain => "Sent mail again",
        }
    }
}

/// One line of the audit log.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditLine {
    pub id: i64,
    pub at_ms: i64,
    /// The admin who did it; `None` when it was done from the shell (`deskchat admin …`).
    pub actor: Option<String>,
    pub action: AuditAction,
    /// The agent's email, the group's name, "Email" or the outbox entry.
    pub subject: String,
    pub detail: String,
}

/// A page of the audit log, newest first; `more` when older lines exist (ask with `before` the
/// last line's id).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditPage {
    pub lines: Vec<AuditLine>,
    pub more: bool,
}

/// One opening on one weekday, in the group's local time: `opens` to `closes`, in minutes after
/// midnight (`closes` may be 1440, the end of the day). An opening past midnight is two.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Opening {
    /// 0 = Monday … 6 = Sunday.
    pub weekday: u8,
    pub opens: u16,
    pub closes: u16,
}

/// A group's hours as the admin sets them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BusinessHours {
    /// An IANA name, e.g. "Europe/Berlin".
    pub time_zone: String,
    pub openings: Vec<Opening>,
    /// Whole days closed, as `YYYY-MM-DD` in the group's time zone.
    pub holidays: Vec<String>,
}

/// What an admin sets per assignment group about the end user's wait (issue 17). Stored as one
/// JSON value with the group, so a setting added later reads as its default from older rows.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct GroupSettings {
    /// When the group takes live chats; `None`: always.
    pub hours: Option<BusinessHours>,
    /// With nobody of the group online, offer to leave a message instead of queueing a request
    /// that nobody will see before it is missed. Off by default: the seeds' desk queues it.
    pub leave_message_when_nobody_online: bool,
    /// Offer to leave a message instead when the estimated wait is above this many minutes.
    pub wait_limit_minutes: Option<u32>,
    /// The most chats an agent holds at once when taking one of this group's, unless the agent
    /// has a maximum of their own; `None`: no limit.
    pub max_chats: Option<u32>,
    /// Whether chats an agent takes part in as a guest count toward that maximum.
    pub count_guest_chats: bool,
    /// How the group's waiting requests reach its agents.
    pub routing: RoutingMode,
    /// In auto-assign: how long an agent has to answer an offer before it moves on; `None`:
    /// `DEFAULT_OFFER_SECONDS`.
    pub offer_timeout_seconds: Option<u32>,
    /// Besides Records, list the group's offline requests (messages left, not taken yet) in its
    /// agents' consoles while the group is open, to take from there.
    pub offline_requests_in_console: bool,
    /// After a chat ends, the widget asks "How was this chat?" (1–5, an optional comment;
    /// domain/satisfaction.rs).
    pub satisfaction_survey: bool,
}

/// How long an offer waits for its answer when the group sets nothing.
pub const DEFAULT_OFFER_SECONDS: u32 = 30;

impl GroupSettings {
    /// How long an offer of this group's waits for its answer.
    pub fn offer_timeout_ms(&self) -> i64 {
        i64::from(self.offer_timeout_seconds.unwrap_or(DEFAULT_OFFER_SECONDS)) * 1000
    }
}

/// How a group's waiting requests reach its agents (set per group by an admin).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum RoutingMode {
    /// Every agent of the group sees every waiting request; the first Accept wins.
    #[default]
    Pickup,
    /// The desk offers each request to one agent at a time, who accepts or declines.
    AutoAssign,
}
