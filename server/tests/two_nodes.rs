//! Several server nodes on one PostgreSQL database: a chat is served from whichever node each
//! party is connected to, a node can die without losing anything it acknowledged, and writes
//! from both nodes form one ordered stream that every node delivers alike.
//!
//! These always run on PostgreSQL (`DESKCHAT_TEST_POSTGRES`, else the local server): several
//! nodes cannot share an SQLite file.
mod common;

use std::collections::HashSet;

use common::*;
use futures::StreamExt;
use serde_json::json;
use tokio::sync::mpsc;

fn accepted(chat_id: ChatId) -> impl Fn(&ServerFrame) -> bool {
    move |f| matches!(f, ServerFrame::Event(StreamEvent { event: ChatEvent::Accepted { chat_id: c, .. }, .. }) if *c == chat_id)
}

fn is_message(id: i64) -> impl Fn(&ServerFrame) -> bool {
    move |f| posted(f).is_some_and(|m| m.id == id)
}

/// Pings and reads up to the pong: whatever was already on its way is in the frames.
async fn flush(ws: &mut WsClient) -> Vec<ServerFrame> {
    ws.send(&ClientFrame::Ping).await;
    let mut frames = ws.until(|f| *f == ServerFrame::Pong).await;
    frames.pop();
    frames
}

/// Reads until `count` messages were posted on the socket, then flushes it.
async fn read_messages(mut ws: WsClient, count: usize) -> Vec<ServerFrame> {
    let mut frames = Vec::new();
    let mut messages = 0;
    while messages < count {
        let frame = ws.next_frame().await;
        messages += usize::from(posted(&frame).is_some());
        frames.push(frame);
    }
    frames.extend(flush(&mut ws).await);
    frames
}

/// The events of a replay from position 0 after `after`.
fn after(replay: &Replay, after: Position) -> Vec<StreamEvent> {
    replay.events.iter().filter(|e| e.position > after).cloned().collect()
}

/// Asserts no event twice and none out of order, message ids included.
fn assert_once_in_order(events: &[StreamEvent]) {
    assert_strictly_increasing(events);
    let ids: Vec<i64> = events
        .iter()
        .filter_map(|e| match &e.event {
            ChatEvent::MessagePosted { message } => Some(message.id),
            _ => None,
        })
        .collect();
    assert!(ids.windows(2).all(|p| p[0] < p[1]), "message ids out of order or doubled: {ids:?}");
}

