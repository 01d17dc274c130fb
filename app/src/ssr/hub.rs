//! The realtime hub: hands each committed event to exactly the connections allowed to see it.
//!
//! - **Routed.** Connections subscribe to their viewer's routes (domain/audience.rs); an event
//!   goes only to subscribers of one of its routes, serialised once and shared by all of them.
//!   The cost of an event is the number of its recipients, not the number of connections.
//! - **Bounded.** Each subscriber has an inbox of at most `INBOX_CAPACITY` frames. One that falls
//!   behind is marked lagged and its inbox emptied: it replays from the store (everything with a
//!   position is there) without slowing anyone. The hub never waits for a connection.
//! - **Queues in memory.** Each group's waiting requests are held in order (rebuilt from the store
//!   at start, kept from the stream; domain/queue.rs). A request entering or leaving a queue is
//!   one numbered change; a tick (`QUEUE_TICK`) sends each queue's new changes as one shared
//!   `QueueMoved` frame to the end users behind them, who work out their places themselves. An
//!   accept costs the hub one step in memory, not a frame per waiting widget.
//! - **Signals.** Ephemeral frames (typing, presence) go through the same routes with no position;
//!   they are never stored and never replayed.
//!
//! Every node publishes one stream, in position order, nothing skipped or doubled. On SQLite
//! the events come from this node's writer, the only one, in commit order. On PostgreSQL
//! batches of several nodes commit side by side and a position becomes final only when the
//! horizon passes it (store/events.rs), so the hub publishes only what it reads back from the
//! store, in order: after this node's batch commits, and when a NOTIFY says another node's did
//! (the poll tick is the fallback). Until a read reaches the last position known to be
//! committed, it reads again, 1, 2, 4 … 64 ms later.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use axum::extract::ws::Utf8Bytes;
use tokio::sync::Notify;

use super::open_chats::OpenChats;
use super::store::{horizon_retry_after, Backend, Store, StoreResult, StoredEvent, HORIZON_RETRY_FIRST};
use crate::domain::audience::Route;
use crate::domain::lifecycle::{queue_move, QueueMove};
use crate::domain::queue::Queue;
use crate::model::*;

/// Frames one connection may have waiting before it is marked lagged and replays from the store.
pub const INBOX_CAPACITY: usize = 512;
const READ_BATCH: i64 = 500;
/// On PostgreSQL, how often to look for other nodes' events even without a NOTIFY.
const POLL_FALLBACK: Duration = Duration::from_secs(1);
/// How often each queue's changes go out: at most this many `QueueMoved` frames a second per
/// queue, however fast requests come and go, and every place current within it.
pub const QUEUE_TICK: Duration = Duration::from_millis(250);

/// A frame ready to send, serialised once.
pub type Frame = Utf8Bytes;

/// What a connection is handed.
#[derive(Clone, Debug)]
pub enum Outgoing {
    /// A stored event; skipped by a connection that already sent this position.
    Event { position: Position, frame: Frame },
    /// A waiting end user's place, or a queue's changes (no position: the queue is in memory).
    Place(Frame),
    /// An ephemeral signal: live only.
    Signal(Frame),
}

#[derive(Default)]
struct Inbox {
    items: VecDeque<Outgoing>,
    lagged: bool,
}

/// One connection's end of the hub.
pub struct Subscriber {
    inbox: Mutex<Inbox>,
    ready: Notify,
}

impl Subscriber {
    fn push(&self, item: Outgoing) {
        {
            let mut inbox = lock(&self.inbox);
            if inbox.lagged {
                return;
            }
            if inbox.items.len() >= INBOX_CAPACITY {
                // Everything with a position is in the store; the connection reads it from there.
                inbox.lagged = true;
                inbox.items = VecDeque::new();
            } else {
                inbox.items.push_back(item);
            }
        }
        self.ready.notify_one();
    }
}

/// A connection's subscription; unsubscribes when dropped.
pub struct Subscription {
    hub: Arc<Hub>,
    id: u64,
    routes: Vec<Route>,
    subscriber: Arc<Subscriber>,
}

impl Subscription {
    /// Waits until something is in the inbox (or the subscription lagged).
    pub async fn ready(&self) {
        self.subscriber.ready.notified().await
    }

    /// Takes what is waiting, and whether frames were dropped since the last take (then the
    /// caller replays from its position; frames queued after this call are kept).
    pub fn take(&self) -> (VecDeque<Outgoing>, bool) {
        let mut inbox = lock(&self.subscriber.inbox);
        let lagged = std::mem::take(&mut inbox.lagged);
        (std::mem::take(&mut inbox.items), lagged)
    }

