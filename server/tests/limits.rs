//! Limits on what one client can make the desk do (issue 8's findings, each reproduced from
//! outside): log-on guessing, floods of chat requests and messages, too many sockets, slow
//! request headers. Every refusal is a 429 with `Retry-After` and a text the widget shows.
mod common;

use common::*;
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

fn retry_after(reply: &Reply) -> u64 {
    let header = reply.headers.get("retry-after").unwrap_or_else(|| panic!("no Retry-After on {}", reply.body));
    header.to_str().unwrap().parse().expect("Retry-After in whole seconds")
}

/// Asserts a 429 whose body tells the person how long to wait, as `Retry-After` does.
fn assert_rate_limited(reply: &Reply) {
    let seconds = retry_after(reply);
    assert!(seconds >= 1, "{seconds}");
    assert_eq!(reply.refusal(StatusCode::TOO_MANY_REQUESTS), ApiError::RateLimited { retry_after_secs: seconds });
    assert!(reply.refused(StatusCode::TOO_MANY_REQUESTS).starts_with("Too many attempts from here. Please wait"));
}

#[tokio::test]
async fn guessing_passwords_from_one_address_is_refused_after_the_limit_and_the_server_stays_responsive() {
    let mut server = TestServer::start_with(&[("DESKCHAT_LOG_ONS_PER_MINUTE", "10")]).await;
    let api = Api::new(&server);
    // 40 guesses at once, as the attacker sent them.
    let guesses = (0..40).map(|i| {
        let api = &api;
        async move { api.call("log_on", json!({ "email": ALICE, "password": format!("guess-{i}") })).await }
    });
    let replies = futures::future::join_all(guesses).await;
    let checked = replies.iter().filter(|r| r.status == StatusCode::UNAUTHORIZED).count();
    let refused: Vec<_> = replies.iter().filter(|r| r.status == StatusCode::TOO_MANY_REQUESTS).collect();
    assert!(checked <= 10, "at most the limit's worth of passwords was checked: {checked}");
    assert_eq!(checked + refused.len(), 40, "every other guess was refused unchecked");
    refused.iter().for_each(|r| assert_rate_limited(r));
    // Meanwhile the desk answers others (argon2 runs on blocking threads, not the workers).
    server.assert_healthy().await;
    let chat = start_chat(&server, "Network", "Still here?").await;
    chat.post("m1", "hello").await;
}

#[tokio::test]
async fn failed_log_ons_back_off_per_account_and_address_even_with_the_right_password() {
    // No rate limit: what refuses here is the back-off after five failures in a row (on the
    // test clock, so a slow machine cannot outlast it).
    let server = TestServer::start_with(&[TEST_CLOCK, ("DESKCHAT_LOG_ONS_PER_MINUTE", "0")]).await;
    let api = Api::new(&server);
    for i in 0..5 {
        let reply = api.call("log_on", json!({ "email": CAROL, "password": format!("wrong-{i}") })).await;
        assert_eq!(reply.refusal(StatusCode::UNAUTHORIZED), ApiError::BadCredentials);
    }
    let right = api.call("log_on", json!({ "email": CAROL, "password": PASSWORD })).await;
    assert_rate_limited(&right);
    assert!(right.session_cookie().is_none(), "no session while backing off");
    // Another account from the same address waits too: the address backs off as well.
    assert_rate_limited(&api.call("log_on", json!({ "email": BOB, "password": PASSWORD })).await);
}

/// Issue 15, finding 8: wrong passwords from one address locked the account out from every
/// address (32 s, doubling to 15 min), so anyone who knew an agent's email could keep them out.
/// The guesser's address slows down; the agent elsewhere logs on at once.
#[tokio::test]
async fn a_guesser_slows_down_without_locking_the_agent_out_from_elsewhere() {
    // The back-off's time is the test clock's: the guesser stays slowed until the test moves it.
    let server =
        TestServer::start_with(&[TEST_CLOCK, ("DESKCHAT_LOG_ONS_PER_MINUTE", "0"), ("DESKCHAT_TRUST_FORWARDED_FOR", "true")])
            .await;
    let (guesser, agent) = (Api::new(&server), Api::new(&server));
    const GUESSER: (&str, &str) = ("x-forwarded-for", "198.51.100.66");
    const DESK: (&str, &str) = ("x-forwarded-for", "198.51.100.7");
    let mut refused = 0;
    for i in 0..12 {
        let reply = guesser.call_with("log_on", json!({ "email": ALICE, "password": format!("guess-{i}") }), &[GUESSER]).await;
        if reply.status == StatusCode::TOO_MANY_REQUESTS {
            assert_rate_limited(&reply);
            refused += 1;
        } else {
            assert_eq!(reply.refusal(StatusCode::UNAUTHORIZED), ApiError::BadCredentials);
        }
    }
    assert_eq!(refused, 7, "after 5 failures the guesser waits");
    // Alice, from her own desk, at once.
    let right = agent.call_with("log_on", json!({ "email": ALICE, "password": PASSWORD }), &[DESK]).await;
    let profile: AgentProfile = right.ok();
    assert_eq!(profile.card.name, "Alice Agent");
    assert!(right.session_cookie().is_some());
    // The guesser's address still waits, even with the right password, until its time is up.
    assert_rate_limited(&guesser.call_with("log_on", json!({ "email": ALICE, "password": PASSWORD }), &[GUESSER]).await);
    server.advance_clock(1_000).await;
    guesser.call_with("log_on", json!({ "email": ALICE, "password": PASSWORD }), &[GUESSER]).await.ok::<AgentProfile>();
}

