//! The one writer of a node, with group commit.
//!
//! Every write is a job sent to one task. The task takes what is waiting (up to `MAX_BATCH`),
//! runs it in one transaction with each job in a savepoint of its own (a job that fails, say a
//! guarded update that lost a race, rolls back alone), commits once, hands the committed events
//! to the hub, and only then answers each caller. One fsync serves the whole batch, so the
//! desk's write capacity grows with the number of concurrent writers instead of being capped
//! at one per fsync; acknowledged still means on disk.
//!
//! Posts are not closures but data (`posting::Post`): a batch checks and stores all of its
//! posts together, first, in a fixed handful of statements (`posting::post_all`), then runs the
//! other jobs each in its savepoint. Either order of a post and a change racing with it is one
//! a caller could have seen; the events follow the order the batch ran them in. A job may ask
//! for a follow-up (`FollowUp`), run once after every other job of its batch: a routing pass
//! after an end, an accept or a new request commits with them.
//!
//! Positions are handed out to the batch's events in one step at its end (two statements,
//! the events and their routes, instead of two per event). On SQLite this node's writer is the only one, so they
//! follow the head. On PostgreSQL the writers of all nodes run side by side, each batch numbered
//! by its transaction id (`events`): no lock is held across nodes, so two batches may lock the
//! same chat rows in opposite orders. PostgreSQL then breaks the deadlock by failing one of
//! them: nothing of that batch was stored, and each of its jobs is sent again, in a later
//! batch, up to `MAX_ATTEMPTS` times (a job is a closure that can be cloned, a post is data),
//! so callers see the deadlock only as a little latency (`deskchat_writes_retried_total`).
//! Callers are answered at commit; the hub delivers the events once no older transaction can
//! still commit below them.

use futures::future::BoxFuture;
use sqlx::{Acquire, AnyConnection, AnyPool};
use tokio::sync::{mpsc, oneshot};

use super::events::{append_all, PendingEvent};
use super::posting::{post_all, Post, Posted};
use super::{Backend, StoreError, StoreResult, StoredEvent};
use crate::model::Position;

/// The most jobs one transaction takes; more wait for the next one.
pub(super) const MAX_BATCH: usize = 512;

/// How often a job runs in all, when the database keeps breaking its batch off (a deadlock
/// with another node's batch) before its caller hears `Unavailable`.
pub(super) const MAX_ATTEMPTS: u32 = 5;

/// Why a batch (or one job of it) did not commit, and whether it may simply run again.
#[derive(Clone, Debug)]
pub struct Broken {
    why: String,
    retry: bool,
}

impl Broken {
    fn of(err: StoreError) -> Broken {
        let retry = err.may_retry();
        let why = match err {
            StoreError::Unavailable(why) => why,
            other => other.to_string(),
        };
        Broken { why, retry }
    }
}

/// The PostgreSQL channel that tells other nodes new events committed (payload: `notice`).
pub const EVENTS_CHANNEL: &str = "deskchat_events";

/// An `EVENTS_CHANNEL` payload: `node:last position` of a committed batch, so a node that hears
/// it knows how far its ordered reads must get before it has delivered that batch.
fn notice(node: &str, last: Position) -> String {
    format!("{node}:{last}")
}

/// The node and the last position of a committed batch, from an `EVENTS_CHANNEL` payload (a
/// payload without a position still says that node committed something).
pub fn read_notice(payload: &str) -> (&str, Option<Position>) {
    match payload.rsplit_once(':') {
        Some((node, last)) => (node, last.parse().ok()),
        None => (payload, None),
    }
}

/// How a job ended, and how to answer its caller once the batch committed (or did not).
pub struct Done {
    ok: bool,
    answer: Box<dyn FnOnce(Result<(), Broken>) + Send>,
}

impl Done {
    /// How a job ended: `ok`, whether it succeeded (else its savepoint rolls back); `answer`
    /// hears whether its batch committed.
    pub fn new(ok: bool, answer: impl FnOnce(Result<(), Broken>) + Send + 'static) -> Done {
        Done { ok, answer: Box::new(answer) }
    }
}

impl From<Broken> for StoreError {
    fn from(broken: Broken) -> StoreError {
        StoreError::Unavailable(broken.why)
    }
}

