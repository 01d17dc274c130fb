//! Team work (issue 7): presence from connected consoles, inviting online agents into a chat,
//! joining and leaving it, transferring it to an online agent of any group or back to a queue;
//! who may see the chat after each. (Across two nodes: two_nodes.rs.)
mod common;

use common::*;

/// Each server here runs on the test clock: a closed console shows offline once the test moves
/// the clock past the presence timeout, and an open one never times out on a slow machine.
const PRESENCE_TIMEOUT_MS: i64 = app::ssr::desk::PRESENCE_TIMEOUT_MS;

fn member<'a>(team: &'a [TeamMember], agent: &Agent) -> &'a TeamMember {
    team.iter().find(|m| m.card.id == agent.id()).unwrap_or_else(|| panic!("{} not in {team:?}", agent.name()))
}

fn team_frame(frame: &ServerFrame) -> Option<&Vec<TeamMember>> {
    match frame {
        ServerFrame::Team { members } => Some(members),
        _ => None,
    }
}

fn online(options: &[GroupOption], group: &str) -> bool {
    options.iter().find(|o| o.group.name == group).unwrap_or_else(|| panic!("no {group} in {options:?}")).agents_online
}

#[tokio::test]
async fn presence_follows_consoles_connecting_choosing_and_closing() {
    let server = TestServer::start_with(&[TEST_CLOCK]).await;
    let api = Api::new(&server);
    let alice = Agent::log_on(&server, ALICE).await;
    let bob = Agent::log_on(&server, BOB).await;
    // Logged on is not online: nobody has a console open yet.
    assert!(bob.team().await.iter().all(|m| m.presence == Presence::Offline));
    assert!(!online(&api.group_options().await, "Network"));

    // Alice opens her console: it learns the whole team, her among it online.
    let mut alice_ws = alice.connect(&server).await;
    alice_ws.hello(0, None).await;
    alice_ws.until_live().await;
    let team = alice_ws.until(|f| team_frame(f).is_some()).await.pop().and_then(|f| team_frame(&f).cloned()).unwrap();
    assert_eq!(member(&team, &alice).presence, Presence::Online);
    assert_eq!(member(&team, &bob).presence, Presence::Offline);
    // The widget tells end users of her groups that someone is there, and of Hardware that nobody is.
    let options = api.group_options().await;
    assert!(online(&options, "Network") && online(&options, "Service Desk"));
    assert!(!online(&options, "Hardware"));

    // Bob connects: Alice sees him come online, live.
    let (mut bob_ws, _) = bob.listen(&server, 0).await;
    alice_ws.until(|f| presence_of(f, bob.id()) == Some(Presence::Online)).await;
    assert!(online(&api.group_options().await, "Hardware"));

    // Bob steps away: colleagues see it, and Hardware has nobody online for end users.
    assert_eq!(bob.set_availability(Availability::Away).await.presence, Presence::Away);
    alice_ws.until(|f| presence_of(f, bob.id()) == Some(Presence::Away)).await;
    assert!(!online(&api.group_options().await, "Hardware"));
    assert_eq!(member(&alice.team().await, &bob).presence, Presence::Away);
    bob.set_availability(Availability::Online).await;
    alice_ws.until(|f| presence_of(f, bob.id()) == Some(Presence::Online)).await;

    // Bob closes his console: once the server let it go, he is offline after the presence
    // timeout, not before.
    drop(bob_ws.socket().close(None).await);
    drop(bob_ws);
    server.until_sockets("agent", 1).await;
    server.advance_clock(PRESENCE_TIMEOUT_MS - 1).await;
    assert_eq!(member(&alice.team().await, &bob).presence, Presence::Online);
    server.advance_clock(1).await;
    alice_ws.until(|f| presence_of(f, bob.id()) == Some(Presence::Offline)).await;
    assert_eq!(member(&alice.team().await, &bob).presence, Presence::Offline);
    // He chose online, so a new console shows him online again at once.
    let (_bob_ws, _) = bob.listen(&server, 0).await;
    alice_ws.until(|f| presence_of(f, bob.id()) == Some(Presence::Online)).await;
}

