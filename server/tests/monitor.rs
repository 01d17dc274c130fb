//! The supervisor's live monitor (issue 18): a supervisor watches the boards of the groups they
//! supervise and of no other, live; opens a chat of them read-only; whispers to its agents (never
//! to its end user, live, in replay, in the widget); joins it as a guest.
mod common;

use common::*;
use reqwest::StatusCode;
use serde_json::json;

/// The monitor's boards up to `live`, by group.
async fn open_monitor(server: &TestServer, agent: &Agent) -> (WsClient, Vec<GroupBoard>) {
    let mut ws = agent.connect(server).await;
    ws.hello_monitor().await;
    let replay = ws.until_live().await;
    assert!(replay.events.is_empty(), "a monitor replays nothing");
    let boards = replay.frames.into_iter().filter_map(|f| if let ServerFrame::Board { board } = f { Some(board) } else { None });
    (ws, boards.collect())
}

/// Reads the monitor until a board of `group` answers `wanted`; returns it, and every frame read.
async fn board_until(ws: &mut WsClient, group: GroupId, wanted: impl Fn(&GroupBoard) -> bool) -> (GroupBoard, Vec<ServerFrame>) {
    let frames = ws.until(|f| matches!(f, ServerFrame::Board { board } if board.group.id == group && wanted(board))).await;
    let Some(ServerFrame::Board { board }) = frames.last().cloned() else { unreachable!() };
    (board, frames)
}

fn mentions(frames: &[ServerFrame], chat: ChatId) -> bool {
    frames.iter().any(|f| {
        let text = serde_json::to_string(f).unwrap();
        text.contains(&format!("\"chat_id\":{chat},")) || text.contains(&format!("\"chat_id\":{chat}}}"))
    })
}

#[tokio::test]
async fn a_supervisor_watches_their_groups_live_whispers_to_the_agents_and_joins() {
    let server = TestServer::start().await;
    let admin = Agent::log_on(&server, ADMIN).await;
    let bob = Agent::log_on(&server, BOB).await; // Hardware
    let api = Api::new(&server);
    let hardware = api.group_id("Hardware").await;
    let sue = Agent::new_supervisor(&server, &admin, "sue@desk.test", vec![hardware]).await;
    // Bob's console is open: he is online on the board.
    let (mut bobs_console, _) = bob.listen(&server, 0).await;

    let (mut monitor, boards) = open_monitor(&server, &sue).await;
    assert_eq!(boards.iter().map(|b| b.group.id).collect::<Vec<_>>(), [hardware], "the supervised group alone");
    let first: Vec<GroupBoard> = sue.api.call("load_monitor", json!({})).await.ok();
    assert_eq!(first.iter().map(|b| b.group.id).collect::<Vec<_>>(), [hardware]);
    let bob_on_board = boards[0].agents.iter().find(|a| a.card.id == bob.id()).expect("bob is a member");
    assert_eq!((bob_on_board.presence, bob_on_board.chats), (Presence::Online, 0));
    assert!(boards[0].agents.iter().all(|a| a.card.id != sue.id()), "a supervisor is not a member");

    // The queue fills, live; another group's request never shows.
    let elsewhere = start_chat(&server, "Network", "Not Sue's").await;
    let laptop = start_chat(&server, "Hardware", "The laptop will not start").await;
    let (board, frames) = board_until(&mut monitor, hardware, |b| b.waiting.iter().any(|w| w.chat_id == laptop.id())).await;
    assert_eq!(board.waiting[0].question, "The laptop will not start");
    assert!(board.longest_wait_ms().is_some());
    assert!(!mentions(&frames, elsewhere.id()), "another group's chat is not on this monitor");

    // Bob takes it: a chat in progress; the end user writes: one unanswered message.
    bob.take(laptop.id()).await;
    laptop.post("u-1", "It beeps three times").await;
    let (board, _) = board_until(&mut monitor, hardware, |b| b.chats.iter().any(|c| c.unanswered == 1)).await;
    assert!(board.waiting.is_empty());
    let chat = &board.chats[0];
    assert_eq!((chat.chat_id, chat.agent.as_ref().map(|a| a.id)), (laptop.id(), Some(bob.id())));
    assert_eq!(board.agents.iter().find(|a| a.card.id == bob.id()).map(|a| a.chats), Some(1));

    // Read-only: the transcript of a chat of the group, not of another group.
    let watched: ChatTranscript = sue.api.call("watch_chat", json!({ "chat_id": laptop.id() })).await.ok();
    assert_eq!(watched.messages.last().map(|m| m.body.as_str()), Some("It beeps three times"));
    let refused = sue.api.call("watch_chat", json!({ "chat_id": elsewhere.id() })).await;
    assert_eq!(refused.refusal(StatusCode::NOT_FOUND), ApiError::NoSuchChat);
    let refused = sue.api.call("whisper", json!({ "chat_id": elsewhere.id(), "client_id": "w-0", "body": "x" })).await;
    assert_eq!(refused.refusal(StatusCode::NOT_FOUND), ApiError::NoSuchChat);
    let refused = bob.api.call("load_monitor", json!({})).await;
    assert_eq!(
        refused.refusal(StatusCode::FORBIDDEN),
        ApiError::NotAllowed("Only supervisors of a group (and admins) have a live monitor.".into())
    );

    // The end user's widget is listening while Sue whispers.
    let (mut widget, _) = laptop.listen(&server, 0).await;
    let args = json!({ "chat_id": laptop.id(), "client_id": "w-1", "body": "Ask whether it is plugged in" });
    let whisper: ChatMessage = sue.api.call("whisper", args.clone()).await.ok();
    assert!(whisper.whisper);
    let again: ChatMessage = sue.api.call("whisper", args).await.ok();
    assert_eq!(again.id, whisper.id, "sent twice, stored once");
    // Bob sees it, marked; so does the monitor.
    let seen = bobs_console.until(|f| matches!(f, ServerFrame::Event(e) if matches!(&e.event, ChatEvent::MessagePosted { message } if message.id == whisper.id))).await;
    let Some(ServerFrame::Event(StreamEvent { event: ChatEvent::MessagePosted { message }, .. })) = seen.last() else {
        unreachable!()
    };
    assert!(message.whisper && message.author.agent_id() == Some(sue.id()));
    monitor.until(|f| matches!(f, ServerFrame::Event(e) if matches!(&e.event, ChatEvent::MessagePosted { message } if message.id == whisper.id))).await;
    // Bob answers; the widget's next message is his: the whisper never came.
    let answer = bob.post(laptop.id(), "a-1", "Is it plugged in?").await;
    let frames = widget.until(|f| matches!(f, ServerFrame::Event(e) if matches!(&e.event, ChatEvent::MessagePosted { message } if message.id == answer.id))).await;
    assert!(!serde_json::to_string(&frames).unwrap().contains("Ask whether"), "no whisper live");
    // Nor in replay, nor in the widget's transcript.
    let (_, replay) = laptop.listen(&server, 0).await;
    assert!(!serde_json::to_string(&replay.frames).unwrap().contains("Ask whether"), "no whisper in replay");
    let resumed = laptop.resume().await;
    assert!(resumed.transcript.messages.iter().all(|m| !m.whisper && m.body != "Ask whether it is plugged in"));
    assert!(resumed.transcript.messages.iter().any(|m| m.id == answer.id));
    // The agents' transcript keeps it, marked.
    let bobs = bob.load_chat(laptop.id()).await;
    assert!(bobs.messages.iter().any(|m| m.id == whisper.id && m.whisper));
    // Answered: nothing unanswered on the board.
    board_until(&mut monitor, hardware, |b| b.chats.iter().any(|c| c.chat_id == laptop.id() && c.unanswered == 0)).await;

    // Sue joins uninvited, as a guest; the board shows her with Bob.
    let joined = sue.join(laptop.id()).await;
    assert!(joined.request.guests.iter().any(|g| g.id == sue.id()));
    board_until(&mut monitor, hardware, |b| b.chats.iter().any(|c| c.guests.iter().any(|g| g.id == sue.id()))).await;
    // A supervisor of another group may not.
    let network = api.group_id("Network").await;
    let other = Agent::new_supervisor(&server, &admin, "sam@desk.test", vec![network]).await;
    assert_eq!(other.try_join(laptop.id()).await.refusal(StatusCode::NOT_FOUND), ApiError::NoSuchChat);
    let (_, boards) = open_monitor(&server, &other).await;
    assert_eq!(boards.len(), 1);
    assert!(boards[0].waiting.iter().any(|w| w.chat_id == elsewhere.id()));
    assert!(!mentions(&boards.iter().map(|b| ServerFrame::Board { board: b.clone() }).collect::<Vec<_>>(), laptop.id()));
}

