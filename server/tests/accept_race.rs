//! Two agents of the same group accept the same request at once: exactly one wins, the other is
//! told who did, and the stream holds a single `Accepted` per chat.
mod common;

use std::collections::HashMap;

use common::*;
use futures::future::join_all;

const CHATS: usize = 20;

#[tokio::test]
async fn concurrent_accepts_have_exactly_one_winner() {
    let server = TestServer::start().await;
    // Both are in Network; Carol, also in Network, only watches.
    let alice = Agent::log_on(&server, ALICE).await;
    let admin = Agent::log_on(&server, ADMIN).await;
    let carol = Agent::log_on(&server, CAROL).await;

    let mut chats = Vec::new();
    for n in 0..CHATS {
        chats.push(start_chat(&server, "Network", &format!("Race number {n}")).await.id());
    }

    // Every chat is raced by both agents at once, and all races run at the same time.
    let (alice_ref, admin_ref) = (&alice, &admin);
    let races = chats.iter().map(|&id| async move {
        let (a, b) = tokio::join!(alice_ref.accept(id), admin_ref.accept(id));
        (id, a, b)
    });
    let mut winners: HashMap<ChatId, AgentId> = HashMap::new();
    for (id, by_alice, by_admin) in join_all(races).await {
        let (winner, transcript, loser_told) = match (by_alice, by_admin) {
            (AcceptOutcome::Accepted(t, _), AcceptOutcome::AlreadyTaken { by }) => (&alice, t, by),
            (AcceptOutcome::AlreadyTaken { by }, AcceptOutcome::Accepted(t, _)) => (&admin, t, by),
            other => panic!("chat {id}: not exactly one winner: {other:?}"),
        };
        assert_eq!(transcript.request.id, id);
        assert_eq!(transcript.request.state, ChatState::Active);
        assert_eq!(transcript.request.agent.as_ref().map(|a| a.id), Some(winner.id()), "chat {id}");
        assert_eq!(loser_told.as_deref(), Some(winner.name()), "chat {id}: the loser is told who won");
        winners.insert(id, winner.id());
    }
    assert_eq!(winners.len(), CHATS);

    // Each agent's console holds exactly the chats they won, and the queue is empty.
    for agent in [&alice, &admin] {
        let console = agent.console().await;
        assert!(console.queued.is_empty(), "{:?}", console.queued);
        let mut mine: Vec<ChatId> = console.my_chats.iter().map(|t| t.request.id).collect();
        let mut won: Vec<ChatId> = winners.iter().filter(|(_, w)| **w == agent.id()).map(|(c, _)| *c).collect();
        mine.sort();
        won.sort();
        assert_eq!(mine, won, "{}'s console", agent.name());
    }

    // The persisted stream, replayed from the very start to a third member of the group.
    let (_, replay) = carol.listen(&server, 0).await;
    assert_strictly_increasing(&replay.events);
    let mut accepted: HashMap<ChatId, Vec<AgentId>> = HashMap::new();
    for event in &replay.events {
        if let ChatEvent::Accepted { chat_id, agent, .. } = &event.event {
            accepted.entry(*chat_id).or_default().push(agent.id);
        }
    }
    for &id in &chats {
        assert_eq!(accepted.get(&id), Some(&vec![winners[&id]]), "chat {id}: one Accepted, by the winner");
    }
    // Seen once in a clean-clone run on PostgreSQL (21 ≠ 20), never reproduced: say which.
    let extra: Vec<&StreamEvent> = replay
        .events
        .iter()
        .filter(|e| matches!(&e.event, ChatEvent::Accepted { chat_id, .. } if !chats.contains(chat_id)))
        .collect();
    assert_eq!(accepted.len(), CHATS, "Accepted events of chats this test did not start: {extra:?}; chats: {chats:?}");
}
