//! The outbox (issue 18; domain/outbox.rs decides): an entry is queued in the job of the
//! request that owes it, held by one node while it sends (`held_by`/`held_until`, claimed by a
//! guarded update, so two nodes cannot both hold it), then settled by that node. The try is
//! counted when it is held: a node killed while sending has used it up.

use sqlx::{AnyConnection, Row};

use super::admin::{audit, Actor};
use super::chats::{chat_in, messages_in};
use super::tickets::{put_setting, setting_in};
use super::{Store, StoreResult};
use crate::domain::outbox::{self, OutboxKind, OutboxState, Settled, TranscriptRefusal};
use crate::i18n::Texts;
use crate::model::*;

/// An entry a node holds to send.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HeldMail {
    pub id: i64,
    pub kind: OutboxKind,
    pub recipient: String,
    pub subject: String,
    pub payload: String,
    /// This try's number, 1 for the first.
    pub attempt_no: u32,
    pub created_at_ms: i64,
}

/// The `settings` table's key of the mail settings.
const MAIL_SETTINGS: &str = "mail";

const ENTRY_SELECT: &str = "SELECT id, kind, recipient, subject, chat_id, state, attempts, next_attempt_at, last_error, \
     created_at, sent_at FROM outbox";

impl Store {
    /// Queues `chat`'s transcript for its end user (the address on the form), in `texts`'s
    /// language, unless this request (`request_key`, the widget's) queued it already: then that
    /// entry's state. Decided in the job on the chat as stored (`outbox::may_email_transcript`).
    pub async fn queue_transcript(
        &self,
        chat: ChatId,
        request_key: String,
        mail_on: bool,
        texts: Texts,
        now_ms: i64,
    ) -> StoreResult<Result<TranscriptRequested, TranscriptRefusal>> {
        let key = format!("transcript:{chat}:{request_key}");
        self.write(move |conn, _out| {
            let (key, texts) = (key.clone(), texts.clone());
            Box::pin(async move {
                if let Some(asked) = requested_in(conn, &key).await? {
                    return Ok(Ok(asked));
                }
                let read = chat_in(conn, chat).await?;
                let asked_before: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM outbox WHERE chat_id = $1 AND kind = $2")
                    .bind(chat)
                    .bind(OutboxKind::TranscriptEmail.as_str())
                    .fetch_one(&mut *conn)
                    .await?;
                if let Err(refusal) = outbox::may_email_transcript(&read, mail_on, asked_before as usize) {
                    return Ok(Err(refusal));
                }
                let messages = messages_in(conn, chat).await?;
                let (subject, body) = outbox::transcript_mail(&read, &messages, &texts);
                // A second node taking the same request at the same moment inserts nothing and
                // answers with the entry the first made.
                sqlx::query(
                    "INSERT INTO outbox (kind, request_key, chat_id, recipient, subject, payload, state, attempts, \
                     next_attempt_at, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, 0, $8, $8) \
                     ON CONFLICT (request_key) DO NOTHING",
                )
                .bind(OutboxKind::TranscriptEmail.as_str())
                .bind(&key)
                .bind(chat)
                .bind(&read.end_user.email)
                .bind(&subject)
                .bind(&body)
                .bind(OutboxState::Queued.as_str())
                .bind(now_ms)
                .execute(&mut *conn)
                .await?;
                let asked = requested_in(conn, &key).await?;
                Ok(Ok(asked.unwrap_or(TranscriptRequested { address: read.end_user.email, state: OutboxState::Queued })))
            })
        })
        .await
    }

    /// Queued entries due at `now_ms` and not held by a node, oldest due first (every node in
    /// this one order).
    pub async fn due_mail(&self, now_ms: i64, limit: i64) -> StoreResult<Vec<i64>> {
        Ok(sqlx::query_scalar(
            "SELECT id FROM outbox WHERE state = $1 AND next_attempt_at <= $2 AND (held_until IS NULL OR held_until <= $2) \
             ORDER BY next_attempt_at, id LIMIT $3",
        )
        .bind(OutboxState::Queued.as_str())
        .bind(now_ms)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?)
    }

    /// When the next queued entry is due (a held one included: its hold may run out), if any.
    pub async fn next_mail_due(&self) -> StoreResult<Option<i64>> {
        Ok(sqlx::query_scalar(
            "SELECT MIN(CASE WHEN held_until IS NOT NULL AND held_until > next_attempt_at THEN held_until \
             ELSE next_attempt_at END) FROM outbox WHERE state = $1",
        )
        .bind(OutboxState::Queued.as_str())
        .fetch_one(&self.pool)
        .await?)
    }