#[tokio::test]
async fn invited_agents_join_see_the_whole_chat_write_as_themselves_and_leave() {
    let server = TestServer::start_with(&[TEST_CLOCK]).await;
    let alice = Agent::log_on(&server, ALICE).await;
    let bob = Agent::log_on(&server, BOB).await;
    let carol = Agent::log_on(&server, CAROL).await;
    let chat = start_chat(&server, "Network", "The VPN drops every hour").await;
    let first = chat.post("u-1", "Since Monday").await;
    alice.take(chat.id()).await;
    let (mut user_ws, _) = chat.listen(&server, 0).await;
    let (_alice_ws, _) = alice.listen(&server, 0).await;

    // Bob has no console open: he is not offered, and inviting him anyway fails clearly.
    let refused = bob.try_invite(chat.id(), bob.id()).await.refusal(StatusCode::NOT_FOUND);
    assert_eq!(refused, ApiError::NoSuchChat, "only the chat's agents may invite");
    let refused = alice.try_invite(chat.id(), bob.id()).await.refusal(StatusCode::CONFLICT);
    assert_eq!(refused, ApiError::Team(TeamRefusal::Offline("Bob Builder".into())));
    assert!(bob.console().await.invitations.is_empty());

    // Online now: the invitation reaches him (and not the end user, nor Carol of the group).
    let (mut bob_ws, _) = bob.listen(&server, 0).await;
    let (mut carol_ws, _) = carol.listen(&server, 0).await;
    alice.try_invite(chat.id(), bob.id()).await.ok::<()>();
    let frames = bob_ws.until(|f| matches!(f, ServerFrame::Event(e) if matches!(e.event, ChatEvent::Invited { .. }))).await;
    let Some(ServerFrame::Event(StreamEvent { event: ChatEvent::Invited { request, by, .. }, .. })) = frames.last() else {
        panic!("{frames:?}")
    };
    assert_eq!((request.id, by.id), (chat.id(), alice.id()));
    assert_eq!(bob.console().await.invitations.iter().map(|i| i.request.id).collect::<Vec<_>>(), vec![chat.id()]);
    // Invited is not joined: the chat is not his to read yet, and Carol cannot join uninvited.
    assert_eq!(bob.try_load_chat(chat.id()).await.refusal(StatusCode::NOT_FOUND), ApiError::NoSuchChat);
    assert_eq!(carol.try_join(chat.id()).await.refusal(StatusCode::NOT_FOUND), ApiError::NoSuchChat);

    // He joins: the whole history, the end user sees him join, his messages carry his name.
    let transcript = bob.join(chat.id()).await;
    assert_eq!(transcript.messages.first(), Some(&first));
    assert!(transcript.request.is_guest(bob.id()));
    assert_eq!(bob.join(chat.id()).await.request.guests.len(), 1, "joining twice is once");
    let joined = user_ws.until(|f| posted(f).is_some_and(|m| m.author == Author::Desk)).await;
    assert!(seen(&events(&joined)).contains(&Seen::Joined(chat.id(), bob.id())));
    assert_eq!(posted(joined.last().unwrap()).unwrap().body, "Bob Builder joined the chat.");
    // What it says is kept as a code too, so the widget words it in the end user's language.
    assert_eq!(posted(joined.last().unwrap()).unwrap().line, Some(DeskLine::Joined { agent: "Bob Builder".into() }));
    let hello = bob.post(chat.id(), "b-1", "Network team here").await;
    let Author::Agent(author) = &hello.author else { panic!("{hello:?}") };
    assert_eq!(author.name, "Bob Builder");
    user_ws.until(|f| posted(f) == Some(&hello)).await;
    assert!(bob.console().await.my_chats.iter().any(|t| t.request.id == chat.id()), "his console holds it too");
    assert!(bob.console().await.invitations.is_empty());

    // A guest's typing reaches the end user and the holder; he may not end the chat for all.
    bob_ws.send(&ClientFrame::Typing { chat_id: chat.id() }).await;
    user_ws.until(|f| matches!(f, ServerFrame::Typing { by: Author::Agent(a), .. } if a.id == bob.id())).await;
    let refused = bob.try_end(chat.id()).await.refusal(StatusCode::CONFLICT);
    assert_eq!(refused, ApiError::Team(TeamRefusal::GuestCannotEnd));
    assert_eq!(alice.try_leave(chat.id()).await.refusal(StatusCode::CONFLICT), ApiError::Team(TeamRefusal::HolderCannotLeave));

    // He leaves: the chat goes on, he can no longer read or write it.
    bob.try_leave(chat.id()).await.ok::<()>();
    let left = user_ws.until(|f| posted(f).is_some_and(|m| m.body == "Bob Builder left the chat.")).await;
    assert!(seen(&events(&left)).contains(&Seen::Left(chat.id(), bob.id())));
    assert_eq!(bob.try_load_chat(chat.id()).await.refusal(StatusCode::NOT_FOUND), ApiError::NoSuchChat);
    assert_eq!(bob.try_post(chat.id(), "b-2", "still here?").await.refusal(StatusCode::NOT_FOUND), ApiError::NoSuchChat);
    let after = alice.post(chat.id(), "a-1", "Back to just us").await;
    user_ws.until(|f| posted(f) == Some(&after)).await;

    // Carol (same group, never invited) saw none of it; the end user never saw an invitation.
    let (_, carol_replay) = carol.listen(&server, 0).await;
    assert!(carol_replay.events.iter().all(|e| !matches!(e.event, ChatEvent::Invited { .. } | ChatEvent::MessagePosted { .. })));
    drop(carol_ws.socket().close(None).await);
    let (_, user_replay) = chat.listen(&server, 0).await;
    assert!(user_replay.events.iter().all(|e| !matches!(e.event, ChatEvent::Invited { .. })), "{user_replay:?}");
}