#[tokio::test]
async fn a_flood_of_chat_requests_from_one_address_is_refused_and_stores_nothing() {
    let server = TestServer::start_with(&[("DESKCHAT_CHATS_PER_MINUTE", "3")]).await;
    let api = Api::new(&server);
    let network = api.group_id("Network").await;
    let mut started = 0;
    for i in 0..10 {
        let reply = api.call("request_chat", json!({ "form": chat_form(network, &format!("Flood {i}")) })).await;
        if reply.status == StatusCode::OK {
            started += 1;
        } else {
            assert_rate_limited(&reply);
        }
    }
    assert_eq!(started, 3);
    let carol = Agent::log_on(&server, CAROL).await;
    assert_eq!(carol.console().await.queued.len(), 3, "refused requests left no chat behind");
}

#[tokio::test]
async fn forwarded_addresses_count_only_behind_a_trusted_proxy() {
    for (trusted, expected) in [("false", 1), ("true", 2)] {
        let server =
            TestServer::start_with(&[("DESKCHAT_CHATS_PER_MINUTE", "1"), ("DESKCHAT_TRUST_FORWARDED_FOR", trusted)]).await;
        let api = Api::new(&server);
        let form = chat_form(api.group_id("Network").await, "Via the proxy");
        let mut started = 0;
        for client in ["198.51.100.1", "198.51.100.2"] {
            let reply = api.call_with("request_chat", json!({ "form": form }), &[("x-forwarded-for", client)]).await;
            started += usize::from(reply.status == StatusCode::OK);
        }
        assert_eq!(started, expected, "trust_forwarded_for={trusted}");
    }
}

#[tokio::test]
async fn posting_is_limited_per_chat_token() {
    let server = TestServer::start_with(&[("DESKCHAT_POSTS_PER_MINUTE", "5")]).await;
    let flooder = start_chat(&server, "Network", "Flood").await;
    let neighbour = start_chat(&server, "Network", "Quiet").await;
    for i in 0..5 {
        flooder.post(&format!("m{i}"), "spam").await;
    }
    assert_rate_limited(&flooder.try_post("m5", "spam").await);
    // Someone else's chat is not affected.
    neighbour.post("n0", "hello").await;
}

#[tokio::test]
async fn a_waiting_chat_takes_only_so_many_messages_until_an_agent_answers() {
    let server = TestServer::start_with(&[("DESKCHAT_WAITING_MESSAGES", "3")]).await;
    let chat = start_chat(&server, "Network", "Many questions").await;
    let body = "x".repeat(3900);
    let mut stored = Vec::new();
    for i in 0..3 {
        stored.push(chat.post(&format!("m{i}"), &body).await);
    }
    let capped = chat.try_post("m3", &body).await;
    assert_eq!(capped.refusal(StatusCode::TOO_MANY_REQUESTS), ApiError::WaitingCap { cap: 3 });
    assert!(capped.refused(StatusCode::TOO_MANY_REQUESTS).contains("please wait for them before sending more"));
    // A retry of a stored message is still acknowledged, as itself.
    assert_eq!(chat.post("m2", &body).await, stored[2]);

    // Accepting returns the question and three messages, not an unbounded pile.
    let carol = Agent::log_on(&server, CAROL).await;
    let transcript = carol.take(chat.id()).await;
    let from_end_user = transcript.messages.iter().filter(|m| m.author == Author::EndUser).count();
    assert_eq!(from_end_user, 3);
    // Once an agent has it, the conversation goes on.
    chat.post("m4", "thanks").await;

    // Posted all at once, the messages cannot pass the cap either: it is counted where they
    // are written.
    let burst = start_chat(&server, "Network", "All at once").await;
    let ids: Vec<String> = (0..12).map(|i| format!("b{i}")).collect();
    let replies = futures::future::join_all(ids.iter().map(|id| burst.try_post(id, "same time"))).await;
    let stored = replies.iter().filter(|r| r.status == StatusCode::OK).count();
    assert_eq!(stored, 3, "{:?}", replies.iter().map(|r| r.status).collect::<Vec<_>>());
    assert!(replies
        .iter()
        .all(|r| r.status == StatusCode::OK || r.refusal(StatusCode::TOO_MANY_REQUESTS) == ApiError::WaitingCap { cap: 3 }));
}

