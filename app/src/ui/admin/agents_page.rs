use leptos::prelude::*;

use super::agent_form::NewAgentForm;
use super::agent_row::AgentRow;
use crate::api::admin::{admin_list_agents, admin_list_groups};
use crate::model::*;
use crate::ui::common::loaded::Loaded;
use crate::ui::shell::agent_header::AgentHeader;

/// `/admin/agents`: every agent with their groups and status, what an admin may change of
/// each, and a form for a new one.
#[component]
pub fn AgentsPage() -> impl IntoView {
    let loaded = Resource::new(|| (), |_| async { Ok::<_, ApiError>((admin_list_agents().await?, admin_list_groups().await?)) });
    view! {
        <main class="admin-page agents-page">
            <AgentHeader current="/admin/agents" />
            <h1>"Agents"</h1>
            <Loaded resource=loaded loading="Loading agents…" let:loaded>
                <AgentsAdmin agents=loaded.0 groups=loaded.1 />
            </Loaded>
        </main>
    }
}

#[component]
fn AgentsAdmin(agents: Vec<AgentEntry>, groups: Vec<AssignmentGroup>) -> impl IntoView {
    let list = RwSignal::new(agents);
    let status = RwSignal::new(None::<String>);
    let put = move |entry: AgentEntry| {
        list.update(|l| {
            l.retain(|a| a.id != entry.id);
            let at = l.partition_point(|a| (&a.name, a.id) < (&entry.name, entry.id));
            l.insert(at, entry);
        })
    };
    let on_changed = Callback::new(move |(entry, what): (AgentEntry, String)| {
        put(entry);
        status.set(Some(what));
    });
    let on_created = Callback::new(move |entry: AgentEntry| {
        status.set(Some(format!("Created {} ({}). They can log on now.", entry.name, entry.email)));
        put(entry);
    });
    let row_groups = groups.clone();
    view! {
        <p class="saved" role="status">{move || status.get()}</p>
        <ul class="agent-list" aria-label="Agents">
            <For each=move || list.get() key=|a| format!("{a:?}") let:agent>
                <AgentRow agent groups=row_groups.clone() on_changed />
            </For>
        </ul>
        <NewAgentForm groups on_created />
    }
}
