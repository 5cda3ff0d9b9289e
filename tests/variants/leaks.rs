//! Leaks: a 5xx body never carries its source, nor does a 4xx carry its cause.

use std::{error::Error as StdError, fmt, time::Duration};

use axum::http::StatusCode;
use axum_api_error::{wire::ErrorFormat, ApiError};
use serde_json::json;

use crate::support::{assert_headers, assert_no_leak, problem, send, Sent, SECRET};

/// A source whose Display, Debug and source chain all carry secrets and file paths.
#[derive(thiserror::Error)]
#[error("query failed at /srv/app/src/db/pool.rs:42 with {SECRET}")]
struct LeakyDbError {
    #[source]
    inner: LeakyInner,
}

impl fmt::Debug for LeakyDbError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "LeakyDbError {{ dsn: \"postgres://admin:SECRET-DEBUG-DSN@db\" }}"
        )
    }
}

#[derive(Debug, thiserror::Error)]
#[error("auth failed for password {SECRET} ({})", file!())]
struct LeakyInner;

/// Only Debug leaks: Display is harmless.
struct DebugLeak;

impl fmt::Debug for DebugLeak {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("DebugLeak { token: \"SECRET-DEBUG-TOKEN\" }")
    }
}

impl fmt::Display for DebugLeak {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("upstream refused")
    }
}

impl StdError for DebugLeak {}

/// Sends `err` and checks that neither the response (headers, body) nor the problem
/// form carries anything of the source; returns what was sent.
async fn send_without_leak(make: fn() -> ApiError) -> Sent {
    let problem_bytes = make().to_bytes(ErrorFormat::Problem, Some("req-1"));
    assert_no_leak("problem body", std::str::from_utf8(&problem_bytes).unwrap());
    let json_bytes = make().to_bytes(ErrorFormat::Json, Some("req-1"));
    assert_no_leak("json body", std::str::from_utf8(&json_bytes).unwrap());
    let sent = send(make()).await;
    assert_no_leak("response body", &sent.body.to_string());
    assert_no_leak("response headers", &format!("{:?}", sent.headers));
    sent
}

