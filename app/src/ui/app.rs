use leptos::prelude::*;
use leptos_meta::{provide_meta_context, HashedStylesheet, MetaTags, Title};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::{path, SsrMode};

use super::admin::settings_page::SettingsPage;
use super::canned::canned_page::CannedPage;
use super::console::console_page::ConsolePage;
use super::home::HomePage;
use super::login::LoginPage;
use super::records::record_page::RecordPage;
use super::records::records_page::RecordsPage;
use super::widget::widget_page::WidgetPage;

pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <AutoReload options=options.clone() />
                // The stylesheet's name carries its hash when cargo-leptos hashed the assets.
                <HashedStylesheet id="leptos" options=options.clone() />
                <HydrationScripts options />
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    view! {
        <Title text="Deskchat" />
        <Router>
            <Routes fallback=|| view! { <main class="page"><h1>"Page not found"</h1><a href="/">"Deskchat home"</a></main> }>
                <Route path=path!("/") view=HomePage />
                <Route path=path!("/login") view=LoginPage />
                // Async: the console's first paint already holds the agent's queue and chats.
                <Route path=path!("/console") view=ConsolePage ssr=SsrMode::Async />
                <Route path=path!("/widget") view=WidgetPage />
                <Route path=path!("/records") view=RecordsPage />
                <Route path=path!("/records/:number") view=RecordPage />
                <Route path=path!("/admin/settings") view=SettingsPage />
                <Route path=path!("/canned") view=CannedPage />
            </Routes>
        </Router>
    }
}
