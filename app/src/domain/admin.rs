//! Managing agents and assignment groups, without I/O: what a valid agent, password and group
//! name are, and the rule that the desk always keeps an active admin. The admin screens check
//! with these before a call, the desk (and `deskchat admin` in the shell) as the authority.

use crate::domain::validate::{looks_like_email, MAX_EMAIL_CHARS, MAX_NAME_CHARS};
use crate::model::*;

pub const MIN_PASSWORD_CHARS: usize = 12;
/// Argon2 takes any length; this only keeps absurd inputs out.
pub const MAX_PASSWORD_CHARS: usize = 1_024;
pub const MAX_GROUP_NAME_CHARS: usize = 60;

pub const DUPLICATE_EMAIL: &str = "An agent with that email already exists.";
pub const DUPLICATE_GROUP: &str = "A group with that name already exists.";
pub const LAST_ADMIN: &str =
    "Role: this is the last active admin; make another agent an admin first, so someone can still manage the desk.";
pub const NO_SUCH_AGENT: &str = "There is no such agent.";
pub const NO_SUCH_GROUP: &str = "There is no such assignment group.";

/// An agent that passed the rules: trimmed, the email in lower case.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ValidAgent {
    pub email: String,
    pub name: String,
    pub role: Role,
    pub groups: Vec<GroupId>,
    /// Their own maximum of chats at once (`domain::routing::capacity`).
    pub max_chats: Option<u32>,
    /// The groups they supervise (an admin supervises all; these are kept for a later demotion).
    pub supervises: Vec<GroupId>,
}

/// What an empty "Most chats at once" means for an agent, and for a group.
pub const AGENT_MAX_EMPTY: &str = "the groups' default";
pub const GROUP_MAX_EMPTY: &str = "no limit";

/// The highest maximum of chats at once an admin may set (an agent's or a group's default).
pub const MAX_CHATS_LIMIT: u32 = 100;

/// A maximum of chats at once: 0 (takes none) to `MAX_CHATS_LIMIT`, or none; the refusal says
/// what an empty box means where it was typed (`empty_means`: an agent's "the groups' default",
/// a group's "no limit").
pub fn max_chats(max: Option<u32>, empty_means: &str) -> Result<Option<u32>, String> {
    match max {
        Some(m) if m > MAX_CHATS_LIMIT => {
            Err(format!("Most chats at once: at most {MAX_CHATS_LIMIT} (or empty for {empty_means})."))
        }
        other => Ok(other),
    }
}

/// The log-on email: trimmed and lower-cased.
pub fn email(email: &str) -> Result<String, String> {
    let email = email.trim();
    if email.is_empty() {
        Err("Email: give the agent's email address; they log on with it.".into())
    } else if email.chars().count() > MAX_EMAIL_CHARS {
        Err(format!("Email: at most {MAX_EMAIL_CHARS} characters."))
    } else if !looks_like_email(email) || email.chars().any(|c| c.is_whitespace() || c.is_control()) {
        Err("Email: that does not look like an email address (name@example.com).".into())
    } else {
        Ok(email.to_ascii_lowercase())
    }
}

/// A person's or a group's name: something to read, on one line.
fn text(field: &str, value: &str, max: usize) -> Result<String, String> {
    let value = value.trim();
    if value.is_empty() {
        Err(format!("{field}: cannot be empty."))
    } else if value.chars().count() > max {
        Err(format!("{field}: at most {max} characters."))
    } else if crate::domain::validate::plain_text(value, crate::domain::validate::Lines::One).is_err() {
        // The same rule as every one-line text: no controls, no text-direction characters.
        Err(format!("{field}: no control or text-direction characters (new lines, tabs, right-to-left overrides, …)."))
    } else {
        Ok(value.to_string())
    }
}

pub fn name(name: &str) -> Result<String, String> {
    text("Name", name, MAX_NAME_CHARS)
}

/// A password an admin sets (at least 12 characters; kept as typed, spaces included).
pub fn password(password: &str) -> Result<(), String> {
    let len = password.chars().count();
    if len < MIN_PASSWORD_CHARS {
        Err(format!("Password: at least {MIN_PASSWORD_CHARS} characters."))
    } else if len > MAX_PASSWORD_CHARS {
        Err(format!("Password: at most {MAX_PASSWORD_CHARS} characters."))
    } else {
        Ok(())
    }
}