#[tokio::test]
async fn a_monitor_is_refused_to_an_agent_who_supervises_nothing() {
    let server = TestServer::start().await;
    let alice = Agent::log_on(&server, ALICE).await;
    let mut ws = alice.connect(&server).await;
    ws.hello_monitor().await;
    let (frames, close) = ws.until_closed().await;
    assert!(matches!(frames.as_slice(), [ServerFrame::Error { error: ApiError::NotAllowed(_) }]), "{frames:?}");
    assert_eq!(close.map(|c| u16::from(c.code)), Some(1008));
}

/// Two nodes on one PostgreSQL: the monitor on one node sees what happens on the other.
#[tokio::test]
async fn a_monitor_on_one_node_sees_the_other_nodes_chats() {
    let one = TestServer::start_on_postgres().await;
    let two = one.another_node().await;
    let admin = Agent::log_on(&one, ADMIN).await;
    let hardware = Api::new(&one).group_id("Hardware").await;
    let (mut monitor, _) = open_monitor(&one, &admin).await;
    let bob = Agent::log_on(&two, BOB).await;
    let chat = start_chat(&two, "Hardware", "Printed on node two").await;
    board_until(&mut monitor, hardware, |b| b.waiting.iter().any(|w| w.chat_id == chat.id())).await;
    bob.take(chat.id()).await;
    board_until(&mut monitor, hardware, |b| b.waiting.is_empty() && b.chats.iter().any(|c| c.chat_id == chat.id())).await;
    let whisper = json!({ "chat_id": chat.id(), "client_id": "w-1", "body": "From node one" });
    let sent: ChatMessage = admin.api.call("whisper", whisper).await.ok();
    let (_, replay) = chat.listen(&two, 0).await;
    assert!(!serde_json::to_string(&replay.frames).unwrap().contains("From node one"), "the end user never gets it");
    let transcript = bob.load_chat(chat.id()).await;
    assert!(transcript.messages.iter().any(|m| m.id == sent.id && m.whisper));
}
