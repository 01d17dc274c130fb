//! Every answer under `/api/` that is an error is an `ApiError` (JSON), whoever gave it: the
//! server functions themselves (`api::ctx::answer`, and `ApiError::from_server_fn_error` for
//! arguments that do not decode), and the layers in front of them, which answer in plain text:
//! the body limit (413), the same-origin guard (403), the router (404, 405). The browser decodes
//! every error as an `ApiError`, and other clients read one shape.
//!
//! A call whose body is not declared JSON is refused before it is read (415): every server
//! function takes JSON, and a cross-site form can only send `text/plain` or form encodings.

use axum::body::Body;
use axum::extract::Request;
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::error::{ApiError, MAX_REQUEST_BYTES};

/// The axum middleware (`middleware::from_fn`), outside the body limit and the Origin guard.
pub async fn api_answers(request: Request, next: Next) -> Response {
    if !request.uri().path().starts_with("/api/") {
        return next.run(request).await;
    }
    if request.method() == Method::POST && !is_json(request.headers()) {
        let error = ApiError::Request("Send the arguments as a JSON object (Content-Type: application/json).".into());
        return answer(StatusCode::UNSUPPORTED_MEDIA_TYPE, &error);
    }
    let response = next.run(request).await;
    let status = response.status();
    if !(status.is_client_error() || status.is_server_error()) || is_json(response.headers()) {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let text = axum::body::to_bytes(body, 16 * 1024).await.map(|b| String::from_utf8_lossy(&b).trim().to_string());
    let (status, error) = in_words(status, &text.unwrap_or_default());
    parts.status = status;
    parts.headers.remove(header::CONTENT_LENGTH);
    parts.headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    Response::from_parts(parts, Body::from(serde_json::to_vec(&error).unwrap_or_default()))
}

/// The `ApiError` (and status) for a plain-text error answer.
pub fn in_words(status: StatusCode, text: &str) -> (StatusCode, ApiError) {
    match status {
        StatusCode::PAYLOAD_TOO_LARGE => (status, ApiError::TooLarge { max_bytes: MAX_REQUEST_BYTES }),
        StatusCode::METHOD_NOT_ALLOWED => (status, ApiError::Request("Server functions are called with POST.".into())),
        // leptos_axum answers an unknown server function with 400 and a page of advice.
        _ if text.starts_with("Could not find a server function") || status == StatusCode::NOT_FOUND => {
            (StatusCode::NOT_FOUND, ApiError::Request("There is no such server function.".into()))
        }
        _ if text.is_empty() => (status, ApiError::Request(status.canonical_reason().unwrap_or("Refused.").to_string())),
        _ => (status, ApiError::Request(text.to_string())),
    }
}

fn answer(status: StatusCode, error: &ApiError) -> Response {
    (status, [(header::CONTENT_TYPE, "application/json")], serde_json::to_vec(error).unwrap_or_default()).into_response()
}

fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|mime| mime.trim().eq_ignore_ascii_case("application/json"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_refusals_become_api_errors() {
        assert_eq!(in_words(StatusCode::PAYLOAD_TOO_LARGE, "length limit exceeded").1, ApiError::TooLarge { max_bytes: 262_144 });
        assert_eq!(
            in_words(StatusCode::FORBIDDEN, "Cross-site requests are not allowed."),
            (StatusCode::FORBIDDEN, ApiError::Request("Cross-site requests are not allowed.".into()))
        );
        assert_eq!(
            in_words(StatusCode::BAD_REQUEST, "Could not find a server function at the route /api/x.").0,
            StatusCode::NOT_FOUND
        );
        assert_eq!(in_words(StatusCode::TOO_MANY_REQUESTS, "").1, ApiError::Request("Too Many Requests".into()));
    }

    #[test]
    fn json_is_json_whatever_its_parameters() {
        let with = |value: &str| {
            let mut headers = HeaderMap::new();
            headers.insert(header::CONTENT_TYPE, HeaderValue::from_str(value).unwrap());
            is_json(&headers)
        };
        assert!(with("application/json"));
        assert!(with("Application/JSON; charset=utf-8"));
        assert!(!with("text/plain"));
        assert!(!with("application/x-www-form-urlencoded"));
        assert!(!is_json(&HeaderMap::new()));
    }
}
