//! Canned messages without I/O: what a valid one is, who may manage which, how one is found
//! by what the agent types after `/`, and how its placeholders are filled.

use crate::domain::validate::{self, Lines, MAX_MESSAGE_CHARS};
use crate::model::*;

pub const MAX_CATEGORY_CHARS: usize = 60;
pub const MAX_CANNED_TITLE_CHARS: usize = 100;

/// The placeholders a canned text may hold, with what fills each.
pub const PLACEHOLDERS: [(&str, &str); 4] = [
    ("{end_user}", "the end user's name"),
    ("{agent}", "your name"),
    ("{group}", "the chat's assignment group"),
    ("{chat}", "the chat request number"),
];

/// What fills the placeholders of one chat.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fill<'a> {
    pub end_user: &'a str,
    pub agent: &'a str,
    pub group: &'a str,
    pub chat: &'a str,
}

/// The text with its placeholders filled; anything else in braces stays as written.
pub fn fill(text: &str, with: &Fill) -> String {
    text.replace("{end_user}", with.end_user)
        .replace("{agent}", with.agent)
        .replace("{group}", with.group)
        .replace("{chat}", with.chat)
}

/// A draft that passed the rules: trimmed, with its scope.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ValidCanned {
    pub category: String,
    pub title: String,
    pub text: String,
    pub scope: CannedScope,
}

/// Checks a draft; the message names the field. The text is limited like a message, since it
/// becomes one.
pub fn validate(draft: &CannedDraft) -> Result<ValidCanned, String> {
    let category = draft.category.trim();
    let title = draft.title.trim();
    let text = draft.text.trim();
    let scope = draft.scope.ok_or("Choose who the canned message is for.")?;
    if title.is_empty() {
        return Err("Give the canned message a title.".into());
    }
    if title.chars().count() > MAX_CANNED_TITLE_CHARS {
        return Err(format!("A title can be at most {MAX_CANNED_TITLE_CHARS} characters."));
    }
    if category.chars().count() > MAX_CATEGORY_CHARS {
        return Err(format!("A category can be at most {MAX_CATEGORY_CHARS} characters."));
    }
    if text.is_empty() {
        return Err("A canned message needs its text.".into());
    }
    if text.chars().count() > MAX_MESSAGE_CHARS {
        return Err(format!("The text can be at most {MAX_MESSAGE_CHARS} characters, like a message."));
    }
    validate::text_field("The title", title, Lines::One)?;
    validate::text_field("The category", category, Lines::One)?;
    validate::text_field("The text", text, Lines::Many)?;
    let category = if category.is_empty() { "General" } else { category };
    Ok(ValidCanned { category: category.into(), title: title.into(), text: text.into(), scope })
}

/// Whether `agent` may create, edit or delete a canned message of `scope` (owned by `owner`
/// when personal): admins manage the desk-wide ones, members their groups', everyone their own.
pub fn may_manage(agent: &AgentProfile, scope: CannedScope, owner: Option<AgentId>) -> bool {
    match scope {
        CannedScope::Everyone => agent.role == Role::Admin,
        CannedScope::Group(group) => agent.role == Role::Admin || agent.groups.iter().any(|g| g.id == group),
        CannedScope::Mine => owner.is_none_or(|o| o == agent.card.id),
    }
}

/// Whether `agent` may know of a canned message of `scope` (owned by `owner` when personal):
/// desk-wide ones everybody; a group's its members and admins; a personal one its owner only.
pub fn may_see(agent: &AgentProfile, scope: CannedScope, owner: Option<AgentId>) -> bool {
    match scope {
        CannedScope::Everyone => true,
        // Who may see a group's are those who may manage them: its members, and admins.
        CannedScope::Group(_) => may_manage(agent, scope, owner),
        CannedScope::Mine => owner == Some(agent.card.id),
    }
}

/// Whether a canned message is found by `query` (what follows the `/`): every word of it in
/// the title, category or text, in any case.
pub fn matches(canned: &CannedMessage, query: &str) -> bool {
    let haystack = format!("{} {} {}", canned.title, canned.category, canned.text).to_lowercase();
    query.split_whitespace().all(|word| haystack.contains(&word.to_lowercase()))
}

