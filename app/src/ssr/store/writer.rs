//! The one writer of a node, with group commit.
//!
//! Every write is a job sent to one task. The task takes what is waiting (up to `MAX_BATCH`),
//! runs it in one transaction with each job in a savepoint of its own (a job that fails, say a
//! guarded update that lost a race, rolls back alone), commits once, hands the committed events
//! to the hub, and only then answers each caller. One fsync serves the whole batch, so the
//! desk's write capacity grows with the number of concurrent writers instead of being capped
//! at one per fsync; acknowledged still means on disk.
//!
//! Positions commit in order: one writer per node, and on PostgreSQL every batch first takes a
//! transaction-scoped advisory lock, so writers on several nodes take turns.

use futures::future::BoxFuture;
use sqlx::{Acquire, AnyConnection, AnyPool};
use tokio::sync::{mpsc, oneshot};

use super::{Backend, StoreError, StoredEvent};

/// The most jobs one transaction takes; more wait for the next one.
const MAX_BATCH: usize = 512;

/// The PostgreSQL channel that tells other nodes new events committed (payload: the node).
pub const EVENTS_CHANNEL: &str = "deskchat_events";

/// How a job ended, and how to answer its caller once the batch committed (or did not).
pub struct Done {
    ok: bool,
    answer: Box<dyn FnOnce(Result<(), String>) + Send>,
}

/// A unit of work: runs inside its savepoint, appends the events it wrote.
pub type Job = Box<dyn for<'c> FnOnce(&'c mut AnyConnection, &'c mut Vec<StoredEvent>) -> BoxFuture<'c, Done> + Send>;

#[derive(Clone)]
pub struct Writer {
    jobs: mpsc::UnboundedSender<Job>,
}

impl Writer {
    /// Starts the writer task. Committed events go to `committed`, in position order.
    pub fn spawn(pool: AnyPool, backend: Backend, node: String, committed: mpsc::UnboundedSender<Vec<StoredEvent>>) -> Writer {
        let (jobs, queue) = mpsc::unbounded_channel();
        tokio::spawn(run(pool, backend, node, queue, committed));
        Writer { jobs }
    }

    /// Runs `work` in the next batch and returns its result once that batch is on disk.
    pub async fn write<T, E, F>(&self, work: F) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<StoreError> + Send + 'static,
        F: for<'c> FnOnce(&'c mut AnyConnection, &'c mut Vec<StoredEvent>) -> BoxFuture<'c, Result<T, E>> + Send + 'static,
    {
        let (reply, answer) = oneshot::channel::<Result<T, E>>();
        let job: Job = Box::new(move |conn, events| {
            Box::pin(async move {
                let result = work(conn, events).await;
                Done {
                    ok: result.is_ok(),
                    answer: Box::new(move |committed: Result<(), String>| {
                        let _ = reply.send(match committed {
                            Ok(()) => result,
                            Err(why) => Err(StoreError::Unavailable(why).into()),
                        });
                    }),
                }
            })
        });
        self.jobs.send(job).map_err(|_| StoreError::Unavailable("the writer stopped".into()))?;
        answer.await.unwrap_or_else(|_| Err(StoreError::Unavailable("the write was abandoned".into()).into()))
    }
}

async fn run(
    pool: AnyPool,
    backend: Backend,
    node: String,
    mut queue: mpsc::UnboundedReceiver<Job>,
    committed: mpsc::UnboundedSender<Vec<StoredEvent>>,
) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    while queue.recv_many(&mut batch, MAX_BATCH).await > 0 {
        let mut events = Vec::new();
        let mut answers = Vec::with_capacity(batch.len());
        let outcome = commit_batch(&pool, backend, &node, batch.drain(..), &mut events, &mut answers).await;
        let outcome = outcome.map_err(|err| {
            tracing::error!(%err, jobs = answers.len(), "writer: the batch did not commit");
            err.to_string()
        });
        if outcome.is_ok() && !events.is_empty() {
            let _ = committed.send(events);
        }
        for answer in answers {
            answer(outcome.clone());
        }
    }
}

/// One transaction for the whole batch; each job in a savepoint. Jobs not reached because of
/// an error drop their reply, and their callers hear that the write was abandoned.
async fn commit_batch(
    pool: &AnyPool,
    backend: Backend,
    node: &str,
    jobs: impl Iterator<Item = Job>,
    events: &mut Vec<StoredEvent>,
    answers: &mut Vec<Box<dyn FnOnce(Result<(), String>) + Send>>,
) -> Result<(), sqlx::Error> {
    let mut conn = pool.acquire().await?;
    let mut tx = conn.begin().await?;
    if backend == Backend::Postgres {
        sqlx::query("SELECT pg_advisory_xact_lock(424242)").execute(&mut *tx).await?;
    }
    for job in jobs {
        let mark = events.len();
        let mut savepoint = tx.begin().await?;
        let done = job(&mut savepoint, events).await;
        if done.ok {
            savepoint.commit().await?;
        } else {
            savepoint.rollback().await?;
            events.truncate(mark);
        }
        answers.push(done.answer);
    }
    if backend == Backend::Postgres && !events.is_empty() {
        // Delivered at commit, to every other node's hub (docs/realtime.md).
        sqlx::query("SELECT pg_notify($1, $2)").bind(EVENTS_CHANNEL).bind(node).execute(&mut *tx).await?;
    }
    tx.commit().await
}
