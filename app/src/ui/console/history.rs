use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api::records::load_history;
use crate::model::*;

/// Past chats (the agent's own and their groups'), newest first, each a link to its record:
/// transcript, records and related records survive a reload.
#[component]
pub fn History() -> impl IntoView {
    let entries = RwSignal::new(Vec::<HistoryEntry>::new());
    let more = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let loaded = RwSignal::new(false);
    let fetch = move |before: Option<ChatId>| {
        spawn_local(async move {
            match load_history(before).await {
                Ok(page) => {
                    entries.update(|e| e.extend(page.entries));
                    more.set(page.more);
                    loaded.set(true);
                }
                Err(err) => error.set(Some(err.to_string())),
            }
        });
    };
    Effect::new(move |_| fetch(None));
    view! {
        <ul class="history">
            <For each=move || entries.get() key=|e| e.request.id let:entry>
                {
                    let r = entry.request.clone();
                    let records = [entry.interaction.clone(), entry.incident.clone()].into_iter().flatten().collect::<Vec<_>>().join(", ");
                    view! {
                        <li>
                            <a href=format!("/records/{}", r.number)>{format!("{} · {}", r.number, r.end_user.name)}</a>
                            <p class="question">{r.question.clone()}</p>
                            <p class="meta">{format!("{} · {}{}{}", r.group.name, r.state.label(),
                                if records.is_empty() { String::new() } else { format!(" · {records}") },
                                entry.rating.as_ref().map(|rating| format!(" · {}", rating.label())).unwrap_or_default())}</p>
                        </li>
                    }
                }
            </For>
        </ul>
        <Show when=move || loaded.get() && entries.with(Vec::is_empty)>
            <p class="empty">"No past chats yet."</p>
        </Show>
        <Show when=move || more.get()>
            <button type="button" on:click=move |_| fetch(entries.with_untracked(|e| e.last().map(|e| e.request.id)))>"Show older chats"</button>
        </Show>
        <p class="error" role="alert">{move || error.get()}</p>
    }
}