/// A unit of work: runs inside its savepoint, appends the events it wrote.
pub type Work = Box<dyn for<'c> FnOnce(&'c mut AnyConnection, &'c mut Vec<PendingEvent>) -> BoxFuture<'c, Done> + Send>;

/// Work a job asks to follow it at the end of its batch, after every other job: once per batch
/// however many of its jobs ask (the last one's), and only when one of them succeeded. A
/// routing pass after a change that may free an agent or bring a request (`Store::end_then`)
/// sees that change and commits with it, instead of waiting for a batch of its own.
pub type FollowUp = std::sync::Arc<dyn Fn() -> Work + Send + Sync>;

/// What the writer is asked to do: a post (data, stored with the batch's other posts) or any
/// other work (a closure in a savepoint of its own), maybe with a follow-up.
pub enum Job {
    Post(Post, oneshot::Sender<Result<Posted, Broken>>),
    Work(Work, Option<FollowUp>),
}

#[derive(Clone)]
pub struct Writer {
    jobs: mpsc::UnboundedSender<Job>,
    /// Jobs handed to the writer so far (tests wait for a batch to be complete with it).
    submitted: std::sync::Arc<std::sync::atomic::AtomicUsize>,
    /// Tests: how many of the next batches the "database" breaks off just before they commit.
    #[cfg(test)]
    breaks: std::sync::Arc<std::sync::atomic::AtomicU32>,
}

impl Writer {
    /// Starts the writer task. Committed events go to `committed`, in position order.
    pub fn spawn(pool: AnyPool, backend: Backend, node: String, committed: mpsc::UnboundedSender<Vec<StoredEvent>>) -> Writer {
        let (jobs, queue) = mpsc::unbounded_channel();
        #[cfg(test)]
        let breaks = std::sync::Arc::new(std::sync::atomic::AtomicU32::new(0));
        #[cfg(test)]
        let faults = Faults(breaks.clone());
        #[cfg(not(test))]
        let faults = Faults;
        tokio::spawn(run(pool, backend, node, queue, committed, faults));
        Writer {
            jobs,
            submitted: Default::default(),
            #[cfg(test)]
            breaks,
        }
    }

    /// Tests: the next `n` batches fail at their commit as a PostgreSQL deadlock would.
    #[cfg(test)]
    pub fn break_next(&self, n: u32) {
        self.breaks.store(n, std::sync::atomic::Ordering::SeqCst);
    }

    fn submit(&self, job: Job) -> Result<(), StoreError> {
        self.jobs.send(job).map_err(|_| StoreError::Unavailable("the writer stopped".into()))?;
        self.submitted.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        Ok(())
    }

