use leptos::prelude::*;

use super::actions::Console;

/// Invitations into colleagues' chats: who invites, whom the chat is with, Join or Dismiss.
#[component]
pub fn Invitations() -> impl IntoView {
    let console = expect_context::<Console>();
    let invitations = move || console.model.with(|m| m.as_ref().map(|m| m.invitations.clone()).unwrap_or_default());
    view! {
        <Show when=move || !invitations().is_empty()>
            <section class="panel invitations" aria-labelledby="invitations-heading">
                <h2 id="invitations-heading">"Invitations"</h2>
                <ul>
                    <For each=invitations key=|i| i.request.id let:invitation>
                        {
                            let r = invitation.request.clone();
                            let chat_id = r.id;
                            view! {
                                <li class="invitation">
                                    <p>{format!("{} invites you into {} with {} ({})", invitation.by.name, r.number, r.end_user.name, r.group.name)}</p>
                                    <p class="question">{r.question.clone()}</p>
                                    <button type="button" aria-label=format!("Join {} with {}", r.number, r.end_user.name)
                                        on:click=move |_| console.join(chat_id)>"Join"</button>
                                    " "
                                    <button type="button" aria-label=format!("Dismiss the invitation into {}", r.number)
                                        on:click=move |_| console.dismiss_invitation(chat_id)>"Dismiss"</button>
                                </li>
                            }
                        }
                    </For>
                </ul>
            </section>
        </Show>
    }
}
