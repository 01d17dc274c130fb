//! Group commit from outside: many writers at once share transactions, yet each answer still
//! means "on disk", and one operation that loses a race fails alone.
mod common;

use std::sync::{Arc, Mutex};

use common::*;

/// Posts, accepts and ends all at once: each has its own outcome, and the stream is exact.
#[tokio::test]
async fn concurrent_posts_accepts_and_ends_each_get_their_own_outcome() {
    let server = TestServer::start().await;
    let alice = Agent::log_on(&server, ALICE).await;
    let carol = Agent::log_on(&server, CAROL).await;
    let mut chats = Vec::new();
    for n in 0..6 {
        chats.push(start_chat(&server, "Network", &format!("Question {n}")).await);
    }
    let (mut alice_ws, _) = alice.listen(&server, 0).await;

    // Chats 0–2: Alice and Carol both try to accept (one wins each). Chats 3–4: the end user
    // writes 10 messages; meanwhile chat 5's end user gives up waiting.
    let mut accepts = Vec::new();
    for chat in &chats[0..3] {
        accepts.push(alice.accept(chat.id()));
        accepts.push(carol.accept(chat.id()));
    }
    let sends: Vec<(&EndUserChat, String)> =
        chats[3..5].iter().flat_map(|chat| (0..10).map(move |n| (chat, format!("m-{n}")))).collect();
    let posts = sends.iter().map(|(chat, client_id)| chat.post(client_id, "A message"));
    let (accepted, posted, ()) =
        tokio::join!(futures::future::join_all(accepts), futures::future::join_all(posts), chats[5].end(),);

    for pair in accepted.chunks(2) {
        let winners = pair.iter().filter(|o| matches!(o, AcceptOutcome::Accepted(..))).count();
        assert_eq!(winners, 1, "exactly one accept wins: {pair:?}");
    }
    for chat in &chats[3..5] {
        let stored = chat.resume().await.transcript.messages;
        let mut acked: Vec<ChatMessage> = posted.iter().filter(|m| m.chat_id == chat.id()).cloned().collect();
        acked.sort_by_key(|m| m.id);
        assert_eq!(acked.len(), 10);
        assert_eq!(stored, acked, "every acknowledged message stored once");
    }
    assert_eq!(chats[5].resume().await.transcript.request.state, ChatState::Ended);

    // Alice's socket saw each of her wins once, in position order, and a replay agrees.
    let alice_wins: Vec<ChatId> = accepted
        .iter()
        .filter_map(|o| match o {
            AcceptOutcome::Accepted(t, _) if t.request.agent.as_ref().map(|a| a.id) == Some(alice.id()) => Some(t.request.id),
            _ => None,
        })
        .collect();
    // Her socket hears of every accept (it is her group) and of the end, in whatever order
    // they committed.
    let mut awaited: Vec<ChatId> = chats[0..3].iter().chain(&chats[5..]).map(|c| c.id()).collect();
    let frames = alice_ws
        .until(|f| {
            if let ServerFrame::Event(StreamEvent {
                event: ChatEvent::Accepted { chat_id, .. } | ChatEvent::Ended { chat_id, .. },
                ..
            }) = f
            {
                awaited.retain(|id| id != chat_id);
            }
            awaited.is_empty()
        })
        .await;
    let live = events(&frames);
    assert_strictly_increasing(&live);
    for id in &alice_wins {
        let mine = live.iter().filter(|e| matches!(&e.event, ChatEvent::Accepted { chat_id, .. } if chat_id == id)).count();
        assert_eq!(mine, 1, "chat {id} accepted once on Alice's socket");
    }
    let (_, replay) = alice.listen(&server, 0).await;
    let replayed_accepts: Vec<&StreamEvent> =
        replay.events.iter().filter(|e| matches!(e.event, ChatEvent::Accepted { .. })).collect();
    let live_accepts: Vec<&StreamEvent> = live.iter().filter(|e| matches!(e.event, ChatEvent::Accepted { .. })).collect();
    assert_eq!(replayed_accepts, live_accepts, "replay and live agree");
}

/// 24 writers post as fast as they are answered; the server is killed in the middle of it.
/// Every acknowledged message is there after the restart, exactly once; nothing unsent is.
#[tokio::test]
async fn kill_9_during_a_busy_batch_loses_nothing_acknowledged() {
    let mut server = TestServer::start().await;
    let alice = Agent::log_on(&server, ALICE).await;
    let mut chats = Vec::new();
    for n in 0..4 {
        let chat = start_chat(&server, "Network", &format!("Busy {n}")).await;
        alice.take(chat.id()).await;
        chats.push(Arc::new(chat));
    }
    let acknowledged = Arc::new(Mutex::new(Vec::<ChatMessage>::new()));
    let mut writers = tokio::task::JoinSet::new();
    let url = format!("{}/api/post_as_end_user", server.base_url());
    for writer in 0..24 {
        let (token, url, acknowledged) = (chats[writer % chats.len()].token.clone(), url.clone(), acknowledged.clone());
        writers.spawn(async move {
            let http = reqwest::Client::new();
            for n in 0..10_000 {
                let args = serde_json::json!({
                    "token": token, "client_id": format!("w{writer}-{n}"), "body": format!("writer {writer} message {n}")
                });
                // Any failure means the server is gone: this writer stops.
                let Ok(response) = http.post(&url).json(&args).send().await else { return };
                if response.status() != StatusCode::OK {
                    return;
                }
                let Ok(message) = response.json::<ChatMessage>().await else { return };
                acknowledged.lock().unwrap().push(message);
            }
        });
    }
    // Kill once plenty is acknowledged and more is in flight.
    let deadline = std::time::Instant::now() + WAIT;
    while acknowledged.lock().unwrap().len() < 300 {
        assert!(std::time::Instant::now() < deadline, "writers too slow");
        tokio::task::yield_now().await;
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    server.kill();
    while writers.join_next().await.is_some() {}
    server.restart().await;

    let acknowledged = acknowledged.lock().unwrap().clone();
    for chat in &chats {
        let stored = chat.resume().await.transcript.messages;
        let mut ids: Vec<i64> = stored.iter().map(|m| m.id).collect();
        ids.dedup();
        assert_eq!(ids.len(), stored.len(), "no message twice");
        for message in acknowledged.iter().filter(|m| m.chat_id == chat.id()) {
            assert!(stored.contains(message), "acknowledged message {message:?} is lost");
        }
        for message in &stored {
            assert!(message.body.starts_with("writer "), "only what was sent is stored: {message:?}");
        }
        // The stream agrees with the transcript: every stored message once, in order.
        let (_, replay) = chat.listen(&server, 0).await;
        assert_strictly_increasing(&replay.events);
        assert_eq!(posted_ids(&replay.frames), stored.iter().map(|m| m.id).collect::<Vec<_>>());
    }
}
