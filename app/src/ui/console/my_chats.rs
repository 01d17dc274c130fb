use leptos::prelude::*;

use super::actions::Console;
use crate::domain::lifecycle::ChatState;

/// The agent's own chats, to switch between them; unread counts per chat.
#[component]
pub fn MyChats() -> impl IntoView {
    let console = expect_context::<Console>();
    let rows = move || {
        console.model.with(|m| {
            m.as_ref()
                .map(|m| {
                    m.chats
                        .iter()
                        .map(|c| {
                            let r = &c.transcript.request;
                            (r.id, r.end_user.name.clone(), r.number.clone(), r.state, c.unread, m.selected == Some(r.id))
                        })
                        .collect::<Vec<_>>()
                })
                .unwrap_or_default()
        })
    };
    view! {
        <ul class="my-chats">
            <For each=rows key=|row| row.clone() let:row>
                {
                    let (id, name, number, state, unread, selected) = row;
                    let ended = if state == ChatState::Active { "" } else { " (ended)" };
                    let unread_label = (unread > 0).then(|| format!("({unread} unread)"));
                    view! {
                        <li>
                            // Named by what it shows (WCAG 2.5.3): the badge's count is read as words.
                            <button type="button" class="switch" aria-current=selected.then_some("true")
                                on:click=move |_| console.update(|m| m.select(id))>
                                {format!("{name} · {number}{ended}")}
                                {(unread > 0).then(|| view! { <span class="badge" aria-hidden="true">{unread}</span> })}
                                {unread_label.clone().map(|l| view! { <span class="sr-only">{l}</span> })}
                            </button>
                        </li>
                    }
                }
            </For>
        </ul>
        <Show when=move || rows().is_empty()>
            <p class="empty">"You have no chats yet. Accept a request from a group tab."</p>
        </Show>
    }
}
