//! The WebSocket endpoint: one connection per console or widget tab.
//! Protocol (docs/realtime.md): the client sends `Hello { after }`; the server subscribes to the
//! viewer's routes in the hub, replays every visible event after that position from the store,
//! says `Live`, then sends what the hub hands it as events commit.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::ws::{CloseFrame, Message, Utf8Bytes, WebSocket, WebSocketUpgrade};
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};

use super::auth;
use super::desk::{Desk, DeskError, SessionEnd};
use super::hub::{Outgoing, Subscription};
use super::limits::{SocketPermit, SocketRefusal};
use super::metrics::{metrics, SocketGauge};
use super::origin::origin_allowed;
use super::state::AppState;
use crate::domain::audience::Viewer;
use crate::model::*;

const HELLO_TIMEOUT: Duration = Duration::from_secs(10);
/// Clients ping every 20 s; silence for longer than this means the peer is gone.
const IDLE_TIMEOUT: Duration = Duration::from_secs(60);
/// Closing frames to a peer that stopped reading get this long, then the socket is dropped.
const CLOSE_TIMEOUT: Duration = Duration::from_secs(1);
const REPLAY_BATCH: i64 = 500;
/// Per-connection socket buffers: a help desk holds thousands of idle widget connections,
/// and axum's default is 128 KiB each way. Reading is allocated up front: client frames are a
/// few dozen bytes (a ping), and the buffer grows for the rare larger one (up to the 4 KiB
/// limit). Writing grows as needed.
const READ_BUFFER: usize = 1024;
const WRITE_BUFFER: usize = 4 * 1024;

pub async fn upgrade(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<std::net::SocketAddr>,
    headers: HeaderMap,
    ws: WebSocketUpgrade,
) -> Response {
    if !origin_allowed(&headers, &state.allowed_origins) {
        return (StatusCode::FORBIDDEN, "This origin may not open a Deskchat connection.").into_response();
    }
    let permit = match state.limits.open_socket(state.limits.client_address(&headers, Some(peer))) {
        Ok(permit) => permit,
        Err(refusal) => {
            metrics().refused("sockets");
            let status =
                if refusal == SocketRefusal::Total { StatusCode::SERVICE_UNAVAILABLE } else { StatusCode::TOO_MANY_REQUESTS };
            return (status, axum::Json(ApiError::TooManyConnections)).into_response();
        }
    };
    let session = auth::session_token(&headers);
    let desk = state.desk.clone();
    let send_timeout = state.ws_send_timeout;
    let (session_check, shutdown) = (state.session_check, state.shutdown.clone());
    ws.read_buffer_size(READ_BUFFER)
        .write_buffer_size(WRITE_BUFFER)
        .max_write_buffer_size(256 * 1024)
        .max_message_size(MAX_CLIENT_FRAME_BYTES)
        .max_frame_size(MAX_CLIENT_FRAME_BYTES)
        .on_upgrade(move |socket| async move {
            let mut conn =
                Connection { socket, desk, send_timeout, permit, gauge: SocketGauge::new("pending"), session_check, shutdown };
            if let Err(reason) = conn.serve(session).await {
                if !matches!(reason.1, ApiError::Protocol(Protocol::Gone)) {
                    metrics().error("websocket");
                }
                conn.close_with_error(reason).await;
            }
        })
}

/// Typing signals for one chat closer together than this are dropped (browsers send one every
/// 2 s); the connection remembers at most `MAX_TYPING_CHATS` chats' last ones.
const TYPING_MIN_GAP: Duration = Duration::from_millis(500);
const MAX_TYPING_CHATS: usize = 1024;

/// Counts an agent's console as connected until the connection ends, however it ends.
struct ConsoleOpen {
    desk: Arc<Desk>,
    agent: AgentId,
}

impl Drop for ConsoleOpen {
    fn drop(&mut self) {
        self.desk.console_closed(self.agent);
    }
}

struct Connection {
    socket: WebSocket,
    desk: Arc<Desk>,
    /// A send that takes longer than this means the peer stopped reading: it is cut off.
    send_timeout: Duration,
    /// Counts this socket against the limits until it closes.
    permit: SocketPermit,
    gauge: SocketGauge,
    /// How often an agent's session is checked again (it may have ended on another node).
    session_check: Duration,
    shutdown: tokio::sync::watch::Receiver<bool>,
}

