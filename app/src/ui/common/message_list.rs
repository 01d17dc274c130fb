use leptos::prelude::*;

use super::avatar::Avatar;
use crate::i18n::texts;
use crate::model::{Author, ChatMessage, EndUser};
use crate::ui::browser::clock_time;
use crate::ui::thread::{Pending, PendingStatus};

/// The transcript: time-stamped messages with their authors, then this side's unsent ones.
/// Text is always rendered as text, never as HTML.
#[component]
pub fn MessageList(
    #[prop(into)] messages: Signal<Vec<ChatMessage>>,
    #[prop(into)] outbox: Signal<Vec<Pending>>,
    #[prop(into)] end_user: Signal<EndUser>,
    /// The name to show on this side's pending messages.
    #[prop(into)]
    me: Signal<(String, Option<String>)>,
    on_resend: Callback<String>,
) -> impl IntoView {
    let t = texts();
    view! {
        // The log is a region of its own; a list cannot carry the role (axe: aria-allowed-role).
        <div class="messages" role="log" aria-live="polite" aria-label=t.get("conversation-label")>
        <ol class="message-items">
            <For each=move || messages.get() key=|m| m.id let:message>
                {
                    let (name, photo, side) = match &message.author {
                        Author::EndUser => {
                            let user = end_user.get_untracked();
                            (user.name, user.photo_url, "end-user")
                        }
                        Author::Agent(agent) => (agent.name.clone(), agent.photo_url.clone(), "agent"),
                        // The desk's own lines (joined, left, transferred): a centred note.
                        Author::Desk => {
                            return view! {
                                <li class="message desk" data-client-id=message.client_id.clone()>
                                    <p class="body">
                                        <time>{clock_time(message.at_ms)}</time>
                                        " "
                                        // In the reader's language where the desk kept what it said.
                                        {message.line.as_ref().map_or_else(|| message.body.clone(), |line| line.text(&texts()))}
                                    </p>
                                </li>
                            }
                            .into_any();
                        }
                    };
                    // A supervisor's whisper: only agents ever receive one (domain/audience.rs).
                    let whisper = message.whisper;
                    view! {
                        <li class=format!("message {side}") class:whisper=whisper data-client-id=message.client_id.clone()>
                            <Avatar name=name.clone() photo_url=photo />
                            <div class="bubble">
                                <p class="meta">
                                    <span class="author">{name}</span>
                                    " "
                                    {whisper.then(|| view! { <span class="whisper-mark">"Whisper, agents only"</span> " " })}
                                    <time>{clock_time(message.at_ms)}</time>
                                </p>
                                <p class="body">{message.body.clone()}</p>
                            </div>
                        </li>
                    }
                    .into_any()
                }
            </For>
            <For each=move || outbox.get() key=|p| (p.client_id.clone(), p.status.clone()) let:pending>
                {
                    let (name, photo) = me.get_untracked();
                    let client_id = pending.client_id.clone();
                    view! {
                        <li class="message mine pending" data-client-id=pending.client_id.clone()>
                            <Avatar name=name.clone() photo_url=photo />
                            <div class="bubble">
                                <p class="meta">
                                    <span class="author">{name}</span>
                                    " "
                                    {match pending.status.clone() {
                                        PendingStatus::Sending => view! { <span class="status">{texts().get("message-sending")}</span> }.into_any(),
                                        PendingStatus::Failed(reason) => view! {
                                            <span class="status failed" role="alert">{texts().fill("message-not-sent", &[("reason", &reason)])}</span>
                                            " "
                                            <button type="button" class="resend"
                                                aria-label=texts().get("message-resend-label")
                                                on:click=move |_| on_resend.run(client_id.clone())>
                                                {texts().get("message-resend")}
                                            </button>
                                        }.into_any(),
                                    }}
                                </p>
                                <p class="body">{pending.body.clone()}</p>
                            </div>
                        </li>
                    }
                }
            </For>
        </ol>
        </div>
    }
}
