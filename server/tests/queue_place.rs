//! A waiting end user is told their place in the group's queue, and it moves up only when a
//! request ahead of theirs leaves the queue.
mod common;

use common::*;

fn place(frame: &ServerFrame) -> Option<u32> {
    match frame {
        ServerFrame::QueuePlace { place, .. } => Some(*place),
        _ => None,
    }
}

#[tokio::test]
async fn the_place_moves_up_when_a_request_ahead_is_accepted_or_ends() {
    let server = TestServer::start().await;
    let alice = Agent::log_on(&server, ALICE).await;
    let first = start_chat(&server, "Network", "First in line").await;
    let second = start_chat(&server, "Network", "Second in line").await;
    let third = start_chat(&server, "Network", "Third in line").await;
    assert_eq!(third.snapshot.queue_place, Some(3));

    // The place is part of being up to date: it comes before `live`.
    let (mut ws, replay) = third.listen(&server, third.snapshot.position).await;
    assert_eq!(replay.frames.iter().filter_map(place).collect::<Vec<_>>(), vec![3]);

    // A newcomer queues behind: no news for the third. A chat ahead leaving: one place up.
    start_chat(&server, "Network", "Fourth in line").await;
    assert!(matches!(alice.accept(second.id()).await, AcceptOutcome::Accepted(..)));
    let frames = ws.until(|f| place(f).is_some()).await;
    assert_eq!(frames.iter().filter_map(place).collect::<Vec<_>>(), vec![2], "{frames:?}");

    first.end().await;
    let frames = ws.until(|f| place(f).is_some()).await;
    assert_eq!(frames.iter().filter_map(place).collect::<Vec<_>>(), vec![1]);

    // Once accepted, there is no place any more: the user sees the agent join instead.
    assert!(matches!(alice.accept(third.id()).await, AcceptOutcome::Accepted(..)));
    let frames = ws.until(|f| matches!(f, ServerFrame::Event(StreamEvent { event: ChatEvent::Accepted { .. }, .. }))).await;
    assert!(frames.iter().all(|f| place(f).is_none()), "{frames:?}");
}

#[tokio::test]
async fn other_groups_do_not_move_the_place() {
    let server = TestServer::start().await;
    let bob = Agent::log_on(&server, BOB).await;
    let hardware = start_chat(&server, "Hardware", "Laptop fan is loud").await;
    let network = start_chat(&server, "Network", "Wi-Fi drops").await;
    assert_eq!(network.snapshot.queue_place, Some(1));
    let (mut ws, _) = network.listen(&server, network.snapshot.position).await;

    // A Hardware request leaving says nothing to the Network user. Frames arrive in stream
    // order, so once the user's own later message is in, any place update would be too.
    assert!(matches!(bob.accept(hardware.id()).await, AcceptOutcome::Accepted(..)));
    let message = network.post("m-1", "Still waiting").await;
    let frames = ws.until(|f| posted(f) == Some(&message)).await;
    assert!(frames.iter().all(|f| place(f).is_none()), "{frames:?}");
}
