//! Requests reach the agents of their assignment group only, and a chat's events reach its own
//! end user only.
mod common;

use common::*;

#[tokio::test]
async fn a_request_reaches_the_agents_of_its_group_and_no_one_else() {
    let server = TestServer::start().await;
    let bob = Agent::log_on(&server, BOB).await; // Hardware
    let alice = Agent::log_on(&server, ALICE).await; // Service Desk, Network
    let (mut bob_ws, _) = bob.listen(&server, 0).await;
    let (mut alice_ws, _) = alice.listen(&server, 0).await;

    let hardware = start_chat(&server, "Hardware", "My laptop does not boot").await;
    let frames = bob_ws.until(|f| queued(f) == Some(hardware.id())).await;
    let Some(ServerFrame::Event(StreamEvent { event: ChatEvent::Queued { request }, .. })) = frames.last() else {
        unreachable!()
    };
    assert_eq!(request.group.name, "Hardware");
    assert_eq!(request.question, "My laptop does not boot");
    assert_eq!(request.state, ChatState::Queued);

    // Alice's next request is a Network one; the Hardware one, committed earlier, must not
    // have come before it.
    let network = start_chat(&server, "Network", "The VPN drops every hour").await;
    let seen = alice_ws.until(|f| queued(f) == Some(network.id())).await;
    assert!(seen.iter().all(|f| chat_of(f) != Some(hardware.id())), "alice (not in Hardware) saw the Hardware request: {seen:?}");

    // And the other way round: Bob never hears of the Network request.
    let hardware_again = start_chat(&server, "Hardware", "The docking station is dead").await;
    let seen = bob_ws.until(|f| queued(f) == Some(hardware_again.id())).await;
    assert!(seen.iter().all(|f| chat_of(f) != Some(network.id())), "bob (not in Network) saw the Network request: {seen:?}");

    // A replay from the start filters exactly like the live stream.
    let (_, replay) = alice.listen(&server, 0).await;
    let replayed: Vec<ChatId> = replay.events.iter().filter_map(|e| e.event.chat_id()).collect();
    assert_eq!(replayed, vec![network.id()]);
}

#[tokio::test]
async fn an_agent_outside_the_group_can_neither_load_nor_accept_the_request() {
    let server = TestServer::start().await;
    let alice = Agent::log_on(&server, ALICE).await;
    let bob = Agent::log_on(&server, BOB).await;
    let hardware = start_chat(&server, "Hardware", "The printer is on fire").await;
    let id = hardware.id();

    assert_eq!(alice.try_load_chat(id).await.refused(StatusCode::NOT_FOUND), NOT_YOURS);
    assert_eq!(alice.try_accept(id).await.refused(StatusCode::NOT_FOUND), NOT_YOURS);
    // The same words as for a chat that does not exist at all.
    assert_eq!(alice.try_load_chat(id + 1000).await.refused(StatusCode::NOT_FOUND), NOT_YOURS);

    // Alice's attempt left the request untouched: still queued, and Bob can take it.
    let transcript: ChatTranscript = bob.try_load_chat(id).await.ok();
    assert_eq!(transcript.request.state, ChatState::Queued);
    assert_eq!(transcript.request.agent, None);
    assert!(alice.console().await.queued.iter().all(|c| c.id != id));
    assert_eq!(bob.take(id).await.request.agent.map(|a| a.id), Some(bob.id()));
    assert_eq!(alice.try_load_chat(id).await.refused(StatusCode::NOT_FOUND), NOT_YOURS);
}

