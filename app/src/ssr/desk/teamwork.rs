//! Team work: presence, invitations, joining and leaving, transfers.

use super::*;

impl Desk {
    /// Connections seen after this count (domain/team.rs `presence`).
    pub(super) fn presence_cutoff(&self) -> i64 {
        self.now_ms() - self.presence_timeout_ms
    }

    /// Every agent with their groups and presence.
    pub async fn team(&self) -> Result<Vec<TeamMember>, DeskError> {
        Ok(self.store.team(self.presence_cutoff(), None).await?)
    }

    pub(super) async fn member(&self, id: AgentId) -> Result<TeamMember, DeskError> {
        let member = self.store.team(self.presence_cutoff(), Some(id)).await?.pop();
        member.ok_or_else(|| DeskError::Invalid("There is no such agent.".into()))
    }

    /// A console of `agent` went live on this node; colleagues hear of it if the agent was
    /// offline.
    pub async fn console_opened(&self, agent: AgentId) -> Result<(), DeskError> {
        let first_here = {
            let mut consoles = self.consoles.lock().unwrap_or_else(|e| e.into_inner());
            let count = consoles.entry(agent).or_default();
            *count += 1;
            *count == 1
        };
        if first_here {
            let was_connected =
                self.store.console_connected(self.store.node(), agent, self.now_ms(), self.presence_cutoff()).await?;
            if !was_connected {
                self.announce(agent).await?;
                self.route_soon();
            }
        }
        Ok(())
    }

    /// A console closed. No I/O: its row is no longer refreshed and ages out (`presence_tick`),
    /// so a reload does not flicker offline.
    pub fn console_closed(&self, agent: AgentId) {
        let mut consoles = self.consoles.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(count) = consoles.get_mut(&agent) {
            *count -= 1;
            if *count == 0 {
                consoles.remove(&agent);
            }
        }
    }

    /// The node's presence heartbeat: keeps its agents' consoles counted, and tells everyone of
    /// agents with no console left anywhere.
    pub async fn presence_tick(&self) -> Result<(), DeskError> {
        let gone = self
            .store
            .refresh_connections(self.store.node(), self.consoles_here(), self.now_ms(), self.presence_cutoff())
            .await?;
        for agent in gone {
            self.announce(agent).await?;
            self.give_back_offers(agent).await?;
        }
        // Also a safety net: what a node that died between a change and its routing left.
        self.route_soon();
        Ok(())
    }

    /// Only the first half of the heartbeat: this node's consoles are seen now, nobody expires.
    /// A test clock moved forward on several nodes does this on each before any of them
    /// expires connections, so no node takes another's open consoles for gone.
    pub async fn presence_refresh(&self) -> Result<(), DeskError> {
        self.store.refresh_connections(self.store.node(), self.consoles_here(), self.now_ms(), i64::MIN).await?;
        Ok(())
    }

    fn consoles_here(&self) -> Vec<AgentId> {
        self.consoles.lock().unwrap_or_else(|e| e.into_inner()).keys().copied().collect()
    }

