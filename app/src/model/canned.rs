//! Wire types of canned messages: reusable replies agents insert into the composer.

use serde::{Deserialize, Serialize};

use super::GroupId;

pub type CannedId = i64;

/// Who a canned message is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum CannedScope {
    /// Every agent; managed by admins.
    Everyone,
    /// The agents of one assignment group; managed by its members.
    Group(GroupId),
    /// The agent who wrote it, and nobody else.
    Mine,
}

/// A canned message as an agent sees it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CannedMessage {
    pub id: CannedId,
    pub category: String,
    pub title: String,
    /// May hold placeholders (`{end_user}`, `{agent}`, `{group}`, `{chat}`), filled on insert.
    pub text: String,
    pub scope: CannedScope,
    /// The group's name for `CannedScope::Group`.
    pub group_name: Option<String>,
    /// Whether this agent may edit or delete it.
    pub editable: bool,
}

/// What the edit screen sends.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CannedDraft {
    pub category: String,
    pub title: String,
    pub text: String,
    pub scope: Option<CannedScope>,
}
