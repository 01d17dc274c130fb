//! Security headers on every response. The Content-Security-Policy allows scripts only from
//! this server plus the page's own inline hydration script (by a fresh nonce per response,
//! which `shell` hands to Leptos), images only from this server (an end user's photo URL on
//! another host is not loaded by agents' browsers: it could learn their addresses or make them
//! call the intranet), connections only to this server. Only the widget may be framed, and only
//! by this server's pages and the sites allowed with `--allowed-origin`; the console and the
//! log-on page never.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{header, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;
use rand::RngCore;

/// The nonce of this response's inline scripts (a request extension).
#[derive(Clone, Debug)]
pub struct CspNonce(pub String);

#[derive(Clone, Debug)]
pub struct HeaderPolicy {
    /// `frame-ancestors` sources of the widget page.
    widget_framers: String,
}

impl HeaderPolicy {
    /// `allowed_origins`: the sites that embed the widget (and may call the API).
    pub fn new(allowed_origins: &[String]) -> HeaderPolicy {
        let mut framers = String::from("'self'");
        // Anything that is not a plain origin could smuggle another directive: left out.
        for origin in allowed_origins.iter().map(|o| o.trim()) {
            let plain = origin.starts_with("http") && origin.contains("://") && !origin.contains([';', ',', ' ', '\'', '"']);
            if plain {
                framers.push(' ');
                framers.push_str(origin);
            }
        }
        HeaderPolicy { widget_framers: framers }
    }

    pub fn content_security_policy(&self, path: &str, nonce: &str) -> String {
        let framers = if is_widget(path) { self.widget_framers.as_str() } else { "'none'" };
        format!(
            "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; \
             style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; \
             media-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; \
             frame-ancestors {framers}"
        )
    }
}

fn is_widget(path: &str) -> bool {
    path == "/widget" || path == "/widget/"
}

fn new_nonce() -> String {
    let mut bytes = [0u8; 16];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// Adds the headers; the nonce goes into the request for the page's renderer.
pub async fn security_headers(State(policy): State<Arc<HeaderPolicy>>, mut request: Request, next: Next) -> Response {
    let nonce = new_nonce();
    let path = request.uri().path().to_string();
    request.extensions_mut().insert(CspNonce(nonce.clone()));
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    if let Ok(csp) = HeaderValue::from_str(&policy.content_security_policy(&path, &nonce)) {
        headers.insert(header::CONTENT_SECURITY_POLICY, csp);
    }
    if !is_widget(&path) {
        // For browsers that predate frame-ancestors.
        headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    }
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_widget_may_be_framed_and_only_by_allowed_sites() {
        let policy = HeaderPolicy::new(&["https://intranet.example".into(), "https://x.example; script-src *".into()]);
        let widget = policy.content_security_policy("/widget", "abc");
        assert!(widget.ends_with("frame-ancestors 'self' https://intranet.example"), "{widget}");
        assert!(!widget.contains("script-src *"), "a list entry cannot add a directive: {widget}");
        for page in ["/console", "/login", "/", "/admin/agents"] {
            assert!(policy.content_security_policy(page, "abc").ends_with("frame-ancestors 'none'"), "{page}");
        }
    }

    #[test]
    fn scripts_need_the_nonce_and_images_stay_on_this_server() {
        let csp = HeaderPolicy::new(&[]).content_security_policy("/console", "n0nce");
        let script_src = csp.split(';').find(|d| d.trim().starts_with("script-src")).unwrap();
        assert_eq!(script_src.trim(), "script-src 'self' 'nonce-n0nce' 'wasm-unsafe-eval'");
        assert!(csp.contains("img-src 'self' data:;") && csp.contains("connect-src 'self';"), "{csp}");
        assert_ne!(new_nonce(), new_nonce());
    }
}
