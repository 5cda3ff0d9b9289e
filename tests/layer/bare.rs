//! Bare statuses and text bodies from handlers, which the layer turns into error
//! bodies; and a JSON error body of the app's own, which it leaves alone.

use axum::{http::StatusCode, routing::get, Router};
use axum_api_error::{headers::Challenge, ApiErrorLayer};
use serde_json::json;

use crate::{
    apps::bare_app,
    support::{assert_generated, both, get_req, send, send_plain, Placement},
};

#[tokio::test]
async fn bare_forbidden() {
    for sent in both(bare_app, &ApiErrorLayer::new(), || get_req("/forbidden")).await {
        let id = sent.id();
        sent.assert_json_error(
            StatusCode::FORBIDDEN,
            &[],
            &json!({
                "error": "Forbidden",
                "message": "You do not have permission to perform this action.",
                "code": "FORBIDDEN",
                "requestId": id,
            }),
        );
    }
}

#[tokio::test]
async fn bare_unauthorized_gets_default_challenge() {
    for sent in both(bare_app, &ApiErrorLayer::new(), || get_req("/unauthorized")).await {
        let id = sent.id();
        sent.assert_json_error(
            StatusCode::UNAUTHORIZED,
            &[("www-authenticate", "Bearer")],
            &json!({
                "error": "Unauthorized",
                "message": "Authentication is required to access this resource.",
                "code": "UNAUTHORIZED",
                "requestId": id,
            }),
        );
    }
}

#[tokio::test]
async fn bare_unauthorized_gets_configured_challenge() {
    let layer = ApiErrorLayer::new().with_challenge(Challenge::bearer().with_realm("api"));
    for sent in both(bare_app, &layer, || get_req("/unauthorized")).await {
        let id = sent.id();
        sent.assert_json_error(
            StatusCode::UNAUTHORIZED,
            &[("www-authenticate", r#"Bearer realm="api""#)],
            &json!({
                "error": "Unauthorized",
                "message": "Authentication is required to access this resource.",
                "code": "UNAUTHORIZED",
                "requestId": id,
            }),
        );
    }
}

#[tokio::test]
async fn client_error_text_becomes_the_message() {
    for sent in both(bare_app, &ApiErrorLayer::new(), || get_req("/text")).await {
        let id = sent.id();
        sent.assert_json_error(
            StatusCode::BAD_REQUEST,
            &[],
            &json!({
                "error": "Bad Request",
                "message": "custom text",
                "code": "BAD_REQUEST",
                "requestId": id,
            }),
        );
    }
}

#[tokio::test]
async fn server_error_text_is_never_sent() {
    for sent in both(bare_app, &ApiErrorLayer::new(), || get_req("/secret")).await {
        let id = sent.id();
        sent.assert_json_error(
            StatusCode::INTERNAL_SERVER_ERROR,
            &[],
            &json!({
                "error": "Internal Server Error",
                "message": "An internal error occurred.",
                "code": "INTERNAL_ERROR",
                "requestId": id,
            }),
        );
        assert!(!sent.text().contains("SECRET"));
    }
}

/// A 5xx text longer than `max_text_len` (4096 by default) is not read, and still
/// never sent.
#[tokio::test]
async fn long_server_error_text_is_never_sent() {
    let app = || {
        Router::new().route(
            "/trace",
            get(|| async {
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    format!("SECRET stack trace {}", "x".repeat(5000)),
                )
            }),
        )
    };
    for sent in both(app, &ApiErrorLayer::new(), || get_req("/trace")).await {
        let id = sent.id();
        sent.assert_json_error(
            StatusCode::INTERNAL_SERVER_ERROR,
            &[],
            &json!({
                "error": "Internal Server Error",
                "message": "An internal error occurred.",
                "code": "INTERNAL_ERROR",
                "requestId": id,
            }),
        );
        assert!(!sent.text().contains("SECRET"));
    }
}

fn max_text_len_app() -> Router {
    Router::new()
        .route(
            "/short",
            get(|| async { (StatusCode::BAD_REQUEST, "8 bytes!") }),
        )
        .route(
            "/long",
            get(|| async { (StatusCode::BAD_REQUEST, "nine byte") }),
        )
}

/// `with_max_text_len`: a 4xx text of up to that many bytes becomes the message.
#[tokio::test]
async fn text_up_to_max_text_len_becomes_the_message() {
    let layer = ApiErrorLayer::new().with_max_text_len(8);
    for sent in both(max_text_len_app, &layer, || get_req("/short")).await {
        let id = sent.id();
        sent.assert_json_error(
            StatusCode::BAD_REQUEST,
            &[],
            &json!({
                "error": "Bad Request",
                "message": "8 bytes!",
                "code": "BAD_REQUEST",
                "requestId": id,
            }),
        );
    }
}

/// `with_max_text_len`: "a longer body is replaced without being read".
#[tokio::test]
async fn text_longer_than_max_text_len_is_replaced() {
    let layer = ApiErrorLayer::new().with_max_text_len(8);
    for sent in both(max_text_len_app, &layer, || get_req("/long")).await {
        let id = sent.id();
        sent.assert_json_error(
            StatusCode::BAD_REQUEST,
            &[],
            &json!({
                "error": "Bad Request",
                "message": "The request is invalid.",
                "code": "BAD_REQUEST",
                "requestId": id,
            }),
        );
    }
}

/// A handler's bare 404 on an existing route is a plain `NOT_FOUND`, not the
/// router's `ROUTE_NOT_FOUND`.
async fn assert_handler_bare_not_found(placement: Placement, code: &str) {
    let sent = send(
        placement,
        bare_app(),
        &ApiErrorLayer::new(),
        get_req("/bare-missing"),
    )
    .await;
    let id = sent.id();
    sent.assert_json_error(
        StatusCode::NOT_FOUND,
        &[],
        &json!({
            "error": "Not Found",
            "message": "The requested resource was not found.",
            "code": code,
            "requestId": id,
        }),
    );
}

/// With `Router::layer` the layer sees axum's `MatchedPath`.
#[tokio::test]
async fn handler_bare_not_found_with_router_layer() {
    assert_handler_bare_not_found(Placement::RouterLayer, "NOT_FOUND").await;
}

/// Around the whole router the layer runs before routing, so it cannot tell a
/// handler's empty 404 from the fallback's: both are `ROUTE_NOT_FOUND`, as the
/// layer's docs say (a handler returns `ApiError::not_found()` to be exact).
#[tokio::test]
async fn handler_bare_not_found_around_router() {
    assert_handler_bare_not_found(Placement::AroundRouter, "ROUTE_NOT_FOUND").await;
}

#[tokio::test]
async fn app_json_error_body_is_left_alone() {
    let plain = send_plain(bare_app(), get_req("/own-json")).await;
    plain.assert_status(StatusCode::CONFLICT);
    let len = plain.bytes.len().to_string();
    plain.assert_headers(&[
        ("content-type", "application/json"),
        ("content-length", len.as_str()),
    ]);
    assert_eq!(
        plain.json(),
        json!({"mine": true, "reason": "my own shape"})
    );
    for sent in both(bare_app, &ApiErrorLayer::new(), || get_req("/own-json")).await {
        sent.assert_status(StatusCode::CONFLICT);
        assert_eq!(sent.bytes, plain.bytes, "{:?}: body bytes", sent.placement);
        let id = sent.id();
        assert_generated(&id);
        sent.assert_headers(&[
            ("content-type", "application/json"),
            ("content-length", len.as_str()),
            ("cache-control", "no-store"),
            ("vary", "accept"),
            ("x-request-id", id.as_str()),
        ]);
    }
}