#[tokio::test]
async fn a_chat_started_on_one_node_is_accepted_and_answered_on_the_other() {
    let a = TestServer::start_on_postgres().await;
    let b = a.another_node().await;
    let alice = Agent::log_on(&b, ALICE).await;
    let (mut console, console_start) = alice.listen(&b, 0).await;

    // Node A: the widget's HTTP calls and its socket.
    let chat = start_chat(&a, "Network", "The VPN drops every hour").await;
    let (mut widget, widget_start) = chat.listen(&a, 0).await;
    assert_eq!(seen(&widget_start.events), vec![Seen::Queued(chat.id())]);

    // Node B: the request arrives live, is accepted, answered.
    let mut console_frames = console.until(|f| queued(f) == Some(chat.id())).await;
    let transcript = alice.take(chat.id()).await;
    assert_eq!(transcript.request.state, ChatState::Active);
    console_frames.extend(console.until(accepted(chat.id())).await);

    let mut widget_frames = widget.until(accepted(chat.id())).await;
    let ServerFrame::Event(StreamEvent { event: ChatEvent::Accepted { agent, .. }, .. }) = widget_frames.last().unwrap() else {
        unreachable!()
    };
    assert_eq!(agent.id, alice.id(), "the end user on A learns who accepted on B");

    let reply = alice.post(chat.id(), "a-1", "Hi, Alice here (node B).").await;
    widget_frames.extend(widget.until(is_message(reply.id)).await);
    console_frames.extend(console.until(is_message(reply.id)).await);

    let answer = chat.post("u-1", "Thanks, writing from node A.").await;
    console_frames.extend(console.until(is_message(answer.id)).await);
    widget_frames.extend(widget.until(is_message(answer.id)).await);
    console_frames.extend(flush(&mut console).await);
    widget_frames.extend(flush(&mut widget).await);

    let console_events = events(&console_frames);
    assert_eq!(
        seen(&console_events),
        vec![Seen::Queued(chat.id()), Seen::Accepted(chat.id(), alice.id()), Seen::Message(reply.id), Seen::Message(answer.id)]
    );
    assert!(console_events[0].position > console_start.live);
    assert_strictly_increasing(&console_events);
    let mut widget_events = widget_start.events.clone();
    widget_events.extend(events(&widget_frames));
    assert_eq!(
        seen(&widget_events),
        vec![Seen::Queued(chat.id()), Seen::Accepted(chat.id(), alice.id()), Seen::Message(reply.id), Seen::Message(answer.id)]
    );
    assert_strictly_increasing(&widget_events);

    // Each node tells the same story: the positions and payloads are the store's, not a node's.
    // (A replay leaves out the arrival of a request no longer waiting, as the console would.)
    let (_, agent_on_a) = alice.listen(&a, 0).await;
    let (_, agent_on_b) = alice.listen(&b, 0).await;
    assert_eq!(agent_on_a.events, agent_on_b.events);
    assert_eq!(after(&agent_on_a, console_start.live), console_events[1..]);
    let (_, widget_on_b) = chat.listen(&b, 0).await;
    assert_eq!(widget_on_b.events, widget_events);
    assert_eq!(widget_on_b.live, agent_on_a.live);
    assert_eq!(alice.try_load_chat(chat.id()).await.ok::<ChatTranscript>().messages, vec![reply, answer]);
}