    /// Holds entry `id` for this node until `now_ms + HOLD_MS`, counting the try, if it is still
    /// queued, due and held by nobody; `None` if another node (or an earlier tick) has it.
    pub async fn hold_mail(&self, id: i64, now_ms: i64) -> StoreResult<Option<HeldMail>> {
        let node = self.node.clone();
        self.write(move |conn, _out| {
            let node = node.clone();
            Box::pin(async move {
                let held = sqlx::query(
                    "UPDATE outbox SET held_by = $1, held_until = $2, attempts = attempts + 1 \
                     WHERE id = $3 AND state = $4 AND next_attempt_at <= $5 AND (held_until IS NULL OR held_until <= $5)",
                )
                .bind(&node)
                .bind(now_ms + outbox::HOLD_MS)
                .bind(id)
                .bind(OutboxState::Queued.as_str())
                .bind(now_ms)
                .execute(&mut *conn)
                .await?;
                if held.rows_affected() == 0 {
                    return Ok(None);
                }
                let row = sqlx::query("SELECT kind, recipient, subject, payload, attempts, created_at FROM outbox WHERE id = $1")
                    .bind(id)
                    .fetch_one(&mut *conn)
                    .await?;
                Ok(OutboxKind::parse(&row.get::<String, _>("kind")).map(|kind| HeldMail {
                    id,
                    kind,
                    recipient: row.get("recipient"),
                    subject: row.get("subject"),
                    payload: row.get("payload"),
                    attempt_no: row.get::<i64, _>("attempts") as u32,
                    created_at_ms: row.get("created_at"),
                }))
            })
        })
        .await
    }

    /// Records how the try of an entry this node holds went; `false` if it no longer held it
    /// (its hold ran out and another node took the entry: that node settles it).
    pub async fn settle_mail(&self, id: i64, settled: Settled) -> StoreResult<bool> {
        let node = self.node.clone();
        self.write(move |conn, _out| {
            let (node, settled) = (node.clone(), settled.clone());
            Box::pin(async move {
                let (state, next_at, error, sent_at) = match settled {
                    Settled::Sent { at_ms } => (OutboxState::Sent, None, None, Some(at_ms)),
                    Settled::RetryAt { at_ms, reason } => (OutboxState::Queued, Some(at_ms), Some(reason), None),
                    Settled::Failed { reason } => (OutboxState::Failed, None, Some(reason), None),
                };
                let done = sqlx::query(
                    "UPDATE outbox SET state = $1, next_attempt_at = COALESCE($2, next_attempt_at), last_error = $3, \
                     sent_at = $4, held_by = NULL, held_until = NULL WHERE id = $5 AND held_by = $6 AND state = $7",
                )
                .bind(state.as_str())
                .bind(next_at)
                .bind(error)
                .bind(sent_at)
                .bind(id)
                .bind(&node)
                .bind(OutboxState::Queued.as_str())
                .execute(&mut *conn)
                .await?;
                Ok(done.rows_affected() == 1)
            })
        })
        .await
    }

    /// Queues entry `id` again for a new round of tries from now, if the rule lets it
    /// (`outbox::may_send_again`: a failed one), with its audit line; the entry as it is then,
    /// or `None` if there is no such entry.
    pub async fn send_again(&self, id: i64, by: Actor) -> StoreResult<Option<(OutboxEntry, bool)>> {
        let now_ms = by.now_ms;
        self.write(move |conn, _out| {
            Box::pin(async move {
                let Some(entry) = entry_in(conn, id).await? else { return Ok(None) };
                if !outbox::may_send_again(entry.state) {
                    return Ok(Some((entry, false)));
                }
                sqlx::query(
                    "UPDATE outbox SET state = $1, attempts = 0, next_attempt_at = $2, held_by = NULL, held_until = NULL \
                     WHERE id = $3 AND state = $4",
                )
                .bind(OutboxState::Queued.as_str())
                .bind(now_ms)
                .bind(id)
                .bind(OutboxState::Failed.as_str())
                .execute(&mut *conn)
                .await?;
                audit(conn, by, AuditAction::SendMailAgain, &format!("Outbox entry {id}"), &entry.subject).await?;
                Ok(entry_in(conn, id).await?.map(|entry| (entry, true)))
            })
        })
        .await
    }

    /// The outbox as admins see it, newest first.
    pub async fn outbox_entries(&self, limit: i64) -> StoreResult<Vec<OutboxEntry>> {
        let rows = sqlx::query(&format!("{ENTRY_SELECT} ORDER BY id DESC LIMIT $1")).bind(limit).fetch_all(&self.pool).await?;
        Ok(rows.iter().filter_map(entry_of).collect())
    }

