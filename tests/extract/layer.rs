//! With and without the layer (beyond the three ways every other test uses).

use axum::{
    http::{HeaderValue, StatusCode},
    routing::post,
    Router,
};
use serde_json::json;

use crate::{
    apps::{form_app, json_app, path_app, query_app, signup},
    support::{
        expect_error, form_post, get_req, json_post, send, validation_failed, Via, INVALID_FIELDS,
    },
};

#[tokio::test]
async fn every_extractor_error_carries_the_request_id_with_the_layer_only() {
    // One router with every extractor; `expect_error` checks each error without the
    // layer (no `requestId`, no `x-request-id`) and with it in both placements
    // (`requestId` equal to `x-request-id`, incoming or generated).
    let app = Router::new()
        .merge(json_app())
        .merge(query_app())
        .merge(path_app())
        .merge(form_app().route("/v/signup", post(signup)));
    expect_error(
        &app,
        || json_post("/users", "{"),
        StatusCode::BAD_REQUEST,
        &[],
        &json!({
            "error": "Bad Request",
            "message": "The request body is not valid JSON: EOF while parsing an object at line 1, column 1.",
            "code": "INVALID_JSON",
        }),
    )
    .await;
    expect_error(
        &app,
        || get_req("/search"),
        StatusCode::BAD_REQUEST,
        &[],
        &json!({
            "error": "Bad Request",
            "message": "The query string is invalid.",
            "code": "INVALID_QUERY",
            "details": [{"field": "q", "message": "This field is required.", "code": "REQUIRED"}],
        }),
    )
    .await;
    expect_error(
        &app,
        || get_req("/users/x"),
        StatusCode::BAD_REQUEST,
        &[],
        &json!({
            "error": "Bad Request",
            "message": "The path parameter `id` is invalid.",
            "code": "INVALID_PATH",
            "details": [{
                "field": "id",
                "message": "Expected a non-negative integer.",
                "code": "INVALID_VALUE",
            }],
        }),
    )
    .await;
    expect_error(
        &app,
        || form_post("/login", "user=a"),
        StatusCode::UNPROCESSABLE_ENTITY,
        &[],
        &json!({
            "error": "Unprocessable Content",
            "message": "The form has invalid fields.",
            "code": "INVALID_BODY",
            "details": [{"field": "remember", "message": "This field is required.", "code": "REQUIRED"}],
        }),
    )
    .await;
    expect_error(
        &app,
        || json_post("/v/signup", r#"{"name": "", "email": "a@b", "age": 30}"#),
        StatusCode::UNPROCESSABLE_ENTITY,
        &[],
        &validation_failed(
            json!([{"field": "name", "message": "Must not be empty.", "code": "REQUIRED"}]),
        ),
    )
    .await;
}

#[tokio::test]
async fn problem_details_with_the_layer_name_the_field_in_errors() {
    let req = || {
        let mut req = json_post("/orders", r#"{"items": [{"sku": "a"}]}"#);
        req.headers_mut().insert(
            "accept",
            HeaderValue::from_static("application/problem+json"),
        );
        req
    };
    for via in [Via::RouterLayer, Via::AroundRouter] {
        let sent = send(via, json_app(), req()).await;
        assert_eq!(sent.status, StatusCode::UNPROCESSABLE_ENTITY);
        let id = sent.request_id();
        let len = sent.bytes.len().to_string();
        sent.assert_headers(&[
            ("content-type", "application/problem+json"),
            ("cache-control", "no-store"),
            ("vary", "accept"),
            ("content-length", len.as_str()),
            ("x-request-id", id.as_str()),
        ]);
        assert_eq!(
            sent.json(),
            json!({
                "type": "about:blank",
                "title": "Unprocessable Content",
                "status": 422,
                "detail": INVALID_FIELDS,
                "instance": "/orders",
                "code": "INVALID_BODY",
                "requestId": id,
                "errors": [{
                    "field": "items[0].qty",
                    "message": "This field is required.",
                    "code": "REQUIRED",
                }],
            }),
            "{via:?}"
        );
    }
}