#[tokio::test]
async fn killing_a_node_mid_conversation_loses_nothing_it_acknowledged() {
    let mut a = TestServer::start_on_postgres().await;
    let b = a.another_node().await;
    let alice = Agent::log_on(&b, ALICE).await;
    let chat = start_chat(&a, "Network", "Teams keeps signing me out").await;
    alice.take(chat.id()).await;
    let (console, console_start) = alice.listen(&b, 0).await;
    let (widget, widget_start) = chat.listen(&a, 0).await;
    // The widget on A reads until its node dies under it.
    let widget_on_a = tokio::spawn(async move {
        let mut widget = widget;
        widget.until_closed().await.0
    });

    // The end user posts on A until A stops answering; Alice posts on B meanwhile.
    let (acks, mut acked) = mpsc::unbounded_channel::<(Party, ChatMessage)>();
    let user = {
        let (api, token, acks) = (chat.api.clone(), chat.token.clone(), acks.clone());
        tokio::spawn(async move {
            for n in 0.. {
                let client_id = format!("u-{n}");
                let args = json!({ "token": token, "client_id": client_id, "body": format!("End user line {n}") });
                match api.try_call("post_as_end_user", args).await {
                    Ok(reply) if reply.status == StatusCode::OK => {
                        let _ = acks.send((Party::EndUser, reply.ok()));
                    }
                    // Killed under it: this one may or may not have committed.
                    _ => return client_id,
                }
            }
            unreachable!()
        })
    };
    let agent = {
        let (api, chat_id, acks) = (alice.api.clone(), chat.id(), acks.clone());
        tokio::spawn(async move {
            for n in 0..30 {
                let args = json!({ "chat_id": chat_id, "client_id": format!("a-{n}"), "body": format!("Agent line {n}") });
                let _ = acks.send((Party::Agent, api.call("post_as_agent", args).await.ok()));
            }
        })
    };
    drop(acks);

    // Kill A mid-conversation: after some acknowledgements from each side.
    let mut acknowledged = Vec::new();
    let (mut from_user, mut from_agent) = (0, 0);
    while from_user < 15 || from_agent < 5 {
        let (party, message) =
            tokio::time::timeout(WAIT, acked.recv()).await.expect("posts are acknowledged in time").expect("posters run");
        match party {
            Party::EndUser => from_user += 1,
            Party::Agent => from_agent += 1,
        }
        acknowledged.push(message);
    }
    a.kill();
    let in_flight = tokio::time::timeout(WAIT, user).await.expect("the end user's posts fail once A is gone").unwrap();
    tokio::time::timeout(WAIT * 3, agent).await.expect("Alice's posts on B go on").unwrap();
    while let Some((_, message)) = acked.recv().await {
        acknowledged.push(message);
    }
    acknowledged.sort_by_key(|m| m.id);
    let widget_frames = tokio::time::timeout(WAIT, widget_on_a).await.expect("the widget's socket on A ends").unwrap();

    // Node B has every acknowledged message, once, in order; at most the one in flight beside.
    let transcript: ChatTranscript = alice.try_load_chat(chat.id()).await.ok();
    let acked_ids: HashSet<i64> = acknowledged.iter().map(|m| m.id).collect();
    let extra: Vec<&ChatMessage> = transcript.messages.iter().filter(|m| !acked_ids.contains(&m.id)).collect();
    assert!(
        extra.iter().all(|m| m.client_id == in_flight && m.author == Author::EndUser),
        "only the post in flight at the kill may be there unacknowledged ({in_flight}): {extra:?}"
    );
    let in_transcript: Vec<&ChatMessage> = transcript.messages.iter().filter(|m| acked_ids.contains(&m.id)).collect();
    assert_eq!(in_transcript, acknowledged.iter().collect::<Vec<_>>());
    let transcript_ids: Vec<i64> = transcript.messages.iter().map(|m| m.id).collect();
    assert!(transcript_ids.windows(2).all(|p| p[0] < p[1]), "{transcript_ids:?}");

    // A replay from 0 on B: the same messages, once each.
    let (_, full) = alice.listen(&b, 0).await;
    assert_once_in_order(&full.events);
    let replayed: Vec<i64> = full.frames.iter().filter_map(posted).map(|m| m.id).collect();
    assert_eq!(replayed, transcript_ids);
    // Alice's console on B saw all of it live too, A's writes and hers, and nothing else.
    let live = read_messages(console, transcript_ids.len()).await;
    assert_eq!(events(&live), after(&full, console_start.live));

    // The end user comes back on B with the same token and misses nothing, sees nothing twice.
    let resumed = EndUserChat { api: Api::new(&b), token: chat.token.clone(), snapshot: chat.snapshot.clone() };
    let snapshot = resumed.resume().await;
    assert_eq!(snapshot.transcript.messages, transcript.messages);
    let mut widget_events = widget_start.events.clone();
    widget_events.extend(events(&widget_frames));
    let applied = widget_events.last().map_or(widget_start.live, |e| e.position);
    let (mut widget, replay) = resumed.listen(&b, applied).await;
    assert!(replay.events.iter().all(|e| e.position > applied));
    widget_events.extend(replay.events.iter().cloned());
    assert_once_in_order(&widget_events);
    let widget_ids: Vec<i64> = widget_events
        .iter()
        .filter_map(|e| match &e.event {
            ChatEvent::MessagePosted { message } => Some(message.id),
            _ => None,
        })
        .collect();
    assert_eq!(widget_ids, transcript_ids, "before the kill on A, then resumed on B: every message once");
    assert_eq!(replay.live, snapshot.position);

    // And the conversation goes on, on B alone.
    let next = resumed.post("after-kill", "Still there?").await;
    let frames = widget.until(is_message(next.id)).await;
    assert_eq!(posted_ids(&frames), vec![next.id]);
    assert!(events(&frames)[0].position > replay.live);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn writes_from_both_nodes_form_one_stream_that_each_node_delivers_alike() {
    const EACH: usize = 50;
    let a = TestServer::start_on_postgres().await;
    let b = a.another_node().await;
    let alice = Agent::log_on(&b, ALICE).await;
    let carol = Agent::log_on(&b, CAROL).await;
    let one = start_chat(&a, "Network", "Chat one").await;
    let two = start_chat(&a, "Network", "Chat two").await;
    alice.take(one.id()).await;
    carol.take(two.id()).await;

    // Each agent's console on each node, each widget on A.
    let mut sockets = Vec::new();
    for (agent, server) in [(&alice, &a), (&alice, &b), (&carol, &a), (&carol, &b)] {
        sockets.push(agent.listen(server, 0).await);
    }
    let starts: Vec<Position> = sockets.iter().map(|(_, replay)| replay.live).collect();
    let readers: Vec<_> = sockets.into_iter().map(|(ws, _)| tokio::spawn(read_messages(ws, 2 * EACH))).collect();
    let widgets: Vec<_> = {
        let mut widgets = Vec::new();
        for chat in [&one, &two] {
            let (ws, _) = chat.listen(&a, 0).await;
            widgets.push(tokio::spawn(read_messages(ws, 2 * EACH)));
        }
        widgets
    };

    // Four writers at once, two on each node, a few posts in flight each.
    let post_all = |post: &'static str, api: Api, args: Box<dyn Fn(usize) -> serde_json::Value + Send + Sync>| async move {
        futures::stream::iter(0..EACH)
            .map(|n| api.call(post, args(n)))
            .buffer_unordered(5)
            .map(|reply| reply.ok::<ChatMessage>())
            .collect::<Vec<_>>()
            .await
    };
    let (t1, t2) = (one.token.clone(), two.token.clone());
    let (c1, c2) = (one.id(), two.id());
    let (u1, u2, m1, m2) = tokio::join!(
        post_all(
            "post_as_end_user",
            one.api.clone(),
            Box::new(move |n| json!({ "token": t1, "client_id": format!("u-{n}"), "body": format!("one: user {n}") }))
        ),
        post_all(
            "post_as_end_user",
            two.api.clone(),
            Box::new(move |n| json!({ "token": t2, "client_id": format!("u-{n}"), "body": format!("two: user {n}") }))
        ),
        post_all(
            "post_as_agent",
            alice.api.clone(),
            Box::new(move |n| json!({ "chat_id": c1, "client_id": format!("a-{n}"), "body": format!("one: Alice {n}") }))
        ),
        post_all(
            "post_as_agent",
            carol.api.clone(),
            Box::new(move |n| json!({ "chat_id": c2, "client_id": format!("c-{n}"), "body": format!("two: Carol {n}") }))
        ),
    );
    let mut expected = [u1.into_iter().chain(m1).collect::<Vec<_>>(), u2.into_iter().chain(m2).collect::<Vec<_>>()];
    for (messages, chat) in expected.iter_mut().zip([&one, &two]) {
        messages.sort_by_key(|m| m.id);
        assert!(messages.iter().all(|m| m.chat_id == chat.id()));
        assert!(messages.windows(2).all(|p| p[0].id < p[1].id), "a message id twice");
    }

    let mut received = Vec::new();
    for reader in readers {
        received.push(events(&tokio::time::timeout(WAIT * 3, reader).await.expect("every console reads its messages").unwrap()));
    }
    let replays =
        [alice.listen(&a, 0).await.1, alice.listen(&b, 0).await.1, carol.listen(&a, 0).await.1, carol.listen(&b, 0).await.1];
    for (i, (live, replay)) in received.iter().zip(&replays).enumerate() {
        assert_once_in_order(live);
        assert_eq!(*live, after(replay, starts[i]), "socket {i}: live differs from a replay on its node");
        let messages: Vec<&ChatMessage> = live
            .iter()
            .filter_map(|e| match &e.event {
                ChatEvent::MessagePosted { message } => Some(message),
                _ => None,
            })
            .collect();
        assert_eq!(
            messages,
            expected[i / 2].iter().collect::<Vec<_>>(),
            "socket {i}: its chat's messages, in order, and no others"
        );
    }
    // The same agent on two nodes: the same sequence, positions and all.
    assert_eq!(starts[0], starts[1]);
    assert_eq!(received[0], received[1], "Alice on A and on B");
    assert_eq!(starts[2], starts[3]);
    assert_eq!(received[2], received[3], "Carol on A and on B");
    assert_eq!(replays[0].live, replays[1].live);

    for (widget, (chat, messages)) in widgets.into_iter().zip([&one, &two].into_iter().zip(&expected)) {
        let frames = tokio::time::timeout(WAIT * 3, widget).await.expect("every widget reads its messages").unwrap();
        let live = events(&frames);
        assert_once_in_order(&live);
        assert_eq!(frames.iter().filter_map(posted).collect::<Vec<_>>(), messages.iter().collect::<Vec<_>>());
        let transcript = chat.resume().await.transcript.messages;
        assert_eq!(&transcript, messages);
        let on_b = EndUserChat { api: Api::new(&b), token: chat.token.clone(), snapshot: chat.snapshot.clone() };
        assert_eq!(on_b.resume().await.transcript.messages, transcript);
    }
}

