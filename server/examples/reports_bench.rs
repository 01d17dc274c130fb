//! `make bench-reports` (issue 18): a 90-day report of every group on a busy desk's history,
//! timed as the server spends it (`Desk::report`: the reads, the figures, the charts).
//!
//! The history: `--chats` chat requests (1,000,000) over `--days` days (365) up to today, in
//! three groups with `--agents` agents (200), each with its events (queued, accepted, a message,
//! ended or missed: four rows of `events` per chat) and its fact; nine in ten accepted, one in
//! eleven missed, one in twenty transferred, a third of the accepted rated. Written straight
//! into the database (a few minutes through the API would be hours), after the desk's own
//! migrations made it. Then `--runs` reports of the last `--report-days` days (90), one after
//! another: p50, p99 and max wall time, and the CPU this process spent per report.
//!
//! `cargo run --release -p server --example reports_bench -- [--database postgres://…]`

use std::sync::Arc;
use std::time::{Duration, Instant};

use app::domain::reports::{day_text, DAY_MS};
use app::model::*;
use app::ssr::desk::{Desk, ManualClock};
use app::ssr::hub::Hub;
use app::ssr::store::Store;
use clap::Parser;
use rand::{Rng, SeedableRng};
use sqlx::Connection;

#[derive(Parser)]
struct Args {
    /// A PostgreSQL URL; by default a fresh SQLite file in a temporary directory.
    #[arg(long)]
    database: Option<String>,
    #[arg(long, default_value_t = 1_000_000)]
    chats: usize,
    #[arg(long, default_value_t = 365)]
    days: i64,
    #[arg(long, default_value_t = 200)]
    agents: usize,
    #[arg(long, default_value_t = 90)]
    report_days: i64,
    #[arg(long, default_value_t = 30)]
    runs: usize,
}

const GROUPS: [&str; 3] = ["Service Desk", "Network", "Hardware"];
const BATCH: usize = 5_000;

#[tokio::main]
async fn main() {
    let args = Args::parse();
    let dir = tempfile::tempdir().expect("a temporary directory");
    let url = args.database.clone().unwrap_or_else(|| format!("sqlite://{}/bench.db?mode=rwc", dir.path().display()));
    let store = Arc::new(Store::connect(&url).await.expect("the database opens and migrates"));
    let now_ms = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis() as i64;
    let started = Instant::now();
    let (groups, agents) = fill(&url, &args, now_ms).await;
    eprintln!("history: {} chats over {} days written in {:.0?}", args.chats, args.days, started.elapsed());

    let desk = Desk::new(store.clone(), Hub::empty(), Arc::new(ManualClock::at(now_ms)));
    let admin = AgentProfile {
        card: AgentCard { id: agents[0], name: "Bench Admin".into(), photo_url: None },
        email: "admin@bench.test".into(),
        role: Role::Admin,
        groups: vec![],
        supervises: vec![],
    };
    let today = now_ms.div_euclid(DAY_MS);
    let query =
        ReportQuery { from: day_text(today + 1 - args.report_days), to: day_text(today), groups: groups.clone(), agents: vec![] };
    // One report to warm the database's cache, as a desk in use has it.
    let first = desk.report(&admin, &query).await.expect("a report");
    let mut times = Vec::with_capacity(args.runs);
    let cpu_before = own_cpu();
    for _ in 0..args.runs {
        let start = Instant::now();
        let report = desk.report(&admin, &query).await.expect("a report");
        times.push(start.elapsed());
        assert_eq!(report.totals, first.totals, "the same history, the same figures");
    }
    let cpu = own_cpu() - cpu_before;
    // Where the time goes: reading the facts, and the figures from them.
    let (from_ms, until_ms) = ((today + 1 - args.report_days) * DAY_MS, (today + 1) * DAY_MS);
    let start = Instant::now();
    let facts = store.chat_facts(from_ms, until_ms, &groups, &[]).await.expect("the facts");
    let read = start.elapsed();
    let start = Instant::now();
    let rows = app::domain::reports::rows(&facts, &[], today + 1 - args.report_days, today + 1, &[]);
    let figured = start.elapsed();
    assert_eq!(rows.0.requested, first.totals.requested);
    times.sort();
    let at = |p: usize| times[((p * times.len()).div_ceil(100)).max(1) - 1];
    let backend = if url.starts_with("postgres") { "PostgreSQL" } else { "SQLite" };
    println!("| what | figure |");
    println!("|---|---|");
    println!("| history ({backend}) | {} chats over {} days, {} agents, 3 groups |", args.chats, args.days, args.agents);
    println!(
        "| report | {} days ({} to {}), every group: {} chats requested |",
        args.report_days, query.from, query.to, first.totals.requested
    );
    println!(
        "| server time per report, {} runs | p50 {:.0?} · p99 {:.0?} · max {:.0?} |",
        args.runs,
        at(50),
        at(99),
        times[times.len() - 1]
    );
    println!("| CPU per report (this process) | {:.0?} |", cpu / args.runs as u32);
    println!("| of which, once: reading the facts · the figures | {read:.0?} · {figured:.0?} |");
}

