//! PostgreSQL positions without a lock across nodes (issue 16, item 4): writers on several nodes
//! commit side by side, out of position order, and no reader skips or repeats an event; a
//! deadlock between two batches costs their jobs a retry, never a wrong answer.
//!
//! These talk to the store itself, always on PostgreSQL (`DESKCHAT_TEST_POSTGRES`, else the
//! local server every machine and CI has), as `two_nodes.rs` does. Each test holds a transaction of its own open, so every wait is
//! on a condition the test itself brings about.
mod common;

use std::collections::VecDeque;
use std::sync::Arc;

use app::domain::audience::{Audience, Reach, Route};
use app::domain::validate::ValidStartChat;
use app::ssr::hub::{Hub, Outgoing};
use app::ssr::store::{Store, StoreError, StoredEvent};
use common::*;
use sqlx::{Connection, PgConnection};

fn form(group_id: GroupId, n: usize) -> ValidStartChat {
    ValidStartChat {
        name: format!("User {n}"),
        email: format!("u{n}@example.com"),
        phone: None,
        location: "HQ".into(),
        photo: None,
        group_id,
        question: "Help".into(),
        previous_ticket: None,
    }
}

/// Two stores on one fresh database, as two server nodes have: each with its own writer.
async fn two_nodes(database: &TestDatabase) -> (Arc<Store>, Arc<Store>) {
    let a = Arc::new(Store::connect(&database.url()).await.expect("node A"));
    let b = Arc::new(Store::connect(&database.url()).await.expect("node B"));
    (a, b)
}

async fn read_after(store: &Store, after: Position) -> Vec<StoredEvent> {
    store.events_after(after, 100).await.unwrap()
}

fn positions(events: &[StoredEvent]) -> Vec<Position> {
    events.iter().map(|e| e.position).collect()
}

/// An event committed by a transaction that started first and is still open when a later one
/// commits: the later one's events are above the horizon, so no reader sees them (nor does a
/// node's hub deliver its own batch) until the older one ends; then every reader gets both, in
/// position order, and the head moves past both.
#[tokio::test]
async fn a_batch_committed_behind_an_older_open_transaction_waits_for_it_and_nothing_is_skipped() {
    let server = common::postgres_server_url();
    let database = TestDatabase::create(&server).await;
    let (a, b) = two_nodes(&database).await;
    let group = a.ensure_group("Network").await.unwrap();
    let chat = a.create_chat(&form(group, 0), "token-0", 1, None).await.unwrap();
    let queued = until("the new chat is final", || read_after(&a, 0), |e| e.len() == 1).await;
    let widget = [Route::EndUser(chat.id)];

    // Node B's hub, and a widget subscribed to it.
    let hub = Hub::load(&b).await.unwrap();
    hub.spawn_publisher(b.clone());
    let subscription = hub.subscribe(widget.to_vec());

    // The older transaction: numbered as a writer batch numbers its events, and left open.
    let mut older = PgConnection::connect(&database.url()).await.unwrap();
    sqlx::query("BEGIN").execute(&mut older).await.unwrap();
    let event = ChatEvent::Ended { chat_id: chat.id, by: Party::EndUser, version: chat.version + 1 };
    let audience = Audience::of(&event, &chat, Reach::Everyone);
    let first: i64 = sqlx::query_scalar(
        "INSERT INTO events (seq, chat_id, group_id, routes, payload, created_at) \
         VALUES (pg_current_xact_id()::text::bigint << 20, $1, $2, $3, $4, 2) RETURNING seq",
    )
    .bind(chat.id)
    .bind(group)
    .bind(audience.routes_text())
    .bind(serde_json::to_string(&event).unwrap())
    .fetch_one(&mut older)
    .await
    .unwrap();
    for route in &audience.routes {
        sqlx::query("INSERT INTO event_routes (route, seq) VALUES ($1, $2)")
            .bind(route.key())
            .bind(first)
            .execute(&mut older)
            .await
            .unwrap();
    }

    // The later batch, from node B's writer: committed (acknowledged) meanwhile.
    let (message, new) = b.post_message(&chat, &Author::EndUser, "u-1", "committed second", 3, None).await.unwrap();
    assert!(new);
    let found = b.events_after(0, 100).await.unwrap();
    assert_eq!(found, queued, "nothing above the horizon is read while the older transaction is open");
    assert_eq!(a.events_on_routes_after(&widget, 0, 100).await.unwrap(), queued, "nor replayed");
    assert_eq!(a.head().await.unwrap(), queued[0].position, "nor counted in the head");
    // B's hub was handed its own batch; it must not deliver it before the older event.
    for _ in 0..20 {
        tokio::task::yield_now().await;
    }
    assert!(subscription.take().0.is_empty(), "a node delivers its own batch only once the horizon passed it");
    assert!(hub.published() < first);

    sqlx::query("COMMIT").execute(&mut older).await.unwrap();
    let both = until("both are final", || read_after(&a, queued[0].position), |e| e.len() == 2).await;
    assert_eq!(both[0].position, first, "the older transaction's event comes first");
    assert_eq!(both[0].event, event);
    assert!(matches!(&both[1].event, ChatEvent::MessagePosted { message: m } if m.id == message.id));
    assert!(both[0].position < both[1].position);
    assert!(a.head().await.unwrap() >= both[1].position, "the head moved past both");
    let everything = a.events_after(0, 100).await.unwrap();
    assert_eq!(positions(&everything), [queued[0].position, both[0].position, both[1].position], "each once, in order");
    assert_eq!(a.events_on_routes_after(&widget, queued[0].position, 100).await.unwrap(), both);

    // The hub delivers both, in position order.
    let mut delivered: VecDeque<Position> = VecDeque::new();
    while delivered.len() < 2 {
        tokio::time::timeout(WAIT, subscription.ready()).await.expect("the hub delivers both");
        delivered.extend(subscription.take().0.into_iter().filter_map(|item| match item {
            Outgoing::Event { position, .. } => Some(position),
            _ => None,
        }));
    }
    assert_eq!(Vec::from(delivered), positions(&both));
}

