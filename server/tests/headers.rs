//! Security headers and the operator's view: the console and log-on page cannot be framed,
//! the widget only by allowed sites, scripts need the page's nonce, and `/metrics` speaks the
//! Prometheus text format to whoever may read it.
mod common;

use common::*;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};

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

/// Asserts the headers every answer carries (a page's, an API call's or a refusal's).
fn assert_security_headers(headers: &HeaderMap, what: &str) {
    let header = |name: &str| headers.get(name).unwrap_or_else(|| panic!("{what}: no {name}")).to_str().unwrap().to_string();
    let csp = header("content-security-policy");
    assert!(csp.contains("script-src 'self' 'nonce-") && csp.ends_with("frame-ancestors 'none'"), "{what}: {csp}");
    assert_eq!(header("x-frame-options"), "DENY", "{what}");
    assert_eq!(header("x-content-type-options"), "nosniff", "{what}");
    assert_eq!(header("referrer-policy"), "same-origin", "{what}");
}

/// Sends only the head of a request (its body announced, never sent) and reads the answer's
/// status line and headers: a refusal by its head alone, with no race against an upload the
/// server need not read.
async fn head_only(server: &TestServer, head: &str) -> (u16, HeaderMap) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(("127.0.0.1", server.port)).await.unwrap();
    stream.write_all(head.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    let mut buf = [0u8; 4096];
    while !answer.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = tokio::time::timeout(WAIT, stream.read(&mut buf)).await.expect("an answer in time").unwrap();
        assert!(n > 0, "closed before the head: {}", String::from_utf8_lossy(&answer));
        answer.extend_from_slice(&buf[..n]);
    }
    let text = String::from_utf8_lossy(&answer);
    let mut lines = text.split("\r\n");
    let status = lines.next().unwrap().split(' ').nth(1).unwrap().parse().unwrap();
    let mut headers = HeaderMap::new();
    for line in lines.take_while(|l| !l.is_empty()) {
        let (name, value) = line.split_once(':').unwrap();
        headers.append(HeaderName::from_bytes(name.trim().as_bytes()).unwrap(), HeaderValue::from_str(value.trim()).unwrap());
    }
    (status, headers)
}

/// Issue 15, finding 8: the layers in front of the server functions (Origin guard, body
/// limit, content type) answered without the security headers.
#[tokio::test]
async fn refusals_by_the_outer_layers_carry_the_security_headers_too() {
    let server = TestServer::start().await;
    let http = reqwest::Client::new();
    let api = |name: &str| format!("{}/api/{name}", server.base_url());
    let refusals = [
        (
            "cross-site",
            http.post(api("list_groups")).header("origin", "https://evil.example").json(&serde_json::json!({})),
            StatusCode::FORBIDDEN,
        ),
        (
            "not JSON",
            http.post(api("list_groups")).header("content-type", "text/plain").body("{}"),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
        ),
        ("no such function", http.post(api("no_such_function")).json(&serde_json::json!({})), StatusCode::NOT_FOUND),
        ("GET", http.get(api("list_groups")), StatusCode::METHOD_NOT_ALLOWED),
    ];
    for (what, request, status) in refusals {
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), status, "{what}");
        assert_security_headers(response.headers(), what);
    }
    // Too large, by its announced length (the body is never sent).
    let head = format!(
        "POST /api/list_groups HTTP/1.1\r\nhost: {}\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n",
        server.origin().trim_start_matches("http://"),
        300 * 1024
    );
    let (status, headers) = head_only(&server, &head).await;
    assert_eq!(status, 413, "too large");
    assert_security_headers(&headers, "too large");
    let metrics_refused = TestServer::start_with(&[("DESKCHAT_METRICS_TOKEN", "s3cret")]).await;
    let response = get(&metrics_refused, "/metrics").await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert_security_headers(response.headers(), "/metrics without the token");
}