    /// The SMTP settings admins saved, if any.
    pub async fn mail_settings(&self) -> StoreResult<Option<MailSettings>> {
        let mut conn = self.pool.acquire().await?;
        setting_in(&mut conn, MAIL_SETTINGS).await
    }

    /// Saves the mail settings with the audit line `detail` (`outbox::describe_mail_settings`).
    pub async fn save_mail_settings(&self, settings: &MailSettings, by: Actor, detail: String) -> StoreResult<()> {
        let value = serde_json::to_string(settings)?;
        self.write(move |conn, _out| {
            let (value, detail) = (value.clone(), detail.clone());
            Box::pin(async move {
                audit(conn, by, AuditAction::ChangeMailSettings, "Email", &detail).await?;
                put_setting(conn, MAIL_SETTINGS, &value, false).await
            })
        })
        .await
    }
}

async fn requested_in(conn: &mut AnyConnection, key: &str) -> StoreResult<Option<TranscriptRequested>> {
    let row =
        sqlx::query("SELECT recipient, state FROM outbox WHERE request_key = $1").bind(key).fetch_optional(&mut *conn).await?;
    Ok(row.and_then(|r| {
        Some(TranscriptRequested { address: r.get("recipient"), state: OutboxState::parse(&r.get::<String, _>("state"))? })
    }))
}

async fn entry_in(conn: &mut AnyConnection, id: i64) -> StoreResult<Option<OutboxEntry>> {
    let row = sqlx::query(&format!("{ENTRY_SELECT} WHERE id = $1")).bind(id).fetch_optional(&mut *conn).await?;
    Ok(row.as_ref().and_then(entry_of))
}

fn entry_of(r: &sqlx::any::AnyRow) -> Option<OutboxEntry> {
    let state = OutboxState::parse(&r.get::<String, _>("state"))?;
    Some(OutboxEntry {
        id: r.get("id"),
        kind: OutboxKind::parse(&r.get::<String, _>("kind"))?,
        recipient: r.get("recipient"),
        subject: r.get("subject"),
        chat_number: r.get::<Option<i64>, _>("chat_id").map(chat_number),
        state,
        attempts: r.get::<i64, _>("attempts") as u32,
        next_attempt_at_ms: (state == OutboxState::Queued).then(|| r.get("next_attempt_at")),
        last_error: r.get("last_error"),
        created_at_ms: r.get("created_at"),
        sent_at_ms: r.get("sent_at"),
    })
}

#[cfg(test)]
mod tests {
    use crate::domain::lifecycle::ChatState;
    use crate::domain::outbox::{Settled, TranscriptRefusal, HOLD_MS, TRANSCRIPTS_PER_CHAT};
    use crate::model::*;
    use crate::ssr::store::test_support::{form, group_with_agent, TempDb};
    use crate::ssr::store::Actor;

    fn english() -> crate::i18n::Texts {
        crate::i18n::catalog::catalog().english()
    }

    /// Two nodes (two stores on one database): an entry is held by one at a time; once its hold
    /// runs out (its node died while sending) the other takes it; the first can then no longer
    /// settle it.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn one_node_holds_an_entry_at_a_time_and_another_takes_it_once_the_hold_runs_out() {
        let db = TempDb::new();
        let (a, b) = (db.open().await, db.open().await);
        let (group, agent) = group_with_agent(&a).await;
        let chat = a.create_chat(&form(group, 0), "t-1", 0, None).await.unwrap();
        let refused = a.queue_transcript(chat.id, "k1".into(), true, english(), 10).await.unwrap();
        assert_eq!(refused, Err(TranscriptRefusal::NotTaken));
        a.accept(&chat, &agent, None, None, 20).await.unwrap();
        let asked = a.queue_transcript(chat.id, "k1".into(), true, english(), 30).await.unwrap().unwrap();
        assert_eq!((asked.address.as_str(), asked.state), (chat.end_user.email.as_str(), OutboxState::Queued));
        assert_eq!(b.queue_transcript(chat.id, "k1".into(), true, english(), 31).await.unwrap(), Ok(asked), "the same request");
        assert_eq!(a.outbox_entries(10).await.unwrap().len(), 1);

