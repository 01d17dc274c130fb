//! Bad input from outside (issue 8): every malformed request gets a 4xx whose body is an
//! `ApiError` with a sentence a person can read, never a 500; text with control or
//! text-direction characters is refused with the field named, and nothing is stored; absurd
//! positions and ids get a defined answer.
mod common;

use app::domain::validate;
use common::*;
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

/// `POST /api/<endpoint>` with a raw body and content type, as an attacker's client would.
async fn post_raw(server: &TestServer, cookie: Option<&str>, endpoint: &str, content_type: Option<&str>, body: Vec<u8>) -> Reply {
    let http = reqwest::Client::new();
    let mut request = http.post(format!("{}/api/{endpoint}", server.base_url())).body(body);
    if let Some(content_type) = content_type {
        request = request.header("content-type", content_type);
    }
    if let Some(cookie) = cookie {
        request = request.header("cookie", format!("{SESSION_COOKIE}={cookie}"));
    }
    let response = request.send().await.expect("the server answers");
    let status = response.status();
    let headers = response.headers().clone();
    Reply { status, headers, body: response.text().await.unwrap() }
}

/// The refusal as the browser decodes it, after checking its status and that it is JSON.
fn refusal(reply: &Reply, status: StatusCode, what: &str) -> ApiError {
    assert_eq!(reply.status, status, "{what}: {}", reply.body);
    assert!(
        reply.headers.get("content-type").is_some_and(|v| v.to_str().unwrap().starts_with("application/json")),
        "{what}: not JSON: {:?}",
        reply.headers
    );
    serde_json::from_str(&reply.body).unwrap_or_else(|e| panic!("{what}: not an ApiError: {} ({e})", reply.body))
}

fn request_text(error: ApiError) -> String {
    match error {
        ApiError::Request(text) => text,
        other => panic!("expected ApiError::Request, got {other:?}"),
    }
}