    /// How many jobs were handed to the writer so far.
    pub fn submitted(&self) -> usize {
        self.submitted.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// Runs `work` in the next batch and returns its result once that batch is on disk, and if
    /// `then` is given, that follow-up at the end of the batch (`FollowUp`), committed with it.
    /// Work the database broke off — its whole batch, or a statement of its own (a deadlock
    /// found inside its savepoint) — runs again (a clone: nothing of the first run was kept) in
    /// a later batch.
    pub async fn write_then<T, F>(&self, work: F, then: Option<FollowUp>) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: for<'c> FnOnce(&'c mut AnyConnection, &'c mut Vec<PendingEvent>) -> BoxFuture<'c, Result<T, StoreError>>
            + Clone
            + Send
            + 'static,
    {
        self.until_answered(|reply| {
            let work = work.clone();
            Job::Work(
                Box::new(move |conn, events| {
                    Box::pin(async move {
                        let result = work(conn, events).await;
                        Done::new(result.is_ok(), move |committed: Result<(), Broken>| {
                            let _ = reply.send(match (committed, result) {
                                // Its savepoint rolled back, the batch went on: this job runs again.
                                (Ok(()), Err(err)) if err.may_retry() => Err(Broken::of(err)),
                                (committed, result) => committed.map(|()| result),
                            });
                        })
                    })
                }),
                then.clone(),
            )
        })
        .await
    }

    /// Stores a message in the next batch (with that batch's other posts) and returns it once
    /// the batch is on disk (again in a later batch if the database broke this one off).
    pub async fn post(&self, post: Post) -> Posted {
        self.until_answered(|reply| Job::Post(post.clone(), reply)).await
    }

    /// Submits the job `job` makes (given where to answer) and waits for its answer; a job whose
    /// batch was broken off (or never reached it: the batch failed before) is made and sent
    /// again while it has attempts left.
    async fn until_answered<T>(&self, job: impl Fn(oneshot::Sender<Result<StoreResult<T>, Broken>>) -> Job) -> StoreResult<T> {
        let submitted = std::time::Instant::now();
        let mut attempt = 1;
        let answer = loop {
            let (reply, answer) = oneshot::channel();
            self.submit(job(reply))?;
            let broken = match answer.await {
                Ok(Ok(result)) => break result,
                Ok(Err(broken)) => broken,
                // Dropped unanswered: the batch failed before this job ran (or the writer
                // stopped, and sending again says so).
                Err(_) => Broken { why: "the write was abandoned".into(), retry: true },
            };
            if !broken.retry || attempt >= MAX_ATTEMPTS {
                break Err(broken.into());
            }
            attempt += 1;
            crate::ssr::metrics::metrics().writes_retried.inc();
        };
        crate::ssr::metrics::metrics().wrote(submitted.elapsed());
        answer
    }
}

/// How each job of a batch is answered once the batch committed (or did not).
enum Answer {
    Post(oneshot::Sender<Result<Posted, Broken>>, Posted),
    Work(Box<dyn FnOnce(Result<(), Broken>) + Send>),
}

impl Answer {
    fn send(self, committed: &Result<(), Broken>) {
        match self {
            Answer::Post(reply, posted) => {
                let _ = reply.send(committed.clone().map(|()| posted));
            }
            Answer::Work(answer) => answer(committed.clone()),
        }
    }
}

/// The failures tests inject (none outside tests).
#[cfg(test)]
struct Faults(std::sync::Arc<std::sync::atomic::AtomicU32>);
#[cfg(not(test))]
struct Faults;

impl Faults {
    /// Whether to break this batch off as the database would, had it been deadlocked.
    fn break_now(&self) -> bool {
        #[cfg(test)]
        return self.0.fetch_update(std::sync::atomic::Ordering::SeqCst, std::sync::atomic::Ordering::SeqCst, |n| n.checked_sub(1)).is_ok();
        #[cfg(not(test))]
        false
    }
}

async fn run(
    pool: AnyPool,
    backend: Backend,
    node: String,
    mut queue: mpsc::UnboundedReceiver<Job>,
    committed: mpsc::UnboundedSender<Vec<StoredEvent>>,
    faults: Faults,
) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    while queue.recv_many(&mut batch, MAX_BATCH).await > 0 {
        crate::ssr::metrics::metrics().batch_jobs.observe(batch.len() as f64);
        let mut answers = Vec::with_capacity(batch.len());
        let outcome = commit_batch(&pool, backend, &node, batch.drain(..), &mut answers, &faults).await;
        let outcome = match outcome {
            Ok(events) => {
                if !events.is_empty() {
                    crate::ssr::metrics::metrics().events.inc_by(events.len() as u64);
                    let _ = committed.send(events);
                }
                Ok(())
            }
            Err(err) => {
                match err.may_retry() {
                    true => tracing::warn!(%err, jobs = answers.len(), "writer: the database broke the batch off; its jobs run again"),
                    false => tracing::error!(%err, jobs = answers.len(), "writer: the batch did not commit"),
                }
                Err(Broken::of(err))
            }
        };
        for answer in answers {
            answer.send(&outcome);
        }
    }
}

