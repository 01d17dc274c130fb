//! Reports (issue 18): the numbers equal what the records hold, on a history made through the
//! desk with the test clock (so every wait and duration is known to the second); supervisors
//! read the reports of their groups only; every table downloads as CSV.
mod common;

use common::*;
use reqwest::StatusCode;
use serde_json::{json, Value};

/// A minute to pick a chat up, on a clock that moves only when the test says so.
const PICKUP: [(&str, &str); 2] = [TEST_CLOCK, ("DESKCHAT_PICKUP_TIMEOUT_SECS", "60")];

async fn report(agent: &Agent, query: Value) -> Reply {
    agent.api.call("load_report", json!({ "query": query })).await
}

async fn rate(chat: &EndUserChat, score: u8) {
    chat.api.call("rate_chat", json!({ "token": chat.token, "score": score, "comment": "" })).await.ok::<ChatRating>();
}

#[tokio::test]
async fn report_numbers_equal_what_the_records_hold() {
    let server = TestServer::start_with(&PICKUP).await;
    let admin = Agent::log_on(&server, ADMIN).await;
    let alice = Agent::log_on(&server, ALICE).await; // Service Desk, Network
    let carol = Agent::log_on(&server, CAROL).await; // Network
    let api = Api::new(&server);
    let (network, hardware) = (api.group_id("Network").await, api.group_id("Hardware").await);
    let asks = GroupSettings { satisfaction_survey: true, ..GroupSettings::default() };
    admin.try_save_group_settings(network, &asks).await.ok::<Value>();

    // t = 0 s: a request; accepted after 10 s, answered 5 s later, ended at 75 s, rated 5.
    let first = start_chat(&server, "Network", "Report: the VPN").await;
    server.advance_clock(10_000).await;
    alice.take(first.id()).await;
    server.advance_clock(5_000).await;
    alice.post(first.id(), "a-1", "Hello").await;
    // t = 15 s: another; Carol accepts it after 30 s, answers 20 s later, hands it back to the
    // queue, and Alice takes it: one transfer, accepted (first) by Carol.
    let second = start_chat(&server, "Network", "Report: the Wi-Fi").await;
    server.advance_clock(30_000).await;
    carol.take(second.id()).await;
    server.advance_clock(20_000).await;
    carol.post(second.id(), "c-1", "Let me hand you on").await;
    carol.try_transfer(second.id(), TransferTarget::Queue { group_id: network }).await.ok::<()>();
    alice.take(second.id()).await;
    // t = 75 s: the first ends (65 s after it was accepted) and is rated.
    server.advance_clock(10_000).await;
    alice.end(first.id()).await;
    rate(&first, 5).await;
    // A Hardware request nobody takes: missed a minute later; and a message left for Network.
    let third = start_chat(&server, "Hardware", "Report: the dock").await;
    server.advance_clock(60_000).await;
    until("the third chat missed", || third.resume(), |s: &WidgetSnapshot| s.transcript.request.state == ChatState::Missed).await;
    // t = 135 s: the second ends, 90 s after Carol accepted it.
    alice.end(second.id()).await;
    let mut form = chat_form(network, "Report: left as a message");
    form.email = "lee@example.com".into();
    api.call("leave_message", json!({ "form": form, "request_key": "report-1" })).await.ok::<MessageLeft>();

    let all: ReportView = report(&admin, json!({ "from": "", "to": "" })).await.ok();
    let t = &all.totals;
    assert_eq!((t.requested, t.accepted, t.missed, t.transferred, t.offline_requests), (3, 2, 1, 1, Some(1)));
    assert_eq!((t.wait_p50_ms, t.wait_p90_ms), (Some(10_000), Some(30_000)));
    assert_eq!((t.first_response_p50_ms, t.first_response_p90_ms), (Some(5_000), Some(20_000)));
    assert_eq!((t.duration_p50_ms, t.duration_p90_ms), (Some(65_000), Some(90_000)));
    assert_eq!((t.satisfaction_hundredths, t.ratings), (Some(500), 1));
    // The same as the records say (History: every chat that closed).
    let history = admin.history(None).await.entries;
    assert_eq!(t.requested as usize, history.len());
    assert_eq!(t.missed as usize, history.iter().filter(|e| e.request.state == ChatState::Missed).count());
    assert_eq!(t.ratings as usize, history.iter().filter(|e| e.rating.is_some()).count());
    assert_eq!(t.accepted as usize, history.iter().filter(|e| e.request.agent.is_some()).count());
    // Per day: all of it today; per agent: the one who accepted each.
    let today = all.days.last().expect("today");
    assert_eq!(today.figures, all.totals);
    assert_eq!(all.days.len(), 30);
    let handled: Vec<(&str, u32)> = all.agents.iter().map(|a| (a.agent.name.as_str(), a.figures.accepted)).collect();
    assert_eq!(handled, [("Alice Agent", 1), ("Carol Network", 1)]);
    assert_eq!(all.charts.len(), 3);
    assert!(all.charts.iter().all(|c| c.svg.starts_with("<svg") && c.svg.contains("role=\"img\"")));
    let hours: u32 = all.hours.iter().map(|h| h.figures.requested).sum();
    assert_eq!(hours, 3);

    // Narrowed to one group, to one agent.
    let only_hardware: ReportView = report(&admin, json!({ "from": "", "to": "", "groups": [hardware] })).await.ok();
    assert_eq!((only_hardware.totals.requested, only_hardware.totals.missed), (1, 1));
    let carols: ReportView = report(&admin, json!({ "from": "", "to": "", "agents": [carol.id()] })).await.ok();
    assert_eq!((carols.totals.requested, carols.totals.accepted, carols.totals.wait_p50_ms), (1, 1, Some(30_000)));

    // Every table as CSV, for the same query.
    let query = format!("from={}&to={}", all.query.from, all.query.to);
    let http = reqwest::Client::new();
    let cookie = format!("{SESSION_COOKIE}={}", admin.session);
    let days =
        http.get(format!("{}/reports/days.csv?{query}", server.base_url())).header("cookie", &cookie).send().await.unwrap();
    assert_eq!(days.status(), StatusCode::OK);
    assert_eq!(days.headers()["content-type"], "text/csv; charset=utf-8");
    assert!(days.headers()["content-disposition"].to_str().unwrap().starts_with("attachment; filename=\"deskchat-days-"));
    let text = days.text().await.unwrap();
    assert_eq!(text.lines().count(), 31, "a header and a line per day");
    assert!(text.ends_with(&format!("{},3,2,1,1,1,10,30,5,20,65,90,5.00,1\r\n", all.query.to)), "{text}");
    let agents =
        http.get(format!("{}/reports/agents.csv?{query}", server.base_url())).header("cookie", &cookie).send().await.unwrap();
    assert!(agents.text().await.unwrap().contains("\r\nCarol Network,1,1,0,1,,30,30,20,20,90,90,,0\r\n"));
    let anonymous = http.get(format!("{}/reports/days.csv?{query}", server.base_url())).send().await.unwrap();
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
    let unknown =
        http.get(format!("{}/reports/everything.csv?{query}", server.base_url())).header("cookie", &cookie).send().await.unwrap();
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);

    // Bad ranges are refused with a reason.
    let backwards = report(&admin, json!({ "from": "2026-11-30", "to": "2026-11-01" })).await;
    assert_eq!(backwards.refused(StatusCode::UNPROCESSABLE_ENTITY), "The last day comes before the first.");
    let not_a_day = report(&admin, json!({ "from": "soon", "to": "2026-11-01" })).await;
    assert_eq!(not_a_day.refused(StatusCode::UNPROCESSABLE_ENTITY), "The first day is not a date (YYYY-MM-DD).");
}

