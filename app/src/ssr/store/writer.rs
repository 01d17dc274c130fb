//! The one writer of a node, with group commit.
//!
//! Every write is a job sent to one task. The task takes what is waiting (up to `MAX_BATCH`),
//! runs it in one transaction with each job in a savepoint of its own (a job that fails, say a
//! guarded update that lost a race, rolls back alone), commits once, hands the committed events
//! to the hub, and only then answers each caller. One fsync serves the whole batch, so the
//! desk's write capacity grows with the number of concurrent writers instead of being capped
//! at one per fsync; acknowledged still means on disk.
//!
//! Positions commit in order: one writer per node hands them out to the batch's events in one
//! step at its end (a few multi-row statements instead of two per event), and on PostgreSQL
//! every batch first takes a transaction-scoped advisory lock, so writers on several nodes take
//! turns.

use futures::future::BoxFuture;
use sqlx::{Acquire, AnyConnection, AnyPool};
use tokio::sync::{mpsc, oneshot};

use super::events::{append_all, PendingEvent};
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
pub type Job = Box<dyn for<'c> FnOnce(&'c mut AnyConnection, &'c mut Vec<PendingEvent>) -> BoxFuture<'c, Done> + Send>;

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
        F: for<'c> FnOnce(&'c mut AnyConnection, &'c mut Vec<PendingEvent>) -> BoxFuture<'c, Result<T, E>> + Send + 'static,
    {
        let (reply, answer) = oneshot::channel::<Result<T, E>>();
        let submitted = std::time::Instant::now();
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
        let answer = answer.await.unwrap_or_else(|_| Err(StoreError::Unavailable("the write was abandoned".into()).into()));
        crate::ssr::metrics::metrics().wrote(submitted.elapsed());
        answer
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
        let mut answers = Vec::with_capacity(batch.len());
        let outcome = commit_batch(&pool, backend, &node, batch.drain(..), &mut answers).await;
        let outcome = match outcome {
            Ok(events) => {
                if !events.is_empty() {
                    crate::ssr::metrics::metrics().events.inc_by(events.len() as u64);
                    let _ = committed.send(events);
                }
                Ok(())
            }
            Err(err) => {
                tracing::error!(%err, jobs = answers.len(), "writer: the batch did not commit");
                Err(err.to_string())
            }
        };
        for answer in answers {
            answer(outcome.clone());
        }
    }
}