#[tokio::test]
async fn a_transfer_hands_the_chat_its_records_and_history_to_an_online_agent_of_another_group() {
    let server = TestServer::start_with(&[TEST_CLOCK]).await;
    let alice = Agent::log_on(&server, ALICE).await;
    let bob = Agent::log_on(&server, BOB).await;
    let hardware = Api::new(&server).group_id("Hardware").await;
    let network = Api::new(&server).group_id("Network").await;
    let chat = start_chat(&server, "Network", "My laptop will not charge").await;
    let (_, records) = alice.take_with_records(chat.id()).await;
    let mine = alice.post(chat.id(), "a-1", "Let me look").await;
    let (mut user_ws, _) = chat.listen(&server, 0).await;
    let (_alice_ws, _) = alice.listen(&server, 0).await;
    let to_bob = TransferTarget::Agent { agent_id: bob.id(), group_id: hardware };

    // Bob is offline: refused clearly, and nothing changed.
    let refused = alice.try_transfer(chat.id(), to_bob).await.refusal(StatusCode::CONFLICT);
    assert_eq!(refused, ApiError::Team(TeamRefusal::Offline("Bob Builder".into())));
    assert_eq!(alice.load_chat(chat.id()).await.request.agent.map(|a| a.id), Some(alice.id()));
    // Bob is not in Network: he can take it only as Hardware's.
    let (mut bob_ws, _) = bob.listen(&server, 0).await;
    let wrong_group = TransferTarget::Agent { agent_id: bob.id(), group_id: network };
    let refused = alice.try_transfer(chat.id(), wrong_group).await.refusal(StatusCode::CONFLICT);
    assert_eq!(refused, ApiError::Team(TeamRefusal::NotInGroup("Bob Builder".into(), "Network".into())));

    alice.try_transfer(chat.id(), to_bob).await.ok::<()>();
    // Bob is told and takes over; the end user sees the new agent and a line in the conversation.
    bob_ws.until(|f| matches!(f, ServerFrame::Event(e) if matches!(&e.event, ChatEvent::Transferred { to: Some(to), .. } if to.id == bob.id()))).await;
    let line = user_ws.until(|f| posted(f).is_some_and(|m| m.author == Author::Desk)).await;
    assert!(seen(&events(&line)).contains(&Seen::Transferred(chat.id(), Some(bob.id()))));
    assert_eq!(posted(line.last().unwrap()).unwrap().body, "Alice Agent transferred the chat to Bob Builder (Hardware).");
    let snapshot = chat.resume().await;
    assert_eq!(snapshot.transcript.request.agent.as_ref().map(|a| a.name.as_str()), Some("Bob Builder"));
    assert_eq!(snapshot.transcript.request.group.name, "Hardware");

    // History and records stay with the chat.
    let transcript = bob.load_chat(chat.id()).await;
    assert!(transcript.messages.contains(&mine));
    assert_eq!(bob.records(chat.id()).await.interaction.map(|t| t.id), records.interaction.map(|t| t.id));
    let reply = bob.post(chat.id(), "b-1", "Hardware here").await;
    user_ws.until(|f| posted(f) == Some(&reply)).await;

    // Alice no longer holds it: she can neither read nor write it, nor hand it on again.
    assert_eq!(alice.try_load_chat(chat.id()).await.refusal(StatusCode::NOT_FOUND), ApiError::NoSuchChat);
    assert_eq!(alice.try_post(chat.id(), "a-2", "hello?").await.refusal(StatusCode::NOT_FOUND), ApiError::NoSuchChat);
    let back = TransferTarget::Agent { agent_id: alice.id(), group_id: network };
    assert_eq!(alice.try_transfer(chat.id(), back).await.refusal(StatusCode::NOT_FOUND), ApiError::NoSuchChat);
    assert!(alice.console().await.my_chats.iter().all(|t| t.request.id != chat.id()));
    // …unless Bob invites her back in.
    bob.try_invite(chat.id(), alice.id()).await.ok::<()>();
    assert!(alice.join(chat.id()).await.messages.contains(&reply));
}

