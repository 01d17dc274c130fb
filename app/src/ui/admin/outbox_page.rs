use leptos::prelude::*;

use crate::api::admin::admin_outbox;
use crate::domain::records::utc_timestamp;
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
            <p>"Mail the desk owes is kept here until it is sent: a failed try is tried again, waiting twice as long each time (30 seconds, then 1, 2, 4 … minutes), 8 tries at most."</p>
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
    view! {
        <table class="outbox">
            <caption>"Mail, newest first"</caption>
            <thead>
                <tr>
                    <th scope="col">"Queued (UTC)"</th><th scope="col">"To"</th><th scope="col">"Subject"</th>
                    <th scope="col">"Chat"</th><th scope="col">"State"</th><th scope="col">"Tries"</th><th scope="col">"Details"</th>
                </tr>
            </thead>
            <tbody>
                {entries.into_iter().map(|entry| {
                    let details = match entry.state {
                        OutboxState::Sent => entry.sent_at_ms.map(|at| format!("Sent {}", utc_timestamp(at))).unwrap_or_default(),
                        OutboxState::Queued => {
                            let next = entry.next_attempt_at_ms.map(|at| format!("Next try {}", utc_timestamp(at))).unwrap_or_default();
                            match &entry.last_error {
                                Some(error) => format!("{next}. Last try: {error}"),
                                None => next,
                            }
                        }
                        OutboxState::Failed => entry.last_error.clone().unwrap_or_default(),
                    };
                    view! {
                        <tr>
                            <td>{utc_timestamp(entry.created_at_ms)}</td>
                            <td>{entry.recipient}</td>
                            <td>{entry.subject}</td>
                            <td>{entry.chat_number}</td>
                            <td class=format!("state {}", entry.state.as_str())>{state_label(entry.state)}</td>
                            <td>{entry.attempts}</td>
                            <td>{details}</td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
    }
    .into_any()
}

fn state_label(state: OutboxState) -> &'static str {
    match state {
        OutboxState::Queued => "Queued",
        OutboxState::Sent => "Sent",
        OutboxState::Failed => "Failed",
    }
}
