//! One golden test per 4xx variant about what a request may carry and how often:
//! 413, 415, 422 and 429.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::http::StatusCode;
use axum_api_error::{headers::RateLimit, ApiError, FieldErrors};
use serde_json::json;

use crate::support::{assert_golden, assert_headers, problem, send, Golden};

fn now_unix() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock after 1970")
        .as_secs()
}

#[tokio::test]
async fn payload_too_large_without_retry() {
    assert_golden(Golden {
        make: ApiError::payload_too_large,
        status: StatusCode::PAYLOAD_TOO_LARGE,
        // A permanent 413: no Retry-After.
        headers: &[],
        json: json!({
            "error": "Content Too Large",
            "message": "The request content is too large.",
            "code": "PAYLOAD_TOO_LARGE",
        }),
        problem: json!({
            "type": "about:blank",
            "title": "Content Too Large",
            "status": 413,
            "detail": "The request content is too large.",
            "code": "PAYLOAD_TOO_LARGE",
            "requestId": "req-1",
        }),
    })
    .await;
}

#[tokio::test]
async fn payload_too_large_with_retry() {
    assert_golden(Golden {
        make: || ApiError::payload_too_large().with_retry_after(Duration::from_secs(30)),
        status: StatusCode::PAYLOAD_TOO_LARGE,
        headers: &[("retry-after", "30")],
        json: json!({
            "error": "Content Too Large",
            "message": "The request content is too large.",
            "code": "PAYLOAD_TOO_LARGE",
            "retryAfter": 30,
        }),
        problem: json!({
            "type": "about:blank",
            "title": "Content Too Large",
            "status": 413,
            "detail": "The request content is too large.",
            "code": "PAYLOAD_TOO_LARGE",
            "requestId": "req-1",
            "retryAfter": 30,
        }),
    })
    .await;
}

#[tokio::test]
async fn unsupported_media_type_with_accept() {
    assert_golden(Golden {
        make: || {
            // "json" and the comma list are no single media type: dropped.
            ApiError::unsupported_media_type([
                "application/json",
                "json",
                "text/html, text/plain",
                "application/merge-patch+json; charset=utf-8",
            ])
        },
        status: StatusCode::UNSUPPORTED_MEDIA_TYPE,
        headers: &[(
            "accept",
            "application/json, application/merge-patch+json; charset=utf-8",
        )],
        json: json!({
            "error": "Unsupported Media Type",
            "message": "The content type of the request is not supported.",
            "code": "UNSUPPORTED_MEDIA_TYPE",
        }),
        problem: json!({
            "type": "about:blank",
            "title": "Unsupported Media Type",
            "status": 415,
            "detail": "The content type of the request is not supported.",
            "code": "UNSUPPORTED_MEDIA_TYPE",
            "requestId": "req-1",
        }),
    })
    .await;
}

#[tokio::test]
async fn unsupported_media_type_with_accept_post() {
    assert_golden(Golden {
        make: || {
            ApiError::unsupported_media_type(["application/json", "application/cbor"])
                .with_accept_post()
        },
        status: StatusCode::UNSUPPORTED_MEDIA_TYPE,
        headers: &[
            ("accept", "application/json, application/cbor"),
            ("accept-post", "application/json, application/cbor"),
        ],
        json: json!({
            "error": "Unsupported Media Type",
            "message": "The content type of the request is not supported.",
            "code": "UNSUPPORTED_MEDIA_TYPE",
        }),
        problem: json!({
            "type": "about:blank",
            "title": "Unsupported Media Type",
            "status": 415,
            "detail": "The content type of the request is not supported.",
            "code": "UNSUPPORTED_MEDIA_TYPE",
            "requestId": "req-1",
        }),
    })
    .await;
}

#[tokio::test]
async fn unsupported_media_type_without_any_type() {
    assert_golden(Golden {
        make: || ApiError::unsupported_media_type(["not a media type"]).with_accept_post(),
        status: StatusCode::UNSUPPORTED_MEDIA_TYPE,
        // Nothing valid to name: neither Accept nor Accept-Post (never an empty one).
        headers: &[],
        json: json!({
            "error": "Unsupported Media Type",
            "message": "The content type of the request is not supported.",
            "code": "UNSUPPORTED_MEDIA_TYPE",
        }),
        problem: json!({
            "type": "about:blank",
            "title": "Unsupported Media Type",
            "status": 415,
            "detail": "The content type of the request is not supported.",
            "code": "UNSUPPORTED_MEDIA_TYPE",
            "requestId": "req-1",
        }),
    })
    .await;
}

