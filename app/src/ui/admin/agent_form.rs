use leptos::prelude::*;
use leptos::task::spawn_local;

use super::group_choice::GroupChoice;
use super::role_select::RoleSelect;
use crate::api::admin::admin_create_agent;
use crate::domain::admin;
use crate::model::*;

/// Creates an agent: email, name, role, groups, the groups they supervise and a first password.
/// On a refusal everything typed stays, and the reason is shown.
#[component]
pub fn NewAgentForm(groups: Vec<AssignmentGroup>, on_created: Callback<AgentEntry>) -> impl IntoView {
    let email = RwSignal::new(String::new());
    let name = RwSignal::new(String::new());
    let role = RwSignal::new(Role::Agent);
    let chosen = RwSignal::new(Vec::<GroupId>::new());
    let supervised = RwSignal::new(Vec::<GroupId>::new());
    let password = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let known = groups.clone();

    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let form = NewAgent {
            email: email.get_untracked(),
            name: name.get_untracked(),
            role: Some(role.get_untracked()),
            groups: chosen.get_untracked(),
            password: password.get_untracked(),
            supervises: supervised.get_untracked(),
        };
        // The same rules as the server's, before a round trip (it also checks the email is free).
        if let Err(why) = admin::new_agent(&form, &[], &known) {
            error.set(Some(why));
            return;
        }
        busy.set(true);
        spawn_local(async move {
            match admin_create_agent(form).await {
                Ok(created) => {
                    error.set(None);
                    email.set(String::new());
                    name.set(String::new());
                    role.set(Role::Agent);
                    chosen.set(Vec::new());
                    supervised.set(Vec::new());
                    password.set(String::new());
                    on_created.run(created);
                }
                Err(err) => error.set(Some(err.to_string())),
            }
            busy.set(false);
        });
    };

    view! {
        <form class="agent-form" on:submit=save aria-labelledby="new-agent-heading">
            <h2 id="new-agent-heading">"New agent"</h2>
            <label for="new-agent-email">"Email"</label>
            <input id="new-agent-email" type="email" autocomplete="off" prop:value=move || email.get()
                on:input=move |ev| email.set(event_target_value(&ev)) />
            <label for="new-agent-name">"Name"</label>
            <input id="new-agent-name" type="text" autocomplete="off" prop:value=move || name.get()
                on:input=move |ev| name.set(event_target_value(&ev)) />
            <RoleSelect id="new-agent-role".to_string() role />
            <GroupChoice id_prefix="new-agent".to_string() groups=groups.clone() chosen />
            <GroupChoice id_prefix="new-agent".to_string() legend="Supervises" groups chosen=supervised />
            <label for="new-agent-password">"First password"</label>
            <input id="new-agent-password" type="password" autocomplete="new-password" aria-describedby="new-agent-password-hint"
                prop:value=move || password.get() on:input=move |ev| password.set(event_target_value(&ev)) />
            <p id="new-agent-password-hint" class="hint">{format!("At least {} characters; tell it to the agent yourself.", admin::MIN_PASSWORD_CHARS)}</p>
            <button type="submit" disabled=move || busy.get()>"Create agent"</button>
            <p class="error" role="alert">{move || error.get()}</p>
        </form>
    }
}
