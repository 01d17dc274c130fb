//! A WebSocket peer that stops reading is cut off after the send timeout, and nobody else
//! waits for it: the hub never blocks on a connection, and the connection's own sends give up.
mod common;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::*;
use futures::StreamExt;
use tokio_tungstenite::tungstenite::Message;

/// Characters per flood message: a frame of about 3.2 KB.
const BODY_CHARS: usize = 3_000;
/// About 9.5 MB of frames: more than the loopback kernel buffers between the server and the
/// silent peer can hold (the server's send buffer autotunes up to 4 MiB), so its sends block.
const FLOOD: usize = 3_000;
/// Posts in flight at once.
const AT_ONCE: usize = 16;
/// The server's send timeout in this test.
const SEND_TIMEOUT_MS: &str = "1000";
/// Reading what the kernel buffered for the silent peer, to the end, takes at most this.
const DRAIN: Duration = Duration::from_secs(20);

/// When each message arrived on a socket, in arrival order.
async fn read_flood(mut ws: WsClient) -> Vec<(ChatMessage, Instant)> {
    let mut received = Vec::with_capacity(FLOOD);
    while received.len() < FLOOD {
        if let Some(message) = posted(&ws.next_frame().await) {
            received.push((message.clone(), Instant::now()));
        }
    }
    received
}

/// Asserts a socket got every acknowledged message once, in order, each within `WAIT` of its
/// acknowledgement.
fn assert_got_everything(who: &str, received: &[(ChatMessage, Instant)], acknowledged: &HashMap<i64, (ChatMessage, Instant)>) {
    assert_eq!(received.len(), acknowledged.len(), "{who}: one frame per message");
    let ids: Vec<i64> = received.iter().map(|(m, _)| m.id).collect();
    assert!(ids.windows(2).all(|p| p[0] < p[1]), "{who}: messages out of order or doubled");
    for (message, at) in received {
        let (acked, acked_at) = acknowledged.get(&message.id).unwrap_or_else(|| panic!("{who}: unknown message {}", message.id));
        assert_eq!(message, acked);
        let late = at.saturating_duration_since(*acked_at);
        assert!(late <= WAIT, "{who}: message {} arrived {late:?} after its acknowledgement", message.id);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_peer_that_stops_reading_is_cut_off_and_delays_nobody() {
    let started = Instant::now();
    let server = TestServer::start_with(&[("DESKCHAT_WS_SEND_TIMEOUT_MS", SEND_TIMEOUT_MS)]).await;
    let alice = Agent::log_on(&server, ALICE).await;
    let chat = start_chat(&server, "Network", "Everything is slow").await;
    alice.take(chat.id()).await;

    // Alice's first console: a tiny receive window, up to live, then never read again.
    let mut silent = alice.connect_with_recv_buffer(&server, 4096).await;
    silent.hello(0, None).await;
    let silent_start = silent.until_live().await;
    // Her second console and the end user's widget read normally.
    let (console, _) = alice.listen(&server, 0).await;
    let (widget, widget_start) = chat.listen(&server, 0).await;
    assert!(widget_start.live >= silent_start.live);
    let console = tokio::spawn(read_flood(console));
    let widget = tokio::spawn(read_flood(widget));

    // The flood: both sides of the conversation, AT_ONCE posts in flight.
    let filler = "x".repeat(BODY_CHARS - 10);
    let acknowledged: Arc<Mutex<HashMap<i64, (ChatMessage, Instant)>>> = Arc::default();
    futures::stream::iter(0..FLOOD)
        .map(|n| {
            let (alice, chat, filler, acknowledged) = (&alice, &chat, &filler, acknowledged.clone());
            async move {
                let body = format!("{n:09} {filler}");
                let message = if n % 2 == 0 {
                    chat.post(&format!("u-{n}"), &body).await
                } else {
                    alice.post(chat.id(), &format!("a-{n}"), &body).await
                };
                acknowledged.lock().unwrap().insert(message.id, (message, Instant::now()));
            }
        })
        .buffer_unordered(AT_ONCE)
        .collect::<()>()
        .await;
    let flooded = started.elapsed();
    let acknowledged = std::mem::take(&mut *acknowledged.lock().unwrap());

    // Nobody who reads waited for the one who does not.
    let widget = widget.await.expect("the widget receives every message in time");
    assert_got_everything("widget", &widget, &acknowledged);
    let console = console.await.expect("the reading console receives every message in time");
    assert_got_everything("reading console", &console, &acknowledged);

    // The silent console was cut off: reading it now yields what the kernel had buffered, then
    // the end of the connection (a close frame, EOF or a reset), not an endless wait.
    let deadline = Instant::now() + DRAIN;
    let mut buffered = 0;
    let ending = loop {
        let next = tokio::time::timeout_at(deadline.into(), silent.socket().next()).await.unwrap_or_else(|_| {
            panic!("the silent socket is still open after the flood ({buffered} messages drained): it was not cut off")
        });
        match next {
            Some(Ok(Message::Text(text))) => {
                let frame: ServerFrame = serde_json::from_str(text.as_str()).expect("a server frame");
                buffered += usize::from(posted(&frame).is_some());
            }
            Some(Ok(Message::Close(close))) => break format!("close frame {close:?}"),
            Some(Ok(_)) => {}
            Some(Err(err)) => break format!("error {err}"),
            None => break "EOF".to_string(),
        }
    };
    assert!(buffered < FLOOD, "the silent socket received everything ({buffered}): the flood was too small to test anything");
    eprintln!(
        "slow_reader: flood of {FLOOD} posts took {flooded:?}; the silent socket ended with {ending} after {buffered} \
         buffered messages; test {:?}",
        started.elapsed()
    );
}

/// A reader that pauses (but comes back before the send timeout) falls behind the hub's bounded
/// inbox; it is not waited for, and when it reads again it catches up from the store: every
/// message once, in order.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reader_that_falls_behind_catches_up_from_the_store() {
    let server = TestServer::start_with(&[("DESKCHAT_WS_SEND_TIMEOUT_MS", "60000")]).await;
    let alice = Agent::log_on(&server, ALICE).await;
    let chat = start_chat(&server, "Network", "Bursty").await;
    alice.take(chat.id()).await;
    let mut paused = alice.connect_with_recv_buffer(&server, 4096).await;
    paused.hello(0, None).await;
    paused.until_live().await;

    // More than the kernel buffers plus the 512-frame inbox while the reader does not read.
    let filler = "y".repeat(BODY_CHARS - 10);
    let acknowledged: Vec<ChatMessage> = futures::stream::iter(0..FLOOD)
        .map(|n| {
            let (chat, body) = (&chat, format!("{n:09} {filler}"));
            async move { chat.post(&format!("u-{n}"), &body).await }
        })
        .buffer_unordered(AT_ONCE)
        .collect()
        .await;
    let mut expected: Vec<i64> = acknowledged.iter().map(|m| m.id).collect();
    expected.sort_unstable();

    // Reading again: everything arrives, each once and in order, live and replayed alike.
    let received = read_flood(paused).await;
    let ids: Vec<i64> = received.iter().map(|(m, _)| m.id).collect();
    assert_eq!(ids, expected);
}
