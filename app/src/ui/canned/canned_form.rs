use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api::canned::save_canned_message;
use crate::domain::canned::validate;
use crate::model::*;

/// Creates a canned message, or edits `editing`: category, title, text and who it is for
/// (only the scopes this agent may manage are offered).
#[component]
pub fn CannedForm(
    agent: AgentProfile,
    editing: Option<CannedMessage>,
    on_saved: Callback<CannedMessage>,
    on_cancel: Callback<()>,
) -> impl IntoView {
    let id = editing.as_ref().map(|c| c.id);
    let category = RwSignal::new(editing.as_ref().map(|c| c.category.clone()).unwrap_or_default());
    let title = RwSignal::new(editing.as_ref().map(|c| c.title.clone()).unwrap_or_default());
    let text = RwSignal::new(editing.as_ref().map(|c| c.text.clone()).unwrap_or_default());
    let scope = RwSignal::new(editing.as_ref().map_or(CannedScope::Mine, |c| c.scope));
    let error = RwSignal::new(None::<String>);

    let mut scopes = vec![(CannedScope::Mine, "Only me".to_string())];
    scopes.extend(agent.groups.iter().map(|g| (CannedScope::Group(g.id), format!("Group: {}", g.name))));
    if agent.role == Role::Admin {
        scopes.push((CannedScope::Everyone, "Everyone".into()));
    }
    let scope_value = |s: CannedScope| match s {
        CannedScope::Everyone => "everyone".to_string(),
        CannedScope::Group(g) => format!("group-{g}"),
        CannedScope::Mine => "mine".to_string(),
    };
    let options = scopes.clone();

    let save = move || {
        let draft = CannedDraft {
            category: category.get_untracked(),
            title: title.get_untracked(),
            text: text.get_untracked(),
            scope: Some(scope.get_untracked()),
        };
        if let Err(err) = validate(&draft) {
            error.set(Some(err));
            return;
        }
        spawn_local(async move {
            match save_canned_message(id, draft).await {
                Ok(saved) => {
                    error.set(None);
                    if id.is_none() {
                        category.set(String::new());
                        title.set(String::new());
                        text.set(String::new());
                    }
                    on_saved.run(saved);
                }
                Err(err) => error.set(Some(err.to_string())),
            }
        });
    };

    view! {
        <form class="canned-form" on:submit=move |ev| { ev.prevent_default(); save(); }>
            <label for="canned-category">"Category"</label>
            <input type="text" id="canned-category" placeholder="General" prop:value=move || category.get()
                on:input=move |ev| category.set(event_target_value(&ev)) />
            <label for="canned-title">"Title"</label>
            <input type="text" id="canned-title" prop:value=move || title.get() on:input=move |ev| title.set(event_target_value(&ev)) />
            <label for="canned-text">"Text"</label>
            <textarea id="canned-text" rows="3" prop:value=move || text.get() on:input=move |ev| text.set(event_target_value(&ev))></textarea>
            <label for="canned-scope">"For"</label>
            <select id="canned-scope" on:change=move |ev| {
                let value = event_target_value(&ev);
                if let Some((s, _)) = options.iter().find(|(s, _)| scope_value(*s) == value) {
                    scope.set(*s);
                }
            }>
                {scopes.into_iter().map(|(s, label)| view! {
                    <option value=scope_value(s) selected=move || scope.get() == s>{label}</option>
                }).collect_view()}
            </select>
            <button type="submit">{if id.is_some() { "Save changes" } else { "Add canned message" }}</button>
            {id.map(|_| view! { <button type="button" on:click=move |_| on_cancel.run(())>"Cancel"</button> })}
            <p class="error" role="alert">{move || error.get()}</p>
        </form>
    }
}
