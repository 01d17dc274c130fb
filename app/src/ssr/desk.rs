//! The service desk: every use case as validate → authorize → domain → persist → publish.
//! Server functions and the WebSocket handler call these; they hold no rules of their own.

use std::sync::Arc;

use super::hub::{Hub, Subscription};
use super::store::{Actor, Store, StoreError, StoredEvent};
use super::{admin, auth};
use crate::domain::audience::{Route, Viewer};
use crate::domain::canned;
use crate::domain::lifecycle::{token_opens, ChatAction, ChatState, IllegalTransition, Party};
use crate::domain::records;
use crate::domain::team::{self, Handover, TeamRefusal};
use crate::domain::validate::{self, MessageError, Photo};
use crate::model::*;

/// The clock seam: every timestamp comes from here, so tests (and the missed-chat timer to
/// come) can use a clock of their own.
pub trait Clock: Send + Sync {
    fn now_ms(&self) -> i64;
}

pub struct SystemClock;

impl Clock for SystemClock {
    fn now_ms(&self) -> i64 {
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or_default()
    }
}

/// Why a use case did not happen. Crosses the wire as `ApiError` (a store failure only as
/// `Unavailable`; its details are logged, not shown).
#[derive(Debug, thiserror::Error)]
pub enum DeskError {
    #[error("{}", ApiError::NotSignedIn)]
    NotSignedIn,
    #[error("{}", ApiError::BadCredentials)]
    BadCredentials,
    /// Deliberately the same whether the chat does not exist or is not yours.
    #[error("{}", ApiError::NoSuchChat)]
    NoSuchChat,
    #[error("{0}")]
    Message(#[from] MessageError),
    #[error("{0}")]
    Illegal(#[from] IllegalTransition),
    #[error("{}", ApiError::NoSuchRecord)]
    NoSuchRecord,
    #[error("{0}")]
    Invalid(String),
    /// The widget's form broke its rules; each error names its field.
    #[error("{}", ApiError::InvalidForm(.0.clone()))]
    Form(Vec<FieldError>),
    #[error("the record was saved meanwhile")]
    Stale(Box<Ticket>),
    #[error("{}", ApiError::AdminOnly)]
    AdminOnly,
    #[error("{0}")]
    NotAllowed(String),
    #[error("{0}")]
    Team(#[from] TeamRefusal),
    #[error("{}", ApiError::from(*.0))]
    Limited(super::limits::RetryAfter),
    #[error("{}", ApiError::ChatClosed)]
    ChatClosed,
    #[error("{}", ApiError::WaitingCap { cap: *.0 })]
    WaitingCap(u32),
    #[error("{}: {source}", ApiError::Unavailable)]
    Store {
        #[from]
        source: StoreError,
    },
}

impl From<DeskError> for ApiError {
    fn from(err: DeskError) -> ApiError {
        match err {
            DeskError::NotSignedIn => ApiError::NotSignedIn,
            DeskError::BadCredentials => ApiError::BadCredentials,
            DeskError::NoSuchChat => ApiError::NoSuchChat,
            DeskError::Message(m) => ApiError::InvalidMessage(m),
            DeskError::Illegal(i) => ApiError::NotNow(i),
            DeskError::NoSuchRecord => ApiError::NoSuchRecord,
            DeskError::Invalid(text) => ApiError::Invalid(text),
            DeskError::Form(errors) => ApiError::InvalidForm(errors),
            DeskError::Stale(current) => ApiError::Stale { current },
            DeskError::AdminOnly => ApiError::AdminOnly,
            DeskError::NotAllowed(text) => ApiError::NotAllowed(text),
            DeskError::Team(refusal) => ApiError::Team(refusal),
            DeskError::Limited(wait) => wait.into(),
            DeskError::ChatClosed => ApiError::ChatClosed,
            DeskError::WaitingCap(cap) => ApiError::WaitingCap { cap },
            DeskError::Store { .. } => ApiError::Unavailable,
        }
    }
}

pub struct Desk {
    store: Arc<Store>,
    hub: Arc<Hub>,
    clock: Arc<dyn Clock>,
    /// Whether accepting a chat opens its Interaction (off only to measure what that costs).
    interactions_on_accept: bool,
    sessions: SessionCache,
    settings: SettingsCache,
    /// Console connections on this node, per agent: presence (domain/team.rs).
    consoles: std::sync::Mutex<std::collections::HashMap<AgentId, usize>>,
    /// An agent with no console seen for this long is offline.
    presence_timeout_ms: i64,
    /// Password checks (argon2id, ~20 ms of a core each) run on blocking threads, this many at
    /// once: guessing cannot take the async workers that carry every chat.
    password_checks: tokio::sync::Semaphore,
    /// Messages an end user may post while their chat waits (0: no cap).
    waiting_cap: u32,
    /// How long after a chat closed its end user's token still opens it.
    closed_chat_access_ms: i64,
    /// How long a log-on lasts.
    session_ttl_ms: i64,
    /// Sessions that ended on this node (log-off, deactivation): their consoles close at once.
    session_ends: tokio::sync::broadcast::Sender<SessionEnd>,
}

/// A session that ended: one, or every session of an agent; or an agent whose groups or role
/// changed (their sessions go on, their consoles must subscribe afresh).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SessionEnd {
    Session(String),
    Agent(AgentId),
    Changed(AgentId),
}

impl SessionEnd {
    /// Whether this ends `session` (the agent and the hash of the session's token).
    pub fn ends(&self, (agent, token_hash): &(AgentId, String)) -> bool {
        match self {
            SessionEnd::Session(hash) => hash == token_hash,
            SessionEnd::Agent(id) | SessionEnd::Changed(id) => id == agent,
        }
    }
}

/// The end user's token opens a closed chat for a day by default: long enough to read it again
/// after a reload, not a key kept forever in the browser.
pub const CLOSED_CHAT_ACCESS_MS: i64 = 24 * 3600 * 1000;
/// How long a log-on may wait for a free password check before the server says it is busy.
const PASSWORD_CHECK_WAIT: std::time::Duration = std::time::Duration::from_secs(10);

/// How long an agent whose consoles all closed (or whose node died) still counts as connected.
pub const PRESENCE_TIMEOUT_MS: i64 = 15_000;

/// The desk settings for a moment: every start and accept reads them. Saved here, they apply
/// at once; saved on another node, within `SETTINGS_CACHE_MS`.
#[derive(Default)]
struct SettingsCache(std::sync::Mutex<Option<(DeskSettings, i64)>>);

const SETTINGS_CACHE_MS: i64 = 2_000;

impl SettingsCache {
    fn get(&self, now: i64) -> Option<DeskSettings> {
        let held = self.0.lock().unwrap_or_else(|e| e.into_inner());
        held.as_ref().filter(|(_, until)| *until > now).map(|(settings, _)| settings.clone())
    }

    fn put(&self, settings: DeskSettings, now: i64) {
        *self.0.lock().unwrap_or_else(|e| e.into_inner()) = Some((settings, now + SETTINGS_CACHE_MS));
    }
}

/// Agents by session token hash, for a moment: every agent request and console socket starts
/// with this lookup, and it was three queries. Log-off on this node forgets at once; a log-off
/// on another node, an expiry or a change of groups is seen within `SESSION_CACHE_MS`.
#[derive(Default)]
struct SessionCache(std::sync::Mutex<std::collections::HashMap<String, (AgentProfile, i64)>>);

const SESSION_CACHE_MS: i64 = 2_000;

impl SessionCache {
    fn entries(&self) -> std::sync::MutexGuard<'_, std::collections::HashMap<String, (AgentProfile, i64)>> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn get(&self, token_hash: &str, now: i64) -> Option<AgentProfile> {
        self.entries().get(token_hash).filter(|(_, until)| *until > now).map(|(agent, _)| agent.clone())
    }

    fn put(&self, token_hash: String, agent: AgentProfile, now: i64) {
        let mut entries = self.entries();
        if entries.len() >= 1024 {
            entries.retain(|_, (_, until)| *until > now);
        }
        entries.insert(token_hash, (agent, now + SESSION_CACHE_MS));
    }

    fn forget(&self, token_hash: &str) {
        self.entries().remove(token_hash);
    }

    /// An admin changed the agent: their next request reads them afresh (or finds no session).
    fn forget_agent(&self, agent: AgentId) {
        self.entries().retain(|_, (cached, _)| cached.card.id != agent);
    }
}

/// One step of a replay: the events to send, and how far the store was read.
pub struct ReplayBatch {
    pub events: Vec<StoredEvent>,
    /// The last position read, sent or not.
    pub read_to: Option<Position>,
    /// A full batch: there may be more after `read_to`.
    pub more: bool,
}

/// Lines per page of the audit log.
pub const AUDIT_PAGE: usize = 50;

/// How often a change that lost a race is re-read and re-decided before giving up.
const RACE_RETRIES: usize = 3;

impl Desk {
    pub fn new(store: Arc<Store>, hub: Arc<Hub>, clock: Arc<dyn Clock>) -> Desk {
        Desk {
            store,
            hub,
            clock,
            interactions_on_accept: true,
            sessions: SessionCache::default(),
            settings: SettingsCache::default(),
            consoles: Default::default(),
            presence_timeout_ms: PRESENCE_TIMEOUT_MS,
            password_checks: tokio::sync::Semaphore::new(default_password_checks()),
            waiting_cap: 20,
            closed_chat_access_ms: CLOSED_CHAT_ACCESS_MS,
            session_ends: tokio::sync::broadcast::channel(256).0,
            session_ttl_ms: auth::SESSION_TTL_SECS * 1000,
        }
    }

