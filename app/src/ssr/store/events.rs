//! The ordered event stream: appended inside the writer's jobs, read back for replays and for
//! events other nodes committed.
//!
//! Positions increase in the order readers may see events, but are not contiguous on
//! PostgreSQL. There an event's position is `(transaction id << 20) | its place in its batch`:
//! batches of several nodes run side by side, each numbers its events without asking anyone,
//! and a transaction may commit after one with a higher id. So every read is bounded by the
//! *safe horizon* (`HORIZON`): a transaction id below the oldest one still running (the
//! snapshot's `xmin`) has finished, and every transaction that will commit later has an id at
//! or above it. Below the horizon nothing can appear any more; above it a reader waits. On
//! SQLite one writer appends `head + 1, head + 2, …`, and everything committed is final.
//!
//! A message's id is numbered the same way on PostgreSQL (its transaction's id, then its place
//! in the batch), so a chat's messages in id order, as transcripts show them, are in the order
//! the stream delivers them.
//!
//! Databases created before this numbering hold small positions (below 2^20); every new one is
//! at least 2^20, so the old events still come first. Positions stay below 2^53 (what a
//! browser's JavaScript numbers hold exactly) until the cluster's transaction ids pass 2^33.

use std::time::Duration;

use sqlx::{AnyConnection, FromRow};

use super::{Backend, Store, StoreError, StoreResult, StoredEvent};
use crate::domain::audience::{Audience, Route};
use crate::model::*;

#[derive(FromRow)]
struct EventRow {
    seq: i64,
    chat_id: i64,
    group_id: i64,
    routes: String,
    payload: String,
}

impl EventRow {
    fn into_event(self) -> StoreResult<StoredEvent> {
        Ok(StoredEvent {
            position: self.seq,
            audience: Audience { chat_id: self.chat_id, group_id: self.group_id, routes: Audience::parse_routes(&self.routes) },
            event: serde_json::from_str(&self.payload)?,
        })
    }
}

const EVENT_COLUMNS: &str = "seq, chat_id, group_id, routes, payload";

/// How many bits of a PostgreSQL position number an event within its batch.
const PLACE_BITS: u32 = 20;

/// On PostgreSQL, the first position no reader may see yet: events of transactions still
/// running, or of any that may commit later, are at or above it. Evaluated within the statement
/// that reads (READ COMMITTED takes one snapshot per statement), so the bound and the rows
/// agree. (`20` is `PLACE_BITS`.)
const HORIZON: &str = "(pg_snapshot_xmin(pg_current_snapshot())::text::bigint << 20)";

/// The condition on `column` (a position) that keeps a read below the horizon.
fn final_only(backend: Backend, column: &str) -> String {
    match backend {
        Backend::Postgres => format!(" AND {column} < {HORIZON}"),
        Backend::Sqlite => String::new(),
    }
}

/// How long `head` waits, on PostgreSQL, for the newest committed event to become final.
const HEAD_WAIT: Duration = Duration::from_secs(2);
/// On PostgreSQL, how soon whoever waits for the horizon to pass a position (`head`, the hub's
/// ordered read) looks again: first after `HORIZON_RETRY_FIRST`, then `horizon_retry_after`.
pub const HORIZON_RETRY_FIRST: Duration = Duration::from_millis(1);

/// The next wait after `previous`: doubled, up to 64 ms.
pub fn horizon_retry_after(previous: Duration) -> Duration {
    (previous * 2).min(Duration::from_millis(64))
}

