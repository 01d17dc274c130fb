//! The WebSocket endpoint: one connection per console or widget tab.
//! Protocol (docs/realtime.md): the client sends `Hello { after }`; the server replays every
//! visible event after that position, says `Live`, then streams new events as they commit.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use tokio::sync::broadcast::error::RecvError;

use super::auth;
use super::desk::Desk;
use super::origin::origin_allowed;
use super::state::AppState;
use super::store::StoredEvent;
use crate::domain::audience::Viewer;
use crate::domain::lifecycle::ChatState;
use crate::model::*;

const HELLO_TIMEOUT: Duration = Duration::from_secs(10);
/// Clients ping every 20 s; silence for longer than this means the peer is gone.
const IDLE_TIMEOUT: Duration = Duration::from_secs(60);
const REPLAY_BATCH: i64 = 500;
/// Per-connection socket buffers: a help desk holds thousands of idle widget connections,
/// and axum's default is 128 KiB each way.
const SOCKET_BUFFER: usize = 4 * 1024;

pub async fn upgrade(State(state): State<AppState>, headers: HeaderMap, ws: WebSocketUpgrade) -> Response {
    if !origin_allowed(&headers, &state.allowed_origins) {
        return (StatusCode::FORBIDDEN, "This origin may not open a Deskchat connection.").into_response();
    }
    let session = auth::session_token(&headers);
    let desk = state.desk.clone();
    ws.read_buffer_size(SOCKET_BUFFER)
        .write_buffer_size(SOCKET_BUFFER)
        .max_write_buffer_size(256 * 1024)
        .max_message_size(MAX_CLIENT_FRAME_BYTES)
        .max_frame_size(MAX_CLIENT_FRAME_BYTES)
        .on_upgrade(move |socket| async move {
            let mut conn = Connection { socket, desk };
            if let Err(reason) = conn.serve(session).await {
                conn.close_with_error(reason).await;
            }
        })
}

struct Connection {
    socket: WebSocket,
    desk: Arc<Desk>,
}

/// What an end user's connection tracks to tell them their place in the queue.
struct Waiting {
    chat: ChatRequest,
    place: Option<u32>,
}

type Closing = (u16, String);

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Replay,
    Live,
}

/// A failed read: an over-long frame gets 1009 (too big), anything else 1002 (protocol error).
fn receive_error(err: &axum::Error) -> Closing {
    let text = err.to_string();
    if text.contains("too long") || text.contains("too big") || text.contains("Space limit") {
        (1009, format!("Frames are limited to {MAX_CLIENT_FRAME_BYTES} bytes."))
    } else {
        (1002, format!("Unreadable frame: {text}"))
    }
}

impl Connection {
    async fn send(&mut self, frame: &ServerFrame) -> Result<(), Closing> {
        let text = serde_json::to_string(frame).map_err(|e| (1011, e.to_string()))?;
        self.socket.send(Message::text(text)).await.map_err(|_| (1001, "gone".to_string()))
    }

    async fn close_with_error(&mut self, (code, reason): Closing) {
        let _ = self.send(&ServerFrame::Error { message: reason.clone() }).await;
        // A close reason may hold at most 123 bytes.
        let mut reason = reason;
        while reason.len() > 123 {
            reason.pop();
        }
        let _ = self.socket.send(Message::Close(Some(CloseFrame { code, reason: reason.into() }))).await;
    }

