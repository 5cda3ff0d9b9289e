//! One golden test per 5xx variant.

use std::time::Duration;

use axum::http::StatusCode;
use axum_api_error::{layer::DEFAULT_RETRY_AFTER, ApiError};
use serde_json::json;

use crate::support::{assert_golden, Golden};

#[tokio::test]
async fn internal() {
    assert_golden(Golden {
        make: || ApiError::internal("connection refused"),
        status: StatusCode::INTERNAL_SERVER_ERROR,
        headers: &[],
        json: json!({
            "error": "Internal Server Error",
            "message": "An internal error occurred.",
            "code": "INTERNAL_ERROR",
        }),
        problem: json!({
            "type": "about:blank",
            "title": "Internal Server Error",
            "status": 500,
            "detail": "An internal error occurred.",
            "code": "INTERNAL_ERROR",
            "requestId": "req-1",
        }),
    })
    .await;
}

#[tokio::test]
async fn not_implemented() {
    assert_golden(Golden {
        make: ApiError::not_implemented,
        status: StatusCode::NOT_IMPLEMENTED,
        headers: &[],
        json: json!({
            "error": "Not Implemented",
            "message": "This operation is not implemented.",
            "code": "NOT_IMPLEMENTED",
        }),
        problem: json!({
            "type": "about:blank",
            "title": "Not Implemented",
            "status": 501,
            "detail": "This operation is not implemented.",
            "code": "NOT_IMPLEMENTED",
            "requestId": "req-1",
        }),
    })
    .await;
}

#[tokio::test]
async fn bad_gateway() {
    assert_golden(Golden {
        make: ApiError::bad_gateway,
        status: StatusCode::BAD_GATEWAY,
        headers: &[],
        json: json!({
            "error": "Bad Gateway",
            "message": "An upstream service returned an invalid response.",
            "code": "BAD_GATEWAY",
        }),
        problem: json!({
            "type": "about:blank",
            "title": "Bad Gateway",
            "status": 502,
            "detail": "An upstream service returned an invalid response.",
            "code": "BAD_GATEWAY",
            "requestId": "req-1",
        }),
    })
    .await;
}

/// A 503 that names no delay sends the default `Retry-After: 60`; its body must say
/// the same `retryAfter`, or a client reading the body is told nothing.
#[tokio::test]
async fn service_unavailable_default_retry_after() {
    assert_eq!(DEFAULT_RETRY_AFTER.as_secs(), 60);
    assert_golden(Golden {
        make: ApiError::service_unavailable,
        status: StatusCode::SERVICE_UNAVAILABLE,
        headers: &[("retry-after", "60")],
        json: json!({
            "error": "Service Unavailable",
            "message": "The service is temporarily unavailable. Try again later.",
            "code": "SERVICE_UNAVAILABLE",
            "retryAfter": 60,
        }),
        problem: json!({
            "type": "about:blank",
            "title": "Service Unavailable",
            "status": 503,
            "detail": "The service is temporarily unavailable. Try again later.",
            "code": "SERVICE_UNAVAILABLE",
            "requestId": "req-1",
            "retryAfter": 60,
        }),
    })
    .await;
}

#[tokio::test]
async fn service_unavailable_explicit_retry_after() {
    assert_golden(Golden {
        make: || ApiError::service_unavailable().with_retry_after(Duration::from_secs(120)),
        status: StatusCode::SERVICE_UNAVAILABLE,
        headers: &[("retry-after", "120")],
        json: json!({
            "error": "Service Unavailable",
            "message": "The service is temporarily unavailable. Try again later.",
            "code": "SERVICE_UNAVAILABLE",
            "retryAfter": 120,
        }),
        problem: json!({
            "type": "about:blank",
            "title": "Service Unavailable",
            "status": 503,
            "detail": "The service is temporarily unavailable. Try again later.",
            "code": "SERVICE_UNAVAILABLE",
            "requestId": "req-1",
            "retryAfter": 120,
        }),
    })
    .await;
}

#[tokio::test]
async fn gateway_timeout() {
    assert_golden(Golden {
        make: ApiError::gateway_timeout,
        status: StatusCode::GATEWAY_TIMEOUT,
        headers: &[],
        json: json!({
            "error": "Gateway Timeout",
            "message": "An upstream service did not respond in time.",
            "code": "GATEWAY_TIMEOUT",
        }),
        problem: json!({
            "type": "about:blank",
            "title": "Gateway Timeout",
            "status": 504,
            "detail": "An upstream service did not respond in time.",
            "code": "GATEWAY_TIMEOUT",
            "requestId": "req-1",
        }),
    })
    .await;
}