/// Two batches that lock the same chats in opposite orders: PostgreSQL breaks the deadlock by
/// failing one of them. Here the writer's batch is the one failed (the other transaction is
/// told to wait longer before it looks for deadlocks): the writer runs its jobs again in a later
/// batch, so each message is stored once and its caller never hears of it; what was
/// acknowledged before stays.
#[tokio::test]
async fn a_deadlock_between_two_batches_runs_their_jobs_again_and_loses_nothing_acknowledged() {
    let server = common::postgres_server_url();
    let database = TestDatabase::create(&server).await;
    let (store, _) = two_nodes(&database).await;
    let group = store.ensure_group("Network").await.unwrap();
    let one = store.create_chat(&form(group, 1), "token-1", 1, None).await.unwrap();
    let two = store.create_chat(&form(group, 2), "token-2", 1, None).await.unwrap();
    assert!(one.id < two.id, "the writer locks chats in id order");
    let (before, _) = store.post_message(&one, &Author::EndUser, "u-0", "acknowledged before", 2, None).await.unwrap();

    // The other batch holds chat two.
    let mut other = PgConnection::connect(&database.url()).await.unwrap();
    sqlx::query("BEGIN").execute(&mut other).await.unwrap();
    sqlx::query("SET LOCAL deadlock_timeout = '1min'").execute(&mut other).await.unwrap();
    sqlx::query("SELECT id FROM chat_requests WHERE id = $1 FOR UPDATE").bind(two.id).execute(&mut other).await.unwrap();
    let other_pid: i32 = sqlx::query_scalar("SELECT pg_backend_pid()").fetch_one(&mut other).await.unwrap();

    // One writer batch posts to both chats (both are submitted before the writer runs: this
    // runtime has one thread). It share-locks chat one, then waits for chat two; the other then
    // asks for chat one.
    let watch = sqlx::PgPool::connect(&database.url()).await.unwrap();
    let post = |chat: &ChatRequest, client_id: &'static str| {
        let (store, chat) = (store.clone(), chat.clone());
        async move { store.post_message(&chat, &Author::EndUser, client_id, client_id, 3, None).await }
    };
    let closes_the_cycle = async {
        until(
            "the writer waits for the other batch",
            || {
                sqlx::query_scalar::<_, i64>("SELECT count(*) FROM pg_stat_activity WHERE $1 = ANY(pg_blocking_pids(pid))")
                    .bind(other_pid)
                    .fetch_one(&watch)
            },
            |waiting| matches!(waiting, Ok(n) if *n > 0),
        )
        .await
        .unwrap();
        let locked = sqlx::query("SELECT id FROM chat_requests WHERE id = $1 FOR UPDATE").bind(one.id).execute(&mut other).await;
        sqlx::query("COMMIT").execute(&mut other).await.unwrap();
        locked
    };
    let retried = app::ssr::metrics::metrics().writes_retried.get();
    let (to_one, to_two, locked) = tokio::join!(post(&one, "u-1"), post(&two, "u-2"), closes_the_cycle);
    locked.expect("the other batch goes on once the writer's is failed");
    // The writer's batch was the deadlock's victim, and its posts ran again in the next one.
    assert!(app::ssr::metrics::metrics().writes_retried.get() >= retried + 2, "both posts ran again");
    let (first_one, new_one) = to_one.expect("stored when run again");
    let (first_two, new_two) = to_two.expect("stored when run again");
    assert!(new_one && new_two);
    // Had it been broken off every time, the desk would answer `Unavailable` (HTTP 503): try again.
    let answer = app::error::ApiError::from(app::ssr::desk::DeskError::from(StoreError::Unavailable("deadlock".into())));
    assert_eq!(answer, app::error::ApiError::Unavailable);

    // Sent again by a client that did not hear: answered with the stored message.
    let (again, new) = post(&one, "u-1").await.unwrap();
    assert!(!new);
    assert_eq!(again.id, first_one.id);
    assert_eq!(store.messages(one.id).await.unwrap(), vec![before, first_one]);
    assert_eq!(store.messages(two.id).await.unwrap(), vec![first_two]);
}
