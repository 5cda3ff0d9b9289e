//! `Form<T>`: the body (or, on `GET`, the query string) accepted, then refused.

use axum::{http::StatusCode, routing::post};
use axum_api_error::Form;
use serde_json::json;

use crate::{
    apps::{form_app, Signup},
    support::{
        assert_no_echo, expect_error, expect_json_ok, form_post, get_req, request, too_large,
    },
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
                "message": "Expected `true` or `false`.",
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
                "message": "Expected `true` or `false`.",
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

#[tokio::test]
async fn form_value_is_not_repeated() {
    let app = form_app().route("/signup", post(|Form(_): Form<Signup>| async {}));
    let invalid = |field: &str, message: &str| {
        json!({
            "error": "Unprocessable Content",
            "message": "The form has invalid fields.",
            "code": "INVALID_BODY",
            "details": [{"field": field, "message": message, "code": "INVALID_VALUE"}],
        })
    };
    for (uri, form, body) in [
        (
            "/signup",
            "name=a&email=b&age=hunter2-SECRET",
            invalid("age", "Invalid digit found in string."),
        ),
        (
            "/login",
            "user=ada&remember=hunter2-SECRET",
            invalid("remember", "Expected `true` or `false`."),
        ),
    ] {
        let sent = expect_error(
            &app,
            || form_post(uri, form),
            StatusCode::UNPROCESSABLE_ENTITY,
            &[],
            &body,
        )
        .await;
        assert_no_echo(&sent);
    }
}
