//! Whatever was acknowledged survives a crash: SIGKILL right after the acknowledgements, start
//! again on the same data directory, and everyone carries on where they were.
mod common;

use common::*;

#[tokio::test]
async fn acknowledged_work_survives_a_kill_and_everyone_carries_on() {
    let mut server = TestServer::start().await;
    let alice = Agent::log_on(&server, ALICE).await;
    let chat = start_chat(&server, "Network", "Laptop will not join the domain").await;
    alice.take(chat.id()).await;

    let (mut ws, _) = chat.listen(&server, 0).await;
    let mut acknowledged = vec![
        chat.post("u-1", "It says trust relationship failed").await,
        alice.post(chat.id(), "a-1", "Which laptop is it?").await,
    ];
    let frames = ws.until(|f| posted(f).is_some_and(|m| m.id == acknowledged[1].id)).await;
    let applied = events(&frames).last().unwrap().position;

    // More acknowledged work the widget may or may not have seen, then an immediate kill.
    let (mine, theirs) =
        tokio::join!(alice.post(chat.id(), "a-2", "Please read me the asset tag."), chat.post("u-2", "The grey Dell, tag 4711"),);
    acknowledged.extend([mine, theirs]);
    let thanks = alice.post(chat.id(), "a-3", "Thanks, one moment.").await;
    acknowledged.push(thanks.clone());
    server.kill();
    drop(ws);

    server.restart().await;
    acknowledged.sort_by_key(|m| m.id);

    // The agent's session lives in the database: the same cookie still works.
    let console = alice.console().await;
    assert_eq!(console.agent.email, ALICE);
    let [transcript] = console.my_chats.as_slice() else { panic!("one open chat expected: {:?}", console.my_chats) };
    assert_eq!(transcript.request.id, chat.id());
    assert_eq!(transcript.request.state, ChatState::Active);
    assert_eq!(transcript.messages, acknowledged);

    // The end user's token still opens the chat.
    let widget = chat.resume().await;
    assert_eq!(widget.transcript.messages, acknowledged);
    assert_eq!(widget.transcript.request.agent.as_ref().map(|a| a.id), Some(alice.id()));
    // Nothing happened since the restart: both snapshots stand at the same, last position.
    assert_eq!(widget.position, console.position);

    // A widget resuming from where it was loses nothing.
    let (mut ws, replay) = chat.listen(&server, applied).await;
    let missed: Vec<&ChatMessage> = replay.frames.iter().filter_map(posted).collect();
    assert_eq!(missed, acknowledged[2..].iter().collect::<Vec<_>>(), "replay: {:?}", replay.events);
    assert_eq!(replay.events.len(), missed.len());
    assert_eq!(replay.live, widget.position);

    // And the conversation goes on, live, with retries of old sends still recognised.
    assert_eq!(alice.post(chat.id(), "a-3", "Thanks, one moment.").await, thanks);
    let next = alice.post(chat.id(), "a-4", "Fixed, please try again.").await;
    assert!(next.id > acknowledged.last().unwrap().id);
    let frames = ws.until(|f| posted(f).is_some_and(|m| m.id == next.id)).await;
    assert_eq!(posted_ids(&frames), vec![next.id]);
    let last = chat.post("u-3", "Works, thank you!").await;
    assert_eq!(chat.resume().await.transcript.messages.last(), Some(&last));
}