#[tokio::test]
async fn supervisors_read_the_reports_of_their_groups_only() {
    let server = TestServer::start().await;
    let admin = Agent::log_on(&server, ADMIN).await;
    let bob = Agent::log_on(&server, BOB).await;
    let api = Api::new(&server);
    let (network, hardware) = (api.group_id("Network").await, api.group_id("Hardware").await);
    let sue = Agent::new_supervisor(&server, &admin, "sue@desk.test", vec![hardware]).await;
    let dock = start_chat(&server, "Hardware", "The dock").await;
    bob.take(dock.id()).await;
    start_chat(&server, "Network", "Not Sue's").await;

    let hers: ReportView = report(&sue, json!({ "from": "", "to": "" })).await.ok();
    assert_eq!(hers.groups.iter().map(|g| g.id).collect::<Vec<_>>(), [hardware]);
    assert_eq!(hers.group_choices.iter().map(|g| g.id).collect::<Vec<_>>(), [hardware]);
    assert_eq!((hers.totals.requested, hers.totals.accepted), (1, 1));
    let refused = report(&sue, json!({ "from": "", "to": "", "groups": [network] })).await;
    assert_eq!(
        refused.refusal(StatusCode::FORBIDDEN),
        ApiError::NotAllowed("You may read the reports of the groups you supervise only.".into())
    );
    let refused = report(&bob, json!({ "from": "", "to": "" })).await;
    assert_eq!(
        refused.refusal(StatusCode::FORBIDDEN),
        ApiError::NotAllowed("Only supervisors of a group (and admins) read reports.".into())
    );
}

/// Chats made and taken all at once: the report counts each once, as committed.
#[tokio::test]
async fn a_report_counts_every_chat_made_and_taken_at_once() {
    let server = TestServer::start().await;
    let admin = Agent::log_on(&server, ADMIN).await;
    let alice = Agent::log_on(&server, ALICE).await;
    let carol = Agent::log_on(&server, CAROL).await;
    let chats = futures::future::join_all((0..24).map(|n| {
        let server = &server;
        async move { start_chat(server, "Network", &format!("At once {n}")).await }
    }))
    .await;
    futures::future::join_all(chats.iter().enumerate().map(|(n, chat)| {
        let agent = if n % 2 == 0 { &alice } else { &carol };
        async move {
            agent.take(chat.id()).await;
            agent.post(chat.id(), &format!("r-{n}"), "Hello").await;
        }
    }))
    .await;
    let view: ReportView = report(&admin, json!({ "from": "", "to": "" })).await.ok();
    assert_eq!((view.totals.requested, view.totals.accepted), (24, 24));
    assert_eq!(view.agents.iter().map(|a| a.figures.accepted).collect::<Vec<_>>(), [12, 12]);
    assert!(view.totals.first_response_p90_ms.is_some());
}
