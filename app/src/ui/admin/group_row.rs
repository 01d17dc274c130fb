use leptos::prelude::*;
use leptos::task::spawn_local;

use super::group_settings_form::GroupSettingsForm;
use crate::api::admin::admin_rename_group;
use crate::domain::admin;
use crate::model::*;

/// One assignment group with Rename (the new name is edited in place; Escape cancels) and its
/// chat settings (business hours, leaving a message, a wait limit, capacity, routing).
#[component]
pub fn GroupRow(
    group: AssignmentGroup,
    members: usize,
    settings: GroupSettings,
    on_renamed: Callback<(AssignmentGroup, String)>,
    on_status: Callback<String>,
) -> impl IntoView {
    let renaming = RwSignal::new(false);
    let editing = RwSignal::new(false);
    let settings = RwSignal::new(settings);
    let summary = move || settings.with(|s| {
        let hours = match &s.hours {
            None => "Always open".to_string(),
            Some(h) => format!("Business hours in {}", h.time_zone),
        };
        let nobody = if s.leave_message_when_nobody_online { "; a message when nobody is online" } else { "" };
        let limit = s.wait_limit_minutes.map(|m| format!("; a message past {m} min of wait")).unwrap_or_default();
        let most = s.max_chats.map(|m| format!("; at most {m} chats an agent")).unwrap_or_default();
        let routing = match s.routing {
            RoutingMode::Pickup => String::new(),
            RoutingMode::AutoAssign => format!("; auto-assign, {} s to answer an offer", s.offer_timeout_ms() / 1000),
        };
        let offline = if s.offline_requests_in_console { "; messages left shown in the console" } else { "" };
        let survey = if s.satisfaction_survey { "; asks for a rating" } else { "" };
        format!("{hours}{nobody}{limit}{most}{routing}{offline}{survey}")
    });
    let on_saved = Callback::new(move |(saved, what): (GroupSettings, String)| {
        settings.set(saved);
        editing.set(false);
        on_status.run(what);
    });
    let name = RwSignal::new(group.name.clone());
    let error = RwSignal::new(None::<String>);
    let (id, old) = (group.id, group.name.clone());
    let save = {
        let old = old.clone();
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            let new = name.get_untracked();
            if let Err(why) = admin::group_name(&new, &[], None) {
                error.set(Some(why));
                return;
            }
            let old = old.clone();
            spawn_local(async move {
                match admin_rename_group(id, new).await {
                    Ok(renamed) => {
                        let what = format!("Renamed {old} to {}.", renamed.name);
                        on_renamed.run((renamed, what))
                    }
                    Err(err) => error.set(Some(err.to_string())),
                }
            });
        }
    };
    let label = old.clone();
    let settings_label = format!("Chat settings of {label}");
    let editor_group = group.clone();
    view! {
        <li class="group">
            <h2>{group.name.clone()}</h2>
            <p class="meta">{format!("{members} active agent{}", if members == 1 { "" } else { "s" })}</p>
            <p class="meta">{summary}</p>
            <button type="button" aria-label=format!("Rename {label}") aria-expanded=move || renaming.get().to_string()
                on:click=move |_| renaming.update(|r| *r = !*r)>"Rename"</button>
            <Show when=move || renaming.get()>
                <form class="group-rename" on:submit=save.clone() aria-label=format!("Rename {}", old)
                    on:keydown=move |ev| if ev.key() == "Escape" { renaming.set(false) }>
                    <label for=format!("rename-group-{id}")>{format!("New name for {}", old)}</label>
                    <input id=format!("rename-group-{id}") type="text" prop:value=move || name.get()
                        on:input=move |ev| name.set(event_target_value(&ev)) />
                    <button type="submit">"Save name"</button>
                    <button type="button" on:click=move |_| renaming.set(false)>"Cancel"</button>
                </form>
            </Show>
            <button type="button" aria-label=settings_label aria-expanded=move || editing.get().to_string()
                on:click=move |_| editing.update(|e| *e = !*e)>"Chat settings"</button>
            <Show when=move || editing.get()>
                <GroupSettingsForm group=editor_group.clone() settings=settings.get_untracked() on_saved />
            </Show>
            <p class="error" role="alert">{move || error.get()}</p>
        </li>
    }
}