#[tokio::test]
async fn sockets_are_capped_per_chat_and_per_address() {
    let server = TestServer::start_with(&[("DESKCHAT_SOCKETS_PER_CHAT", "2"), ("DESKCHAT_SOCKETS_PER_ADDRESS", "3")]).await;
    let chat = start_chat(&server, "Network", "Many tabs").await;
    let (first, _) = chat.listen(&server, 0).await;
    let (_second, _) = chat.listen(&server, 0).await;

    // A third tab of the same chat is told why and closed.
    let mut third = WsClient::connect(&server, &[]).await.expect("the upgrade itself is allowed");
    third.hello(0, Some(&chat.token)).await;
    let (frames, close) = third.until_closed().await;
    assert_eq!(frames, vec![ServerFrame::Error { error: ApiError::TooManyConnections }]);
    assert_eq!(close.map(|c| u16::from(c.code)), Some(1008));

    // Once the refused tab's socket is counted out, the address has room for one more: three
    // sockets, and a fourth upgrade is refused before it starts, with the reason.
    let _other = connect_when_free(&server).await;
    match WsClient::connect(&server, &[]).await {
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
            assert_eq!(response.status().as_u16(), 429);
            let body = response.body().as_deref().map(String::from_utf8_lossy).unwrap_or_default();
            assert_eq!(serde_json::from_str::<ApiError>(&body).unwrap(), ApiError::TooManyConnections);
        }
        other => panic!("a fourth socket from the address was not refused: {:?}", other.map(|_| ())),
    }

    // Closing a tab frees its place.
    drop(first);
    connect_when_free(&server).await;
}

/// Connects as soon as a place is free (a closed socket is counted out when its task ends).
async fn connect_when_free(server: &TestServer) -> WsClient {
    let deadline = std::time::Instant::now() + WAIT;
    loop {
        match WsClient::connect(server, &[]).await {
            Ok(client) => return client,
            Err(_) if std::time::Instant::now() < deadline => tokio::time::sleep(std::time::Duration::from_millis(50)).await,
            Err(err) => panic!("no place became free: {err}"),
        }
    }
}

#[tokio::test]
async fn a_client_that_sends_headers_too_slowly_is_cut_off() {
    let mut server = TestServer::start_with(&[("DESKCHAT_HEADER_READ_TIMEOUT_MS", "300")]).await;
    let mut tcp = tokio::net::TcpStream::connect(("127.0.0.1", server.port)).await.unwrap();
    tcp.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n").await.unwrap();
    // ... and never the blank line. The server closes the connection (read returns 0 or an
    // error) instead of waiting for ever.
    let mut buf = [0u8; 256];
    let read = tokio::time::timeout(WAIT, tcp.read(&mut buf)).await.expect("the server closed the slow connection");
    match read {
        Ok(n) => assert!(n == 0 || String::from_utf8_lossy(&buf[..n]).starts_with("HTTP/1.1 408"), "{:?}", &buf[..n]),
        Err(err) => assert_eq!(err.kind(), std::io::ErrorKind::ConnectionReset),
    }
    server.assert_healthy().await;
}

#[tokio::test]
async fn every_response_carries_a_request_id_and_keeps_a_given_one() {
    let server = TestServer::start().await;
    let http = reqwest::Client::new();
    let fresh = http.get(format!("{}/healthz", server.base_url())).send().await.unwrap();
    let id = fresh.headers().get("x-request-id").expect("a request id").to_str().unwrap().to_string();
    assert_eq!(id.len(), 36, "a UUID: {id}");
    let given = http.get(format!("{}/healthz", server.base_url())).header("x-request-id", "proxy-123").send().await.unwrap();
    assert_eq!(given.headers().get("x-request-id").unwrap(), "proxy-123");
}
