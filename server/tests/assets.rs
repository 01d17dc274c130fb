//! Static assets go out precompressed when the build made a `.br`/`.gz` twin, with cache
//! headers that match whether their names are hashed.
mod common;

use common::*;

#[tokio::test]
async fn assets_are_sent_precompressed_with_cache_headers() {
    let server = TestServer::start().await;
    let pkg = server.data_dir().join("pkg");
    std::fs::create_dir_all(&pkg).unwrap();
    std::fs::write(pkg.join("app.js"), "console.log('plain');").unwrap();
    std::fs::write(pkg.join("app.js.br"), b"brotli bytes").unwrap();
    std::fs::write(pkg.join("app.js.gz"), b"gzip bytes").unwrap();
    let http = reqwest::Client::new();
    let get =
        |encoding: &'static str| http.get(format!("{}/pkg/app.js", server.base_url())).header("accept-encoding", encoding).send();

    let br = get("br, gzip").await.unwrap();
    assert_eq!(br.headers()["content-encoding"], "br");
    // The same rule as the server's: names are hashed when cargo-leptos left hashes beside it.
    let hashed = std::path::Path::new(env!("CARGO_BIN_EXE_deskchat")).with_file_name("hash.txt").exists();
    let expected = if hashed { "public, max-age=31536000, immutable" } else { "no-cache" };
    assert_eq!(br.headers()["cache-control"], expected);
    assert_eq!(br.bytes().await.unwrap().as_ref(), b"brotli bytes");

    let gz = get("gzip").await.unwrap();
    assert_eq!(gz.headers()["content-encoding"], "gzip");
    assert_eq!(gz.bytes().await.unwrap().as_ref(), b"gzip bytes");

    let plain = get("identity").await.unwrap();
    assert!(plain.headers().get("content-encoding").is_none());
    assert_eq!(plain.text().await.unwrap(), "console.log('plain');");

    // Pages are not cached as assets.
    let page = http.get(format!("{}/widget", server.base_url())).send().await.unwrap();
    let page_cache = page.headers().get("cache-control").map(|v| v.to_str().unwrap().to_string());
    assert!(!page_cache.unwrap_or_default().contains("immutable"), "a page must never be cached for good");
}

/// The widget may be framed by Deskchat's own pages and the allowed sites only (the embed
/// snippet's hosts); the snippet itself keeps its name, so browsers revalidate it.
#[tokio::test]
async fn only_allowed_sites_may_frame_the_widget_and_the_embed_snippet_is_revalidated() {
    let server =
        TestServer::start_with(&[("DESKCHAT_ALLOWED_ORIGINS", "https://intranet.example.com,https://shop.example.com")]).await;
    std::fs::write(server.data_dir().join("embed.js"), "/* snippet */").unwrap();
    let http = reqwest::Client::new();
    let widget = http.get(format!("{}/widget", server.base_url())).send().await.unwrap();
    let csp = widget.headers()["content-security-policy"].to_str().unwrap();
    assert!(csp.ends_with("; frame-ancestors 'self' https://intranet.example.com https://shop.example.com"), "{csp}");
    let snippet = http.get(format!("{}/embed.js", server.base_url())).send().await.unwrap();
    assert!(snippet.status().is_success());
    assert_eq!(snippet.headers()["cache-control"], "no-cache");

    let alone = TestServer::start().await;
    let widget = http.get(format!("{}/widget", alone.base_url())).send().await.unwrap();
    let csp = widget.headers()["content-security-policy"].to_str().unwrap();
    assert!(csp.ends_with("; frame-ancestors 'self'"), "{csp}");
}

/// Lighthouse's best practices and SEO (issue 18): every page names an icon that is there and
/// describes itself.
#[tokio::test]
async fn every_page_names_its_icon_and_describes_itself() {
    let server = TestServer::start().await;
    let http = reqwest::Client::new();
    for path in ["/widget", "/login", "/widget?lang=de"] {
        let html = http.get(format!("{}{path}", server.base_url())).send().await.unwrap().text().await.unwrap();
        assert!(html.contains(r#"rel="icon" href="/favicon.svg""#), "{path}");
        let described = html.contains(r#"<meta name="description" content="Live chat with the service desk"#)
            || html.contains(r#"<meta name="description" content="Live-Chat mit dem Service Desk"#);
        assert!(described, "{path}");
    }
    let icon = http.get(format!("{}/favicon.svg", server.base_url())).send().await.unwrap();
    assert_eq!(icon.status(), 200);
    assert_eq!(icon.headers()["content-type"], "image/svg+xml");
    assert!(icon.text().await.unwrap().starts_with("<svg"));
}
