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
}

/// The create form: who, their role and groups, and a first password (at least 12 characters).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewAgent {
    pub email: String,
    pub name: String,
    pub role: Option<Role>,
    pub groups: Vec<GroupId>,
    pub password: String,
}

/// The edit form: name, role and memberships (the email is the agent's log-on and stays).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgentChange {
    pub name: String,
    pub role: Role,
    pub groups: Vec<GroupId>,
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
}

impl AuditAction {
    pub const ALL: [AuditAction; 8] = [
        AuditAction::CreateAgent,
        AuditAction::ChangeAgent,
        AuditAction::DeactivateAgent,
        AuditAction::ReactivateAgent,
        AuditAction::ResetPassword,
        AuditAction::AddMember,
        AuditAction::CreateGroup,
        AuditAction::RenameGroup,
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
    /// The agent's email or the group's name.
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
