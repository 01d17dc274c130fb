use leptos::prelude::*;
use leptos_meta::{provide_meta_context, HashedStylesheet, MetaTags, Title};
use leptos_router::components::{Route, Router, Routes};
#[cfg(feature = "console-chunks")]
use leptos_router::lazy_route;
use leptos_router::{path, Lazy, LazyRoute, SsrMode};

use super::admin::agents_page::AgentsPage;
use super::admin::audit_log_page::AuditLogPage;
use super::admin::groups_page::GroupsPage;
use super::admin::outbox_page::OutboxPage;
use super::admin::settings_page::SettingsPage;
use super::canned::canned_page::CannedPage;
use super::console::console_page::ConsolePage;
use super::home::HomePage;
use super::login::LoginPage;
use super::monitor::monitor_page::MonitorPage;
use super::records::record_page::RecordPage;
use super::records::records_page::RecordsPage;
use super::reports::reports_page::ReportsPage;
use super::widget::widget_page::WidgetPage;

/// The page around the app. The widget page, when its own WASM was built (crate `widget`),
/// loads that instead of the whole app's: end users do not download the console.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    use_request_nonce();
    let texts = page_texts();
    provide_context(texts.clone());
    // The page's texts, for the browser (`i18n::texts`): JSON that cannot end the element.
    let texts_json = serde_json::to_string(&texts.page_table()).unwrap_or_default().replace('<', "\\u003c");
    let widget_scripts = widget_bundle(&options).filter(|_| requested_path().as_deref() == Some("/widget"));
    let (body, title) = match widget_scripts.is_some() {
        // The widget's own bundle sets no title of its own: the page's is written here.
        true => (view! { <WidgetApp /> }.into_any(), Some(view! { <title>"Deskchat"</title> })),
        false => (view! { <App /> }.into_any(), None),
    };
    let scripts = widget_scripts.unwrap_or_else(|| options.clone());
    let styles = scripts.clone();
    view! {
        <!DOCTYPE html>
        <html lang=texts.lang().to_string()>
            <head>
                <meta charset="utf-8" />
                <script type="application/json" id=crate::i18n::TEXTS_ELEMENT nonce=leptos::nonce::use_nonce() inner_html=texts_json></script>
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <meta name="description" content=texts.get("page-description") />
                <link rel="icon" href="/favicon.svg" type="image/svg+xml" />
                {title}
                <AutoReload options=options.clone() />
                // The stylesheet's name carries its hash when cargo-leptos hashed the assets; the
                // widget's bundle has its own (style/widget.css), the agents' pages main.css.
                <HashedStylesheet id="leptos" options=styles />
                <HydrationScripts options=scripts />
                <MetaTags />
            </head>
            <body>{body}</body>
        </html>
    }
}

fn not_found() -> impl IntoView {
    view! { <main class="page"><h1>"Page not found"</h1><a href="/" rel="external">"Deskchat home"</a></main> }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    view! {
        <Title text="Deskchat" />
        <Router>
            <Routes fallback=not_found>
                <Route path=path!("/") view=HomePage />
                <Route path=path!("/login") view=LoginPage />
                // Async: the console's first paint already holds the agent's queue and chats.
                <Route path=path!("/console") view=ConsolePage ssr=SsrMode::Async />
                <Route path=path!("/widget") view=WidgetPage />
                <Route path=path!("/records") view={Lazy::<RecordsRoute>::new()} />
                <Route path=path!("/records/:number") view={Lazy::<RecordRoute>::new()} />
                <Route path=path!("/admin/settings") view={Lazy::<SettingsRoute>::new()} />
                <Route path=path!("/admin/agents") view={Lazy::<AgentsRoute>::new()} />
                <Route path=path!("/admin/groups") view={Lazy::<GroupsRoute>::new()} />
                <Route path=path!("/admin/audit") view={Lazy::<AuditLogRoute>::new()} />
                <Route path=path!("/admin/outbox") view={Lazy::<OutboxRoute>::new()} />
                <Route path=path!("/canned") view={Lazy::<CannedRoute>::new()} />
                <Route path=path!("/monitor") view={Lazy::<MonitorRoute>::new()} />
                <Route path=path!("/reports") view={Lazy::<ReportsRoute>::new()} />
            </Routes>
        </Router>
    }
}

