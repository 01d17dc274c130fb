use leptos::prelude::*;
use leptos::task::spawn_local;

use super::canned_form::CannedForm;
use crate::api::auth::current_agent;
use crate::api::canned::{delete_canned_message, list_canned_messages};
use crate::domain::canned::PLACEHOLDERS;
use crate::model::*;
use crate::ui::common::loaded::Loaded;
use crate::ui::shell::agent_header::AgentHeader;

/// Every canned message the agent may use, by category, with who it is for; the ones they may
/// change have Edit and Delete, and a form adds new ones.
#[component]
pub fn CannedPage() -> impl IntoView {
    let loaded = Resource::new(|| (), |_| async { Ok::<_, ApiError>((current_agent().await?, list_canned_messages().await?)) });
    view! {
        <main class="canned-page">
            <AgentHeader current="/canned" />
            <h1>"Canned messages"</h1>
            <Loaded resource=loaded loading="Loading canned messages…" let:loaded>
                <CannedLibrary agent=loaded.0 canned=loaded.1 />
            </Loaded>
        </main>
    }
}

#[component]
fn CannedLibrary(agent: AgentProfile, canned: Vec<CannedMessage>) -> impl IntoView {
    let list = RwSignal::new(canned);
    let editing = RwSignal::new(None::<CannedMessage>);
    let status = RwSignal::new(None::<String>);
    let error = RwSignal::new(None::<String>);
    let categories = Memo::new(move |_| {
        let mut names: Vec<String> = list.with(|l| l.iter().map(|c| c.category.clone()).collect());
        names.dedup();
        names
    });
    let on_saved = Callback::new(move |saved: CannedMessage| {
        list.update(|l| {
            l.retain(|c| c.id != saved.id);
            let at = l.partition_point(|c| (&c.category, &c.title) < (&saved.category, &saved.title));
            l.insert(at, saved.clone());
        });
        status.set(Some(format!("Saved “{}”.", saved.title)));
        editing.set(None);
    });
    let delete = move |canned: CannedMessage| {
        error.set(None);
        spawn_local(async move {
            match delete_canned_message(canned.id).await {
                Ok(()) => {
                    list.update(|l| l.retain(|c| c.id != canned.id));
                    status.set(Some(format!("Deleted “{}”.", canned.title)));
                }
                Err(err) => error.set(Some(err.to_string())),
            }
        });
    };
    let scope_label = |c: &CannedMessage| match c.scope {
        CannedScope::Everyone => "Everyone".to_string(),
        CannedScope::Group(_) => c.group_name.clone().unwrap_or_else(|| "A group".into()),
        CannedScope::Mine => "Only me".to_string(),
    };
    view! {
        <p class="hint">
            "In a chat, type / in the message box to pick one. Placeholders: "
            {PLACEHOLDERS.map(|(name, what)| format!("{name} ({what})")).join(", ")}
        </p>
        <p role="status">{move || status.get()}</p>
        <p class="error" role="alert">{move || error.get()}</p>
        <For each=move || categories.get() key=|c| c.clone() let:category>
            <section class="canned-category" aria-label=category.clone()>
                <h2>{category.clone()}</h2>
                <ul class="canned-items">
                    <For each={
                        let category = category.clone();
                        move || list.with(|l| l.iter().filter(|c| c.category == category).cloned().collect::<Vec<_>>())
                    } key=|c| (c.id, c.title.clone(), c.text.clone()) let:canned>
                        <li>
                            <h3>{canned.title.clone()}</h3>
                            <p class="meta">{format!("For: {}", scope_label(&canned))}</p>
                            <p class="canned-text">{canned.text.clone()}</p>
                            {canned.editable.then(|| {
                                let (edit, remove) = (canned.clone(), canned.clone());
                                view! {
                                    <button type="button" aria-label=format!("Edit {}", canned.title) on:click=move |_| editing.set(Some(edit.clone()))>"Edit"</button>
                                    <button type="button" aria-label=format!("Delete {}", canned.title) on:click=move |_| delete(remove.clone())>"Delete"</button>
                                }
                            })}
                        </li>
                    </For>
                </ul>
            </section>
        </For>
        <Show when=move || list.with(Vec::is_empty)>
            <p class="empty">"No canned messages yet."</p>
        </Show>
        <h2>{move || if editing.with(Option::is_some) { "Edit canned message" } else { "New canned message" }}</h2>
        {move || {
            let agent = agent.clone();
            view! { <CannedForm agent editing=editing.get() on_saved on_cancel=Callback::new(move |_| editing.set(None)) /> }
        }}
    }
}