/// What the composer looks for when its text starts with `/`: the rest of it. `None` when the
/// text is not a canned-message lookup.
pub fn lookup(composer_text: &str) -> Option<&str> {
    composer_text.strip_prefix('/').filter(|rest| !rest.contains('\n'))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn agent(role: Role, groups: &[GroupId]) -> AgentProfile {
        AgentProfile {
            card: AgentCard { id: 1, name: "Alice".into(), photo_url: None },
            email: "a@x.test".into(),
            role,
            groups: groups.iter().map(|id| AssignmentGroup { id: *id, name: format!("G{id}") }).collect(),
            supervises: vec![],
        }
    }

    fn canned(title: &str, text: &str) -> CannedMessage {
        CannedMessage {
            id: 1,
            category: "Greetings".into(),
            title: title.into(),
            text: text.into(),
            scope: CannedScope::Everyone,
            group_name: None,
            editable: false,
        }
    }

    #[test]
    fn placeholders_are_filled_and_other_braces_stay() {
        let with = Fill { end_user: "Erin", agent: "Alice", group: "Network", chat: "CR00007" };
        assert_eq!(
            fill("Hi {end_user}, {agent} from {group} here about {chat}. {unknown}", &with),
            "Hi Erin, Alice from Network here about CR00007. {unknown}"
        );
    }

    #[test]
    fn drafts_are_trimmed_and_checked_by_field() {
        let good =
            CannedDraft { category: " ".into(), title: " Hello ".into(), text: " Hi! ".into(), scope: Some(CannedScope::Mine) };
        assert_eq!(
            validate(&good).unwrap(),
            ValidCanned { category: "General".into(), title: "Hello".into(), text: "Hi!".into(), scope: CannedScope::Mine }
        );
        assert!(validate(&CannedDraft { scope: None, ..good.clone() }).unwrap_err().contains("who"));
        assert!(validate(&CannedDraft { title: " ".into(), ..good.clone() }).unwrap_err().contains("title"));
        assert!(validate(&CannedDraft { text: "".into(), ..good.clone() }).unwrap_err().contains("text"));
        assert!(validate(&CannedDraft { text: "x".repeat(MAX_MESSAGE_CHARS + 1), ..good.clone() })
            .unwrap_err()
            .contains("at most"));
        assert!(validate(&CannedDraft { title: "t".repeat(MAX_CANNED_TITLE_CHARS + 1), ..good.clone() }).is_err());
        assert!(validate(&CannedDraft { category: "c".repeat(MAX_CATEGORY_CHARS + 1), ..good.clone() }).is_err());
        assert_eq!(
            validate(&CannedDraft { title: "Hi\u{202E}".into(), ..good.clone() }).unwrap_err(),
            "The title may not contain control or text-direction characters."
        );
        assert!(validate(&CannedDraft { category: "A\tB".into(), ..good.clone() }).unwrap_err().starts_with("The category"));
        assert!(validate(&CannedDraft { text: "a\0".into(), ..good.clone() }).unwrap_err().starts_with("The text"));
        assert!(validate(&CannedDraft { text: "Hello,\n\tthanks".into(), ..good }).is_ok());
    }

    #[test]
    fn admins_manage_desk_wide_members_their_groups_everyone_their_own() {
        let admin = agent(Role::Admin, &[]);
        let member = agent(Role::Agent, &[10]);
        assert!(may_manage(&admin, CannedScope::Everyone, None));
        assert!(!may_manage(&member, CannedScope::Everyone, None));
        assert!(may_manage(&member, CannedScope::Group(10), None));
        assert!(!may_manage(&member, CannedScope::Group(20), None));
        assert!(may_manage(&admin, CannedScope::Group(20), None));
        assert!(may_manage(&member, CannedScope::Mine, None), "a new personal one");
        assert!(may_manage(&member, CannedScope::Mine, Some(1)));
        assert!(!may_manage(&member, CannedScope::Mine, Some(2)), "someone else's");
        assert!(!may_manage(&admin, CannedScope::Mine, Some(2)), "not even an admin");
    }

    #[test]
    fn desk_wide_ones_are_seen_by_all_group_ones_by_members_and_admins_personal_ones_by_their_owner() {
        let admin = agent(Role::Admin, &[]);
        let member = agent(Role::Agent, &[10]);
        assert!(may_see(&member, CannedScope::Everyone, None));
        assert!(may_see(&member, CannedScope::Group(10), None));
        assert!(!may_see(&member, CannedScope::Group(20), None));
        assert!(may_see(&admin, CannedScope::Group(20), None));
        assert!(may_see(&member, CannedScope::Mine, Some(1)));
        assert!(!may_see(&member, CannedScope::Mine, Some(2)));
        assert!(!may_see(&admin, CannedScope::Mine, Some(2)), "not even an admin");
    }

    #[test]
    fn a_lookup_finds_by_every_word_in_title_category_or_text() {
        let c = canned("Password reset", "Please open {chat} and follow the reset link.");
        assert!(matches(&c, ""));
        assert!(matches(&c, "pass"));
        assert!(matches(&c, "RESET link"));
        assert!(matches(&c, "greet"), "by category");
        assert!(!matches(&c, "printer"));
        assert_eq!(lookup("/pass"), Some("pass"));
        assert_eq!(lookup("/"), Some(""));
        assert_eq!(lookup("hello /pass"), None);
        assert_eq!(lookup("/a\nb"), None);
    }
}
