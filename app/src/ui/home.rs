use leptos::prelude::*;

#[component]
pub fn HomePage() -> impl IntoView {
    view! {
        <main class="page home">
            <h1>"Deskchat"</h1>
            <p>"Live chat for the service desk."</p>
            <ul class="home-links">
                <li><a href="/widget">"Chat with the service desk"</a>" (end users)"</li>
                <li><a href="/console">"Agent console"</a>" (service desk agents)"</li>
            </ul>
        </main>
    }
}