impl Store {
    /// The newest position that is final and includes every write acknowledged before the call:
    /// a snapshot read after this includes everything up to it, and nothing will ever be
    /// inserted below it.
    ///
    /// On PostgreSQL the newest committed event may still be above the horizon (an older
    /// transaction is running); then this waits until the horizon passes it, as a caller who
    /// was told their write is stored expects to find it. Should the horizon be held longer
    /// than `HEAD_WAIT` (a long transaction anywhere on the server), it settles for the newest
    /// event below the horizon: the events between arrive live.
    pub async fn head(&self) -> StoreResult<Position> {
        if self.backend == Backend::Sqlite {
            return Ok(sqlx::query_scalar("SELECT COALESCE(MAX(seq), 0) FROM events").fetch_one(&self.pool).await?);
        }
        let (newest, mut horizon): (i64, i64) =
            sqlx::query_as(&format!("SELECT COALESCE(MAX(seq), 0), {HORIZON} FROM events")).fetch_one(&self.pool).await?;
        let deadline = tokio::time::Instant::now() + HEAD_WAIT;
        let mut retry = HORIZON_RETRY_FIRST;
        while newest >= horizon {
            if tokio::time::Instant::now() >= deadline {
                tracing::warn!(newest, horizon, "an old transaction holds the horizon back; the head is behind the newest event");
                let sql = format!("SELECT COALESCE(MAX(seq), 0) FROM events WHERE true{}", final_only(self.backend, "seq"));
                return Ok(sqlx::query_scalar(&sql).fetch_one(&self.pool).await?);
            }
            tokio::time::sleep(retry).await;
            retry = horizon_retry_after(retry);
            horizon = sqlx::query_scalar(&format!("SELECT {HORIZON}")).fetch_one(&self.pool).await?;
        }
        Ok(newest)
    }

    /// Events after `after` on any of `routes`, in order, read through `event_routes` so a
    /// reconnecting viewer reads (and parses) only its own share of the stream. A full batch
    /// (`limit` events) means there may be more. `DISTINCT`: an event on several of the
    /// viewer's routes (an `Accepted` on `a:<agent>` and `g:<group>`) has a row for each, and
    /// counting rows would end a batch short of `limit` and the replay too early.
    pub async fn events_on_routes_after(&self, routes: &[Route], after: Position, limit: i64) -> StoreResult<Vec<StoredEvent>> {
        if routes.is_empty() {
            return Ok(Vec::new());
        }
        // Route keys are built from integer ids (`u:7`), so inlining them is safe.
        let keys = routes.iter().map(|r| format!("'{}'", r.key())).collect::<Vec<_>>().join(", ");
        let rows: Vec<EventRow> = sqlx::query_as(&format!(
            "SELECT {EVENT_COLUMNS} FROM events WHERE seq IN \
             (SELECT DISTINCT seq FROM event_routes WHERE route IN ({keys}) AND seq > $1{} ORDER BY seq LIMIT $2) ORDER BY seq",
            final_only(self.backend, "seq")
        ))
        .bind(after)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        Ok(readable(rows))
    }

    /// Events after `after`, in order, up to the horizon: what the hub publishes on PostgreSQL.
    pub async fn events_after(&self, after: Position, limit: i64) -> StoreResult<Vec<StoredEvent>> {
        Ok(self.stream_after(after, limit).await?.events)
    }

    /// `events_after`, and how far the read got: the hub moves past an event it cannot read,
    /// which would otherwise stay the next one it waits for.
    pub async fn stream_after(&self, after: Position, limit: i64) -> StoreResult<StreamRead> {
        let rows: Vec<EventRow> = sqlx::query_as(&format!(
            "SELECT {EVENT_COLUMNS} FROM events WHERE seq > $1{} ORDER BY seq LIMIT $2",
            final_only(self.backend, "seq")
        ))
        .bind(after)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        let (rows_read, last_read) = (rows.len(), rows.last().map(|row| row.seq));
        Ok(StreamRead { events: readable(rows), rows_read, last_read })
    }
}

/// A read of the stream: the events that could be read, and the rows read (readable or not).
pub struct StreamRead {
    pub events: Vec<StoredEvent>,
    pub rows_read: usize,
    pub last_read: Option<Position>,
}

/// An event that cannot be read (written by a newer version, say) is logged and skipped rather
/// than stopping the stream for everyone.
fn readable(rows: Vec<EventRow>) -> Vec<StoredEvent> {
    rows.into_iter()
        .filter_map(|row| {
            let seq = row.seq;
            row.into_event().map_err(|err| tracing::error!(seq, %err, "skipping an unreadable event")).ok()
        })
        .collect()
}

/// An event a job wrote; it gets its position when the batch appends all of them at its end.
#[derive(Clone, Debug)]
pub struct PendingEvent {
    pub audience: Audience,
    pub event: ChatEvent,
    pub at_ms: i64,
}

/// Records an event inside a writer job; positions are handed out for the whole batch at its
/// end (`append_all`).
pub(super) fn append(out: &mut Vec<PendingEvent>, audience: Audience, event: ChatEvent, at_ms: i64) {
    out.push(PendingEvent { audience, event, at_ms });
}