/// Both nodes run the scheduler; a missed-chat deadline is fired by exactly one of them.
#[tokio::test]
async fn a_deadline_fires_once_with_two_nodes() {
    let node_a = TestServer::start_on_postgres_with(&[TEST_CLOCK, ("DESKCHAT_PICKUP_TIMEOUT_SECS", "60")]).await;
    let node_b = node_a.another_node().await;
    let alice = Agent::log_on(&node_b, ALICE).await;
    let (mut console_b, _) = alice.listen(&node_b, 0).await;
    let chat = start_chat(&node_a, "Network", "Nobody will come").await;
    let (mut widget_a, _) = chat.listen(&node_a, 0).await;
    // Both nodes' schedulers see the deadline come due at once.
    assert_eq!(advance_clocks(&[&node_a, &node_b], 60_000).await, 1);

    let is_missed = |f: &ServerFrame| matches!(f, ServerFrame::Event(StreamEvent { event: ChatEvent::Missed { .. }, .. }));
    widget_a.until(is_missed).await;
    console_b.until(is_missed).await;
    // Whatever both schedulers did, the stream holds one Missed, on either node.
    for node in [&node_a, &node_b] {
        let (_, replay) = chat.listen(node, 0).await;
        assert_eq!(seen(&replay.events), vec![Seen::Queued(chat.id()), Seen::Missed(chat.id())]);
    }
    let request = chat.resume().await.transcript.request;
    assert_eq!(request.state, ChatState::Missed);
    // Converted once: one 'Missed Chat' incident, on both nodes.
    let number = request.incident.expect("the end user is told the ticket");
    for node in [&node_a, &node_b] {
        let admin = Agent::log_on(node, ADMIN).await;
        assert_eq!(admin.incident_numbers().await, vec![number.clone()]);
    }
}

