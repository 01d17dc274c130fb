//! Administration: agents, groups and the audit log (the rules are in `ssr/admin.rs`; admins only).

use super::*;

impl Desk {
    pub(super) fn admin(&self, agent: &AgentProfile) -> Result<Actor, DeskError> {
        match agent.role {
            Role::Admin => Ok(Actor { agent: Some(agent.card.id), now_ms: self.now_ms() }),
            Role::Agent => Err(DeskError::AdminOnly),
        }
    }

    pub async fn admin_agents(&self, agent: &AgentProfile) -> Result<Vec<AgentEntry>, DeskError> {
        self.admin(agent)?;
        Ok(self.store.agent_entries().await?)
    }

    pub async fn admin_groups(&self, agent: &AgentProfile) -> Result<Vec<AssignmentGroup>, DeskError> {
        self.admin(agent)?;
        Ok(self.store.groups().await?)
    }

    pub async fn create_agent(&self, agent: &AgentProfile, form: &NewAgent) -> Result<AgentEntry, DeskError> {
        admin::create_agent(&self.store, self.admin(agent)?, form).await
    }

    /// Name, role and memberships; the changed agent's sessions see it at once on this node.
    pub async fn change_agent(&self, agent: &AgentProfile, id: AgentId, change: &AgentChange) -> Result<AgentEntry, DeskError> {
        let changed = admin::change_agent(&self.store, self.admin(agent)?, id, change).await;
        // Their open consoles reconnect, subscribed to what the new groups allow.
        self.sessions.forget_agent(id);
        let _ = self.session_ends.send(SessionEnd::Changed(id));
        // A higher maximum or a new group may make them free for an offer.
        self.route_soon();
        changed
    }

    /// Deactivating ends the agent's sessions (the store deletes them in the same job).
    pub async fn set_agent_active(&self, agent: &AgentProfile, id: AgentId, active: bool) -> Result<AgentEntry, DeskError> {
        let changed = admin::set_active(&self.store, self.admin(agent)?, id, active).await;
        self.sessions_ended(id);
        if changed.is_ok() && !active {
            self.give_back_offers(id).await?;
        }
        changed
    }

    /// A new password ends the agent's sessions.
    pub async fn reset_password(&self, agent: &AgentProfile, id: AgentId, password: &str) -> Result<(), DeskError> {
        let reset = admin::reset_password(&self.store, self.admin(agent)?, id, password).await;
        self.sessions_ended(id);
        reset
    }

    pub async fn create_group(&self, agent: &AgentProfile, name: &str) -> Result<AssignmentGroup, DeskError> {
        admin::create_group(&self.store, self.admin(agent)?, name).await
    }

    pub async fn rename_group(&self, agent: &AgentProfile, id: GroupId, name: &str) -> Result<AssignmentGroup, DeskError> {
        admin::rename_group(&self.store, self.admin(agent)?, id, name).await
    }

    /// Every group's settings of the end user's wait.
    pub async fn admin_group_settings(&self, agent: &AgentProfile) -> Result<Vec<(GroupId, GroupSettings)>, DeskError> {
        self.admin(agent)?;
        Ok(self.store.group_settings().await?)
    }

    /// Saves a group's settings if they pass `hours::check_group_settings`; returns them tidied.
    pub async fn save_group_settings(&self, agent: &AgentProfile, id: GroupId, settings: &GroupSettings) -> Result<GroupSettings, DeskError> {
        let by = self.admin(agent)?;
        let tidy = crate::domain::hours::check_group_settings(settings).map_err(|errors| DeskError::Invalid(errors.join(" ")))?;
        match self.store.save_group_settings(id, tidy.clone(), by).await {
            Err(StoreError::NotFound) => Err(DeskError::Invalid(crate::domain::admin::NO_SUCH_GROUP.into())),
            other => Ok(other?),
        }?;
        // Auto-assign turned on, or a higher maximum: offers may be made now.
        self.route_soon();
        Ok(tidy)
    }

    /// An admin takes a waiting request out of the queue and gives it to an online agent of its
    /// group (`team::check_assign`), within their capacity: as if they had accepted it.
    pub async fn assign(&self, agent: &AgentProfile, chat_id: ChatId, to: AgentId) -> Result<(), DeskError> {
        let by = self.admin(agent)?;
        let member = self.member(to).await?;
        for _ in 0..RACE_RETRIES {
            let chat = self.store.chat(chat_id).await.map_err(|_| DeskError::NoSuchChat)?;
            team::check_assign(&chat, &member)?;
            // The assignee's own view of records decides what a previous ticket ID opens; as a
            // member (never more than they may read).
            let as_member = Staff { id: member.card.id, admin: false, groups: member.groups.iter().map(|g| g.id).collect(), supervises: vec![] };
            let opening = self.opening(&chat, as_member).await?;
            match self.store.assign(&chat, &member.card, opening, by, self.now_ms()).await {
                Err(StoreError::Conflict) => continue,
                Err(StoreError::AtCapacity(_)) => return Err(TeamRefusal::ReceiverAtCapacity(member.card.name.clone()).into()),
                other => {
                    // An offer of it, if any, ended with it: its agent is free again.
                    self.route_soon();
                    return Ok(other.map(drop)?);
                }
            }
        }
        Err(StoreError::Conflict.into())
    }

    /// The audit log, newest first, `AUDIT_PAGE` lines at a time.
    pub async fn audit_log(&self, agent: &AgentProfile, before: Option<i64>) -> Result<AuditPage, DeskError> {
        self.admin(agent)?;
        Ok(self.store.audit_log(before, AUDIT_PAGE).await?)
    }
}
