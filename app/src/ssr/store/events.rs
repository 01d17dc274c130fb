//! The ordered event stream: appended inside the writer's jobs, read back for replays and for
//! events other nodes committed.

use sqlx::{AnyConnection, FromRow};

use super::{Store, StoreResult, StoredEvent};
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

impl Store {
    /// The newest position; a snapshot read after this includes everything up to it.
    pub async fn head(&self) -> StoreResult<Position> {
        Ok(sqlx::query_scalar::<_, i64>("SELECT COALESCE(MAX(seq), 0) FROM events").fetch_one(&self.pool).await?)
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
             (SELECT DISTINCT seq FROM event_routes WHERE route IN ({keys}) AND seq > $1 ORDER BY seq LIMIT $2) ORDER BY seq"
        ))
        .bind(after)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        Ok(readable(rows))
    }

    /// Events after `after`, in order: what other nodes committed, for the hub.
    pub async fn events_after(&self, after: Position, limit: i64) -> StoreResult<Vec<StoredEvent>> {
        let rows: Vec<EventRow> =
            sqlx::query_as(&format!("SELECT {EVENT_COLUMNS} FROM events WHERE seq > $1 ORDER BY seq LIMIT $2"))
                .bind(after)
                .bind(limit)
                .fetch_all(&self.pool)
                .await?;
        Ok(readable(rows))
    }
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

/// Rows per multi-row INSERT: well under both databases' limits on bound parameters.
const ROWS_PER_INSERT: usize = 200;

/// Appends the batch's events after the stream's head, in order, with their routes: a few
/// multi-row statements for the whole batch. Called by the node's one writer, under the
/// cross-node lock on PostgreSQL, so `head + 1, head + 2, …` are free and commit in order.
pub(super) async fn append_all(conn: &mut AnyConnection, pending: Vec<PendingEvent>) -> StoreResult<Vec<StoredEvent>> {
    if pending.is_empty() {
        return Ok(Vec::new());
    }
    let head: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(seq), 0) FROM events").fetch_one(&mut *conn).await?;
    for (chunk, first) in pending.chunks(ROWS_PER_INSERT).zip((head + 1..).step_by(ROWS_PER_INSERT)) {
        let sql = format!(
            "INSERT INTO events (seq, chat_id, group_id, routes, payload, created_at) VALUES {}",
            placeholders(chunk.len(), 6)
        );
        let mut insert = sqlx::query(&sql);
        for (e, position) in chunk.iter().zip(first..) {
            insert = insert
                .bind(position)
                .bind(e.audience.chat_id)
                .bind(e.audience.group_id)
                .bind(e.audience.routes_text())
                .bind(serde_json::to_string(&e.event)?)
                .bind(e.at_ms);
        }
        insert.execute(&mut *conn).await?;
    }
    let stored: Vec<StoredEvent> = pending
        .into_iter()
        .zip(head + 1..)
        .map(|(p, position)| StoredEvent { position, audience: p.audience, event: p.event })
        .collect();
    let routes: Vec<(String, Position)> =
        stored.iter().flat_map(|e| e.audience.routes.iter().map(move |r| (r.key(), e.position))).collect();
    for chunk in routes.chunks(ROWS_PER_INSERT) {
        let sql = format!("INSERT INTO event_routes (route, seq) VALUES {}", placeholders(chunk.len(), 2));
        let mut insert = sqlx::query(&sql);
        for (route, position) in chunk {
            insert = insert.bind(route.clone()).bind(*position);
        }
        insert.execute(&mut *conn).await?;
    }
    Ok(stored)
}

/// `($1, $2), ($3, $4)` for `rows` rows of `columns` values, bound rather than inlined (one
/// statement shape per row count, so sqlx's cache keeps them prepared).
fn placeholders(rows: usize, columns: usize) -> String {
    (0..rows)
        .map(|row| {
            let values: Vec<String> = (1..=columns).map(|c| format!("${}", row * columns + c)).collect();
            format!("({})", values.join(", "))
        })
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    #[test]
    fn placeholders_number_every_value_of_every_row() {
        assert_eq!(super::placeholders(2, 3), "($1, $2, $3), ($4, $5, $6)");
        assert_eq!(super::placeholders(1, 2), "($1, $2)");
    }
}
