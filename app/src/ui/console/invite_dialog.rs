use leptos::prelude::*;

use super::actions::Console;
use crate::domain::team;
use crate::model::ChatId;

/// "Invite other agents": the online agents (of any group) not in the chat yet. Escape or
/// Close returns to the conversation.
#[component]
pub fn InviteDialog(chat_id: ChatId, on_close: Callback<()>) -> impl IntoView {
    let console = expect_context::<Console>();
    let choices = move || {
        console.model.with(|m| {
            let Some(m) = m.as_ref() else { return Vec::new() };
            let Some(chat) = m.chat(chat_id) else { return Vec::new() };
            team::invitable(&m.team, &chat.transcript.request).into_iter().cloned().collect::<Vec<_>>()
        })
    };
    let first = NodeRef::<leptos::html::Button>::new();
    Effect::new(move |_| {
        if let Some(button) = first.get() {
            let _ = button.focus();
        }
    });
    view! {
        <div class="team-dialog" role="dialog" aria-labelledby="invite-heading"
            on:keydown=move |ev| if ev.key() == "Escape" { on_close.run(()) }>
            <h3 id="invite-heading">"Invite other agents"</h3>
            <Show when=move || !choices().is_empty()
                fallback=|| view! { <p>"Nobody else is online right now."</p> }>
                <ul>
                    <For each=choices key=|m| m.card.id let:member>
                        {
                            let card = member.card.clone();
                            let groups = member.groups.iter().map(|g| g.name.as_str()).collect::<Vec<_>>().join(", ");
                            view! {
                                <li>
                                    <button type="button" on:click=move |_| { console.invite(chat_id, card.clone()); on_close.run(()); }>
                                        {format!("Invite {}", member.card.name)}
                                    </button>
                                    " "<span class="groups">{groups}</span>
                                </li>
                            }
                        }
                    </For>
                </ul>
            </Show>
            <button type="button" node_ref=first on:click=move |_| on_close.run(())>"Close"</button>
        </div>
    }
}
