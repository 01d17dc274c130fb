use leptos::prelude::*;

use crate::model::*;

/// The report's scope: first and last day, the groups (of those the supervisor supervises) and
/// one agent or all. *Show report* hands the query to `on_show`.
#[component]
pub fn ReportForm(
    /// The query last shown (its days and groups filled in).
    shown: ReportQuery,
    /// The groups the supervisor may choose from.
    groups: Vec<AssignmentGroup>,
    /// The agents who handled chats in the groups (to narrow to one).
    agents: Vec<AgentCard>,
    on_show: Callback<ReportQuery>,
) -> impl IntoView {
    let from = RwSignal::new(shown.from.clone());
    let to = RwSignal::new(shown.to.clone());
    let chosen = RwSignal::new(shown.groups.clone());
    let agent = RwSignal::new(shown.agents.first().map(|a| a.to_string()).unwrap_or_default());
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let agents = agent.get_untracked().parse::<AgentId>().map(|a| vec![a]).unwrap_or_default();
        on_show.run(ReportQuery { from: from.get_untracked(), to: to.get_untracked(), groups: chosen.get_untracked(), agents });
    };
    view! {
        <form class="report-form" aria-label="Report" on:submit=submit>
            <label>"First day" <input type="date" required prop:value=from on:input=move |ev| from.set(event_target_value(&ev)) /></label>
            <label>"Last day" <input type="date" required prop:value=to on:input=move |ev| to.set(event_target_value(&ev)) /></label>
            <fieldset>
                <legend>"Groups"</legend>
                {groups
                    .into_iter()
                    .map(|g| {
                        let id = g.id;
                        view! {
                            <label>
                                <input
                                    type="checkbox"
                                    prop:checked=move || chosen.with(|c| c.contains(&id))
                                    on:change=move |ev| {
                                        let on = event_target_checked(&ev);
                                        chosen.update(|c| {
                                            c.retain(|g| *g != id);
                                            if on {
                                                c.push(id);
                                            }
                                        });
                                    }
                                />
                                {g.name}
                            </label>
                        }
                    })
                    .collect_view()}
            </fieldset>
            <label>
                "Agent"
                <select prop:value=agent on:change=move |ev| agent.set(event_target_value(&ev))>
                    <option value="">"All agents"</option>
                    {agents.into_iter().map(|a| view! { <option value=a.id.to_string()>{a.name}</option> }).collect_view()}
                </select>
            </label>
            <button type="submit">"Show report"</button>
        </form>
    }
}
