//! Security headers and the operator's view: the console and log-on page cannot be framed,
//! the widget only by allowed sites, scripts need the page's nonce, and `/metrics` speaks the
//! Prometheus text format to whoever may read it.
mod common;

use common::*;

async fn get(server: &TestServer, path: &str) -> reqwest::Response {
    reqwest::get(format!("{}{path}", server.base_url())).await.unwrap()
}

fn header(response: &reqwest::Response, name: &str) -> String {
    response.headers().get(name).unwrap_or_else(|| panic!("no {name} on {}", response.url())).to_str().unwrap().to_string()
}

#[tokio::test]
async fn pages_carry_a_csp_whose_nonce_is_on_their_scripts_and_only_the_widget_may_be_framed() {
    let server = TestServer::start_with(&[("DESKCHAT_ALLOWED_ORIGINS", "https://intranet.example")]).await;
    for path in ["/console", "/login", "/", "/records"] {
        let page = get(&server, path).await;
        let csp = header(&page, "content-security-policy");
        assert!(csp.ends_with("frame-ancestors 'none'"), "{path}: {csp}");
        assert_eq!(header(&page, "x-frame-options"), "DENY");
        assert_eq!(header(&page, "x-content-type-options"), "nosniff");
        assert_eq!(header(&page, "referrer-policy"), "same-origin");
        let nonce = csp.split("'nonce-").nth(1).and_then(|rest| rest.split('\'').next()).expect("a script nonce").to_string();
        let html = page.text().await.unwrap();
        // Every inline script of the page carries it (the hydration script among them).
        let scripts = html.matches("<script").count();
        assert!(scripts > 0, "{path} has no script");
        assert_eq!(html.matches(&format!("nonce=\"{nonce}\"")).count(), scripts, "{path}: a script without the nonce:\n{html}");
    }
    let widget = get(&server, "/widget").await;
    let csp = header(&widget, "content-security-policy");
    assert!(csp.ends_with("frame-ancestors 'self' https://intranet.example"), "{csp}");
    assert!(widget.headers().get("x-frame-options").is_none());
    // A fresh nonce per response.
    assert_ne!(
        header(&get(&server, "/login").await, "content-security-policy"),
        header(&get(&server, "/login").await, "content-security-policy")
    );
    // API answers are not sniffed either.
    let api = reqwest::Client::new()
        .post(format!("{}/api/list_groups", server.base_url()))
        .json(&serde_json::json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(header(&api, "x-content-type-options"), "nosniff");
}

#[tokio::test]
async fn metrics_speak_the_prometheus_text_format() {
    let server = TestServer::start().await;
    start_chat(&server, "Network", "Count me").await;
    let carol = Agent::log_on(&server, CAROL).await;
    let (_console, _) = carol.listen(&server, 0).await;
    let text = get(&server, "/metrics").await.text().await.unwrap();
    for line in [
        "deskchat_sockets{kind=\"agent\"} 1",
        "deskchat_queue_length{group=\"Network\"} 1",
        "deskchat_queue_length{group=\"Hardware\"} 0",
        "# TYPE deskchat_write_seconds histogram",
        "# TYPE deskchat_events counter",
        "# EOF",
    ] {
        assert!(text.contains(line), "{line:?} missing from:\n{text}");
    }
    let events: f64 = text
        .lines()
        .find_map(|l| l.strip_prefix("deskchat_events_total "))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or_else(|| panic!("no event count in:\n{text}"));
    assert!(events >= 1.0, "the chat request's event was counted: {events}");
}

#[tokio::test]
async fn metrics_need_the_token_when_one_is_set() {
    let server = TestServer::start_with(&[("DESKCHAT_METRICS_TOKEN", "s3cret")]).await;
    let url = format!("{}/metrics", server.base_url());
    let http = reqwest::Client::new();
    assert_eq!(http.get(&url).send().await.unwrap().status(), StatusCode::FORBIDDEN);
    assert_eq!(http.get(&url).bearer_auth("wrong").send().await.unwrap().status(), StatusCode::FORBIDDEN);
    let ok = http.get(&url).bearer_auth("s3cret").send().await.unwrap();
    assert_eq!(ok.status(), StatusCode::OK);
    assert!(ok.text().await.unwrap().contains("deskchat_events_total"));
}

#[tokio::test]
async fn refusals_by_a_limit_are_counted() {
    let server = TestServer::start_with(&[("DESKCHAT_CHATS_PER_MINUTE", "1")]).await;
    let api = Api::new(&server);
    let form = chat_form(api.group_id("Network").await, "Twice");
    for _ in 0..3 {
        api.call("request_chat", serde_json::json!({ "form": form })).await;
    }
    let text = get(&server, "/metrics").await.text().await.unwrap();
    assert!(text.contains("deskchat_refused_total{kind=\"start_chat\"} 2"), "{text}");
}
