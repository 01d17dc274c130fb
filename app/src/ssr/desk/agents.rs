//! Agents: log-on and sessions, the console, accepting and writing.

use super::*;
use crate::domain::routing::{self, OfferRefusal, RoutingMode};

impl Desk {
    /// Returns a new session token and the agent.
    pub async fn log_on(&self, email: &str, password: &str) -> Result<(String, AgentProfile), DeskError> {
        let password = password.to_string();
        let credentials = self.store.agent_credentials(email).await?;
        let (agent_id, hash) = credentials.map(|c| (c.id, c.password_hash)).unzip();
        // Verify against a dummy hash when the email is unknown, so timing does not tell. The
        // dummy is made (once, by argon2) on the blocking thread too, not on an async worker.
        let password_ok = self
            .off_the_workers(move || match hash {
                Some(hash) => auth::verify_password(&password, &hash),
                None => auth::verify_password(&password, dummy_hash()),
            })
            .await?;
        let agent_id = agent_id.filter(|_| password_ok).ok_or(DeskError::BadCredentials)?;
        let token = auth::new_token();
        let expires = self.now_ms() + self.session_ttl_ms;
        self.store.create_session(&auth::token_hash(&token), agent_id, expires).await?;
        Ok((token, self.store.agent_profile(agent_id).await?))
    }

    pub async fn agent_for_session(&self, token: Option<&str>) -> Result<AgentProfile, DeskError> {
        let token_hash = auth::token_hash(token.ok_or(DeskError::NotSignedIn)?);
        let now = self.now_ms();
        if let Some(agent) = self.sessions.get(&token_hash, now) {
            return Ok(agent);
        }
        let agent_id = self.store.session_agent(&token_hash, now).await?.ok_or(DeskError::NotSignedIn)?;
        let agent = self.store.agent_profile(agent_id).await?;
        self.sessions.put(token_hash, agent.clone(), now);
        Ok(agent)
    }

    pub async fn log_off(&self, token: &str) -> Result<(), DeskError> {
        let token_hash = auth::token_hash(token);
        self.sessions.forget(&token_hash);
        self.store.delete_session(&token_hash).await?;
        let _ = self.session_ends.send(SessionEnd::Session(token_hash));
        Ok(())
    }

    /// Every session of `agent` ended (deactivated, password reset): this node's cache forgets
    /// them and their consoles here close now; other nodes' within `SESSION_CHECK`.
    pub fn sessions_ended(&self, agent: AgentId) {
        self.sessions.forget_agent(agent);
        let _ = self.session_ends.send(SessionEnd::Agent(agent));
    }

    /// Sessions ending on this node, for the connections that hold them.
    pub fn session_ends(&self) -> tokio::sync::broadcast::Receiver<SessionEnd> {
        self.session_ends.subscribe()
    }

    /// Deletes expired sessions (their consoles closed on their own check already).
    pub async fn purge_sessions(&self) -> Result<u64, DeskError> {
        Ok(self.store.purge_sessions(self.now_ms()).await?)
    }

    /// A password hash for a new or reset password, made off the async workers.
    pub async fn hash_password(&self, password: &str) -> Result<String, DeskError> {
        let password = password.to_string();
        self.off_the_workers(move || auth::hash_password(&password)).await
    }

