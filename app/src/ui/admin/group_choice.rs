use leptos::prelude::*;

use crate::model::{AssignmentGroup, GroupId};

/// The assignment groups as checkboxes in a fieldset named `legend` ("Groups" an agent is a
/// member of, the groups they "Supervise"): which ones are `chosen`.
#[component]
pub fn GroupChoice(
    id_prefix: String,
    #[prop(default = "Groups")] legend: &'static str,
    groups: Vec<AssignmentGroup>,
    chosen: RwSignal<Vec<GroupId>>,
) -> impl IntoView {
    let kind = legend.to_lowercase();
    view! {
        <fieldset class="group-choice">
            <legend>{legend}</legend>
            {groups.is_empty().then(|| view! { <p class="empty">"No groups yet: create one on the Groups page."</p> })}
            {groups
                .into_iter()
                .map(|group| {
                    let id = format!("{id_prefix}-{kind}-{}", group.id);
                    let gid = group.id;
                    view! {
                        <span class="choice">
                            <input type="checkbox" id=id.clone() prop:checked=move || chosen.with(|c| c.contains(&gid))
                                on:change=move |ev| {
                                    let on = event_target_checked(&ev);
                                    chosen.update(|c| {
                                        c.retain(|g| *g != gid);
                                        if on {
                                            c.push(gid);
                                        }
                                    });
                                } />
                            <label for=id>{group.name}</label>
                        </span>
                    }
                })
                .collect_view()}
        </fieldset>
    }
}
