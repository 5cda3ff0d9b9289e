//! Validation: by hand with `ApiError::validation()`, and with `Valid<E>` and
//! `ValidateFields` around `Json`, `Query` and `Form`.

use axum::{
    http::StatusCode,
    routing::{get, post},
    Router,
};
use axum_api_error::{ApiError, FieldErrors, Form, Json, Query, Valid, ValidateFields};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::{
    apps::{signup, Login},
    support::{
        expect_error, expect_json_ok, form_post, get_req, invalid_body, json_post, request,
        validation_failed, JSON_415,
    },
};

/// A handler that validates by hand: `FieldErrors::new()`, `push`, `check`,
/// `into_result()`.
async fn register(Json(input): Json<Value>) -> Result<(StatusCode, Json<Value>), ApiError> {
    let mut errors = FieldErrors::new();
    let name = input
        .get("name")
        .and_then(Value::as_str)
        .unwrap_or_default();
    if name.trim().is_empty() {
        errors.push("name", "Must not be empty.", "REQUIRED");
    }
    let age = input.get("age").and_then(Value::as_u64);
    errors.check(
        age.is_some_and(|age| age >= 18),
        "age",
        "Must be at least 18.",
        "too-young",
    );
    errors.into_result()?;
    Ok((StatusCode::CREATED, Json(json!({ "name": name }))))
}

#[derive(Debug, Deserialize, Serialize)]
struct Page {
    page: u32,
    per_page: u32,
}

impl ValidateFields for Page {
    fn validate_fields(&self, errors: &mut FieldErrors) {
        errors
            .check(
                self.page >= 1,
                "page",
                "Must be at least 1.",
                "OUT_OF_RANGE",
            )
            .check(
                self.per_page <= 100,
                "per_page",
                "Must be at most 100.",
                "OUT_OF_RANGE",
            );
    }
}

async fn list(Valid(Query(page)): Valid<Query<Page>>) -> Json<Page> {
    Json(page)
}

impl ValidateFields for Login {
    fn validate_fields(&self, errors: &mut FieldErrors) {
        errors.check(
            !self.user.is_empty(),
            "user",
            "Must not be empty.",
            "REQUIRED",
        );
    }
}

async fn valid_login(Valid(Form(login)): Valid<Form<Login>>) -> Json<Login> {
    Json(login)
}

fn validation_app() -> Router {
    Router::new()
        .route("/register", post(register))
        .route("/signup", post(signup))
        .route("/list", get(list))
        .route("/login", post(valid_login))
}