    /// Queues the current queue place of a waiting end user (after connecting or lagging).
    pub fn refresh_places(&self) {
        let state = lock(&self.hub.state);
        for route in &self.routes {
            if let Route::EndUser(chat_id) = route {
                if let Some(frame) = state.place_frame(*chat_id) {
                    self.subscriber.push(Outgoing::Place(frame));
                }
            }
        }
    }
}

impl Drop for Subscription {
    fn drop(&mut self) {
        lock(&self.hub.state).unsubscribe(self.id, &self.routes);
    }
}

#[derive(Default)]
struct HubState {
    next_id: u64,
    subscribers: HashMap<Route, Vec<(u64, Arc<Subscriber>)>>,
    /// Waiting requests per group, by ticket.
    queues: HashMap<GroupId, Queue>,
    /// The group of each waiting request.
    waiting: HashMap<ChatId, GroupId>,
    published: Position,
    /// Something a live monitor's board shows may have changed since the boards were last
    /// drawn (an event about a chat, a presence change): `Desk::send_boards` draws them again.
    boards_changed: bool,
}

impl HubState {
    fn unsubscribe(&mut self, id: u64, routes: &[Route]) {
        for route in routes {
            if let Some(list) = self.subscribers.get_mut(route) {
                list.retain(|(sub, _)| *sub != id);
                if list.is_empty() {
                    self.subscribers.remove(route);
                }
            }
        }
    }

    /// Every subscriber of any of `routes`, each once.
    fn recipients(&self, routes: &[Route]) -> Vec<&Arc<Subscriber>> {
        let mut found: Vec<(u64, &Arc<Subscriber>)> =
            routes.iter().filter_map(|r| self.subscribers.get(r)).flatten().map(|(id, sub)| (*id, sub)).collect();
        if routes.len() > 1 {
            found.sort_unstable_by_key(|(id, _)| *id);
            found.dedup_by_key(|(id, _)| *id);
        }
        found.into_iter().map(|(_, sub)| sub).collect()
    }

    fn place(&self, chat_id: ChatId) -> Option<u32> {
        self.queues.get(self.waiting.get(&chat_id)?)?.place(chat_id)
    }

    /// A waiting end user's place, with the number of the last queue change it counts.
    fn place_frame(&self, chat_id: ChatId) -> Option<Frame> {
        let group = *self.waiting.get(&chat_id)?;
        let spot = self.queues.get(&group)?.spot(group, chat_id)?;
        Some(serialise(&ServerFrame::QueuePlace { chat_id, place: spot.place(), group, counted: spot.counted }))
    }

    /// Puts a request in its group's queue by its ticket; false if it was there already.
    fn enqueue(&mut self, group: GroupId, chat_id: ChatId) -> bool {
        if let Some(was) = self.waiting.insert(chat_id, group) {
            if was != group {
                self.queues.entry(was).or_default().leave(chat_id);
            }
        }
        self.queues.entry(group).or_default().enter(chat_id)
    }

    /// Takes a request out of its queue; those behind hear of it at the next tick.
    fn leave_queue(&mut self, chat_id: ChatId) {
        if let Some(group) = self.waiting.remove(&chat_id) {
            if let Some(queue) = self.queues.get_mut(&group) {
                queue.leave(chat_id);
            }
        }
    }

    /// Each queue's changes since the last tick as one frame, for every end user waiting behind
    /// the lowest ticket they touch.
    fn take_queue_frames(&mut self) -> Vec<(Frame, Vec<Arc<Subscriber>>)> {
        let mut out = Vec::new();
        for (group, queue) in &mut self.queues {
            let Some(changes) = queue.take_unsent() else {
                continue;
            };
            let Some(lowest) = changes.lowest() else {
                continue;
            };
            let behind = queue.behind(lowest);
            if behind.is_empty() {
                continue;
            }
            let frame = serialise(&ServerFrame::QueueMoved { group: *group, first: changes.first, steps: changes.steps });
            let to = behind
                .iter()
                .filter_map(|chat| self.subscribers.get(&Route::EndUser(*chat)))
                .flatten()
                .map(|(_, sub)| sub.clone())
                .collect();
            out.push((frame, to));
        }
        out
    }

    /// Everything up to `position` was published or could not be read.
    fn passed(&mut self, position: Position) {
        self.published = self.published.max(position);
    }

