use leptos::prelude::*;
use leptos::task::spawn_local;

use super::group_choice::GroupChoice;
use super::role_select::RoleSelect;
use crate::api::admin::admin_update_agent;
use crate::domain::admin;
use crate::model::*;

/// Changes an agent's name, role, memberships, own maximum of chats at once and the groups they
/// supervise; Cancel (or Escape) closes it unchanged.
#[component]
pub fn AgentEditor(
    agent: AgentEntry,
    groups: Vec<AssignmentGroup>,
    on_saved: Callback<AgentEntry>,
    on_cancel: Callback<()>,
) -> impl IntoView {
    let id = agent.id;
    let name = RwSignal::new(agent.name.clone());
    let role = RwSignal::new(agent.role);
    let chosen = RwSignal::new(agent.groups.iter().map(|g| g.id).collect::<Vec<_>>());
    let max_chats = RwSignal::new(agent.max_chats.map(|m| m.to_string()).unwrap_or_default());
    let supervised = RwSignal::new(agent.supervises.iter().map(|g| g.id).collect::<Vec<_>>());
    let error = RwSignal::new(None::<String>);

    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Ok(max_chats) = optional_number(&max_chats.get_untracked()) else {
            error.set(Some("Most chats at once: a whole number, or empty for the groups' default.".into()));
            return;
        };
        let change = AgentChange {
            name: name.get_untracked(),
            role: role.get_untracked(),
            groups: chosen.get_untracked(),
            max_chats,
            supervises: supervised.get_untracked(),
        };
        if let Err(why) = admin::name(&change.name).and_then(|_| admin::max_chats(change.max_chats, admin::AGENT_MAX_EMPTY)) {
            error.set(Some(why));
            return;
        }
        spawn_local(async move {
            match admin_update_agent(id, change).await {
                Ok(saved) => on_saved.run(saved),
                Err(err) => error.set(Some(err.to_string())),
            }
        });
    };

    view! {
        <form class="agent-editor" on:submit=save aria-label=format!("Edit {}", agent.name)
            on:keydown=move |ev| if ev.key() == "Escape" { on_cancel.run(()) }>
            <label for=format!("edit-{id}-name")>"Name"</label>
            <input id=format!("edit-{id}-name") type="text" prop:value=move || name.get()
                on:input=move |ev| name.set(event_target_value(&ev)) />
            <RoleSelect id=format!("edit-{id}-role") role />
            <GroupChoice id_prefix=format!("edit-{id}") groups=groups.clone() chosen />
            <GroupChoice id_prefix=format!("edit-{id}") legend="Supervises" groups chosen=supervised />
            <label for=format!("edit-{id}-max-chats")>"Most chats at once (empty: the groups' default)"</label>
            <input id=format!("edit-{id}-max-chats") type="number" min="0" inputmode="numeric" prop:value=move || max_chats.get()
                on:input=move |ev| max_chats.set(event_target_value(&ev)) />
            <button type="submit">"Save changes"</button>
            <button type="button" on:click=move |_| on_cancel.run(())>"Cancel"</button>
            <p class="error" role="alert">{move || error.get()}</p>
        </form>
    }
}

/// A number box's text: empty is `None`.
pub fn optional_number(text: &str) -> Result<Option<u32>, std::num::ParseIntError> {
    match text.trim() {
        "" => Ok(None),
        number => number.parse().map(Some),
    }
}
