//! The browser end of the live link: one WebSocket per tab that says hello with the last
//! position it applied, reconnects by itself with backoff, and pings so a dead link is noticed.

use leptos::prelude::*;

use crate::model::{Position, ServerFrame};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LinkStatus {
    Connecting,
    Live,
    Reconnecting,
}

impl LinkStatus {
    /// The status line's classes (style/widget.css colours them).
    pub fn class(self) -> &'static str {
        match self {
            LinkStatus::Connecting => "link connecting",
            LinkStatus::Live => "link live",
            LinkStatus::Reconnecting => "link reconnecting",
        }
    }

    /// What the status line says, in the page's language (app/locales, "link-…").
    pub fn label(self) -> String {
        crate::i18n::texts().get(match self {
            LinkStatus::Connecting => "link-connecting",
            LinkStatus::Live => "link-live",
            LinkStatus::Reconnecting => "link-reconnecting",
        })
    }
}

pub use imp::{open_live_link, LiveLink};

#[cfg(feature = "hydrate")]
mod imp {
    use std::cell::{Cell, RefCell};
    use std::rc::Rc;

    use gloo_timers::callback::{Interval, Timeout};
    use leptos::prelude::*;
    use wasm_bindgen::prelude::*;
    use web_sys::{CloseEvent, MessageEvent, WebSocket};

    use super::LinkStatus;
    use crate::model::{ClientFrame, Position, ServerFrame};

    const PING_EVERY_MS: u32 = 20_000;
    const MAX_BACKOFF_MS: u32 = 10_000;

    struct Link {
        token: Option<String>,
        /// A supervisor's live monitor: boards, no replay (`ClientFrame::Hello`).
        monitor: bool,
        position: Cell<Position>,
        attempt: Cell<u32>,
        stopped: Cell<bool>,
        socket: RefCell<Option<WebSocket>>,
        handlers: RefCell<Vec<Closure<dyn FnMut(JsValue)>>>,
        retry: RefCell<Option<Timeout>>,
        ping: RefCell<Option<Interval>>,
        status: RwSignal<LinkStatus>,
        on_frame: Box<dyn Fn(ServerFrame)>,
    }

    pub struct LiveLink(Rc<Link>);

    impl LiveLink {
        /// Sends a frame if the link is open now; signals (typing) that find it closed are
        /// simply not sent.
        pub fn send(&self, frame: &ClientFrame) {
            send(&self.0, frame);
        }

        /// Stops the link for good: no retry, no ping, and the socket closed with its handlers
        /// taken off first. The socket still fires `close` (and may have a message underway)
        /// after `close()`; were its handlers still attached, the browser would call closures
        /// that are dropped with the link ("closure invoked recursively or after being dropped").
        pub fn stop(&self) {
            self.0.stopped.set(true);
            self.0.retry.borrow_mut().take();
            self.0.ping.borrow_mut().take();
            if let Some(socket) = self.0.socket.borrow_mut().take() {
                detach(&socket);
                let _ = socket.close();
            }
            self.0.handlers.borrow_mut().clear();
        }
    }

    /// Dropping a link stops it, whoever drops it.
    impl Drop for LiveLink {
        fn drop(&mut self) {
            self.stop();
        }
    }

    pub fn open_live_link(
        token: Option<String>,
        monitor: bool,
        after: Position,
        status: RwSignal<LinkStatus>,
        on_frame: impl Fn(ServerFrame) + 'static,
    ) -> LiveLink {
        let link = Rc::new(Link {
            token,
            monitor,
            position: Cell::new(after),
            attempt: Cell::new(0),
            stopped: Cell::new(false),
            socket: RefCell::new(None),
            handlers: RefCell::new(Vec::new()),
            retry: RefCell::new(None),
            ping: RefCell::new(None),
            status,
            on_frame: Box::new(on_frame),
        });
        let pinger = Rc::downgrade(&link);
        *link.ping.borrow_mut() = Some(Interval::new(PING_EVERY_MS, move || {
            if let Some(link) = pinger.upgrade() {
                send(&link, &ClientFrame::Ping);
            }
        }));
        connect(&link);
        LiveLink(link)
    }

    fn url() -> String {
        let location = window().location();
        let scheme = if location.protocol().as_deref() == Ok("https:") { "wss" } else { "ws" };
        format!("{scheme}://{}/ws", location.host().unwrap_or_default())
    }

    fn send(link: &Link, frame: &ClientFrame) {
        if let Some(socket) = link.socket.borrow().as_ref() {
            if socket.ready_state() == WebSocket::OPEN {
                let _ = socket.send_with_str(&serde_json::to_string(frame).unwrap_or_default());
            }
        }
    }

