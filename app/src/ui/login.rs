use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::use_navigate;

use crate::api::auth::log_on;

#[component]
pub fn LoginPage() -> impl IntoView {
    let email = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let navigate = use_navigate();

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        error.set(None);
        let navigate = navigate.clone();
        spawn_local(async move {
            match log_on(email.get_untracked(), password.get_untracked()).await {
                Ok(_) => navigate("/console", Default::default()),
                Err(err) => {
                    error.set(Some(err.to_string()));
                    busy.set(false);
                }
            }
        });
    };

    view! {
        <main class="page login">
            <h1>"Log on to Deskchat"</h1>
            <form on:submit=submit aria-describedby="login-error">
                <label for="login-email">"Email"</label>
                <input id="login-email" type="email" autocomplete="username" required
                    prop:value=move || email.get() on:input=move |ev| email.set(event_target_value(&ev)) />
                <label for="login-password">"Password"</label>
                <input id="login-password" type="password" autocomplete="current-password" required
                    prop:value=move || password.get() on:input=move |ev| password.set(event_target_value(&ev)) />
                <p id="login-error" class="error" role="alert">{move || error.get()}</p>
                <button type="submit" disabled=move || busy.get()>"Log on"</button>
            </form>
        </main>
    }
}
