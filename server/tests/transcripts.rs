//! Transcripts by email (issue 18): the end user asks, the request is queued in the outbox in
//! the same write, and the worker sends it through a real SMTP server (mailin-embedded, started
//! here on its own port) once: through a failed try, a kill -9 and a restart, and with two
//! nodes sending at the same moment. Time moves by the test clock only.
mod common;

use std::net::TcpListener;
use std::sync::{Arc, Mutex};

use common::*;
use mailin_embedded::response::OK;
use mailin_embedded::{Handler, Response, Server};
use reqwest::StatusCode;
use serde_json::json;

/// One message the SMTP server took: its recipients and its text (headers and body).
#[derive(Clone, Debug)]
struct Mail {
    to: Vec<String>,
    text: String,
}

/// The SMTP server's handler: one per connection (mailin clones it), all adding to `mails`.
#[derive(Clone, Default)]
struct Sink {
    mails: Arc<Mutex<Vec<Mail>>>,
    to: Vec<String>,
    data: Vec<u8>,
}

impl Handler for Sink {
    fn data_start(&mut self, _domain: &str, _from: &str, _is8bit: bool, to: &[String]) -> Response {
        self.to = to.to_vec();
        self.data.clear();
        OK
    }

    fn data(&mut self, buf: &[u8]) -> std::io::Result<()> {
        self.data.extend_from_slice(buf);
        Ok(())
    }

    fn data_end(&mut self) -> Response {
        let text = String::from_utf8_lossy(&self.data).replace("=\r\n", "");
        self.mails.lock().unwrap().push(Mail { to: std::mem::take(&mut self.to), text });
        OK
    }
}

