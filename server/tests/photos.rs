//! End users' photos: uploaded with the chat request, kept by Deskchat and served only to the
//! agents who may see that chat's records, so agents' browsers never load an address an end
//! user chose (issue 8). Runs on SQLite, and on PostgreSQL with `DESKCHAT_TEST_POSTGRES`.
mod common;

use app::domain::validate::MAX_PHOTO_BYTES;
use base64::Engine as _;
use common::*;

/// One transparent pixel.
const PIXEL_PNG: &str = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==";

fn data_url(content_type: &str, bytes: &[u8]) -> String {
    format!("data:{content_type};base64,{}", base64::engine::general_purpose::STANDARD.encode(bytes))
}

fn pixel() -> Vec<u8> {
    base64::engine::general_purpose::STANDARD.decode(PIXEL_PNG).unwrap()
}

#[tokio::test]
async fn a_photo_is_served_to_the_agents_who_may_see_the_chat_and_to_nobody_else() {
    let server = TestServer::start().await;
    let chat = start_chat_with(&server, "Network", "My VPN drops", |f| f.photo = data_url("image/png", &pixel())).await;
    let request = &chat.snapshot.transcript.request;
    let path = request.end_user.photo_url.clone().expect("the chat links its photo");
    assert_eq!(path, format!("/photos/chat/{}", request.id));

    // Carol is in Network: the very bytes, as what they are, not to be sniffed.
    let carol = Agent::log_on(&server, CAROL).await;
    let photo = carol.api.get(&path).await;
    assert_eq!(photo.status(), StatusCode::OK);
    assert_eq!(photo.headers()["content-type"], "image/png");
    assert_eq!(photo.headers()["x-content-type-options"], "nosniff");
    assert!(photo.headers()["cache-control"].to_str().unwrap().starts_with("private"));
    assert_eq!(photo.bytes().await.unwrap().as_ref(), pixel().as_slice());
    // The console's request card links the same address.
    let queued = carol.console().await.queued;
    assert_eq!(queued.iter().find(|q| q.id == request.id).unwrap().end_user.photo_url.as_deref(), Some(path.as_str()));

    // Bob is in Hardware only: as if there were no such chat. Nobody logged on: 401.
    let bob = Agent::log_on(&server, BOB).await;
    assert_eq!(bob.api.get(&path).await.status(), StatusCode::NOT_FOUND);
    let anonymous = Api::new(&server).get(&path).await;
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
    // Nor does the end user's own token open it (the widget shows their initials).
    assert_eq!(chat.api.get(&path).await.status(), StatusCode::UNAUTHORIZED);

    // It stays with the record: after the chat ended, Carol (its group) and an admin still see it.
    carol.take(request.id).await;
    carol.end(request.id).await;
    assert_eq!(carol.api.get(&path).await.status(), StatusCode::OK);
    let admin = Agent::log_on(&server, ADMIN).await;
    assert_eq!(admin.api.get(&path).await.status(), StatusCode::OK);
    assert_eq!(bob.api.get(&path).await.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_chat_without_a_photo_links_none_and_serves_none() {
    let server = TestServer::start().await;
    let chat = start_chat(&server, "Network", "No photo today").await;
    let request = &chat.snapshot.transcript.request;
    assert_eq!(request.end_user.photo_url, None);
    let carol = Agent::log_on(&server, CAROL).await;
    assert_eq!(carol.api.get(&format!("/photos/chat/{}", request.id)).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(carol.api.get("/photos/chat/not-a-number").await.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn anything_but_a_small_image_is_refused_beside_the_field_and_nothing_is_created() {
    let server = TestServer::start().await;
    let api = Api::new(&server);
    let group = api.group_id("Network").await;
    let mut too_big = pixel();
    too_big.resize(MAX_PHOTO_BYTES + 1, 0);
    let refused = [
        // An address on another host (the old form) is no longer taken at all.
        "https://tracker.example/me.png".to_string(),
        "http://10.0.0.1/admin".to_string(),
        // Not an image whatever it is called; SVG can carry script.
        data_url("image/png", b"<html><script>alert(1)</script></html>"),
        data_url("image/svg+xml", b"<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>"),
        "data:image/png;base64,%%%not-base64%%%".to_string(),
        data_url("image/png", &too_big),
    ];
    for photo in refused {
        let mut form = chat_form(group, "Refuse my photo");
        form.photo = photo.clone();
        let reply = api.call("request_chat", serde_json::json!({ "form": form })).await;
        let error = reply.refusal(StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(
            error,
            ApiError::InvalidForm(vec![FieldError::new(FormField::Photo, FieldProblem::Invalid)]),
            "{}",
            &photo[..photo.len().min(50)]
        );
    }
    let carol = Agent::log_on(&server, CAROL).await;
    assert!(carol.console().await.queued.is_empty(), "a refused form creates no chat");
}