    fn publish(&mut self, stored: &StoredEvent) {
        if stored.position <= self.published {
            return;
        }
        self.published = stored.position;
        let frame = serialise(&ServerFrame::Event(StreamEvent { position: stored.position, event: stored.event.clone() }));
        if stored.audience.chat_id != 0 {
            self.boards_changed = true;
        }
        for sub in self.recipients(&stored.audience.live_routes()) {
            sub.push(Outgoing::Event { position: stored.position, frame: frame.clone() });
        }
        match (queue_move(&stored.event), &stored.event) {
            (QueueMove::Enters, ChatEvent::Queued { request }) => {
                // The newcomer learns its place now; those behind it (a chat handed back to a
                // queue goes in by its ticket, ahead of later ones) at the next tick.
                if self.enqueue(request.group.id, request.id) {
                    if let Some(frame) = self.place_frame(request.id) {
                        for sub in self.recipients(&[Route::EndUser(request.id)]) {
                            sub.push(Outgoing::Place(frame.clone()));
                        }
                    }
                }
            }
            (QueueMove::Leaves, event) => {
                if let Some(chat_id) = event.chat_id() {
                    self.leave_queue(chat_id)
                }
            }
            (QueueMove::Enters | QueueMove::Stays, _) => {}
        }
    }
}

pub struct Hub {
    state: Mutex<HubState>,
    /// The open chats as the published events leave them: what a post needs.
    open_chats: OpenChats,
    /// On PostgreSQL, the last position other nodes said they committed (their NOTIFY).
    announced: AtomicI64,
}

impl Hub {
    /// A hub whose queues and position are those of the store now.
    pub async fn load(store: &Store) -> StoreResult<Arc<Hub>> {
        let mut state = HubState { published: store.head().await?, ..HubState::default() };
        for (group, chat) in store.queue_entries().await? {
            state.enqueue(group, chat);
        }
        // Nobody is connected yet: each connection starts from its own `QueuePlace`.
        for queue in state.queues.values_mut() {
            queue.take_unsent();
        }
        Ok(Arc::new(Hub { state: Mutex::new(state), open_chats: OpenChats::default(), announced: AtomicI64::new(0) }))
    }

    /// A hub with nothing published and no queues (tests).
    pub fn empty() -> Arc<Hub> {
        Arc::new(Hub { state: Mutex::new(HubState::default()), open_chats: OpenChats::default(), announced: AtomicI64::new(0) })
    }

    /// Subscribes a connection to `routes`. Subscribe before replaying: what commits meanwhile
    /// waits in the inbox, and what the replay also sent is skipped by position.
    pub fn subscribe(self: &Arc<Self>, routes: Vec<Route>) -> Subscription {
        let subscriber = Arc::new(Subscriber { inbox: Mutex::new(Inbox::default()), ready: Notify::new() });
        let id = {
            let mut state = lock(&self.state);
            state.next_id += 1;
            let id = state.next_id;
            for route in &routes {
                state.subscribers.entry(*route).or_default().push((id, subscriber.clone()));
            }
            id
        };
        Subscription { hub: self.clone(), id, routes, subscriber }
    }

    /// Hands committed events (in position order) to their recipients.
    pub fn publish(&self, events: &[StoredEvent]) {
        {
            let mut state = lock(&self.state);
            for event in events {
                state.publish(event);
            }
        }
        self.open_chats.follow(events);
    }

    /// The open chats this node knows from the stream (`open_chats`).
    pub fn open_chats(&self) -> &OpenChats {
        &self.open_chats
    }

    /// Sends an ephemeral frame to the subscribers of `routes` on this node: no position,
    /// never stored. (`Desk::signal` also passes it to the other nodes.)
    pub fn signal(&self, routes: &[Route], frame: &ServerFrame) {
        self.signal_serialised(routes, serialise(frame));
    }

    fn signal_serialised(&self, routes: &[Route], frame: Frame) {
        let mut state = lock(&self.state);
        // The staff route carries presence: the boards show it.
        if routes.contains(&Route::Staff) {
            state.boards_changed = true;
        }
        for sub in state.recipients(routes) {
            sub.push(Outgoing::Signal(frame.clone()));
        }
    }

    pub fn published(&self) -> Position {
        lock(&self.state).published
    }

    /// A waiting request's 1-based place in its group's queue, from memory.
    pub fn queue_place(&self, chat_id: ChatId) -> Option<u32> {
        lock(&self.state).place(chat_id)
    }

    /// Sends every queue's changes since the last call (see `spawn_queue_ticker`); returns how
    /// many widgets the frames were pushed to. The pushes happen outside the hub's lock, so
    /// publishing never waits for thousands of them. (A frame overtaken by a newer `QueuePlace`
    /// counts nothing: its changes are in the place.)
    pub fn send_queue_changes(&self) -> usize {
        let frames = lock(&self.state).take_queue_frames();
        let mut pushed = 0;
        for (frame, to) in frames {
            for sub in to {
                sub.push(Outgoing::Place(frame.clone()));
                pushed += 1;
            }
        }
        pushed
    }

