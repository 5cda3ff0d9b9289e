//! `Query<T>`: the parameters accepted, then a parameter unparseable, missing or
//! unknown.

use axum::http::StatusCode;
use serde_json::json;

use crate::{
    apps::query_app,
    support::{assert_no_echo, expect_error, expect_json_ok, get_req},
};

#[tokio::test]
async fn query_accepts_valid_parameters() {
    expect_json_ok(
        &query_app(),
        || get_req("/search?q=rust&page=2"),
        StatusCode::OK,
        &json!({"q": "rust", "page": 2}),
    )
    .await;
}

#[tokio::test]
async fn query_with_an_unparseable_parameter_is_400_naming_it() {
    expect_error(
        &query_app(),
        || get_req("/search?q=rust&page=abc"),
        StatusCode::BAD_REQUEST,
        &[],
        &json!({
            "error": "Bad Request",
            "message": "The query string is invalid.",
            "code": "INVALID_QUERY",
            "details": [{
                "field": "page",
                "message": "Invalid digit found in string.",
                "code": "INVALID_VALUE",
            }],
        }),
    )
    .await;
}

#[tokio::test]
async fn query_without_a_required_parameter_is_400_naming_it() {
    expect_error(
        &query_app(),
        || get_req("/search?page=1"),
        StatusCode::BAD_REQUEST,
        &[],
        &json!({
            "error": "Bad Request",
            "message": "The query string is invalid.",
            "code": "INVALID_QUERY",
            "details": [{
                "field": "q",
                "message": "This field is required.",
                "code": "REQUIRED",
            }],
        }),
    )
    .await;
}

#[tokio::test]
async fn query_with_an_unknown_parameter_is_400_naming_it_where_denied() {
    expect_error(
        &query_app(),
        || get_req("/strict?q=rust&sort=asc"),
        StatusCode::BAD_REQUEST,
        &[],
        &json!({
            "error": "Bad Request",
            "message": "The query string is invalid.",
            "code": "INVALID_QUERY",
            "details": [{
                "field": "sort",
                "message": "This field is not allowed.",
                "code": "UNKNOWN_FIELD",
            }],
        }),
    )
    .await;
}

#[tokio::test]
async fn query_value_is_not_repeated() {
    let sent = expect_error(
        &query_app(),
        || get_req("/search?q=rust&page=hunter2-SECRET"),
        StatusCode::BAD_REQUEST,
        &[],
        &json!({
            "error": "Bad Request",
            "message": "The query string is invalid.",
            "code": "INVALID_QUERY",
            "details": [{
                "field": "page",
                "message": "Invalid digit found in string.",
                "code": "INVALID_VALUE",
            }],
        }),
    )
    .await;
    assert_no_echo(&sent);
}
