use leptos::prelude::*;

use super::actions::Console;
use crate::model::{Availability, Presence};

/// The agent's own status: online or away (offline is having no console open). Colleagues
/// see it live; only online agents are offered for invites and transfers.
#[component]
pub fn PresencePicker() -> impl IntoView {
    let console = expect_context::<Console>();
    let away = move || console.model.with(|m| m.as_ref().and_then(|m| m.my_presence()) == Some(Presence::Away));
    view! {
        <label class="presence-picker">
            "My status "
            <select on:change=move |ev| {
                let chosen = Availability::parse(&event_target_value(&ev)).unwrap_or_default();
                console.set_availability(chosen);
            }>
                <option value="online" selected=move || !away()>"Online"</option>
                <option value="away" selected=away>"Away"</option>
            </select>
        </label>
    }
}
