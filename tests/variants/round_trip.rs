//! Every variant round-trips through the public body types, and without the layer
//! its body is rendered once, when read.

use std::time::Duration;

use axum::{
    body::HttpBody,
    http::{Method, StatusCode},
    response::IntoResponse,
};
use axum_api_error::{
    headers::{BearerError, Challenge, RateLimit},
    wire::{ErrorBody, ErrorFormat, ProblemDetails},
    ApiError,
};
use serde_json::Value;

use crate::support::{send, SECRET};

// ---------------------------------------------------------------------------------
// Round trip through the public body types
// ---------------------------------------------------------------------------------

/// One error of every variant, with every optional member in use somewhere.
fn every_variant() -> Vec<(&'static str, ApiError)> {
    vec![
        (
            "BadRequest",
            ApiError::bad_request("Bad limit.")
                .with_code("invalid-limit")
                .with_docs("https://docs.example.com/errors/INVALID_LIMIT"),
        ),
        ("Unauthorized", ApiError::unauthorized()),
        (
            "Forbidden",
            ApiError::forbidden()
                .with_challenge(Challenge::bearer().with_error(BearerError::InsufficientScope)),
        ),
        ("NotFound", ApiError::not_found()),
        (
            "NotFound concealed",
            ApiError::concealed_not_found().add_field("owner"),
        ),
        (
            "MethodNotAllowed",
            ApiError::method_not_allowed([Method::GET, Method::POST]),
        ),
        ("NotAcceptable", ApiError::not_acceptable()),
        ("RequestTimeout", ApiError::request_timeout()),
        (
            "Conflict",
            ApiError::conflict("A user with this email already exists.").add_field("email"),
        ),
        ("Gone", ApiError::gone()),
        ("PreconditionFailed", ApiError::precondition_failed()),
        (
            "PayloadTooLarge",
            ApiError::payload_too_large().with_retry_after(Duration::from_secs(30)),
        ),
        (
            "UnsupportedMediaType",
            ApiError::unsupported_media_type(["application/json"]).with_accept_post(),
        ),
        (
            "Validation",
            ApiError::validation()
                .add_field_error("name", "Must not be empty.", "REQUIRED")
                .add_field_error("email", "Must be a valid email address.", "INVALID_FORMAT"),
        ),
        (
            "RateLimited",
            ApiError::rate_limited(Duration::from_secs(1)).with_rate_limit(RateLimit::new(
                10,
                0,
                Duration::from_secs(60),
                Duration::from_secs(20),
            )),
        ),
        ("Internal", ApiError::internal(SECRET)),
        ("NotImplemented", ApiError::not_implemented()),
        ("BadGateway", ApiError::bad_gateway()),
        (
            "ServiceUnavailable",
            ApiError::service_unavailable().with_retry_after(Duration::from_secs(120)),
        ),
        ("GatewayTimeout", ApiError::gateway_timeout()),
        ("Other", ApiError::from_status(StatusCode::IM_A_TEAPOT)),
    ]
}

#[tokio::test]
async fn every_variant_round_trips_through_error_body_and_problem_details() {
    let variants = every_variant();
    assert_eq!(variants.len(), 21, "one entry per variant");
    for (name, err) in variants {
        for request_id in [None, Some("req-1")] {
            let json: Value =
                serde_json::from_slice(&err.to_bytes(ErrorFormat::Json, request_id)).unwrap();
            let body: ErrorBody<'static> = serde_json::from_value(json.clone())
                .unwrap_or_else(|e| panic!("{name}: not an ErrorBody: {e}"));
            assert_eq!(body.code, err.code(), "{name}");
            assert_eq!(body.request_id.as_deref(), request_id, "{name}");
            assert_eq!(serde_json::to_value(&body).unwrap(), json, "{name}");

            let problem: Value =
                serde_json::from_slice(&err.to_bytes(ErrorFormat::Problem, request_id)).unwrap();
            let details: ProblemDetails<'static> = serde_json::from_value(problem.clone())
                .unwrap_or_else(|e| panic!("{name}: not a ProblemDetails: {e}"));
            assert_eq!(details.status, err.status().as_u16(), "{name}");
            assert_eq!(details.request_id.as_deref(), request_id, "{name}");
            assert_eq!(serde_json::to_value(&details).unwrap(), problem, "{name}");

            // The two forms say the same thing.
            assert_eq!(
                (
                    &details.title,
                    &details.detail,
                    &details.code,
                    &details.errors,
                    details.retry_after,
                ),
                (
                    &body.error,
                    &body.message,
                    &body.code,
                    &body.details,
                    body.retry_after,
                ),
                "{name}"
            );
            assert_eq!(
                details.type_,
                body.docs.as_deref().unwrap_or("about:blank"),
                "{name}"
            );
        }

        // The response body round-trips too.
        let sent = send(err).await;
        let body: ErrorBody<'static> = serde_json::from_value(sent.body.clone()).unwrap();
        assert_eq!(serde_json::to_value(&body).unwrap(), sent.body, "{name}");
    }
}

// ---------------------------------------------------------------------------------
// Rendered once, when read
// ---------------------------------------------------------------------------------

/// Without the layer the body's size is unknown until it is read: measuring it would
/// serialise the error, which the layer (around a whole Router, after axum measured it)
/// would then do a second time. The body is one frame, and then it ends.
#[tokio::test]
async fn without_the_layer_the_body_is_rendered_once_when_read() {
    for (name, err) in every_variant() {
        let expected = err.to_bytes(ErrorFormat::Json, None);
        let res = err.into_response();
        assert_eq!(HttpBody::size_hint(res.body()).exact(), None, "{name}");
        assert!(!HttpBody::is_end_stream(res.body()), "{name}");
        let bytes = axum::body::to_bytes(res.into_body(), usize::MAX)
            .await
            .unwrap();
        assert_eq!(bytes, expected, "{name}");
    }
}
