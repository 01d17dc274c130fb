//! Auto-assign (issue 17): in a group an admin set to auto-assign, each waiting request is
//! offered to one free agent at a time (online, a member, below capacity; fewest chats first),
//! who accepts or declines; an offer not answered in time, or held by an agent who goes away or
//! offline, moves on. Nobody else picks it up. On two nodes sharing PostgreSQL no request is
//! offered twice and no agent goes over capacity. Time moves only by the test clock.
mod common;

use app::domain::routing::OfferRefusal;
use common::*;

const PRESENCE_TIMEOUT_MS: i64 = app::ssr::desk::PRESENCE_TIMEOUT_MS;

async fn auto_assign(admin: &Agent, group: GroupId, offer_seconds: Option<u32>, max_chats: Option<u32>) {
    let settings =
        GroupSettings { routing: RoutingMode::AutoAssign, offer_timeout_seconds: offer_seconds, max_chats, ..GroupSettings::default() };
    let _: GroupSettings = admin.try_save_group_settings(group, &settings).await.ok();
}

/// The request offered to `agent` now, if any (their console's snapshot).
async fn offer_of(agent: &Agent) -> Option<ChatId> {
    agent.console().await.offer.map(|o| o.request.id)
}

async fn until_offered(agent: &Agent, chat: ChatId) {
    until(&format!("{} to be offered {chat}", agent.name()), || offer_of(agent), |o| *o == Some(chat)).await;
}

fn offer_ended(frame: &ServerFrame) -> Option<(ChatId, PassedOver)> {
    match frame {
        ServerFrame::Event(StreamEvent { event: ChatEvent::OfferEnded { chat_id, outcome, .. }, .. }) => Some((*chat_id, *outcome)),
        _ => None,
    }
}

fn refused(why: OfferRefusal) -> ApiError {
    ApiError::NotAllowed(why.to_string())
}

#[tokio::test]
async fn a_request_goes_to_one_free_agent_who_takes_it_and_nobody_else_picks_it_up() {
    let server = TestServer::start().await;
    let admin = Agent::log_on(&server, ADMIN).await;
    let alice = Agent::log_on(&server, ALICE).await;
    let carol = Agent::log_on(&server, CAROL).await;
    let network = Api::new(&server).group_id("Network").await;
    auto_assign(&admin, network, None, None).await;
    let (_alice_ws, _) = alice.listen(&server, 0).await;
    let (_carol_ws, _) = carol.listen(&server, 0).await;

    let first = start_chat(&server, "Network", "The VPN drops").await;
    let (offered, other) = until(
        "the first request to be offered",
        || async { (offer_of(&alice).await, offer_of(&carol).await) },
        |(a, c)| a.is_some() || c.is_some(),
    )
    .await;
    let (taker, bystander) = if offered == Some(first.id()) { (&alice, &carol) } else { (&carol, &alice) };
    assert_eq!(offered.or(other), Some(first.id()));
    assert_eq!(offer_of(bystander).await, None, "offered to one agent only");
    assert!(bystander.console().await.offering_groups.contains(&network));
    // The admin, offline, is never offered it; nobody but the offered agent picks it up.
    assert_eq!(bystander.try_accept(first.id()).await.refusal(StatusCode::FORBIDDEN), refused(OfferRefusal::NotYours));
    taker.take(first.id()).await;
    assert_eq!(offer_of(taker).await, None, "the offer ended with the accept");

    // The next goes to the one with fewer chats.
    let second = start_chat(&server, "Network", "The printer jams").await;
    until_offered(bystander, second.id()).await;
    assert_eq!(offer_of(taker).await, None);
    bystander.take(second.id()).await;
}

