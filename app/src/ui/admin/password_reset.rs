use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api::admin::admin_reset_password;
use crate::domain::admin;
use crate::model::*;

/// Sets a new password for an agent (their sessions end); Cancel or Escape closes it.
#[component]
pub fn PasswordReset(agent: AgentEntry, on_done: Callback<String>, on_cancel: Callback<()>) -> impl IntoView {
    let id = agent.id;
    let password = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let who = agent.name.clone();
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let new = password.get_untracked();
        if let Err(why) = admin::password(&new) {
            error.set(Some(why));
            return;
        }
        let who = who.clone();
        spawn_local(async move {
            match admin_reset_password(id, new).await {
                Ok(()) => on_done.run(format!("Password of {who} reset; their sessions ended.")),
                Err(err) => error.set(Some(err.to_string())),
            }
        });
    };
    view! {
        <form class="password-reset" on:submit=save aria-label=format!("Reset password of {}", agent.name)
            on:keydown=move |ev| if ev.key() == "Escape" { on_cancel.run(()) }>
            <label for=format!("reset-{id}")>{format!("New password for {}", agent.name)}</label>
            <input id=format!("reset-{id}") type="password" autocomplete="new-password" prop:value=move || password.get()
                on:input=move |ev| password.set(event_target_value(&ev)) />
            <button type="submit">"Set password"</button>
            <button type="button" on:click=move |_| on_cancel.run(())>"Cancel"</button>
            <p class="error" role="alert">{move || error.get()}</p>
        </form>
    }
}