/// Typing signals are never stored, so each node passes its own to the others (NOTIFY): the
/// end user on node A and the agent on node B hear each other.
#[tokio::test]
async fn typing_crosses_between_nodes() {
    let node_a = TestServer::start_on_postgres().await;
    let node_b = node_a.another_node().await;
    let alice = Agent::log_on(&node_b, ALICE).await;
    let chat = start_chat(&node_a, "Network", "Typing across nodes").await;
    alice.take(chat.id()).await;
    let (mut widget_a, _) = chat.listen(&node_a, 0).await;
    let (mut console_b, _) = alice.listen(&node_b, 0).await;

    widget_a.send(&ClientFrame::Typing { chat_id: chat.id() }).await;
    let heard = console_b.until(|f| matches!(f, ServerFrame::Typing { .. })).await;
    assert_eq!(heard.last(), Some(&ServerFrame::Typing { chat_id: chat.id(), by: Author::EndUser }));

    console_b.send(&ClientFrame::Typing { chat_id: chat.id() }).await;
    let heard = widget_a.until(|f| matches!(f, ServerFrame::Typing { .. })).await;
    assert!(
        matches!(heard.last(), Some(ServerFrame::Typing { by: Author::Agent(card), .. }) if card.id == alice.id()),
        "{heard:?}"
    );
}