    /// Runs `presence_tick` three times per presence timeout, for good.
    pub fn spawn_presence(self: &Arc<Self>) {
        let desk = self.clone();
        tokio::spawn(async move {
            let every = std::time::Duration::from_millis((desk.presence_timeout_ms / 3).max(100) as u64);
            let mut tick = tokio::time::interval(every);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tick.tick().await;
                if let Err(err) = desk.presence_tick().await {
                    tracing::warn!(%err, "presence heartbeat failed; will try again");
                }
            }
        });
    }

    /// Tells every console, on every node, how `agent` is now.
    async fn announce(&self, agent: AgentId) -> Result<(), DeskError> {
        let frame = ServerFrame::Presence { member: self.member(agent).await? };
        self.hub.signal(&[Route::Staff], &frame);
        Ok(self.store.share_signal(&[Route::Staff], &frame).await?)
    }

    /// The agent sets themself online or away.
    pub async fn set_availability(&self, agent: &AgentProfile, availability: Availability) -> Result<TeamMember, DeskError> {
        self.store.set_availability(agent.card.id, availability).await?;
        self.announce(agent.card.id).await?;
        match availability {
            Availability::Away => self.give_back_offers(agent.card.id).await?,
            Availability::Online => self.route_soon(),
        }
        self.member(agent.card.id).await
    }

    /// A participant invites an online agent (of any group) into the chat.
    pub async fn invite(&self, agent: &AgentProfile, chat_id: ChatId, invitee: AgentId) -> Result<(), DeskError> {
        let mut chat = self.chat_for_agent(agent, chat_id).await?;
        let invitee = self.member(invitee).await?;
        for _ in 0..RACE_RETRIES {
            team::check_invite(&chat, agent.card.id, &invitee)?;
            match self.store.invite(&chat, &invitee.card, &agent.card, self.now_ms()).await {
                Err(StoreError::Conflict) => chat = self.chat_for_agent(agent, chat_id).await?,
                other => return Ok(other?),
            }
        }
        Err(StoreError::Conflict.into())
    }

    /// An invited agent, or a supervisor of the chat's group, joins as a guest: the whole chat
    /// so far comes back. Joining twice is once.
    pub async fn join(&self, agent: &AgentProfile, chat_id: ChatId) -> Result<ChatTranscript, DeskError> {
        let me = Staff::from(agent);
        for _ in 0..RACE_RETRIES {
            let chat = self.store.chat(chat_id).await.map_err(not_found)?;
            let invited = self.store.is_invited(chat_id, me.id).await?;
            let joins = match team::check_join(&chat, &me, invited) {
                // Naming a chat one may not join never tells whether it exists.
                Err(TeamRefusal::NotInvited) => return Err(DeskError::NoSuchChat),
                other => other?,
            };
            if joins {
                match self.store.join(&chat, &agent.card, self.now_ms()).await {
                    Err(StoreError::Conflict) => continue,
                    other => drop(other?),
                }
            }
            return Ok(self.store.transcript(chat_id).await?);
        }
        Err(StoreError::Conflict.into())
    }

    /// A guest leaves the chat; it goes on without them.
    pub async fn leave(&self, agent: &AgentProfile, chat_id: ChatId) -> Result<(), DeskError> {
        for _ in 0..RACE_RETRIES {
            let chat = self.chat_for_agent(agent, chat_id).await?;
            team::check_leave(&chat, agent.card.id)?;
            match self.store.leave(&chat, &agent.card, self.now_ms()).await {
                Err(StoreError::Conflict) => continue,
                other => {
                    self.route_soon();
                    return Ok(other?);
                }
            }
        }
        Err(StoreError::Conflict.into())
    }

    /// The holder hands the chat to an online agent (in one of that agent's groups) or back to
    /// a group's queue.
    pub async fn transfer(&self, agent: &AgentProfile, chat_id: ChatId, target: TransferTarget) -> Result<(), DeskError> {
        let group_id = match target {
            TransferTarget::Agent { group_id, .. } | TransferTarget::Queue { group_id } => group_id,
        };
        let group = self.groups().await?.into_iter().find(|g| g.id == group_id);
        let group = group.ok_or_else(|| DeskError::Invalid("There is no such assignment group.".into()))?;
        let member = match target {
            TransferTarget::Agent { agent_id, .. } => Some(self.member(agent_id).await?),
            TransferTarget::Queue { .. } => None,
        };
        let handover = match &member {
            Some(member) => Handover::Agent(member, &group),
            None => Handover::Queue(&group),
        };
        for _ in 0..RACE_RETRIES {
            let chat = self.chat_for_agent(agent, chat_id).await?;
            team::check_transfer(&chat, agent.card.id, &handover)?;
            let now = self.now_ms();
            // Back in a queue, it gets a fresh pickup window, as a new request would.
            let missed_at = match member {
                None => self.settings().await?.missed_chat_due(now),
                Some(_) => None,
            };
            match self.store.transfer(&chat, member.as_ref().map(|m| &m.card), &group, now, missed_at).await {
                Err(StoreError::Conflict) => continue,
                Err(StoreError::AtCapacity(_)) => {
                    let name = member.as_ref().map(|m| m.card.name.clone()).unwrap_or_default();
                    return Err(TeamRefusal::ReceiverAtCapacity(name).into());
                }
                other => {
                    self.route_soon();
                    return Ok(other.map(drop)?);
                }
            }
        }
        Err(StoreError::Conflict.into())
    }
}