#[tokio::test]
async fn internal_never_sends_its_source() {
    fn make() -> ApiError {
        ApiError::internal(SECRET)
    }
    let sent = send_without_leak(make).await;
    assert_eq!(sent.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_headers(&sent.headers, &[]);
    assert_eq!(
        sent.body,
        json!({
            "error": "Internal Server Error",
            "message": "An internal error occurred.",
            "code": "INTERNAL_ERROR",
        })
    );
    assert_eq!(
        problem(&make()),
        json!({
            "type": "about:blank",
            "title": "Internal Server Error",
            "status": 500,
            "detail": "An internal error occurred.",
            "code": "INTERNAL_ERROR",
            "requestId": "req-1",
        })
    );
    // The logs still reach it: through std::error::Error::source, and through the
    // Arc<ApiError> the response carries.
    let err = make();
    assert_eq!(StdError::source(&err).unwrap().to_string(), SECRET);
    assert_eq!(StdError::source(&*sent.error).unwrap().to_string(), SECRET);
    assert_eq!(sent.error.to_string(), "internal error");
}

#[tokio::test]
async fn internal_never_sends_a_nested_source_chain_or_debug() {
    fn make() -> ApiError {
        ApiError::internal(LeakyDbError { inner: LeakyInner })
    }
    let sent = send_without_leak(make).await;
    assert_eq!(sent.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_headers(&sent.headers, &[]);
    assert_eq!(
        sent.body,
        json!({
            "error": "Internal Server Error",
            "message": "An internal error occurred.",
            "code": "INTERNAL_ERROR",
        })
    );
    assert_eq!(
        problem(&make()),
        json!({
            "type": "about:blank",
            "title": "Internal Server Error",
            "status": 500,
            "detail": "An internal error occurred.",
            "code": "INTERNAL_ERROR",
            "requestId": "req-1",
        })
    );
    // The whole chain is there for the logs, typed.
    let source = StdError::source(&*sent.error).expect("the source is kept");
    assert!(source.is::<LeakyDbError>());
    assert_eq!(
        source.to_string(),
        format!("query failed at /srv/app/src/db/pool.rs:42 with {SECRET}")
    );
    let inner = source.source().expect("the nested source is kept");
    assert!(inner.is::<LeakyInner>());
    assert!(inner.to_string().contains(SECRET));
    assert!(inner.source().is_none());
    // Debug (for the logs) does show what the source's Debug prints.
    assert!(format!("{:?}", sent.error).contains("SECRET-DEBUG-DSN"));
}

#[tokio::test]
async fn gateway_errors_never_send_what_caused_them() {
    fn bad_gateway() -> ApiError {
        ApiError::bad_gateway().with_source(DebugLeak)
    }
    fn service_unavailable() -> ApiError {
        ApiError::service_unavailable()
            .with_retry_after(Duration::from_secs(10))
            .with_source(LeakyDbError { inner: LeakyInner })
    }
    fn gateway_timeout() -> ApiError {
        ApiError::gateway_timeout().with_source(format!("upstream refused: {SECRET}"))
    }

    let sent = send_without_leak(bad_gateway).await;
    assert_eq!(sent.status, StatusCode::BAD_GATEWAY);
    assert_headers(&sent.headers, &[]);
    assert_eq!(
        sent.body,
        json!({
            "error": "Bad Gateway",
            "message": "An upstream service returned an invalid response.",
            "code": "BAD_GATEWAY",
        })
    );
    assert_eq!(
        problem(&bad_gateway()),
        json!({
            "type": "about:blank",
            "title": "Bad Gateway",
            "status": 502,
            "detail": "An upstream service returned an invalid response.",
            "code": "BAD_GATEWAY",
            "requestId": "req-1",
        })
    );
    let source = StdError::source(&*sent.error).unwrap();
    assert!(source.is::<DebugLeak>());
    assert_eq!(
        format!("{source:?}"),
        "DebugLeak { token: \"SECRET-DEBUG-TOKEN\" }"
    );

    let sent = send_without_leak(service_unavailable).await;
    assert_eq!(sent.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_headers(&sent.headers, &[("retry-after", "10")]);
    assert_eq!(
        sent.body,
        json!({
            "error": "Service Unavailable",
            "message": "The service is temporarily unavailable. Try again later.",
            "code": "SERVICE_UNAVAILABLE",
            "retryAfter": 10,
        })
    );
    assert_eq!(
        problem(&service_unavailable()),
        json!({
            "type": "about:blank",
            "title": "Service Unavailable",
            "status": 503,
            "detail": "The service is temporarily unavailable. Try again later.",
            "code": "SERVICE_UNAVAILABLE",
            "requestId": "req-1",
            "retryAfter": 10,
        })
    );
    let source = StdError::source(&*sent.error).unwrap();
    assert!(source.is::<LeakyDbError>());
    assert!(source.source().unwrap().to_string().contains(SECRET));

    let sent = send_without_leak(gateway_timeout).await;
    assert_eq!(sent.status, StatusCode::GATEWAY_TIMEOUT);
    assert_headers(&sent.headers, &[]);
    assert_eq!(
        sent.body,
        json!({
            "error": "Gateway Timeout",
            "message": "An upstream service did not respond in time.",
            "code": "GATEWAY_TIMEOUT",
        })
    );
    assert_eq!(
        problem(&gateway_timeout()),
        json!({
            "type": "about:blank",
            "title": "Gateway Timeout",
            "status": 504,
            "detail": "An upstream service did not respond in time.",
            "code": "GATEWAY_TIMEOUT",
            "requestId": "req-1",
        })
    );
    assert_eq!(
        StdError::source(&*sent.error).unwrap().to_string(),
        format!("upstream refused: {SECRET}")
    );
}

#[tokio::test]
async fn client_errors_never_send_their_cause_either() {
    fn make() -> ApiError {
        ApiError::conflict("A user with this email already exists.")
            .add_field("email")
            .with_source(LeakyDbError { inner: LeakyInner })
    }
    let sent = send_without_leak(make).await;
    assert_eq!(sent.status, StatusCode::CONFLICT);
    assert_headers(&sent.headers, &[]);
    assert_eq!(
        sent.body,
        json!({
            "error": "Conflict",
            "message": "A user with this email already exists.",
            "code": "CONFLICT",
            "details": [{
                "field": "email",
                "message": "A user with this email already exists.",
                "code": "CONFLICT",
            }],
        })
    );
    assert_eq!(
        problem(&make()),
        json!({
            "type": "about:blank",
            "title": "Conflict",
            "status": 409,
            "detail": "A user with this email already exists.",
            "code": "CONFLICT",
            "requestId": "req-1",
            "errors": [{
                "field": "email",
                "message": "A user with this email already exists.",
                "code": "CONFLICT",
            }],
        })
    );
    assert!(StdError::source(&*sent.error).unwrap().is::<LeakyDbError>());
}
