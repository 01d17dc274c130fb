use leptos::prelude::*;

use crate::model::Role;

/// Every agent page; the admin's pages only for admins.
const PAGES: [(&str, &str, bool); 8] = [
    ("/console", "Console", false),
    ("/records", "Records", false),
    ("/canned", "Canned messages", false),
    ("/admin/agents", "Agents", true),
    ("/admin/groups", "Groups", true),
    ("/admin/audit", "Audit log", true),
    ("/admin/settings", "Settings", true),
    ("/admin/outbox", "Outbox", true),
];

/// The links between the agent pages; the current one says so (`aria-current="page"`).
#[component]
pub fn DeskNav(current: &'static str, #[prop(into)] role: Signal<Option<Role>>) -> impl IntoView {
    view! {
        <nav aria-label="Desk" class="desk-nav">
            <ul>
                {PAGES
                    .into_iter()
                    .map(|(href, label, admin_only)| {
                        let here = (href == current).then_some("page");
                        let shown = move || !admin_only || role.get() == Some(Role::Admin);
                        view! {
                            <Show when=shown>
                                <li><a href=href aria-current=here>{label}</a></li>
                            </Show>
                        }
                    })
                    .collect_view()}
            </ul>
        </nav>
    }
}
