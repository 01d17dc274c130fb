use leptos::prelude::*;
use leptos::task::spawn_local;

use super::mail_settings_form::MailSettingsSection;
use crate::api::records::{load_settings, save_settings};
use crate::domain::records::{ChatField, TicketField};
use crate::model::*;
use crate::ui::common::loaded::Loaded;
use crate::ui::shell::agent_header::AgentHeader;

/// The desk settings an admin changes: missed-chat incidents and their pickup timeout, and
/// which chat request field fills which Interaction field. New chats use what is saved here.
#[component]
pub fn SettingsPage() -> impl IntoView {
    let loaded = Resource::new(|| (), |_| load_settings());
    view! {
        <main class="settings-page">
            <AgentHeader current="/admin/settings" />
            <h1>"Desk settings"</h1>
            <Loaded resource=loaded loading="Loading settings…" let:settings>
                <SettingsForm settings />
            </Loaded>
            <MailSettingsSection />
        </main>
    }
}

#[component]
fn SettingsForm(settings: DeskSettings) -> impl IntoView {
    let missed = RwSignal::new(settings.missed_chat_incidents);
    let timeout = RwSignal::new(settings.pickup_timeout_secs.to_string());
    // Each mapping line with a key of its own, so removing one keeps the others' inputs.
    let next_key = StoredValue::new(settings.mapping.len());
    let lines = RwSignal::new(settings.mapping.into_iter().enumerate().collect::<Vec<(usize, FieldMap)>>());
    let error = RwSignal::new(None::<String>);
    let status = RwSignal::new(None::<String>);

    let save = move || {
        let Ok(pickup_timeout_secs) = timeout.get_untracked().trim().parse::<u32>() else {
            error.set(Some("The pickup timeout must be a whole number of seconds.".into()));
            return;
        };
        let settings = DeskSettings {
            missed_chat_incidents: missed.get_untracked(),
            pickup_timeout_secs,
            mapping: lines.get_untracked().into_iter().map(|(_, m)| m).collect(),
        };
        status.set(Some("Saving…".into()));
        error.set(None);
        spawn_local(async move {
            match save_settings(settings).await {
                Ok(_) => status.set(Some("Settings saved. New chats use them.".into())),
                Err(err) => {
                    status.set(None);
                    error.set(Some(err.to_string()));
                }
            }
        });
    };
    let set_line = move |key: usize, f: Box<dyn Fn(&mut FieldMap)>| {
        lines.update(|l| {
            if let Some((_, m)) = l.iter_mut().find(|(k, _)| *k == key) {
                f(m)
            }
        })
    };

    view! {
        <form class="settings" on:submit=move |ev| { ev.prevent_default(); save(); }>
            <fieldset>
                <legend>"Missed chats"</legend>
                <label>
                    <input type="checkbox" prop:checked=move || missed.get() on:change=move |ev| missed.set(event_target_checked(&ev)) />
                    " Turn requests nobody accepts in time into 'Missed Chat' incidents"
                </label>
                <label for="pickup-timeout">"Pickup timeout (seconds)"</label>
                <input type="number" id="pickup-timeout" min="1" prop:value=move || timeout.get()
                    on:input=move |ev| timeout.set(event_target_value(&ev)) />
            </fieldset>
            <fieldset>
                <legend>"Interaction fields filled from the chat request"</legend>
                <ul class="mapping">
                    <For each=move || lines.get() key=|(k, _)| *k let:line>
                        {
                            let (key, map) = line;
                            let (from, to) = (map.from.clone(), map.to.clone());
                            view! {
                                <li>
                                    <label for=format!("map-from-{key}")>"Chat request field"</label>
                                    <select id=format!("map-from-{key}") on:change=move |ev| { let v = event_target_value(&ev); set_line(key, Box::new(move |m| m.from = v.clone())); }>
                                        {ChatField::ALL.map(|f| view! { <option value=f.name() selected=f.name() == from>{f.label()}</option> })}
                                    </select>
                                    <label for=format!("map-to-{key}")>"fills"</label>
                                    <select id=format!("map-to-{key}") on:change=move |ev| { let v = event_target_value(&ev); set_line(key, Box::new(move |m| m.to = v.clone())); }>
                                        {TicketField::ALL.map(|f| view! { <option value=f.name() selected=f.name() == to>{f.label()}</option> })}
                                    </select>
                                    <button type="button" aria-label=format!("Remove mapping line {}", key + 1)
                                        on:click=move |_| lines.update(|l| l.retain(|(k, _)| *k != key))>"Remove"</button>
                                </li>
                            }
                        }
                    </For>
                </ul>
                <button type="button" on:click=move |_| {
                    let key = next_key.get_value();
                    next_key.set_value(key + 1);
                    lines.update(|l| l.push((key, FieldMap { from: "name".into(), to: "category".into() })));
                }>"Add mapping line"</button>
            </fieldset>
            <button type="submit">"Save settings"</button>
            <p class="saved" role="status">{move || status.get()}</p>
            <p class="error" role="alert">{move || error.get()}</p>
        </form>
    }
}