/// One transaction for the whole batch: its posts together, then each other job in a savepoint;
/// then the events the jobs that succeeded wrote get their positions, in one step at the end.
/// When the batch fails, its posts and the jobs that ran are answered with the failure; jobs not
/// reached drop their reply, and their callers hear that the write was abandoned.
async fn commit_batch(
    pool: &AnyPool,
    backend: Backend,
    node: &str,
    jobs: impl Iterator<Item = Job>,
    answers: &mut Vec<Answer>,
    faults: &Faults,
) -> Result<Vec<StoredEvent>, StoreError> {
    let mut posts = Vec::new();
    let mut replies = Vec::new();
    let mut works = Vec::new();
    for job in jobs {
        match job {
            Job::Post(post, reply) => {
                posts.push(post);
                replies.push(reply);
            }
            Job::Work(work, then) => works.push((work, then)),
        }
    }
    // Answered with the failure if the batch fails before (or after) the posts are stored.
    let first_post = answers.len();
    answers.extend(replies.into_iter().map(|reply| Answer::Post(reply, Err(StoreError::Unavailable("not stored".into())))));
    let mut conn = pool.acquire().await?;
    let mut tx = conn.begin().await?;
    let mut pending = Vec::new();
    let posted = post_all(&mut tx, backend, &posts, &mut pending).await?;
    for (answer, outcome) in answers[first_post..].iter_mut().zip(posted) {
        if let Answer::Post(_, slot) = answer {
            *slot = outcome;
        }
    }
    let mut follow_up = None;
    for (work, then) in works {
        let done = run_job(&mut tx, work, &mut pending).await?;
        if let (true, Some(then)) = (done.ok, then) {
            follow_up = Some(then);
        }
        answers.push(Answer::Work(done.answer));
    }
    if let Some(then) = follow_up {
        let done = run_job(&mut tx, then(), &mut pending).await?;
        answers.push(Answer::Work(done.answer));
    }
    let events = append_all(&mut tx, backend, pending).await?;
    if let (Backend::Postgres, Some(last)) = (backend, events.last()) {
        // Delivered at commit, to every other node's hub (docs/realtime.md).
        let payload = notice(node, last.position);
        sqlx::query("SELECT pg_notify($1, $2)").bind(EVENTS_CHANNEL).bind(payload).execute(&mut *tx).await?;
    }
    if faults.break_now() {
        // Dropped, the transaction rolls back: as if PostgreSQL had chosen it as a deadlock's victim.
        return Err(StoreError::Unavailable(format!("{}deadlock detected (injected)", super::TRY_AGAIN_MARK)));
    }
    tx.commit().await?;
    Ok(events)
}