/// What a row of `events` travels as inside the batch's one JSON array.
#[derive(serde::Serialize)]
struct EventIn {
    s: Position,
    c: ChatId,
    g: i64,
    r: String,
    /// The event as stored: JSON text.
    p: String,
    t: i64,
}

/// A row of `event_routes`, likewise.
#[derive(serde::Serialize)]
struct RouteIn {
    r: String,
    s: Position,
}

/// Appends the batch's events, in order, with their routes: one statement for the events and
/// one for their routes, whatever their number. The rows travel as one JSON array each (as the
/// batch's messages do, `posting`), so the statements' text never changes and no value is bound
/// one by one (binding a multi-row `VALUES` list of ~1,200 parameters showed in the profile of a
/// post, issue 16). On SQLite the events follow the stream's head (the node's one writer is the
/// only one, so `head + 1, head + 2, …` are free); on PostgreSQL they are numbered by the batch's
/// transaction id (module docs), so writers on several nodes never wait for each other to number.
pub(super) async fn append_all(
    conn: &mut AnyConnection,
    backend: Backend,
    pending: Vec<PendingEvent>,
) -> StoreResult<Vec<StoredEvent>> {
    if pending.is_empty() {
        return Ok(Vec::new());
    }
    let first = first_position(conn, backend, pending.len()).await?;
    let mut rows = Vec::with_capacity(pending.len());
    let mut routes = Vec::new();
    for (e, position) in pending.iter().zip(first..) {
        rows.push(EventIn {
            s: position,
            c: e.audience.chat_id,
            g: e.audience.group_id,
            r: e.audience.routes_text(),
            p: serde_json::to_string(&e.event)?,
            t: e.at_ms,
        });
        routes.extend(e.audience.routes.iter().map(|r| RouteIn { r: r.key(), s: position }));
    }
    let (events_sql, routes_sql) = match backend {
        Backend::Sqlite => (
            "INSERT INTO events (seq, chat_id, group_id, routes, payload, created_at) \
             SELECT json_extract(value, '$.s'), json_extract(value, '$.c'), json_extract(value, '$.g'), \
             json_extract(value, '$.r'), json_extract(value, '$.p'), json_extract(value, '$.t') FROM json_each($1)",
            "INSERT INTO event_routes (route, seq) SELECT json_extract(value, '$.r'), json_extract(value, '$.s') FROM json_each($1)",
        ),
        Backend::Postgres => (
            "INSERT INTO events (seq, chat_id, group_id, routes, payload, created_at) \
             SELECT s, c, g, r, p, t FROM json_to_recordset($1::json) AS e(s BIGINT, c BIGINT, g BIGINT, r TEXT, p TEXT, t BIGINT)",
            "INSERT INTO event_routes (route, seq) SELECT r, s FROM json_to_recordset($1::json) AS e(r TEXT, s BIGINT)",
        ),
    };
    sqlx::query(events_sql).bind(serde_json::to_string(&rows)?).execute(&mut *conn).await?;
    if !routes.is_empty() {
        sqlx::query(routes_sql).bind(serde_json::to_string(&routes)?).execute(&mut *conn).await?;
    }
    // What the reports count changes with the events, in the same transaction.
    super::reports::apply_facts(conn, backend, &pending).await?;
    Ok(pending
        .into_iter()
        .zip(first..)
        .map(|(p, position)| StoredEvent { position, audience: p.audience, event: p.event })
        .collect())
}

/// The position of the batch's first event; the others follow it one by one.
async fn first_position(conn: &mut AnyConnection, backend: Backend, events: usize) -> StoreResult<Position> {
    match backend {
        Backend::Sqlite => {
            let head: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(seq), 0) FROM events").fetch_one(&mut *conn).await?;
            Ok(head + 1)
        }
        Backend::Postgres => {
            // A batch holds at most `MAX_BATCH` jobs, each a few events: far below the places
            // a transaction id leaves. Should one ever pass it, the batch fails rather than
            // numbering into the next transaction's positions.
            if events >= 1 << PLACE_BITS {
                return Err(StoreError::Unavailable(format!("{events} events in one batch")));
            }
            // The batch has written by now, so its transaction id exists and is the one its
            // rows carry; every event of the batch shares it.
            let xid: i64 = sqlx::query_scalar("SELECT pg_current_xact_id()::text::bigint").fetch_one(&mut *conn).await?;
            Ok(xid << PLACE_BITS)
        }
    }
}