        let ids = a.due_mail(30, 10).await.unwrap();
        assert_eq!(ids.len(), 1);
        let (held_a, held_b) = tokio::join!(a.hold_mail(ids[0], 30), b.hold_mail(ids[0], 30));
        let (held_a, held_b) = (held_a.unwrap(), held_b.unwrap());
        assert!(held_a.is_some() != held_b.is_some(), "exactly one node holds it");
        let (holder, other) = if held_a.is_some() { (&a, &b) } else { (&b, &a) };
        let held = held_a.or(held_b).unwrap();
        assert_eq!(held.attempt_no, 1);
        assert!(held.payload.contains("Transcript") || held.subject.contains("Transcript"));
        assert!(a.due_mail(30 + HOLD_MS - 1, 10).await.unwrap().is_empty(), "held");
        assert_eq!(a.next_mail_due().await.unwrap(), Some(30 + HOLD_MS));

        // The holder "dies"; after the hold the other node takes the entry, as its second try.
        let retaken = other.hold_mail(ids[0], 30 + HOLD_MS).await.unwrap().expect("taken over");
        assert_eq!(retaken.attempt_no, 2);
        assert!(!holder.settle_mail(ids[0], Settled::Sent { at_ms: 40 }).await.unwrap(), "no longer its own");
        assert!(other.settle_mail(ids[0], Settled::Sent { at_ms: 30 + HOLD_MS + 5 }).await.unwrap());
        let entry = &a.outbox_entries(10).await.unwrap()[0];
        assert_eq!((entry.state, entry.attempts, entry.sent_at_ms), (OutboxState::Sent, 2, Some(30 + HOLD_MS + 5)));
        assert!(a.due_mail(i64::MAX / 2, 10).await.unwrap().is_empty(), "sent once, never again");
    }

    #[tokio::test]
    async fn a_failed_try_waits_for_its_retry_and_a_chat_is_emailed_a_few_times_at_most() {
        let db = TempDb::new();
        let store = db.open().await;
        let (group, agent) = group_with_agent(&store).await;
        let chat = store.create_chat(&form(group, 0), "t-1", 0, None).await.unwrap();
        store.accept(&chat, &agent, None, None, 1).await.unwrap();
        assert_eq!(
            store.queue_transcript(chat.id, "a".into(), false, english(), 2).await.unwrap(),
            Err(TranscriptRefusal::MailOff)
        );
        for n in 0..TRANSCRIPTS_PER_CHAT {
            store.queue_transcript(chat.id, format!("k{n}"), true, english(), 2).await.unwrap().unwrap();
        }
        let more = store.queue_transcript(chat.id, "more".into(), true, english(), 2).await.unwrap();
        assert_eq!(more, Err(TranscriptRefusal::TooMany));

        let first = store.due_mail(2, 10).await.unwrap()[0];
        store.hold_mail(first, 2).await.unwrap().unwrap();
        let retry = Settled::RetryAt { at_ms: 30_002, reason: "connection refused".into() };
        assert!(store.settle_mail(first, retry).await.unwrap());
        assert!(!store.due_mail(30_001, 10).await.unwrap().contains(&first), "waits for its retry");
        assert!(store.due_mail(30_002, 10).await.unwrap().contains(&first));
        let entry = store.outbox_entries(10).await.unwrap().into_iter().find(|e| e.id == first).unwrap();
        assert_eq!((entry.state, entry.next_attempt_at_ms), (OutboxState::Queued, Some(30_002)));
        assert_eq!(entry.last_error.as_deref(), Some("connection refused"));
        assert_eq!(store.chat(chat.id).await.unwrap().state, ChatState::Active);

        store.hold_mail(first, 30_002).await.unwrap().unwrap();
        store.settle_mail(first, Settled::Failed { reason: "550 no such mailbox".into() }).await.unwrap();
        let entry = store.outbox_entries(10).await.unwrap().into_iter().find(|e| e.id == first).unwrap();
        assert_eq!((entry.state, entry.attempts, entry.next_attempt_at_ms), (OutboxState::Failed, 2, None));
        assert!(!store.due_mail(i64::MAX / 2, 10).await.unwrap().contains(&first));

        // An admin sends it again: a new round of tries, due at once; only a failed one.
        let (again, queued) = store.send_again(first, Actor { agent: None, now_ms: 40_000 }).await.unwrap().unwrap();
        assert!(queued);
        assert_eq!((again.state, again.attempts, again.next_attempt_at_ms), (OutboxState::Queued, 0, Some(40_000)));
        assert!(store.due_mail(40_000, 10).await.unwrap().contains(&first));
        let (_, queued_twice) = store.send_again(first, Actor { agent: None, now_ms: 40_001 }).await.unwrap().unwrap();
        assert!(!queued_twice, "still queued: nothing to send again");
        assert_eq!(store.send_again(9_999, Actor { agent: None, now_ms: 40_001 }).await.unwrap(), None);
    }
}
