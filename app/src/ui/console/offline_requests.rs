use leptos::prelude::*;
use leptos::task::spawn_local;

use super::actions::Console;
use crate::api::records::take_offline_request;
use crate::model::{GroupId, Ticket};
use crate::ui::browser::waited;

/// The offline requests of a group nobody took yet (messages left while it was closed, or
/// nobody was online), where the admin wants them in the console — there when the group opens:
/// each with its record and Take, which makes it the agent's and opens it. A colleague's Take
/// removes it here, live, and a new one appears as it is left.
#[component]
pub fn OfflineRequests(group: GroupId, now: ReadSignal<i64>) -> impl IntoView {
    let console = expect_context::<Console>();
    let listed = move || console.model.with(|m| m.as_ref().is_some_and(|m| m.offline_request_groups.contains(&group)));
    let requests = move || {
        console.model.with(|m| m.as_ref().map(|m| m.offline_requests_in(group).cloned().collect::<Vec<_>>()).unwrap_or_default())
    };
    let heading = format!("offline-requests-{group}");
    view! {
        <Show when=listed>
            <section class="offline-requests" aria-labelledby=heading.clone()>
                <h3 id=heading.clone()>"Offline requests"</h3>
                <ul class="requests">
                    <For each=requests key=|t| (t.id, t.version) let:ticket>
                        <OfflineRequest ticket now />
                    </For>
                </ul>
                <Show when=move || requests().is_empty()>
                    <p class="empty">"No messages left are waiting in this group."</p>
                </Show>
            </section>
        </Show>
    }
}

#[component]
fn OfflineRequest(ticket: Ticket, now: ReadSignal<i64>) -> impl IntoView {
    let console = expect_context::<Console>();
    let navigate = leptos_router::hooks::use_navigate();
    let (id, number, since) = (ticket.id, ticket.number.clone(), ticket.created_at_ms);
    let name = ticket.fields.contact_name.clone();
    let busy = RwSignal::new(false);
    let take = move |_| {
        busy.set(true);
        let navigate = navigate.clone();
        spawn_local(async move {
            match take_offline_request(id).await {
                Ok(taken) => navigate(&format!("/records/{}", taken.number), Default::default()),
                Err(err) => {
                    console.notice.set(Some(err.to_string()));
                    busy.set(false);
                }
            }
        });
    };
    view! {
        <li class="request offline-request">
            <div class="request-text">
                <p class="name">{name.clone()}</p>
                <p class="question">{ticket.fields.title.clone()}</p>
                <p class="meta">
                    <a href=format!("/records/{number}")>{number.clone()}</a>
                    " · left "
                    <span class="waited">{move || waited(since, now.get().max(since))}</span>
                    " ago"
                </p>
            </div>
            <button type="button" class="accept" aria-label=format!("Take offline request {number} from {name}")
                disabled=move || busy.get() on:click=take>
                "Take"
            </button>
        </li>
    }
}
