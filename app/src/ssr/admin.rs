//! Managing agents and assignment groups: the use cases behind the admin screens (through
//! `Desk`, which checks the caller is an admin first) and behind `deskchat admin …` in the shell
//! (actor `None`). Each is validate (domain/admin.rs) → persist with its audit line in one job.

use super::auth;
use super::desk::DeskError;
use super::store::{Actor, Store, StoreError};
use crate::domain::admin;
use crate::model::*;

/// Hashes off the async workers: argon2id takes tens of milliseconds on purpose.
pub async fn hash(password: String) -> Result<String, DeskError> {
    tokio::task::spawn_blocking(move || auth::hash_password(&password))
        .await
        .map_err(|err| DeskError::from(StoreError::Unavailable(format!("hashing: {err}"))))
}

fn invalid(text: impl Into<String>) -> DeskError {
    DeskError::Invalid(text.into())
}

fn no_such_agent(err: StoreError) -> DeskError {
    match err {
        StoreError::NotFound => invalid(admin::NO_SUCH_AGENT),
        other => other.into(),
    }
}

async fn entry(store: &Store, id: AgentId) -> Result<AgentEntry, DeskError> {
    store.agent_entries().await?.into_iter().find(|a| a.id == id).ok_or_else(|| invalid(admin::NO_SUCH_AGENT))
}

pub async fn create_agent(store: &Store, by: Actor, form: &NewAgent) -> Result<AgentEntry, DeskError> {
    let groups = store.groups().await?;
    let valid = admin::new_agent(form, &store.agent_entries().await?, &groups).map_err(invalid)?;
    let detail = admin::describe(&valid, &groups);
    let hash = hash(form.password.clone()).await?;
    let id = store.add_agent(valid, hash, detail, by).await?.ok_or_else(|| invalid(admin::DUPLICATE_EMAIL))?;
    entry(store, id).await
}

pub async fn change_agent(store: &Store, by: Actor, id: AgentId, change: &AgentChange) -> Result<AgentEntry, DeskError> {
    let groups = store.groups().await?;
    let valid = admin::change_agent(id, change, &store.agent_entries().await?, &groups).map_err(invalid)?;
    let detail = admin::describe(&valid, &groups);
    match store.change_agent(id, valid, detail, by).await {
        // Another admin was deactivated or demoted meanwhile: this one is now the last.
        Err(StoreError::Conflict) => Err(invalid(admin::LAST_ADMIN)),
        other => other.map_err(no_such_agent),
    }?;
    entry(store, id).await
}

pub async fn set_active(store: &Store, by: Actor, id: AgentId, active: bool) -> Result<AgentEntry, DeskError> {
    admin::set_active(id, active, &store.agent_entries().await?).map_err(invalid)?;
    match store.set_agent_active(id, active, by).await {
        Err(StoreError::Conflict) => Err(invalid(admin::LAST_ADMIN.replace("Role: ", "Status: "))),
        other => other.map_err(no_such_agent),
    }?;
    entry(store, id).await
}

pub async fn reset_password(store: &Store, by: Actor, id: AgentId, password: &str) -> Result<(), DeskError> {
    admin::password(password).map_err(invalid)?;
    let hash = hash(password.to_string()).await?;
    store.reset_password(id, hash, by).await.map_err(no_such_agent)
}

pub async fn create_group(store: &Store, by: Actor, name: &str) -> Result<AssignmentGroup, DeskError> {
    let name = admin::group_name(name, &store.groups().await?, None).map_err(invalid)?;
    let id = store.add_group(name.clone(), by).await?.ok_or_else(|| invalid(admin::DUPLICATE_GROUP))?;
    Ok(AssignmentGroup { id, name })
}

pub async fn rename_group(store: &Store, by: Actor, id: GroupId, name: &str) -> Result<AssignmentGroup, DeskError> {
    let name = admin::group_name(name, &store.groups().await?, Some(id)).map_err(invalid)?;
    match store.rename_group(id, name.clone(), by).await {
        Err(StoreError::Conflict) => Err(invalid(admin::DUPLICATE_GROUP)),
        Err(StoreError::NotFound) => Err(invalid(admin::NO_SUCH_GROUP)),
        other => Ok(other?),
    }?;
    Ok(AssignmentGroup { id, name })
}

/// Adds an agent (by email) to a group (by name): the shell's `add-member`. False if they were
/// in it already.
pub async fn add_member(
    store: &Store,
    by: Actor,
    email: &str,
    group: &str,
) -> Result<(AgentEntry, AssignmentGroup, bool), DeskError> {
    let agent = agent_by_email(store, email).await?;
    let groups = store.groups().await?;
    let group = groups.into_iter().find(|g| g.name == group.trim()).ok_or_else(|| invalid(admin::NO_SUCH_GROUP))?;
    let added = store.add_member(agent.id, group.id, group.name.clone(), by).await.map_err(no_such_agent)?;
    Ok((entry(store, agent.id).await?, group, added))
}

/// Makes an agent (by email) a supervisor of a group (by name), or (`on` false) no longer: the
/// shell's `supervise` and `stop-supervising`, an edit of the agent as the admin screens make
/// it. False if nothing changed.
pub async fn supervise(
    store: &Store,
    by: Actor,
    email: &str,
    group: &str,
    on: bool,
) -> Result<(AgentEntry, AssignmentGroup, bool), DeskError> {
    let agent = agent_by_email(store, email).await?;
    let groups = store.groups().await?;
    let group = groups.into_iter().find(|g| g.name == group.trim()).ok_or_else(|| invalid(admin::NO_SUCH_GROUP))?;
    let mut supervises: Vec<GroupId> = agent.supervises.iter().map(|g| g.id).collect();
    if supervises.contains(&group.id) == on {
        return Ok((agent, group, false));
    }
    match on {
        true => supervises.push(group.id),
        false => supervises.retain(|id| *id != group.id),
    }
    let change = AgentChange {
        name: agent.name.clone(),
        role: agent.role,
        groups: agent.groups.iter().map(|g| g.id).collect(),
        max_chats: agent.max_chats,
        supervises,
    };
    let changed = change_agent(store, by, agent.id, &change).await?;
    Ok((changed, group, true))
}

/// An agent by their log-on email, whatever its case.
pub async fn agent_by_email(store: &Store, email: &str) -> Result<AgentEntry, DeskError> {
    let email = email.trim();
    let agents = store.agent_entries().await?;
    agents.into_iter().find(|a| a.email.eq_ignore_ascii_case(email)).ok_or_else(|| invalid(admin::NO_SUCH_AGENT))
}
