//! Capacity (issue 17): an agent holds at most their maximum of chats at once — their own if an
//! admin set one, else the group's default — counting guest chats where the group says so.
//! Accepts and transfers past it are refused with the reason and change nothing, and concurrent
//! accepts (one node, or two on one PostgreSQL) never pass it together.
mod common;

use common::*;
use serde_json::json;

async fn group_maximum(admin: &Agent, group: GroupId, max_chats: Option<u32>, count_guest_chats: bool) {
    let settings = GroupSettings { max_chats, count_guest_chats, ..GroupSettings::default() };
    let _: GroupSettings = admin.try_save_group_settings(group, &settings).await.ok();
}

async fn own_maximum(admin: &Agent, agent: &Agent, max_chats: Option<u32>) {
    let groups: Vec<GroupId> = agent.profile.groups.iter().map(|g| g.id).collect();
    let change = AgentChange { name: agent.name().into(), role: agent.profile.role, groups, max_chats, supervises: vec![] };
    let entry: AgentEntry = admin.api.call("admin_update_agent", json!({ "id": agent.id(), "change": change })).await.ok();
    assert_eq!(entry.max_chats, max_chats);
}

fn at_capacity(max: u32) -> ApiError {
    ApiError::Team(TeamRefusal::AtCapacity(max))
}

#[tokio::test]
async fn an_agent_takes_no_more_chats_than_their_maximum_own_or_the_groups() {
    let server = TestServer::start().await;
    let admin = Agent::log_on(&server, ADMIN).await;
    let alice = Agent::log_on(&server, ALICE).await;
    let network = Api::new(&server).group_id("Network").await;
    group_maximum(&admin, network, Some(1), false).await;

    let first = start_chat(&server, "Network", "First").await;
    let second = start_chat(&server, "Network", "Second").await;
    alice.take(first.id()).await;
    assert_eq!(alice.try_accept(second.id()).await.refusal(StatusCode::CONFLICT), at_capacity(1));
    // Nothing changed: still waiting, and still hers to take once she is free.
    assert_eq!(second.resume().await.transcript.request.state, ChatState::Queued);
    alice.end(first.id()).await;
    alice.take(second.id()).await;

    // Her own maximum comes before the group's.
    own_maximum(&admin, &alice, Some(2)).await;
    let third = start_chat(&server, "Network", "Third").await;
    alice.take(third.id()).await;
    let fourth = start_chat(&server, "Network", "Fourth").await;
    assert_eq!(alice.try_accept(fourth.id()).await.refusal(StatusCode::CONFLICT), at_capacity(2));
    // No limit at all once both are cleared.
    own_maximum(&admin, &alice, None).await;
    group_maximum(&admin, network, None, false).await;
    alice.take(fourth.id()).await;
}

#[tokio::test]
async fn guest_chats_count_where_the_group_says_so() {
    let server = TestServer::start().await;
    let admin = Agent::log_on(&server, ADMIN).await;
    let alice = Agent::log_on(&server, ALICE).await;
    let bob = Agent::log_on(&server, BOB).await;
    let (_alice_ws, _) = alice.listen(&server, 0).await;
    let network = Api::new(&server).group_id("Network").await;

    // Alice helps Bob in a Hardware chat as a guest.
    let hardware = start_chat(&server, "Hardware", "The dock is dead").await;
    bob.take(hardware.id()).await;
    bob.try_invite(hardware.id(), alice.id()).await.ok::<()>();
    alice.join(hardware.id()).await;

    group_maximum(&admin, network, Some(1), true).await;
    let waiting = start_chat(&server, "Network", "The VPN drops").await;
    assert_eq!(alice.try_accept(waiting.id()).await.refusal(StatusCode::CONFLICT), at_capacity(1));
    group_maximum(&admin, network, Some(1), false).await;
    alice.take(waiting.id()).await;
}

#[tokio::test]
async fn a_transfer_to_an_agent_at_capacity_is_refused_with_their_name() {
    let server = TestServer::start().await;
    let admin = Agent::log_on(&server, ADMIN).await;
    let alice = Agent::log_on(&server, ALICE).await;
    let carol = Agent::log_on(&server, CAROL).await;
    let (_carol_ws, _) = carol.listen(&server, 0).await;
    let network = Api::new(&server).group_id("Network").await;
    own_maximum(&admin, &carol, Some(1)).await;

    let carols = start_chat(&server, "Network", "Carol's").await;
    carol.take(carols.id()).await;
    let alices = start_chat(&server, "Network", "Alice's").await;
    alice.take(alices.id()).await;
    let to_carol = TransferTarget::Agent { agent_id: carol.id(), group_id: network };
    let refused = alice.try_transfer(alices.id(), to_carol).await.refusal(StatusCode::CONFLICT);
    assert_eq!(refused, ApiError::Team(TeamRefusal::ReceiverAtCapacity("Carol Network".into())));
    // Still Alice's.
    assert_eq!(alice.load_chat(alices.id()).await.request.agent.map(|a| a.id), Some(alice.id()));
    carol.end(carols.id()).await;
    alice.try_transfer(alices.id(), to_carol).await.ok::<()>();
}

/// Accepts for one agent racing each other, each pair on `nodes` (one, or two sharing
/// PostgreSQL): exactly one of each pair is accepted.
async fn accepts_race(nodes: &[&TestServer]) {
    let admin = Agent::log_on(nodes[0], ADMIN).await;
    let alice_here = Agent::log_on(nodes[0], ALICE).await;
    let alice_there = Agent::log_on(nodes[nodes.len() - 1], ALICE).await;
    own_maximum(&admin, &alice_here, Some(1)).await;
    for round in 0..5 {
        let one = start_chat(nodes[0], "Network", &format!("Round {round}, one")).await;
        let other = start_chat(nodes[nodes.len() - 1], "Network", &format!("Round {round}, other")).await;
        let (a, b) = tokio::join!(alice_here.try_accept(one.id()), alice_there.try_accept(other.id()));
        let accepted: Vec<ChatId> = [(one.id(), a), (other.id(), b)]
            .into_iter()
            .filter_map(|(id, reply)| match reply.try_ok::<AcceptOutcome>() {
                Ok(AcceptOutcome::Accepted(..)) => Some(id),
                Ok(other) => panic!("round {round}: {other:?}"),
                Err(_) => {
                    assert_eq!(reply.refusal(StatusCode::CONFLICT), at_capacity(1), "round {round}");
                    None
                }
            })
            .collect();
        assert_eq!(accepted.len(), 1, "round {round}: exactly one of the two");
        alice_here.end(accepted[0]).await;
        // The refused one waits still; out of the way for the next round.
        let refused = if accepted[0] == one.id() { &other } else { &one };
        assert_eq!(refused.resume().await.transcript.request.state, ChatState::Queued);
        refused.end().await;
    }
}

#[tokio::test]
async fn concurrent_accepts_never_put_an_agent_over_capacity() {
    let server = TestServer::start().await;
    accepts_race(&[&server]).await;
}

#[tokio::test]
async fn concurrent_accepts_on_two_nodes_never_put_an_agent_over_capacity() {
    let a = TestServer::start_on_postgres().await;
    let b = a.another_node().await;
    accepts_race(&[&a, &b]).await;
}