/// Why the server closes a connection: the close code and the error it is told first.
type Closing = (u16, ApiError);

fn protocol(code: u16, problem: Protocol) -> Closing {
    (code, ApiError::Protocol(problem))
}

/// A failed read: an over-long frame gets 1009 (too big), anything else 1002 (protocol error).
fn receive_error(err: &axum::Error) -> Closing {
    let text = err.to_string();
    if text.contains("too long") || text.contains("too big") || text.contains("Space limit") {
        protocol(1009, Protocol::TooBig(MAX_CLIENT_FRAME_BYTES))
    } else {
        protocol(1002, Protocol::Unreadable(text))
    }
}

/// How a console is closed when its session ends (log on again) or its agent changed
/// (reconnect: the hello subscribes to what the agent may see now).
fn closing_for(end: &SessionEnd) -> Closing {
    match end {
        SessionEnd::Changed(_) => (1012, ApiError::Protocol(Protocol::Changed)),
        SessionEnd::Session(_) | SessionEnd::Agent(_) => (1008, ApiError::NotSignedIn),
    }
}

/// Whether the agent's session has ended (logged off on another node, expired, deactivated).
async fn session_over(desk: &Desk, session: &Option<String>) -> Result<bool, Closing> {
    match desk.agent_for_session(session.as_deref()).await {
        Ok(_) => Ok(false),
        Err(DeskError::NotSignedIn) => Ok(true),
        Err(err) => Err(store_error(err)),
    }
}

/// What a write to the socket within its time came to: the client gone, or too slow to take it.
fn written(outcome: Result<Result<(), axum::Error>, tokio::time::error::Elapsed>) -> Result<(), Closing> {
    match outcome {
        Ok(Ok(())) => Ok(()),
        Ok(Err(_)) => Err(protocol(1001, Protocol::Gone)),
        Err(_) => Err(protocol(1008, Protocol::TooSlow)),
    }
}

fn store_error(err: impl std::fmt::Display) -> Closing {
    protocol(1011, Protocol::Events(err.to_string()))
}

impl Connection {
    async fn send_text(&mut self, text: Utf8Bytes, within: Duration) -> Result<(), Closing> {
        written(tokio::time::timeout(within, self.socket.send(Message::Text(text))).await)
    }

    /// Queues `text` on the socket; `flush_frames` writes out what was queued. A drain hands a
    /// connection all its new frames at once (a batch's events), so they go out in one write to
    /// the kernel instead of one each: with every console of a group receiving each of its
    /// events, that write per frame was a good part of the server's CPU under load.
    async fn feed_text(&mut self, text: Utf8Bytes) -> Result<(), Closing> {
        let fed = futures::SinkExt::feed(&mut self.socket, Message::Text(text));
        written(tokio::time::timeout(self.send_timeout, fed).await)
    }

    async fn flush_frames(&mut self) -> Result<(), Closing> {
        written(tokio::time::timeout(self.send_timeout, futures::SinkExt::flush(&mut self.socket)).await)
    }

    async fn send(&mut self, frame: &ServerFrame) -> Result<(), Closing> {
        let text = serde_json::to_string(frame).map_err(|e| protocol(1011, Protocol::Events(e.to_string())))?;
        self.send_text(text.into(), self.send_timeout).await
    }

    /// Answers a frame the protocol does not allow; the connection stays open.
    async fn refuse(&mut self, problem: Protocol) -> Result<(), Closing> {
        self.send(&ServerFrame::Error { error: ApiError::Protocol(problem) }).await
    }

    async fn close_with_error(&mut self, (code, error): Closing) {
        if matches!(error, ApiError::Protocol(Protocol::TooSlow | Protocol::Gone)) {
            return; // not reading, or not there: nothing more to say
        }
        let mut reason = error.to_string();
        let frame = serde_json::to_string(&ServerFrame::Error { error }).unwrap_or_default();
        let _ = self.send_text(frame.into(), CLOSE_TIMEOUT).await;
        // A close reason may hold at most 123 bytes.
        while reason.len() > 123 {
            reason.pop();
        }
        let close = Message::Close(Some(CloseFrame { code, reason: reason.into() }));
        let _ = tokio::time::timeout(CLOSE_TIMEOUT, self.socket.send(close)).await;
    }