/// A real SMTP server on `port` (127.0.0.1), running until the test process ends.
fn smtp_server(port: u16) -> Arc<Mutex<Vec<Mail>>> {
    let sink = Sink::default();
    let mails = sink.mails.clone();
    let listener = TcpListener::bind(("127.0.0.1", port)).expect("bind the SMTP server's port");
    let mut server = Server::new(sink);
    server.with_name("mail.deskchat.test").with_num_threads(2).with_tcp_listener(listener);
    std::thread::spawn(move || {
        let _ = server.serve();
    });
    mails
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// The server's settings for mail to `port`, plain SMTP (a server on this machine).
fn mail_env(port: u16) -> Vec<(&'static str, String)> {
    vec![
        (TEST_CLOCK.0, TEST_CLOCK.1.into()),
        ("DESKCHAT_SMTP_HOST", "127.0.0.1".into()),
        ("DESKCHAT_SMTP_PORT", port.to_string()),
        ("DESKCHAT_SMTP_SECURITY", "none".into()),
        ("DESKCHAT_MAIL_FROM", "Service desk <desk@deskchat.test>".into()),
    ]
}

fn env_of<'a>(env: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    env.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

async fn ask(chat: &EndUserChat, key: &str) -> Reply {
    chat.api.call("email_transcript", json!({ "token": chat.token, "request_key": key, "lang": "en" })).await
}

fn count(mails: &Arc<Mutex<Vec<Mail>>>) -> usize {
    mails.lock().unwrap().len()
}

async fn until_mails(mails: &Arc<Mutex<Vec<Mail>>>, n: usize) {
    until(&format!("{n} mail(s)"), || async { count(mails) }, |c| *c >= n).await;
}

#[tokio::test]
async fn an_end_user_has_the_transcript_emailed_once_and_admins_see_it_sent() {
    let port = free_port();
    let mails = smtp_server(port);
    let env = mail_env(port);
    let server = TestServer::start_with(&env_of(&env)).await;
    let alice = Agent::log_on(&server, ALICE).await; // Network
    let admin = Agent::log_on(&server, ADMIN).await;

    let chat = start_chat(&server, "Network", "My VPN drops").await;
    assert!(chat.snapshot.mail_on, "the widget knows the desk sends mail");
    let early = ask(&chat, "early").await.refusal(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(early, ApiError::Invalid("The transcript can be emailed once an agent has taken the chat.".into()));

    alice.take(chat.id()).await;
    chat.post("u1", "It drops every hour").await;
    alice.post(chat.id(), "a1", "Try the new client").await;

    let asked: TranscriptRequested = ask(&chat, "k-1").await.ok();
    assert_eq!(
        (asked.address.as_str(), asked.state),
        (chat.snapshot.transcript.request.end_user.email.as_str(), OutboxState::Queued)
    );
    assert_eq!(count(&mails), 0, "queued: sent by the worker, when the clock says");
    server.advance_clock(0).await;
    until_mails(&mails, 1).await;

    let mail = mails.lock().unwrap()[0].clone();
    assert_eq!(mail.to, [chat.snapshot.transcript.request.end_user.email.clone()]);
    let number = &chat.snapshot.transcript.request.number;
    assert!(mail.text.contains(&format!("Subject: Transcript of your chat {number}")), "{}", mail.text);
    assert!(mail.text.contains("You: It drops every hour"), "{}", mail.text);
    assert!(mail.text.contains(": Try the new client"), "{}", mail.text);
    assert!(mail.text.contains("From: \"Service desk\" <desk@deskchat.test>"), "{}", mail.text);

    // The same request again (its answer was lost): the same entry, sent; no second mail.
    let again: TranscriptRequested = ask(&chat, "k-1").await.ok();
    assert_eq!(again.state, OutboxState::Sent);
    server.advance_clock(60 * 60_000).await;
    assert_eq!(count(&mails), 1);

    // Admins see the outbox; agents may not.
    let outbox: Vec<OutboxEntry> = admin.api.call("admin_outbox", json!({})).await.ok();
    assert_eq!(outbox.len(), 1);
    assert_eq!((outbox[0].state, outbox[0].attempts, outbox[0].chat_number.as_ref()), (OutboxState::Sent, 1, Some(number)));
    assert_eq!(alice.api.call("admin_outbox", json!({})).await.refusal(StatusCode::FORBIDDEN), ApiError::AdminOnly);
    let view: MailSettingsView = admin.api.call("admin_mail_settings", json!({})).await.ok();
    assert!(view.from_flags && !view.password_set);
    assert_eq!(view.port, port);

    // After the chat too, a few times at most; a bad key or token is refused.
    chat.end().await;
    ask(&chat, "k-2").await.ok::<TranscriptRequested>();
    ask(&chat, "k-3").await.ok::<TranscriptRequested>();
    let more = ask(&chat, "k-4").await.refusal(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(more, ApiError::Invalid("This chat's transcript was emailed 3 times already.".into()));
    assert!(matches!(ask(&chat, "not a key!").await.refusal(StatusCode::UNPROCESSABLE_ENTITY), ApiError::Invalid(_)));
    let stranger = chat.api.call("email_transcript", json!({ "token": "nope", "request_key": "k-5", "lang": "en" })).await;
    assert_eq!(stranger.refusal(StatusCode::NOT_FOUND), ApiError::NoSuchChat);
    server.advance_clock(0).await;
    until_mails(&mails, 3).await;
    assert!(mails.lock().unwrap()[2].text.contains("It drops every hour"));
}

#[tokio::test]
async fn without_a_mail_server_nothing_is_offered_and_admins_set_one() {
    let server = TestServer::start_with(&[TEST_CLOCK]).await;
    let alice = Agent::log_on(&server, ALICE).await;
    let admin = Agent::log_on(&server, ADMIN).await;
    let chat = start_chat(&server, "Network", "Printer").await;
    alice.take(chat.id()).await;
    assert!(!chat.resume().await.mail_on);
    assert_eq!(
        ask(&chat, "k").await.refusal(StatusCode::UNPROCESSABLE_ENTITY),
        ApiError::Invalid("This desk does not send email.".into())
    );

    let change = |host: &str, sender: &str, password: Option<&str>| {
        json!({ "change": { "host": host, "port": 2525, "security": "None", "username": "desk",
                            "new_password": password, "sender": sender } })
    };
    let bad = admin.api.call("admin_save_mail_settings", change("127.0.0.1", "not an address", None)).await;
    assert!(matches!(bad.refusal(StatusCode::UNPROCESSABLE_ENTITY), ApiError::Invalid(why) if why.starts_with("Sender")));
    let saved: MailSettingsView =
        admin.api.call("admin_save_mail_settings", change("127.0.0.1", "Desk <desk@deskchat.test>", Some("s3cret"))).await.ok();
    assert!(saved.password_set && !saved.from_flags);
    assert_eq!(saved.host, "127.0.0.1");
    // The password is kept when not given again, and never shown.
    let kept: MailSettingsView =
        admin.api.call("admin_save_mail_settings", change("127.0.0.1", "Desk <desk@deskchat.test>", None)).await.ok();
    assert!(kept.password_set);
    // Audited, without the password.
    let audit: AuditPage = admin.api.call("admin_audit_log", json!({ "before": null })).await.ok();
    let lines: Vec<&AuditLine> = audit.lines.iter().filter(|l| l.action == AuditAction::ChangeMailSettings).collect();
    assert_eq!(lines.len(), 2);
    assert!(lines[0].detail.contains("password kept") && lines[1].detail.contains("password set"), "{lines:?}");
    assert!(lines.iter().all(|l| !l.detail.contains("s3cret")));
    let denied = alice.api.call("admin_save_mail_settings", change("evil.example", "a@b.c", None)).await;
    assert_eq!(denied.refusal(StatusCode::FORBIDDEN), ApiError::AdminOnly);
    assert!(chat.resume().await.mail_on, "offered now that the desk sends mail");
}

/// Queued, a first try that finds no mail server, kill -9, a restart, then the mail server:
/// the retry sends it, once.
#[tokio::test]
async fn a_transcript_survives_a_failed_try_and_kill_9_and_is_sent_once() {
    let port = free_port(); // nothing listens there yet
    let env = mail_env(port);
    let mut server = TestServer::start_with(&env_of(&env)).await;
    let alice = Agent::log_on(&server, ALICE).await;
    let admin = Agent::log_on(&server, ADMIN).await;
    let chat = start_chat(&server, "Network", "Laptop will not boot").await;
    alice.take(chat.id()).await;
    alice.post(chat.id(), "a1", "Hold the power button").await;
    ask(&chat, "k-1").await.ok::<TranscriptRequested>();
    server.advance_clock(0).await;
    let outbox: Vec<OutboxEntry> = admin.api.call("admin_outbox", json!({})).await.ok();
    assert_eq!((outbox[0].state, outbox[0].attempts), (OutboxState::Queued, 1));
    assert!(outbox[0].last_error.is_some(), "the failed try says why");
    assert!(outbox[0].next_attempt_at_ms.is_some());

    server.kill();
    let mails = smtp_server(port);
    server.restart().await;
    server.advance_clock(30_000).await;
    until_mails(&mails, 1).await;
    server.advance_clock(3 * 60 * 60_000).await;
    assert_eq!(count(&mails), 1, "once");
    assert!(mails.lock().unwrap()[0].text.contains("Hold the power button"));
    let admin = Agent::log_on(&server, ADMIN).await;
    let outbox: Vec<OutboxEntry> = admin.api.call("admin_outbox", json!({})).await.ok();
    assert_eq!((outbox[0].state, outbox[0].attempts), (OutboxState::Sent, 2));
}

/// No mail server at all: the outbox tries 8 times on its schedule (the test clock walking it),
/// gives up with the reason, and sends nothing more by itself; an admin sends it again once the
/// server is there, and it arrives once.
#[tokio::test]
async fn an_entry_given_up_after_eight_tries_is_sent_again_by_an_admin() {
    let port = free_port(); // nothing listens there yet
    let env = mail_env(port);
    let server = TestServer::start_with(&env_of(&env)).await;
    let alice = Agent::log_on(&server, ALICE).await;
    let admin = Agent::log_on(&server, ADMIN).await;
    let chat = start_chat(&server, "Network", "Monitor flickers").await;
    alice.take(chat.id()).await;
    ask(&chat, "k-1").await.ok::<TranscriptRequested>();

    let outbox = || async { admin.api.call("admin_outbox", json!({})).await.ok::<Vec<OutboxEntry>>().remove(0) };
    server.advance_clock(0).await;
    for _ in 1..8 {
        let entry = outbox().await;
        assert_eq!(entry.state, OutboxState::Queued);
        let wait = entry.next_attempt_at_ms.unwrap() - server.clock_now().await;
        assert!(wait > 0, "waits for its next try");
        server.advance_clock(wait).await;
    }
    let failed = outbox().await;
    assert_eq!((failed.state, failed.attempts), (OutboxState::Failed, 8));
    assert!(failed.last_error.as_deref().unwrap().ends_with("(gave up after 8 tries)"), "{failed:?}");
    server.advance_clock(24 * 60 * 60_000).await;
    assert_eq!(outbox().await.attempts, 8, "given up: not tried by itself");

    let mails = smtp_server(port);
    let denied = alice.api.call("admin_send_again", json!({ "id": failed.id })).await;
    assert_eq!(denied.refusal(StatusCode::FORBIDDEN), ApiError::AdminOnly);
    let again: OutboxEntry = admin.api.call("admin_send_again", json!({ "id": failed.id })).await.ok();
    assert_eq!((again.state, again.attempts), (OutboxState::Queued, 0));
    let audit: AuditPage = admin.api.call("admin_audit_log", json!({ "before": null })).await.ok();
    assert_eq!((audit.lines[0].action, audit.lines[0].detail.as_str()), (AuditAction::SendMailAgain, again.subject.as_str()));
    let twice = admin.api.call("admin_send_again", json!({ "id": failed.id })).await;
    assert!(matches!(twice.refusal(StatusCode::UNPROCESSABLE_ENTITY), ApiError::Invalid(_)), "queued already");
    server.advance_clock(0).await;
    until_mails(&mails, 1).await;
    server.advance_clock(60 * 60_000).await;
    assert_eq!(count(&mails), 1);
    assert_eq!(outbox().await.state, OutboxState::Sent);
}

/// Two nodes on one PostgreSQL database, both sending at the same moment: each transcript
/// arrives once.
#[tokio::test]
async fn two_nodes_send_each_transcript_once() {
    let port = free_port();
    let mails = smtp_server(port);
    let env = mail_env(port);
    let a = TestServer::start_on_postgres_with(&env_of(&env)).await;
    let b = a.another_node().await;
    let alice = Agent::log_on(&a, ALICE).await;
    let mut chats = Vec::new();
    for (n, node) in [&a, &b, &a, &b, &a, &b].into_iter().enumerate() {
        let chat = start_chat(node, "Network", &format!("Question {n}")).await;
        alice.take(chat.id()).await;
        chats.push(chat);
    }
    for (n, chat) in chats.iter().enumerate() {
        ask(chat, &format!("k-{n}")).await.ok::<TranscriptRequested>();
        // The same request on the other node finds the same entry.
        let other = Api::new(if n % 2 == 0 { &b } else { &a });
        let again =
            other.call("email_transcript", json!({ "token": chat.token, "request_key": format!("k-{n}"), "lang": "en" })).await;
        again.ok::<TranscriptRequested>();
    }
    advance_clocks(&[&a, &b], 0).await;
    until_mails(&mails, chats.len()).await;
    advance_clocks(&[&a, &b], 3 * 60 * 60_000).await;
    let mails = mails.lock().unwrap().clone();
    assert_eq!(mails.len(), chats.len(), "each once");
    for n in 0..chats.len() {
        assert_eq!(mails.iter().filter(|m| m.text.contains(&format!("Question: Question {n}"))).count(), 1, "chat {n}");
    }
}
