use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api::admin::admin_create_group;
use crate::domain::admin;
use crate::model::*;

/// Creates an assignment group; a refused name stays in the box with the reason.
#[component]
pub fn NewGroupForm(on_created: Callback<AssignmentGroup>) -> impl IntoView {
    let name = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let new = name.get_untracked();
        if let Err(why) = admin::group_name(&new, &[], None) {
            error.set(Some(why));
            return;
        }
        spawn_local(async move {
            match admin_create_group(new).await {
                Ok(group) => {
                    error.set(None);
                    name.set(String::new());
                    on_created.run(group);
                }
                Err(err) => error.set(Some(err.to_string())),
            }
        });
    };
    view! {
        <form class="group-form" on:submit=save aria-labelledby="new-group-heading">
            <h2 id="new-group-heading">"New group"</h2>
            <label for="new-group-name">"Group name"</label>
            <input id="new-group-name" type="text" prop:value=move || name.get() on:input=move |ev| name.set(event_target_value(&ev)) />
            <button type="submit">"Create group"</button>
            <p class="error" role="alert">{move || error.get()}</p>
        </form>
    }
}