    async fn serve(&mut self, session: Option<String>) -> Result<(), Closing> {
        let (after, token, monitor) = match tokio::time::timeout(HELLO_TIMEOUT, self.socket.recv()).await {
            Ok(Some(Ok(Message::Text(text)))) => match ClientFrame::decode(&text) {
                Ok(ClientFrame::Hello { after, token, monitor }) => (after, token, monitor),
                _ => return Err(protocol(1008, Protocol::HelloFirst)),
            },
            Ok(Some(Err(err))) => return Err(receive_error(&err)),
            Ok(_) => return Err(protocol(1008, Protocol::HelloFirst)),
            Err(_) => return Err(protocol(1008, Protocol::NoHello)),
        };
        let viewer = self.desk.viewer(token.as_deref(), session.as_deref(), monitor).await.map_err(|e| (1008, e.into()))?;
        let head = self.desk.head().await.map_err(store_error)?;
        let after = ClientFrame::resume_from(after, head).map_err(|problem| protocol(1008, problem))?;
        match &viewer {
            Viewer::EndUser { chat_id } => {
                self.permit.for_chat(*chat_id).map_err(|_| {
                    metrics().refused("sockets");
                    (1008, ApiError::TooManyConnections)
                })?;
                self.gauge.became("end_user");
            }
            Viewer::Agent { .. } | Viewer::Supervisor { .. } => self.gauge.became("agent"),
        }
        // An agent's session may end while the console is open (log-off, expiry, deactivation).
        let mut session_ends = self.desk.session_ends();
        let my_session = match (&viewer, &session) {
            (Viewer::Agent { id, .. } | Viewer::Supervisor { id, .. }, Some(token)) => Some((*id, auth::token_hash(token))),
            _ => None,
        };
        let mut session_check = tokio::time::interval_at(tokio::time::Instant::now() + self.session_check, self.session_check);

        // Subscribe before replaying so nothing committed in between is missed; anything seen
        // twice is skipped by position.
        let subscription = self.desk.subscribe(&viewer);
        subscription.refresh_places();
        let mut position = after;
        match &viewer {
            // A monitor starts from the boards as they are now (drawn after subscribing: what
            // changes meanwhile comes after them), never from a replay.
            Viewer::Supervisor { watched, .. } => {
                position = self.desk.head().await.map_err(store_error)?;
                for board in self.desk.boards(watched).await.map_err(store_error)? {
                    self.send(&ServerFrame::Board { board }).await?;
                }
                // A board drawn before these and still in the inbox is followed by a newer one.
                self.desk.redraw_boards();
            }
            // Boxed: an idle connection's task then does not carry the replay's (large) state.
            Viewer::Agent { .. } | Viewer::EndUser { .. } => Box::pin(self.replay(&viewer, &mut position)).await?,
        }
        // What arrived meanwhile (the queue place among it) is part of "up to date".
        self.drain(&subscription, &viewer, &mut position).await?;
        // An agent's console: they count as connected while it stays (presence), already when
        // told `Live` (so they can be invited at once), and it learns how every colleague is
        // now; changes follow as signals.
        let _console = match &viewer {
            Viewer::Agent { id, .. } => {
                let console = ConsoleOpen { desk: self.desk.clone(), agent: *id };
                self.desk.console_opened(*id).await.map_err(store_error)?;
                Some(console)
            }
            Viewer::EndUser { .. } | Viewer::Supervisor { .. } => None,
        };
        self.send(&ServerFrame::Live { position }).await?;
        if _console.is_some() {
            let members = self.desk.team().await.map_err(store_error)?;
            self.send(&ServerFrame::Team { members }).await?;
        }

        // Measured from the last frame the client sent, not from the last event we sent it.
        let mut idle_deadline = tokio::time::Instant::now() + IDLE_TIMEOUT;
        // When each chat's typing signal was last passed on from this connection.
        let mut last_typing: std::collections::HashMap<ChatId, tokio::time::Instant> = Default::default();
        loop {
            tokio::select! {
                _ = tokio::time::sleep_until(idle_deadline) => return Err(protocol(1001, Protocol::Idle)),
                incoming = self.socket.recv() => {
                    idle_deadline = tokio::time::Instant::now() + IDLE_TIMEOUT;
                    match incoming {
                        None | Some(Ok(Message::Close(_))) => return Ok(()),
                        Some(Err(err)) => return Err(receive_error(&err)),
                        Some(Ok(Message::Text(text))) => match ClientFrame::decode(&text) {
                            Ok(ClientFrame::Ping) => self.send(&ServerFrame::Pong).await?,
                            Ok(ClientFrame::Hello { .. }) => self.refuse(Protocol::AlreadySaidHello).await?,
                            Ok(ClientFrame::Typing { chat_id }) => {
                                let now = tokio::time::Instant::now();
                                if last_typing.get(&chat_id).is_none_or(|at| now - *at >= TYPING_MIN_GAP) {
                                    if last_typing.len() >= MAX_TYPING_CHATS {
                                        last_typing.retain(|_, at| now - *at < TYPING_MIN_GAP);
                                    }
                                    last_typing.insert(chat_id, now);
                                    // Not the typist's chat, or no longer open: nothing to pass on.
                                    if let Err(err) = self.desk.typing(&viewer, chat_id).await {
                                        tracing::debug!(%err, chat_id, "typing signal dropped");
                                    }
                                }
                            }
                            Err(problem) => self.refuse(problem).await?,
                        },
                        Some(Ok(Message::Binary(_))) => self.refuse(Protocol::Binary).await?,
                        Some(Ok(_)) => {} // ping/pong are answered by the socket itself
                    }
                },
                _ = subscription.ready() => {
                    // A session that ended before these events were published sees none of them.
                    if let Some(mine) = &my_session {
                        while let Ok(end) = session_ends.try_recv() {
                            if end.ends(mine) {
                                return Err(closing_for(&end));
                            }
                        }
                    }
                    self.drain(&subscription, &viewer, &mut position).await?
                }
                ended = session_ends.recv(), if my_session.is_some() => {
                    match (ended, &my_session) {
                        (Ok(end), Some(mine)) if end.ends(mine) => return Err(closing_for(&end)),
                        // Missed some: the console reconnects and is checked afresh.
                        (Err(tokio::sync::broadcast::error::RecvError::Lagged(_)), _) => {
                            return Err((1012, ApiError::Protocol(Protocol::Changed)));
                        }
                        _ => {}
                    }
                }
                _ = session_check.tick(), if my_session.is_some() => {
                    if session_over(&self.desk, &session).await? {
                        return Err((1008, ApiError::NotSignedIn));
                    }
                }
                _ = self.shutdown.changed() => return Err((1012, ApiError::Restarting)),
            }
        }
    }

