use leptos::prelude::*;

use crate::domain::access::Staff;

/// Who a page of the navigation is for.
#[derive(Clone, Copy, PartialEq, Eq)]
enum For {
    Agents,
    Supervisors,
    Admins,
}

/// Every agent page; the monitor and reports for supervisors, the admin's pages for admins.
const PAGES: [(&str, &str, For); 10] = [
    ("/console", "Console", For::Agents),
    ("/records", "Records", For::Agents),
    ("/canned", "Canned messages", For::Agents),
    ("/monitor", "Monitor", For::Supervisors),
    ("/reports", "Reports", For::Supervisors),
    ("/admin/agents", "Agents", For::Admins),
    ("/admin/groups", "Groups", For::Admins),
    ("/admin/audit", "Audit log", For::Admins),
    ("/admin/settings", "Settings", For::Admins),
    ("/admin/outbox", "Outbox", For::Admins),
];

/// The links between the agent pages; the current one says so (`aria-current="page"`).
#[component]
pub fn DeskNav(current: &'static str, #[prop(into)] staff: Signal<Option<Staff>>) -> impl IntoView {
    view! {
        <nav aria-label="Desk" class="desk-nav">
            <ul>
                {PAGES
                    .into_iter()
                    .map(|(href, label, audience)| {
                        let here = (href == current).then_some("page");
                        let shown = move || {
                            staff.with(|s| match (audience, s) {
                                (For::Agents, _) => true,
                                (_, None) => false,
                                (For::Supervisors, Some(s)) => s.is_supervisor(),
                                (For::Admins, Some(s)) => s.admin,
                            })
                        };
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
