use leptos::prelude::*;
use leptos::task::spawn_local;

use super::actions::Console;
use crate::api::widget::list_groups;
use crate::domain::team;
use crate::model::{AssignmentGroup, ChatId, TransferTarget};

/// "Transfer this chat": per assignment group, its online agents, and its queue. Escape or
/// Close returns to the conversation.
#[component]
pub fn TransferDialog(chat_id: ChatId, on_close: Callback<()>) -> impl IntoView {
    let console = expect_context::<Console>();
    let groups = RwSignal::new(Vec::<AssignmentGroup>::new());
    Effect::new(move |_| {
        spawn_local(async move {
            match list_groups().await {
                Ok(options) => groups.set(options.into_iter().map(|o| o.group).collect()),
                Err(err) => console.notice.set(Some(err.to_string())),
            }
        })
    });
    let first = NodeRef::<leptos::html::Button>::new();
    Effect::new(move |_| {
        if let Some(button) = first.get() {
            let _ = button.focus();
        }
    });
    let hand_to = move |target: TransferTarget| {
        console.transfer(chat_id, target);
        on_close.run(());
    };
    view! {
        <div class="team-dialog" role="dialog" aria-labelledby="transfer-heading"
            on:keydown=move |ev| if ev.key() == "Escape" { on_close.run(()) }>
            <h3 id="transfer-heading">"Transfer this chat"</h3>
            <For each=move || groups.get() key=|g| g.id let:group>
                {
                    let heading = format!("transfer-group-{}", group.id);
                    let group_id = group.id;
                    let name = group.name.clone();
                    let agents = {
                        let group = group.clone();
                        move || console.model.with(|m| {
                            m.as_ref().map_or(Vec::new(), |m| team::transfer_choices(&m.team, &group, m.me()).into_iter().cloned().collect::<Vec<_>>())
                        })
                    };
                    view! {
                        <section aria-labelledby=heading.clone()>
                            <h4 id=heading.clone()>{group.name.clone()}</h4>
                            <ul>
                                <For each=agents key=|m| m.card.id let:member>
                                    {
                                        let agent_id = member.card.id;
                                        let label = format!("Transfer to {} ({})", member.card.name, name);
                                        view! {
                                            <li>
                                                <button type="button" on:click=move |_| hand_to(TransferTarget::Agent { agent_id, group_id })>
                                                    {label}
                                                </button>
                                            </li>
                                        }
                                    }
                                </For>
                                <li>
                                    <button type="button" on:click=move |_| hand_to(TransferTarget::Queue { group_id })>
                                        {format!("Back to the {} queue", group.name)}
                                    </button>
                                </li>
                            </ul>
                        </section>
                    }
                }
            </For>
            <button type="button" node_ref=first on:click=move |_| on_close.run(())>"Close"</button>
        </div>
    }
}
