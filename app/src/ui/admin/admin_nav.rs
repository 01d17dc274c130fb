use leptos::prelude::*;

/// The links between the admin pages (and back to the console); the current one is marked.
#[component]
pub fn AdminNav(current: &'static str) -> impl IntoView {
    let links = [
        ("/console", "Console"),
        ("/records", "Records"),
        ("/admin/agents", "Agents"),
        ("/admin/groups", "Groups"),
        ("/admin/audit", "Audit log"),
        ("/admin/settings", "Settings"),
    ];
    view! {
        <nav aria-label="Admin" class="admin-nav">
            {links
                .into_iter()
                .map(|(href, label)| {
                    let here = (href == current).then_some("page");
                    view! { <a href=href aria-current=here>{label}</a>" " }
                })
                .collect_view()}
        </nav>
    }
}
