//! A client that lost its connection says hello with the last position it applied and gets
//! exactly what it missed, in order, then `live`, then the live stream.
mod common;

use common::*;

/// Asserts a resumed replay holds exactly `expected`, all after `after`, in order, and agrees
/// with a full replay from the start cut at `after`.
fn assert_resumed(replay: &Replay, after: Position, expected: Vec<Seen>, full: &Replay) {
    assert_eq!(seen(&replay.events), expected);
    assert!(replay.events.iter().all(|e| e.position > after), "an event at or before {after}: {:?}", replay.events);
    assert_strictly_increasing(&replay.events);
    let missed: Vec<StreamEvent> = full.events.iter().filter(|e| e.position > after).cloned().collect();
    assert_eq!(replay.events, missed);
    assert!(replay.live >= replay.events.last().map_or(after, |e| e.position));
    assert_eq!(replay.live, full.live);
}

#[tokio::test]
async fn an_end_user_resumes_exactly_where_they_left_off() {
    let server = TestServer::start().await;
    let alice = Agent::log_on(&server, ALICE).await;
    let chat = start_chat(&server, "Network", "Outlook cannot connect").await;

    let (mut ws, replay) = chat.listen(&server, 0).await;
    assert_eq!(seen(&replay.events), vec![Seen::Queued(chat.id())]);
    let first = chat.post("m-1", "Is anybody there?").await;
    let frames = ws.until(|f| posted(f).is_some_and(|m| m.id == first.id)).await;
    let ServerFrame::Event(last_applied) = frames.last().unwrap() else { unreachable!() };
    let after = last_applied.position;
    drop(ws);

    // While the widget is offline: its own chat moves on, and another chat happens beside it.
    let second = chat.post("m-2", "Hello?").await;
    let other = start_chat(&server, "Network", "Someone else").await;
    other.post("o-1", "Not for Erin's eyes").await;
    alice.take(chat.id()).await;
    let reply = alice.post(chat.id(), "a-1", "Hi, Alice here. Let me look.").await;
    let third = chat.post("m-3", "Thanks!").await;
    alice.end(chat.id()).await;
    other.end().await;

    let (mut ws, replay) = chat.listen(&server, after).await;
    let expected = vec![
        Seen::Message(second.id),
        Seen::Accepted(chat.id(), alice.id()),
        Seen::Message(reply.id),
        Seen::Message(third.id),
        Seen::Ended(chat.id(), Party::Agent),
    ];
    let (_, full) = chat.listen(&server, 0).await;
    assert_resumed(&replay, after, expected, &full);
    // Nothing else is pending on the resumed socket: a ping is answered next.
    ws.send(&ClientFrame::Ping).await;
    assert_eq!(ws.next_frame().await, ServerFrame::Pong);
}

#[tokio::test]
async fn an_agent_resumes_exactly_where_they_left_off_and_then_streams_live() {
    let server = TestServer::start().await;
    let alice = Agent::log_on(&server, ALICE).await;
    let carol = Agent::log_on(&server, CAROL).await;
    let mine = start_chat(&server, "Network", "Printer offline").await;

    let (mut ws, _) = alice.listen(&server, 0).await;
    alice.take(mine.id()).await;
    let hello = alice.post(mine.id(), "a-1", "Hello from Alice").await;
    let frames = ws.until(|f| posted(f).is_some_and(|m| m.id == hello.id)).await;
    let after = events(&frames).last().unwrap().position;
    drop(ws);

    // Offline: a new request in her group, one in a group she is not in, her own chat going
    // on, and a colleague's conversation she must not see.
    let queued = start_chat(&server, "Network", "Switch port dead").await;
    let hardware = start_chat(&server, "Hardware", "Monitor flickers").await;
    let answer = mine.post("u-1", "Thanks, it says offline").await;
    let colleagues = start_chat(&server, "Network", "For Carol").await;
    carol.take(colleagues.id()).await;
    carol.post(colleagues.id(), "c-1", "Carol here").await;
    let again = alice.post(mine.id(), "a-2", "Try now").await;
    mine.end().await;

    let (mut ws, replay) = alice.listen(&server, after).await;
    let expected = vec![
        Seen::Queued(queued.id()),
        Seen::Message(answer.id),
        // Carol's request arrived and left while Alice was away: its arrival, with the end
        // user's details, is not replayed (the console would not show it now either); that
        // it was taken off the queue is news for the whole group.
        Seen::Accepted(colleagues.id(), carol.id()),
        Seen::Message(again.id),
        Seen::Ended(mine.id(), Party::EndUser),
    ];
    let (_, full) = alice.listen(&server, 0).await;
    assert_resumed(&replay, after, expected, &full);
    assert!(replay.events.iter().all(|e| e.event.chat_id() != Some(hardware.id())));

    // And the resumed socket goes on with what happens next.
    let live = alice.take(queued.id()).await;
    let frames = ws.until(|f| matches!(f, ServerFrame::Event(e) if matches!(e.event, ChatEvent::Accepted { .. }))).await;
    let streamed = events(&frames);
    assert_eq!(seen(&streamed), vec![Seen::Accepted(live.request.id, alice.id())]);
    assert!(streamed[0].position > replay.live);
}

/// A replay reads the store in batches of 500 events; an event on several of the viewer's
/// routes (each `Accepted` reaches the accepting agent and the group) is one event, not two.
/// Counting it twice once ended the replay early, and the agent silently missed the rest.
#[tokio::test]
async fn an_agent_replays_every_event_even_when_each_is_on_two_of_their_routes() {
    let server = TestServer::start().await;
    let alice = Agent::log_on(&server, ALICE).await;
    let mut chats = Vec::new();
    for n in 0..300 {
        let chat = start_chat(&server, "Network", &format!("Question {n}")).await;
        alice.take(chat.id()).await;
        chats.push(chat.id());
    }
    let (_, replay) = alice.listen(&server, 0).await;
    let accepted: Vec<ChatId> = replay
        .events
        .iter()
        .filter_map(|e| match &e.event {
            ChatEvent::Accepted { chat_id, .. } => Some(*chat_id),
            _ => None,
        })
        .collect();
    assert_eq!(accepted, chats);
    assert_strictly_increasing(&replay.events);
}