    /// Sends the queues' changes every `QUEUE_TICK` (tokio's timer; unit tests call
    /// `send_queue_changes` themselves).
    pub fn spawn_queue_ticker(self: &Arc<Self>) {
        let hub = Arc::downgrade(self);
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(QUEUE_TICK);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tick.tick().await;
                let Some(hub) = hub.upgrade() else { return };
                hub.send_queue_changes();
            }
        });
    }

    /// Whether a board may have changed since the last call (and clears it).
    pub fn take_board_changes(&self) -> bool {
        std::mem::take(&mut lock(&self.state).boards_changed)
    }

    /// Asks for the boards to be drawn again (a monitor connected, a draw failed).
    pub fn board_changed(&self) {
        lock(&self.state).boards_changed = true;
    }

    /// The groups some live monitor on this node watches.
    pub fn watched_groups(&self) -> Vec<GroupId> {
        let state = lock(&self.state);
        let mut groups: Vec<GroupId> =
            state.subscribers.keys().filter_map(|r| if let Route::Watch(g) = r { Some(*g) } else { None }).collect();
        groups.sort_unstable();
        groups
    }

    /// How many connections are subscribed to `route` (metrics, tests).
    pub fn subscribers_of(&self, route: Route) -> usize {
        lock(&self.state).subscribers.get(&route).map_or(0, Vec::len)
    }

    /// Starts the publisher: this node's committed batches, and on PostgreSQL other nodes'
    /// events, read back when woken by NOTIFY or the fallback tick.
    pub fn spawn_publisher(self: &Arc<Self>, store: Arc<Store>) {
        let Some(mut committed) = store.take_committed() else {
            tracing::error!("hub: the store's committed events were already taken");
            return;
        };
        let remote = Arc::new(Notify::new());
        let backend = store.backend();
        if backend == Backend::Postgres {
            spawn_listener(store.clone(), remote.clone(), self.clone());
        }
        let hub = self.clone();
        tokio::spawn(async move {
            // PostgreSQL: the last position known to be committed (this node's batches, other
            // nodes' notices), and how long to wait before reading again while behind it.
            let mut known: Position = 0;
            let mut retry = HORIZON_RETRY_FIRST;
            loop {
                let behind = hub.published() < known;
                let wait = match (backend, behind) {
                    (Backend::Sqlite, _) => None,
                    (Backend::Postgres, true) => Some(retry),
                    (Backend::Postgres, false) => Some(POLL_FALLBACK),
                };
                let tick = async {
                    match wait {
                        Some(wait) => tokio::time::sleep(wait).await,
                        None => std::future::pending().await,
                    }
                };
                tokio::select! {
                    batch = committed.recv() => {
                        let Some(batch) = batch else { return };
                        match backend {
                            Backend::Sqlite => hub.publish_own(&store, batch).await,
                            Backend::Postgres => {
                                // Not published as it is: an older transaction of another node
                                // may still commit below it. The ordered read delivers it.
                                known = known.max(batch.last().map_or(0, |e| e.position));
                                retry = HORIZON_RETRY_FIRST;
                                hub.catch_up(&store).await;
                            }
                        }
                    }
                    _ = remote.notified() => {
                        known = known.max(hub.announced.load(Ordering::SeqCst));
                        retry = HORIZON_RETRY_FIRST;
                        hub.catch_up(&store).await;
                    }
                    _ = tick => {
                        if behind {
                            retry = horizon_retry_after(retry);
                        }
                        hub.catch_up(&store).await;
                    }
                }
            }
        });
    }

    /// SQLite: this node's batch, published as it is when it follows on from what was published
    /// (one writer: positions there have no gaps); otherwise something else wrote to the file in
    /// between (the admin command, say), and the store has that first.
    async fn publish_own(&self, store: &Store, batch: Vec<StoredEvent>) {
        let follows = batch.first().is_some_and(|e| e.position == self.published() + 1);
        if !follows {
            self.catch_up(store).await;
        }
        self.publish(&batch);
    }

    /// Reads and publishes everything committed after what was published (on PostgreSQL, up to
    /// the horizon).
    async fn catch_up(&self, store: &Store) {
        loop {
            match store.stream_after(self.published(), READ_BATCH).await {
                Ok(read) => {
                    self.publish(&read.events);
                    // An unreadable event (skipped and logged by the store) is passed too, or
                    // the publisher would wait for it for ever.
                    if let Some(last) = read.last_read {
                        lock(&self.state).passed(last);
                    }
                    if (read.rows_read as i64) < READ_BATCH {
                        return;
                    }
                }
                Err(err) => {
                    tracing::error!(%err, "hub: cannot read events; will retry on the next change");
                    return;
                }
            }
        }
    }
}

