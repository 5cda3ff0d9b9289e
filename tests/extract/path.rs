//! `Path<T>`: the parameters accepted, then an invalid one named by its route
//! parameter or field, and a route that does not fit the extractor.

use axum::http::StatusCode;
use serde_json::json;

use crate::{
    apps::path_app,
    support::{assert_no_echo, expect_error, expect_json_ok, get_req},
};

#[tokio::test]
async fn path_accepts_valid_parameters() {
    let app = path_app();
    expect_json_ok(
        &app,
        || get_req("/users/42"),
        StatusCode::OK,
        &json!({"id": 42}),
    )
    .await;
    expect_json_ok(
        &app,
        || get_req("/a/1/2"),
        StatusCode::OK,
        &json!({"x": 1, "y": 2}),
    )
    .await;
    expect_json_ok(
        &app,
        || get_req("/b/3/4"),
        StatusCode::OK,
        &json!({"x": 3, "y": 4}),
    )
    .await;
    expect_json_ok(
        &app,
        || get_req("/colors/red"),
        StatusCode::OK,
        &json!("red"),
    )
    .await;
}

#[tokio::test]
async fn path_single_value_names_the_route_parameter() {
    expect_error(
        &path_app(),
        || get_req("/users/abc"),
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
}

#[tokio::test]
async fn path_single_value_with_invalid_utf8_names_the_route_parameter() {
    expect_error(
        &path_app(),
        || get_req("/users/%FF"),
        StatusCode::BAD_REQUEST,
        &[],
        &json!({
            "error": "Bad Request",
            "message": "The path parameter `id` is not valid UTF-8.",
            "code": "INVALID_PATH",
            "details": [{
                "field": "id",
                "message": "Must be valid UTF-8.",
                "code": "INVALID_VALUE",
            }],
        }),
    )
    .await;
}

#[tokio::test]
async fn path_tuple_names_the_route_parameter() {
    expect_error(
        &path_app(),
        || get_req("/a/1/x"),
        StatusCode::BAD_REQUEST,
        &[],
        &json!({
            "error": "Bad Request",
            "message": "The path parameter `y` is invalid.",
            "code": "INVALID_PATH",
            "details": [{
                "field": "y",
                "message": "Expected a non-negative integer.",
                "code": "INVALID_VALUE",
            }],
        }),
    )
    .await;
}

#[tokio::test]
async fn path_struct_names_the_field() {
    expect_error(
        &path_app(),
        || get_req("/b/1/-5"),
        StatusCode::BAD_REQUEST,
        &[],
        &json!({
            "error": "Bad Request",
            "message": "The path parameter `y` is invalid.",
            "code": "INVALID_PATH",
            "details": [{
                "field": "y",
                "message": "Expected a non-negative integer.",
                "code": "INVALID_VALUE",
            }],
        }),
    )
    .await;
}

#[tokio::test]
async fn path_single_value_enum_names_the_route_parameter() {
    expect_error(
        &path_app(),
        || get_req("/colors/purple"),
        StatusCode::BAD_REQUEST,
        &[],
        &json!({
            "error": "Bad Request",
            "message": "The path parameter `color` is invalid.",
            "code": "INVALID_PATH",
            "details": [{
                "field": "color",
                "message": "Expected one of `red`, `green`.",
                "code": "INVALID_VALUE",
            }],
        }),
    )
    .await;
}

#[tokio::test]
async fn path_that_does_not_fit_the_route_is_a_500() {
    expect_error(
        &path_app(),
        || get_req("/pair/1/2"),
        StatusCode::INTERNAL_SERVER_ERROR,
        &[],
        &json!({
            "error": "Internal Server Error",
            "message": "An internal error occurred.",
            "code": "INTERNAL_ERROR",
        }),
    )
    .await;
}

#[tokio::test]
async fn path_value_is_not_repeated() {
    let invalid = |field: &str, message: &str| {
        json!({
            "error": "Bad Request",
            "message": format!("The path parameter `{field}` is invalid."),
            "code": "INVALID_PATH",
            "details": [{"field": field, "message": message, "code": "INVALID_VALUE"}],
        })
    };
    for (uri, body) in [
        (
            "/users/hunter2-SECRET",
            invalid("id", "Expected a non-negative integer."),
        ),
        (
            "/a/1/hunter2-SECRET",
            invalid("y", "Expected a non-negative integer."),
        ),
        (
            "/b/hunter2-SECRET/1",
            invalid("x", "Expected a non-negative integer."),
        ),
        (
            "/colors/hunter2-SECRET",
            invalid("color", "Expected one of `red`, `green`."),
        ),
    ] {
        let sent = expect_error(
            &path_app(),
            || get_req(uri),
            StatusCode::BAD_REQUEST,
            &[],
            &body,
        )
        .await;
        assert_no_echo(&sent);
    }
}