/// Writes the groups, agents and history; returns the group and agent ids.
async fn fill(url: &str, args: &Args, now_ms: i64) -> (Vec<GroupId>, Vec<AgentId>) {
    let mut conn = sqlx::AnyConnection::connect(url).await.expect("a connection");
    let postgres = url.starts_with("postgres");
    let mut groups = Vec::new();
    for name in GROUPS {
        let id: i64 = sqlx::query_scalar("INSERT INTO assignment_groups (name) VALUES ($1) RETURNING id")
            .bind(name)
            .fetch_one(&mut conn)
            .await
            .expect("a group");
        groups.push(id);
    }
    let mut agents = Vec::new();
    for n in 0..args.agents {
        let role = if n == 0 { "admin" } else { "agent" };
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO agents (email, name, password_hash, role) VALUES ($1, $2, 'not a hash', $3) RETURNING id",
        )
        .bind(format!("agent{n}@bench.test"))
        .bind(format!("Agent {n:03}"))
        .bind(role)
        .fetch_one(&mut conn)
        .await
        .expect("an agent");
        sqlx::query("INSERT INTO agent_groups (agent_id, group_id) VALUES ($1, $2)")
            .bind(id)
            .bind(groups[n % groups.len()])
            .execute(&mut conn)
            .await
            .expect("a membership");
        agents.push(id);
    }
    let mut rng = rand::rngs::StdRng::seed_from_u64(18);
    let span_ms = args.days * DAY_MS;
    let start_ms = now_ms - span_ms;
    let mut chat_id: i64 = 0;
    let mut seq: i64 = 0;
    for chunk in (0..args.chats).collect::<Vec<_>>().chunks(BATCH) {
        let (mut chats, mut facts, mut events) = (Vec::new(), Vec::new(), Vec::new());
        for &i in chunk {
            chat_id += 1;
            let g = i % groups.len();
            let group = groups[g];
            let at = start_ms + (i as i64 * span_ms) / args.chats as i64;
            let agent = agents[g + groups.len() * rng.gen_range(0..(args.agents / groups.len()).max(1))];
            let missed = rng.gen_ratio(1, 11);
            let accepted = (!missed).then(|| at + rng.gen_range(5_000..300_000));
            let responded = accepted.map(|a| a + rng.gen_range(3_000..120_000));
            let ended = match accepted {
                Some(a) => Some(a + rng.gen_range(60_000..1_800_000)),
                None => Some(at + 120_000),
            };
            let transfers = i64::from(accepted.is_some() && rng.gen_ratio(1, 20));
            let rating = (accepted.is_some() && rng.gen_ratio(1, 3)).then(|| rng.gen_range(1..=5));
            let state = if missed { "missed" } else { "ended" };
            chats.push(serde_json::json!({
                "id": chat_id, "g": group, "s": state, "a": accepted.map(|_| agent), "t": at, "acc": accepted, "end": ended,
                "q": format!("Question {i}: the printer on floor {} jams", i % 9),
            }));
            facts.push(serde_json::json!({
                "id": chat_id, "g": group, "t": at, "a": accepted.map(|_| agent), "acc": accepted, "r": responded,
                "end": ended, "m": i64::from(missed), "x": transfers, "rt": rating,
            }));
            let mut event = |payload: String, t: i64| {
                seq += 1;
                events.push(serde_json::json!({ "s": seq, "c": chat_id, "g": group, "p": payload, "t": t }));
            };
            event(format!(r#"{{"Queued":{{"request":{{"id":{chat_id},"question":"Question {i}"}}}}}}"#), at);
            match accepted {
                Some(a) => {
                    event(
                        format!(
                            r#"{{"Accepted":{{"chat_id":{chat_id},"agent":{{"id":{agent},"name":"Agent","photo_url":null}},"version":1}}}}"#
                        ),
                        a,
                    );
                    event(
                        format!(
                            r#"{{"MessagePosted":{{"message":{{"id":{chat_id},"chat_id":{chat_id},"body":"Hello, how can I help?"}}}}}}"#
                        ),
                        responded.unwrap_or(a),
                    );
                    event(format!(r#"{{"Ended":{{"chat_id":{chat_id},"by":"Agent","version":2}}}}"#), ended.unwrap_or(a));
                }
                None => {
                    event(format!(r#"{{"Missed":{{"chat_id":{chat_id},"incident":null,"version":1}}}}"#), at + 120_000);
                }
            }
        }
        insert(&mut conn, postgres, CHATS_SQL, &chats).await;
        insert(&mut conn, postgres, FACTS_SQL, &facts).await;
        insert(&mut conn, postgres, EVENTS_SQL, &events).await;
    }
    if !postgres {
        sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)").execute(&mut conn).await.ok();
        sqlx::query("ANALYZE").execute(&mut conn).await.expect("analyze");
    } else {
        // As autovacuum leaves a table in use: its visibility map set, so the index alone answers.
        sqlx::query("VACUUM ANALYZE").execute(&mut conn).await.expect("vacuum");
    }
    (groups, agents)
}

/// (SQLite, PostgreSQL) statements taking one JSON array of rows.
type Sql = (&'static str, &'static str);

const CHATS_SQL: Sql = (
    "INSERT INTO chat_requests (id, token_hash, group_id, state, agent_id, user_name, user_email, user_location, question, \
     created_at, accepted_at, ended_at, updated_at) \
     SELECT json_extract(value, '$.id'), 'bench-' || json_extract(value, '$.id'), json_extract(value, '$.g'), \
     json_extract(value, '$.s'), json_extract(value, '$.a'), 'Erin Enduser', 'erin@example.com', 'Floor 3', \
     json_extract(value, '$.q'), json_extract(value, '$.t'), json_extract(value, '$.acc'), json_extract(value, '$.end'), \
     json_extract(value, '$.end') FROM json_each($1)",
    "INSERT INTO chat_requests (id, token_hash, group_id, state, agent_id, user_name, user_email, user_location, question, \
     created_at, accepted_at, ended_at, updated_at) \
     SELECT id, 'bench-' || id, g, s, a, 'Erin Enduser', 'erin@example.com', 'Floor 3', q, t, acc, \"end\", \"end\" \
     FROM json_to_recordset($1::json) AS c(id BIGINT, g BIGINT, s TEXT, a BIGINT, q TEXT, t BIGINT, acc BIGINT, \"end\" BIGINT)",
);

const FACTS_SQL: Sql = (
    "INSERT INTO chat_facts (chat_id, group_id, requested_at, agent_id, accepted_at, first_response_at, ended_at, missed, \
     transfers, rating) SELECT json_extract(value, '$.id'), json_extract(value, '$.g'), json_extract(value, '$.t'), \
     json_extract(value, '$.a'), json_extract(value, '$.acc'), json_extract(value, '$.r'), json_extract(value, '$.end'), \
     json_extract(value, '$.m'), json_extract(value, '$.x'), json_extract(value, '$.rt') FROM json_each($1)",
    "INSERT INTO chat_facts (chat_id, group_id, requested_at, agent_id, accepted_at, first_response_at, ended_at, missed, \
     transfers, rating) SELECT id, g, t, a, acc, r, \"end\", m, x, rt FROM json_to_recordset($1::json) \
     AS f(id BIGINT, g BIGINT, t BIGINT, a BIGINT, acc BIGINT, r BIGINT, \"end\" BIGINT, m BIGINT, x BIGINT, rt BIGINT)",
);

const EVENTS_SQL: Sql = (
    "INSERT INTO events (seq, chat_id, group_id, routes, payload, created_at) \
     SELECT json_extract(value, '$.s'), json_extract(value, '$.c'), json_extract(value, '$.g'), '', \
     json_extract(value, '$.p'), json_extract(value, '$.t') FROM json_each($1)",
    "INSERT INTO events (seq, chat_id, group_id, routes, payload, created_at) \
     SELECT s, c, g, '', p, t FROM json_to_recordset($1::json) AS e(s BIGINT, c BIGINT, g BIGINT, p TEXT, t BIGINT)",
);

async fn insert(conn: &mut sqlx::AnyConnection, postgres: bool, sql: Sql, rows: &[serde_json::Value]) {
    let text = if postgres { sql.1 } else { sql.0 };
    sqlx::query(text).bind(serde_json::Value::Array(rows.to_vec()).to_string()).execute(&mut *conn).await.expect("rows written");
}

/// This process's CPU time so far (user + system), from getrusage.
fn own_cpu() -> Duration {
    // SAFETY: getrusage only writes into the struct we pass.
    let usage = unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        libc::getrusage(libc::RUSAGE_SELF, &mut usage);
        usage
    };
    let time = |t: libc::timeval| Duration::from_secs(t.tv_sec as u64) + Duration::from_micros(t.tv_usec as u64);
    time(usage.ru_utime) + time(usage.ru_stime)
}