/// Runs one job in a savepoint of its own; all are of one name, so rolling back to it undoes the
/// newest, this job's. One that succeeded is not released, which would be a round trip more per
/// job for nothing: the commit keeps every one (both databases nest them so).
async fn run_job(tx: &mut AnyConnection, work: Work, pending: &mut Vec<PendingEvent>) -> Result<Done, StoreError> {
    let mark = pending.len();
    sqlx::query("SAVEPOINT job").execute(&mut *tx).await?;
    let done = work(tx, pending).await;
    if !done.ok {
        sqlx::query("ROLLBACK TO SAVEPOINT job").execute(&mut *tx).await?;
        pending.truncate(mark);
    }
    Ok(done)
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{agent_in, form, group_with_agent, TempDb};
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
        store.accept(&chats[0], &agent, None, None, 2).await.unwrap();
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
        tasks.spawn(async move { s.accept(&stale, &a, None, None, 3).await.map(|_| "accepted 0 again".to_string()) });
        let (s, fresh, a) = (store.clone(), chats[1].clone(), agent.clone());
        tasks.spawn(async move { s.accept(&fresh, &a, None, None, 3).await.map(|_| "accepted 1".to_string()) });
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
        // SQLite: one writer, so no gaps (PostgreSQL's positions only increase: server/tests/positions.rs).
        assert!(events.windows(2).all(|w| w[0].position + 1 == w[1].position), "positions gapless and in order");
        assert_eq!(store.messages(chats[3].id).await.unwrap().len(), 40);
        assert_eq!(store.chat(chats[0].id).await.unwrap().agent.map(|a| a.id), Some(agent.id));
        assert_eq!(store.chat(chats[1].id).await.unwrap().state, ChatState::Active);
        assert_eq!(store.chat(chats[2].id).await.unwrap().state, ChatState::Ended);
        assert_eq!(store.head().await.unwrap(), events.last().unwrap().position, "nothing of the failed job was stored");
    }

    /// Issue 16: one batch holding every kind of job, some of which fail. The writer is held by a
    /// job that waits, so everything submitted meanwhile is drained into the next batch together.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_batch_of_every_kind_of_job_fails_only_the_jobs_that_fail() {
        let db = TempDb::new();
        let store = db.open().await;
        let mut committed = store.take_committed().unwrap();
        let (group, alice) = group_with_agent(&store).await;
        let bob = agent_in(&store, group, "b@x.test", "Bob").await;
        let mut chats = Vec::new();
        for n in 0..6 {
            chats.push(store.create_chat(&form(group, n), &format!("token-{n}"), 1, None).await.unwrap());
        }
        // Chat 0 active with an Interaction; chat 1 active, then transferred (its old copy is
        // stale); chat 2 waits with two messages (the cap is 2); 3 waits; 4 active; 5 active.
        let opening = |chat: &ChatRequest| crate::ssr::store::Opening {
            fields: crate::domain::records::prefill(
                chat,
                &crate::domain::records::validate_mapping(&crate::domain::records::default_mapping()).unwrap(),
            ),
            by: crate::domain::access::Staff { id: alice.id, admin: false, groups: vec![group], supervises: vec![] },
        };
        let interaction = store.accept(&chats[0], &alice, None, Some(opening(&chats[0])), 2).await.unwrap().unwrap();
        let active0 = store.chat(chats[0].id).await.unwrap();
        store.accept(&chats[1], &alice, None, None, 2).await.unwrap();
        let stale1 = store.chat(chats[1].id).await.unwrap();
        let network = stale1.group.clone();
        store.transfer(&stale1, Some(&bob), &network, 3, None).await.unwrap();
        store.post_message(&chats[2], &Author::EndUser, "w-1", "one", 3, Some(2)).await.unwrap();
        store.post_message(&chats[2], &Author::EndUser, "w-2", "two", 3, Some(2)).await.unwrap();
        let (stored0, _) = store.post_message(&active0, &Author::EndUser, "old", "stored before", 3, None).await.unwrap();
        for n in [4, 5] {
            store.accept(&chats[n], &alice, None, None, 3).await.unwrap();
        }
        let (active4, active5) = (store.chat(chats[4].id).await.unwrap(), store.chat(chats[5].id).await.unwrap());
        while committed.try_recv().is_ok() {}

        let (release, hold) = hold_writer(&store).await;
        let before = store.writer.submitted();

        type Out = Result<String, StoreError>;
        let mut jobs: tokio::task::JoinSet<(&'static str, Out)> = tokio::task::JoinSet::new();
        fn named(
            jobs: &mut tokio::task::JoinSet<(&'static str, Out)>,
            name: &'static str,
            work: impl std::future::Future<Output = Out> + Send + 'static,
        ) {
            jobs.spawn(async move { (name, work.await) });
        }
        fn posted((message, new): (ChatMessage, bool)) -> String {
            format!("{}:{new}", message.body)
        }
        let alice_author = Author::Agent(alice.clone());
        let post = |chat: &ChatRequest, author: &Author, client_id: &'static str, body: &'static str, cap: Option<u32>| {
            let (s, chat, author) = (store.clone(), chat.clone(), author.clone());
            async move { s.post_message(&chat, &author, client_id, body, 4, cap).await.map(posted) }
        };
        named(&mut jobs, "new", post(&active0, &alice_author, "a-1", "new", None));
        named(&mut jobs, "twice-1", post(&active0, &Author::EndUser, "same", "twice", None));
        named(&mut jobs, "twice-2", post(&active0, &Author::EndUser, "same", "twice", None));
        named(&mut jobs, "retry", post(&active0, &Author::EndUser, "old", "stored before", None));
        named(&mut jobs, "stale", post(&stale1, &alice_author, "a-2", "after the transfer", None));
        named(&mut jobs, "capped", post(&chats[2], &Author::EndUser, "w-3", "three", Some(2)));
        named(&mut jobs, "cap-retry", post(&chats[2], &Author::EndUser, "w-1", "one", Some(2)));
        let (s, chat, a) = (store.clone(), chats[3].clone(), alice.clone());
        named(&mut jobs, "accept", async move { s.accept(&chat, &a, None, None, 4).await.map(|_| "accepted".to_string()) });
        let (s, chat, a) = (store.clone(), active0.clone(), alice.clone());
        named(&mut jobs, "accept-again", async move { s.accept(&chat, &a, None, None, 4).await.map(|_| "accepted".to_string()) });
        let s = store.clone();
        named(&mut jobs, "create", async move {
            s.create_chat(&form(group, 9), "token-9", 4, None).await.map(|c| c.state.as_str().to_string())
        });
        let (s, chat) = (store.clone(), active4.clone());
        named(&mut jobs, "end", async move { s.end(&chat, Party::EndUser, 4).await.map(|()| "ended".to_string()) });
        let (s, chat, a, b) = (store.clone(), active5.clone(), alice.clone(), bob.clone());
        named(&mut jobs, "invite", async move { s.invite(&chat, &b, &a, 4).await.map(|()| "invited".to_string()) });
        let (s, ticket, a) = (store.clone(), interaction.clone(), alice.clone());
        named(&mut jobs, "note", async move { s.add_note(&ticket, &a, "a note", 4).await.map(|n| n.body) });
        let (s, id) = (store.clone(), active0.id);
        named(&mut jobs, "fails", async move {
            s.write(move |conn, _| {
                Box::pin(async move {
                    sqlx::query("UPDATE chat_requests SET question = 'changed' WHERE id = $1")
                        .bind(id)
                        .execute(&mut *conn)
                        .await?;
                    Err::<String, _>(StoreError::Conflict)
                })
            })
            .await
        });
        // Everything is in the writer's queue before it is let go.
        while store.writer.submitted() < before + 14 {
            tokio::task::yield_now().await;
        }
        release.notify_one();
        hold.await.unwrap().unwrap();

        let mut outcomes = std::collections::BTreeMap::new();
        while let Some(joined) = jobs.join_next().await {
            let (name, outcome) = joined.unwrap();
            outcomes.insert(
                name,
                match outcome {
                    Ok(text) => text,
                    Err(StoreError::Conflict) => "conflict".into(),
                    Err(StoreError::Capped) => "capped".into(),
                    Err(other) => panic!("{name}: {other}"),
                },
            );
        }
        let expected: std::collections::BTreeMap<&str, String> = [
            ("new", "new:true"),
            ("retry", "stored before:false"),
            ("stale", "conflict"),
            ("capped", "capped"),
            ("cap-retry", "one:false"),
            ("accept", "accepted"),
            ("accept-again", "conflict"),
            ("create", "queued"),
            ("end", "ended"),
            ("invite", "invited"),
            ("note", "a note"),
            ("fails", "conflict"),
        ]
        .into_iter()
        .map(|(k, v)| (k, v.to_string()))
        .collect();
        let twice = [outcomes.remove("twice-1").unwrap(), outcomes.remove("twice-2").unwrap()];
        assert!(twice.contains(&"twice:true".to_string()) && twice.contains(&"twice:false".to_string()), "{twice:?}");
        assert_eq!(outcomes, expected);

        // One batch after the held one carries every event of the jobs that succeeded.
        let batch = committed.recv().await.unwrap();
        let kinds: Vec<String> = batch.iter().map(|e| format!("{:?}", e.event).chars().take(20).collect()).collect();
        assert_eq!(batch.len(), 7, "two new messages, accept, create, end, invite, note: {kinds:?}");
        assert!(batch.windows(2).all(|w| w[0].position + 1 == w[1].position));
        let messages = store.messages(chats[0].id).await.unwrap();
        // The jobs reached the writer in whatever order their tasks ran.
        let mut bodies: Vec<&str> = messages.iter().map(|m| m.body.as_str()).collect();
        bodies[1..].sort_unstable();
        assert_eq!(bodies, ["stored before", "new", "twice"]);
        assert_eq!(stored0.id, messages[0].id);
        assert!(
            store.messages(chats[1].id).await.unwrap().iter().all(|m| m.body != "after the transfer"),
            "nothing of the stale post"
        );
        assert_eq!(store.messages(chats[2].id).await.unwrap().len(), 2, "the cap held");
        assert_eq!(store.chat(chats[0].id).await.unwrap().question, "Help", "the failed job left no trace");
    }

    /// Holds the writer with a job that waits until `release` is notified, so that what is
    /// submitted meanwhile is drained into the next batch together; `hold` ends with that job.
    /// (`Notify`, not channels: a job must be cloneable, as it may run again.)
    async fn hold_writer(
        store: &std::sync::Arc<super::super::Store>,
    ) -> (std::sync::Arc<tokio::sync::Notify>, tokio::task::JoinHandle<Result<(), StoreError>>) {
        let (release, started) = (std::sync::Arc::new(tokio::sync::Notify::new()), std::sync::Arc::new(tokio::sync::Notify::new()));
        let hold = {
            let (store, release, started) = (store.clone(), release.clone(), started.clone());
            tokio::spawn(async move {
                store
                    .write(move |_, _| {
                        Box::pin(async move {
                            started.notify_one();
                            release.notified().await;
                            Ok::<(), StoreError>(())
                        })
                    })
                    .await
            })
        };
        started.notified().await;
        (release, hold)
    }

    /// A job that appends `mark` to the chat's question, then fails if `fail`; with `then` to
    /// follow it.
    async fn mark_then(
        store: &super::super::Store,
        chat: ChatId,
        mark: &'static str,
        fail: bool,
        then: Option<super::FollowUp>,
    ) -> Result<(), StoreError> {
        store
            .writer
            .write_then(
                move |conn, _| {
                    Box::pin(async move {
                        sqlx::query("UPDATE chat_requests SET question = question || $1 WHERE id = $2")
                            .bind(mark)
                            .bind(chat)
                            .execute(&mut *conn)
                            .await?;
                        match fail {
                            true => Err(StoreError::Conflict),
                            false => Ok(()),
                        }
                    })
                },
                then,
            )
            .await
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_follow_up_runs_once_at_the_end_of_its_batch_when_a_job_that_asked_succeeded() {
        let (_db, store, chat) = a_store_with_one_chat().await;
        let (runs, heard) = (std::sync::Arc::new(std::sync::atomic::AtomicU32::new(0)), std::sync::Arc::new(std::sync::Mutex::new(Vec::new())));
        let follow_up: super::FollowUp = {
            let (runs, heard) = (runs.clone(), heard.clone());
            std::sync::Arc::new(move || -> super::Work {
                let (runs, heard) = (runs.clone(), heard.clone());
                Box::new(move |conn, _| {
                    Box::pin(async move {
                        runs.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                        let ok = sqlx::query("UPDATE chat_requests SET question = question || 'F' WHERE id = $1")
                            .bind(chat.id)
                            .execute(&mut *conn)
                            .await
                            .is_ok();
                        super::Done::new(ok, move |committed| heard.lock().unwrap().push(committed.is_ok()))
                    })
                })
            })
        };

        // The writer held, three jobs wait for one batch: two ask for the follow-up, of which
        // one fails; the last does not ask.
        let (release, hold) = hold_writer(&store).await;
        let before = store.writer.submitted();
        let mut jobs = tokio::task::JoinSet::new();
        for (n, (mark, fail, then)) in [("a", false, Some(follow_up.clone())), ("b", true, Some(follow_up.clone())), ("c", false, None)].into_iter().enumerate() {
            let job = store.clone();
            jobs.spawn(async move { (mark, mark_then(&job, chat.id, mark, fail, then).await.is_ok()) });
            // In this order.
            while store.writer.submitted() < before + n + 1 {
                tokio::task::yield_now().await;
            }
        }
        release.notify_one();
        hold.await.unwrap().unwrap();
        let mut outcomes = Vec::new();
        while let Some(joined) = jobs.join_next().await {
            outcomes.push(joined.unwrap());
        }
        outcomes.sort();
        assert_eq!(outcomes, [("a", true), ("b", false), ("c", true)]);
        assert_eq!(store.chat(chat.id).await.unwrap().question, "HelpacF", "once, after every job, committed with them");
        assert_eq!((runs.load(std::sync::atomic::Ordering::SeqCst), heard.lock().unwrap().clone()), (1, vec![true]));

        // Only a job that failed asked: no follow-up.
        assert!(mark_then(&store, chat.id, "d", true, Some(follow_up.clone())).await.is_err());
        assert_eq!(runs.load(std::sync::atomic::Ordering::SeqCst), 1);
        // Alone, a job that succeeds is followed in its own batch.
        mark_then(&store, chat.id, "e", false, Some(follow_up)).await.unwrap();
        assert_eq!(store.chat(chat.id).await.unwrap().question, "HelpacFeF");
    }

    /// A fresh store (kept while the database is) with one chat waiting in "Network".
    async fn a_store_with_one_chat() -> (TempDb, std::sync::Arc<super::super::Store>, ChatRequest) {
        let db = TempDb::new();
        let store = db.open().await;
        let group = store.ensure_group("Network").await.unwrap();
        let chat = store.create_chat(&form(group, 0), "token", 1, None).await.unwrap();
        (db, store, chat)
    }

    #[tokio::test]
    async fn a_failed_job_leaves_no_trace_and_the_batch_goes_on() {
        let (_db, store, chat) = a_store_with_one_chat().await;
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

    /// A job that appends one note to the chat's question and counts how often it ran.
    async fn append_once(store: &super::super::Store, chat: ChatId, runs: &std::sync::Arc<std::sync::atomic::AtomicU32>) -> Result<(), StoreError> {
        let runs = runs.clone();
        store
            .write(move |conn, _| {
                Box::pin(async move {
                    runs.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    sqlx::query("UPDATE chat_requests SET question = question || '+' WHERE id = $1").bind(chat).execute(&mut *conn).await?;
                    Ok(())
                })
            })
            .await
    }

    #[tokio::test]
    async fn a_batch_the_database_breaks_off_runs_again_and_is_stored_once() {
        let (_db, store, chat) = a_store_with_one_chat().await;
        let runs = std::sync::Arc::new(std::sync::atomic::AtomicU32::new(0));

        store.writer.break_next(2);
        assert!(append_once(&store, chat.id, &runs).await.is_ok(), "the caller sees no failure");
        assert_eq!(runs.load(std::sync::atomic::Ordering::SeqCst), 3, "run twice in batches broken off, then committed");
        assert_eq!(store.chat(chat.id).await.unwrap().question, "Help+", "what the broken runs wrote was not kept");

        // A post is data: sent again, it is stored once.
        store.writer.break_next(1);
        let (message, new) = store.post_message(&chat, &Author::EndUser, "u-1", "hello", 4, None).await.unwrap();
        assert!(new);
        assert_eq!(store.messages(chat.id).await.unwrap(), vec![message]);

        // Broken off every time: after `MAX_ATTEMPTS` runs the caller hears it, and nothing is kept.
        runs.store(0, std::sync::atomic::Ordering::SeqCst);
        store.writer.break_next(super::MAX_ATTEMPTS);
        assert!(matches!(append_once(&store, chat.id, &runs).await, Err(StoreError::Unavailable(_))));
        assert_eq!(runs.load(std::sync::atomic::Ordering::SeqCst), super::MAX_ATTEMPTS);
        assert_eq!(store.chat(chat.id).await.unwrap().question, "Help+");
    }

    /// PostgreSQL may also break off one statement of a job (a deadlock found while the job
    /// waits for a lock): its savepoint rolls back, the batch commits the others, and the job
    /// runs again in a later batch.
    #[tokio::test]
    async fn a_job_whose_own_statement_was_broken_off_runs_again() {
        let (_db, store, chat) = a_store_with_one_chat().await;
        let runs = std::sync::Arc::new(std::sync::atomic::AtomicU32::new(0));
        let counted = runs.clone();
        let done = store
            .write(move |conn, _| {
                let runs = counted.clone();
                Box::pin(async move {
                    sqlx::query("UPDATE chat_requests SET question = question || '+' WHERE id = $1").bind(chat.id).execute(&mut *conn).await?;
                    if runs.fetch_add(1, std::sync::atomic::Ordering::SeqCst) < 2 {
                        return Err(StoreError::Unavailable(format!("{}deadlock detected (injected)", super::super::TRY_AGAIN_MARK)));
                    }
                    Ok(())
                })
            })
            .await;
        assert!(done.is_ok(), "{done:?}");
        assert_eq!(runs.load(std::sync::atomic::Ordering::SeqCst), 3);
        assert_eq!(store.chat(chat.id).await.unwrap().question, "Help+", "the broken-off runs left nothing");
        // Any other failure is the job's answer at once.
        let other: Result<(), StoreError> = store.write(|_, _| Box::pin(async { Err(StoreError::Conflict) })).await;
        assert!(matches!(other, Err(StoreError::Conflict)));
    }
}
