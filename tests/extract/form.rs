//! `Form<T>`: the body (or, on `GET`, the query string) accepted, then refused.

use axum::http::StatusCode;
use serde_json::json;

use crate::{
    apps::form_app,
    support::{expect_error, expect_json_ok, form_post, get_req, request, too_large},
};

#[tokio::test]
async fn form_accepts_a_valid_body_and_a_get_query() {
    let app = form_app();
    let ada = json!({"user": "ada", "remember": true});
    expect_json_ok(
        &app,
        || form_post("/login", "user=ada&remember=true"),
        StatusCode::OK,
        &ada,
    )
    .await;
    expect_json_ok(
        &app,
        || get_req("/login?user=ada&remember=true"),
        StatusCode::OK,
        &ada,
    )
    .await;
}

#[tokio::test]
async fn form_without_content_type_is_415_with_accept_and_accept_post() {
    expect_error(
        &form_app(),
        || request("POST", "/login", None, "user=ada&remember=true"),
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        &[
            ("accept", "application/x-www-form-urlencoded"),
            ("accept-post", "application/x-www-form-urlencoded"),
        ],
        &json!({
            "error": "Unsupported Media Type",
            "message": "The request body must be a form, sent with `Content-Type: application/x-www-form-urlencoded`.",
            "code": "UNSUPPORTED_MEDIA_TYPE",
        }),
    )
    .await;
}

#[tokio::test]
async fn form_with_an_invalid_field_is_422_naming_it() {
    expect_error(
        &form_app(),
        || form_post("/login", "user=ada&remember=maybe"),
        StatusCode::UNPROCESSABLE_ENTITY,
        &[],
        &json!({
            "error": "Unprocessable Content",
            "message": "The form has invalid fields.",
            "code": "INVALID_BODY",
            "details": [{
                "field": "remember",
                "message": "Provided string was not `true` or `false`.",
                "code": "INVALID_VALUE",
            }],
        }),
    )
    .await;
}

#[tokio::test]
async fn form_without_a_required_field_is_422_naming_it() {
    expect_error(
        &form_app(),
        || form_post("/login", "remember=true"),
        StatusCode::UNPROCESSABLE_ENTITY,
        &[],
        &json!({
            "error": "Unprocessable Content",
            "message": "The form has invalid fields.",
            "code": "INVALID_BODY",
            "details": [{
                "field": "user",
                "message": "This field is required.",
                "code": "REQUIRED",
            }],
        }),
    )
    .await;
}

#[tokio::test]
async fn form_on_get_is_the_query_string_and_400() {
    expect_error(
        &form_app(),
        || get_req("/login?user=ada&remember=maybe"),
        StatusCode::BAD_REQUEST,
        &[],
        &json!({
            "error": "Bad Request",
            "message": "The query string is invalid.",
            "code": "INVALID_QUERY",
            "details": [{
                "field": "remember",
                "message": "Provided string was not `true` or `false`.",
                "code": "INVALID_VALUE",
            }],
        }),
    )
    .await;
}

#[tokio::test]
async fn form_over_the_body_limit_is_413() {
    let body = "user=ada&remember=true&padding=xxxxxxxxxxxx";
    assert!(body.len() > 32);
    expect_error(
        &form_app(),
        || form_post("/small-form", body),
        StatusCode::PAYLOAD_TOO_LARGE,
        &[],
        &too_large(),
    )
    .await;
}