/// Issue 15, finding 8: behind a proxy on this host every peer is loopback; without a token
/// `/metrics` must still answer only clients on this machine, by the address the proxy gives.
#[tokio::test]
async fn behind_a_trusted_proxy_metrics_answer_only_clients_on_this_machine() {
    let server = TestServer::start_with(&[("DESKCHAT_TRUST_FORWARDED_FOR", "true")]).await;
    let url = format!("{}/metrics", server.base_url());
    let http = reqwest::Client::new();
    let from_outside = http.get(&url).header("x-forwarded-for", "203.0.113.9").send().await.unwrap();
    assert_eq!(from_outside.status(), StatusCode::FORBIDDEN);
    // A client cannot pass for loopback: the proxy's own entry (the last) counts.
    let claimed = http.get(&url).header("x-forwarded-for", "127.0.0.1, 203.0.113.9").send().await.unwrap();
    assert_eq!(claimed.status(), StatusCode::FORBIDDEN);
    for local in [http.get(&url), http.get(&url).header("x-forwarded-for", "127.0.0.1")] {
        assert_eq!(local.send().await.unwrap().status(), StatusCode::OK);
    }
}

/// One sample of the Prometheus text format: name, labels, value. Panics on anything the format
/// does not allow (an unescaped quote, an unknown escape, a line that does not end right).
fn parse_sample(line: &str) -> (String, Vec<(String, String)>, String) {
    let name_end = line.find(['{', ' ']).unwrap_or_else(|| panic!("not a sample: {line:?}"));
    let (name, mut rest) = line.split_at(name_end);
    let mut labels = Vec::new();
    if let Some(after) = rest.strip_prefix('{') {
        rest = after;
        loop {
            let (key, after) = rest.split_once("=\"").unwrap_or_else(|| panic!("no label value in {line:?}"));
            assert!(key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'), "bad label name {key:?} in {line:?}");
            let mut value = String::new();
            let mut chars = after.char_indices();
            let end = loop {
                match chars.next() {
                    Some((_, '\\')) => match chars.next() {
                        Some((_, '\\')) => value.push('\\'),
                        Some((_, '"')) => value.push('"'),
                        Some((_, 'n')) => value.push('\n'),
                        other => panic!("bad escape {other:?} in {line:?}"),
                    },
                    Some((i, '"')) => break i,
                    Some((_, c)) => value.push(c),
                    None => panic!("unterminated label value in {line:?}"),
                }
            };
            labels.push((key.to_string(), value));
            rest = &after[end + 1..];
            if let Some(after) = rest.strip_prefix(',') {
                rest = after;
            } else {
                rest = rest.strip_prefix('}').unwrap_or_else(|| panic!("labels do not end in {line:?}"));
                break;
            }
        }
    }
    let value = rest.strip_prefix(' ').unwrap_or_else(|| panic!("no value in {line:?}"));
    assert!(value.parse::<f64>().is_ok(), "not a number: {value:?} in {line:?}");
    (name.to_string(), labels, value.to_string())
}

/// Issue 15, finding 8: a group's name went into the scrape as it was, so a quote broke the
/// whole scrape or forged labels. Every sample must parse, the name come back whole, and no
/// series appear that the desk does not have.
#[tokio::test]
async fn a_group_name_neither_breaks_the_metrics_nor_forges_labels() {
    let server = TestServer::start().await;
    let admin = Agent::log_on(&server, ADMIN).await;
    let name = r#"Ops \"East\" \ x",forged="1"#;
    let _: AssignmentGroup = admin.api.call("admin_create_group", serde_json::json!({ "name": name })).await.ok();
    start_chat(&server, name, "Waiting in the oddly named group").await;

    let text = get(&server, "/metrics").await.text().await.unwrap();
    let samples: Vec<_> = text.lines().filter(|l| !l.starts_with('#') && !l.is_empty()).map(parse_sample).collect();
    let mut queues: Vec<(Vec<(String, String)>, String)> =
        samples.iter().filter(|(n, ..)| n == "deskchat_queue_length").map(|(_, l, v)| (l.clone(), v.clone())).collect();
    queues.sort();
    let group = |g: &str, v: &str| (vec![("group".to_string(), g.to_string())], v.to_string());
    let mut expected = vec![group("Hardware", "0"), group("Network", "0"), group(name, "1"), group("Service Desk", "0")];
    expected.sort();
    assert_eq!(queues, expected, "{text}");
    assert!(samples.iter().all(|(n, ..)| n.starts_with("deskchat_")), "{text}");
    assert!(samples.iter().all(|(_, labels, _)| labels.iter().all(|(k, _)| k != "forged")), "{text}");
}
