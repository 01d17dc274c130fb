//! Sessions and tokens end for real: log-off and expiry close the agent's open consoles (on
//! this node at once, on others within the session check), an end user's token stops opening
//! a chat some time after it closed, and a stopping server tells every client to reconnect.
mod common;

use common::*;
use serde_json::json;

/// The console's socket is told `NotSignedIn` and closed (1008), with no new chat in between.
async fn assert_signed_out(console: &mut WsClient) {
    let (frames, close) = console.until_closed().await;
    let leaked: Vec<_> = frames.iter().filter(|f| matches!(f, ServerFrame::Event(_))).collect();
    assert!(leaked.is_empty(), "events reached a signed-out console: {leaked:?}");
    assert!(frames.contains(&ServerFrame::Error { error: ApiError::NotSignedIn }), "{frames:?}");
    assert_eq!(close.map(|c| u16::from(c.code)), Some(1008));
}

#[tokio::test]
async fn log_off_closes_the_agents_open_console_at_once() {
    // A session check far away: what closes the console is the log-off itself.
    let server = TestServer::start_with(&[("DESKCHAT_SESSION_CHECK_MS", "600000")]).await;
    let carol = Agent::log_on(&server, CAROL).await;
    let (mut console, _) = carol.listen(&server, 0).await;
    carol.api.call("log_off", json!({})).await.ok::<()>();
    // A new request with an end user's name and email must not reach it.
    start_chat(&server, "Network", "After log-off").await;
    assert_signed_out(&mut console).await;
    // The old cookie opens nothing any more.
    let again = WsClient::connect(&server, &[("cookie", &format!("{SESSION_COOKIE}={}", carol.session))]).await;
    let mut again = again.expect("upgrade");
    again.hello(0, None).await;
    let (frames, _) = again.until_closed().await;
    assert_eq!(frames, vec![ServerFrame::Error { error: ApiError::NotSignedIn }]);
}

#[tokio::test]
async fn a_log_off_on_another_node_closes_the_console_within_the_session_check() {
    let first = TestServer::start_on_postgres_with(&[("DESKCHAT_SESSION_CHECK_MS", "300")]).await;
    let second = first.another_node().await;
    let carol = Agent::log_on(&first, CAROL).await;
    let (mut console, _) = carol.listen(&second, 0).await;
    carol.api.call("log_off", json!({})).await.ok::<()>();
    assert_signed_out(&mut console).await;
}

#[tokio::test]
async fn an_expired_session_closes_the_console_and_is_refused() {
    // An hour on the test clock; the console checks its session every 200 ms of real time.
    let server =
        TestServer::start_with(&[TEST_CLOCK, ("DESKCHAT_SESSION_TTL_SECS", "3600"), ("DESKCHAT_SESSION_CHECK_MS", "200")]).await;
    let cookie = Api::new(&server).call("log_on", json!({ "email": CAROL, "password": PASSWORD })).await.set_cookies();
    assert!(cookie[0].contains("Max-Age=3600"), "the browser forgets it when the server does: {cookie:?}");
    let carol = Agent::log_on(&server, CAROL).await;
    let (mut console, _) = carol.listen(&server, 0).await;
    carol.console().await;
    server.advance_clock(3_600_000).await;
    assert_signed_out(&mut console).await;
    assert_eq!(carol.api.call("load_console", json!({})).await.refusal(StatusCode::UNAUTHORIZED), ApiError::NotSignedIn);
}

#[tokio::test]
async fn an_ended_chats_token_stops_opening_it_after_the_configured_time() {
    let server = TestServer::start_with(&[("DESKCHAT_CLOSED_CHAT_ACCESS_SECS", "0")]).await;
    let open = start_chat(&server, "Network", "Still open").await;
    let ended = start_chat(&server, "Network", "Over soon").await;
    ended.post("m1", "my address is 1 Main St").await;
    ended.end().await;

    let resumed = ended.api.call("resume_chat", json!({ "token": ended.token })).await;
    assert_eq!(resumed.refusal(StatusCode::GONE), ApiError::ChatClosed);
    assert!(!resumed.body.contains("Main St"), "nothing of the transcript: {}", resumed.body);
    let posted = ended.try_post("m2", "hello?").await;
    assert_eq!(posted.refusal(StatusCode::GONE), ApiError::ChatClosed);
    let mut ws = WsClient::connect(&server, &[]).await.unwrap();
    ws.hello(0, Some(&ended.token)).await;
    let (frames, _) = ws.until_closed().await;
    assert_eq!(frames, vec![ServerFrame::Error { error: ApiError::ChatClosed }]);

    // An open chat is not affected, however the setting reads.
    open.resume().await;
}

