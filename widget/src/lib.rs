#![recursion_limit = "512"]
//! The end user's browser entry point: hydrates the widget page alone (`app::WidgetApp`), so
//! the console's code is not in this WASM.

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(app::WidgetApp);
    // Lets tests (and curious people) tell that the page is interactive now.
    if let Some(body) = leptos::prelude::document().body() {
        let _ = body.set_attribute("data-hydrated", "true");
    }
}
