//! A waiting end user is told their place in the group's queue, and it moves up only when a
//! request ahead of theirs leaves the queue. Each connection is told its place once; after that
//! the queue's changes come as one frame shared by every widget behind them, and the widget
//! (`WidgetModel`, the browser's own code) works out its place from its ticket.
mod common;

use common::*;

fn queue_frames(frames: &[ServerFrame]) -> Vec<&ServerFrame> {
    frames.iter().filter(|f| matches!(f, ServerFrame::QueuePlace { .. } | ServerFrame::QueueMoved { .. })).collect()
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
    let mut widget = WidgetScreen::open(&server, &third).await;
    assert_eq!(widget.model.queue_place, Some(3));
    let group = third.snapshot.transcript.request.group.id;

    // A newcomer queues behind: no news for the third. A chat ahead leaving: one place up, told
    // by the queue's frame of one step.
    start_chat(&server, "Network", "Fourth in line").await;
    assert!(matches!(alice.accept(second.id()).await, AcceptOutcome::Accepted(..)));
    // (A frame with the three arrivals may come first, if the tick came after the connection
    // was told its place: it counts nothing.)
    let frames = widget.until_place(Some(2)).await;
    assert!(
        matches!(frames.last(), Some(ServerFrame::QueueMoved { group: g, steps, .. }) if *g == group && steps.contains(&QueueStep::Left(second.id()))),
        "{frames:?}"
    );
    assert!(!frames.iter().any(|f| matches!(f, ServerFrame::QueuePlace { .. })), "told by the shared frame: {frames:?}");

    first.end().await;
    widget.until_place(Some(1)).await;

    // Once accepted, there is no place any more: the user sees the agent join instead.
    assert!(matches!(alice.accept(third.id()).await, AcceptOutcome::Accepted(..)));
    let frames =
        widget.ws.until(|f| matches!(f, ServerFrame::Event(StreamEvent { event: ChatEvent::Accepted { .. }, .. }))).await;
    for frame in &frames {
        widget.apply(frame);
    }
    assert!(queue_frames(&frames).is_empty(), "{frames:?}");
    assert_eq!(widget.model.queue_place, None);
}

#[tokio::test]
async fn other_groups_do_not_move_the_place() {
    let server = TestServer::start().await;
    let bob = Agent::log_on(&server, BOB).await;
    let hardware = start_chat(&server, "Hardware", "Laptop fan is loud").await;
    let ahead = start_chat(&server, "Network", "Printer offline").await;
    let network = start_chat(&server, "Network", "Wi-Fi drops").await;
    assert_eq!(network.snapshot.queue_place, Some(2));
    let mut widget = WidgetScreen::open(&server, &network).await;

    // A Hardware request leaving says nothing to the Network user; the Network request ahead
    // leaving afterwards does, and every queue frame the user got is Network's.
    assert!(matches!(bob.accept(hardware.id()).await, AcceptOutcome::Accepted(..)));
    ahead.end().await;
    let frames = widget.until_place(Some(1)).await;
    let group = network.snapshot.transcript.request.group.id;
    assert!(
        queue_frames(&frames).iter().all(|f| matches!(f, ServerFrame::QueueMoved { group: g, .. } if *g == group)),
        "{frames:?}"
    );
}

/// A minute to pick a chat up, on a clock that moves only when the test says so.
const PICKUP: [(&str, &str); 2] = [TEST_CLOCK, ("DESKCHAT_PICKUP_TIMEOUT_SECS", "60")];
const PICKUP_MS: i64 = 60_000;

/// Bursts of concurrent accepts, ends, newcomers, transfers back into a queue (its own and
/// another group's) and missed deadlines: after each, every waiting widget shows the place a
/// fresh snapshot gives, and every other widget shows none.
#[tokio::test]
async fn places_stay_right_through_bursts_of_accepts_transfers_and_missed_deadlines() {
    let server = TestServer::start_with(&PICKUP).await;
    let alice = Agent::log_on(&server, ALICE).await;
    let bob = Agent::log_on(&server, BOB).await;
    let api = Api::new(&server);
    let (network, hardware) = (api.group_id("Network").await, api.group_id("Hardware").await);

    // Eight Network requests and two Hardware ones now, six more Network half a minute later:
    // the first ones' deadlines pass first.
    let mut chats = Vec::new();
    for i in 0..8 {
        chats.push(start_chat(&server, "Network", &format!("Early {i}")).await);
    }
    for i in 0..2 {
        chats.push(start_chat(&server, "Hardware", &format!("Hardware {i}")).await);
    }
    assert_eq!(server.advance_clock(PICKUP_MS / 2).await, 0);
    for i in 0..6 {
        chats.push(start_chat(&server, "Network", &format!("Late {i}")).await);
    }
    let mut widgets = Vec::new();
    for chat in &chats {
        widgets.push(WidgetScreen::open(&server, chat).await);
    }
    let ids: Vec<ChatId> = chats.iter().map(EndUserChat::id).collect();
    let id = |i: usize| ids[i];

    // Burst 1: the head, one from the middle and a late one accepted, one ends, a newcomer.
    let (_, _, _, _, newcomer) = tokio::join!(
        alice.accept(id(0)),
        alice.accept(id(3)),
        alice.accept(id(11)),
        chats[5].end(),
        start_chat(&server, "Network", "Newcomer"),
    );
    widgets.push(WidgetScreen::open(&server, &newcomer).await);
    chats.push(newcomer);
    all_show_their_place(&chats, &mut widgets).await;

    // A change only the last widget hears of (the one before it ends): once it shows it, the
    // others have skipped that change's number, and must still follow what comes next.
    let waiting: Vec<usize> = (0..chats.len()).filter(|i| widgets[*i].model.queue_place.is_some()).collect();
    let network_waiting: Vec<usize> =
        waiting.iter().copied().filter(|i| widgets[*i].model.request().group.id == network).collect();
    let [.., second_last, last] = network_waiting[..] else { panic!("two waiting in Network") };
    chats[second_last].end().await;
    let truth = chats[last].resume().await.queue_place;
    widgets[last].until_place(truth).await;

    // Burst 2: one back into Network's queue (ahead of later requests, by its ticket), one into
    // Hardware's, a Hardware request accepted, a Network one accepted.
    let (back, moved, _, _) = tokio::join!(
        alice.try_transfer(id(3), TransferTarget::Queue { group_id: network }),
        alice.try_transfer(id(0), TransferTarget::Queue { group_id: hardware }),
        bob.accept(id(8)),
        alice.accept(id(12)),
    );
    back.ok::<()>();
    moved.ok::<()>();
    all_show_their_place(&chats, &mut widgets).await;

    // Burst 3: the early requests' deadlines pass (those handed back got a new one) while
    // another is accepted.
    let (missed, _) = tokio::join!(server.advance_clock(PICKUP_MS / 2), alice.accept(id(13)));
    assert!(missed >= 4, "the early requests still waiting were missed ({missed})");
    all_show_their_place(&chats, &mut widgets).await;
    assert!(widgets.iter().filter(|w| w.model.queue_place.is_some()).count() >= 5, "enough still wait to mean something");
}

/// Each widget reads until it shows the place a fresh snapshot gives (none once it stopped
/// waiting).
async fn all_show_their_place(chats: &[EndUserChat], widgets: &mut [WidgetScreen]) {
    for (chat, widget) in chats.iter().zip(widgets.iter_mut()) {
        let truth = chat.resume().await.queue_place;
        widget.until_place(truth).await;
    }
}