    pub fn with_session_ttl_ms(mut self, ms: i64) -> Desk {
        self.session_ttl_ms = ms.max(1000);
        self
    }

    pub fn session_ttl_ms(&self) -> i64 {
        self.session_ttl_ms
    }

    /// Password checks that may run at once (each takes a blocking thread and a core).
    pub fn with_password_checks(mut self, n: usize) -> Desk {
        self.password_checks = tokio::sync::Semaphore::new(n.max(1));
        self
    }

    pub fn with_waiting_cap(mut self, cap: u32) -> Desk {
        self.waiting_cap = cap;
        self
    }

    /// The cap on an end user's messages while their chat waits, if any.
    fn waiting_cap(&self) -> Option<u32> {
        (self.waiting_cap > 0).then_some(self.waiting_cap)
    }

    pub fn with_closed_chat_access_ms(mut self, ms: i64) -> Desk {
        self.closed_chat_access_ms = ms.max(0);
        self
    }

    /// How soon an agent with no console connected becomes offline (tests shorten it).
    pub fn with_presence_timeout_ms(mut self, ms: i64) -> Desk {
        self.presence_timeout_ms = ms.max(300);
        self
    }

    /// Whether Accept opens an Interaction; `false` only for `make bench`'s comparison.
    pub fn with_interactions_on_accept(mut self, on: bool) -> Desk {
        self.interactions_on_accept = on;
        self
    }