/// The chosen groups of the list `field` (the memberships, or the groups supervised), each
/// existing, each once.
fn groups(field: &str, chosen: &[GroupId], known: &[AssignmentGroup]) -> Result<Vec<GroupId>, String> {
    let mut groups = Vec::new();
    for id in chosen {
        if !known.iter().any(|g| g.id == *id) {
            return Err(format!("{field}: {NO_SUCH_GROUP}"));
        }
        if !groups.contains(id) {
            groups.push(*id);
        }
    }
    Ok(groups)
}

/// The create form against the agents and groups there are now.
pub fn new_agent(form: &NewAgent, agents: &[AgentEntry], known: &[AssignmentGroup]) -> Result<ValidAgent, String> {
    let email = email(&form.email)?;
    let name = name(&form.name)?;
    let role = form.role.ok_or("Role: choose agent or admin.")?;
    password(&form.password)?;
    let supervises = groups("Supervises", &form.supervises, known)?;
    let groups = groups("Groups", &form.groups, known)?;
    if agents.iter().any(|a| a.email.eq_ignore_ascii_case(&email)) {
        return Err(DUPLICATE_EMAIL.into());
    }
    Ok(ValidAgent { email, name, role, groups, max_chats: None, supervises })
}

/// The edit form for agent `id`: the last active admin stays an admin.
pub fn change_agent(
    id: AgentId,
    change: &AgentChange,
    agents: &[AgentEntry],
    known: &[AssignmentGroup],
) -> Result<ValidAgent, String> {
    let agent = agents.iter().find(|a| a.id == id).ok_or(NO_SUCH_AGENT)?;
    let name = name(&change.name)?;
    let supervises = groups("Supervises", &change.supervises, known)?;
    let groups = groups("Groups", &change.groups, known)?;
    let max_chats = max_chats(change.max_chats, AGENT_MAX_EMPTY)?;
    if change.role != Role::Admin && is_last_active_admin(id, agents) {
        return Err(LAST_ADMIN.into());
    }
    Ok(ValidAgent { email: agent.email.clone(), name, role: change.role, groups, max_chats, supervises })
}

/// Whether agent `id` may be deactivated (`active` false) or reactivated.
pub fn set_active(id: AgentId, active: bool, agents: &[AgentEntry]) -> Result<(), String> {
    agents.iter().find(|a| a.id == id).ok_or(NO_SUCH_AGENT)?;
    if !active && is_last_active_admin(id, agents) {
        return Err(LAST_ADMIN.replace("Role: ", "Status: "));
    }
    Ok(())
}

/// Whether `id` is an active admin and no other active admin exists.
pub fn is_last_active_admin(id: AgentId, agents: &[AgentEntry]) -> bool {
    let admin = |a: &&AgentEntry| a.active && a.role == Role::Admin;
    agents.iter().filter(admin).all(|a| a.id == id) && agents.iter().filter(admin).any(|a| a.id == id)
}

/// A new name for a group (`renaming` it, or a new one): unique whatever the case.
pub fn group_name(name: &str, groups: &[AssignmentGroup], renaming: Option<GroupId>) -> Result<String, String> {
    let name = text("Group name", name, MAX_GROUP_NAME_CHARS)?;
    if let Some(id) = renaming {
        groups.iter().find(|g| g.id == id).ok_or(NO_SUCH_GROUP)?;
    }
    if groups.iter().any(|g| Some(g.id) != renaming && g.name.to_lowercase() == name.to_lowercase()) {
        return Err(DUPLICATE_GROUP.into());
    }
    Ok(name)
}

/// Group names as the admin screens, the shell and the audit log list them: "A, B", or "none".
pub fn names_or_none<'a>(names: impl IntoIterator<Item = &'a str>) -> String {
    let names: Vec<&str> = names.into_iter().collect();
    match names.is_empty() {
        true => "none".to_string(),
        false => names.join(", "),
    }
}

