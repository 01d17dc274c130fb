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
    /// reconnecting viewer reads (and parses) only its own share of the stream. Returns the
    /// events and how many rows were read (a full batch means there may be more).
    pub async fn events_on_routes_after(&self, routes: &[Route], after: Position, limit: i64) -> StoreResult<Vec<StoredEvent>> {
        if routes.is_empty() {
            return Ok(Vec::new());
        }
        // Route keys are built from integer ids (`u:7`), so inlining them is safe.
        let keys = routes.iter().map(|r| format!("'{}'", r.key())).collect::<Vec<_>>().join(", ");
        let rows: Vec<EventRow> = sqlx::query_as(&format!(
            "SELECT {EVENT_COLUMNS} FROM events WHERE seq IN \
             (SELECT seq FROM event_routes WHERE route IN ({keys}) AND seq > $1 ORDER BY seq LIMIT $2) ORDER BY seq"
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

/// Appends an event and its routes inside a writer job; it is published once the batch commits.
pub(super) async fn append(
    conn: &mut AnyConnection,
    out: &mut Vec<StoredEvent>,
    audience: Audience,
    event: ChatEvent,
    now_ms: i64,
) -> StoreResult<()> {
    let position: i64 = sqlx::query_scalar(
        "INSERT INTO events (chat_id, group_id, routes, payload, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING seq",
    )
    .bind(audience.chat_id)
    .bind(audience.group_id)
    .bind(audience.routes_text())
    .bind(serde_json::to_string(&event)?)
    .bind(now_ms)
    .fetch_one(&mut *conn)
    .await?;
    if !audience.routes.is_empty() {
        // Placeholders, not inlined values: a handful of statement shapes stay prepared.
        let values = (0..audience.routes.len()).map(|i| format!("(${}, $1)", i + 2)).collect::<Vec<_>>().join(", ");
        let sql = format!("INSERT INTO event_routes (route, seq) VALUES {values}");
        let mut insert = sqlx::query(&sql).bind(position);
        for route in &audience.routes {
            insert = insert.bind(route.key());
        }
        insert.execute(&mut *conn).await?;
    }
    out.push(StoredEvent { position, audience, event });
    Ok(())
}