/// LISTENs for other nodes' commits (and wakes the publisher) and signals (and passes them
/// on); reconnects by itself.
fn spawn_listener(store: Arc<Store>, remote: Arc<Notify>, hub: Arc<Hub>) {
    tokio::spawn(async move {
        loop {
            let mut listener = match sqlx::postgres::PgListener::connect(store.url()).await {
                Ok(listener) => listener,
                Err(err) => {
                    tracing::warn!(%err, "hub: cannot LISTEN; polling meanwhile");
                    tokio::time::sleep(POLL_FALLBACK).await;
                    continue;
                }
            };
            let channels = [super::store::writer::EVENTS_CHANNEL, super::store::SIGNALS_CHANNEL];
            if let Err(err) = listener.listen_all(channels).await {
                tracing::warn!(%err, "hub: LISTEN failed; polling meanwhile");
                tokio::time::sleep(POLL_FALLBACK).await;
                continue;
            }
            // Anything committed while we were not listening.
            remote.notify_one();
            loop {
                match listener.recv().await {
                    Ok(note) if note.channel() == super::store::SIGNALS_CHANNEL => {
                        if let Some((routes, frame)) = super::store::remote_signal(note.payload(), store.node()) {
                            hub.signal_serialised(&routes, Utf8Bytes::from(frame));
                        }
                    }
                    Ok(note) => {
                        let (node, last) = super::store::writer::read_notice(note.payload());
                        if node != store.node() {
                            if let Some(last) = last {
                                hub.announced.fetch_max(last, Ordering::SeqCst);
                            }
                            remote.notify_one();
                        }
                    }
                    Err(err) => {
                        tracing::warn!(%err, "hub: the LISTEN connection failed; reconnecting");
                        break;
                    }
                }
            }
        }
    });
}

