//! The service desk: every use case as validate → authorize → domain → persist → publish.
//! Server functions and the WebSocket handler call these; they hold no rules of their own.

mod administration;
mod agents;
mod canned_messages;
mod end_users;
mod live_stream;
mod mail;
mod monitor;
mod reports;
mod routing;
mod teamwork;
#[cfg(test)]
mod tests;
mod the_wait;
mod ticket_records;

use std::sync::Arc;

use super::hub::{Hub, Subscription};
use super::store::{Actor, Opening, Store, StoreError, StoredEvent};
use super::{admin, auth};
use crate::domain::access::Staff;
use crate::domain::audience::{Route, Viewer};
use crate::domain::canned;
use crate::domain::lifecycle::{token_opens, ChatAction, ChatState, IllegalTransition, Party};
use crate::domain::records;
use crate::domain::team::{self, Handover, TeamRefusal};
use crate::domain::validate::{self, MessageError, Photo};
use crate::model::*;

/// The clock seam: every timestamp, deadline and expiry comes from here (the scheduler and
/// presence too), so tests use a clock of their own and never wait for real time to pass.
pub trait Clock: Send + Sync {
    fn now_ms(&self) -> i64;
}

pub struct SystemClock;

impl Clock for SystemClock {
    fn now_ms(&self) -> i64 {
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or_default()
    }
}

/// A clock that stands still until it is moved forward: for tests only (unit tests, and the
/// binary's hidden `--test-clock`).
pub struct ManualClock(std::sync::atomic::AtomicI64);

impl ManualClock {
    pub fn at(now_ms: i64) -> ManualClock {
        ManualClock(std::sync::atomic::AtomicI64::new(now_ms))
    }

    /// Moves the clock `ms` forward (never back) and returns the new time.
    pub fn advance(&self, ms: i64) -> i64 {
        let ms = ms.max(0);
        self.0.fetch_add(ms, std::sync::atomic::Ordering::SeqCst) + ms
    }
}

impl Clock for ManualClock {
    fn now_ms(&self) -> i64 {
        self.0.load(std::sync::atomic::Ordering::SeqCst)
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
    settings: SettingsCache<DeskSettings>,
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
    /// Wakes the router (`routing.rs`); shared with the routing passes that follow changes.
    router: Arc<tokio::sync::Notify>,
    /// Mail the desk owes (transcripts), and the worker that sends it (ssr/outbox.rs).
    outbox: Arc<super::outbox::Outbox>,
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

/// Settings for a moment (the desk's: every start and accept reads them; the mail settings:
/// every widget snapshot): saved on this node, they apply at once (`put`); saved on another,
/// within `SETTINGS_CACHE_MS` of the clock.
pub struct SettingsCache<T>(std::sync::Mutex<Option<(T, i64)>>);

pub const SETTINGS_CACHE_MS: i64 = 2_000;

impl<T> Default for SettingsCache<T> {
    fn default() -> Self {
        SettingsCache(std::sync::Mutex::new(None))
    }
}

impl<T: Clone> SettingsCache<T> {
    pub fn get(&self, now: i64) -> Option<T> {
        let held = self.0.lock().unwrap_or_else(|e| e.into_inner());
        held.as_ref().filter(|(_, until)| *until > now).map(|(settings, _)| settings.clone())
    }

    pub fn put(&self, settings: T, now: i64) {
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
            router: Default::default(),
            outbox: Arc::new(super::outbox::Outbox::new(store.clone(), clock.clone(), None)),
            store,
            hub,
            clock,
        }
    }

    /// The SMTP settings from the server's flags (`--smtp-host` …), used instead of the admins'.
    pub fn with_mail_flags(mut self, flags: Option<MailSettings>) -> Desk {
        self.outbox = Arc::new(super::outbox::Outbox::new(self.store.clone(), self.clock.clone(), flags));
        self
    }

    pub fn outbox(&self) -> &Arc<super::outbox::Outbox> {
        &self.outbox
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

    /// How soon an agent with no console connected becomes offline.
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

    // ---- shared steps ----------------------------------------------------------------------

    /// A chat the agent may see in the console (domain/access.rs `may_see_chat`). Anything else
    /// is "no such chat", so agents cannot probe other groups' chats. What they may *do* with it
    /// is the lifecycle's decision (e.g. "Accept the chat before writing to it.").
    async fn chat_for_agent(&self, agent: &AgentProfile, chat_id: ChatId) -> Result<ChatRequest, DeskError> {
        let chat = self.store.chat(chat_id).await.map_err(not_found)?;
        if Staff::from(agent).may_see_chat(&chat) {
            Ok(chat)
        } else {
            Err(DeskError::NoSuchChat)
        }
    }

    /// Posts `body` to `chat` as `author` (an agent's `whisper`: to the chat's agents only).
    /// `may_post` is the caller's access rule, asked again
    /// on the fresh chat whenever the write lost a race: a holder who handed the chat on
    /// meanwhile may no longer write to it, nor a token whose chat closed.
    async fn post(
        &self,
        mut chat: ChatRequest,
        may_post: impl Fn(&ChatRequest) -> Result<(), DeskError>,
        party: Party,
        author: Author,
        whisper: bool,
        client_id: &str,
        body: &str,
    ) -> Result<ChatMessage, DeskError> {
        let client_id = validate::client_id(client_id)?;
        let body = validate::message_body(body)?;
        let author_agent = author.agent_id();
        // Whether `chat` was read from the store in this call. The node's copy may not have
        // heard of a change yet (on PostgreSQL an event reaches the hub once it is final, after
        // its writer was answered), so only a chat read here may refuse a post.
        let mut fresh = false;
        for _ in 0..RACE_RETRIES {
            // The common case costs no read: post (a retry that finds its message stored gets
            // it back from the job). Only a refusal or a lost race asks whether this is a retry
            // of a stored message, which is acknowledged again, even after the end.
            let refused = match chat.state.apply(ChatAction::Post(party)) {
                // A waiting chat takes only so many messages: whoever accepts it reads them all.
                Ok(_) => {
                    let stored = match whisper {
                        true => self.store.post_whisper(&chat, &author, client_id, body, self.now_ms()).await,
                        false => self.store.post_message(&chat, &author, client_id, body, self.now_ms(), self.waiting_cap()).await,
                    };
                    match stored {
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
            if let (Some(illegal), true) = (refused, fresh) {
                return Err(illegal.into());
            }
            chat = self.store.chat(chat.id).await?;
            fresh = true;
            self.hub.open_chats().remember(&chat, None);
            may_post(&chat)?;
        }
        Err(StoreError::Conflict.into())
    }

    /// Ends `chat` for `party`; `may_end` as `may_post` in `post`.
    async fn end(
        &self,
        mut chat: ChatRequest,
        may_end: impl Fn(&ChatRequest) -> Result<(), DeskError>,
        party: Party,
    ) -> Result<(), DeskError> {
        for _ in 0..RACE_RETRIES {
            may_end(&chat)?;
            chat.state.apply(ChatAction::End(party))?;
            // Its agent may take another: routed in the end's own commit.
            match self.store.end_then(&chat, party, self.now_ms(), Some(self.route_after())).await {
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