/// (endpoint, content type, body, status, how the answer's text starts)
type Case = (&'static str, Option<&'static str>, Vec<u8>, StatusCode, &'static str);

/// Puts a text into one field of the widget's form.
type Shape = fn(&mut StartChat, &str);

#[tokio::test]
async fn malformed_calls_get_a_4xx_api_error_in_words_never_a_500() {
    let mut server = TestServer::start().await;
    let alice = Agent::log_on(&server, ALICE).await;
    let session = Some(alice.session.as_str());
    let json = Some("application/json");

    let cases: Vec<Case> = vec![
        (
            "load_chat",
            json,
            br#"{"chat_id":"x"}"#.to_vec(),
            StatusCode::BAD_REQUEST,
            "An argument has the wrong type or value (invalid type: string",
        ),
        ("load_chat", json, br#"{"chat_id":1.5}"#.to_vec(), StatusCode::BAD_REQUEST, "An argument has the wrong type or value ("),
        (
            "load_chat",
            json,
            br#"{"chat_id":100000000000000000000}"#.to_vec(),
            StatusCode::BAD_REQUEST,
            "An argument has the wrong type or value (",
        ),
        ("load_chat", json, b"{}".to_vec(), StatusCode::BAD_REQUEST, "The request lacks the field `chat_id`"),
        ("load_chat", json, b"".to_vec(), StatusCode::BAD_REQUEST, "The request is not a JSON object of arguments ("),
        ("load_chat", json, b"chat_id=3".to_vec(), StatusCode::BAD_REQUEST, "The request is not a JSON object of arguments ("),
        (
            "request_chat",
            json,
            br#"{"form":{"name":"Erin"}}"#.to_vec(),
            StatusCode::BAD_REQUEST,
            "The request lacks the field `email`",
        ),
        (
            "transfer_chat",
            json,
            br#"{"chat_id":1,"target":"Elsewhere"}"#.to_vec(),
            StatusCode::BAD_REQUEST,
            "An argument has the wrong type or value (",
        ),
        (
            "post_as_end_user",
            json,
            b"{\"token\":\"t\",\"client_id\":\"c-1\",\"body\":\"caf\xe9 \xff\xfe\"}".to_vec(),
            StatusCode::BAD_REQUEST,
            "The request holds text that is not valid UTF-8 (",
        ),
        (
            "load_chat",
            Some("text/plain"),
            br#"{"chat_id":1}"#.to_vec(),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "Send the arguments as a JSON object",
        ),
        (
            "load_chat",
            Some("application/x-www-form-urlencoded"),
            b"chat_id=1".to_vec(),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "Send the arguments",
        ),
        ("load_chat", None, br#"{"chat_id":1}"#.to_vec(), StatusCode::UNSUPPORTED_MEDIA_TYPE, "Send the arguments"),
        ("no_such_function", json, b"{}".to_vec(), StatusCode::NOT_FOUND, "There is no such server function."),
    ];
    for (endpoint, content_type, body, status, text) in cases {
        let what = format!("{endpoint} {content_type:?} {}", String::from_utf8_lossy(&body));
        let reply = post_raw(&server, session, endpoint, content_type, body).await;
        let said = request_text(refusal(&reply, status, &what));
        assert!(said.starts_with(text), "{what}: {said}");
        assert!(said.ends_with('.'), "{what}: {said}");
    }

    // Over the body limit, announced (Content-Length) or not (chunked): 413, in words.
    let huge = json!({ "chat_id": 1, "client_id": "huge-1", "body": "x".repeat(300 * 1024) }).to_string().into_bytes();
    let reply = post_raw(&server, session, "post_as_agent", json, huge.clone()).await;
    assert_eq!(refusal(&reply, StatusCode::PAYLOAD_TOO_LARGE, "Content-Length"), ApiError::TooLarge { max_bytes: 256 * 1024 });
    assert_eq!(
        ApiError::TooLarge { max_bytes: 256 * 1024 }.to_string(),
        "The request is too large: at most 256 KiB are accepted."
    );
    let (status, body) = post_chunked(&server, "post_as_agent", &huge).await;
    assert_eq!(status, 413, "chunked: {body}");
    assert_eq!(serde_json::from_str::<ApiError>(&body).unwrap(), ApiError::TooLarge { max_bytes: 256 * 1024 });

    // The layers in front of the server functions answer in the same shape.
    let reply = alice.api.call_with("load_console", json!({}), &[("origin", "https://evil.example")]).await;
    assert_eq!(request_text(refusal(&reply, StatusCode::FORBIDDEN, "origin")), "Cross-site requests are not allowed.");
    let reply = reqwest::get(format!("{}/api/load_console", server.base_url())).await.unwrap();
    assert!(reply.status().is_client_error(), "GET: {}", reply.status());
    assert!(serde_json::from_str::<ApiError>(&reply.text().await.unwrap()).is_ok());

    server.assert_healthy().await;
    assert!(alice.console().await.queued.is_empty());
}

/// A chunked POST (no Content-Length) over a plain socket; the status and body of the answer.
async fn post_chunked(server: &TestServer, endpoint: &str, body: &[u8]) -> (u16, String) {
    let mut tcp = tokio::net::TcpStream::connect(("127.0.0.1", server.port)).await.unwrap();
    let head = format!(
        "POST /api/{endpoint} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
    );
    tcp.write_all(head.as_bytes()).await.unwrap();
    for chunk in body.chunks(16 * 1024) {
        // The server may answer and stop reading before the end: that is its right.
        if tcp.write_all(format!("{:x}\r\n", chunk.len()).as_bytes()).await.is_err()
            || tcp.write_all(chunk).await.is_err()
            || tcp.write_all(b"\r\n").await.is_err()
        {
            break;
        }
    }
    let _ = tcp.write_all(b"0\r\n\r\n").await;
    let mut answer = Vec::new();
    let _ = tokio::time::timeout(WAIT, tcp.read_to_end(&mut answer)).await;
    let answer = String::from_utf8_lossy(&answer).to_string();
    let status = answer.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or_else(|| panic!("no status in {answer:?}"));
    let (headers, body) = answer.split_once("\r\n\r\n").unwrap_or((&answer, ""));
    let body = if headers.to_ascii_lowercase().contains("transfer-encoding: chunked") {
        // One chunk: "<len>\r\n<data>\r\n0\r\n\r\n".
        body.split_once("\r\n").map_or(body, |(_, rest)| rest).split("\r\n").next().unwrap_or_default().to_string()
    } else {
        body.to_string()
    };
    (status, body)
}

const UNPRINTABLE: [&str; 5] = ["NUL\0here", "bell\u{7}", "evil\u{202E}gnp.exe", "isolate\u{2066}x\u{2069}", "esc\u{1b}[31m"];

#[tokio::test]
async fn control_and_direction_characters_in_the_widget_form_are_refused_and_nothing_is_stored() {
    let server = TestServer::start().await;
    let alice = Agent::log_on(&server, ALICE).await;
    let api = Api::new(&server);
    let group = api.group_id("Network").await;

    let shapes: [(FormField, Shape); 4] = [
        (FormField::Name, |f, t| f.name = t.into()),
        (FormField::Email, |f, t| f.email = format!("{t}@example.com")),
        (FormField::Location, |f, t| f.location = t.into()),
        (FormField::Question, |f, t| f.question = t.into()),
    ];
    for (field, shape) in shapes {
        for bad in UNPRINTABLE {
            let mut form = chat_form(group, "My VPN drops");
            shape(&mut form, bad);
            let reply = api.call("request_chat", json!({ "form": form })).await;
            let error = refusal(&reply, StatusCode::UNPROCESSABLE_ENTITY, &format!("{field:?} {bad:?}"));
            assert_eq!(error, ApiError::InvalidForm(vec![FieldError::new(field, FieldProblem::Unprintable)]));
        }
    }
    // Marks of direction are fine inside a question, but not in a name; new lines likewise.
    let mut form = chat_form(group, "Line one\n\tLine two \u{200F}שלום");
    form.name = "Erin\u{200F}".into();
    let reply = api.call("request_chat", json!({ "form": form })).await;
    assert!(
        matches!(refusal(&reply, StatusCode::UNPROCESSABLE_ENTITY, "mark"), ApiError::InvalidForm(errors) if errors.len() == 1)
    );
    assert!(alice.console().await.queued.is_empty(), "nothing was stored");

    form.name = "Zoë Ødegård".into();
    let started: StartChatOutcome = api.call("request_chat", json!({ "form": form })).await.ok();
    let StartChatOutcome::Started { snapshot, .. } = started else { panic!("no live chat") };
    assert_eq!(snapshot.transcript.request.question, "Line one\n\tLine two \u{200F}שלום");
    assert_eq!(alice.console().await.queued.len(), 1);
}

#[tokio::test]
async fn control_and_direction_characters_in_messages_notes_tickets_and_canned_messages_are_refused() {
    let server = TestServer::start().await;
    let alice = Agent::log_on(&server, ALICE).await;
    let chat = start_chat(&server, "Network", "VPN drops").await;
    let (_, records) = alice.take_with_records(chat.id()).await;
    let interaction = records.interaction.clone().expect("accepting opens the interaction");

    for (n, bad) in UNPRINTABLE.iter().enumerate() {
        let reply = chat.try_post(&format!("u-{n}"), bad).await;
        assert_eq!(
            refusal(&reply, StatusCode::UNPROCESSABLE_ENTITY, bad),
            ApiError::InvalidMessage(validate::MessageError::Unprintable)
        );
        let reply = alice.try_post(chat.id(), &format!("a-{n}"), bad).await;
        assert_eq!(
            refusal(&reply, StatusCode::UNPROCESSABLE_ENTITY, bad).to_string(),
            "A message may not contain control or text-direction characters."
        );
        let reply = alice.try_chat_note(chat.id(), bad).await;
        assert_eq!(
            refusal(&reply, StatusCode::UNPROCESSABLE_ENTITY, bad),
            ApiError::Invalid("A note may not contain control or text-direction characters.".into())
        );
        let reply = alice.try_ticket_note(interaction.id, bad).await;
        assert_eq!(
            refusal(&reply, StatusCode::UNPROCESSABLE_ENTITY, bad).to_string(),
            "A note may not contain control or text-direction characters."
        );
        let fields = TicketFields { contact_name: bad.to_string(), ..interaction.fields.clone() };
        let reply = alice.try_save_ticket(&interaction, &fields).await;
        assert_eq!(
            refusal(&reply, StatusCode::UNPROCESSABLE_ENTITY, bad),
            ApiError::Invalid("Contact name may not contain control or text-direction characters.".into())
        );
        let draft =
            CannedDraft { category: "".into(), title: bad.to_string(), text: "Hello".into(), scope: Some(CannedScope::Mine) };
        let reply = alice.try_save_canned(None, &draft).await;
        assert_eq!(
            refusal(&reply, StatusCode::UNPROCESSABLE_ENTITY, bad),
            ApiError::Invalid("The title may not contain control or text-direction characters.".into())
        );
    }
    // A title is one line.
    let fields = TicketFields { title: "Two\nlines".into(), ..interaction.fields.clone() };
    assert!(matches!(
        refusal(&alice.try_save_ticket(&interaction, &fields).await, StatusCode::UNPROCESSABLE_ENTITY, "title"),
        ApiError::Invalid(text) if text == "Title may not contain control or text-direction characters."
    ));

    // Nothing of it was stored.
    assert!(chat.resume().await.transcript.messages.is_empty());
    let now = alice.records(chat.id()).await;
    assert!(now.notes.is_empty());
    assert_eq!(now.interaction, Some(interaction.clone()));
    assert!(alice.canned().await.iter().all(|c| c.title.chars().all(|ch| !ch.is_control() && ch != '\u{202E}')));
    let before = alice.canned().await.len();

    // Several lines with tabs are plain text where a text may span lines.
    let message = chat.post("ok-1", "Line one\n\tLine two").await;
    assert_eq!(message.body, "Line one\n\tLine two");
    alice.post(chat.id(), "ok-2", "Noted:\n\t1. restart").await;
    let reply = alice.try_chat_note(chat.id(), "First line\n\tsecond line").await;
    assert_eq!(reply.ok::<Note>().body, "First line\n\tsecond line");
    let draft = CannedDraft {
        category: "".into(),
        title: "Greeting".into(),
        text: "Hello,\n\tthanks".into(),
        scope: Some(CannedScope::Mine),
    };
    alice.try_save_canned(None, &draft).await.ok::<CannedMessage>();
    assert_eq!(alice.canned().await.len(), before + 1);
}

#[tokio::test]
async fn absurd_ids_and_cursors_in_server_functions_get_a_defined_answer() {
    let server = TestServer::start().await;
    let alice = Agent::log_on(&server, ALICE).await;
    let chat = start_chat(&server, "Network", "VPN drops").await;
    alice.take(chat.id()).await;
    chat.post("m-1", "Hello").await;

    for id in [-1, 0, i64::MIN, i64::MAX, chat.id() + 1_000_000] {
        for endpoint in
            ["load_chat", "accept_chat", "end_chat", "load_chat_records", "join_chat", "leave_chat", "convert_to_incident"]
        {
            let reply = alice.api.call(endpoint, json!({ "chat_id": id })).await;
            assert_eq!(
                refusal(&reply, StatusCode::NOT_FOUND, &format!("{endpoint} {id}")),
                ApiError::NoSuchChat,
                "{endpoint} {id}"
            );
        }
        let reply = alice.api.call("load_earlier", json!({ "chat_id": id, "before": 1 })).await;
        assert_eq!(refusal(&reply, StatusCode::NOT_FOUND, "load_earlier"), ApiError::NoSuchChat);
        let reply = alice.try_ticket_note(id, "a note").await;
        assert_eq!(refusal(&reply, StatusCode::NOT_FOUND, "add_ticket_note"), ApiError::NoSuchRecord);
        let reply = alice.try_delete_canned(id).await;
        assert_eq!(refusal(&reply, StatusCode::NOT_FOUND, "delete_canned_message"), ApiError::NoSuchRecord);
        let reply = alice.try_invite(chat.id(), id).await;
        assert!(reply.status.is_client_error(), "invite {id}: {}", reply.body);
        assert!(serde_json::from_str::<ApiError>(&reply.body).is_ok());
    }
    // Page cursors anywhere: an empty page, or the whole first page.
    for before in [i64::MIN, -1, 0] {
        let page: MessagePage = alice.api.call("load_earlier", json!({ "chat_id": chat.id(), "before": before })).await.ok();
        assert!(page.messages.is_empty() && !page.earlier, "before {before}");
        assert!(alice.history(Some(before)).await.entries.is_empty(), "history before {before}");
        let page: RecordPage = alice.try_search(&RecordQuery { before: Some(before), ..RecordQuery::default() }).await.ok();
        assert!(page.rows.is_empty(), "search before {before}");
    }
    let page: MessagePage = alice.api.call("load_earlier", json!({ "chat_id": chat.id(), "before": i64::MAX })).await.ok();
    assert!(page.messages.iter().any(|m| m.body == "Hello"));
    assert_eq!(alice.history(Some(i64::MAX)).await.entries.len(), 0, "the chat is still active, not history");
    let page: RecordPage = alice.try_search(&RecordQuery { before: Some(i64::MAX), ..RecordQuery::default() }).await.ok();
    assert_eq!(page.rows.len(), 1, "the interaction");
    for number in ["IM99999999999999999999", "SD-1", "CR0", "", "\u{202E}"] {
        assert_eq!(refusal(&alice.try_record(number).await, StatusCode::NOT_FOUND, number), ApiError::NoSuchRecord);
    }
}

#[tokio::test]
async fn a_hello_from_a_position_outside_the_stream_is_refused() {
    let server = TestServer::start().await;
    let alice = Agent::log_on(&server, ALICE).await;
    let chat = start_chat(&server, "Network", "VPN drops").await;
    let head = chat.snapshot.position;
    assert!(head > 0);

    for (after, token) in [
        (-1, None),
        (i64::MIN, None),
        (head + 1, None),
        (i64::MAX, None),
        (-1, Some(chat.token.as_str())),
        (head + 1, Some(&chat.token)),
    ] {
        let mut ws = alice.connect(&server).await;
        ws.hello(after, token).await;
        let (frames, close) = ws.until_closed().await;
        let error = ApiError::Protocol(Protocol::BadPosition { after, head });
        assert_eq!(frames, vec![ServerFrame::Error { error: error.clone() }], "after {after}");
        let close = close.unwrap_or_else(|| panic!("no close frame after {after}"));
        assert_eq!(close.code, CloseCode::Policy);
        assert_eq!(close.reason.as_str(), error.to_string());
    }
    // The edges themselves are positions: 0 and the head.
    let (_, replay) = alice.listen(&server, 0).await;
    assert_eq!(replay.live, head);
    let (mut ws, replay) = chat.listen(&server, head).await;
    assert_eq!((replay.live, replay.events.len()), (head, 0));

    // Typing in chats that do not exist is dropped without a word; the connection carries on.
    for chat_id in [-1, 0, i64::MIN, i64::MAX] {
        ws.send(&ClientFrame::Typing { chat_id }).await;
    }
    ws.send_text(r#"{"type":"typing","chat_id":1e400}"#).await;
    assert_eq!(ws.next_frame().await, ServerFrame::Error { error: ApiError::Protocol(Protocol::Malformed) });
    ws.send(&ClientFrame::Ping).await;
    assert_eq!(ws.next_frame().await, ServerFrame::Pong);
}