/// A new request, an accept and an end are routed in the commit that writes them: by the time
/// the change is answered, the offer it allows is made (no waiting for a pass of its own).
#[tokio::test]
async fn what_a_new_request_an_accept_or_an_end_allows_is_offered_by_the_time_it_is_answered() {
    let server = TestServer::start().await;
    let admin = Agent::log_on(&server, ADMIN).await;
    let alice = Agent::log_on(&server, ALICE).await;
    let network = Api::new(&server).group_id("Network").await;
    auto_assign(&admin, network, None, Some(2)).await;
    let (_alice_ws, _) = alice.listen(&server, 0).await;

    let first = start_chat(&server, "Network", "The VPN drops").await;
    assert_eq!(offer_of(&alice).await, Some(first.id()), "offered in the commit that stored it");
    let second = start_chat(&server, "Network", "The printer jams").await;
    assert_eq!(offer_of(&alice).await, Some(first.id()), "one offer at a time");
    alice.take(first.id()).await;
    assert_eq!(offer_of(&alice).await, Some(second.id()), "offered in the commit of her accept (she holds 1 of 2)");
    alice.take(second.id()).await;
    let third = start_chat(&server, "Network", "The screen flickers").await;
    assert_eq!(offer_of(&alice).await, None, "at capacity");
    alice.end(first.id()).await;
    assert_eq!(offer_of(&alice).await, Some(third.id()), "offered in the commit that ended her chat");
}

#[tokio::test]
async fn an_ignored_or_declined_offer_moves_on_and_every_pass_is_told() {
    let server = TestServer::start_with(&[TEST_CLOCK]).await;
    let admin = Agent::log_on(&server, ADMIN).await;
    let alice = Agent::log_on(&server, ALICE).await;
    let carol = Agent::log_on(&server, CAROL).await;
    let network = Api::new(&server).group_id("Network").await;
    auto_assign(&admin, network, Some(20), None).await;
    let (mut alice_ws, _) = alice.listen(&server, 0).await;
    let (mut carol_ws, _) = carol.listen(&server, 0).await;

    let chat = start_chat(&server, "Network", "Nobody answers").await;
    let first = until("an offer", || async { (offer_of(&alice).await, offer_of(&carol).await) }, |(a, c)| a.is_some() || c.is_some()).await;
    let ((ignorer, ignorer_ws), (next, next_ws)) =
        if first.0.is_some() { ((&alice, &mut alice_ws), (&carol, &mut carol_ws)) } else { ((&carol, &mut carol_ws), (&alice, &mut alice_ws)) };

    // Not before its time.
    server.advance_clock(19_999).await;
    assert_eq!(offer_of(ignorer).await, Some(chat.id()));
    server.advance_clock(1).await;
    ignorer_ws.until(|f| offer_ended(f) == Some((chat.id(), PassedOver::TimedOut))).await;
    until_offered(next, chat.id()).await;
    assert_eq!(offer_of(ignorer).await, None);
    // It kept its place and still waits.
    assert_eq!(chat.resume().await.queue_place, Some(1));

    // Declined: on to the next, here a new round with the first again.
    next.api.call("decline_offer", serde_json::json!({ "chat_id": chat.id() })).await.ok::<()>();
    next_ws.until(|f| offer_ended(f) == Some((chat.id(), PassedOver::Declined))).await;
    until_offered(ignorer, chat.id()).await;
    // A second decline of the same offer (a retried click) changes nothing.
    next.api.call("decline_offer", serde_json::json!({ "chat_id": chat.id() })).await.ok::<()>();
    assert_eq!(offer_of(ignorer).await, Some(chat.id()));
    ignorer.take(chat.id()).await;
}

#[tokio::test]
async fn an_agent_who_goes_away_or_offline_gives_the_offer_back() {
    let server = TestServer::start_with(&[TEST_CLOCK]).await;
    let admin = Agent::log_on(&server, ADMIN).await;
    let alice = Agent::log_on(&server, ALICE).await;
    let carol = Agent::log_on(&server, CAROL).await;
    let network = Api::new(&server).group_id("Network").await;
    auto_assign(&admin, network, Some(600), None).await;
    let (_alice_ws, _) = alice.listen(&server, 0).await;
    // Carol is away: Alice alone is free.
    let (mut carol_ws, _) = carol.listen(&server, 0).await;
    carol.set_availability(Availability::Away).await;

    let chat = start_chat(&server, "Network", "Hand me on").await;
    until_offered(&alice, chat.id()).await;
    // Alice steps away, Carol comes back: it goes to Carol.
    alice.set_availability(Availability::Away).await;
    carol.set_availability(Availability::Online).await;
    until_offered(&carol, chat.id()).await;
    assert_eq!(offer_of(&alice).await, None);

    // Carol's console closes; once she counts offline the offer goes back, and with Alice away
    // nobody holds it.
    drop(carol_ws.socket().close(None).await);
    drop(carol_ws);
    server.until_sockets("agent", 1).await;
    server.advance_clock(PRESENCE_TIMEOUT_MS).await;
    until("the offer to go back", || offer_of(&carol), Option::is_none).await;
    assert_eq!(offer_of(&alice).await, None);
    // Alice back online: it is hers.
    alice.set_availability(Availability::Online).await;
    until_offered(&alice, chat.id()).await;
}

