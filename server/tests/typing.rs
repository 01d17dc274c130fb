//! Typing signals (issue 7): each side of a chat hears the other typing, live; nobody else
//! does; nothing is stored or replayed. (Across two nodes: two_nodes.rs.)
mod common;

use common::*;

fn typing_in(chat_id: ChatId) -> impl Fn(&ServerFrame) -> bool {
    move |f| matches!(f, ServerFrame::Typing { chat_id: c, .. } if *c == chat_id)
}

fn typing_frames(frames: &[ServerFrame]) -> Vec<&ServerFrame> {
    frames.iter().filter(|f| matches!(f, ServerFrame::Typing { .. })).collect()
}

#[tokio::test]
async fn each_side_hears_the_other_typing_and_nobody_else_does() {
    let server = TestServer::start().await;
    let alice = Agent::log_on(&server, ALICE).await;
    let carol = Agent::log_on(&server, CAROL).await;
    let chat = start_chat(&server, "Network", "Typing test").await;
    let other = start_chat(&server, "Network", "Someone else").await;
    alice.take(chat.id()).await;
    let head_before = alice.console().await.position;

    let (mut user_ws, _) = chat.listen(&server, 0).await;
    let (mut other_ws, _) = other.listen(&server, 0).await;
    let (mut alice_ws, _) = alice.listen(&server, 0).await;
    let (mut carol_ws, _) = carol.listen(&server, 0).await;

    user_ws.send(&ClientFrame::Typing { chat_id: chat.id() }).await;
    let heard = alice_ws.until(typing_in(chat.id())).await;
    assert_eq!(heard.last(), Some(&ServerFrame::Typing { chat_id: chat.id(), by: Author::EndUser }));

    alice_ws.send(&ClientFrame::Typing { chat_id: chat.id() }).await;
    let heard = user_ws.until(typing_in(chat.id())).await;
    let Some(ServerFrame::Typing { by: Author::Agent(card), .. }) = heard.last() else { panic!("{heard:?}") };
    assert_eq!(card.id, alice.id());

    // Carol (same group, not in the chat) and the other chat's end user hear nothing of it,
    // and an agent cannot make another chat's end user see them typing. A message afterwards
    // shows what each of them got meanwhile.
    carol_ws.send(&ClientFrame::Typing { chat_id: other.id() }).await;
    let note = alice.post(chat.id(), "a-1", "Still with you").await;
    let carol_taken = carol.take(other.id()).await;
    let carol_post = carol.post(carol_taken.request.id, "c-1", "Hello").await;
    let carol_saw = carol_ws.until(|f| posted(f).is_some_and(|m| m.id == carol_post.id)).await;
    assert!(typing_frames(&carol_saw).is_empty(), "{carol_saw:?}");
    let other_saw = other_ws.until(|f| posted(f).is_some_and(|m| m.id == carol_post.id)).await;
    assert!(typing_frames(&other_saw).is_empty(), "{other_saw:?}");
    user_ws.until(|f| posted(f).is_some_and(|m| m.id == note.id)).await;

    // Never stored: the stream did not move for it, and a replay holds none.
    let (_, replay) = chat.listen(&server, 0).await;
    assert!(typing_frames(&replay.frames).is_empty());
    let (_, replay) = alice.listen(&server, head_before).await;
    assert!(typing_frames(&replay.frames).is_empty());
    assert_eq!(
        seen(&replay.events),
        vec![Seen::Message(note.id), Seen::Accepted(other.id(), carol.id())],
        "the stream holds only what was written"
    );
}