// The pages an agent opens now and then are WASM chunks of their own in the console's WASM
// (`cargo leptos --split`, feature `console-chunks`), loaded when first opened, so the
// console's first load carries only the console (README, "Bytes"). Their data loads after
// their code; each chunk is fetched once and then cached. Only there: a split point is an
// export, so in the widget's WASM it would keep these pages alive though nothing routes there.
macro_rules! occasional_page {
    ($route:ident, $page:ident) => {
        struct $route;

        #[cfg(feature = "console-chunks")]
        #[lazy_route]
        impl LazyRoute for $route {
            fn data() -> Self {
                Self
            }
            fn view(this: Self) -> AnyView {
                let _ = this;
                view! { <$page /> }.into_any()
            }
        }

        #[cfg(not(feature = "console-chunks"))]
        impl LazyRoute for $route {
            fn data() -> Self {
                Self
            }
            async fn view(this: Self) -> AnyView {
                let _ = this;
                view! { <$page /> }.into_any()
            }
        }
    };
}

occasional_page!(RecordsRoute, RecordsPage);
occasional_page!(RecordRoute, RecordPage);
occasional_page!(CannedRoute, CannedPage);
occasional_page!(SettingsRoute, SettingsPage);
occasional_page!(AgentsRoute, AgentsPage);
occasional_page!(GroupsRoute, GroupsPage);
occasional_page!(AuditLogRoute, AuditLogPage);
occasional_page!(OutboxRoute, OutboxPage);
occasional_page!(MonitorRoute, MonitorPage);
occasional_page!(ReportsRoute, ReportsPage);

/// The widget page alone, built the same way as `App` so either hydrates it: what the `widget`
/// crate's WASM holds.
#[component]
pub fn WidgetApp() -> impl IntoView {
    // One page, so no router: its code is a good part of a small WASM. The form reads
    // `?group=` from the address itself (browser::query_param). No `leptos_meta` either: its
    // title is the shell's, and the end user's first download is smaller without it.
    view! { <WidgetPage /> }
}

/// The file of cargo-leptos's hashes for the widget's WASM, next to the server binary.
#[cfg(feature = "ssr")]
const WIDGET_HASH_FILE: &str = "widget-hash.txt";

/// The options that load the widget's own WASM, if it was built (looked up once).
#[cfg(feature = "ssr")]
fn widget_bundle(options: &LeptosOptions) -> Option<LeptosOptions> {
    static FOUND: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    let found = *FOUND.get_or_init(|| {
        let pkg = std::path::Path::new(&*options.site_root).join(&*options.site_pkg_dir);
        let wasm = std::fs::read_dir(pkg).into_iter().flatten().flatten().any(|entry| {
            let name = entry.file_name().to_string_lossy().into_owned();
            name.starts_with("widget.") && name.ends_with(".wasm")
        });
        let hashes = std::env::current_exe().ok().map(|exe| exe.with_file_name(WIDGET_HASH_FILE));
        wasm && (!options.hash_files || hashes.is_some_and(|h| h.exists()))
    });
    found.then(|| {
        let mut widget = options.clone();
        widget.output_name = "widget".into();
        widget.hash_file = WIDGET_HASH_FILE.into();
        widget
    })
}

#[cfg(not(feature = "ssr"))]
fn widget_bundle(_: &LeptosOptions) -> Option<LeptosOptions> {
    None
}

#[cfg(feature = "ssr")]
fn page_texts() -> crate::i18n::Texts {
    crate::i18n::catalog::for_request()
}

#[cfg(not(feature = "ssr"))]
fn page_texts() -> crate::i18n::Texts {
    crate::i18n::texts()
}

#[cfg(feature = "ssr")]
fn requested_path() -> Option<String> {
    use_context::<axum::http::request::Parts>().map(|parts| parts.uri.path().to_string())
}

#[cfg(not(feature = "ssr"))]
fn requested_path() -> Option<String> {
    None
}

/// The hydration scripts carry the nonce the response's Content-Security-Policy allows
/// (ssr/headers.rs made both), in place of the one Leptos would make up.
#[cfg(feature = "ssr")]
fn use_request_nonce() {
    let nonce = use_context::<axum::http::request::Parts>()
        .and_then(|parts| parts.extensions.get::<crate::ssr::headers::CspNonce>().map(|n| n.0.clone()));
    if let Some(nonce) = nonce {
        provide_context(leptos::nonce::Nonce::from_value(nonce));
    }
}

#[cfg(not(feature = "ssr"))]
fn use_request_nonce() {}
