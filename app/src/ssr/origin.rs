//! Cross-site request checks for WebSocket upgrades and state-changing requests.
//! A browser always sends `Origin` on those; it must be this server itself or an origin the
//! operator allowed (`--allowed-origin`). Clients that send none (curl, tests) carry no
//! victim's cookies, so they are let through.

use axum::http::{header, HeaderMap};

pub fn origin_allowed(headers: &HeaderMap, allowed: &[String]) -> bool {
    let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else {
        return true;
    };
    if allowed.iter().any(|a| a.eq_ignore_ascii_case(origin)) {
        return true;
    }
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok());
    let origin_host = origin.split_once("://").map(|(_, rest)| rest.trim_end_matches('/'));
    matches!((origin_host, host), (Some(o), Some(h)) if o.eq_ignore_ascii_case(h))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(origin: Option<&str>, host: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(header::HOST, host.parse().unwrap());
        if let Some(o) = origin {
            h.insert(header::ORIGIN, o.parse().unwrap());
        }
        h
    }

    #[test]
    fn same_origin_and_allowed_origins_pass_others_fail() {
        assert!(origin_allowed(&headers(Some("http://127.0.0.1:3000"), "127.0.0.1:3000"), &[]));
        assert!(origin_allowed(&headers(None, "127.0.0.1:3000"), &[]));
        assert!(!origin_allowed(&headers(Some("https://evil.example"), "127.0.0.1:3000"), &[]));
        assert!(!origin_allowed(&headers(Some("null"), "127.0.0.1:3000"), &[]));
        let allowed = vec!["https://intranet.example".to_string()];
        assert!(origin_allowed(&headers(Some("https://intranet.example"), "desk:3000"), &allowed));
    }
}
