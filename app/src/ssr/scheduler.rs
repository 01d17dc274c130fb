//! The scheduler: fires persisted deadlines (store/deadlines.rs) when they are due.
//!
//! Time comes from the clock seam and is passed in (`fire_due(now)`), so tests drive it with
//! any time they like and never sleep. Each deadline fires exactly once: firing claims its row
//! in the same writer job that does what it means, so a second node, a second tick or a restart
//! finds it fired. A restart loses none: the rows are on disk until fired.

use std::sync::Arc;
use std::time::Duration;

use super::desk::Clock;
use super::store::{Store, StoreResult};

/// The longest the scheduler sleeps before looking again (deadlines scheduled meanwhile, by
/// this node or another, are found within this).
const LOOK_AGAIN: Duration = Duration::from_millis(500);
const BATCH: i64 = 200;

pub struct Scheduler {
    store: Arc<Store>,
    clock: Arc<dyn Clock>,
    /// Told after deadlines fired: an offer that moved on, a request that left its queue
    /// (the desk's router runs).
    after_firing: Option<Box<dyn Fn() + Send + Sync>>,
}

impl Scheduler {
    pub fn new(store: Arc<Store>, clock: Arc<dyn Clock>) -> Scheduler {
        Scheduler { store, clock, after_firing: None }
    }

    pub fn after_firing(mut self, then: impl Fn() + Send + Sync + 'static) -> Scheduler {
        self.after_firing = Some(Box::new(then));
        self
    }

    /// Fires every deadline due at `now_ms`; returns how many this call fired.
    pub async fn fire_due(&self, now_ms: i64) -> StoreResult<usize> {
        let mut fired = 0;
        loop {
            let due = self.store.due_deadlines(now_ms, BATCH).await?;
            let full = due.len() as i64 == BATCH;
            // Concurrently, so they share the writer's batches.
            let outcomes = futures::future::join_all(due.into_iter().map(|d| self.store.fire_deadline(d, now_ms))).await;
            for outcome in outcomes {
                fired += usize::from(outcome?);
            }
            if !full {
                if let (true, Some(then)) = (fired > 0, &self.after_firing) {
                    then();
                }
                return Ok(fired);
            }
        }
    }

    /// Runs until the process ends: sleeps until the next deadline (at most `LOOK_AGAIN`),
    /// then fires what is due by the clock. (Not with the binary's test clock: there the
    /// test's advance fires what is due.)
    pub fn spawn(self: Arc<Self>) {
        tokio::spawn(async move {
            loop {
                let next = self.store.next_deadline().await;
                let wait = wait_until_due(next, self.clock.now_ms(), LOOK_AGAIN, "scheduler: cannot read deadlines");
                tokio::time::sleep(wait).await;
                if let Err(err) = self.fire_due(self.clock.now_ms()).await {
                    tracing::error!(%err, "scheduler: firing deadlines failed; will retry");
                }
            }
        });
    }
}