#[tokio::test]
async fn a_chat_transferred_back_to_a_queue_waits_there_for_any_agent_of_that_group() {
    let server = TestServer::start_with(&[TEST_CLOCK]).await;
    let alice = Agent::log_on(&server, ALICE).await;
    let bob = Agent::log_on(&server, BOB).await;
    let hardware = Api::new(&server).group_id("Hardware").await;
    let chat = start_chat(&server, "Network", "Broken keyboard").await;
    alice.take(chat.id()).await;
    let (mut user_ws, _) = chat.listen(&server, 0).await;
    let (mut bob_ws, _) = bob.listen(&server, 0).await;

    // A queue needs nobody online.
    assert_eq!(
        bob.try_transfer(chat.id(), TransferTarget::Queue { group_id: hardware }).await.refusal(StatusCode::NOT_FOUND),
        ApiError::NoSuchChat
    );
    alice.try_transfer(chat.id(), TransferTarget::Queue { group_id: hardware }).await.ok::<()>();
    // Hardware's agents see it arrive; the end user waits again, first in line.
    bob_ws.until(|f| queued(f) == Some(chat.id())).await;
    user_ws.until(|f| matches!(f, ServerFrame::QueuePlace { place: 1, .. })).await;
    let waiting = chat.resume().await;
    assert_eq!(waiting.transcript.request.state, ChatState::Queued);
    assert_eq!(waiting.queue_place, Some(1));
    assert!(bob.console().await.queued.iter().any(|r| r.id == chat.id()));
    assert_eq!(alice.try_load_chat(chat.id()).await.refusal(StatusCode::NOT_FOUND), ApiError::NoSuchChat);

    let taken = bob.take(chat.id()).await;
    assert_eq!(taken.request.agent.map(|a| a.id), Some(bob.id()));
    assert!(taken.messages.iter().any(|m| m.body == "Alice Agent transferred the chat to the Hardware queue."));
    // Read back from the store, the line keeps its code.
    assert!(taken.messages.iter().any(|m| m.line
        == Some(DeskLine::TransferredToQueue { from: "Alice Agent".into(), group: "Hardware".into() })));
}

/// A chat handed back to a queue gets a fresh pickup window: nobody taking it in time makes it
/// a missed chat like any other (its first deadline was used up when it was accepted).
#[tokio::test]
async fn a_chat_transferred_back_to_a_queue_is_missed_if_nobody_takes_it_in_time() {
    let server = TestServer::start_with(&[("DESKCHAT_PICKUP_TIMEOUT_SECS", "60"), TEST_CLOCK]).await;
    let alice = Agent::log_on(&server, ALICE).await;
    let chat = start_chat(&server, "Network", "Nobody picks me up twice").await;
    alice.take(chat.id()).await;
    let (mut user_ws, _) = chat.listen(&server, 0).await;
    // The first deadline comes due while the chat is in progress: used up, nothing happens.
    let marker = alice.post(chat.id(), "a-0", "Let me pass you on").await;
    user_ws.until(|f| posted(f) == Some(&marker)).await;
    let network = Api::new(&server).group_id("Network").await;
    assert_eq!(server.advance_clock(60_000).await, 1, "the first deadline came due and was used up");
    assert_eq!(chat.resume().await.transcript.request.state, ChatState::Active);

    alice.try_transfer(chat.id(), TransferTarget::Queue { group_id: network }).await.ok::<()>();
    assert_eq!(server.advance_clock(60_000).await, 1, "a fresh minute in the queue, then missed");
    let frames = user_ws.until(|f| matches!(f, ServerFrame::Event(e) if matches!(e.event, ChatEvent::Missed { .. }))).await;
    let Some(ServerFrame::Event(StreamEvent { event: ChatEvent::Missed { incident, .. }, .. })) = frames.last() else {
        panic!("{frames:?}")
    };
    assert!(incident.is_some(), "a 'Missed Chat' incident was made");
    assert_eq!(chat.resume().await.transcript.request.state, ChatState::Missed);
}