#[tokio::test]
async fn validation_with_two_field_errors() {
    assert_golden(Golden {
        make: || {
            let mut errors = FieldErrors::new();
            errors
                .push("name", "Must not be empty.", "required")
                .push("address.zip", "Must be a valid ZIP code.", "INVALID_FORMAT");
            errors.into_result().expect_err("two field errors")
        },
        status: StatusCode::UNPROCESSABLE_ENTITY,
        headers: &[],
        json: json!({
            "error": "Unprocessable Content",
            "message": "The request contains invalid fields.",
            "code": "VALIDATION_FAILED",
            "details": [
                {"field": "name", "message": "Must not be empty.", "code": "REQUIRED"},
                {"field": "address.zip", "message": "Must be a valid ZIP code.", "code": "INVALID_FORMAT"},
            ],
        }),
        problem: json!({
            "type": "about:blank",
            "title": "Unprocessable Content",
            "status": 422,
            "detail": "The request contains invalid fields.",
            "code": "VALIDATION_FAILED",
            "requestId": "req-1",
            "errors": [
                {"field": "name", "message": "Must not be empty.", "code": "REQUIRED"},
                {"field": "address.zip", "message": "Must be a valid ZIP code.", "code": "INVALID_FORMAT"},
            ],
        }),
    })
    .await;
}

/// Left in full: `X-RateLimit-Reset` is a Unix time, so it is range-checked and taken
/// out before the exact header map, which a `Golden` cannot express.
#[tokio::test]
async fn rate_limited_with_rate_limit_window() {
    const WINDOW_END: u64 = 42;
    fn make() -> ApiError {
        // Asks for 1 s, but the window (0 of 100 left) ends only in 42 s.
        ApiError::rate_limited(Duration::from_secs(1)).with_rate_limit(RateLimit::new(
            100,
            0,
            Duration::from_secs(60),
            Duration::from_secs(WINDOW_END),
        ))
    }
    let before = now_unix();
    let sent = send(make()).await;
    let after = now_unix();
    assert_eq!(sent.status, StatusCode::TOO_MANY_REQUESTS);

    // The reset is a Unix time: only a range can be checked.
    let mut headers = sent.headers.clone();
    let reset: u64 = headers
        .remove("x-ratelimit-reset")
        .expect("X-RateLimit-Reset is sent")
        .to_str()
        .unwrap()
        .parse()
        .expect("X-RateLimit-Reset is Unix seconds");
    assert!(
        (before + WINDOW_END..=after + WINDOW_END + 1).contains(&reset),
        "X-RateLimit-Reset {reset} not within [{before}+{WINDOW_END}, {after}+{WINDOW_END}+1]"
    );
    let retry_after: u64 = sent.headers["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(
        retry_after >= WINDOW_END,
        "Retry-After {retry_after} is earlier than the window's end"
    );
    assert_headers(
        &headers,
        &[
            ("retry-after", "42"),
            ("x-ratelimit-limit", "100"),
            ("x-ratelimit-remaining", "0"),
            ("ratelimit-policy", r#""default";q=100;w=60"#),
            ("ratelimit", r#""default";r=0;t=42"#),
        ],
    );
    assert_eq!(
        sent.body,
        json!({
            "error": "Too Many Requests",
            "message": "Too many requests. Try again later.",
            "code": "RATE_LIMITED",
            "retryAfter": 42,
        })
    );
    assert_eq!(
        problem(&make()),
        json!({
            "type": "about:blank",
            "title": "Too Many Requests",
            "status": 429,
            "detail": "Too many requests. Try again later.",
            "code": "RATE_LIMITED",
            "requestId": "req-1",
            "retryAfter": 42,
        })
    );
}

#[tokio::test]
async fn rate_limited_without_rate_limit() {
    assert_golden(Golden {
        make: || ApiError::rate_limited(Duration::from_millis(4_200)),
        status: StatusCode::TOO_MANY_REQUESTS,
        // Rounded up to whole seconds; no rate-limit fields without a RateLimit.
        headers: &[("retry-after", "5")],
        json: json!({
            "error": "Too Many Requests",
            "message": "Too many requests. Try again later.",
            "code": "RATE_LIMITED",
            "retryAfter": 5,
        }),
        problem: json!({
            "type": "about:blank",
            "title": "Too Many Requests",
            "status": 429,
            "detail": "Too many requests. Try again later.",
            "code": "RATE_LIMITED",
            "requestId": "req-1",
            "retryAfter": 5,
        }),
    })
    .await;
}