#[tokio::test]
async fn by_default_an_ended_chat_can_still_be_read_again() {
    let server = TestServer::start().await;
    let chat = start_chat(&server, "Network", "Read it again").await;
    chat.post("m1", "hello").await;
    chat.end().await;
    let snapshot = chat.resume().await;
    assert_eq!(snapshot.transcript.request.state, ChatState::Ended);
    assert!(snapshot.transcript.request.closed_at_ms.is_some());
}

#[tokio::test]
async fn a_stopping_server_tells_every_client_to_reconnect() {
    let mut server = TestServer::start().await;
    let carol = Agent::log_on(&server, CAROL).await;
    let chat = start_chat(&server, "Network", "Stay with me").await;
    let (mut console, _) = carol.listen(&server, 0).await;
    let (mut widget, _) = chat.listen(&server, 0).await;
    let status = server.terminate();
    assert!(status.success(), "a graceful stop exits 0: {status:?}");
    for socket in [&mut console, &mut widget] {
        let (frames, close) = socket.until_closed().await;
        assert_eq!(frames.last(), Some(&ServerFrame::Error { error: ApiError::Restarting }), "{frames:?}");
        assert_eq!(close.map(|c| u16::from(c.code)), Some(1012), "1012: service restart");
    }
}

#[tokio::test]
async fn deactivating_an_agent_closes_their_open_console_at_once() {
    let server = TestServer::start_with(&[("DESKCHAT_SESSION_CHECK_MS", "600000")]).await;
    let admin = Agent::log_on(&server, ADMIN).await;
    let carol = Agent::log_on(&server, CAROL).await;
    let (mut console, _) = carol.listen(&server, 0).await;
    admin.api.call("admin_set_agent_active", json!({ "id": carol.id(), "active": false })).await.ok::<serde_json::Value>();
    start_chat(&server, "Network", "After deactivation").await;
    assert_signed_out(&mut console).await;
}

#[tokio::test]
async fn an_agent_moved_out_of_a_group_reconnects_and_no_longer_sees_its_queue() {
    let server = TestServer::start_with(&[("DESKCHAT_SESSION_CHECK_MS", "600000")]).await;
    let admin = Agent::log_on(&server, ADMIN).await;
    let alice = Agent::log_on(&server, ALICE).await;
    let service_desk = admin.api.group_id("Service Desk").await;
    let (mut console, _) = alice.listen(&server, 0).await;
    // Alice keeps Service Desk only: Network's queue is no longer hers.
    let change = json!({ "id": alice.id(), "change": { "name": alice.name(), "role": "Agent", "groups": [service_desk] } });
    admin.api.call("admin_update_agent", change).await.ok::<serde_json::Value>();
    let (frames, close) = console.until_closed().await;
    assert!(frames.iter().all(|f| !matches!(f, ServerFrame::Event(_))), "{frames:?}");
    assert_eq!(frames.last(), Some(&ServerFrame::Error { error: ApiError::Protocol(Protocol::Changed) }));
    assert_eq!(close.map(|c| u16::from(c.code)), Some(1012));
    // Reconnected (same session), a new Network request does not reach her.
    let (mut console, _) = alice.listen(&server, 0).await;
    start_chat(&server, "Network", "Not for Alice any more").await;
    let service = start_chat(&server, "Service Desk", "Still hers").await;
    let arrived = console.until(|f| matches!(f, ServerFrame::Event(e) if matches!(&e.event, ChatEvent::Queued { .. }))).await;
    match arrived.last() {
        Some(ServerFrame::Event(StreamEvent { event: ChatEvent::Queued { request }, .. })) => {
            assert_eq!(request.id, service.id())
        }
        other => panic!("{other:?}"),
    }
}
