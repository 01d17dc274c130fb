use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::use_navigate;

use super::desk_nav::DeskNav;
use super::status_picker::StatusPicker;
use crate::api::auth::{current_agent, log_off};
use crate::domain::access::Staff;
use crate::model::AgentProfile;
use crate::ui::browser;

/// The header of every agent page: the page's title (`children`, else the product's name), the
/// navigation with `current` marked, who is logged on, their status, desktop notifications
/// (offered while the browser has not been told yes or no) and Log off.
///
/// `agent` is the logged-on agent where the page has it already (the console's snapshot);
/// otherwise the header asks for it. `status` is the page's own status picker (the console's
/// follows the live team list); otherwise `StatusPicker`.
#[component]
pub fn AgentHeader(
    current: &'static str,
    #[prop(optional, into)] agent: Option<Signal<Option<AgentProfile>>>,
    #[prop(optional, into)] status: Option<ViewFn>,
    #[prop(optional)] children: Option<Children>,
) -> impl IntoView {
    let agent = agent.unwrap_or_else(|| {
        let loaded = LocalResource::new(current_agent);
        Signal::derive(move || loaded.get().and_then(Result::ok))
    });
    let staff = Signal::derive(move || agent.with(|a| a.as_ref().map(Staff::from)));
    let name = move || agent.with(|a| a.as_ref().map(|a| a.card.name.clone()));
    let me = Signal::derive(move || agent.with(|a| a.as_ref().map(|a| a.card.id)));
    let status = status.unwrap_or_else(|| ViewFn::from(move || view! { <StatusPicker me /> }));

    // Rendered by the server and taken away in the browser if notifications were decided
    // already: a button appearing after the page loaded would move everything below it.
    let notifications_prompt = RwSignal::new(true);
    Effect::new(move |_| notifications_prompt.set(browser::notifications_undecided()));
    let log_off_click = {
        let navigate = use_navigate();
        move |_| {
            let navigate = navigate.clone();
            spawn_local(async move {
                let _ = log_off().await;
                navigate("/login", Default::default());
            });
        }
    };

    view! {
        <header class="topbar">
            {match children {
                Some(children) => children().into_any(),
                None => view! { <p class="brand">"Deskchat"</p> }.into_any(),
            }}
            <DeskNav current staff />
            <p class="who">{name}</p>
            {status.run()}
            <Show when=move || notifications_prompt.get()>
                <button type="button" on:click=move |_| {
                    browser::request_notifications();
                    notifications_prompt.set(false);
                }>"Enable desktop notifications"</button>
            </Show>
            <button type="button" on:click=log_off_click>"Log off"</button>
        </header>
    }
}
