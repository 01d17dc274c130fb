use leptos::prelude::*;

use crate::model::Role;

/// A labelled choice of agent or admin.
#[component]
pub fn RoleSelect(id: String, role: RwSignal<Role>) -> impl IntoView {
    let options = [(Role::Agent, "Agent"), (Role::Admin, "Admin")];
    view! {
        <label for=id.clone()>"Role"</label>
        <select id=id on:change=move |ev| role.set(Role::parse(&event_target_value(&ev)).unwrap_or(Role::Agent))>
            {options
                .into_iter()
                .map(|(r, label)| view! { <option value=r.as_str() selected=move || role.get() == r>{label}</option> })
                .collect_view()}
        </select>
    }
}
