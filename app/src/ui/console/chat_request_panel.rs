use leptos::prelude::*;

use super::actions::{Console, Tab};
use super::history::History;
use super::my_chats::MyChats;
use super::offline_requests::OfflineRequests;
use super::request_card::RequestCard;
use crate::model::AssignmentGroup;
use crate::ui::browser::ticking_now;

/// The Chat Request panel: a tab per assignment group of the agent, plus their own chats.
#[component]
pub fn ChatRequestPanel() -> impl IntoView {
    let console = expect_context::<Console>();
    let now = ticking_now();
    let groups = move || console.model.with(|m| m.as_ref().map(|m| m.agent.groups.clone()).unwrap_or_default());
    let count_in = move |group: i64| console.model.with(|m| m.as_ref().map_or(0, |m| m.queued_in(group).count()));
    let my_count = move || console.model.with(|m| m.as_ref().map_or(0, |m| m.chats.len()));
    let my_unread = move || console.model.with(|m| m.as_ref().map_or(0, |m| m.chats.iter().map(|c| c.unread).sum::<u32>()));

    let tab_button = move |tab: Tab, label: String, count: Signal<usize>| {
        let id = match tab {
            Tab::Group(g) => format!("tab-group-{g}"),
            Tab::MyChats => "tab-my-chats".to_string(),
            Tab::History => "tab-history".to_string(),
        };
        view! {
            <button type="button" role="tab" id=id
                aria-selected=move || (console.tab.get() == tab).to_string()
                aria-controls="chat-request-tabpanel"
                on:click=move |_| console.tab.set(tab)>
                {label}
                " "
                <span class="badge" aria-label=move || format!("({})", count.get())>{move || count.get()}</span>
            </button>
        }
    };

    view! {
        <section class="panel" aria-labelledby="panel-title">
            <h2 id="panel-title">"Chat requests"</h2>
            <div role="tablist" aria-label="Assignment groups">
                <For each=groups key=|g| g.id let:group>
                    {
                        let AssignmentGroup { id, name } = group;
                        tab_button(Tab::Group(id), name, Signal::derive(move || count_in(id)))
                    }
                </For>
                {tab_button(Tab::MyChats, "My chats".into(), Signal::derive(move || my_count()))}
                <button type="button" role="tab" id="tab-history"
                    aria-selected=move || (console.tab.get() == Tab::History).to_string()
                    aria-controls="chat-request-tabpanel"
                    on:click=move |_| console.tab.set(Tab::History)>"History"</button>
            </div>
            <div role="tabpanel" id="chat-request-tabpanel" tabindex="0"
                aria-labelledby=move || match console.tab.get() {
                    Tab::Group(g) => format!("tab-group-{g}"),
                    Tab::MyChats => "tab-my-chats".to_string(),
                    Tab::History => "tab-history".to_string(),
                }>
                {move || match console.tab.get() {
                    Tab::Group(group) => {
                        let requests = move || console.model.with(|m| {
                            m.as_ref().map(|m| m.queued_in(group).cloned().collect::<Vec<_>>()).unwrap_or_default()
                        });
                        view! {
                            <ul class="requests">
                                <For each=requests key=|r| r.id let:request>
                                    <RequestCard request now />
                                </For>
                            </ul>
                            <Show when=move || requests().is_empty()>
                                <p class="empty">"No chat requests are waiting in this group."</p>
                            </Show>
                            <OfflineRequests group now />
                        }.into_any()
                    }
                    Tab::MyChats => view! { <MyChats /> }.into_any(),
                    Tab::History => view! { <History /> }.into_any(),
                }}
            </div>
            <p class="unread-total" aria-live="polite">
                {move || (my_unread() > 0).then(|| format!("{} unread message(s) in your chats", my_unread()))}
            </p>
        </section>
    }
}
