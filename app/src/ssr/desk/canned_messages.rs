//! Canned messages: the ones an agent may use, and saving and deleting them.

use super::*;

impl Desk {
    /// The canned messages the agent may use, each saying whether they may change it.
    pub async fn canned_messages(&self, agent: &AgentProfile) -> Result<Vec<CannedMessage>, DeskError> {
        let groups: Vec<GroupId> = agent.groups.iter().map(|g| g.id).collect();
        let stored = self.store.canned_for(agent.card.id, &groups).await?;
        Ok(stored
            .into_iter()
            .map(|s| CannedMessage { editable: canned::may_manage(agent, s.message.scope, s.owner), ..s.message })
            .collect())
    }

    /// Creates (`id` None) or changes a canned message the agent may manage, in a scope they
    /// may manage.
    pub async fn save_canned(
        &self,
        agent: &AgentProfile,
        id: Option<CannedId>,
        draft: &CannedDraft,
    ) -> Result<CannedMessage, DeskError> {
        let valid = canned::validate(draft).map_err(DeskError::Invalid)?;
        if let Some(id) = id {
            self.canned_to_manage(agent, id).await?;
        }
        match valid.scope {
            CannedScope::Everyone if !canned::may_manage(agent, valid.scope, None) => return Err(DeskError::AdminOnly),
            CannedScope::Group(_) if !canned::may_manage(agent, valid.scope, None) => {
                return Err(DeskError::NotAllowed("You can only keep canned messages for your own groups.".into()));
            }
            _ => {}
        }
        let id = match self.store.save_canned(id, valid, agent.card.id, self.now_ms()).await {
            Err(StoreError::NotFound) => return Err(DeskError::NoSuchRecord),
            other => other?,
        };
        let stored = self.store.canned(id).await?;
        Ok(CannedMessage { editable: true, ..stored.message })
    }

    pub async fn delete_canned(&self, agent: &AgentProfile, id: CannedId) -> Result<(), DeskError> {
        self.canned_to_manage(agent, id).await?;
        Ok(self.store.delete_canned(id).await?)
    }

    /// A canned message the agent may change. Someone else's personal one, or another group's,
    /// is "no such record"; a desk-wide one is for admins.
    async fn canned_to_manage(&self, agent: &AgentProfile, id: CannedId) -> Result<(), DeskError> {
        let stored = match self.store.canned(id).await {
            Err(StoreError::NotFound) => return Err(DeskError::NoSuchRecord),
            other => other?,
        };
        if !canned::may_see(agent, stored.message.scope, stored.owner) {
            return Err(DeskError::NoSuchRecord);
        }
        if !canned::may_manage(agent, stored.message.scope, stored.owner) {
            return Err(DeskError::AdminOnly);
        }
        Ok(())
    }
}
