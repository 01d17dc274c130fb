//! What the reports read (issue 18): one fact per chat request (`chat_facts`), changed in the
//! transaction of the events that change it (`apply_facts`, called by `events::append_all`
//! for every batch), so a report counts exactly what is committed. The changes are the domain's
//! (`reports::FactChange`); each kind is one set-based statement for the whole batch, run only
//! when the batch has such changes (a batch of end users' messages has none).

use std::collections::HashMap;

use sqlx::AnyConnection;

use super::events::PendingEvent;
use super::{id_list, Backend, Store, StoreError, StoreResult};
use crate::domain::records::OFFLINE_REQUEST;
use crate::domain::reports::{ChatFact, FactChange, DAY_MS};
use crate::model::*;

/// One change as it travels in a statement's JSON array: the chat, an agent or group, a time
/// (or a count).
#[derive(serde::Serialize)]
struct FactRow {
    c: ChatId,
    a: i64,
    t: i64,
}

/// The kinds of change, in the order a batch applies them: requests first (a batch may hold a
/// chat's request and its first changes).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
enum Kind {
    Requested,
    Accepted,
    Responded,
    Ended,
    Missed,
    Transferred,
}

impl Kind {
    const ALL: [Kind; 6] = [Kind::Requested, Kind::Accepted, Kind::Responded, Kind::Ended, Kind::Missed, Kind::Transferred];

    /// The kind of a change and the row it travels as.
    fn of(change: FactChange) -> (Kind, FactRow) {
        match change {
            FactChange::Requested { chat, group, at_ms } => (Kind::Requested, FactRow { c: chat, a: group, t: at_ms }),
            FactChange::Accepted { chat, agent, at_ms } => (Kind::Accepted, FactRow { c: chat, a: agent, t: at_ms }),
            FactChange::Responded { chat, at_ms } => (Kind::Responded, FactRow { c: chat, a: 0, t: at_ms }),
            FactChange::Ended { chat, at_ms } => (Kind::Ended, FactRow { c: chat, a: 0, t: at_ms }),
            FactChange::Missed { chat, at_ms } => (Kind::Missed, FactRow { c: chat, a: 0, t: at_ms }),
            FactChange::Transferred { chat } => (Kind::Transferred, FactRow { c: chat, a: 0, t: 1 }),
        }
    }

    /// The one statement that applies a batch's changes of this kind (`ChatFact::apply`'s rule:
    /// a fact is made once; the first acceptance, answer and end count; transfers add up).
    fn sql(self, backend: Backend) -> String {
        match self {
            Kind::Requested => insert_requests(backend),
            Kind::Accepted => update(backend, "accepted_at = f.t, agent_id = f.a", "chat_facts.accepted_at IS NULL"),
            Kind::Responded => update(backend, "first_response_at = f.t", "chat_facts.first_response_at IS NULL"),
            Kind::Ended => update(backend, "ended_at = f.t", "chat_facts.ended_at IS NULL"),
            Kind::Missed => update(backend, "missed = 1, ended_at = COALESCE(chat_facts.ended_at, f.t)", "true"),
            Kind::Transferred => update(backend, "transfers = chat_facts.transfers + f.t", "true"),
        }
    }
}

/// The facts' changes of a batch's events, one statement per kind present. Within a batch the
/// first change of each kind to a chat counts (transfers: how many).
pub(super) async fn apply_facts(conn: &mut AnyConnection, backend: Backend, events: &[PendingEvent]) -> StoreResult<()> {
    let mut rows: [Vec<FactRow>; 6] = Default::default();
    let mut seen: HashMap<(Kind, ChatId), usize> = HashMap::new();
    for pending in events {
        let Some(change) = FactChange::of(&pending.event, pending.at_ms) else { continue };
        let (kind, row) = Kind::of(change);
        let of_kind = &mut rows[kind as usize];
        match seen.get(&(kind, row.c)) {
            Some(&i) if kind == Kind::Transferred => of_kind[i].t += 1,
            Some(_) => {}
            None => {
                seen.insert((kind, row.c), of_kind.len());
                of_kind.push(row);
            }
        }
    }
    for kind in Kind::ALL {
        let of_kind = &rows[kind as usize];
        if !of_kind.is_empty() {
            sqlx::query(&kind.sql(backend)).bind(serde_json::to_string(of_kind)?).execute(&mut *conn).await?;
        }
    }
    Ok(())
}

fn insert_requests(backend: Backend) -> String {
    match backend {
        Backend::Sqlite => "INSERT INTO chat_facts (chat_id, group_id, requested_at) \
             SELECT json_extract(value, '$.c'), json_extract(value, '$.a'), json_extract(value, '$.t') FROM json_each($1) \
             WHERE true ON CONFLICT (chat_id) DO NOTHING"
            .into(),
        Backend::Postgres => "INSERT INTO chat_facts (chat_id, group_id, requested_at) \
             SELECT c, a, t FROM json_to_recordset($1::json) AS f(c BIGINT, a BIGINT, t BIGINT) \
             ON CONFLICT (chat_id) DO NOTHING"
            .into(),
    }
}

