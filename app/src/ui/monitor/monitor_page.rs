use leptos::prelude::*;

use super::board_section::BoardSection;
use super::watched_chat::WatchedChat;
use crate::api::monitor::load_monitor;
use crate::model::*;
use crate::ui::browser::now_ms;
use crate::ui::common::loaded::Loaded;
use crate::ui::realtime::{live_link_slot, start_monitor_link, LinkStatus};
use crate::ui::shell::agent_header::AgentHeader;

/// `/monitor`: the boards of the groups the supervisor supervises (admins: every group), live:
/// the first render is the boards as they are, then the live link replaces each board whenever
/// it changes. A chat opened from a board shows beside them, read-only, with the whisper box.
#[component]
pub fn MonitorPage() -> impl IntoView {
    let loaded = Resource::new(|| (), |_| load_monitor());
    view! {
        <main class="monitor-page">
            <AgentHeader current="/monitor" />
            <h1>"Live monitor"</h1>
            <Loaded resource=loaded loading="Loading the boards…" let:boards>
                <MonitorBoards boards />
            </Loaded>
        </main>
    }
}

/// A board as received, with the browser's clock then: waits and durations go on counting
/// from the desk's time of the board (`GroupBoard::now_ms`) without asking the server again.
#[derive(Clone, Debug, PartialEq)]
pub struct Shown {
    pub board: GroupBoard,
    pub received_ms: i64,
}

impl Shown {
    /// How long ago `since_ms` (desk time) is now.
    pub fn ago_ms(&self, since_ms: i64, browser_now_ms: i64) -> i64 {
        (self.board.now_ms + (browser_now_ms - self.received_ms) - since_ms).max(0)
    }
}

#[component]
fn MonitorBoards(boards: Vec<GroupBoard>) -> impl IntoView {
    let received = now_ms();
    let shown = RwSignal::new(boards.into_iter().map(|board| Shown { board, received_ms: received }).collect::<Vec<_>>());
    let status = RwSignal::new(LinkStatus::Connecting);
    // The chat opened read-only, and the events of it that arrived live.
    let watched = RwSignal::new(None::<ChatId>);
    let live_events = RwSignal::new(Vec::<ChatEvent>::new());
    let reconnects = RwSignal::new(0u32);
    // The browser's clock, once a second: waits and durations count on between boards.
    let clock = RwSignal::new(now_ms());
    // Dropped (and stopped) with the page.
    #[cfg(feature = "hydrate")]
    StoredValue::new_local(gloo_timers::callback::Interval::new(1_000, move || clock.set(now_ms())));

    let link = live_link_slot();
    Effect::new(move |_| {
        let on_frame = move |frame: ServerFrame| match frame {
            ServerFrame::Board { board } => {
                let board = Shown { board, received_ms: now_ms() };
                shown.update(|list| match list.iter_mut().find(|s| s.board.group.id == board.board.group.id) {
                    Some(old) => *old = board,
                    None => list.push(board),
                });
            }
            ServerFrame::Event(event) => {
                if watched.get_untracked().is_some_and(|id| event.event.chat_id() == Some(id)) {
                    live_events.update(|list| list.push(event.event));
                }
            }
            ServerFrame::Live { .. } => reconnects.update(|n| *n += 1),
            _ => {}
        };
        start_monitor_link(link, status, on_frame);
    });

    view! {
        <p class=move || status.get().class() role="status">{move || status.get().label()}</p>
        <div class="monitor">
            <div class="boards">
                <For each={move || shown.get().into_iter().map(|s| s.board.group.id).collect::<Vec<_>>()} key=|id| *id let:group>
                    <BoardSection
                        shown=Signal::derive(move || shown.with(|list| list.iter().find(|s| s.board.group.id == group).cloned()))
                        clock=clock
                        on_open=Callback::new(move |chat: ChatId| {
                            live_events.set(Vec::new());
                            watched.set(Some(chat));
                        })
                    />
                </For>
            </div>
            {move || watched.get().map(|chat_id| view! {
                <WatchedChat
                    chat_id
                    live_events=live_events
                    reconnects=reconnects
                    on_close=Callback::new(move |_| watched.set(None))
                />
            })}
        </div>
    }
}
