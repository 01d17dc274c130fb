//! The WebSocket protocol's edges: origins, malformed and oversized frames, no valid hello;
//! and the same origin rule for state-changing HTTP calls.
mod common;

use common::*;
use serde_json::json;
use tokio_tungstenite::tungstenite::{self, protocol::frame::coding::CloseCode};

const EVIL: &str = "https://evil.example";

#[tokio::test]
async fn an_upgrade_from_a_foreign_origin_is_refused() {
    let server = TestServer::start().await;
    let alice = Agent::log_on(&server, ALICE).await;
    let cookie = format!("{SESSION_COOKIE}={}", alice.session);

    match WsClient::connect(&server, &[("origin", EVIL), ("cookie", &cookie)]).await {
        Err(tungstenite::Error::Http(response)) => assert_eq!(response.status(), StatusCode::FORBIDDEN),
        Err(other) => panic!("expected an HTTP refusal, got {other}"),
        Ok(_) => panic!("a foreign origin opened a WebSocket"),
    }

    // The very same request from the server's own origin works.
    let mut ws = WsClient::connect(&server, &[("origin", &server.origin()), ("cookie", &cookie)]).await.unwrap();
    ws.hello(0, None).await;
    assert_eq!(ws.until_live().await.live, 0);
}

#[tokio::test]
async fn a_malformed_frame_is_answered_with_an_error_and_the_connection_stays_open() {
    let server = TestServer::start().await;
    let chat = start_chat(&server, "Service Desk", "Password reset please").await;
    let (mut ws, _) = chat.listen(&server, 0).await;

    for bad in ["this is not json", r#"{"type":"shout"}"#, r#"{"type":"hello"}"#] {
        ws.send_text(bad).await;
        assert_eq!(ws.next_frame().await, ServerFrame::Error { error: ApiError::Protocol(Protocol::Malformed) });
    }
    ws.hello(0, Some(&chat.token)).await;
    assert_eq!(ws.next_frame().await, ServerFrame::Error { error: ApiError::Protocol(Protocol::AlreadySaidHello) });

    ws.send(&ClientFrame::Ping).await;
    assert_eq!(ws.next_frame().await, ServerFrame::Pong);
    // Still subscribed, too.
    let message = chat.post("m-1", "Still there?").await;
    ws.until(|f| posted(f) == Some(&message)).await;
}

#[tokio::test]
async fn an_oversized_frame_closes_that_connection_only() {
    let mut server = TestServer::start().await;
    let chat = start_chat(&server, "Service Desk", "Password reset please").await;
    let (mut bystander, _) = chat.listen(&server, 0).await;
    let (mut ws, _) = chat.listen(&server, 0).await;

    ws.send_text(format!(r#"{{"type":"ping","padding":"{}"}}"#, "x".repeat(MAX_CLIENT_FRAME_BYTES))).await;
    let (frames, close) = ws.until_closed().await;
    assert_eq!(frames, vec![ServerFrame::Error { error: ApiError::Protocol(Protocol::TooBig(4096)) }]);
    // The server means to close with 1009 (too big); the unread rest of the frame can turn
    // that into a reset, so a close frame is not always seen, but if it is, it says 1009.
    if let Some(close) = close {
        assert_eq!(close.code, CloseCode::Size);
    }

    server.assert_healthy().await;
    bystander.send(&ClientFrame::Ping).await;
    assert_eq!(bystander.next_frame().await, ServerFrame::Pong);
    let (_, replay) = chat.listen(&server, 0).await;
    assert_eq!(replay.events.len(), 1);
}

#[tokio::test]
async fn a_connection_without_a_valid_hello_is_refused_and_closed() {
    let server = TestServer::start().await;

    let refusals = [
        (ClientFrame::Hello { after: 0, token: None, monitor: false }, ApiError::NotSignedIn),
        (ClientFrame::Hello { after: 0, token: Some("0".repeat(64)), monitor: false }, ApiError::NoSuchChat),
        (ClientFrame::Ping, ApiError::Protocol(Protocol::HelloFirst)),
    ];
    for (first, error) in refusals {
        let mut ws = WsClient::connect(&server, &[]).await.unwrap();
        ws.send(&first).await;
        let (frames, close) = ws.until_closed().await;
        assert_eq!(frames, vec![ServerFrame::Error { error: error.clone() }], "after {first:?}");
        let close = close.unwrap_or_else(|| panic!("no close frame after {first:?}"));
        assert_eq!(close.code, CloseCode::Policy);
        assert_eq!(close.reason.as_str(), error.to_string());
    }
}

#[tokio::test]
async fn a_state_changing_call_from_a_foreign_origin_is_refused_and_changes_nothing() {
    let server = TestServer::start().await;
    let admin = Agent::log_on(&server, ADMIN).await;
    let api = Api::new(&server);
    let form = json!({ "form": chat_form(api.group_id("Network").await, "Sent from a forged form") });

    let reply = api.call_with("request_chat", form.clone(), &[("origin", EVIL)]).await;
    // Refused before any server function runs, in the same shape as theirs (ssr/api_answers.rs).
    assert_eq!(reply.refused(StatusCode::FORBIDDEN), "Cross-site requests are not allowed.");
    let console = admin.console().await;
    assert!(console.queued.is_empty(), "{:?}", console.queued);
    assert_eq!(console.position, 0, "no event was written");

    // The agent endpoints are guarded the same way, even with the session cookie along.
    let reply = admin.api.call_with("log_off", json!({}), &[("origin", EVIL)]).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert_eq!(admin.console().await.agent.email, ADMIN, "the session survived");

    // From the server's own origin the same form goes through.
    let reply = api.call_with("request_chat", form, &[("origin", &server.origin())]).await;
    let StartChatOutcome::Started { snapshot, .. } = reply.ok() else { panic!("no live chat") };
    let console = admin.console().await;
    assert_eq!(console.queued.iter().map(|c| c.id).collect::<Vec<_>>(), vec![snapshot.transcript.request.id]);
}
