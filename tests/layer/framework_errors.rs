//! The errors axum and tower-http produce themselves (rejections, the router's
//! fallback, body limits, timeouts), rendered by the layer.

use std::time::{Duration, Instant};

use axum::{
    body::Body,
    extract::{DefaultBodyLimit, Path, Query},
    http::{Request, StatusCode},
    routing::{get, post},
    Form, Json, Router,
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
                "message": "The request body is not valid JSON.",
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
                "message": "The request body must be JSON, sent with `Content-Type: application/json`.",
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
                "message": "The request body must be JSON, sent with `Content-Type: application/json`.",
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
                "message": "The request body has invalid fields.",
                "code": "INVALID_BODY",
                "requestId": id,
            }),
        );
    }
}

#[derive(Debug, serde::Deserialize)]
#[allow(dead_code)]
struct Age {
    age: u32,
}

/// axum's own extractors, each refusing `hunter2-SECRET` for a `u32`.
fn age_app() -> Router {
    Router::new()
        .route("/json", post(|Json(_): Json<Age>| async {}))
        .route("/query", get(|Query(_): Query<Age>| async {}))
        .route(
            "/form",
            get(|Form(_): Form<Age>| async {}).post(|Form(_): Form<Age>| async {}),
        )
        .route("/ages/{age}", get(|Path(_): Path<u32>| async {}))
}

/// axum's texts quote the value (`invalid type: string "hunter2-SECRET", expected
/// u32`): the layer sends a fixed message per code instead.
#[tokio::test]
async fn axum_rejection_texts_are_replaced_by_messages_that_quote_nothing() {
    let form = |method: &str, uri: &str, content_type: &str, body: &'static str| {
        Request::builder()
            .method(method)
            .uri(uri)
            .header("content-type", content_type)
            .body(Body::from(body))
            .unwrap()
    };
    let cases: [(Request<Body>, StatusCode, &str, &str, &str); 6] = [
        (
            json_post("/json", r#"{"age":"hunter2-SECRET"}"#),
            StatusCode::UNPROCESSABLE_ENTITY,
            "Unprocessable Content",
            "The request body has invalid fields.",
            "INVALID_BODY",
        ),
        (
            json_post("/json", r#"{"age": hunter2-SECRET}"#),
            StatusCode::BAD_REQUEST,
            "Bad Request",
            "The request body is not valid JSON.",
            "INVALID_JSON",
        ),
        (
            get_req("/query?age=hunter2-SECRET"),
            StatusCode::BAD_REQUEST,
            "Bad Request",
            "The query string is invalid.",
            "INVALID_QUERY",
        ),
        (
            get_req("/form?age=hunter2-SECRET"),
            StatusCode::BAD_REQUEST,
            "Bad Request",
            "The form has invalid fields.",
            "INVALID_FORM",
        ),
        (
            form(
                "POST",
                "/form",
                "application/x-www-form-urlencoded",
                "age=hunter2-SECRET",
            ),
            StatusCode::UNPROCESSABLE_ENTITY,
            "Unprocessable Content",
            "The form has invalid fields.",
            "INVALID_BODY",
        ),
        (
            get_req("/ages/hunter2-SECRET"),
            StatusCode::BAD_REQUEST,
            "Bad Request",
            "The path is invalid.",
            "INVALID_PATH",
        ),
    ];
    for (req, status, error, message, code) in cases {
        let (parts, body) = req.into_parts();
        let body = axum::body::to_bytes(body, usize::MAX).await.unwrap();
        let req = || Request::from_parts(parts.clone(), Body::from(body.clone()));
        for sent in both(age_app, &ApiErrorLayer::new(), req).await {
            let id = sent.id();
            sent.assert_json_error(
                status,
                &[],
                &json!({
                    "error": error,
                    "message": message,
                    "code": code,
                    "requestId": id,
                }),
            );
            for leak in ["hunter2", "SECRET", "u32"] {
                assert!(!sent.text().contains(leak), "{}", sent.text());
            }
        }
    }
}

#[tokio::test]
async fn axum_form_missing_content_type() {
    let req = || {
        Request::post("/form")
            .header("content-type", "application/json")
            .body(Body::from("{}"))
            .unwrap()
    };
    const FORM: &str = "application/x-www-form-urlencoded";
    for sent in both(age_app, &ApiErrorLayer::new(), req).await {
        let id = sent.id();
        sent.assert_json_error(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            &[("accept", FORM), ("accept-post", FORM)],
            &json!({
                "error": "Unsupported Media Type",
                "message": "The request body must be a form, sent with `Content-Type: application/x-www-form-urlencoded`.",
                "code": "UNSUPPORTED_MEDIA_TYPE",
                "requestId": id,
            }),
        );
    }
}

/// A 4xx text that is not one of axum's is the app's own, sent as it is; a 415 of
/// the app's gets the media types its text names.
#[tokio::test]
async fn an_apps_own_texts_stay_the_message() {
    let app = || {
        Router::new()
            .route(
                "/url",
                get(|| async { (StatusCode::BAD_REQUEST, "Invalid URL scheme: use https.") }),
            )
            .route(
                "/upload",
                post(|| async {
                    (
                        StatusCode::UNSUPPORTED_MEDIA_TYPE,
                        "Send multipart/form-data.",
                    )
                }),
            )
    };
    for sent in both(app, &ApiErrorLayer::new(), || get_req("/url")).await {
        let id = sent.id();
        sent.assert_json_error(
            StatusCode::BAD_REQUEST,
            &[],
            &json!({
                "error": "Bad Request",
                "message": "Invalid URL scheme: use https.",
                "code": "BAD_REQUEST",
                "requestId": id,
            }),
        );
    }
    let req = || Request::post("/upload").body(Body::empty()).unwrap();
    for sent in both(app, &ApiErrorLayer::new(), req).await {
        let id = sent.id();
        sent.assert_json_error(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            &[
                ("accept", "multipart/form-data"),
                ("accept-post", "multipart/form-data"),
            ],
            &json!({
                "error": "Unsupported Media Type",
                "message": "Send multipart/form-data.",
                "code": "UNSUPPORTED_MEDIA_TYPE",
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
