use leptos::prelude::*;
use leptos::task::spawn_local;

use super::outbox_row::OutboxRow;
use crate::api::admin::{admin_outbox, admin_send_again};
use crate::domain::outbox::{FIRST_RETRY_MS, LONGEST_RETRY_MS, MAX_ATTEMPTS};
use crate::model::*;
use crate::ui::common::loaded::Loaded;
use crate::ui::shell::agent_header::AgentHeader;

/// `/admin/outbox`: the mail the desk sent, is sending or gave up on (transcripts to end
/// users), newest first, with each one's tries and the last failure's reason.
#[component]
pub fn OutboxPage() -> impl IntoView {
    let loaded = Resource::new(|| (), |_| admin_outbox());
    view! {
        <main class="admin-page outbox-page">
            <AgentHeader current="/admin/outbox" />
            <h1>"Outbox"</h1>
            <p>{format!(
                "Mail the desk owes is kept here until it is sent: a failed try is tried again, waiting twice as long each time \
                 (from {} seconds up to {} minutes), {} tries at most.",
                FIRST_RETRY_MS / 1000,
                LONGEST_RETRY_MS / 60_000,
                MAX_ATTEMPTS,
            )}</p>
            <Loaded resource=loaded loading="Loading the outbox…" let:entries>
                <OutboxTable entries />
            </Loaded>
        </main>
    }
}

#[component]
fn OutboxTable(entries: Vec<OutboxEntry>) -> impl IntoView {
    if entries.is_empty() {
        return view! { <p class="empty">"Nothing was sent yet."</p> }.into_any();
    }
    let entries = RwSignal::new(entries);
    let status = RwSignal::new(None::<String>);
    let error = RwSignal::new(None::<String>);
    let send_again = move |id: i64| {
        status.set(None);
        error.set(None);
        spawn_local(async move {
            match admin_send_again(id).await {
                Ok(entry) => {
                    status.set(Some(format!("Queued again: “{}” to {} is tried now.", entry.subject, entry.recipient)));
                    entries.update(|list| {
                        if let Some(row) = list.iter_mut().find(|e| e.id == entry.id) {
                            *row = entry;
                        }
                    });
                }
                Err(err) => error.set(Some(err.to_string())),
            }
        });
    };
    view! {
        <p class="saved" role="status">{move || status.get()}</p>
        <p class="error" role="alert">{move || error.get()}</p>
        <table class="outbox">
            <caption>"Mail, newest first"</caption>
            <thead>
                <tr>
                    <th scope="col">"Queued (UTC)"</th><th scope="col">"To"</th><th scope="col">"Subject"</th>
                    <th scope="col">"Chat"</th><th scope="col">"State"</th><th scope="col">"Tries"</th><th scope="col">"Details"</th>
                </tr>
            </thead>
            <tbody>
                <For each=move || entries.get() key=|e| (e.id, e.state, e.attempts) let:entry>
                    <OutboxRow entry on_send_again=Callback::new(send_again) />
                </For>
            </tbody>
        </table>
    }
    .into_any()
}
