use leptos::prelude::*;

use super::group_form::NewGroupForm;
use super::group_row::GroupRow;
use crate::api::admin::{admin_group_settings, admin_list_agents, admin_list_groups};
use crate::model::*;
use crate::ui::common::loaded::Loaded;
use crate::ui::shell::agent_header::AgentHeader;

/// `/admin/groups`: the assignment groups with how many active agents each has, Rename, and a
/// form for a new one. Memberships are changed on the agents page.
#[component]
pub fn GroupsPage() -> impl IntoView {
    let loaded = Resource::new(
        || (),
        |_| async { Ok::<_, ApiError>((admin_list_groups().await?, admin_list_agents().await?, admin_group_settings().await?)) },
    );
    view! {
        <main class="admin-page groups-page">
            <AgentHeader current="/admin/groups" />
            <h1>"Assignment groups"</h1>
            <Loaded resource=loaded loading="Loading groups…" let:loaded>
                <GroupsAdmin groups=loaded.0 agents=loaded.1 settings=loaded.2 />
            </Loaded>
        </main>
    }
}

#[component]
fn GroupsAdmin(groups: Vec<AssignmentGroup>, agents: Vec<AgentEntry>, settings: Vec<(GroupId, GroupSettings)>) -> impl IntoView {
    let settings_of = move |id: GroupId| settings.iter().find(|(g, _)| *g == id).map(|(_, s)| s.clone()).unwrap_or_default();
    let list = RwSignal::new(groups);
    let status = RwSignal::new(None::<String>);
    let members = move |id: GroupId| agents.iter().filter(|a| a.active && a.groups.iter().any(|g| g.id == id)).count();
    let put = move |group: AssignmentGroup| {
        list.update(|l| {
            l.retain(|g| g.id != group.id);
            let at = l.partition_point(|g| g.name < group.name);
            l.insert(at, group);
        })
    };
    let on_renamed = Callback::new(move |(group, what): (AssignmentGroup, String)| {
        put(group);
        status.set(Some(what));
    });
    let on_status = Callback::new(move |what: String| status.set(Some(what)));
    let on_created = Callback::new(move |group: AssignmentGroup| {
        status.set(Some(format!("Created {}. Add agents to it on the Agents page.", group.name)));
        put(group);
    });
    view! {
        <p class="saved" role="status">{move || status.get()}</p>
        <ul class="group-list" aria-label="Assignment groups">
            <For each=move || list.get() key=|g| (g.id, g.name.clone()) let:group>
                <GroupRow members=members(group.id) settings=settings_of(group.id) group on_renamed on_status />
            </For>
        </ul>
        <NewGroupForm on_created />
    }
}