    /// Sends what the viewer missed after `position`, then moves `position` to the stream's
    /// head as it was before the read (everything up to it is either sent or not theirs).
    async fn replay(&mut self, viewer: &Viewer, position: &mut Position) -> Result<(), Closing> {
        let head = self.desk.head().await.map_err(store_error)?;
        let mut read_from = *position;
        loop {
            let batch = self.desk.replay(viewer, read_from, REPLAY_BATCH).await.map_err(store_error)?;
            for event in &batch.events {
                if event.position > *position {
                    self.send(&ServerFrame::Event(StreamEvent { position: event.position, event: event.event.clone() })).await?;
                    *position = event.position;
                }
            }
            match batch.read_to {
                Some(read_to) if batch.more => read_from = read_to,
                _ => {
                    *position = (*position).max(head);
                    return Ok(());
                }
            }
        }
    }

    /// Sends what the hub handed over; after falling behind, replays from the store first.
    async fn drain(&mut self, subscription: &Subscription, viewer: &Viewer, position: &mut Position) -> Result<(), Closing> {
        let (items, lagged) = subscription.take();
        if lagged {
            crate::ssr::metrics::metrics().lagged.inc();
            // A monitor has nothing to replay: it connects again and starts from fresh boards.
            if matches!(viewer, Viewer::Supervisor { .. }) {
                return Err((1012, ApiError::Protocol(Protocol::Changed)));
            }
            // Taken (and the flag cleared) before the replay reads the head: anything newer
            // arrives in the inbox again.
            Box::pin(self.replay(viewer, position)).await?;
            subscription.refresh_places();
        }
        let mut fed = false;
        for item in items {
            match item {
                Outgoing::Event { position: at, frame } => {
                    if at > *position {
                        self.feed_text(frame).await?;
                        *position = at;
                        fed = true;
                    }
                }
                Outgoing::Place(frame) | Outgoing::Signal(frame) => {
                    self.feed_text(frame).await?;
                    fed = true;
                }
            }
        }
        if fed {
            self.flush_frames().await?;
        }
        Ok(())
    }
}
