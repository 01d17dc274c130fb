//! Reports (issue 18): every figure's definition, once. Pure: the store keeps one fact per chat
//! request (`chat_facts`), changed by `FactChange`s taken from the events in the same
//! transaction that writes them (store/reports.rs), so a report is exact however much is being
//! written meanwhile; the desk reads the facts of a range and asks here.
//!
//! The definitions (README, *Reports*), all by the **day the chat was requested** (UTC) and the
//! **group it was requested in**:
//! - *requested*: chat requests made; *accepted*: those an agent took (accepted, or assigned by
//!   an admin); *missed*: those nobody took in time; *transferred*: those handed on at least
//!   once; *offline requests*: messages left (the 'Offline request' incidents made that day).
//! - *wait until accepted*: from the request to its acceptance, of the accepted ones;
//!   *first response*: from the acceptance to the first message an agent wrote (the desk's own
//!   lines and whispers are not answers); *duration*: from the acceptance to the end. Each as
//!   the 50th and 90th percentile (nearest rank).
//! - *satisfaction*: the mean of the ratings given ("How was this chat?"), and how many.
//! - per agent: the chats that agent accepted (their *chats handled*), with the same figures.

use crate::model::*;

pub const DAY_MS: i64 = 86_400_000;
const HOUR_MS: i64 = 3_600_000;
/// The longest range one report covers.
pub const MAX_DAYS: i64 = 366;

/// What one chat request brings to the reports.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ChatFact {
    pub chat_id: ChatId,
    /// The group it was requested in.
    pub group_id: GroupId,
    pub requested_at_ms: i64,
    /// Who accepted it (the first to).
    pub agent_id: Option<AgentId>,
    pub accepted_at_ms: Option<i64>,
    pub first_response_at_ms: Option<i64>,
    pub ended_at_ms: Option<i64>,
    pub missed: bool,
    pub transfers: u32,
    pub rating: Option<u8>,
}

/// How an event changes its chat's fact.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FactChange {
    /// A new request (a chat handed back to a queue is no new request: its fact stays).
    Requested {
        chat: ChatId,
        group: GroupId,
        at_ms: i64,
    },
    Accepted {
        chat: ChatId,
        agent: AgentId,
        at_ms: i64,
    },
    /// An agent wrote to the end user.
    Responded {
        chat: ChatId,
        at_ms: i64,
    },
    Ended {
        chat: ChatId,
        at_ms: i64,
    },
    Missed {
        chat: ChatId,
        at_ms: i64,
    },
    Transferred {
        chat: ChatId,
    },
}

impl FactChange {
    /// The change `event` (committed at `at_ms`) makes, if any.
    pub fn of(event: &ChatEvent, at_ms: i64) -> Option<FactChange> {
        Some(match event {
            ChatEvent::Queued { request } => {
                FactChange::Requested { chat: request.id, group: request.group.id, at_ms: request.created_at_ms }
            }
            ChatEvent::Accepted { chat_id, agent, .. } => FactChange::Accepted { chat: *chat_id, agent: agent.id, at_ms },
            ChatEvent::MessagePosted { message } => match (&message.author, message.whisper) {
                (Author::Agent(_), false) => FactChange::Responded { chat: message.chat_id, at_ms: message.at_ms },
                _ => return None,
            },
            ChatEvent::Ended { chat_id, .. } => FactChange::Ended { chat: *chat_id, at_ms },
            ChatEvent::Missed { chat_id, .. } => FactChange::Missed { chat: *chat_id, at_ms },
            ChatEvent::Transferred { chat_id, .. } => FactChange::Transferred { chat: *chat_id },
            ChatEvent::TicketSaved { .. }
            | ChatEvent::NoteAdded { .. }
            | ChatEvent::Invited { .. }
            | ChatEvent::Joined { .. }
            | ChatEvent::Left { .. }
            | ChatEvent::Offered { .. }
            | ChatEvent::OfferEnded { .. } => return None,
        })
    }

    pub fn chat(&self) -> ChatId {
        match self {
            FactChange::Requested { chat, .. }
            | FactChange::Accepted { chat, .. }
            | FactChange::Responded { chat, .. }
            | FactChange::Ended { chat, .. }
            | FactChange::Missed { chat, .. }
            | FactChange::Transferred { chat } => *chat,
        }
    }
}