/// One transaction for the whole batch; each job in a savepoint; then the events the jobs that
/// succeeded wrote get their positions, in one step at the end. Jobs not reached because of an
/// error drop their reply, and their callers hear that the write was abandoned.
async fn commit_batch(
    pool: &AnyPool,
    backend: Backend,
    node: &str,
    jobs: impl Iterator<Item = Job>,
    answers: &mut Vec<Box<dyn FnOnce(Result<(), String>) + Send>>,
) -> Result<Vec<StoredEvent>, StoreError> {
    let mut conn = pool.acquire().await?;
    let mut tx = conn.begin().await?;
    if backend == Backend::Postgres {
        // One batch at a time across nodes, held until commit: positions commit in order. (Taken
        // only for the final append, batches of two nodes would overlap, but could then lock
        // the same chat rows in opposite orders and deadlock each other.)
        sqlx::query("SELECT pg_advisory_xact_lock(424242)").execute(&mut *tx).await?;
    }
    let mut pending = Vec::new();
    for job in jobs {
        let mark = pending.len();
        let mut savepoint = tx.begin().await?;
        let done = job(&mut savepoint, &mut pending).await;
        if done.ok {
            savepoint.commit().await?;
        } else {
            savepoint.rollback().await?;
            pending.truncate(mark);
        }
        answers.push(done.answer);
    }
    if backend == Backend::Postgres && !pending.is_empty() {
        // Delivered at commit, to every other node's hub (docs/realtime.md).
        sqlx::query("SELECT pg_notify($1, $2)").bind(EVENTS_CHANNEL).bind(node).execute(&mut *tx).await?;
    }
    let events = append_all(&mut tx, pending).await?;
    tx.commit().await?;
    Ok(events)
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{form, group_with_agent, TempDb};
    use super::super::StoreError;
    use crate::domain::lifecycle::{ChatState, Party};
    use crate::model::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_writes_share_batches_and_a_conflict_fails_only_itself() {
        let db = TempDb::new();
        let store = db.open().await;
        let mut committed = store.take_committed().unwrap();
        let (group, agent) = group_with_agent(&store).await;
        let mut chats = Vec::new();
        for n in 0..4 {
            chats.push(store.create_chat(&form(group, n), &format!("token-{n}"), 1, None).await.unwrap());
        }
        store.accept(&chats[0], &agent, None, 2).await.unwrap();
        while committed.try_recv().is_ok() {}

        // At once: 40 posts, a second accept of chat 0 (stale: it is no longer queued), an accept
        // of chat 1, the end user ending chat 2.
        let mut tasks = tokio::task::JoinSet::new();
        for n in 0..40 {
            let (store, chat) = (store.clone(), chats[3].clone());
            tasks.spawn(async move {
                store.post_message(&chat, &Author::EndUser, &format!("c-{n}"), "hi", 3, None).await.map(|(m, new)| {
                    assert!(new);
                    format!("posted {}", m.id)
                })
            });
        }
        let (s, stale, a) = (store.clone(), chats[0].clone(), agent.clone());
        tasks.spawn(async move { s.accept(&stale, &a, None, 3).await.map(|_| "accepted 0 again".to_string()) });
        let (s, fresh, a) = (store.clone(), chats[1].clone(), agent.clone());
        tasks.spawn(async move { s.accept(&fresh, &a, None, 3).await.map(|_| "accepted 1".to_string()) });
        let (s, ending) = (store.clone(), chats[2].clone());
        tasks.spawn(async move { s.end(&ending, Party::EndUser, 3).await.map(|()| "ended 2".to_string()) });

        let mut ok = 0;
        let mut conflicts = 0;
        while let Some(result) = tasks.join_next().await {
            match result.unwrap() {
                Ok(_) => ok += 1,
                Err(StoreError::Conflict) => conflicts += 1,
                Err(other) => panic!("unexpected failure: {other}"),
            }
        }
        assert_eq!((ok, conflicts), (42, 1), "only the stale accept fails");

        let mut batches = Vec::new();
        let mut events = Vec::new();
        while events.len() < 42 {
            let batch = tokio::time::timeout(std::time::Duration::from_secs(5), committed.recv()).await.unwrap().unwrap();
            events.extend(batch.iter().cloned());
            batches.push(batch.len());
        }
        assert!(batches.len() < 42, "43 concurrent writes committed in fewer batches than writes: {batches:?}");
        assert!(events.windows(2).all(|w| w[0].position + 1 == w[1].position), "positions gapless and in order");
        assert_eq!(store.messages(chats[3].id).await.unwrap().len(), 40);
        assert_eq!(store.chat(chats[0].id).await.unwrap().agent.map(|a| a.id), Some(agent.id));
        assert_eq!(store.chat(chats[1].id).await.unwrap().state, ChatState::Active);
        assert_eq!(store.chat(chats[2].id).await.unwrap().state, ChatState::Ended);
        assert_eq!(store.head().await.unwrap(), events.last().unwrap().position, "nothing of the failed job was stored");
    }

    #[tokio::test]
    async fn a_failed_job_leaves_no_trace_and_the_batch_goes_on() {
        let db = TempDb::new();
        let store = db.open().await;
        let group = store.ensure_group("Network").await.unwrap();
        let chat = store.create_chat(&form(group, 0), "token", 1, None).await.unwrap();
        // A job that writes, then fails: its savepoint is rolled back.
        let failed: Result<(), StoreError> = store
            .write(move |conn, _| {
                Box::pin(async move {
                    sqlx::query("UPDATE chat_requests SET question = 'changed' WHERE id = $1")
                        .bind(chat.id)
                        .execute(&mut *conn)
                        .await?;
                    Err(StoreError::Conflict)
                })
            })
            .await;
        assert!(matches!(failed, Err(StoreError::Conflict)));
        assert_eq!(store.chat(chat.id).await.unwrap().question, "Help");
    }
}
