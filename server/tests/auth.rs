//! Agent log-on, the session cookie, and log-off.
mod common;

use common::*;
use serde_json::json;

const BAD_CREDENTIALS: &str = "The email or password is not right.";

#[tokio::test]
async fn a_wrong_password_and_an_unknown_email_are_refused_alike() {
    let server = TestServer::start().await;
    let api = Api::new(&server);

    let wrong_password = api.call("log_on", json!({ "email": ALICE, "password": "deskchat-demo!" })).await;
    let unknown_email = api.call("log_on", json!({ "email": "mallory@deskchat.test", "password": PASSWORD })).await;
    for reply in [&wrong_password, &unknown_email] {
        assert_eq!(reply.refused(StatusCode::UNAUTHORIZED), BAD_CREDENTIALS);
        assert!(reply.set_cookies().is_empty(), "no cookie on a failed log-on: {:?}", reply.set_cookies());
    }
    // Byte for byte the same answer, so it tells nothing about which accounts exist.
    assert_eq!(wrong_password.body, unknown_email.body);
    assert_eq!(api.call("load_console", json!({})).await.refusal(StatusCode::UNAUTHORIZED), ApiError::NotSignedIn);

    // The right password works (email matched without regard to case), on the same client.
    let reply = api.call("log_on", json!({ "email": "Alice@DeskChat.test", "password": PASSWORD })).await;
    assert_eq!(reply.ok::<AgentProfile>().email, ALICE);
}

#[tokio::test]
async fn log_on_sets_an_http_only_same_site_session_cookie() {
    let server = TestServer::start().await;
    let api = Api::new(&server);
    let reply = api.call("log_on", json!({ "email": BOB, "password": PASSWORD })).await;
    let profile: AgentProfile = reply.ok();
    assert_eq!(profile.email, BOB);
    assert_eq!(profile.groups.iter().map(|g| g.name.as_str()).collect::<Vec<_>>(), vec!["Hardware"]);

    let cookies = reply.set_cookies();
    let [cookie] = cookies.as_slice() else { panic!("one Set-Cookie expected: {cookies:?}") };
    let attributes: Vec<String> = cookie.split(';').map(|a| a.trim().to_ascii_lowercase()).collect();
    assert!(attributes.contains(&"httponly".to_string()), "{cookie}");
    assert!(attributes.iter().any(|a| a == "samesite=lax" || a == "samesite=strict"), "{cookie}");
    assert!(attributes.contains(&"path=/".to_string()), "{cookie}");
    let token = reply.session_cookie().expect("the session cookie");
    assert!(token.len() >= 32, "a long random token: {token}");

    // The cookie is what authenticates: the same client is now logged on, a fresh one is not.
    assert_eq!(api.call("load_console", json!({})).await.ok::<ConsoleSnapshot>().agent, profile);
    let stranger = Api::new(&server);
    assert_eq!(stranger.call("load_console", json!({})).await.refusal(StatusCode::UNAUTHORIZED), ApiError::NotSignedIn);
    let cookie = format!("{SESSION_COOKIE}={token}");
    let by_hand = stranger.call_with("load_console", json!({}), &[("cookie", &cookie)]).await;
    assert_eq!(by_hand.ok::<ConsoleSnapshot>().agent, profile);
}

#[tokio::test]
async fn agent_endpoints_without_a_session_are_refused() {
    let server = TestServer::start().await;
    let api = Api::new(&server);
    let forged = format!("{SESSION_COOKIE}={}", "0".repeat(64));
    for (endpoint, args) in [
        ("load_console", json!({})),
        ("load_chat", json!({ "chat_id": 1 })),
        ("accept_chat", json!({ "chat_id": 1 })),
        ("post_as_agent", json!({ "chat_id": 1, "client_id": "x-1", "body": "Hi" })),
        ("end_chat", json!({ "chat_id": 1 })),
    ] {
        let reply = api.call(endpoint, args.clone()).await;
        assert_eq!(reply.refusal(StatusCode::UNAUTHORIZED), ApiError::NotSignedIn, "{endpoint}");
        let reply = api.call_with(endpoint, args, &[("cookie", &forged)]).await;
        assert_eq!(reply.refusal(StatusCode::UNAUTHORIZED), ApiError::NotSignedIn, "{endpoint} with a forged cookie");
    }
}

#[tokio::test]
async fn log_off_ends_that_session_on_the_server() {
    let server = TestServer::start().await;
    let alice = Agent::log_on(&server, ALICE).await;
    let alice_elsewhere = Agent::log_on(&server, ALICE).await;
    assert_ne!(alice.session, alice_elsewhere.session);

    let reply = alice.api.call("log_off", json!({})).await;
    reply.ok::<()>();
    assert!(
        reply.set_cookies().iter().any(|c| c.starts_with(&format!("{SESSION_COOKIE}=;")) && c.contains("Max-Age=0")),
        "log_off clears the cookie: {:?}",
        reply.set_cookies()
    );
    assert_eq!(alice.api.call("load_console", json!({})).await.refusal(StatusCode::UNAUTHORIZED), ApiError::NotSignedIn);

    // Not just a cleared cookie: the old token itself is dead, for HTTP and WebSocket alike.
    let old = format!("{SESSION_COOKIE}={}", alice.session);
    let replayed = Api::new(&server).call_with("load_console", json!({}), &[("cookie", &old)]).await;
    assert_eq!(replayed.refusal(StatusCode::UNAUTHORIZED), ApiError::NotSignedIn);
    let mut ws = alice.connect(&server).await;
    ws.hello(0, None).await;
    let (frames, _) = ws.until_closed().await;
    assert_eq!(frames, vec![ServerFrame::Error { error: ApiError::NotSignedIn }]);

    // Her other session is untouched.
    assert_eq!(alice_elsewhere.console().await.agent.email, ALICE);
    let (_, replay) = alice_elsewhere.listen(&server, 0).await;
    assert_eq!(replay.live, 0);
}
