use leptos::html::Input;
use leptos::prelude::*;
use leptos_router::hooks::use_navigate;

use crate::api::auth::LogOn;
use crate::ui::browser;

/// The agents' log-on page. The form dispatches the `log_on` server action: its pending state
/// disables the button, its value is where to go next or what went wrong.
///
/// It works only with the WASM (the server function takes JSON), so until the page is hydrated
/// the button is disabled, which also keeps Enter from submitting the form the browser's way
/// (a reload of `/login?`). The fields are the browser's own (read when the form is sent, not
/// bound to signals), so what was typed before hydration stays and is what is sent.
#[component]
pub fn LoginPage() -> impl IntoView {
    let email = NodeRef::<Input>::new();
    let password = NodeRef::<Input>::new();
    let log_on = ServerAction::<LogOn>::new();
    let hydrated = browser::hydrated();
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
            let typed = |field: NodeRef<Input>| field.get_untracked().map(|input| input.value()).unwrap_or_default();
            log_on.dispatch(LogOn { email: typed(email), password: typed(password) });
        }
    };

    view! {
        <main class="page login">
            <h1>"Log on to Deskchat"</h1>
            <form on:submit=submit aria-describedby="login-error">
                <label for="login-email">"Email"</label>
                <input id="login-email" type="email" autocomplete="username" required node_ref=email />
                <label for="login-password">"Password"</label>
                <input id="login-password" type="password" autocomplete="current-password" required node_ref=password />
                <p id="login-error" class="error" role="alert">{error}</p>
                <button type="submit" disabled=move || !hydrated.get() || log_on.pending().get()>"Log on"</button>
            </form>
        </main>
    }
}
