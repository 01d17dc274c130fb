//! An admin's "Assign" (issue 17): a waiting request taken out of the queue and given to an
//! online agent of its group, as if they had accepted it: within their capacity, audited, and
//! refused with the reason (and nothing changed) otherwise.
mod common;

use common::*;
use serde_json::json;

async fn assign(by: &Agent, chat_id: ChatId, to: AgentId) -> Reply {
    by.api.call("assign_chat", json!({ "chat_id": chat_id, "agent_id": to })).await
}

fn accepted_by(agent: AgentId) -> impl Fn(&ServerFrame) -> bool {
    move |f| matches!(f, ServerFrame::Event(StreamEvent { event: ChatEvent::Accepted { agent: a, .. }, .. }) if a.id == agent)
}

#[tokio::test]
async fn an_admin_gives_a_waiting_request_to_an_online_agent_of_its_group() {
    let server = TestServer::start().await;
    let admin = Agent::log_on(&server, ADMIN).await;
    let carol = Agent::log_on(&server, CAROL).await; // Network
    let bob = Agent::log_on(&server, BOB).await; // Hardware
    let (mut carol_ws, _) = carol.listen(&server, 0).await;
    let (_bob_ws, _) = bob.listen(&server, 0).await;
    let chat = start_chat(&server, "Network", "Please route me").await;

    // Not an admin: refused. Not in the group, or offline: refused with the name.
    assert_eq!(assign(&carol, chat.id(), carol.id()).await.refusal(StatusCode::FORBIDDEN), ApiError::AdminOnly);
    let refused = assign(&admin, chat.id(), bob.id()).await.refusal(StatusCode::CONFLICT);
    assert_eq!(refused, ApiError::Team(TeamRefusal::NotInGroup("Bob Builder".into(), "Network".into())));
    let alice = Agent::log_on(&server, ALICE).await; // Network, but no console open
    assert_eq!(assign(&admin, chat.id(), alice.id()).await.refusal(StatusCode::CONFLICT), ApiError::Team(TeamRefusal::Offline("Alice Agent".into())));
    assert_eq!(chat.resume().await.transcript.request.state, ChatState::Queued);

    // To Carol: hers, as an accept would make it — her console hears it, the end user sees her.
    assign(&admin, chat.id(), carol.id()).await.ok::<()>();
    carol_ws.until(accepted_by(carol.id())).await;
    let transcript = carol.load_chat(chat.id()).await;
    assert_eq!((transcript.request.state, transcript.request.agent.map(|a| a.id)), (ChatState::Active, Some(carol.id())));
    assert!(carol.records(chat.id()).await.interaction.is_some(), "its Interaction opened, as on accept");
    assert_eq!(chat.resume().await.transcript.request.agent.map(|a| a.name), Some("Carol Network".into()));
    carol.post(chat.id(), "c-1", "Hello, I have your request").await;

    // Audited; and a request no longer waiting cannot be assigned again.
    let page: AuditPage = admin.api.call("admin_audit_log", json!({})).await.ok();
    assert_eq!((page.lines[0].action, page.lines[0].detail.as_str()), (AuditAction::AssignChat, "to Carol Network"));
    let again = assign(&admin, chat.id(), carol.id()).await.refused(StatusCode::CONFLICT);
    assert_eq!(again, "This chat was already accepted by another agent.");
}

#[tokio::test]
async fn an_assignment_respects_the_agents_capacity() {
    let server = TestServer::start().await;
    let admin = Agent::log_on(&server, ADMIN).await;
    let carol = Agent::log_on(&server, CAROL).await;
    let (_carol_ws, _) = carol.listen(&server, 0).await;
    let network = Api::new(&server).group_id("Network").await;
    let settings = GroupSettings { max_chats: Some(1), ..GroupSettings::default() };
    let _: GroupSettings = admin.try_save_group_settings(network, &settings).await.ok();

    let first = start_chat(&server, "Network", "First").await;
    carol.take(first.id()).await;
    let second = start_chat(&server, "Network", "Second").await;
    let refused = assign(&admin, second.id(), carol.id()).await.refusal(StatusCode::CONFLICT);
    assert_eq!(refused, ApiError::Team(TeamRefusal::ReceiverAtCapacity("Carol Network".into())));
    assert_eq!(second.resume().await.transcript.request.state, ChatState::Queued);
}
