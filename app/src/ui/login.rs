use leptos::prelude::*;
use leptos_router::hooks::use_navigate;

use crate::api::auth::LogOn;

/// The agents' log-on page. The form dispatches the `log_on` server action: its pending state
/// disables the button, its value is where to go next or what went wrong.
#[component]
pub fn LoginPage() -> impl IntoView {
    let email = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let log_on = ServerAction::<LogOn>::new();
    let navigate = use_navigate();

    Effect::new(move |_| {
        if let Some(Ok(_)) = log_on.value().get() {
            navigate("/console", Default::default());
        }
    });
    // Cleared while a try is on its way, so the same refusal twice is announced twice.
    let error = move || match log_on.value().get() {
        Some(Err(err)) if !log_on.pending().get() => Some(err.to_string()),
        _ => None,
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if !log_on.pending().get_untracked() {
            log_on.dispatch(LogOn { email: email.get_untracked(), password: password.get_untracked() });
        }
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
                <p id="login-error" class="error" role="alert">{error}</p>
                <button type="submit" disabled=move || log_on.pending().get()>"Log on"</button>
            </form>
        </main>
    }
}