    fn connect(link: &Rc<Link>) {
        if link.stopped.get() {
            return;
        }
        let Ok(socket) = WebSocket::new(&url()) else {
            retry_later(link);
            return;
        };
        let on_open = {
            let link = Rc::downgrade(link);
            Closure::<dyn FnMut(JsValue)>::new(move |_| {
                if let Some(link) = link.upgrade() {
                    let hello =
                        ClientFrame::Hello { after: link.position.get(), token: link.token.clone(), monitor: link.monitor };
                    send(&link, &hello);
                }
            })
        };
        let on_message = {
            let link = Rc::downgrade(link);
            Closure::<dyn FnMut(JsValue)>::new(move |event: JsValue| {
                let Some(link) = link.upgrade() else { return };
                let Some(text) = event.dyn_into::<MessageEvent>().ok().and_then(|e| e.data().as_string()) else { return };
                let Ok(frame) = serde_json::from_str::<ServerFrame>(&text) else { return };
                match &frame {
                    ServerFrame::Event(event) => {
                        if event.position <= link.position.get() {
                            return; // already applied: nothing is shown twice
                        }
                        link.position.set(event.position);
                    }
                    ServerFrame::Live { position } => {
                        link.position.set(link.position.get().max(*position));
                        link.attempt.set(0);
                        link.status.set(LinkStatus::Live);
                    }
                    _ => {}
                }
                (link.on_frame)(frame);
            })
        };
        let on_close = {
            let link = Rc::downgrade(link);
            Closure::<dyn FnMut(JsValue)>::new(move |event: JsValue| {
                let Some(link) = link.upgrade() else { return };
                let _ = event.dyn_into::<CloseEvent>();
                if !link.stopped.get() {
                    link.status.set(LinkStatus::Reconnecting);
                    retry_later(&link);
                }
            })
        };
        socket.set_onopen(Some(on_open.as_ref().unchecked_ref()));
        socket.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        socket.set_onclose(Some(on_close.as_ref().unchecked_ref()));
        if let Some(old) = link.socket.borrow_mut().replace(socket) {
            detach(&old);
            let _ = old.close();
        }
        // The old socket's closures go only now, after nothing can call them any more.
        *link.handlers.borrow_mut() = vec![on_open, on_message, on_close];
    }

    /// Takes a socket's handlers off, so it calls none of our closures any more.
    fn detach(socket: &WebSocket) {
        socket.set_onopen(None);
        socket.set_onmessage(None);
        socket.set_onclose(None);
    }

    fn retry_later(link: &Rc<Link>) {
        let attempt = link.attempt.get();
        link.attempt.set(attempt.saturating_add(1));
        let delay = (250u32 << attempt.min(6)).min(MAX_BACKOFF_MS);
        let weak = Rc::downgrade(link);
        *link.retry.borrow_mut() = Some(Timeout::new(delay, move || {
            if let Some(link) = weak.upgrade() {
                connect(&link);
            }
        }));
    }
}

#[cfg(not(feature = "hydrate"))]
mod imp {
    use leptos::prelude::*;

    use super::LinkStatus;
    use crate::model::{Position, ServerFrame};

    /// On the server there is no live link; pages render their first state only.
    pub struct LiveLink;

    impl LiveLink {
        pub fn send(&self, _frame: &crate::model::ClientFrame) {}
        pub fn stop(&self) {}
    }

    pub fn open_live_link(
        _token: Option<String>,
        _monitor: bool,
        _after: Position,
        _status: RwSignal<LinkStatus>,
        _on_frame: impl Fn(ServerFrame) + 'static,
    ) -> LiveLink {
        LiveLink
    }
}

/// Where a component keeps its live link. In the browser the link holds JS objects and stays
/// on its thread; on the server there is no link, and a page may be rendered and dropped on
/// different threads, so the (empty) slot must not be thread-bound there.
#[cfg(feature = "hydrate")]
type LinkStorage = LocalStorage;
#[cfg(not(feature = "hydrate"))]
type LinkStorage = SyncStorage;
pub type LinkSlot = StoredValue<Option<LiveLink>, LinkStorage>;

/// Keeps a component's live link and stops it when the component goes away.
pub fn live_link_slot() -> LinkSlot {
    let slot = StoredValue::new_with_storage(None::<LiveLink>);
    on_cleanup(move || stop_link(slot));
    slot
}

/// Stops the link in `slot`, if any; it will not reconnect.
pub fn stop_link(slot: LinkSlot) {
    slot.update_value(|link| {
        if let Some(link) = link.take() {
            link.stop();
        }
    });
}

/// Starts a link in `slot` (stopping any previous one).
pub fn start_link(
    slot: LinkSlot,
    token: Option<String>,
    after: Position,
    status: RwSignal<LinkStatus>,
    on_frame: impl Fn(ServerFrame) + 'static,
) {
    replace_link(slot, open_live_link(token, false, after, status, on_frame));
}

/// Starts a supervisor's live monitor link in `slot` (stopping any previous one): the boards
/// of their groups and those groups' events, from now on.
pub fn start_monitor_link(slot: LinkSlot, status: RwSignal<LinkStatus>, on_frame: impl Fn(ServerFrame) + 'static) {
    replace_link(slot, open_live_link(None, true, 0, status, on_frame));
}

fn replace_link(slot: LinkSlot, link: LiveLink) {
    slot.update_value(|old| {
        if let Some(old) = old.replace(link) {
            old.stop();
        }
    });
}

/// Sends a frame on the link in `slot`, if there is one and it is open.
pub fn send_on(slot: LinkSlot, frame: &crate::model::ClientFrame) {
    slot.with_value(|link| {
        if let Some(link) = link {
            link.send(frame);
        }
    });
}
