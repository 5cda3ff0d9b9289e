//! `Json` and `Form` as responses.

use axum::{
    http::StatusCode,
    routing::{get, post},
    Router,
};
use axum_api_error::{Form, Json};
use serde_json::{json, Value};

use crate::{
    apps::{Item, Login},
    support::{expect_json_ok, get_req, request, send, Via},
};

async fn profile() -> Json<Value> {
    Json(json!({"id": 1, "name": "Ada Lovelace", "tags": ["math", "engines"]}))
}

async fn created() -> (StatusCode, Json<Item>) {
    (
        StatusCode::CREATED,
        Json(Item {
            sku: "engine-1".to_owned(),
            qty: 2,
        }),
    )
}

async fn form_response() -> Form<Login> {
    Form(Login {
        user: "ada".to_owned(),
        remember: true,
    })
}

#[tokio::test]
async fn json_as_a_response_is_application_json() {
    let app = Router::new()
        .route("/profile", get(profile))
        .route("/items", post(created));
    expect_json_ok(
        &app,
        || get_req("/profile"),
        StatusCode::OK,
        &json!({"id": 1, "name": "Ada Lovelace", "tags": ["math", "engines"]}),
    )
    .await;
    expect_json_ok(
        &app,
        || request("POST", "/items", None, ""),
        StatusCode::CREATED,
        &json!({"sku": "engine-1", "qty": 2}),
    )
    .await;
}

#[tokio::test]
async fn form_as_a_response_is_urlencoded() {
    let app = Router::new().route("/form", get(form_response));
    let sent = send(Via::Plain, app, get_req("/form")).await;
    assert_eq!(sent.status, StatusCode::OK);
    sent.assert_headers(&[
        ("content-type", "application/x-www-form-urlencoded"),
        ("content-length", "22"),
    ]);
    assert_eq!(sent.text(), "user=ada&remember=true");
}