impl ChatFact {
    /// Applies a change: the first acceptance, the first response and the first end count; a
    /// fact is made once, by its request. (The store's SQL does the same: `IS NULL` guards and
    /// `ON CONFLICT DO NOTHING`; `server/tests/reports.rs` checks the two agree.)
    pub fn apply(fact: Option<ChatFact>, change: &FactChange) -> Option<ChatFact> {
        let mut fact = match (fact, change) {
            (Some(fact), _) => fact,
            (None, FactChange::Requested { chat, group, at_ms }) => {
                return Some(ChatFact { chat_id: *chat, group_id: *group, requested_at_ms: *at_ms, ..ChatFact::default() })
            }
            (None, _) => return None,
        };
        match *change {
            FactChange::Requested { .. } => {}
            FactChange::Accepted { agent, at_ms, .. } => {
                if fact.accepted_at_ms.is_none() {
                    fact.accepted_at_ms = Some(at_ms);
                    fact.agent_id = Some(agent);
                }
            }
            FactChange::Responded { at_ms, .. } => {
                fact.first_response_at_ms.get_or_insert(at_ms);
            }
            FactChange::Ended { at_ms, .. } => {
                fact.ended_at_ms.get_or_insert(at_ms);
            }
            FactChange::Missed { at_ms, .. } => {
                fact.missed = true;
                fact.ended_at_ms.get_or_insert(at_ms);
            }
            FactChange::Transferred { .. } => fact.transfers += 1,
        }
        Some(fact)
    }

    pub fn wait_ms(&self) -> Option<i64> {
        Some(self.accepted_at_ms? - self.requested_at_ms)
    }

    pub fn first_response_ms(&self) -> Option<i64> {
        Some(self.first_response_at_ms? - self.accepted_at_ms?)
    }

    pub fn duration_ms(&self) -> Option<i64> {
        Some(self.ended_at_ms? - self.accepted_at_ms?)
    }
}

/// The UTC day of `at_ms`, as days since 1970-01-01.
pub fn day_of(at_ms: i64) -> i64 {
    at_ms.div_euclid(DAY_MS)
}

/// 0 = Monday 00:00–01:00 UTC … 167 = Sunday 23:00–24:00 (1970-01-01 was a Thursday).
pub fn hour_of_week(at_ms: i64) -> u32 {
    let weekday = (day_of(at_ms) + 3).rem_euclid(7);
    (weekday * 24 + at_ms.rem_euclid(DAY_MS) / HOUR_MS) as u32
}

/// "Mon 09:00" for an hour of the week.
pub fn hour_label(hour_of_week: u32) -> String {
    const DAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
    format!("{} {:02}:00", DAYS[(hour_of_week / 24) as usize % 7], hour_of_week % 24)
}

/// `YYYY-MM-DD` of a day number.
pub fn day_text(day: i64) -> String {
    match time::Date::from_julian_day((day + 2_440_588) as i32) {
        Ok(date) => format!("{:04}-{:02}-{:02}", date.year(), u8::from(date.month()), date.day()),
        Err(_) => day.to_string(),
    }
}

/// The day number of `YYYY-MM-DD`.
pub fn parse_day(text: &str) -> Option<i64> {
    let mut parts = text.trim().splitn(3, '-');
    let year: i32 = parts.next()?.parse().ok()?;
    let month: u8 = parts.next()?.parse().ok()?;
    let day: u8 = parts.next()?.parse().ok()?;
    let date = time::Date::from_calendar_date(year, time::Month::try_from(month).ok()?, day).ok()?;
    Some(date.to_julian_day() as i64 - 2_440_588)
}

/// How many days a report covers when the query names none: the last 30, today included.
pub const DEFAULT_DAYS: i64 = 30;

/// Checks a query's days: both real dates, in order, at most `MAX_DAYS` (neither given: the
/// `DEFAULT_DAYS` up to today, `now_ms`). Returns the first day and the day after the last, as
/// day numbers.
pub fn check_range(query: &ReportQuery, now_ms: i64) -> Result<(i64, i64), String> {
    if query.from.trim().is_empty() && query.to.trim().is_empty() {
        let today = day_of(now_ms);
        return Ok((today + 1 - DEFAULT_DAYS, today + 1));
    }
    let from = parse_day(&query.from).ok_or("The first day is not a date (YYYY-MM-DD).")?;
    let to = parse_day(&query.to).ok_or("The last day is not a date (YYYY-MM-DD).")?;
    if to < from {
        return Err("The last day comes before the first.".into());
    }
    if to - from + 1 > MAX_DAYS {
        return Err(format!("A report covers at most {MAX_DAYS} days."));
    }
    Ok((from, to + 1))
}

