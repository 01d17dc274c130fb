//! Admin endpoints: agents, assignment groups and memberships, the audit log. Every one is
//! refused to agents who are not admins (`AdminOnly`, 403).
use leptos::prelude::*;
use leptos::server_fn::codec::Json;

use crate::model::*;

#[server(endpoint = "admin_list_agents", input = Json)]
pub async fn admin_list_agents() -> Result<Vec<AgentEntry>, ApiError> {
    let (state, agent) = super::ctx::agent().await?;
    state.desk.admin_agents(&agent).await.map_err(super::ctx::fail)
}

#[server(endpoint = "admin_create_agent", input = Json)]
pub async fn admin_create_agent(form: NewAgent) -> Result<AgentEntry, ApiError> {
    let (state, agent) = super::ctx::agent().await?;
    state.desk.create_agent(&agent, &form).await.map_err(super::ctx::fail)
}

/// Name, role and memberships of agent `id`.
#[server(endpoint = "admin_update_agent", input = Json)]
pub async fn admin_update_agent(id: AgentId, change: AgentChange) -> Result<AgentEntry, ApiError> {
    let (state, agent) = super::ctx::agent().await?;
    state.desk.change_agent(&agent, id, &change).await.map_err(super::ctx::fail)
}

/// Deactivates (`active` false: their sessions end) or reactivates agent `id`.
#[server(endpoint = "admin_set_agent_active", input = Json)]
pub async fn admin_set_agent_active(id: AgentId, active: bool) -> Result<AgentEntry, ApiError> {
    let (state, agent) = super::ctx::agent().await?;
    state.desk.set_agent_active(&agent, id, active).await.map_err(super::ctx::fail)
}

/// A new password for agent `id`; their sessions end.
#[server(endpoint = "admin_reset_password", input = Json)]
pub async fn admin_reset_password(id: AgentId, password: String) -> Result<(), ApiError> {
    let (state, agent) = super::ctx::agent().await?;
    state.desk.reset_password(&agent, id, &password).await.map_err(super::ctx::fail)
}

#[server(endpoint = "admin_list_groups", input = Json)]
pub async fn admin_list_groups() -> Result<Vec<AssignmentGroup>, ApiError> {
    let (state, agent) = super::ctx::agent().await?;
    state.desk.admin_groups(&agent).await.map_err(super::ctx::fail)
}

#[server(endpoint = "admin_create_group", input = Json)]
pub async fn admin_create_group(name: String) -> Result<AssignmentGroup, ApiError> {
    let (state, agent) = super::ctx::agent().await?;
    state.desk.create_group(&agent, &name).await.map_err(super::ctx::fail)
}

#[server(endpoint = "admin_rename_group", input = Json)]
pub async fn admin_rename_group(id: GroupId, name: String) -> Result<AssignmentGroup, ApiError> {
    let (state, agent) = super::ctx::agent().await?;
    state.desk.rename_group(&agent, id, &name).await.map_err(super::ctx::fail)
}

/// Every group's settings of the end user's wait (business hours, leaving a message, a wait
/// limit), by group id.
#[server(endpoint = "admin_group_settings", input = Json)]
pub async fn admin_group_settings() -> Result<Vec<(GroupId, GroupSettings)>, ApiError> {
    let (state, agent) = super::ctx::agent().await?;
    state.desk.admin_group_settings(&agent).await.map_err(super::ctx::fail)
}

#[server(endpoint = "admin_save_group_settings", input = Json)]
pub async fn admin_save_group_settings(id: GroupId, settings: GroupSettings) -> Result<GroupSettings, ApiError> {
    let (state, agent) = super::ctx::agent().await?;
    state.desk.save_group_settings(&agent, id, &settings).await.map_err(super::ctx::fail)
}

/// The audit log, newest first; `before` a line's id for the page after it.
#[server(endpoint = "admin_audit_log", input = Json)]
pub async fn admin_audit_log(before: Option<i64>) -> Result<AuditPage, ApiError> {
    let (state, agent) = super::ctx::agent().await?;
    state.desk.audit_log(&agent, before).await.map_err(super::ctx::fail)
}

/// The SMTP settings (never the password: only whether one is kept).
#[server(endpoint = "admin_mail_settings", input = Json)]
pub async fn admin_mail_settings() -> Result<MailSettingsView, ApiError> {
    let (state, agent) = super::ctx::agent().await?;
    state.desk.mail_settings(&agent).await.map_err(super::ctx::fail)
}

/// Saves the SMTP settings (refused while the server's flags set them).
#[server(endpoint = "admin_save_mail_settings", input = Json)]
pub async fn admin_save_mail_settings(change: MailSettingsChange) -> Result<MailSettingsView, ApiError> {
    let (state, agent) = super::ctx::agent().await?;
    state.desk.save_mail_settings(&agent, &change).await.map_err(super::ctx::fail)
}

/// The outbox, newest first: what the desk sent, is sending, or gave up on, and why.
#[server(endpoint = "admin_outbox", input = Json)]
pub async fn admin_outbox() -> Result<Vec<OutboxEntry>, ApiError> {
    let (state, agent) = super::ctx::agent().await?;
    state.desk.outbox_entries(&agent).await.map_err(super::ctx::fail)
}

/// Sends a failed outbox entry again (a new round of tries, at once).
#[server(endpoint = "admin_send_again", input = Json)]
pub async fn admin_send_again(id: i64) -> Result<OutboxEntry, ApiError> {
    let (state, agent) = super::ctx::agent().await?;
    state.desk.send_again(&agent, id).await.map_err(super::ctx::fail)
}
