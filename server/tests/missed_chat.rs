//! Missed chats through the scheduler: a request nobody accepts within the pickup timeout
//! leaves every queue and its end user is told; one accepted in time is left alone.
mod common;

use common::*;

const ONE_SECOND: [(&str, &str); 1] = [("DESKCHAT_PICKUP_TIMEOUT_SECS", "1")];

fn missed(chat_id: ChatId) -> impl Fn(&ServerFrame) -> bool {
    move |f| matches!(f, ServerFrame::Event(StreamEvent { event: ChatEvent::Missed { chat_id: c }, .. }) if *c == chat_id)
}

#[tokio::test]
async fn a_request_nobody_accepts_in_time_is_missed_and_everyone_is_told() {
    let server = TestServer::start_with(&ONE_SECOND).await;
    let alice = Agent::log_on(&server, ALICE).await;
    let (mut alice_ws, _) = alice.listen(&server, 0).await;
    let first = start_chat(&server, "Network", "Accepted in time").await;
    alice.take(first.id()).await;
    let second = start_chat(&server, "Network", "Nobody comes").await;
    let third = start_chat(&server, "Network", "Behind the missed one").await;
    let (mut second_ws, _) = second.listen(&server, 0).await;
    let (mut third_ws, replay) = third.listen(&server, 0).await;
    assert!(replay.frames.contains(&ServerFrame::QueuePlace { chat_id: third.id(), place: 2 }), "{:?}", replay.frames);

    // The missed request's end user, the group's agents and the end user behind it hear of it.
    second_ws.until(missed(second.id())).await;
    alice_ws.until(missed(second.id())).await;
    let behind = third_ws.until(|f| matches!(f, ServerFrame::QueuePlace { .. } | ServerFrame::Event(_))).await;
    let moved_up = behind.iter().any(|f| *f == ServerFrame::QueuePlace { chat_id: third.id(), place: 1 });
    let also_missed = third_ws_missed(&behind, third.id());
    assert!(moved_up || also_missed, "the request behind moved up (or was missed itself): {behind:?}");

    let snapshot = second.resume().await;
    assert_eq!(snapshot.transcript.request.state, ChatState::Missed);
    assert_eq!(snapshot.queue_place, None);
    assert!(alice.console().await.queued.iter().all(|r| r.id != second.id()));
    let refused = second.try_post("late", "Hello?").await.refused(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(refused, "This chat has already ended.");
    // Accepted in time: never missed.
    assert_eq!(first.resume().await.transcript.request.state, ChatState::Active);
    alice.post(first.id(), "a-1", "Still here").await;

    // A replay tells the same story once.
    let (_, replay) = second.listen(&server, 0).await;
    assert_eq!(replay.events.iter().filter(|e| missed(second.id())(&ServerFrame::Event((*e).clone()))).count(), 1);
}

fn third_ws_missed(frames: &[ServerFrame], chat_id: ChatId) -> bool {
    frames.iter().any(missed(chat_id))
}