#[tokio::test]
async fn a_request_nobody_takes_still_becomes_a_missed_chat() {
    let server = TestServer::start_with(&[TEST_CLOCK, ("DESKCHAT_PICKUP_TIMEOUT_SECS", "60")]).await;
    let admin = Agent::log_on(&server, ADMIN).await;
    let alice = Agent::log_on(&server, ALICE).await;
    let network = Api::new(&server).group_id("Network").await;
    // Offers wait longer than the pickup window: the missed-chat deadline still applies.
    auto_assign(&admin, network, Some(600), None).await;

    let unseen = start_chat(&server, "Network", "Nobody is online").await;
    // Offered to nobody, it is nobody's to pick up.
    assert_eq!(alice.try_accept(unseen.id()).await.refusal(StatusCode::FORBIDDEN), refused(OfferRefusal::NotOffered));
    let (_alice_ws, _) = alice.listen(&server, 0).await;
    let offered = start_chat(&server, "Network", "Alice ignores it").await;
    until("an offer", || offer_of(&alice), Option::is_some).await;
    server.advance_clock(60_000).await;
    for chat in [&unseen, &offered] {
        until("missed", || chat.resume(), |s| s.transcript.request.state == ChatState::Missed).await;
    }
    until("the offer to end with it", || offer_of(&alice), Option::is_none).await;
    assert_eq!(alice.incident_numbers().await.len(), 2);
}

/// Requests arriving together on two nodes (one PostgreSQL), each node's router racing the
/// other: each agent has at most one offer, no request is offered to two, and no agent holds
/// more than their maximum.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_nodes_never_offer_a_request_twice_nor_put_an_agent_over_capacity() {
    let a = TestServer::start_on_postgres().await;
    let b = a.another_node().await;
    let admin = Agent::log_on(&a, ADMIN).await;
    let alice = Agent::log_on(&a, ALICE).await;
    let carol = Agent::log_on(&b, CAROL).await;
    let network = Api::new(&a).group_id("Network").await;
    auto_assign(&admin, network, None, Some(1)).await;
    let (_alice_ws, _) = alice.listen(&a, 0).await;
    let (_carol_ws, _) = carol.listen(&b, 0).await;

    let questions: Vec<String> = (0..8).map(|n| format!("Request {n}")).collect();
    let starts = questions.iter().enumerate().map(|(n, question)| start_chat(if n % 2 == 0 { &a } else { &b }, "Network", question));
    let requests = futures::future::join_all(starts).await;
    let mut served = Vec::new();
    for round in 0..3 {
        let (to_alice, to_carol) = until(
            "both agents to have an offer",
            || async { (offer_of(&alice).await, offer_of(&carol).await) },
            |(x, y)| x.is_some() && y.is_some(),
        )
        .await;
        let (to_alice, to_carol) = (to_alice.unwrap(), to_carol.unwrap());
        assert_ne!(to_alice, to_carol, "round {round}: one request offered to two");
        assert!(!served.contains(&to_alice) && !served.contains(&to_carol), "round {round}: offered again after it was taken");
        alice.take(to_alice).await;
        carol.take(to_carol).await;
        // At their maximum: no offer while they hold one chat.
        for agent in [&alice, &carol] {
            assert_eq!(agent.console().await.my_chats.len(), 1);
            assert_eq!(offer_of(agent).await, None, "round {round}: an offer past capacity");
        }
        alice.end(to_alice).await;
        carol.end(to_carol).await;
        served.extend([to_alice, to_carol]);
    }
    served.sort_unstable();
    served.dedup();
    assert_eq!(served.len(), 6);
    assert!(served.iter().all(|id| requests.iter().any(|r| r.id() == *id)));
}