    async fn serve(&mut self, session: Option<String>) -> Result<(), Closing> {
        let (after, token) = match tokio::time::timeout(HELLO_TIMEOUT, self.socket.recv()).await {
            Ok(Some(Ok(Message::Text(text)))) => match serde_json::from_str::<ClientFrame>(&text) {
                Ok(ClientFrame::Hello { after, token }) => (after, token),
                _ => return Err((1008, "The first frame must be a hello.".into())),
            },
            Ok(Some(Err(err))) => return Err(receive_error(&err)),
            Ok(_) => return Err((1008, "The first frame must be a hello.".into())),
            Err(_) => return Err((1008, "No hello received in time.".into())),
        };
        let (viewer, mut waiting) = match token {
            Some(token) => {
                let chat = self.desk.chat_for_token(&token).await.map_err(|e| (1008, e.to_string()))?;
                (Viewer::EndUser { chat_id: chat.id }, Some(Waiting { chat, place: None }))
            }
            None => {
                let agent =
                    self.desk.agent_for_session(session.as_deref()).await.map_err(|e| (1008, e.to_string()))?;
                (Viewer::Agent { id: agent.card.id, groups: agent.groups.iter().map(|g| g.id).collect() }, None)
            }
        };

        // Subscribe before replaying so nothing committed in between is missed; anything seen
        // twice is skipped by position.
        let mut live = self.desk.hub.subscribe();
        let mut position = after;
        self.replay(&viewer, &mut position, &mut waiting).await?;
        // The place is part of "up to date": it goes out before Live.
        self.update_place(&mut waiting).await?;
        self.send(&ServerFrame::Live { position }).await?;

        // Measured from the last frame the client sent, not from the last event we sent it.
        let mut idle_deadline = tokio::time::Instant::now() + IDLE_TIMEOUT;
        loop {
            tokio::select! {
                _ = tokio::time::sleep_until(idle_deadline) => return Err((1001, "Idle for too long.".into())),
                incoming = self.socket.recv() => {
                    idle_deadline = tokio::time::Instant::now() + IDLE_TIMEOUT;
                    match incoming {
                    None | Some(Ok(Message::Close(_))) => return Ok(()),
                    Some(Err(err)) => return Err(receive_error(&err)),
                    Some(Ok(Message::Text(text))) => match serde_json::from_str::<ClientFrame>(&text) {
                        Ok(ClientFrame::Ping) => self.send(&ServerFrame::Pong).await?,
                        Ok(ClientFrame::Hello { .. }) => {
                            self.send(&ServerFrame::Error { message: "Already said hello.".into() }).await?
                        }
                        Err(_) => self.send(&ServerFrame::Error { message: "Malformed frame; expected JSON.".into() }).await?,
                    },
                    Some(Ok(Message::Binary(_))) => {
                        self.send(&ServerFrame::Error { message: "Binary frames are not supported.".into() }).await?
                    }
                    Some(Ok(_)) => {} // ping/pong are answered by the socket itself
                    }
                },
                event = live.recv() => match event {
                    Ok(event) => self.deliver(&viewer, &event, &mut position, &mut waiting, Mode::Live).await?,
                    // Fell behind the fan-out buffer: the store has everything, read it from there.
                    Err(RecvError::Lagged(_)) => {
                        self.replay(&viewer, &mut position, &mut waiting).await?;
                        self.update_place(&mut waiting).await?;
                    }
                    Err(RecvError::Closed) => return Err((1012, "Server is restarting.".into())),
                },
            }
        }
    }

    /// Sends what the viewer missed after `position`, then moves `position` to the stream's
    /// head as it was before the read (everything up to it is either sent or not theirs).
    async fn replay(&mut self, viewer: &Viewer, position: &mut Position, waiting: &mut Option<Waiting>) -> Result<(), Closing> {
        let store_error = |e: super::store::StoreError| (1011, format!("Cannot read events: {e}"));
        let head = self.desk.store.head().await.map_err(store_error)?;
        loop {
            let batch = self.desk.store.visible_events_after(viewer, *position, REPLAY_BATCH).await.map_err(store_error)?;
            let full = batch.len() as i64 == REPLAY_BATCH;
            for event in &batch {
                self.deliver(viewer, event, position, waiting, Mode::Replay).await?;
            }
            if !full {
                *position = (*position).max(head);
                return Ok(());
            }
        }
    }

    async fn deliver(
        &mut self,
        viewer: &Viewer,
        event: &StoredEvent,
        position: &mut Position,
        waiting: &mut Option<Waiting>,
        mode: Mode,
    ) -> Result<(), Closing> {
        if event.position <= *position {
            return Ok(());
        }
        *position = event.position;
        if viewer.may_see(&event.audience) {
            self.send(&ServerFrame::Event(StreamEvent { position: event.position, event: event.event.clone() })).await?;
        }
        if let Some(w) = waiting.as_mut() {
            if event.audience.chat_id == w.chat.id {
                match &event.event {
                    ChatEvent::Accepted { .. } => w.chat.state = ChatState::Active,
                    ChatEvent::Ended { .. } => w.chat.state = ChatState::Ended,
                    _ => {}
                }
            }
            // Only a request ahead of this one leaving the queue moves it up; newcomers queue
            // behind. A replay is followed by one place update of its own.
            let ahead_left = event.audience.whole_group
                && event.audience.group_id == w.chat.group.id
                && event.audience.chat_id < w.chat.id
                && matches!(event.event, ChatEvent::Accepted { .. } | ChatEvent::Ended { .. });
            if ahead_left && mode == Mode::Live {
                self.update_place(waiting).await?;
            }
        }
        Ok(())
    }

    /// Tells a waiting end user their place when it changed.
    async fn update_place(&mut self, waiting: &mut Option<Waiting>) -> Result<(), Closing> {
        let Some(w) = waiting.as_mut() else { return Ok(()) };
        let place = self.desk.queue_place(&w.chat).await.map_err(|e| (1011, e.to_string()))?;
        if place != w.place {
            w.place = place;
            if let Some(place) = place {
                let chat_id = w.chat.id;
                self.send(&ServerFrame::QueuePlace { chat_id, place }).await?;
            }
        }
        Ok(())
    }
}
