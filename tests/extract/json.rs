//! `Json<T>`: the body accepted, then every way it is refused (syntax, media type,
//! size, fields by path).

use axum::{
    http::{Request, StatusCode},
    routing::post,
    Router,
};
use serde_json::json;

use crate::{
    apps::{json_app, signup, ADA},
    support::{
        assert_no_echo, chunked, expect_error, expect_json_ok, form_post, invalid_body, json_post,
        request, too_large, JSON_415,
    },
};

#[tokio::test]
async fn json_accepts_a_valid_body_and_serialises_the_response() {
    expect_json_ok(
        &json_app(),
        || json_post("/users", ADA),
        StatusCode::OK,
        &json!({
            "name": "Ada",
            "email": "ada@example.com",
            "address": {"street": "1 Analytical Row", "zip": 12345},
        }),
    )
    .await;
}

#[tokio::test]
async fn json_accepts_a_content_type_with_parameters() {
    expect_json_ok(
        &json_app(),
        || {
            request(
                "POST",
                "/small",
                Some("application/json; charset=utf-8"),
                r#"{"a": 1}"#,
            )
        },
        StatusCode::OK,
        &json!({"a": 1}),
    )
    .await;
}

#[tokio::test]
async fn json_syntax_error_is_400_with_line_and_column() {
    // The `}` on line 3, column 12 is where a value was expected.
    let body = "{\n  \"name\": \"Ada\",\n  \"email\": }";
    expect_error(
        &json_app(),
        || json_post("/users", body),
        StatusCode::BAD_REQUEST,
        &[],
        &json!({
            "error": "Bad Request",
            "message": "The request body is not valid JSON: expected value at line 3, column 12.",
            "code": "INVALID_JSON",
        }),
    )
    .await;
}