#[tokio::test]
async fn manual_validation_without_errors_passes() {
    expect_json_ok(
        &validation_app(),
        || json_post("/register", r#"{"name": "Ada", "age": 36}"#),
        StatusCode::CREATED,
        &json!({"name": "Ada"}),
    )
    .await;
}

#[tokio::test]
async fn manual_validation_collects_every_failing_field() {
    expect_error(
        &validation_app(),
        || json_post("/register", r#"{"name": " ", "age": 12}"#),
        StatusCode::UNPROCESSABLE_ENTITY,
        &[],
        &validation_failed(json!([
            {"field": "name", "message": "Must not be empty.", "code": "REQUIRED"},
            {"field": "age", "message": "Must be at least 18.", "code": "TOO_YOUNG"},
        ])),
    )
    .await;
}

#[tokio::test]
async fn manual_validation_with_one_failing_field_has_one_entry() {
    expect_error(
        &validation_app(),
        || json_post("/register", r#"{"name": "Ada"}"#),
        StatusCode::UNPROCESSABLE_ENTITY,
        &[],
        &validation_failed(json!([
            {"field": "age", "message": "Must be at least 18.", "code": "TOO_YOUNG"},
        ])),
    )
    .await;
}

#[tokio::test]
async fn valid_json_passes_a_valid_body() {
    expect_json_ok(
        &validation_app(),
        || {
            json_post(
                "/signup",
                r#"{"name": "Ada", "email": "ada@example.com", "age": 36}"#,
            )
        },
        StatusCode::OK,
        &json!({"name": "Ada", "email": "ada@example.com", "age": 36}),
    )
    .await;
}

#[tokio::test]
async fn valid_json_reports_every_failing_field() {
    expect_error(
        &validation_app(),
        || json_post("/signup", r#"{"name": "", "email": "nope", "age": 17}"#),
        StatusCode::UNPROCESSABLE_ENTITY,
        &[],
        &validation_failed(json!([
            {"field": "name", "message": "Must not be empty.", "code": "REQUIRED"},
            {"field": "email", "message": "Must be a valid email address.", "code": "INVALID_FORMAT"},
            {"field": "age", "message": "Must be at least 18.", "code": "TOO_YOUNG"},
        ])),
    )
    .await;
}

#[tokio::test]
async fn valid_json_reports_only_the_failing_field() {
    expect_error(
        &validation_app(),
        || json_post("/signup", r#"{"name": "Ada", "email": "ada.example.com", "age": 36}"#),
        StatusCode::UNPROCESSABLE_ENTITY,
        &[],
        &validation_failed(json!([
            {"field": "email", "message": "Must be a valid email address.", "code": "INVALID_FORMAT"},
        ])),
    )
    .await;
}

#[tokio::test]
async fn valid_json_with_malformed_json_keeps_the_400() {
    expect_error(
        &validation_app(),
        || json_post("/signup", r#"{"name": "", "email": "nope", "age": 17"#),
        StatusCode::BAD_REQUEST,
        &[],
        &json!({
            "error": "Bad Request",
            "message": "The request body is not valid JSON: EOF while parsing an object at line 1, column 39.",
            "code": "INVALID_JSON",
        }),
    )
    .await;
}

#[tokio::test]
async fn valid_json_without_content_type_keeps_the_415() {
    expect_error(
        &validation_app(),
        || {
            request(
                "POST",
                "/signup",
                None,
                r#"{"name": "", "email": "nope", "age": 17}"#,
            )
        },
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
async fn valid_json_of_the_wrong_shape_keeps_the_invalid_body_422() {
    expect_error(
        &validation_app(),
        || json_post("/signup", r#"{"name": "", "email": "nope"}"#),
        StatusCode::UNPROCESSABLE_ENTITY,
        &[],
        &invalid_body(
            json!([{"field": "age", "message": "This field is required.", "code": "REQUIRED"}]),
        ),
    )
    .await;
}

#[tokio::test]
async fn valid_query_passes_and_fails_per_field() {
    let app = validation_app();
    expect_json_ok(
        &app,
        || get_req("/list?page=2&per_page=50"),
        StatusCode::OK,
        &json!({"page": 2, "per_page": 50}),
    )
    .await;
    expect_error(
        &app,
        || get_req("/list?page=0&per_page=500"),
        StatusCode::UNPROCESSABLE_ENTITY,
        &[],
        &validation_failed(json!([
            {"field": "page", "message": "Must be at least 1.", "code": "OUT_OF_RANGE"},
            {"field": "per_page", "message": "Must be at most 100.", "code": "OUT_OF_RANGE"},
        ])),
    )
    .await;
}

#[tokio::test]
async fn valid_query_with_an_unparseable_parameter_keeps_the_400() {
    expect_error(
        &validation_app(),
        || get_req("/list?page=abc&per_page=500"),
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
async fn valid_form_fails_per_field_and_keeps_the_415() {
    let app = validation_app();
    expect_error(
        &app,
        || form_post("/login", "user=&remember=false"),
        StatusCode::UNPROCESSABLE_ENTITY,
        &[],
        &validation_failed(
            json!([{"field": "user", "message": "Must not be empty.", "code": "REQUIRED"}]),
        ),
    )
    .await;
    const FORM: &str = "application/x-www-form-urlencoded";
    expect_error(
        &app,
        || json_post("/login", r#"{"user": ""}"#),
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        &[("accept", FORM), ("accept-post", FORM)],
        &json!({
            "error": "Unsupported Media Type",
            "message": "The request body must be a form, sent with `Content-Type: application/x-www-form-urlencoded`.",
            "code": "UNSUPPORTED_MEDIA_TYPE",
        }),
    )
    .await;
}