/// The audit detail of an agent's name, role and groups (never a password).
pub fn describe(agent: &ValidAgent, known: &[AssignmentGroup]) -> String {
    let names = |ids: &[GroupId]| {
        names_or_none(ids.iter().filter_map(|id| known.iter().find(|g| g.id == *id)).map(|g| g.name.as_str()))
    };
    let most = agent.max_chats.map(|m| format!("; most chats at once: {m}")).unwrap_or_default();
    let supervises = match agent.supervises.is_empty() {
        true => String::new(),
        false => format!("; supervises: {}", names(&agent.supervises)),
    };
    format!("name: {}; role: {}; groups: {}{most}{supervises}", agent.name, agent.role.as_str(), names(&agent.groups))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_refuse_text_direction_characters_too() {
        assert!(name("Ada\u{202E}nimda").unwrap_err().contains("text-direction"));
        assert!(group_name("Net\u{2066}work", &[], None).is_err());
        assert_eq!(name("  Zoë Ångström ").unwrap(), "Zoë Ångström");
    }

    fn groups() -> Vec<AssignmentGroup> {
        vec![AssignmentGroup { id: 1, name: "Network".into() }, AssignmentGroup { id: 2, name: "Hardware".into() }]
    }

    fn entry(id: AgentId, role: Role, active: bool) -> AgentEntry {
        AgentEntry {
            id,
            email: format!("a{id}@desk.test"),
            name: format!("Agent {id}"),
            role,
            active,
            groups: vec![],
            max_chats: None,
            supervises: vec![],
        }
    }

    fn form() -> NewAgent {
        NewAgent {
            email: "  Dana@Desk.Test ".into(),
            name: " Dana Desk ".into(),
            role: Some(Role::Agent),
            groups: vec![2, 1, 2],
            password: "twelve chars".into(),
            supervises: vec![],
        }
    }

    #[test]
    fn a_valid_new_agent_is_trimmed_lower_cased_and_its_groups_counted_once() {
        let valid = new_agent(&form(), &[], &groups()).unwrap();
        assert_eq!(
            valid,
            ValidAgent {
                email: "dana@desk.test".into(),
                name: "Dana Desk".into(),
                role: Role::Agent,
                groups: vec![2, 1],
                max_chats: None,
                supervises: vec![]
            }
        );
        assert_eq!(describe(&valid, &groups()), "name: Dana Desk; role: agent; groups: Hardware, Network");
    }

    #[test]
    fn each_broken_field_is_named() {
        let cases: [(fn(&mut NewAgent), &str); 10] = [
            (|f| f.email = " ".into(), "Email: give"),
            (|f| f.email = "dana".into(), "Email: that does not look"),
            (|f| f.email = "da na@desk.test".into(), "Email: that does not look"),
            (|f| f.name = "   ".into(), "Name: cannot be empty."),
            (|f| f.name = "Dana\u{0}".into(), "Name: no control or text-direction characters"),
            (|f| f.name = "Da\nna".into(), "Name: no control or text-direction characters"),
            (|f| f.name = "x".repeat(101), "Name: at most 100"),
            (|f| f.role = None, "Role: choose"),
            (|f| f.password = "eleven char".into(), "Password: at least 12 characters."),
            (|f| f.groups = vec![9], "Groups: There is no such assignment group."),
        ];
        for (break_it, expected) in cases {
            let mut f = form();
            break_it(&mut f);
            let err = new_agent(&f, &[], &groups()).unwrap_err();
            assert!(err.starts_with(expected), "{f:?}: {err}");
        }
    }

    #[test]
    fn an_email_is_taken_whatever_its_case() {
        let mut taken = entry(7, Role::Agent, false);
        taken.email = "dana@desk.test".into();
        assert_eq!(new_agent(&form(), &[taken], &groups()).unwrap_err(), DUPLICATE_EMAIL);
    }

    #[test]
    fn passwords_need_twelve_characters_counted_as_characters() {
        assert!(password("äöüäöüäöüäöü").is_ok());
        assert!(password("äöüäöüäöüäö").is_err());
        assert!(password(&"x".repeat(MAX_PASSWORD_CHARS + 1)).is_err());
    }

    #[test]
    fn the_last_active_admin_can_be_neither_deactivated_nor_demoted() {
        let change = |role| AgentChange { name: "Agent 1".into(), role, groups: vec![], max_chats: None, supervises: vec![] };
        // Agent 1 is the only active admin (3 is an admin, but deactivated).
        let agents = [entry(1, Role::Admin, true), entry(2, Role::Agent, true), entry(3, Role::Admin, false)];
        assert_eq!(set_active(1, false, &agents).unwrap_err(), LAST_ADMIN.replace("Role: ", "Status: "));
        assert_eq!(change_agent(1, &change(Role::Agent), &agents, &groups()).unwrap_err(), LAST_ADMIN);
        assert!(change_agent(1, &change(Role::Admin), &agents, &groups()).is_ok());
        assert!(set_active(2, false, &agents).is_ok());
        assert!(set_active(3, true, &agents).is_ok());
        assert!(set_active(3, false, &agents).is_ok(), "deactivating an inactive admin again changes nothing");
        assert_eq!(set_active(9, false, &agents).unwrap_err(), NO_SUCH_AGENT);

        // With a second active admin, either may go.
        let agents = [entry(1, Role::Admin, true), entry(3, Role::Admin, true)];
        assert!(set_active(1, false, &agents).is_ok());
        assert!(change_agent(3, &change(Role::Agent), &agents, &groups()).is_ok());
    }

    #[test]
    fn group_names_are_unique_whatever_the_case_and_not_empty() {
        assert_eq!(group_name("  Printers ", &groups(), None).unwrap(), "Printers");
        assert_eq!(group_name("network", &groups(), None).unwrap_err(), DUPLICATE_GROUP);
        assert_eq!(group_name("hardware", &groups(), Some(1)).unwrap_err(), DUPLICATE_GROUP);
        // A group may keep its own name, in another case.
        assert_eq!(group_name("NETWORK", &groups(), Some(1)).unwrap(), "NETWORK");
        assert_eq!(group_name(" ", &groups(), None).unwrap_err(), "Group name: cannot be empty.");
        assert!(group_name("Tab\there", &groups(), None).unwrap_err().starts_with("Group name: no control"));
        assert_eq!(group_name("New", &groups(), Some(9)).unwrap_err(), NO_SUCH_GROUP);
    }

    #[test]
    fn audit_actions_read_back_from_their_stored_names() {
        for action in AuditAction::ALL {
            assert_eq!(AuditAction::parse(action.as_str()), Some(action));
        }
        assert_eq!(AuditAction::parse("agent.delete"), None);
    }

    #[test]
    fn an_agents_own_maximum_is_checked_and_named_in_the_audit_line() {
        let agents = [entry(1, Role::Admin, true), entry(2, Role::Agent, true)];
        let change =
            |max_chats| AgentChange { name: "Agent 2".into(), role: Role::Agent, groups: vec![1], max_chats, supervises: vec![] };
        let valid = change_agent(2, &change(Some(2)), &agents, &groups()).unwrap();
        assert_eq!(valid.max_chats, Some(2));
        assert_eq!(describe(&valid, &groups()), "name: Agent 2; role: agent; groups: Network; most chats at once: 2");
        assert_eq!(change_agent(2, &change(None), &agents, &groups()).unwrap().max_chats, None);
        assert_eq!(change_agent(2, &change(Some(0)), &agents, &groups()).unwrap().max_chats, Some(0));
        assert!(change_agent(2, &change(Some(MAX_CHATS_LIMIT + 1)), &agents, &groups())
            .unwrap_err()
            .starts_with("Most chats at once"));
    }

    #[test]
    fn the_groups_supervised_exist_are_counted_once_and_named_in_the_audit_line() {
        let agents = [entry(1, Role::Admin, true), entry(2, Role::Agent, true)];
        let change =
            |supervises| AgentChange { name: "Agent 2".into(), role: Role::Agent, groups: vec![1], max_chats: None, supervises };
        let valid = change_agent(2, &change(vec![2, 1, 2]), &agents, &groups()).unwrap();
        assert_eq!(valid.supervises, vec![2, 1]);
        assert_eq!(describe(&valid, &groups()), "name: Agent 2; role: agent; groups: Network; supervises: Hardware, Network");
        assert_eq!(change_agent(2, &change(vec![9]), &agents, &groups()).unwrap_err(), format!("Supervises: {NO_SUCH_GROUP}"));
        let created = new_agent(&NewAgent { supervises: vec![2], ..form() }, &[], &groups()).unwrap();
        assert_eq!(created.supervises, vec![2]);
        assert!(new_agent(&NewAgent { supervises: vec![7], ..form() }, &[], &groups()).unwrap_err().starts_with("Supervises:"));
    }
}