/// The `p`th percentile of `values` by nearest rank (reorders them: a selection, not a sort).
pub fn percentile(values: &mut [i64], p: u32) -> Option<i64> {
    if values.is_empty() {
        return None;
    }
    let rank = (u64::from(p) * values.len() as u64).div_ceil(100).max(1) as usize;
    let (_, nth, _) = values.select_nth_unstable(rank.min(values.len()) - 1);
    Some(*nth)
}

/// The figures of a set of facts (and of the offline requests of the same set, if it has any).
pub fn figures<'a>(facts: impl IntoIterator<Item = &'a ChatFact>, offline_requests: Option<u32>) -> Figures {
    let (mut waits, mut responses, mut durations) = (Vec::new(), Vec::new(), Vec::new());
    let mut f = Figures { offline_requests, ..Figures::default() };
    let mut rating_sum = 0u32;
    for fact in facts {
        f.requested += 1;
        f.accepted += u32::from(fact.accepted_at_ms.is_some());
        f.missed += u32::from(fact.missed);
        f.transferred += u32::from(fact.transfers > 0);
        waits.extend(fact.wait_ms());
        responses.extend(fact.first_response_ms());
        durations.extend(fact.duration_ms());
        if let Some(score) = fact.rating {
            f.ratings += 1;
            rating_sum += u32::from(score);
        }
    }
    f.wait_p50_ms = percentile(&mut waits, 50);
    f.wait_p90_ms = percentile(&mut waits, 90);
    f.first_response_p50_ms = percentile(&mut responses, 50);
    f.first_response_p90_ms = percentile(&mut responses, 90);
    f.duration_p50_ms = percentile(&mut durations, 50);
    f.duration_p90_ms = percentile(&mut durations, 90);
    f.satisfaction_hundredths = (f.ratings > 0).then(|| (rating_sum * 100 + f.ratings / 2) / f.ratings);
    f
}

/// A report's rows, from the facts of the range (already narrowed to its groups and agents) and
/// the offline requests made in it (when each was made): per day of `from_day..until_day`, per
/// hour of the week, per accepting agent (named by `agents`; an agent no longer listed reads
/// as "Agent <id>"), and the totals.
pub fn rows(
    facts: &[ChatFact],
    offline_requests: &[i64],
    from_day: i64,
    until_day: i64,
    agents: &[AgentCard],
) -> (Figures, Vec<DayRow>, Vec<HourRow>, Vec<AgentRow>) {
    let totals = figures(facts, Some(offline_requests.len() as u32));
    let days_count = (until_day - from_day).max(0) as usize;
    let mut by_day: Vec<Vec<&ChatFact>> = vec![Vec::new(); days_count];
    let mut by_hour: Vec<Vec<&ChatFact>> = vec![Vec::new(); 168];
    for fact in facts {
        let day = day_of(fact.requested_at_ms) - from_day;
        if let Some(list) = usize::try_from(day).ok().and_then(|d| by_day.get_mut(d)) {
            list.push(fact);
        }
        by_hour[hour_of_week(fact.requested_at_ms) as usize].push(fact);
    }
    let mut offline_by_day = vec![0u32; days_count];
    let mut offline_by_hour = vec![0u32; 168];
    for &at in offline_requests {
        if let Some(n) = usize::try_from(day_of(at) - from_day).ok().and_then(|d| offline_by_day.get_mut(d)) {
            *n += 1;
        }
        offline_by_hour[hour_of_week(at) as usize] += 1;
    }
    let days = by_day
        .iter()
        .enumerate()
        .map(|(i, list)| DayRow {
            day: day_text(from_day + i as i64),
            figures: figures(list.iter().copied(), Some(offline_by_day[i])),
        })
        .collect();
    let hours = by_hour
        .iter()
        .enumerate()
        .map(|(h, list)| HourRow { hour_of_week: h as u32, figures: figures(list.iter().copied(), Some(offline_by_hour[h])) })
        .collect();
    let mut handled: std::collections::BTreeMap<AgentId, Vec<&ChatFact>> = Default::default();
    for fact in facts {
        if let Some(agent) = fact.agent_id {
            handled.entry(agent).or_default().push(fact);
        }
    }
    let mut agent_rows: Vec<AgentRow> = handled
        .into_iter()
        .map(|(id, list)| AgentRow {
            agent: agents.iter().find(|a| a.id == id).cloned().unwrap_or(AgentCard {
                id,
                name: format!("Agent {id}"),
                photo_url: None,
            }),
            figures: figures(list, None),
        })
        .collect();
    agent_rows.sort_by(|a, b| a.agent.name.cmp(&b.agent.name).then(a.agent.id.cmp(&b.agent.id)));
    (totals, days, hours, agent_rows)
}

