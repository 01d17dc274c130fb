use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api::team::{list_team, set_availability};
use crate::model::{Availability, Presence};

/// The agent's own status on pages without the console's live team list: online (offered chats
/// while a console is open) or away. Read once from the team list, set by the same call the
/// console's picker makes.
#[component]
pub fn StatusPicker(#[prop(into)] me: Signal<Option<crate::model::AgentId>>) -> impl IntoView {
    let away = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    // In the browser only: the own entry of the team list.
    Effect::new(move |_| {
        let Some(id) = me.get() else { return };
        spawn_local(async move {
            if let Ok(team) = list_team().await {
                away.set(team.iter().any(|m| m.card.id == id && m.presence == Presence::Away));
            }
        });
    });
    let choose = move |ev| {
        let chosen = Availability::parse(&event_target_value(&ev)).unwrap_or_default();
        spawn_local(async move {
            match set_availability(chosen).await {
                Ok(member) => {
                    away.set(member.presence == Presence::Away);
                    error.set(None);
                }
                Err(err) => error.set(Some(err.to_string())),
            }
        });
    };
    view! {
        <label class="presence-picker">
            "My status "
            <select on:change=choose>
                <option value="online" selected=move || !away.get()>"Online"</option>
                <option value="away" selected=move || away.get()>"Away"</option>
            </select>
        </label>
        <p class="error" role="alert">{move || error.get()}</p>
    }
}