#[tokio::test]
async fn an_end_user_sees_the_events_of_their_own_chat_only() {
    let server = TestServer::start().await;
    let alice = Agent::log_on(&server, ALICE).await;
    // Same group on purpose: group-wide queue events exist for both chats.
    let chat_a = start_chat(&server, "Network", "Chat A").await;
    let (mut a_ws, replay) = chat_a.listen(&server, 0).await;
    assert_eq!(replay.events.len(), 1, "only A's Queued event: {:?}", replay.events);
    assert_eq!(replay.events[0].event.chat_id(), Some(chat_a.id()));

    // Chat B lives a whole life beside A.
    let chat_b = start_chat(&server, "Network", "Chat B").await;
    chat_b.post("b-1", "Hello from B").await;
    alice.take(chat_b.id()).await;
    alice.post(chat_b.id(), "alice-b-1", "Hello B, Alice here").await;
    chat_b.end().await;

    // Then something happens in A; everything A's socket got before it must be A's.
    let last = chat_a.post("a-1", "Still waiting here").await;
    let seen = a_ws.until(|f| posted(f).is_some_and(|m| m.id == last.id)).await;
    assert!(
        seen.iter().all(|f| chat_of(f).is_none_or(|id| id == chat_a.id())),
        "A's socket received frames of another chat: {seen:?}"
    );

    // The replay from the start agrees, and B's own replay holds none of A's.
    let (_, replay) = chat_a.listen(&server, 0).await;
    assert!(replay.frames.iter().all(|f| chat_of(f) == Some(chat_a.id())), "{:?}", replay.frames);
    assert_eq!(posted_ids(&replay.frames), vec![last.id]);
    let (_, replay_b) = chat_b.listen(&server, 0).await;
    assert!(replay_b.frames.iter().all(|f| chat_of(f) == Some(chat_b.id())), "{:?}", replay_b.frames);
    assert_eq!(replay_b.events.len(), 5, "Queued, 2 messages, Accepted, Ended: {:?}", replay_b.events);
}

/// A replay is never wider than what the HTTP reads would show now: an agent replaying from
/// the start gets no end user's details of chats that `load_chat` refuses them.
#[tokio::test]
async fn a_replay_shows_an_agent_no_more_than_load_chat_would() {
    let server = TestServer::start().await;
    let alice = Agent::log_on(&server, ALICE).await;
    let carol = Agent::log_on(&server, CAROL).await;
    let (mut alice_ws, _) = alice.listen(&server, 0).await;

    // Carol's chat lives and ends in a group Alice is in; another request keeps waiting.
    let carols = start_chat(&server, "Network", "Carol's chat").await;
    carol.take(carols.id()).await;
    carol.post(carols.id(), "c-1", "Carol here").await;
    carols.post("u-1", "Private details").await;
    carol.end(carols.id()).await;
    let waiting = start_chat(&server, "Network", "Still waiting").await;

    // Live, Alice saw the request arrive and leave, and none of the conversation.
    let live = events(&alice_ws.until(|f| queued(f) == Some(waiting.id())).await);
    let about_carols: Vec<&ChatEvent> = live.iter().map(|e| &e.event).filter(|e| e.chat_id() == Some(carols.id())).collect();
    assert!(matches!(about_carols.as_slice(), [ChatEvent::Queued { .. }, ChatEvent::Accepted { .. }]), "{about_carols:?}");

    // Replayed from the start, the arrival of Carol's (now closed) chat is not shown again.
    let (_, replay) = alice.listen(&server, 0).await;
    assert_strictly_increasing(&replay.events);
    for event in &replay.events {
        if matches!(event.event, ChatEvent::Queued { .. } | ChatEvent::MessagePosted { .. }) {
            let chat_id = event.event.chat_id().expect("a chat event");
            assert_eq!(
                alice.try_load_chat(chat_id).await.status,
                StatusCode::OK,
                "replayed details of chat {chat_id}: {event:?}"
            );
        }
    }
    assert!(replay.events.iter().any(|e| queued_event(e) == Some(waiting.id())));
    assert!(replay.events.iter().all(|e| queued_event(e) != Some(carols.id())));
    assert_eq!(alice.try_load_chat(carols.id()).await.refused(StatusCode::NOT_FOUND), NOT_YOURS);
}

fn queued_event(event: &StreamEvent) -> Option<ChatId> {
    queued(&ServerFrame::Event(event.clone()))
}