    /// Runs an argon2 computation on a blocking thread, at most `password_checks` at once.
    async fn off_the_workers<T: Send + 'static>(&self, work: impl FnOnce() -> T + Send + 'static) -> Result<T, DeskError> {
        let busy = || DeskError::Store { source: StoreError::Unavailable("password checks are busy".into()) };
        let _permit = tokio::time::timeout(PASSWORD_CHECK_WAIT, self.password_checks.acquire())
            .await
            .map_err(|_| busy())?
            .map_err(|_| busy())?;
        tokio::task::spawn_blocking(work).await.map_err(|_| busy())
    }

    /// Queue lengths per group, for `/metrics`.
    pub async fn queue_lengths(&self) -> Result<Vec<(String, i64)>, DeskError> {
        Ok(self.store.queue_lengths().await?)
    }

    pub async fn console_snapshot(&self, agent: AgentProfile) -> Result<ConsoleSnapshot, DeskError> {
        // Position first: anything after it is replayed, and replaying is idempotent.
        let position = self.store.head().await?;
        let group_ids: Vec<GroupId> = agent.groups.iter().map(|g| g.id).collect();
        let queued = self.store.queued(&group_ids).await?;
        let active = self.store.active_for_agent(agent.card.id).await?;
        let records = self.store.chat_records(&active).await?;
        let my_chats = self.store.recent_transcripts(active, TRANSCRIPT_PAGE).await?;
        let invitations = self.store.invitations_for(agent.card.id).await?;
        let settings = self.store.group_settings().await?;
        let (offer, offering_groups) = self.offers_for(&agent, &settings).await?;
        let (offline_requests, offline_request_groups) = self.offline_requests_for(&agent, &settings).await?;
        Ok(ConsoleSnapshot {
            position,
            agent,
            queued,
            my_chats,
            records,
            invitations,
            offer,
            offering_groups,
            offline_requests,
            offline_request_groups,
        })
    }

    /// The agent's view of one chat: theirs, or queued in one of their groups.
    pub async fn agent_transcript(&self, agent: &AgentProfile, chat_id: ChatId) -> Result<ChatTranscript, DeskError> {
        self.chat_for_agent(agent, chat_id).await?;
        Ok(self.store.transcript(chat_id).await?)
    }

    /// The page of messages before message `before` in a chat the agent may see.
    pub async fn earlier_messages(&self, agent: &AgentProfile, chat_id: ChatId, before: i64) -> Result<MessagePage, DeskError> {
        self.chat_for_agent(agent, chat_id).await?;
        Ok(self.store.messages_before(chat_id, before, TRANSCRIPT_PAGE).await?)
    }

    /// Accept (pick up) a queued request. Exactly one of several racing agents wins.
    /// The Interaction an accept by `by` opens, prefilled from the chat (none when the desk
    /// runs without them): for an accept and an admin's assignment alike.
    pub(super) async fn opening(&self, chat: &ChatRequest, by: Staff) -> Result<Option<Opening>, DeskError> {
        Ok(match self.interactions_on_accept {
            true => Some(Opening { fields: records::prefill(chat, &self.mapping().await?), by }),
            false => None,
        })
    }

    pub async fn accept(&self, agent: &AgentProfile, chat_id: ChatId) -> Result<AcceptOutcome, DeskError> {
        let chat = self.store.chat(chat_id).await.map_err(not_found)?;
        let me = Staff::from(agent);
        if !me.may_accept(&chat) {
            return Err(DeskError::NoSuchChat);
        }
        let taken = |chat: &ChatRequest| AcceptOutcome::AlreadyTaken { by: chat.agent.as_ref().map(|a| a.name.clone()) };
        if chat.state.apply(ChatAction::Accept).is_err() {
            return Ok(taken(&chat));
        }
        // In an auto-assign group only the agent it is offered to takes it, with the offer.
        let settings = self.settings_of(chat.group.id).await?;
        let offer = match settings.routing {
            RoutingMode::Pickup => None,
            RoutingMode::AutoAssign => self.store.open_offer(chat_id).await?,
        };
        routing::may_pick_up(settings.routing, offer.as_ref(), agent.card.id, self.now_ms())?;
        let opening = self.opening(&chat, me).await?;
        // Their offer ended with it: below capacity, they may be offered the next in its commit.
        match self.store.accept_then(&chat, &agent.card, offer, opening, self.now_ms(), Some(self.route_after())).await {
            Ok(interaction) => {
                let transcript = self.store.transcript(chat_id).await?;
                // A new interaction has no notes yet; a previous one, or the one a chat handed
                // back to a queue keeps, may.
                let notes = match &interaction {
                    Some(t) if t.version > 1 || t.chat_id != Some(chat_id) => self.store.notes(&[t.id]).await?,
                    _ => Vec::new(),
                };
                let notice = records::accept_notice(&chat, interaction.as_ref());
                let records = ChatRecords { chat_id, interaction, incident: None, notes, notice };
                Ok(AcceptOutcome::Accepted(transcript, records))
            }
            Err(StoreError::Conflict) => match self.store.chat(chat_id).await? {
                // Still waiting: the offer moved on between its check and the accept.
                chat if offer.is_some() && chat.state == ChatState::Queued => Err(OfferRefusal::Expired.into()),
                chat => Ok(taken(&chat)),
            },
            Err(StoreError::AtCapacity(max)) => Err(TeamRefusal::AtCapacity(max).into()),
            Err(err) => Err(err.into()),
        }
    }

    pub async fn post_as_agent(
        &self,
        agent: &AgentProfile,
        chat_id: ChatId,
        client_id: &str,
        body: &str,
    ) -> Result<ChatMessage, DeskError> {
        let me = Staff::from(agent);
        // No read when the node knows the chat (`open_chats`): the writer's guard catches a
        // stale one, and the access rule is asked again on the fresh chat.
        let chat = match self.hub.open_chats().get(chat_id) {
            Some(chat) if me.may_see_chat(&chat) => ChatRequest::clone(&chat),
            _ => {
                let chat = self.chat_for_agent(agent, chat_id).await?;
                self.hub.open_chats().remember(&chat, None);
                chat
            }
        };
        let may_post = |chat: &ChatRequest| if me.may_see_chat(chat) { Ok(()) } else { Err(DeskError::NoSuchChat) };
        self.post(chat, may_post, Party::Agent, Author::Agent(agent.card.clone()), false, client_id, body).await
    }
}
