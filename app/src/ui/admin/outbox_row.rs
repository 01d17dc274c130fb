use leptos::prelude::*;

use crate::domain::outbox::may_send_again;
use crate::domain::records::utc_timestamp;
use crate::model::*;

/// One outbox entry: when, to whom, what, its state and tries, and the next try or why it
/// failed; *Send again* where the outbox gave up (`outbox::may_send_again`).
#[component]
pub fn OutboxRow(entry: OutboxEntry, on_send_again: Callback<i64>) -> impl IntoView {
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
    let again = may_send_again(entry.state).then(|| {
        let (id, label) = (entry.id, format!("Send again: {} to {}", entry.subject, entry.recipient));
        view! { <button type="button" aria-label=label on:click=move |_| on_send_again.run(id)>"Send again"</button> }
    });
    view! {
        <tr>
            <td>{utc_timestamp(entry.created_at_ms)}</td>
            <td>{entry.recipient}</td>
            <td>{entry.subject}</td>
            <td>{entry.chat_number}</td>
            <td class=format!("state {}", entry.state.as_str())>{state_label(entry.state)}</td>
            <td>{entry.attempts}</td>
            <td>{details}" "{again}</td>
        </tr>
    }
}

fn state_label(state: OutboxState) -> &'static str {
    match state {
        OutboxState::Queued => "Queued",
        OutboxState::Sent => "Sent",
        OutboxState::Failed => "Failed",
    }
}
