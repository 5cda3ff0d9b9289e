//! The routers and requests several modules send through the layer.

use std::{io, time::Duration};

use axum::{
    body::Body,
    http::{Request, StatusCode},
    routing::{get, post},
    Json, Router,
};
use axum_api_error::ApiError;
use serde_json::{json, Value};

pub(crate) fn users_app() -> Router {
    Router::new()
        .route("/users", post(create_user))
        .route("/items", get(|| async { "items" }))
}

#[derive(Debug, serde::Deserialize)]
pub(crate) struct NewUser {
    name: String,
}

pub(crate) async fn create_user(Json(user): Json<NewUser>) -> String {
    user.name
}

pub(crate) fn slow_app() -> Router {
    Router::new()
        .route(
            "/slow",
            get(|| async {
                tokio::time::sleep(Duration::from_secs(5)).await;
                "late"
            }),
        )
        .layer(tower_http::timeout::TimeoutLayer::with_status_code(
            StatusCode::SERVICE_UNAVAILABLE,
            Duration::from_millis(50),
        ))
}

pub(crate) fn bare_app() -> Router {
    Router::new()
        .route("/forbidden", get(|| async { StatusCode::FORBIDDEN }))
        .route("/unauthorized", get(|| async { StatusCode::UNAUTHORIZED }))
        .route(
            "/text",
            get(|| async { (StatusCode::BAD_REQUEST, "custom text") }),
        )
        .route(
            "/secret",
            get(|| async { (StatusCode::INTERNAL_SERVER_ERROR, "SECRET") }),
        )
        .route("/bare-missing", get(|| async { StatusCode::NOT_FOUND }))
        .route(
            "/own-json",
            get(|| async {
                (
                    StatusCode::CONFLICT,
                    Json(json!({"mine": true, "reason": "my own shape"})),
                )
            }),
        )
}

pub(crate) fn panic_app() -> Router {
    Router::new()
        .route(
            "/panic",
            get(|| async {
                if true {
                    panic!("SECRET-PANIC-TEXT");
                }
                "unreachable"
            }),
        )
        .route("/ok", get(|| async { "ok" }))
}

pub(crate) fn api_app() -> Router {
    Router::new()
        .route(
            "/users",
            post(|| async {
                Err::<(), _>(
                    ApiError::validation()
                        .add_field_error(
                            "email",
                            "Must be a valid email address.",
                            "INVALID_FORMAT",
                        )
                        .add_field_error("name", "Must not be empty.", "REQUIRED"),
                )
            }),
        )
        .route(
            "/conflict",
            get(|| async {
                Err::<(), _>(
                    ApiError::conflict("A user with this email already exists.").add_field("email"),
                )
            }),
        )
        .route(
            "/hidden",
            get(|| async {
                Err::<(), _>(
                    ApiError::concealed_not_found()
                        .with_message("user 2 may not read user 1")
                        .with_code("HIDDEN_BY_POLICY")
                        .add_field_error("owner", "Not yours.", "NOT_OWNER")
                        .with_docs("https://internal.example.com/policy"),
                )
            }),
        )
        .route(
            "/absent",
            get(|| async { Err::<(), _>(ApiError::not_found()) }),
        )
        .route(
            "/db",
            get(|| async {
                Err::<(), _>(ApiError::internal(QueryFailed(io::Error::other(
                    "password=SECRET-DB",
                ))))
            }),
        )
        .route(
            "/unavailable",
            get(|| async { Err::<(), _>(ApiError::service_unavailable()) }),
        )
}

#[derive(Debug, thiserror::Error)]
#[error("query failed")]
pub(crate) struct QueryFailed(#[source] io::Error);

pub(crate) fn post_users(accept: Option<&'static str>) -> impl Fn() -> Request<Body> {
    move || {
        let mut req = Request::post("/users");
        if let Some(accept) = accept {
            req = req.header("accept", accept);
        }
        req.body(Body::empty()).unwrap()
    }
}

pub(crate) fn validation_json(id: &str) -> Value {
    json!({
        "error": "Unprocessable Content",
        "message": "The request contains invalid fields.",
        "code": "VALIDATION_FAILED",
        "details": [
            {"field": "email", "message": "Must be a valid email address.", "code": "INVALID_FORMAT"},
            {"field": "name", "message": "Must not be empty.", "code": "REQUIRED"},
        ],
        "requestId": id,
    })
}

pub(crate) fn validation_problem(id: &str) -> Value {
    json!({
        "type": "about:blank",
        "title": "Unprocessable Content",
        "status": 422,
        "detail": "The request contains invalid fields.",
        "instance": "/users",
        "code": "VALIDATION_FAILED",
        "requestId": id,
        "errors": [
            {"field": "email", "message": "Must be a valid email address.", "code": "INVALID_FORMAT"},
            {"field": "name", "message": "Must not be empty.", "code": "REQUIRED"},
        ],
    })
}

pub(crate) fn success_app() -> Router {
    Router::new().route(
        "/ok",
        get(|| async {
            (
                [("etag", "\"v1\""), ("x-custom", "yes")],
                Json(json!({"ok": true, "items": [1, 2, 3]})),
            )
        }),
    )
}

pub(crate) fn bare_and_api_app() -> Router {
    bare_app().merge(api_app())
}
