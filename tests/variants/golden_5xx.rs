//! One golden test per 5xx variant.

use std::time::Duration;

use axum::http::StatusCode;
use axum_api_error::{ApiError, DEFAULT_RETRY_AFTER};
use serde_json::json;

use crate::support::{assert_headers, problem, send};

#[tokio::test]
async fn internal() {
    fn make() -> ApiError {
        ApiError::internal("connection refused")
    }
    let sent = send(make()).await;
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
}

#[tokio::test]
async fn not_implemented() {
    let sent = send(ApiError::not_implemented()).await;
    assert_eq!(sent.status, StatusCode::NOT_IMPLEMENTED);
    assert_headers(&sent.headers, &[]);
    assert_eq!(
        sent.body,
        json!({
            "error": "Not Implemented",
            "message": "This operation is not implemented.",
            "code": "NOT_IMPLEMENTED",
        })
    );
    assert_eq!(
        problem(&ApiError::not_implemented()),
        json!({
            "type": "about:blank",
            "title": "Not Implemented",
            "status": 501,
            "detail": "This operation is not implemented.",
            "code": "NOT_IMPLEMENTED",
            "requestId": "req-1",
        })
    );
}

#[tokio::test]
async fn bad_gateway() {
    let sent = send(ApiError::bad_gateway()).await;
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
        problem(&ApiError::bad_gateway()),
        json!({
            "type": "about:blank",
            "title": "Bad Gateway",
            "status": 502,
            "detail": "An upstream service returned an invalid response.",
            "code": "BAD_GATEWAY",
            "requestId": "req-1",
        })
    );
}

/// A 503 that names no delay sends the default `Retry-After: 60`; its body must say
/// the same `retryAfter`, or a client reading the body is told nothing.
#[tokio::test]
async fn service_unavailable_default_retry_after() {
    assert_eq!(DEFAULT_RETRY_AFTER.as_secs(), 60);
    let sent = send(ApiError::service_unavailable()).await;
    assert_eq!(sent.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_headers(&sent.headers, &[("retry-after", "60")]);
    assert_eq!(
        sent.body,
        json!({
            "error": "Service Unavailable",
            "message": "The service is temporarily unavailable. Try again later.",
            "code": "SERVICE_UNAVAILABLE",
            "retryAfter": 60,
        })
    );
    assert_eq!(
        problem(&ApiError::service_unavailable()),
        json!({
            "type": "about:blank",
            "title": "Service Unavailable",
            "status": 503,
            "detail": "The service is temporarily unavailable. Try again later.",
            "code": "SERVICE_UNAVAILABLE",
            "requestId": "req-1",
            "retryAfter": 60,
        })
    );
}

#[tokio::test]
async fn service_unavailable_explicit_retry_after() {
    fn make() -> ApiError {
        ApiError::service_unavailable().with_retry_after(Duration::from_secs(120))
    }
    let sent = send(make()).await;
    assert_eq!(sent.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_headers(&sent.headers, &[("retry-after", "120")]);
    assert_eq!(
        sent.body,
        json!({
            "error": "Service Unavailable",
            "message": "The service is temporarily unavailable. Try again later.",
            "code": "SERVICE_UNAVAILABLE",
            "retryAfter": 120,
        })
    );
    assert_eq!(
        problem(&make()),
        json!({
            "type": "about:blank",
            "title": "Service Unavailable",
            "status": 503,
            "detail": "The service is temporarily unavailable. Try again later.",
            "code": "SERVICE_UNAVAILABLE",
            "requestId": "req-1",
            "retryAfter": 120,
        })
    );
}

#[tokio::test]
async fn gateway_timeout() {
    let sent = send(ApiError::gateway_timeout()).await;
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
        problem(&ApiError::gateway_timeout()),
        json!({
            "type": "about:blank",
            "title": "Gateway Timeout",
            "status": 504,
            "detail": "An upstream service did not respond in time.",
            "code": "GATEWAY_TIMEOUT",
            "requestId": "req-1",
        })
    );
}