fn update(backend: Backend, set: &str, only: &str) -> String {
    let rows = match backend {
        Backend::Sqlite => "(SELECT json_extract(value, '$.c') AS c, json_extract(value, '$.a') AS a, \
             json_extract(value, '$.t') AS t FROM json_each($1)) AS f"
            .to_string(),
        Backend::Postgres => "json_to_recordset($1::json) AS f(c BIGINT, a BIGINT, t BIGINT)".to_string(),
    };
    format!("UPDATE chat_facts SET {set} FROM {rows} WHERE chat_facts.chat_id = f.c AND {only}")
}

/// The end user's rating of `chat`, in the transaction that stores it.
pub(super) async fn rated(conn: &mut AnyConnection, chat: ChatId, score: u8) -> StoreResult<()> {
    sqlx::query("UPDATE chat_facts SET rating = $1 WHERE chat_id = $2")
        .bind(i64::from(score))
        .bind(chat)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

impl Store {
    /// The facts of the chats requested in the days `[from_ms, until_ms)` (whole UTC days) in
    /// `groups`, accepted by one of `agents` (none: by anyone, or by nobody).
    pub async fn chat_facts(
        &self,
        from_ms: i64,
        until_ms: i64,
        groups: &[GroupId],
        agents: &[AgentId],
    ) -> StoreResult<Vec<ChatFact>> {
        if groups.is_empty() {
            return Ok(Vec::new());
        }
        let by_agent = match agents.is_empty() {
            true => String::new(),
            false => format!(" AND agent_id IN ({})", id_list(agents)),
        };
        // One text per day, its facts' `packed` texts (a column the database keeps: migration
        // 0017) joined by `;`, read from the index alone in day order: a 90-day report of a busy
        // desk comes back as ~90 rows to split instead of a quarter of a million rows to decode
        // one by one (README, *Reports*).
        let join = match self.backend {
            Backend::Sqlite => "group_concat(packed, ';')",
            Backend::Postgres => "string_agg(packed, ';')",
        };
        let days: Vec<String> = sqlx::query_scalar(&format!(
            "SELECT {join} FROM chat_facts WHERE day >= $1 AND day < $2 AND group_id IN ({}){by_agent} GROUP BY day",
            id_list(groups)
        ))
        .bind(from_ms.div_euclid(DAY_MS))
        .bind(until_ms.div_euclid(DAY_MS))
        .fetch_all(&self.pool)
        .await?;
        let mut facts = Vec::new();
        for day in &days {
            for packed in day.split(';') {
                facts.push(unpack(packed).ok_or_else(|| StoreError::Unavailable(format!("an unreadable chat fact: {packed}")))?);
            }
        }
        Ok(facts)
    }

    /// When each offline request ('Leave a message') of `groups` in `[from_ms, until_ms)` was made.
    pub async fn offline_request_times(&self, from_ms: i64, until_ms: i64, groups: &[GroupId]) -> StoreResult<Vec<i64>> {
        if groups.is_empty() {
            return Ok(Vec::new());
        }
        Ok(sqlx::query_scalar(&format!(
            "SELECT created_at FROM tickets WHERE category = $1 AND created_at >= $2 AND created_at < $3 AND group_id IN ({})",
            id_list(groups)
        ))
        .bind(OFFLINE_REQUEST)
        .bind(from_ms)
        .bind(until_ms)
        .fetch_all(&self.pool)
        .await?)
    }
}

/// One fact as `chat_facts` packs it (`Store::chat_facts`).
fn unpack(packed: &str) -> Option<ChatFact> {
    let mut fields = packed.split(':');
    let mut next = || fields.next();
    let number = |text: Option<&str>| text?.parse::<i64>().ok();
    let maybe = |text: Option<&str>| -> Option<Option<i64>> {
        match text? {
            "" => Some(None),
            t => t.parse().ok().map(Some),
        }
    };
    let fact = ChatFact {
        chat_id: number(next())?,
        group_id: number(next())?,
        requested_at_ms: number(next())?,
        agent_id: maybe(next())?,
        accepted_at_ms: maybe(next())?,
        first_response_at_ms: maybe(next())?,
        ended_at_ms: maybe(next())?,
        missed: number(next())? != 0,
        transfers: number(next())?.clamp(0, u32::MAX as i64) as u32,
        rating: maybe(next())?.map(|s| s.clamp(0, 5) as u8),
    };
    Some(fact)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_packed_fact_reads_back_with_its_nulls() {
        let full = ChatFact {
            chat_id: 7,
            group_id: 2,
            requested_at_ms: 1_000,
            agent_id: Some(3),
            accepted_at_ms: Some(2_000),
            first_response_at_ms: Some(2_500),
            ended_at_ms: Some(9_000),
            missed: false,
            transfers: 1,
            rating: Some(4),
        };
        assert_eq!(unpack("7:2:1000:3:2000:2500:9000:0:1:4"), Some(full));
        let missed = ChatFact {
            chat_id: 8,
            group_id: 2,
            requested_at_ms: 1_000,
            ended_at_ms: Some(61_000),
            missed: true,
            ..ChatFact::default()
        };
        assert_eq!(unpack("8:2:1000::::61000:1:0:"), Some(missed));
        assert_eq!(unpack("8:2:x::::61000:1:0:"), None);
        assert_eq!(unpack("8:2"), None);
    }
}
