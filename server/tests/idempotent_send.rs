//! A message is stored once per (chat, author, client id), however often it is sent; bad
//! input is refused with the right status and changes nothing.
mod common;

use common::*;
use serde_json::json;

/// A chat in Network accepted by Alice, with Alice's socket live on the stream.
async fn active_chat(server: &TestServer) -> (Agent, EndUserChat, WsClient) {
    let alice = Agent::log_on(server, ALICE).await;
    let chat = start_chat(server, "Network", "Wi-Fi keeps asking for my password").await;
    alice.take(chat.id()).await;
    let (ws, _) = alice.listen(server, chat.snapshot.position).await;
    (alice, chat, ws)
}

#[tokio::test]
async fn a_resent_client_id_is_the_same_message_and_is_streamed_once() {
    let server = TestServer::start().await;
    let (alice, chat, mut alice_ws) = active_chat(&server).await;
    let (mut user_ws, _) = chat.listen(&server, chat.snapshot.position).await;
    let id = chat.id();

    // A retry after a lost acknowledgement: same id back, the first body kept.
    let first = alice.post(id, "retry-1", "Have you tried turning it off and on?").await;
    let again = alice.post(id, "retry-1", "Have you tried turning it off and on? (resent)").await;
    assert_eq!(again, first);

    // Two sends of one client id racing each other.
    let (a, b) = tokio::join!(alice.post(id, "race-1", "Racing"), alice.post(id, "race-1", "Racing"));
    assert_eq!(a, b);
    assert_ne!(a.id, first.id);

    // The end user racing with themselves too.
    let (c, d) = tokio::join!(chat.post("race-1", "Me too"), chat.post("race-1", "Me too"));
    assert_eq!(c, d);
    assert_eq!(c.author, Author::EndUser);
    // Client ids are per author: the end user's "race-1" is not the agent's.
    assert_ne!(c.id, a.id);

    let other = alice.post(id, "fresh-1", "Another thing").await;
    assert!(other.id != first.id && other.id != a.id && other.id != c.id);

    // Events commit before their acknowledgement, so any duplicate would come before `other`.
    let expected = vec![first.id, a.id, c.id, other.id];
    let frames = alice_ws.until(|f| posted(f).is_some_and(|m| m.id == other.id)).await;
    assert_eq!(posted_ids(&frames), expected, "agent stream: {frames:?}");
    let frames = user_ws.until(|f| posted(f).is_some_and(|m| m.id == other.id)).await;
    assert_eq!(posted_ids(&frames), expected, "end-user stream: {frames:?}");

    let transcript = chat.resume().await.transcript;
    assert_eq!(transcript.messages.iter().map(|m| m.id).collect::<Vec<_>>(), expected);
    assert_eq!(transcript.messages[0].body, "Have you tried turning it off and on?");

    // After the end a stored message is still acknowledged; a new one is refused.
    chat.end().await;
    assert_eq!(alice.post(id, "retry-1", "Have you tried turning it off and on?").await, first);
    assert_eq!(
        alice.try_post(id, "late-1", "Hello?").await.refused(StatusCode::UNPROCESSABLE_ENTITY),
        "This chat has already ended."
    );
    assert_eq!(chat.try_post("late-1", "Hello?").await.refused(StatusCode::UNPROCESSABLE_ENTITY), "This chat has already ended.");
    assert_eq!(chat.resume().await.transcript.messages.len(), expected.len());
}

#[tokio::test]
async fn invalid_messages_are_refused_and_store_nothing() {
    let server = TestServer::start().await;
    let (alice, chat, _ws) = active_chat(&server).await;
    let id = chat.id();
    let unprocessable = StatusCode::UNPROCESSABLE_ENTITY;

    assert_eq!(alice.try_post(id, "empty-1", "").await.refused(unprocessable), "A message cannot be empty.");
    assert_eq!(chat.try_post("blank-1", " \n\t ").await.refused(unprocessable), "A message cannot be empty.");
    let too_long = "x".repeat(4001);
    assert!(alice.try_post(id, "long-1", &too_long).await.refused(unprocessable).contains("at most 4000 characters"));
    assert!(chat.try_post("long-2", &too_long).await.refused(unprocessable).contains("at most 4000 characters"));
    assert_eq!(chat.try_post("not a uuid!", "Hi").await.refused(unprocessable), "The message id is not valid.");
    // Exactly at the limit is fine (counted in characters, not bytes).
    let longest = chat.post("long-3", &"é".repeat(4000)).await;
    assert_eq!(longest.body.chars().count(), 4000);

    let bad_token =
        Api::new(&server).call("post_as_end_user", json!({ "token": "0".repeat(64), "client_id": "x-1", "body": "Hi" })).await;
    assert_eq!(bad_token.refused(StatusCode::NOT_FOUND), NOT_YOURS);

    assert_eq!(posted_ids_of(&chat).await, vec![longest.id]);
}

#[tokio::test]
async fn an_agent_of_the_group_must_accept_a_queued_request_before_writing_to_it() {
    let server = TestServer::start().await;
    let alice = Agent::log_on(&server, ALICE).await;
    let queued = start_chat(&server, "Network", "Nobody took me yet").await;
    // Alice may see and load it (it is queued in her group), so "no such chat" would be wrong:
    // the lifecycle's answer applies.
    assert_eq!(alice.try_load_chat(queued.id()).await.ok::<ChatTranscript>().request.state, ChatState::Queued);
    let refusal = alice.try_post(queued.id(), "early-1", "Hello early").await;
    assert_eq!(refusal.refused(StatusCode::UNPROCESSABLE_ENTITY), "Accept the chat before writing to it.");
    assert!(queued.resume().await.transcript.messages.is_empty());
    // Alice can still take it and write then.
    alice.take(queued.id()).await;
    alice.post(queued.id(), "later-1", "Hello, Alice here").await;
}

#[tokio::test]
async fn an_oversized_request_body_is_refused_and_the_server_carries_on() {
    let mut server = TestServer::start().await;
    let (alice, chat, _ws) = active_chat(&server).await;
    let body = json!({ "chat_id": chat.id(), "client_id": "huge-1", "body": "x".repeat(257 * 1024) });
    let reply = alice.api.call_raw("post_as_agent", body.to_string()).await;
    assert_eq!(reply.status, StatusCode::PAYLOAD_TOO_LARGE);

    server.assert_healthy().await;
    let message = alice.post(chat.id(), "normal-1", "Back to normal").await;
    assert_eq!(posted_ids_of(&chat).await, vec![message.id]);
}

async fn posted_ids_of(chat: &EndUserChat) -> Vec<i64> {
    chat.resume().await.transcript.messages.iter().map(|m| m.id).collect()
}