/// How long a worker of due rows (deadlines, the outbox) sleeps: until the next is due, at once
/// if one is, at most `longest` (rows other nodes add are found within it).
pub fn wait_until_due(next: StoreResult<Option<i64>>, now_ms: i64, longest: Duration, failed: &str) -> Duration {
    match next {
        Ok(Some(due)) if due <= now_ms => Duration::ZERO,
        Ok(Some(due)) => Duration::from_millis((due - now_ms) as u64).min(longest),
        Ok(None) => longest,
        Err(err) => {
            tracing::error!(%err, "{failed}");
            longest
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::lifecycle::ChatState;
    use crate::model::*;
    use crate::ssr::desk::ManualClock;
    use crate::ssr::store::test_support::{form, group_with_agent, TempDb};

    const TIMEOUT: i64 = 60_000;

    #[tokio::test]
    async fn a_request_nobody_accepts_is_missed_once_at_its_deadline() {
        let db = TempDb::new();
        let store = db.open().await;
        let mut committed = store.take_committed().unwrap();
        let (group, agent) = group_with_agent(&store).await;
        store.save_settings(&DeskSettings::initial(Some((TIMEOUT / 1000) as u32)), false).await.unwrap();
        let clock = Arc::new(ManualClock::at(1_000));
        let waiting = store.create_chat(&form(group, 0), "t-1", 1_000, Some(1_000 + TIMEOUT)).await.unwrap();
        let taken = store.create_chat(&form(group, 0), "t-2", 1_000, Some(1_000 + TIMEOUT)).await.unwrap();
        let scheduler = Scheduler::new(store.clone(), clock.clone());

        assert_eq!(scheduler.fire_due(1_000 + TIMEOUT - 1).await.unwrap(), 0, "not due yet");
        // Accepted at the last moment: never also missed.
        store.accept(&taken, &agent, None, None, 1_000 + TIMEOUT - 1).await.unwrap();
        assert_eq!(scheduler.fire_due(1_000 + TIMEOUT).await.unwrap(), 2, "both deadlines are consumed");
        assert_eq!(store.chat(waiting.id).await.unwrap().state, ChatState::Missed);
        assert_eq!(store.chat(taken.id).await.unwrap().state, ChatState::Active);
        assert_eq!(scheduler.fire_due(1_000 + 10 * TIMEOUT).await.unwrap(), 0, "each fires once");

        let mut missed = Vec::new();
        while let Ok(batch) = committed.try_recv() {
            missed.extend(batch.into_iter().filter(|e| matches!(e.event, ChatEvent::Missed { .. })));
        }
        assert_eq!(missed.len(), 1);
        // It became a 'Missed Chat' incident holding the contact, group and question.
        let ChatEvent::Missed { chat_id, incident: Some(number), version: 1 } = &missed[0].event else {
            panic!("{:?}", missed[0])
        };
        assert_eq!(*chat_id, waiting.id);
        let records = store.chat_records(&[store.chat(waiting.id).await.unwrap()]).await.unwrap();
        let incident = records[0].incident.clone().expect("an incident");
        assert_eq!(&incident.number, number);
        assert_eq!(incident.fields.category, "Missed Chat");
        assert_eq!(incident.group.id, group);
        assert_eq!(incident.fields.contact_email, waiting.end_user.email);
        assert!(store.chat_records(&[store.chat(taken.id).await.unwrap()]).await.unwrap()[0].incident.is_none());
    }

    #[tokio::test]
    async fn a_deadline_due_after_conversion_was_turned_off_leaves_the_request_waiting() {
        let db = TempDb::new();
        let store = db.open().await;
        let (group, _) = group_with_agent(&store).await;
        let waiting = store.create_chat(&form(group, 0), "t-1", 0, Some(TIMEOUT)).await.unwrap();
        store.save_settings(&DeskSettings::initial(None), false).await.unwrap();
        let scheduler = Scheduler::new(store.clone(), Arc::new(ManualClock::at(TIMEOUT)));
        assert_eq!(scheduler.fire_due(TIMEOUT).await.unwrap(), 1, "consumed");
        assert_eq!(store.chat(waiting.id).await.unwrap().state, ChatState::Queued);
        assert_eq!(scheduler.fire_due(2 * TIMEOUT).await.unwrap(), 0);
    }

    /// Two nodes (two stores with their own writers on one database) and a restart in between:
    /// the deadline fires exactly once.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_deadline_survives_a_restart_and_fires_once_across_nodes() {
        let db = TempDb::new();
        let chat = {
            let store = db.open().await;
            let group = store.ensure_group("Network").await.unwrap();
            store.save_settings(&DeskSettings::initial(Some(60)), false).await.unwrap();
            store.create_chat(&form(group, 0), "t-1", 0, Some(TIMEOUT)).await.unwrap()
        }; // the process "ends" before the deadline
        let (node_a, node_b) = (db.open().await, db.open().await);
        let clock: Arc<dyn Clock> = Arc::new(ManualClock::at(TIMEOUT));
        let (a, b) = (Scheduler::new(node_a.clone(), clock.clone()), Scheduler::new(node_b.clone(), clock));
        let (fired_a, fired_b) = tokio::join!(a.fire_due(TIMEOUT), b.fire_due(TIMEOUT));
        assert_eq!(fired_a.unwrap() + fired_b.unwrap(), 1);
        assert_eq!(node_a.chat(chat.id).await.unwrap().state, ChatState::Missed);
        let incidents = node_a
            .search_tickets(
                &crate::domain::access::Staff { id: 0, admin: true, ..Default::default() },
                &RecordQuery { kind: Some(TicketKind::Incident), ..RecordQuery::default() },
            )
            .await
            .unwrap();
        assert_eq!(incidents.rows.len(), 1, "converted once");
    }
}
