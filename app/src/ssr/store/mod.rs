//! The store seam: every read and write of Deskchat's records, on SQLite (the embedded default)
//! or PostgreSQL (several server nodes), through one code path over sqlx's `Any` driver.
//! Split by aggregate: `directory` (groups, agents, sessions), `chats` (chat requests and
//! messages), `events` (the ordered stream); `writer` runs every write.
//!
//! Rules that keep the event stream exact (docs/realtime.md):
//! - a change and its event commit in one transaction: nothing is acknowledged unpersisted;
//! - readers see events in position order, nothing skipped: one writer per node with group
//!   commit; on PostgreSQL the nodes' writers run side by side, number events by transaction id,
//!   and every read stops at the safe horizon, below which nothing can commit any more
//!   (`events`);
//! - every chat change starts with a guarded update (`WHERE version = expected`), so two racing
//!   writers cannot both win: the loser sees `Conflict` and re-reads.

mod admin;
mod canned;
mod chats;
mod deadlines;
mod directory;
mod events;
mod offers;
mod outbox;
mod posting;
mod ratings;
mod reports;
mod routing;
mod scope;
mod team;
#[cfg(test)]
pub(crate) mod test_support;
mod tickets;
pub mod writer;

use std::str::FromStr;
use std::sync::Mutex;
use std::time::Duration;

use futures::future::BoxFuture;
use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyConnection, AnyPool, Executor};
use tokio::sync::mpsc;

use crate::domain::audience::Audience;
use crate::model::*;
pub use admin::Actor;
pub use canned::StoredCanned;
pub use deadlines::Deadline;
pub use events::{horizon_retry_after, HORIZON_RETRY_FIRST};
pub use outbox::HeldMail;
pub use offers::{MadeOffers, NewOffer, OfferPass, QueuedForOffer, RoutingLoad, StillFree};
pub use posting::Post;
pub use routing::RouteAfter;
pub use tickets::{NewTicket, Opening};
use writer::Writer;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("the record changed meanwhile")]
    Conflict,
    #[error("no such record")]
    NotFound,
    /// A cap on what may be written was reached (messages while a chat waits).
    #[error("the cap was reached")]
    Capped,
    /// The agent holds their most chats at once (this maximum) and may take no other.
    #[error("the agent is at capacity ({0})")]
    AtCapacity(u32),
    #[error("database: {0}")]
    Db(sqlx::Error),
    #[error("database migration: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("stored event is unreadable: {0}")]
    Corrupt(#[from] serde_json::Error),
    /// The write did not commit (the batch failed, or the writer stopped): nothing of it was
    /// stored, and the caller may send it again.
    #[error("not saved: {0}")]
    Unavailable(String),
}

/// PostgreSQL's SQLSTATEs for a transaction it broke off to let another go on (a deadlock
/// between two nodes' batches, a serialization failure): nothing of it was stored and the same
/// write may simply be sent again.
const TRY_AGAIN: [&str; 2] = ["40P01", "40001"];

/// How an `Unavailable` of such a transaction begins (`StoreError::may_retry`).
const TRY_AGAIN_MARK: &str = "try again: ";

impl From<sqlx::Error> for StoreError {
    fn from(err: sqlx::Error) -> StoreError {
        match err.as_database_error().and_then(|db| db.code()) {
            Some(code) if TRY_AGAIN.contains(&code.as_ref()) => StoreError::Unavailable(format!("{TRY_AGAIN_MARK}{err}")),
            _ => StoreError::Db(err),
        }
    }
}

impl StoreError {
    /// Whether the database broke the write off to let another go on (nothing was stored, and
    /// the same write may run again: the writer does, `writer::MAX_ATTEMPTS` times).
    pub fn may_retry(&self) -> bool {
        matches!(self, StoreError::Unavailable(why) if why.starts_with(TRY_AGAIN_MARK))
    }
}

pub type StoreResult<T> = Result<T, StoreError>;