    pub fn now_ms(&self) -> i64 {
        self.clock.now_ms()
    }

    pub async fn groups(&self) -> Result<Vec<AssignmentGroup>, DeskError> {
        Ok(self.store.groups().await?)
    }

    // ---- agents ----------------------------------------------------------------------------

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
        Ok(ConsoleSnapshot { position, agent, queued, my_chats, records, invitations })
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
    pub async fn accept(&self, agent: &AgentProfile, chat_id: ChatId) -> Result<AcceptOutcome, DeskError> {
        let chat = self.store.chat(chat_id).await.map_err(not_found)?;
        if !agent.groups.iter().any(|g| g.id == chat.group.id) {
            return Err(DeskError::NoSuchChat);
        }
        let taken = |chat: &ChatRequest| AcceptOutcome::AlreadyTaken { by: chat.agent.as_ref().map(|a| a.name.clone()) };
        if chat.state.apply(ChatAction::Accept).is_err() {
            return Ok(taken(&chat));
        }
        let prefilled = match self.interactions_on_accept {
            true => Some(records::prefill(&chat, &self.mapping().await?)),
            false => None,
        };
        match self.store.accept(&chat, &agent.card, prefilled, self.now_ms()).await {
            Ok(interaction) => {
                let transcript = self.store.transcript(chat_id).await?;
                // A new interaction has no notes yet; a previous one may.
                let notes = match &interaction {
                    Some(t) if t.chat_id != Some(chat_id) => self.store.notes(&[t.id]).await?,
                    _ => Vec::new(),
                };
                let notice = records::accept_notice(&chat, interaction.as_ref());
                let records = ChatRecords { chat_id, interaction, incident: None, notes, notice };
                Ok(AcceptOutcome::Accepted(transcript, records))
            }
            Err(StoreError::Conflict) => Ok(taken(&self.store.chat(chat_id).await?)),
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
        let chat = self.chat_for_agent(agent, chat_id).await?;
        self.post(chat, Party::Agent, Author::Agent(agent.card.clone()), client_id, body).await
    }

    // ---- admin: agents, groups, audit (ssr/admin.rs; admins only) -----------------------------

    fn admin(&self, agent: &AgentProfile) -> Result<Actor, DeskError> {
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
        changed
    }

    /// Deactivating ends the agent's sessions (the store deletes them in the same job).
    pub async fn set_agent_active(&self, agent: &AgentProfile, id: AgentId, active: bool) -> Result<AgentEntry, DeskError> {
        let changed = admin::set_active(&self.store, self.admin(agent)?, id, active).await;
        self.sessions_ended(id);
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

    /// The audit log, newest first, `AUDIT_PAGE` lines at a time.
    pub async fn audit_log(&self, agent: &AgentProfile, before: Option<i64>) -> Result<AuditPage, DeskError> {
        self.admin(agent)?;
        Ok(self.store.audit_log(before, AUDIT_PAGE).await?)
    }

    // ---- records -----------------------------------------------------------------------------

    /// The desk settings: as an admin saved them, else as the server was started.
    pub async fn settings(&self) -> Result<DeskSettings, DeskError> {
        let now = self.now_ms();
        if let Some(settings) = self.settings.get(now) {
            return Ok(settings);
        }
        let settings = self.store.settings().await?.unwrap_or_else(|| DeskSettings::initial(None));
        self.settings.put(settings.clone(), now);
        Ok(settings)
    }

    async fn mapping(&self) -> Result<records::Mapping, DeskError> {
        let settings = self.settings().await?;
        Ok(records::validate_mapping(&settings.mapping)
            .unwrap_or_else(|_| records::validate_mapping(&records::default_mapping()).expect("the default mapping is valid")))
    }

    pub async fn save_settings(&self, agent: &AgentProfile, settings: DeskSettings) -> Result<DeskSettings, DeskError> {
        if agent.role != Role::Admin {
            return Err(DeskError::AdminOnly);
        }
        records::validate_settings(&settings).map_err(DeskError::Invalid)?;
        let settings = DeskSettings {
            mapping: settings
                .mapping
                .into_iter()
                .map(|m| FieldMap { from: m.from.trim().into(), to: m.to.trim().into() })
                .collect(),
            ..settings
        };
        self.store.save_settings(&settings, false).await?;
        self.settings.put(settings.clone(), self.now_ms());
        Ok(settings)
    }

    /// The interaction and incident beside a chat the agent may see.
    pub async fn chat_records(&self, agent: &AgentProfile, chat_id: ChatId) -> Result<ChatRecords, DeskError> {
        let chat = self.chat_on_record(agent, chat_id).await?;
        let records = self.store.chat_records(std::slice::from_ref(&chat)).await?.pop();
        records.ok_or(DeskError::NoSuchChat)
    }

    /// Saves an edit made on `version` of a ticket. Refused, with the stored values, if
    /// someone saved it since: nobody's edit is overwritten unseen.
    pub async fn save_ticket(
        &self,
        agent: &AgentProfile,
        id: TicketId,
        fields: TicketFields,
        version: i64,
    ) -> Result<Ticket, DeskError> {
        self.ticket_for_agent(agent, id).await?;
        let fields = records::validate_fields(&fields).map_err(DeskError::Invalid)?;
        match self.store.save_ticket(id, fields, version, self.now_ms()).await {
            Ok(ticket) => Ok(ticket),
            Err(StoreError::Conflict) => {
                let current = self.store.ticket(id).await?.ok_or(DeskError::NoSuchRecord)?;
                Err(DeskError::Stale(Box::new(current)))
            }
            Err(err) => Err(err.into()),
        }
    }

    /// "Convert chat to incident", during the chat: once; pressing it again returns the same.
    pub async fn convert_to_incident(&self, agent: &AgentProfile, chat_id: ChatId) -> Result<Ticket, DeskError> {
        let chat = self.chat_for_agent(agent, chat_id).await?;
        if chat.state != ChatState::Active {
            return Err(DeskError::Invalid(
                "Only a chat in progress can be converted; after it ends, use Add as request.".into(),
            ));
        }
        let fields = records::incident_from_chat(&chat);
        Ok(self.store.chat_incident(&chat, fields, Some(agent.card.clone()), self.now_ms()).await?.0)
    }

    /// "Add as request", after the chat: an incident holding the whole transcript (or the
    /// chat's incident, if it has one already).
    pub async fn add_as_request(&self, agent: &AgentProfile, chat_id: ChatId) -> Result<Ticket, DeskError> {
        let chat = self.chat_on_record(agent, chat_id).await?;
        if chat.state.is_open() {
            return Err(DeskError::Invalid(
                "Add as request is for chats that have ended; convert this one to an incident instead.".into(),
            ));
        }
        let messages = self.store.messages(chat_id).await?;
        let fields = records::incident_after_chat(&chat, &messages);
        Ok(self.store.chat_incident(&chat, fields, Some(agent.card.clone()), self.now_ms()).await?.0)
    }

    /// A note from the chat window: it goes to the chat's incident, else its interaction.
    pub async fn add_chat_note(&self, agent: &AgentProfile, chat_id: ChatId, body: &str) -> Result<Note, DeskError> {
        let body = records::note_body(body).map_err(DeskError::Invalid)?;
        let chat = self.chat_on_record(agent, chat_id).await?;
        let records = self.store.chat_records(std::slice::from_ref(&chat)).await?.pop();
        let target = records
            .as_ref()
            .and_then(|r| r.note_target())
            .ok_or_else(|| DeskError::Invalid("This chat has no interaction or incident to hold the note yet.".into()))?;
        Ok(self.store.add_note(target, &agent.card, body, Some(&chat), self.now_ms()).await?)
    }

    /// A note added on a record's page.
    pub async fn add_ticket_note(&self, agent: &AgentProfile, ticket_id: TicketId, body: &str) -> Result<Note, DeskError> {
        let body = records::note_body(body).map_err(DeskError::Invalid)?;
        let ticket = self.ticket_for_agent(agent, ticket_id).await?;
        Ok(self.store.add_note(&ticket, &agent.card, body, None, self.now_ms()).await?)
    }

    /// A record page by number (`CR…`, `SD…`, `IM…`).
    pub async fn record(&self, agent: &AgentProfile, number: &str) -> Result<RecordView, DeskError> {
        let record = RecordRef::parse(number).ok_or(DeskError::NoSuchRecord)?;
        let position = self.store.head().await?;
        let (ticket, chat_id) = match record {
            RecordRef::ChatRequest(chat_id) => {
                self.chat_on_record(agent, chat_id).await.map_err(|_| DeskError::NoSuchRecord)?;
                (None, Some(chat_id))
            }
            RecordRef::Ticket(kind, id) => {
                let ticket = self.ticket_for_agent(agent, id).await?;
                if ticket.kind != kind {
                    return Err(DeskError::NoSuchRecord);
                }
                let chat_id = ticket.chat_id;
                (Some(ticket), chat_id)
            }
        };
        let notes = match &ticket {
            Some(t) => self.store.notes(&[t.id]).await?,
            None => Vec::new(),
        };
        let related = self.store.related(record).await?;
        let transcript = match chat_id {
            Some(id) => Some(self.store.transcript(id).await?),
            None => None,
        };
        Ok(RecordView { position, record, ticket, notes, related, transcript })
    }

    pub async fn search_records(&self, agent: &AgentProfile, query: &RecordQuery) -> Result<RecordPage, DeskError> {
        if query.text.chars().count() > 200 {
            return Err(DeskError::Invalid("Search for at most 200 characters.".into()));
        }
        let groups: Vec<GroupId> = agent.groups.iter().map(|g| g.id).collect();
        let scope = (agent.role != Role::Admin).then_some(groups.as_slice());
        Ok(self.store.search_tickets(scope, query).await?)
    }

    pub async fn history(&self, agent: &AgentProfile, before: Option<ChatId>) -> Result<HistoryPage, DeskError> {
        let groups: Vec<GroupId> = agent.groups.iter().map(|g| g.id).collect();
        Ok(self.store.history(agent.card.id, &groups, before).await?)
    }

    /// A ticket the agent may see: of one of their groups, assigned to them, or any for an
    /// admin. Anything else is "no such record".
    async fn ticket_for_agent(&self, agent: &AgentProfile, id: TicketId) -> Result<Ticket, DeskError> {
        let ticket = self.store.ticket(id).await?.ok_or(DeskError::NoSuchRecord)?;
        let allowed = agent.role == Role::Admin
            || agent.groups.iter().any(|g| g.id == ticket.group.id)
            || ticket.assignee.as_ref().is_some_and(|a| a.id == agent.card.id);
        if allowed {
            Ok(ticket)
        } else {
            Err(DeskError::NoSuchRecord)
        }
    }

    /// The end user's photo of a chat whose records the agent may see.
    pub async fn chat_photo(&self, agent: &AgentProfile, chat_id: ChatId) -> Result<Photo, DeskError> {
        let chat = self.chat_on_record(agent, chat_id).await?;
        self.store.chat_photo(chat.id).await?.ok_or(DeskError::NoSuchChat)
    }

    /// A chat whose records the agent may see: theirs, of their groups (in any state), or any
    /// for an admin.
    async fn chat_on_record(&self, agent: &AgentProfile, chat_id: ChatId) -> Result<ChatRequest, DeskError> {
        let chat = self.store.chat(chat_id).await.map_err(not_found)?;
        let allowed =
            agent.role == Role::Admin || chat.takes_part(agent.card.id) || agent.groups.iter().any(|g| g.id == chat.group.id);
        if allowed {
            Ok(chat)
        } else {
            Err(DeskError::NoSuchChat)
        }
    }

    // ---- canned messages -------------------------------------------------------------------

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

    // ---- team: presence, invite, join, leave, transfer ---------------------------------------

    /// Connections seen after this count (domain/team.rs `presence`).
    fn presence_cutoff(&self) -> i64 {
        self.now_ms() - self.presence_timeout_ms
    }

    /// Every agent with their groups and presence.
    pub async fn team(&self) -> Result<Vec<TeamMember>, DeskError> {
        Ok(self.store.team(self.presence_cutoff(), None).await?)
    }

    async fn member(&self, id: AgentId) -> Result<TeamMember, DeskError> {
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
        let here: Vec<AgentId> = self.consoles.lock().unwrap_or_else(|e| e.into_inner()).keys().copied().collect();
        let gone = self.store.refresh_connections(self.store.node(), here, self.now_ms(), self.presence_cutoff()).await?;
        for agent in gone {
            self.announce(agent).await?;
        }
        Ok(())
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
        self.member(agent.card.id).await
    }

    /// The widget's groups, each saying whether one of its agents is online right now.
    pub async fn group_options(&self) -> Result<Vec<GroupOption>, DeskError> {
        let team = self.team().await?;
        let online = |group: &AssignmentGroup| {
            team.iter().any(|m| m.presence == Presence::Online && m.groups.iter().any(|g| g.id == group.id))
        };
        Ok(self.groups().await?.into_iter().map(|group| GroupOption { agents_online: online(&group), group }).collect())
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

    /// An invited agent joins: the whole chat so far comes back. Joining twice is once.
    pub async fn join(&self, agent: &AgentProfile, chat_id: ChatId) -> Result<ChatTranscript, DeskError> {
        let me = agent.card.id;
        for _ in 0..RACE_RETRIES {
            let chat = self.store.chat(chat_id).await.map_err(not_found)?;
            let invited = self.store.is_invited(chat_id, me).await?;
            if !invited && !chat.takes_part(me) {
                return Err(DeskError::NoSuchChat);
            }
            if team::check_join(&chat, me, invited)? {
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
                other => return Ok(other?),
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
                other => return Ok(other.map(drop)?),
            }
        }
        Err(StoreError::Conflict.into())
    }

    // ---- end users -------------------------------------------------------------------------

    pub async fn start_chat(&self, form: &StartChat) -> Result<StartChatOutcome, DeskError> {
        let groups: Vec<GroupId> = self.store.groups().await?.iter().map(|g| g.id).collect();
        let valid = validate::start_chat(form, &groups).map_err(DeskError::Form)?;
        let token = auth::new_token();
        let now = self.now_ms();
        let missed_at = self.settings().await?.missed_chat_due(now);
        let chat = self.store.create_chat(&valid, &auth::token_hash(&token), now, missed_at).await?;
        let snapshot = self.widget_snapshot_of(chat).await?;
        Ok(StartChatOutcome::Started { token, snapshot })
    }

    /// The token's chat, while the token still opens it (`lifecycle::token_opens`).
    pub async fn chat_for_token(&self, token: &str) -> Result<ChatRequest, DeskError> {
        let chat = self.store.chat_by_token(&auth::token_hash(token)).await?.ok_or(DeskError::NoSuchChat)?;
        if !token_opens(chat.closed_at_ms, self.now_ms(), self.closed_chat_access_ms) {
            return Err(DeskError::ChatClosed);
        }
        Ok(chat)
    }

    pub async fn widget_snapshot(&self, token: &str) -> Result<WidgetSnapshot, DeskError> {
        let chat = self.chat_for_token(token).await?;
        self.widget_snapshot_of(chat).await
    }

    async fn widget_snapshot_of(&self, chat: ChatRequest) -> Result<WidgetSnapshot, DeskError> {
        let position = self.store.head().await?;
        let transcript = self.store.transcript(chat.id).await?;
        let queue_place = self.queue_place(&transcript.request).await?;
        Ok(WidgetSnapshot { position, transcript, queue_place })
    }

    /// The place as of the snapshot's read (the hub may not have published the chat yet).
    async fn queue_place(&self, chat: &ChatRequest) -> Result<Option<u32>, DeskError> {
        if chat.state != ChatState::Queued {
            return Ok(None);
        }
        Ok(Some(self.store.queue_place(chat).await?))
    }

    pub async fn post_as_end_user(&self, token: &str, client_id: &str, body: &str) -> Result<ChatMessage, DeskError> {
        let chat = self.chat_for_token(token).await?;
        self.post(chat, Party::EndUser, Author::EndUser, client_id, body).await
    }

    pub async fn end_as_end_user(&self, token: &str) -> Result<(), DeskError> {
        let chat = self.chat_for_token(token).await?;
        self.end(chat, Party::EndUser).await
    }

    pub async fn end_as_agent(&self, agent: &AgentProfile, chat_id: ChatId) -> Result<(), DeskError> {
        let chat = self.chat_for_agent(agent, chat_id).await?;
        if chat.is_guest(agent.card.id) {
            return Err(TeamRefusal::GuestCannotEnd.into());
        }
        self.end(chat, Party::Agent).await
    }

    // ---- the live stream -------------------------------------------------------------------

    /// Who is on a connection: an end user by their chat's token, else the agent of the session.
    pub async fn viewer(&self, token: Option<&str>, session: Option<&str>) -> Result<Viewer, DeskError> {
        Ok(match token {
            Some(token) => Viewer::EndUser { chat_id: self.chat_for_token(token).await?.id },
            None => {
                let agent = self.agent_for_session(session).await?;
                Viewer::Agent { id: agent.card.id, groups: agent.groups.iter().map(|g| g.id).collect() }
            }
        })
    }

    /// Someone on `viewer`'s connection is typing in `chat_id`: the other side of the chat hears
    /// of it, live, on every node. Only the chat's end user and its agents may say so, and only
    /// while it is open.
    pub async fn typing(&self, viewer: &Viewer, chat_id: ChatId) -> Result<(), DeskError> {
        let chat = self.store.chat(chat_id).await.map_err(not_found)?;
        let others = |me: Option<AgentId>| chat.participants().filter(move |a| Some(a.id) != me).map(|a| Route::Agent(a.id));
        let (routes, by) = match viewer {
            Viewer::EndUser { chat_id: mine } if *mine == chat.id && chat.state.is_open() => {
                (others(None).collect::<Vec<_>>(), Author::EndUser)
            }
            Viewer::Agent { id, .. } if chat.state == ChatState::Active => match chat.participants().find(|a| a.id == *id) {
                Some(agent) => {
                    (std::iter::once(Route::EndUser(chat.id)).chain(others(Some(*id))).collect(), Author::Agent(agent.clone()))
                }
                None => return Err(DeskError::NoSuchChat),
            },
            _ => return Err(DeskError::NoSuchChat),
        };
        let frame = ServerFrame::Typing { chat_id, by };
        self.hub.signal(&routes, &frame);
        Ok(self.store.share_signal(&routes, &frame).await?)
    }

    pub fn subscribe(&self, viewer: &Viewer) -> Subscription {
        self.hub.subscribe(viewer.routes())
    }

    pub async fn head(&self) -> Result<Position, DeskError> {
        Ok(self.store.head().await?)
    }

    /// The next `limit` events after `after` that `viewer` may see, and no wider than what
    /// the HTTP reads would show them now (`Viewer::replays`).
    pub async fn replay(&self, viewer: &Viewer, after: Position, limit: i64) -> Result<ReplayBatch, DeskError> {
        let events = self.store.events_on_routes_after(&viewer.routes(), after, limit).await?;
        let more = events.len() as i64 == limit;
        let read_to = events.last().map(|e| e.position);
        let arrivals: Vec<ChatId> =
            events.iter().filter(|e| matches!(e.event, ChatEvent::Queued { .. })).map(|e| e.audience.chat_id).collect();
        let states = self.store.states(&arrivals).await?;
        let state_of = |id: ChatId| states.iter().find(|(chat, _)| *chat == id).map_or(ChatState::Ended, |(_, s)| *s);
        let events = events
            .into_iter()
            .filter(|e| viewer.may_see(&e.audience) && viewer.replays(&e.event, state_of(e.audience.chat_id)))
            .collect();
        Ok(ReplayBatch { events, read_to, more })
    }

    // ---- shared steps ----------------------------------------------------------------------

    /// A chat the agent may see: theirs (held or joined), or waiting in one of their groups. Anything else is
    /// "no such chat", so agents cannot probe other groups' chats. What they may *do* with it is
    /// the lifecycle's decision (e.g. "Accept the chat before writing to it.").
    async fn chat_for_agent(&self, agent: &AgentProfile, chat_id: ChatId) -> Result<ChatRequest, DeskError> {
        let chat = self.store.chat(chat_id).await.map_err(not_found)?;
        let mine = chat.takes_part(agent.card.id);
        let queued_for_me = chat.state == ChatState::Queued && agent.groups.iter().any(|g| g.id == chat.group.id);
        if mine || queued_for_me {
            Ok(chat)
        } else {
            Err(DeskError::NoSuchChat)
        }
    }

    async fn post(
        &self,
        mut chat: ChatRequest,
        party: Party,
        author: Author,
        client_id: &str,
        body: &str,
    ) -> Result<ChatMessage, DeskError> {
        let client_id = validate::client_id(client_id)?;
        let body = validate::message_body(body)?;
        let author_agent = author.agent_id();
        for _ in 0..RACE_RETRIES {
            // The common case costs no read: post (a retry that finds its message stored gets
            // it back from the job). Only a refusal or a lost race asks whether this is a retry
            // of a stored message, which is acknowledged again, even after the end.
            let refused = match chat.state.apply(ChatAction::Post(party)) {
                // A waiting chat takes only so many messages: whoever accepts it reads them all.
                Ok(_) => {
                    match self.store.post_message(&chat, &author, client_id, body, self.now_ms(), self.waiting_cap()).await {
                        Ok((message, _new)) => return Ok(message),
                        Err(StoreError::Capped) => return Err(DeskError::WaitingCap(self.waiting_cap)),
                        Err(StoreError::Conflict) => None,
                        Err(err) => return Err(err.into()),
                    }
                }
                Err(illegal) => Some(illegal),
            };
            if let Some(message) = self.store.find_message(chat.id, author_agent, client_id).await? {
                return Ok(message);
            }
            if let Some(illegal) = refused {
                return Err(illegal.into());
            }
            chat = self.store.chat(chat.id).await?;
        }
        Err(StoreError::Conflict.into())
    }

    async fn end(&self, mut chat: ChatRequest, party: Party) -> Result<(), DeskError> {
        for _ in 0..RACE_RETRIES {
            chat.state.apply(ChatAction::End(party))?;
            match self.store.end(&chat, party, self.now_ms()).await {
                Ok(()) => return Ok(()),
                Err(StoreError::Conflict) => chat = self.store.chat(chat.id).await?,
                Err(err) => return Err(err.into()),
            }
        }
        Err(StoreError::Conflict.into())
    }
}

fn not_found(err: StoreError) -> DeskError {
    match err {
        StoreError::NotFound => DeskError::NoSuchChat,
        other => other.into(),
    }
}

/// A real argon2id hash of a random secret, verified against when the email is unknown so
/// that both failures cost the same time.
/// Half the cores, at least one: log-ons never take every core from the chats.
fn default_password_checks() -> usize {
    std::thread::available_parallelism().map_or(1, |n| (n.get() / 2).max(1))
}

fn dummy_hash() -> &'static str {
    static HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    HASH.get_or_init(|| auth::hash_password(&auth::new_token()))
}
