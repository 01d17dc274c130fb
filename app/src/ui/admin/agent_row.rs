use leptos::prelude::*;
use leptos::task::spawn_local;

use super::agent_editor::AgentEditor;
use super::password_reset::PasswordReset;
use crate::api::admin::admin_set_agent_active;
use crate::model::*;

/// One agent: name, email, role, status, groups and the groups they supervise, with Edit, Reset
/// password and Deactivate/Reactivate (each button named with the agent's name).
#[component]
pub fn AgentRow(agent: AgentEntry, groups: Vec<AssignmentGroup>, on_changed: Callback<(AgentEntry, String)>) -> impl IntoView {
    let editing = RwSignal::new(false);
    let resetting = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let (id, name, active) = (agent.id, agent.name.clone(), agent.active);
    let names = |groups: &[AssignmentGroup]| crate::domain::admin::names_or_none(groups.iter().map(|g| g.name.as_str()));
    let group_names = names(&agent.groups);
    let supervised = (!agent.supervises.is_empty()).then(|| format!("Supervises: {}", names(&agent.supervises)));
    let toggle = {
        let name = name.clone();
        move |_| {
            let name = name.clone();
            error.set(None);
            spawn_local(async move {
                match admin_set_agent_active(id, !active).await {
                    Ok(changed) => {
                        let what = if active { "deactivated; their sessions ended" } else { "reactivated" };
                        on_changed.run((changed, format!("{name} {what}.")))
                    }
                    Err(err) => error.set(Some(err.to_string())),
                }
            });
        }
    };
    let (edited, reset) = (agent.clone(), agent.clone());
    view! {
        <li class="agent" class:inactive=!active>
            <h2>{name.clone()}</h2>
            <p class="meta">
                {agent.email.clone()}" · "{if agent.role == Role::Admin { "Admin" } else { "Agent" }}" · "
                <span class="status">{if active { "Active" } else { "Deactivated" }}</span>
            </p>
            <p class="groups">{format!("Groups: {group_names}")}</p>
            {supervised.map(|s| view! { <p class="groups">{s}</p> })}
            {agent.max_chats.map(|m| view! { <p class="meta">{format!("Most chats at once: {m}")}</p> })}
            <div class="actions">
                <button type="button" aria-label=format!("Edit {name}") aria-expanded=move || editing.get().to_string()
                    on:click=move |_| { resetting.set(false); editing.update(|e| *e = !*e) }>"Edit"</button>
                <button type="button" aria-label=format!("Reset password of {name}") aria-expanded=move || resetting.get().to_string()
                    on:click=move |_| { editing.set(false); resetting.update(|r| *r = !*r) }>"Reset password"</button>
                <button type="button" aria-label=format!("{} {name}", if active { "Deactivate" } else { "Reactivate" }) on:click=toggle>
                    {if active { "Deactivate" } else { "Reactivate" }}
                </button>
            </div>
            <p class="error" role="alert">{move || error.get()}</p>
            {move || editing.get().then(|| {
                let on_saved = Callback::new(move |saved: AgentEntry| {
                    let what = format!("Saved {}.", saved.name);
                    on_changed.run((saved, what))
                });
                view! { <AgentEditor agent=edited.clone() groups=groups.clone() on_saved on_cancel=Callback::new(move |_| editing.set(false)) /> }
            })}
            {move || resetting.get().then(|| {
                let (agent, done) = (reset.clone(), agent.clone());
                let on_done = Callback::new(move |what: String| {
                    resetting.set(false);
                    on_changed.run((done.clone(), what))
                });
                view! { <PasswordReset agent on_done on_cancel=Callback::new(move |_| resetting.set(false)) /> }
            })}
        </li>
    }
}
