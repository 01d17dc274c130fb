//! Use cases against a real store, on a node whose hub is not following the stream: what the
//! node holds of a chat (`open_chats`) is then as stale as it can get.

use std::sync::Arc;

use super::*;
use crate::ssr::store::test_support::{agent_in, form, group_with_agent, TempDb};

fn profile(card: &AgentCard, group: GroupId) -> AgentProfile {
    AgentProfile {
        card: card.clone(),
        email: format!("{}@x.test", card.id),
        role: Role::Agent,
        groups: vec![AssignmentGroup { id: group, name: "Network".into() }],
        supervises: vec![],
    }
}

/// Issue 16: a post needs no read when the node holds the chat, and a stale copy never lets a
/// post through that the database would refuse: the writer's version guard refuses it, and the
/// desk decides again on the fresh chat (the access rule included).
#[tokio::test]
async fn a_stale_chat_held_by_the_node_never_lets_a_post_through() {
    let db = TempDb::new();
    let store = db.open().await;
    let hub = Hub::load(&store).await.unwrap();
    let desk = Desk::new(store.clone(), hub.clone(), Arc::new(ManualClock::at(1_000)));
    let (group, alice) = group_with_agent(&store).await;
    let bob = agent_in(&store, group, "b@x.test", "Bob").await;
    let token = auth::new_token();
    let chat = store.create_chat(&form(group, 0), &auth::token_hash(&token), 1, None).await.unwrap();
    store.accept(&chat, &alice, None, None, 2).await.unwrap();

    // Both sides write once: the node now holds the chat, by id and by the end user's token.
    desk.post_as_agent(&profile(&alice, group), chat.id, "a-1", "Hello").await.unwrap();
    desk.post_as_end_user(&token, "u-1", "Hi").await.unwrap();
    assert_eq!(hub.open_chats().by_token(&auth::token_hash(&token)).unwrap().id, chat.id);

    // Alice hands the chat to Bob; this node does not hear of it.
    let read = store.chat(chat.id).await.unwrap();
    store.transfer(&read, Some(&bob), &read.group, 3, None).await.unwrap();
    let held = hub.open_chats().get(chat.id).unwrap();
    assert_eq!(held.agent.as_ref().map(|a| a.id), Some(alice.id), "the node's copy is stale");

    // By the stale copy Alice still holds it; the guard and the fresh chat say otherwise.
    let refused = desk.post_as_agent(&profile(&alice, group), chat.id, "a-2", "Still mine?").await;
    assert!(matches!(refused, Err(DeskError::NoSuchChat)), "{refused:?}");
    let fresh = hub.open_chats().get(chat.id).unwrap();
    assert_eq!(fresh.agent.as_ref().map(|a| a.id), Some(bob.id), "the node holds the fresh chat now");
    // The end user and Bob write on.
    desk.post_as_end_user(&token, "u-2", "Hello?").await.unwrap();
    desk.post_as_agent(&profile(&bob, group), chat.id, "b-1", "Bob here").await.unwrap();

    let bodies: Vec<String> = store.messages(chat.id).await.unwrap().into_iter().map(|m| m.body).collect();
    assert!(!bodies.iter().any(|b| b == "Still mine?"), "{bodies:?}");
    assert!(bodies.ends_with(&["Hello?".to_string(), "Bob here".to_string()]), "{bodies:?}");

    // The end user ends the chat behind the node's back: a post on the stale copy is refused
    // as the lifecycle refuses a post to an ended chat, and nothing is stored.
    let read = store.chat(chat.id).await.unwrap();
    store.end(&read, crate::domain::lifecycle::Party::EndUser, 4).await.unwrap();
    assert!(hub.open_chats().get(chat.id).is_some(), "still stale");
    let late = desk.post_as_agent(&profile(&bob, group), chat.id, "b-2", "Too late").await;
    assert!(matches!(late, Err(DeskError::Illegal(_))), "{late:?}");
    let late = desk.post_as_end_user(&token, "u-3", "Too late").await;
    assert!(matches!(late, Err(DeskError::Illegal(_))), "{late:?}");
    assert_eq!(store.messages(chat.id).await.unwrap().len(), bodies.len(), "nothing stored after the end");
    assert!(hub.open_chats().get(chat.id).is_none(), "the closed chat is no longer held");
}

/// A copy the node holds from before a change (on PostgreSQL the hub hears of an event once it
/// is final, after its writer was answered) never refuses a post the database would take: a
/// refusal is decided again on the chat read from the store.
#[tokio::test]
async fn a_stale_chat_held_by_the_node_never_refuses_a_post_the_chat_now_allows() {
    let db = TempDb::new();
    let store = db.open().await;
    let hub = Hub::load(&store).await.unwrap();
    let desk = Desk::new(store.clone(), hub.clone(), Arc::new(ManualClock::at(1_000)));
    let (group, alice) = group_with_agent(&store).await;
    let token = auth::new_token();
    let chat = store.create_chat(&form(group, 0), &auth::token_hash(&token), 1, None).await.unwrap();
    desk.post_as_end_user(&token, "u-1", "Anyone there?").await.unwrap();
    assert_eq!(hub.open_chats().get(chat.id).unwrap().state, ChatState::Queued, "the node holds it waiting");

    // Alice accepts; this node does not hear of it, and by its copy she may not write yet.
    store.accept(&chat, &alice, None, None, 2).await.unwrap();
    let posted = desk.post_as_agent(&profile(&alice, group), chat.id, "a-1", "Hello, Alice here").await;
    assert_eq!(posted.unwrap().body, "Hello, Alice here");
    assert_eq!(hub.open_chats().get(chat.id).unwrap().state, ChatState::Active, "the node holds the fresh chat now");
}
