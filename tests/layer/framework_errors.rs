//! The errors axum and tower-http produce themselves (rejections, the router's
//! fallback, body limits, timeouts), rendered by the layer.

use std::time::{Duration, Instant};

use axum::{
    body::Body,
    extract::DefaultBodyLimit,
    http::{Request, StatusCode},
    Router,
};
use axum_api_error::ApiErrorLayer;
use serde_json::json;

use crate::{
    apps::{create_user, slow_app, users_app},
    support::{assert_generated, both, get_req, send, Placement},
};

fn json_post(uri: &str, body: &'static str) -> Request<Body> {
    Request::post(uri)
        .header("content-type", "application/json")
        .body(Body::from(body))
        .unwrap()
}

// ---------------------------------------------------------------------------------
// axum's own errors
// ---------------------------------------------------------------------------------

#[tokio::test]
async fn axum_route_not_found() {
    for sent in both(users_app, &ApiErrorLayer::new(), || get_req("/nope")).await {
        let id = sent.id();
        assert_generated(&id);
        sent.assert_json_error(
            StatusCode::NOT_FOUND,
            &[],
            &json!({
                "error": "Not Found",
                "message": "The requested resource was not found.",
                "code": "ROUTE_NOT_FOUND",
                "requestId": id,
            }),
        );
    }
}

#[tokio::test]
async fn axum_method_not_allowed_keeps_allow() {
    let req = || Request::delete("/items").body(Body::empty()).unwrap();
    for sent in both(users_app, &ApiErrorLayer::new(), req).await {
        let id = sent.id();
        sent.assert_json_error(
            StatusCode::METHOD_NOT_ALLOWED,
            &[("allow", "GET,HEAD")],
            &json!({
                "error": "Method Not Allowed",
                "message": "The method is not allowed for this resource.",
                "code": "METHOD_NOT_ALLOWED",
                "requestId": id,
            }),
        );
    }
}

#[tokio::test]
async fn axum_json_invalid_syntax() {
    let req = || json_post("/users", r#"{"name": "#);
    for sent in both(users_app, &ApiErrorLayer::new(), req).await {
        let id = sent.id();
        sent.assert_json_error(
            StatusCode::BAD_REQUEST,
            &[],
            &json!({
                "error": "Bad Request",
                "message": "Failed to parse the request body as JSON: name: EOF while parsing a value at line 1 column 9",
                "code": "INVALID_JSON",
                "requestId": id,
            }),
        );
    }
}

#[tokio::test]
async fn axum_json_missing_content_type() {
    let req = || {
        Request::post("/users")
            .body(Body::from(r#"{"name":"a"}"#))
            .unwrap()
    };
    for sent in both(users_app, &ApiErrorLayer::new(), req).await {
        let id = sent.id();
        sent.assert_json_error(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            &[
                ("accept", "application/json"),
                ("accept-post", "application/json"),
            ],
            &json!({
                "error": "Unsupported Media Type",
                "message": "Expected request with `Content-Type: application/json`",
                "code": "UNSUPPORTED_MEDIA_TYPE",
                "requestId": id,
            }),
        );
    }
}

#[tokio::test]
async fn axum_json_missing_content_type_not_post_has_no_accept_post() {
    let app = || Router::new().route("/users", axum::routing::put(create_user));
    let req = || {
        Request::put("/users")
            .body(Body::from(r#"{"name":"a"}"#))
            .unwrap()
    };
    for sent in both(app, &ApiErrorLayer::new(), req).await {
        let id = sent.id();
        sent.assert_json_error(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            &[("accept", "application/json")],
            &json!({
                "error": "Unsupported Media Type",
                "message": "Expected request with `Content-Type: application/json`",
                "code": "UNSUPPORTED_MEDIA_TYPE",
                "requestId": id,
            }),
        );
    }
}

#[tokio::test]
async fn axum_json_wrong_shape() {
    let req = || json_post("/users", r#"{"nom":"a"}"#);
    for sent in both(users_app, &ApiErrorLayer::new(), req).await {
        let id = sent.id();
        sent.assert_json_error(
            StatusCode::UNPROCESSABLE_ENTITY,
            &[],
            &json!({
                "error": "Unprocessable Content",
                "message": "Failed to deserialize the JSON body into the target type: missing field `name` at line 1 column 11",
                "code": "INVALID_BODY",
                "requestId": id,
            }),
        );
    }
}

#[tokio::test]
async fn axum_default_body_limit() {
    let app = || users_app().layer(DefaultBodyLimit::max(16));
    let req = || json_post("/users", r#"{"name":"a name longer than sixteen bytes"}"#);
    for sent in both(app, &ApiErrorLayer::new(), req).await {
        let id = sent.id();
        sent.assert_json_error(
            StatusCode::PAYLOAD_TOO_LARGE,
            &[],
            &json!({
                "error": "Content Too Large",
                "message": "The request content is too large.",
                "code": "PAYLOAD_TOO_LARGE",
                "requestId": id,
            }),
        );
    }
    // A body under the limit still gets through.
    let ok = send(
        Placement::AroundRouter,
        app(),
        &ApiErrorLayer::new(),
        json_post("/users", r#"{"name":"ab"}"#),
    )
    .await;
    ok.assert_status(StatusCode::OK);
    assert_eq!(ok.text(), "ab");
}

// ---------------------------------------------------------------------------------
// tower-http's errors
// ---------------------------------------------------------------------------------

#[tokio::test]
async fn tower_http_request_body_limit_from_content_length() {
    let app = || users_app().layer(tower_http::limit::RequestBodyLimitLayer::new(8));
    let req = || {
        Request::post("/users")
            .header("content-type", "application/json")
            .header("content-length", "30")
            .body(Body::from(r#"{"name":"0123456789abcdefghi"}"#))
            .unwrap()
    };
    for sent in both(app, &ApiErrorLayer::new(), req).await {
        let id = sent.id();
        sent.assert_json_error(
            StatusCode::PAYLOAD_TOO_LARGE,
            &[],
            &json!({
                "error": "Content Too Large",
                "message": "The request content is too large.",
                "code": "PAYLOAD_TOO_LARGE",
                "requestId": id,
            }),
        );
        assert!(!sent.text().contains("length limit exceeded"));
    }
}

#[tokio::test]
async fn tower_http_timeout_503_gets_retry_after() {
    let start = Instant::now();
    for sent in both(slow_app, &ApiErrorLayer::new(), || get_req("/slow")).await {
        let id = sent.id();
        sent.assert_json_error(
            StatusCode::SERVICE_UNAVAILABLE,
            &[("retry-after", "60")],
            &json!({
                "error": "Service Unavailable",
                "message": "The service is temporarily unavailable. Try again later.",
                "code": "SERVICE_UNAVAILABLE",
                "requestId": id,
                "retryAfter": 60,
            }),
        );
    }
    assert!(
        start.elapsed() < Duration::from_secs(4),
        "the timeout fired"
    );
}