/// A change the chat's lifecycle refuses inside a job was decided on a chat that has changed
/// since: the caller reads it again and decides again (and tells the person why, if it must).
impl From<crate::domain::lifecycle::IllegalTransition> for StoreError {
    fn from(_: crate::domain::lifecycle::IllegalTransition) -> StoreError {
        StoreError::Conflict
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    /// The database a writer job's connection talks to (jobs get the connection, not the store).
    pub(super) fn of(conn: &AnyConnection) -> Backend {
        if conn.backend_name().eq_ignore_ascii_case("sqlite") {
            Backend::Sqlite
        } else {
            Backend::Postgres
        }
    }
}

/// A persisted event with the facts needed to decide who may see it.
#[derive(Clone, Debug, PartialEq)]
pub struct StoredEvent {
    pub position: Position,
    pub audience: Audience,
    pub event: ChatEvent,
}

/// An agent row including the password hash; never leaves the server.
#[derive(Clone, Debug)]
pub struct AgentCredentials {
    pub id: AgentId,
    pub password_hash: String,
}

pub struct Store {
    pool: AnyPool,
    backend: Backend,
    url: String,
    /// This process among the nodes sharing a PostgreSQL database.
    node: String,
    writer: Writer,
    committed: Mutex<Option<mpsc::UnboundedReceiver<Vec<StoredEvent>>>>,
}

/// How often SQLite's write-ahead log is folded back into the database file, off the writer.
const CHECKPOINT_EVERY: Duration = Duration::from_secs(1);

impl Store {
    /// Opens (creating a SQLite file if needed) and migrates the database at `url`, and starts
    /// its writer.
    pub async fn connect(url: &str) -> StoreResult<Store> {
        sqlx::any::install_default_drivers();
        let backend = if url.starts_with("postgres") { Backend::Postgres } else { Backend::Sqlite };
        let options = AnyConnectOptions::from_str(url)?;
        let pool = AnyPoolOptions::new()
            .max_connections(if backend == Backend::Sqlite { 8 } else { 16 })
            .after_connect(move |conn, _meta| {
                Box::pin(async move {
                    if backend == Backend::Sqlite {
                        // WAL lets readers run beside the writer; FULL sync makes an
                        // acknowledged write survive a crash of the machine, not just the process.
                        conn.execute("PRAGMA journal_mode = WAL").await?;
                        conn.execute("PRAGMA synchronous = FULL").await?;
                        conn.execute("PRAGMA busy_timeout = 5000").await?;
                        conn.execute("PRAGMA foreign_keys = ON").await?;
                        // Checkpoints run on a timer of their own, never inside a commit.
                        conn.execute("PRAGMA wal_autocheckpoint = 0").await?;
                    }
                    Ok(())
                })
            })
            .connect_with(options)
            .await?;
        match backend {
            Backend::Sqlite => sqlx::migrate!("./migrations/sqlite").run(&pool).await?,
            Backend::Postgres => sqlx::migrate!("./migrations/postgres").run(&pool).await?,
        }
        if backend == Backend::Sqlite {
            spawn_checkpointer(pool.clone());
        }
        let node = uuid::Uuid::new_v4().simple().to_string();
        let (committed_tx, committed_rx) = mpsc::unbounded_channel();
        let writer = Writer::spawn(pool.clone(), backend, node.clone(), committed_tx);
        Ok(Store { pool, backend, url: url.to_string(), node, writer, committed: Mutex::new(Some(committed_rx)) })
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    pub fn url(&self) -> &str {
        &self.url
    }

    pub fn node(&self) -> &str {
        &self.node
    }

    /// The events this node commits, batch by batch in position order; taken once, by the hub.
    pub fn take_committed(&self) -> Option<mpsc::UnboundedReceiver<Vec<StoredEvent>>> {
        self.committed.lock().unwrap_or_else(|e| e.into_inner()).take()
    }

    /// Runs `work` as one job of the next group commit (see `writer`; run again, a clone, if
    /// the database broke that batch off).
    async fn write<T, F>(&self, work: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: for<'c> FnOnce(&'c mut AnyConnection, &'c mut Vec<events::PendingEvent>) -> BoxFuture<'c, StoreResult<T>>
            + Clone
            + Send
            + 'static,
    {
        self.writer.write_then(work, None).await
    }
}

/// Folds the WAL into the database file every second, PASSIVE so it never waits for (or
/// blocks) the writer or readers.
fn spawn_checkpointer(pool: AnyPool) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(CHECKPOINT_EVERY);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            if let Err(err) = pool.execute("PRAGMA wal_checkpoint(PASSIVE)").await {
                tracing::warn!(%err, "checkpoint failed; will try again");
            }
        }
    });
}

/// The PostgreSQL channel that carries signals (typing) between nodes: they are never stored,
/// so each node passes its own to the others this way.
pub const SIGNALS_CHANNEL: &str = "deskchat_signals";

/// A signal as it crosses between nodes.
#[derive(serde::Serialize, serde::Deserialize)]
struct RemoteSignal {
    node: String,
    routes: String,
    frame: String,
}

/// Another node's signal, from a `SIGNALS_CHANNEL` notification: its routes and the frame to
/// pass on. `None` for this node's own, or anything unreadable.
pub fn remote_signal(payload: &str, this_node: &str) -> Option<(Vec<crate::domain::audience::Route>, String)> {
    let signal: RemoteSignal = serde_json::from_str(payload).ok()?;
    (signal.node != this_node).then(|| (Audience::parse_routes(&signal.routes), signal.frame))
}

impl Store {
    /// On PostgreSQL, passes a signal to the other nodes (SQLite has only this one).
    pub async fn share_signal(&self, routes: &[crate::domain::audience::Route], frame: &ServerFrame) -> StoreResult<()> {
        if self.backend != Backend::Postgres {
            return Ok(());
        }
        let routes = routes.iter().map(|r| r.key()).collect::<Vec<_>>().join(" ");
        let payload =
            serde_json::to_string(&RemoteSignal { node: self.node.clone(), routes, frame: serde_json::to_string(frame)? })?;
        sqlx::query("SELECT pg_notify($1, $2)").bind(SIGNALS_CHANNEL).bind(payload).execute(&self.pool).await?;
        Ok(())
    }
}

/// `1, 2, 3` for an SQL `IN (…)`. The ids are integers from our own database, so inlining them
/// is safe, and one query beats one per id.
fn id_list(ids: &[i64]) -> String {
    ids.iter().map(i64::to_string).collect::<Vec<_>>().join(", ")
}