/// Minutes and seconds as a report shows them: "1:05", "0:42"; "" for nothing measured.
pub fn minutes(ms: Option<i64>) -> String {
    match ms {
        None => String::new(),
        Some(ms) => {
            let s = ms.max(0) / 1000;
            format!("{}:{:02}", s / 60, s % 60)
        }
    }
}

/// "4.25" from hundredths; "" for no ratings.
pub fn rating_text(hundredths: Option<u32>) -> String {
    hundredths.map_or_else(String::new, |h| format!("{}.{:02}", h / 100, h % 100))
}

/// The CSV of one of a report's tables (RFC 4180: comma-separated, fields with a comma, quote
/// or line break quoted; times in seconds, blank where nothing was measured).
pub fn csv(report: &ReportView, table: ReportTable) -> String {
    const FIGURES: &str = "requested,accepted,missed,transferred,offline_requests,wait_p50_s,wait_p90_s,\
        first_response_p50_s,first_response_p90_s,duration_p50_s,duration_p90_s,satisfaction,ratings";
    let mut out = String::new();
    match table {
        ReportTable::Days => {
            out.push_str(&format!("day,{FIGURES}\r\n"));
            for row in &report.days {
                out.push_str(&csv_line(&row.day, &row.figures));
            }
        }
        ReportTable::Hours => {
            out.push_str(&format!("hour_of_week_utc,{FIGURES}\r\n"));
            for row in &report.hours {
                out.push_str(&csv_line(&hour_label(row.hour_of_week), &row.figures));
            }
        }
        ReportTable::Agents => {
            out.push_str(&format!("agent,{}\r\n", FIGURES.replace("accepted", "handled")));
            for row in &report.agents {
                out.push_str(&csv_line(&row.agent.name, &row.figures));
            }
        }
    }
    out
}

/// One row of a CSV table: its first field, then the figures.
fn csv_line(first: &str, f: &Figures) -> String {
    let secs = |ms: Option<i64>| ms.map_or_else(String::new, |ms| (ms / 1000).to_string());
    let fields = [
        quoted(first),
        f.requested.to_string(),
        f.accepted.to_string(),
        f.missed.to_string(),
        f.transferred.to_string(),
        f.offline_requests.map_or_else(String::new, |n| n.to_string()),
        secs(f.wait_p50_ms),
        secs(f.wait_p90_ms),
        secs(f.first_response_p50_ms),
        secs(f.first_response_p90_ms),
        secs(f.duration_p50_ms),
        secs(f.duration_p90_ms),
        rating_text(f.satisfaction_hundredths),
        f.ratings.to_string(),
    ];
    fields.join(",") + "\r\n"
}