fn serialise(frame: &ServerFrame) -> Frame {
    // Our own frame types always serialise.
    Utf8Bytes::from(serde_json::to_string(frame).unwrap_or_default())
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::audience::{Audience, Reach};
    use crate::domain::lifecycle::Party;
    use crate::domain::queue::QueueSpot;

    use crate::fixtures::request;

    fn stored(position: Position, event: ChatEvent, before: &ChatRequest) -> StoredEvent {
        StoredEvent { position, audience: Audience::of(&event, before, Reach::Everyone), event }
    }

    fn queued(position: Position, id: ChatId, group: GroupId) -> StoredEvent {
        let r = request(id, group);
        stored(position, ChatEvent::Queued { request: r.clone() }, &r)
    }

    fn accepted(position: Position, id: ChatId, group: GroupId, agent: AgentId) -> StoredEvent {
        let card = AgentCard { id: agent, name: "A".into(), photo_url: None };
        stored(position, ChatEvent::Accepted { chat_id: id, agent: card, version: 0 }, &request(id, group))
    }

    #[tokio::test]
    async fn an_event_that_cannot_be_read_is_passed_not_waited_for() {
        use sqlx::Connection;
        let db = crate::ssr::store::test_support::TempDb::new();
        let store = db.open().await;
        // Written by, say, a newer version: no event this one knows.
        let mut raw = sqlx::SqliteConnection::connect(&format!("sqlite://{}", db.0.display())).await.unwrap();
        sqlx::query("INSERT INTO events (seq, chat_id, group_id, routes, payload, created_at) VALUES (1, 1, 1, '', '{\"Unknown\":{}}', 0)")
            .execute(&mut raw)
            .await
            .unwrap();
        let hub = Hub::empty();
        hub.catch_up(&store).await;
        assert_eq!(hub.published(), 1, "the publisher is past it, not waiting for it");
    }

    fn frames(sub: &Subscription) -> Vec<ServerFrame> {
        let (items, _) = sub.take();
        items
            .into_iter()
            .map(|item| match item {
                Outgoing::Event { frame, .. } | Outgoing::Place(frame) | Outgoing::Signal(frame) => {
                    serde_json::from_str(frame.as_str()).unwrap()
                }
            })
            .collect()
    }

    fn positions(frames: &[ServerFrame]) -> Vec<Position> {
        frames.iter().filter_map(|f| if let ServerFrame::Event(e) = f { Some(e.position) } else { None }).collect()
    }

    #[test]
    fn each_event_reaches_only_the_subscribers_of_its_routes() {
        let hub = Hub::empty();
        let member = hub.subscribe(vec![Route::Agent(1), Route::Group(10)]);
        let outsider = hub.subscribe(vec![Route::Agent(2), Route::Group(20)]);
        let widget = hub.subscribe(vec![Route::EndUser(5)]);
        let other_widget = hub.subscribe(vec![Route::EndUser(6)]);
        hub.publish(&[queued(1, 5, 10), accepted(2, 5, 10, 1)]);
        assert_eq!(positions(&frames(&member)), vec![1, 2], "queued via the group, accepted via both routes but once");
        assert!(frames(&outsider).is_empty());
        assert_eq!(positions(&frames(&widget)), vec![1, 2]);
        assert!(frames(&other_widget).is_empty());
    }

    #[test]
    fn a_frame_is_serialised_once_and_shared() {
        let hub = Hub::empty();
        let a = hub.subscribe(vec![Route::Group(10)]);
        let b = hub.subscribe(vec![Route::Group(10)]);
        hub.publish(&[queued(1, 5, 10)]);
        let (Outgoing::Event { frame: fa, .. }, Outgoing::Event { frame: fb, .. }) =
            (a.take().0[0].clone(), b.take().0[0].clone())
        else {
            panic!("expected events")
        };
        assert_eq!(fa.as_str().as_ptr(), fb.as_str().as_ptr(), "the same bytes, not a copy");
    }

    #[test]
    fn an_event_is_published_once_even_if_handed_over_twice() {
        let hub = Hub::empty();
        let sub = hub.subscribe(vec![Route::Group(10)]);
        hub.publish(&[queued(1, 5, 10)]);
        hub.publish(&[queued(1, 5, 10), queued(2, 6, 10)]);
        assert_eq!(positions(&frames(&sub)), vec![1, 2]);
        assert_eq!(hub.published(), 2);
    }

    /// A waiting widget as the browser keeps it: its spot from `QueuePlace`, then following
    /// `QueueMoved` frames by the domain's rule.
    struct Waiting {
        sub: Subscription,
        spot: Option<QueueSpot>,
    }

    impl Waiting {
        fn open(hub: &Arc<Hub>, chat_id: ChatId) -> Waiting {
            let sub = hub.subscribe(vec![Route::EndUser(chat_id)]);
            sub.refresh_places();
            let mut widget = Waiting { sub, spot: None };
            widget.read();
            widget
        }

        /// Applies what arrived; returns the queue frames among it.
        fn read(&mut self) -> Vec<ServerFrame> {
            frames(&self.sub).into_iter().filter(|frame| self.apply(frame)).collect()
        }

        fn apply(&mut self, frame: &ServerFrame) -> bool {
            match frame {
                ServerFrame::QueuePlace { chat_id, place, group, counted } => {
                    self.spot = Some(QueueSpot { group: *group, ticket: *chat_id, ahead: place - 1, counted: *counted })
                }
                ServerFrame::QueueMoved { group, first, steps } => {
                    self.spot.as_mut().expect("a spot before any move").follow(*group, *first, steps);
                }
                _ => return false,
            }
            true
        }

        fn place(&self) -> Option<u32> {
            self.spot.map(|s| s.place())
        }
    }

    #[test]
    fn one_frame_per_queue_change_is_shared_by_every_widget_behind_it() {
        let hub = Hub::empty();
        hub.publish(&[queued(1, 5, 10), queued(2, 6, 10), queued(3, 7, 10), queued(4, 8, 10), queued(5, 9, 20)]);
        hub.send_queue_changes();
        let mut widgets: Vec<Waiting> = [5, 6, 7, 8, 9].into_iter().map(|id| Waiting::open(&hub, id)).collect();
        assert_eq!(widgets.iter().map(Waiting::place).collect::<Vec<_>>(), [1, 2, 3, 4, 1].map(Some));

        hub.publish(&[accepted(6, 5, 10, 1)]);
        assert!(widgets[1].read().is_empty(), "nothing before the tick");
        assert_eq!(hub.send_queue_changes(), 3, "one push per widget behind the head");
        let shared: Vec<Frame> = widgets[1..4]
            .iter()
            .map(|w| match w.sub.take().0.into_iter().next() {
                Some(Outgoing::Place(frame)) => frame,
                other => panic!("expected the queue's frame, got {other:?}"),
            })
            .collect();
        assert!(shared.iter().all(|f| f.as_str().as_ptr() == shared[0].as_str().as_ptr()), "the same bytes, not copies");
        let frame: ServerFrame = serde_json::from_str(shared[0].as_str()).unwrap();
        assert_eq!(frame, ServerFrame::QueueMoved { group: 10, first: 5, steps: vec![QueueStep::Left(5)] });
        assert!(shared[0].len() < 80, "an accept of the head costs a frame of one step: {}", shared[0].as_str());
        for widget in &mut widgets[1..4] {
            widget.apply(&frame);
        }
        assert_eq!(widgets[1..].iter().map(Waiting::place).collect::<Vec<_>>(), [1, 2, 3, 1].map(Some));
        assert_eq!(positions(&frames(&widgets[0].sub)), vec![6], "the accepted one hears of its own accept");
        assert!(widgets[4].read().is_empty(), "another group's queue did not move");
        assert_eq!(hub.send_queue_changes(), 0, "nothing new, nothing sent");
    }

    #[test]
    fn changes_between_ticks_go_out_in_one_frame() {
        let hub = Hub::empty();
        hub.publish(&[queued(1, 5, 10), queued(2, 6, 10), queued(3, 7, 10), queued(4, 8, 10)]);
        hub.send_queue_changes();
        let mut last = Waiting::open(&hub, 8);
        hub.publish(&[
            accepted(5, 5, 10, 1),
            stored(6, ChatEvent::Ended { chat_id: 7, by: Party::EndUser, version: 0 }, &request(7, 10)),
            queued(7, 9, 10),
            stored(8, ChatEvent::Missed { chat_id: 6, incident: None, version: 0 }, &request(6, 10)),
        ]);
        assert!(last.read().is_empty());
        assert_eq!(hub.send_queue_changes(), 1);
        let moved = last.read();
        assert_eq!(
            moved,
            vec![ServerFrame::QueueMoved {
                group: 10,
                first: 5,
                steps: vec![QueueStep::Left(5), QueueStep::Left(7), QueueStep::Entered(9), QueueStep::Left(6)]
            }]
        );
        assert_eq!(last.place(), Some(1));
        assert_eq!(hub.queue_place(8), Some(1));
    }

    #[test]
    fn only_the_widgets_behind_a_change_are_sent_it() {
        let hub = Hub::empty();
        hub.publish(&[queued(1, 5, 10), queued(2, 6, 10), queued(3, 7, 10)]);
        hub.send_queue_changes();
        let (mut first, mut third) = (Waiting::open(&hub, 5), Waiting::open(&hub, 7));
        hub.publish(&[stored(4, ChatEvent::Ended { chat_id: 6, by: Party::EndUser, version: 0 }, &request(6, 10))]);
        assert_eq!(hub.send_queue_changes(), 1);
        assert!(first.read().is_empty());
        assert_eq!(third.read().len(), 1);
        assert_eq!((first.place(), third.place()), (Some(1), Some(2)));
        assert_eq!(hub.queue_place(6), None);
    }

    #[test]
    fn a_newcomer_learns_its_place_and_nobody_else_moves() {
        let hub = Hub::empty();
        hub.publish(&[queued(1, 5, 10)]);
        hub.send_queue_changes();
        let mut first = Waiting::open(&hub, 5);
        let newcomer = hub.subscribe(vec![Route::EndUser(6)]);
        hub.publish(&[queued(2, 6, 10)]);
        assert_eq!(frames(&newcomer)[1], ServerFrame::QueuePlace { chat_id: 6, place: 2, group: 10, counted: 2 });
        assert_eq!(hub.send_queue_changes(), 0, "nobody waits behind the newcomer");
        assert!(first.read().is_empty());
        newcomer.refresh_places();
        assert_eq!(frames(&newcomer), vec![ServerFrame::QueuePlace { chat_id: 6, place: 2, group: 10, counted: 2 }]);
    }

    /// A chat handed back to a queue goes in by its number, ahead of later requests: those
    /// behind it are told they moved down (found by the equivalence test).
    #[test]
    fn a_request_back_in_its_queue_ahead_of_others_moves_them_down() {
        let hub = Hub::empty();
        hub.publish(&[queued(1, 5, 10), accepted(2, 5, 10, 1), queued(3, 6, 10), queued(4, 7, 10)]);
        hub.send_queue_changes();
        let back = hub.subscribe(vec![Route::EndUser(5)]);
        let (mut second, mut third) = (Waiting::open(&hub, 6), Waiting::open(&hub, 7));
        hub.publish(&[queued(5, 5, 10)]);
        assert_eq!(frames(&back)[1], ServerFrame::QueuePlace { chat_id: 5, place: 1, group: 10, counted: 5 });
        hub.send_queue_changes();
        second.read();
        third.read();
        assert_eq!((second.place(), third.place()), (Some(2), Some(3)));
    }

    /// A transfer into another group's queue: the widget is told its place there, and the old
    /// queue's widgets behind it move up.
    #[test]
    fn a_request_moved_to_another_queue_leaves_the_first() {
        let hub = Hub::empty();
        hub.publish(&[queued(1, 5, 10), queued(2, 6, 10), queued(3, 4, 20), queued(4, 7, 20)]);
        hub.send_queue_changes();
        let (mut behind, mut in_new) = (Waiting::open(&hub, 6), Waiting::open(&hub, 7));
        let moved = hub.subscribe(vec![Route::EndUser(5)]);
        hub.publish(&[queued(5, 5, 20)]);
        assert_eq!(frames(&moved)[1], ServerFrame::QueuePlace { chat_id: 5, place: 2, group: 20, counted: 3 });
        hub.send_queue_changes();
        behind.read();
        in_new.read();
        assert_eq!((behind.place(), in_new.place(), hub.queue_place(5)), (Some(1), Some(3), Some(2)));
    }

    /// After dropping frames a connection asks for its place again and follows on from it.
    #[test]
    fn a_widget_that_dropped_frames_is_told_its_place_again() {
        let hub = Hub::empty();
        hub.publish(&[queued(1, 5, 10), queued(2, 6, 10), queued(3, 7, 10), queued(4, 8, 10)]);
        hub.send_queue_changes();
        let mut third = Waiting::open(&hub, 7);
        hub.publish(&[accepted(5, 5, 10, 1)]);
        hub.send_queue_changes();
        third.sub.take(); // lost
        third.sub.refresh_places();
        hub.publish(&[accepted(6, 6, 10, 1)]);
        hub.send_queue_changes();
        assert_eq!(third.read().len(), 2);
        assert_eq!(third.place(), Some(1));
    }

    /// Found by the equivalence test: a change behind a widget is not sent to it, and the
    /// number it skips must not make it miss the next change ahead of it.
    #[test]
    fn a_widget_not_sent_the_changes_behind_it_still_follows_those_ahead() {
        let hub = Hub::empty();
        hub.publish(&[queued(1, 5, 10), queued(2, 6, 10), queued(3, 7, 10)]);
        hub.send_queue_changes();
        let (mut second, mut third) = (Waiting::open(&hub, 6), Waiting::open(&hub, 7));
        hub.publish(&[
            queued(4, 9, 10),
            stored(5, ChatEvent::Ended { chat_id: 7, by: Party::EndUser, version: 0 }, &request(7, 10)),
        ]);
        hub.send_queue_changes();
        assert!(second.read().is_empty(), "both changes were behind it");
        third.read();
        hub.publish(&[accepted(6, 5, 10, 1)]);
        hub.send_queue_changes();
        second.read();
        assert_eq!(second.place(), Some(1));
    }

    #[test]
    fn a_subscriber_that_falls_behind_is_marked_lagged_and_holds_nothing() {
        let hub = Hub::empty();
        let slow = hub.subscribe(vec![Route::Group(10)]);
        let events: Vec<StoredEvent> = (1..=INBOX_CAPACITY as i64 + 1).map(|p| queued(p, p, 10)).collect();
        hub.publish(&events);
        let (items, lagged) = slow.take();
        assert!(lagged && items.is_empty());
        hub.publish(&[queued(INBOX_CAPACITY as i64 + 2, 9999, 10)]);
        let (items, lagged) = slow.take();
        assert!(!lagged && items.len() == 1, "after the take it receives again");
    }

    #[test]
    fn signals_follow_routes_and_carry_no_position() {
        let hub = Hub::empty();
        let agent = hub.subscribe(vec![Route::Agent(1)]);
        let widget = hub.subscribe(vec![Route::EndUser(5)]);
        hub.signal(&[Route::Agent(1)], &ServerFrame::Pong);
        assert!(matches!(agent.take().0[0], Outgoing::Signal(_)));
        assert!(widget.take().0.is_empty());
        assert_eq!(hub.published(), 0);
    }

    #[test]
    fn dropping_a_subscription_unsubscribes_it() {
        let hub = Hub::empty();
        let sub = hub.subscribe(vec![Route::Agent(1), Route::Group(10)]);
        assert_eq!(hub.subscribers_of(Route::Group(10)), 1);
        drop(sub);
        assert_eq!(hub.subscribers_of(Route::Group(10)), 0);
        assert_eq!(hub.subscribers_of(Route::Agent(1)), 0);
    }
}