/// Team work with the agents on different nodes: presence is seen across nodes (and a node's
/// agents go offline when its consoles close), an invitation and a join cross over, a guest's
/// typing reaches the other node, and a transfer hands the chat to an agent on the other node.
#[tokio::test]
async fn presence_invite_and_transfer_cross_between_nodes() {
    let node_a = TestServer::start_on_postgres_with(&[TEST_CLOCK]).await;
    let node_b = node_a.another_node().await;
    let alice = Agent::log_on(&node_a, ALICE).await;
    let bob = Agent::log_on(&node_b, BOB).await;
    let carol = Agent::log_on(&node_b, CAROL).await;
    let hardware = Api::new(&node_a).group_id("Hardware").await;
    let chat = start_chat(&node_a, "Network", "Team work across nodes").await;
    alice.take(chat.id()).await;
    let (mut alice_ws, _) = alice.listen(&node_a, 0).await;
    let (mut widget_a, _) = chat.listen(&node_a, 0).await;

    // Bob's console on node B: Alice on node A sees him online, and he can be invited.
    let (mut bob_ws, _) = bob.listen(&node_b, 0).await;
    alice_ws.until(|f| presence_of(f, bob.id()) == Some(Presence::Online)).await;
    alice.try_invite(chat.id(), bob.id()).await.ok::<()>();
    bob_ws.until(|f| matches!(f, ServerFrame::Event(e) if matches!(e.event, ChatEvent::Invited { .. }))).await;
    bob.join(chat.id()).await;
    widget_a.until(|f| posted(f).is_some_and(|m| m.body == "Bob Builder joined the chat.")).await;
    bob_ws.send(&ClientFrame::Typing { chat_id: chat.id() }).await;
    widget_a.until(|f| matches!(f, ServerFrame::Typing { by: Author::Agent(a), .. } if a.id == bob.id())).await;
    alice_ws.until(|f| matches!(f, ServerFrame::Typing { by: Author::Agent(a), .. } if a.id == bob.id())).await;

    // A transfer to Carol, online on node B only: she takes over there, Alice is out on node A.
    let (mut carol_ws, _) = carol.listen(&node_b, 0).await;
    alice_ws.until(|f| presence_of(f, carol.id()) == Some(Presence::Online)).await;
    let network = Api::new(&node_a).group_id("Network").await;
    alice.try_transfer(chat.id(), TransferTarget::Agent { agent_id: carol.id(), group_id: network }).await.ok::<()>();
    carol_ws.until(|f| matches!(f, ServerFrame::Event(e) if matches!(&e.event, ChatEvent::Transferred { to: Some(to), .. } if to.id == carol.id()))).await;
    let reply = carol.post(chat.id(), "c-1", "Carol here").await;
    widget_a.until(|f| posted(f) == Some(&reply)).await;
    assert_eq!(alice.try_load_chat(chat.id()).await.refusal(StatusCode::NOT_FOUND), ApiError::NoSuchChat);

    // Bob's node-B console closes: node A's Alice sees him go offline, and he cannot be handed
    // the chat any more.
    drop(bob_ws.socket().close(None).await);
    drop(bob_ws);
    node_b.until_sockets("agent", 1).await;
    advance_clocks(&[&node_a, &node_b], app::ssr::desk::PRESENCE_TIMEOUT_MS).await;
    alice_ws.until(|f| presence_of(f, bob.id()) == Some(Presence::Offline)).await;
    let refused = carol.try_transfer(chat.id(), TransferTarget::Agent { agent_id: bob.id(), group_id: hardware }).await;
    assert_eq!(refused.refusal(StatusCode::CONFLICT), ApiError::Team(TeamRefusal::Offline("Bob Builder".into())));
}
