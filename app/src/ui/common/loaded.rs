use leptos::prelude::*;
use leptos_router::components::Redirect;
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::model::ApiError;

/// What a page loads before it can show anything: `loading` while it comes, the log-on page
/// when there is no session (or it ended), the error in words when loading failed, otherwise
/// `children` with what was loaded.
#[component]
pub fn Loaded<T, V, C>(resource: Resource<Result<T, ApiError>>, #[prop(into)] loading: String, children: C) -> impl IntoView
where
    T: Clone + Send + Sync + Serialize + DeserializeOwned + 'static,
    V: IntoView + 'static,
    C: Fn(T) -> V + Send + Sync + 'static,
{
    let children = StoredValue::new(children);
    view! {
        <Suspense fallback=move || view! { <p class="loading">{loading.clone()}</p> }>
            {move || Suspend::new(async move {
                match resource.await {
                    Ok(data) => children.with_value(|show| show(data)).into_any(),
                    Err(ApiError::NotSignedIn) => view! { <Redirect path="/login" /> }.into_any(),
                    Err(err) => view! { <p class="error" role="alert">{err.to_string()}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}
