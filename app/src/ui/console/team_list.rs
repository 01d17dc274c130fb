use leptos::prelude::*;

use super::actions::Console;

/// Every colleague and how they are now (online, away, offline), kept live by presence signals.
#[component]
pub fn TeamList() -> impl IntoView {
    let console = expect_context::<Console>();
    let team = move || console.model.with(|m| m.as_ref().map(|m| m.team.clone()).unwrap_or_default());
    view! {
        <section class="panel team" aria-labelledby="team-heading">
            <h2 id="team-heading">"Team"</h2>
            <ul class="team-list">
                <For each=team key=|m| (m.card.id, m.presence) let:member>
                    {
                        let groups = member.groups.iter().map(|g| g.name.as_str()).collect::<Vec<_>>().join(", ");
                        let presence = member.presence.label();
                        view! {
                            <li class=format!("member {}", presence.to_lowercase())>
                                <span class="dot" aria-hidden="true"></span>
                                <span class="name">{member.card.name.clone()}</span>
                                " "
                                <span class="presence">{presence}</span>
                                <span class="groups">{groups}</span>
                            </li>
                        }
                    }
                </For>
            </ul>
        </section>
    }
}
