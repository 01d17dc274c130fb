//! The satisfaction survey (issue 18): where an admin turns it on, the end user rates their
//! chat once it ended (1–5, an optional comment), once; agents who may read the chat's record
//! see the rating there and in History.
mod common;

use common::*;
use reqwest::StatusCode;
use serde_json::json;

async fn rate(chat: &EndUserChat, score: u8, comment: &str) -> Reply {
    chat.api.call("rate_chat", json!({ "token": chat.token, "score": score, "comment": comment })).await
}

fn asking() -> GroupSettings {
    GroupSettings { satisfaction_survey: true, ..GroupSettings::default() }
}

#[tokio::test]
async fn an_end_user_rates_an_ended_chat_once_and_its_agents_see_it() {
    let server = TestServer::start().await;
    let admin = Agent::log_on(&server, ADMIN).await;
    let bob = Agent::log_on(&server, BOB).await; // Hardware
    let carol = Agent::log_on(&server, CAROL).await; // Network
    let hardware = Api::new(&server).group_id("Hardware").await;
    admin.try_save_group_settings(hardware, &asking()).await.ok::<GroupSettings>();

    let chat = start_chat(&server, "Hardware", "The dock does not charge").await;
    assert!(chat.snapshot.survey_on, "the widget knows its group asks");
    bob.take(chat.id()).await;
    let early = rate(&chat, 5, "").await.refusal(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(early, ApiError::Invalid("The chat can be rated once it has ended.".into()));

    bob.end(chat.id()).await;
    assert_eq!(chat.resume().await.rating, None);
    let rating: ChatRating = rate(&chat, 4, "  Quick, thank you. ").await.ok();
    assert_eq!((rating.score, rating.comment.as_str()), (4, "Quick, thank you."));
    // The same answer again (its reply was lost) is the one stored; another is refused.
    assert_eq!(rate(&chat, 4, "Quick, thank you.").await.ok::<ChatRating>(), rating);
    let again = rate(&chat, 1, "Changed my mind").await.refusal(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(again, ApiError::Invalid("This chat was already rated.".into()));
    assert_eq!(chat.resume().await.rating, Some(rating.clone()), "a reload shows the thanks, not the question");

    // Its agent sees it on the record and in History; an agent outside the group does not.
    let number = chat.snapshot.transcript.request.number.clone();
    let record: RecordView = bob.try_record(&number).await.ok();
    assert_eq!(record.rating, Some(rating.clone()));
    let history = bob.history(None).await;
    assert_eq!(history.entries.iter().find(|e| e.request.id == chat.id()).and_then(|e| e.rating.clone()), Some(rating));
    assert_eq!(carol.try_record(&number).await.refusal(StatusCode::NOT_FOUND), ApiError::NoSuchRecord);
    assert!(carol.history(None).await.entries.iter().all(|e| e.request.id != chat.id()));
}

#[tokio::test]
async fn a_chat_is_not_rated_where_the_group_does_not_ask_nor_with_a_bad_answer() {
    let server = TestServer::start().await;
    let admin = Agent::log_on(&server, ADMIN).await;
    let alice = Agent::log_on(&server, ALICE).await; // Service Desk, Network
    let network = Api::new(&server).group_id("Network").await;

    let chat = start_chat(&server, "Network", "VPN drops").await;
    assert!(!chat.snapshot.survey_on);
    alice.take(chat.id()).await;
    chat.end().await;
    let off = rate(&chat, 5, "").await.refusal(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(off, ApiError::Invalid("This chat's group does not ask for ratings.".into()));

    admin.try_save_group_settings(network, &asking()).await.ok::<GroupSettings>();
    for (score, comment) in [(0, String::new()), (6, String::new()), (3, "x".repeat(1001))] {
        rate(&chat, score, &comment).await.refusal(StatusCode::UNPROCESSABLE_ENTITY);
    }
    // Not a number from 0 to 255: the arguments do not decode.
    let wrong = chat.api.call("rate_chat", json!({ "token": chat.token, "score": 300, "comment": "" })).await;
    assert!(matches!(wrong.refusal(StatusCode::BAD_REQUEST), ApiError::Request(_)));
    let unknown = chat.api.call("rate_chat", json!({ "token": "not-a-token", "score": 5, "comment": "" })).await;
    assert_eq!(unknown.refusal(StatusCode::NOT_FOUND), ApiError::NoSuchChat);
    assert_eq!(chat.resume().await.rating, None, "nothing was kept");
    let rating: ChatRating = rate(&chat, 3, "").await.ok();
    assert_eq!(rating.score, 3);
}

/// Two nodes on one database take one answer per chat, whichever gets which.
#[tokio::test]
async fn two_nodes_keep_one_rating_per_chat() {
    let one = TestServer::start_on_postgres().await;
    let two = one.another_node().await;
    let admin = Agent::log_on(&one, ADMIN).await;
    let bob = Agent::log_on(&one, BOB).await;
    let hardware = Api::new(&one).group_id("Hardware").await;
    admin.try_save_group_settings(hardware, &asking()).await.ok::<GroupSettings>();
    let chat = start_chat(&one, "Hardware", "No sound").await;
    bob.take(chat.id()).await;
    bob.end(chat.id()).await;

    let on_two = EndUserChat { api: Api::new(&two), token: chat.token.clone(), snapshot: chat.snapshot.clone() };
    let (first, second) = tokio::join!(rate(&chat, 5, "Great"), rate(&on_two, 2, "Slow"));
    let taken: Vec<ChatRating> = [first, second].iter().filter_map(|r| r.try_ok().ok()).collect();
    assert_eq!(taken.len(), 1, "one of the two answers is kept");
    assert_eq!(on_two.resume().await.rating.as_ref(), taken.first());
    assert_eq!(chat.resume().await.rating.as_ref(), taken.first());
}