#[tokio::test]
async fn json_truncated_body_is_400() {
    expect_error(
        &json_app(),
        || json_post("/users", r#"{"name": "Ada","#),
        StatusCode::BAD_REQUEST,
        &[],
        &json!({
            "error": "Bad Request",
            "message": "The request body is not valid JSON: EOF while parsing a value at line 1, column 15.",
            "code": "INVALID_JSON",
        }),
    )
    .await;
}

#[tokio::test]
async fn json_trailing_characters_are_400() {
    expect_error(
        &json_app(),
        || json_post("/small", r#"{"a": 1} x"#),
        StatusCode::BAD_REQUEST,
        &[],
        &json!({
            "error": "Bad Request",
            "message": "The request body is not valid JSON: trailing characters at line 1, column 10.",
            "code": "INVALID_JSON",
        }),
    )
    .await;
}

#[tokio::test]
async fn json_without_content_type_is_415_with_accept_and_accept_post() {
    expect_error(
        &json_app(),
        || request("POST", "/users", None, ADA),
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        &[
            ("accept", "application/json"),
            ("accept-post", "application/json"),
        ],
        &json!({
            "error": "Unsupported Media Type",
            "message": JSON_415,
            "code": "UNSUPPORTED_MEDIA_TYPE",
        }),
    )
    .await;
}

#[tokio::test]
async fn json_with_a_wrong_content_type_on_put_is_415_with_accept_only() {
    expect_error(
        &json_app(),
        || request("PUT", "/users", Some("text/plain"), ADA),
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        &[("accept", "application/json")],
        &json!({
            "error": "Unsupported Media Type",
            "message": JSON_415,
            "code": "UNSUPPORTED_MEDIA_TYPE",
        }),
    )
    .await;
}

#[tokio::test]
async fn json_with_a_form_content_type_on_post_is_415() {
    expect_error(
        &json_app(),
        || form_post("/users", "name=Ada"),
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        &[
            ("accept", "application/json"),
            ("accept-post", "application/json"),
        ],
        &json!({
            "error": "Unsupported Media Type",
            "message": JSON_415,
            "code": "UNSUPPORTED_MEDIA_TYPE",
        }),
    )
    .await;
}

#[tokio::test]
async fn json_over_the_body_limit_is_413() {
    // 41 bytes, with a Content-Length: refused before it is read.
    let body = r#"{"padding": "xxxxxxxxxxxxxxxxxxxxxxxxx"}"#;
    assert!(body.len() > 32);
    expect_error(
        &json_app(),
        || json_post("/small", body),
        StatusCode::PAYLOAD_TOO_LARGE,
        &[],
        &too_large(),
    )
    .await;
}

#[tokio::test]
async fn json_streamed_over_the_body_limit_is_413() {
    // No size announced: the limit is found while reading.
    let req = || {
        Request::post("/small")
            .header("content-type", "application/json")
            .body(chunked(&[
                r#"{"padding": "#,
                r#""xxxxxxxxxxxxx"#,
                r#"xxxxxxxxxxxx"}"#,
            ]))
            .unwrap()
    };
    expect_error(
        &json_app(),
        req,
        StatusCode::PAYLOAD_TOO_LARGE,
        &[],
        &too_large(),
    )
    .await;
}

#[tokio::test]
async fn json_exactly_at_the_body_limit_is_accepted() {
    // 32 bytes.
    let body = r#"{"padding": "xxxxxxxxxxxxxxxxx"}"#;
    assert_eq!(body.len(), 32);
    expect_json_ok(
        &json_app(),
        || json_post("/small", body),
        StatusCode::OK,
        &json!({"padding": "xxxxxxxxxxxxxxxxx"}),
    )
    .await;
}

#[tokio::test]
async fn json_wrong_type_in_a_nested_object_names_its_path() {
    let body =
        r#"{"name": "Ada", "email": "ada@example.com", "address": {"street": "x", "zip": "abc"}}"#;
    expect_error(
        &json_app(),
        || json_post("/users", body),
        StatusCode::UNPROCESSABLE_ENTITY,
        &[],
        &invalid_body(json!([{
            "field": "address.zip",
            "message": "Expected a non-negative integer.",
            "code": "INVALID_TYPE",
        }])),
    )
    .await;
}

#[tokio::test]
async fn json_wrong_type_in_an_array_element_names_its_index() {
    let body = r#"{"items": [{"sku": "a", "qty": 1}, {"sku": "b", "qty": 2}, {"sku": "c", "qty": "three"}]}"#;
    expect_error(
        &json_app(),
        || json_post("/orders", body),
        StatusCode::UNPROCESSABLE_ENTITY,
        &[],
        &invalid_body(json!([{
            "field": "items[2].qty",
            "message": "Expected a non-negative integer.",
            "code": "INVALID_TYPE",
        }])),
    )
    .await;
}

#[tokio::test]
async fn json_invalid_value_names_its_path() {
    let body = r#"{"items": [{"sku": "a", "qty": -1}]}"#;
    expect_error(
        &json_app(),
        || json_post("/orders", body),
        StatusCode::UNPROCESSABLE_ENTITY,
        &[],
        &invalid_body(json!([{
            "field": "items[0].qty",
            "message": "Expected an integer from 0 to 4294967295.",
            "code": "INVALID_VALUE",
        }])),
    )
    .await;
}

#[tokio::test]
async fn json_missing_top_level_field_is_named() {
    let body = r#"{"name": "Ada", "address": {"street": "x", "zip": 1}}"#;
    expect_error(
        &json_app(),
        || json_post("/users", body),
        StatusCode::UNPROCESSABLE_ENTITY,
        &[],
        &invalid_body(json!([{
            "field": "email",
            "message": "This field is required.",
            "code": "REQUIRED",
        }])),
    )
    .await;
}

#[tokio::test]
async fn json_missing_nested_field_is_named_by_its_path() {
    let body = r#"{"name": "Ada", "email": "ada@example.com", "address": {"street": "x"}}"#;
    expect_error(
        &json_app(),
        || json_post("/users", body),
        StatusCode::UNPROCESSABLE_ENTITY,
        &[],
        &invalid_body(json!([{
            "field": "address.zip",
            "message": "This field is required.",
            "code": "REQUIRED",
        }])),
    )
    .await;
}

#[tokio::test]
async fn json_missing_field_in_an_array_element_is_named_by_its_path() {
    let body = r#"{"items": [{"sku": "a", "qty": 1}, {"sku": "b"}]}"#;
    expect_error(
        &json_app(),
        || json_post("/orders", body),
        StatusCode::UNPROCESSABLE_ENTITY,
        &[],
        &invalid_body(json!([{
            "field": "items[1].qty",
            "message": "This field is required.",
            "code": "REQUIRED",
        }])),
    )
    .await;
}

#[tokio::test]
async fn json_missing_field_whose_parent_name_ends_with_it_is_named_by_its_path() {
    // `barcode` ends with `code`, the missing field's name.
    expect_error(
        &json_app(),
        || json_post("/products", r#"{"barcode": {}}"#),
        StatusCode::UNPROCESSABLE_ENTITY,
        &[],
        &invalid_body(json!([{
            "field": "barcode.code",
            "message": "This field is required.",
            "code": "REQUIRED",
        }])),
    )
    .await;
}

#[tokio::test]
async fn json_unknown_top_level_field_is_named_where_denied() {
    let body = r#"{"name": "Ada", "email": "ada@example.com", "address": {"street": "x", "zip": 1}, "admin": true}"#;
    expect_error(
        &json_app(),
        || json_post("/users", body),
        StatusCode::UNPROCESSABLE_ENTITY,
        &[],
        &invalid_body(json!([{
            "field": "admin",
            "message": "This field is not allowed.",
            "code": "UNKNOWN_FIELD",
        }])),
    )
    .await;
}

#[tokio::test]
async fn json_unknown_nested_field_is_named_by_its_path() {
    let body = r#"{"name": "Ada", "email": "ada@example.com", "address": {"street": "x", "zip": 1, "country": "UK"}}"#;
    expect_error(
        &json_app(),
        || json_post("/users", body),
        StatusCode::UNPROCESSABLE_ENTITY,
        &[],
        &invalid_body(json!([{
            "field": "address.country",
            "message": "This field is not allowed.",
            "code": "UNKNOWN_FIELD",
        }])),
    )
    .await;
}

#[tokio::test]
async fn json_unknown_field_is_accepted_where_not_denied() {
    let body = r#"{"items": [{"sku": "a", "qty": 1, "gift": true}], "note": "x"}"#;
    expect_json_ok(
        &json_app(),
        || json_post("/orders", body),
        StatusCode::OK,
        &json!({"items": [{"sku": "a", "qty": 1}]}),
    )
    .await;
}

#[tokio::test]
async fn json_of_the_wrong_type_at_the_root_names_the_body() {
    expect_error(
        &json_app(),
        || json_post("/orders", r#""two items""#),
        StatusCode::UNPROCESSABLE_ENTITY,
        &[],
        &invalid_body(json!([{
            "field": "body",
            "message": "Expected an object.",
            "code": "INVALID_TYPE",
        }])),
    )
    .await;
}

#[tokio::test]
async fn json_of_the_wrong_type_is_not_repeated() {
    let app = Router::new().route("/signup", post(signup));
    let sent = expect_error(
        &app,
        || json_post("/signup", r#"{"age":"hunter2-SECRET"}"#),
        StatusCode::UNPROCESSABLE_ENTITY,
        &[],
        &invalid_body(json!([{
            "field": "age",
            "message": "Expected a non-negative integer.",
            "code": "INVALID_TYPE",
        }])),
    )
    .await;
    assert_no_echo(&sent);
}

#[tokio::test]
async fn json_unknown_variant_lists_the_allowed_ones_without_the_value() {
    let app = Router::new().route(
        "/paint",
        post(|axum_api_error::Json(_): axum_api_error::Json<Paint>| async {}),
    );
    let sent = expect_error(
        &app,
        || json_post("/paint", r#"{"color": "hunter2-SECRET"}"#),
        StatusCode::UNPROCESSABLE_ENTITY,
        &[],
        &invalid_body(json!([{
            "field": "color",
            "message": "Expected one of `red`, `green`.",
            "code": "INVALID_VALUE",
        }])),
    )
    .await;
    assert_no_echo(&sent);
}

#[derive(Debug, serde::Deserialize)]
#[allow(dead_code)]
struct Paint {
    color: Color,
}

#[derive(Debug, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
enum Color {
    Red,
    Green,
}

#[tokio::test]
async fn json_syntax_error_does_not_quote_the_body() {
    let sent = expect_error(
        &json_app(),
        || json_post("/small", r#"{"a": hunter2-SECRET}"#),
        StatusCode::BAD_REQUEST,
        &[],
        &json!({
            "error": "Bad Request",
            "message": "The request body is not valid JSON: expected value at line 1, column 7.",
            "code": "INVALID_JSON",
        }),
    )
    .await;
    assert_no_echo(&sent);
}