/// A CSV field: quoted when it holds a comma, a quote or a line break; a leading `=`, `+`, `-`
/// or `@` is prefixed with `'` so a spreadsheet never runs a name as a formula.
fn quoted(field: &str) -> String {
    let safe = match field.chars().next() {
        Some('=' | '+' | '-' | '@') => format!("'{field}"),
        _ => field.to_string(),
    };
    if safe.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", safe.replace('"', "\"\""))
    } else {
        safe
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::lifecycle::Party;
    use crate::fixtures;

    const T0: i64 = 1_795_000_000_000; // 2026-11-18 11:06:40 UTC, a Wednesday

    fn queued(chat: ChatId, group: GroupId, at: i64) -> ChatEvent {
        ChatEvent::Queued { request: ChatRequest { created_at_ms: at, ..fixtures::request(chat, group) } }
    }

    fn accepted(chat: ChatId, agent: AgentId) -> ChatEvent {
        ChatEvent::Accepted { chat_id: chat, agent: fixtures::agent(agent), version: 0 }
    }

    fn posted(chat: ChatId, author: Author, whisper: bool, at: i64) -> ChatEvent {
        ChatEvent::MessagePosted { message: ChatMessage { at_ms: at, whisper, ..fixtures::message(at, chat, author, "c") } }
    }

    /// Plays (event, committed at) through the fact rules, as the store does in its transaction.
    fn play(events: &[(ChatEvent, i64)]) -> Vec<ChatFact> {
        let mut facts: std::collections::BTreeMap<ChatId, ChatFact> = Default::default();
        for (event, at) in events {
            if let Some(change) = FactChange::of(event, *at) {
                let chat = change.chat();
                if let Some(fact) = ChatFact::apply(facts.remove(&chat), &change) {
                    facts.insert(chat, fact);
                }
            }
        }
        facts.into_values().collect()
    }

    #[test]
    fn a_chat_is_requested_accepted_answered_and_ended_once_each() {
        let agent = Author::Agent(fixtures::agent(3));
        let facts = play(&[
            (queued(1, 10, T0), T0),
            (posted(1, Author::EndUser, false, T0 + 1_000), T0 + 1_000),
            (accepted(1, 3), T0 + 30_000),
            (posted(1, Author::Desk, false, T0 + 31_000), T0 + 31_000),
            (posted(1, Author::Agent(fixtures::agent(9)), true, T0 + 32_000), T0 + 32_000),
            (posted(1, agent.clone(), false, T0 + 45_000), T0 + 45_000),
            (posted(1, agent, false, T0 + 50_000), T0 + 50_000),
            (
                ChatEvent::Transferred { chat_id: 1, from: fixtures::agent(3), to: None, group: fixtures::group(20), version: 0 },
                T0 + 60_000,
            ),
            // Back in a queue: no new request, and the group it was requested in stays.
            (queued(1, 20, T0), T0 + 60_000),
            (accepted(1, 4), T0 + 90_000),
            (ChatEvent::Ended { chat_id: 1, by: Party::Agent, version: 0 }, T0 + 300_000),
        ]);
        assert_eq!(
            facts,
            vec![ChatFact {
                chat_id: 1,
                group_id: 10,
                requested_at_ms: T0,
                agent_id: Some(3),
                accepted_at_ms: Some(T0 + 30_000),
                first_response_at_ms: Some(T0 + 45_000),
                ended_at_ms: Some(T0 + 300_000),
                missed: false,
                transfers: 1,
                rating: None,
            }]
        );
        let fact = &facts[0];
        assert_eq!((fact.wait_ms(), fact.first_response_ms(), fact.duration_ms()), (Some(30_000), Some(15_000), Some(270_000)));
    }

    #[test]
    fn a_missed_chat_was_not_accepted_and_an_event_before_its_request_changes_nothing() {
        let facts = play(&[
            (accepted(5, 1), T0),
            (queued(2, 10, T0), T0),
            (ChatEvent::Missed { chat_id: 2, incident: None, version: 0 }, T0 + 120_000),
        ]);
        assert_eq!(facts.len(), 1, "no fact without its request");
        let f = figures(&facts, Some(0));
        assert_eq!((f.requested, f.accepted, f.missed, f.wait_p50_ms, f.duration_p50_ms), (1, 0, 1, None, None));
    }

    #[test]
    fn percentiles_are_by_nearest_rank() {
        let mut values: Vec<i64> = (1..=10).rev().collect();
        assert_eq!(percentile(&mut values, 50), Some(5));
        assert_eq!(percentile(&mut values, 90), Some(9));
        assert_eq!(percentile(&mut [7], 90), Some(7));
        assert_eq!(percentile(&mut [], 50), None);
        assert_eq!(percentile(&mut [1, 2, 3], 50), Some(2));
    }

    #[test]
    fn figures_count_and_measure_each_definition() {
        let fact = |wait: Option<i64>, missed: bool, transfers: u32, rating: Option<u8>| ChatFact {
            requested_at_ms: T0,
            accepted_at_ms: wait.map(|w| T0 + w),
            agent_id: wait.map(|_| 1),
            first_response_at_ms: wait.map(|w| T0 + w + 10_000),
            ended_at_ms: wait.map(|w| T0 + w + 60_000),
            missed,
            transfers,
            rating,
            ..ChatFact::default()
        };
        let facts = [
            fact(Some(10_000), false, 0, Some(5)),
            fact(Some(20_000), false, 2, Some(4)),
            fact(Some(90_000), false, 0, None),
            fact(None, true, 0, None),
        ];
        let f = figures(&facts, Some(3));
        assert_eq!((f.requested, f.accepted, f.missed, f.transferred, f.offline_requests), (4, 3, 1, 1, Some(3)));
        assert_eq!((f.wait_p50_ms, f.wait_p90_ms), (Some(20_000), Some(90_000)));
        assert_eq!((f.first_response_p50_ms, f.duration_p90_ms), (Some(10_000), Some(60_000)));
        assert_eq!((f.satisfaction_hundredths, f.ratings), (Some(450), 2));
        assert_eq!(rating_text(f.satisfaction_hundredths), "4.50");
        assert_eq!(minutes(f.wait_p90_ms), "1:30");
    }

    #[test]
    fn days_and_hours_of_the_week_are_utc() {
        assert_eq!(day_text(day_of(T0)), "2026-11-18");
        assert_eq!(parse_day("2026-11-18"), Some(day_of(T0)));
        assert_eq!(hour_label(hour_of_week(T0)), "Wed 11:00");
        assert_eq!(hour_of_week(0), 3 * 24, "1970-01-01 00:00 was a Thursday");
        assert_eq!(parse_day("2026-02-30"), None);
        let range =
            |from: &str, to: &str| check_range(&ReportQuery { from: from.into(), to: to.into(), ..ReportQuery::default() }, T0);
        assert_eq!(range("", ""), Ok((day_of(T0) - 29, day_of(T0) + 1)), "the last 30 days, today included");
        assert_eq!(range("2026-11-01", "2026-11-30"), Ok((day_of(T0) - 17, day_of(T0) + 13)));
        assert_eq!(range("2026-11-30", "2026-11-01"), Err("The last day comes before the first.".into()));
        assert!(range("2024-01-01", "2026-01-01").is_err(), "too long");
        assert!(range("yesterday", "2026-01-01").is_err());
    }

    #[test]
    fn rows_split_by_day_hour_and_agent_and_export_as_csv() {
        let day = day_of(T0);
        let f = |chat, at, agent: Option<AgentId>| ChatFact {
            chat_id: chat,
            requested_at_ms: at,
            agent_id: agent,
            accepted_at_ms: agent.map(|_| at + 5_000),
            ..ChatFact::default()
        };
        let facts = [f(1, T0, Some(1)), f(2, T0 + DAY_MS, Some(2)), f(3, T0 + DAY_MS + 60_000, None)];
        let names = [AgentCard { name: "=Zed, \"the\" agent".into(), ..fixtures::agent(1) }, fixtures::agent(2)];
        let (totals, days, hours, agents) = rows(&facts, &[T0 + 1], day, day + 3, &names);
        assert_eq!((totals.requested, totals.accepted, totals.offline_requests), (3, 2, Some(1)));
        assert_eq!(
            days.iter().map(|d| (d.day.as_str(), d.figures.requested)).collect::<Vec<_>>(),
            [("2026-11-18", 1), ("2026-11-19", 2), ("2026-11-20", 0)]
        );
        assert_eq!(days[0].figures.offline_requests, Some(1));
        assert_eq!(hours.len(), 168);
        assert_eq!(hours[hour_of_week(T0 + DAY_MS) as usize].figures.requested, 2);
        assert_eq!(agents.iter().map(|a| (a.agent.id, a.figures.accepted)).collect::<Vec<_>>(), [(1, 1), (2, 1)]);
        let report = ReportView {
            query: ReportQuery::default(),
            groups: vec![],
            group_choices: vec![],
            agent_choices: vec![],
            totals,
            days,
            hours,
            agents,
            charts: vec![],
        };
        let days_csv = csv(&report, ReportTable::Days);
        let mut lines = days_csv.lines();
        assert!(lines.next().unwrap().starts_with("day,requested,accepted,missed,transferred,offline_requests,wait_p50_s"));
        assert_eq!(lines.next(), Some("2026-11-18,1,1,0,0,1,5,5,,,,,,0"));
        let agents_csv = csv(&report, ReportTable::Agents);
        assert!(agents_csv.starts_with("agent,requested,handled,"));
        assert!(agents_csv.contains("\r\n\"'=Zed, \"\"the\"\" agent\",1,1,"), "{agents_csv}");
        assert_eq!(csv(&report, ReportTable::Hours).lines().count(), 169);
    }
}
