//! The console's first paint already shows the agent's queue and chats: the server renders
//! them into the page (hydration then reads the same data from it, without a second fetch).
mod common;

use common::*;
use serde_json::json;

async fn get_console(server: &TestServer, session: Option<&str>) -> reqwest::Response {
    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    // As a browser asks for a page.
    let mut request = http.get(format!("{}/console", server.base_url())).header("accept", "text/html");
    if let Some(session) = session {
        request = request.header("cookie", format!("{SESSION_COOKIE}={session}"));
    }
    request.send().await.expect("GET /console")
}

#[tokio::test]
async fn the_console_is_rendered_with_the_agents_queue_and_chats() {
    let server = TestServer::start().await;
    let alice = Agent::log_on(&server, ALICE).await;
    let waiting = start_chat(&server, "Network", "The VPN drops every hour").await;
    let mine = start_chat(&server, "Service Desk", "Outlook keeps asking for my password").await;
    alice.take(mine.id()).await;
    alice.post(mine.id(), "a-1", "Let us reset that together.").await;
    let hardware = start_chat(&server, "Hardware", "Not for Alice").await;

    let response = get_console(&server, Some(&alice.session)).await;
    assert_eq!(response.status(), StatusCode::OK);
    let html = response.text().await.unwrap();
    assert!(!html.contains("Loading the console"), "the first paint must not wait for the browser");
    assert!(html.contains("The VPN drops every hour"), "the waiting request is on the page");
    assert!(html.contains("Let us reset that together."), "the open chat's transcript is on the page");
    assert!(!html.contains("Not for Alice"), "other groups' requests are not");
    drop((waiting, hardware));
}

#[tokio::test]
async fn without_a_session_the_console_sends_to_the_log_on_page() {
    let server = TestServer::start().await;
    let response = get_console(&server, None).await;
    assert!(response.status().is_redirection(), "status {}", response.status());
    assert_eq!(response.headers()["location"], "/login");
}

/// The console's snapshot carries each open chat's newest messages; older ones come a page at
/// a time, only for chats the agent may see.
#[tokio::test]
async fn the_snapshot_holds_the_newest_messages_and_older_ones_come_in_pages() {
    let server = TestServer::start().await;
    let alice = Agent::log_on(&server, ALICE).await;
    let carol = Agent::log_on(&server, CAROL).await;
    let chat = start_chat(&server, "Network", "A long story").await;
    alice.take(chat.id()).await;
    let mut sent = Vec::new();
    for n in 0..(TRANSCRIPT_PAGE + 10) {
        sent.push(chat.post(&format!("u-{n}"), &format!("Part {n}")).await);
    }

    let console = alice.console().await;
    let transcript = &console.my_chats[0];
    assert!(transcript.earlier);
    assert_eq!(transcript.messages, sent[10..].to_vec(), "the newest page, oldest first");

    let page: MessagePage = alice.api.call("load_earlier", json!({ "chat_id": chat.id(), "before": sent[10].id })).await.ok();
    assert_eq!(page, MessagePage { messages: sent[..10].to_vec(), earlier: false });

    let refused = carol.api.call("load_earlier", json!({ "chat_id": chat.id(), "before": sent[10].id })).await;
    assert_eq!(refused.refusal(StatusCode::NOT_FOUND), ApiError::NoSuchChat);
}
