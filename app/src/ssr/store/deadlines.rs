//! Persisted deadlines: scheduled inside the job that creates their subject, fired once by a
//! writer job that claims the row and does what it means in the same transaction.

use sqlx::{AnyConnection, Row};

use super::chats::{change_chat, chat_in, holders_in};
use super::events::append;
use super::tickets::{chat_incident, settings_in};
use super::{Store, StoreError, StoreResult};
use crate::domain::audience::{Audience, Reach};
use crate::domain::deadline::DeadlineKind;
use crate::domain::lifecycle::{decide, Command};
use crate::domain::records;
use crate::domain::routing::OfferEvent;
use crate::model::ChatEvent;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Deadline {
    pub id: i64,
    pub kind: DeadlineKind,
    pub subject_id: i64,
    pub due_at_ms: i64,
}

impl Store {
    /// Deadlines due at `now_ms` and not fired yet, oldest first, then by id: every node claims
    /// them in this one order. Many share a due time (the requests or offers one batch made),
    /// and two nodes claiming such a tie in opposite orders deadlocked on PostgreSQL.
    pub async fn due_deadlines(&self, now_ms: i64, limit: i64) -> StoreResult<Vec<Deadline>> {
        let rows = sqlx::query(
            "SELECT id, kind, subject_id, due_at FROM deadlines WHERE fired_at IS NULL AND due_at <= $1 ORDER BY due_at, id LIMIT $2",
        )
        .bind(now_ms)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .iter()
            .filter_map(|r| {
                Some(Deadline {
                    id: r.get("id"),
                    kind: DeadlineKind::parse(&r.get::<String, _>("kind"))?,
                    subject_id: r.get("subject_id"),
                    due_at_ms: r.get("due_at"),
                })
            })
            .collect())
    }

    /// When the next pending deadline is due, if any.
    pub async fn next_deadline(&self) -> StoreResult<Option<i64>> {
        Ok(sqlx::query_scalar("SELECT MIN(due_at) FROM deadlines WHERE fired_at IS NULL").fetch_one(&self.pool).await?)
    }

    /// Fires one deadline: claims it and does what it means, in one job. `Ok(false)` when it
    /// was fired already (by another node, or an earlier tick).
    pub async fn fire_deadline(&self, deadline: Deadline, now_ms: i64) -> StoreResult<bool> {
        self.write(move |conn, out| {
            Box::pin(async move {
                let claimed = sqlx::query("UPDATE deadlines SET fired_at = $1 WHERE id = $2 AND fired_at IS NULL")
                    .bind(now_ms)
                    .bind(deadline.id)
                    .execute(&mut *conn)
                    .await?;
                if claimed.rows_affected() != 1 {
                    return Ok(false);
                }
                match deadline.kind {
                    DeadlineKind::MissedChat => {
                        let chat = chat_in(conn, deadline.subject_id).await?;
                        // An admin may have turned conversion off since the deadline was set:
                        // then the request keeps waiting.
                        if !settings_in(conn).await?.is_some_and(|s| s.missed_chat_incidents) {
                            return Ok(true);
                        }
                        // Decided and written on the version read in this job, and the guard's
                        // row lock makes a racing accept (on any node) either win before this or
                        // see Missed. A chat that changed meanwhile (accepted, handed on) is not
                        // missed.
                        let decided = match decide(&chat, Command::Miss) {
                            Ok(event) => match change_chat(conn, &chat, &event, now_ms).await {
                                Ok(_) => Some(event),
                                Err(StoreError::Conflict) => None,
                                Err(err) => return Err(err),
                            },
                            Err(_) => None,
                        };
                        if let Some(ChatEvent::Missed { chat_id, version, .. }) = decided {
                            let (incident, _) =
                                chat_incident(conn, &chat, records::missed_chat_incident(&chat), None, now_ms).await?;
                            let event = ChatEvent::Missed { chat_id, incident: Some(incident.number.clone()), version };
                            append(out, Audience::of(&event, &chat, Reach::Everyone), event, now_ms);
                            let saved = ChatEvent::TicketSaved { ticket: incident.clone() };
                            append(out, Audience::of_ticket(&incident, &holders_in(conn, incident.id).await?), saved, now_ms);
                        }
                    }
                    // An offer still open at its deadline moves on (an answered one is gone,
                    // and a newer offer of the request moved this deadline).
                    DeadlineKind::OfferExpires => {
                        super::offers::settle_in(conn, out, deadline.subject_id, OfferEvent::Deadline, now_ms).await?;
                    }
                }
                Ok(true)
            })
        })
        .await
    }
}

/// `schedule` for several subjects of one kind, in one statement (a routing job's offers).
/// `schedule` keeps its own bound statement: it is on every new chat's path, and a statement
/// with its values inlined is prepared anew each time.
pub(super) async fn schedule_all(conn: &mut AnyConnection, kind: DeadlineKind, due: &[(i64, i64)]) -> StoreResult<()> {
    if due.is_empty() {
        return Ok(());
    }
    // The kind is one of our own names and the rest integers: inlined.
    let values: Vec<String> = due.iter().map(|(subject, at)| format!("('{}', {subject}, {at})", kind.as_str())).collect();
    sqlx::query(&format!(
        "INSERT INTO deadlines (kind, subject_id, due_at) VALUES {} \
         ON CONFLICT (kind, subject_id) DO UPDATE SET due_at = excluded.due_at, fired_at = NULL",
        values.join(", ")
    ))
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Schedules a deadline inside the job that creates (or requeues) its subject.
/// As if new: due at `due_at_ms`, not fired. There is one per (kind, subject),
/// so scheduling it again (a chat handed back to a queue gets a fresh pickup window) moves it.
pub(super) async fn schedule(conn: &mut AnyConnection, kind: DeadlineKind, subject_id: i64, due_at_ms: i64) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO deadlines (kind, subject_id, due_at) VALUES ($1, $2, $3) \
         ON CONFLICT (kind, subject_id) DO UPDATE SET due_at = excluded.due_at, fired_at = NULL",
    )
    .bind(kind.as_str())
    .bind(subject_id)
    .bind(due_at_ms)
    .execute(&mut *conn)
    .await?;
    Ok(())
}
