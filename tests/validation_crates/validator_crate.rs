use axum::{
    routing::{get, post},
    Router,
};
use axum_api_error::{
    validate::FieldCase, validator::Valid, ApiError, ApiErrorLayer, Form, Json, Path, Query,
};
use reqwest::Method;
use serde::Deserialize;
use serde_json::json;
use testkit::server::{send, serve_service, Server};
use validator::{Validate, ValidationError};

use super::assert_failed;

#[derive(Debug, Deserialize, Validate)]
#[serde(rename_all = "camelCase")]
#[validate(schema(function = "dates_in_order", skip_on_field_errors = false))]
struct NewOrder {
    #[validate(email)]
    contact_email: String,
    #[validate(length(min = 1, max = 20))]
    order_name: String,
    #[validate(nested)]
    shipping_address: Address,
    #[validate(nested)]
    line_items: Vec<LineItem>,
    #[validate(custom(function = "not_a_test_order"))]
    reference: String,
    starts_on: u32,
    ends_on: u32,
}

#[derive(Debug, Deserialize, Validate)]
#[serde(rename_all = "camelCase")]
#[validate(schema(function = "zip_of_country", skip_on_field_errors = false))]
struct Address {
    #[validate(length(min = 2))]
    city_name: String,
    country: String,
    zip: String,
}

#[derive(Debug, Deserialize, Validate)]
#[serde(rename_all = "camelCase")]
struct LineItem {
    #[validate(range(min = 1, max = 99))]
    unit_count: u32,
    #[validate(length(min = 1, message = "Name the product."))]
    product_code: String,
}

fn dates_in_order(order: &NewOrder) -> Result<(), ValidationError> {
    if order.ends_on < order.starts_on {
        return Err(ValidationError::new("dates_out_of_order")
            .with_message("Ends before it starts.".into()));
    }
    Ok(())
}

fn zip_of_country(address: &Address) -> Result<(), ValidationError> {
    if address.country == "NL" && address.zip.len() != 6 {
        return Err(ValidationError::new("zip_mismatch")
            .with_message("The zip code is not one of the country's.".into()));
    }
    Ok(())
}

fn not_a_test_order(reference: &str) -> Result<(), ValidationError> {
    if reference.starts_with("test-") {
        return Err(ValidationError::new("test_order"));
    }
    Ok(())
}

#[derive(Debug, Deserialize, Validate)]
struct Paging {
    #[validate(range(min = 1))]
    page: u32,
    #[validate(range(min = 1, max = 100))]
    per_page: u32,
}

#[derive(Debug, Deserialize, Validate)]
struct Slug {
    #[validate(length(max = 5))]
    slug: String,
}

async fn create(Valid(Json(order)): Valid<Json<NewOrder>>) -> String {
    order.order_name
}

async fn create_by_hand(Json(order): Json<NewOrder>) -> Result<String, ApiError> {
    order.validate()?;
    Ok(order.order_name)
}

async fn list(Valid(Query(paging)): Valid<Query<Paging>>) -> String {
    paging.page.to_string()
}

async fn search(Valid(Form(paging)): Valid<Form<Paging>>) -> String {
    paging.per_page.to_string()
}

async fn by_slug(Valid(Path(slug)): Valid<Path<Slug>>) -> String {
    slug.slug
}

#[derive(Debug, Deserialize, Validate)]
struct Signup {
    password: String,
    #[validate(must_match(other = "password"))]
    password_again: String,
}

async fn signup(Valid(Json(signup)): Valid<Json<Signup>>) -> String {
    signup.password.len().to_string()
}

/// A list validated whole: its items' paths start at the index.
async fn items(Valid(Json(items)): Valid<Json<Vec<LineItem>>>) -> String {
    items.len().to_string()
}

async fn start(case: FieldCase) -> Server {
    let app = Router::new()
        .route("/orders", post(create))
        .route("/orders/by-hand", post(create_by_hand))
        .route("/orders/list", get(list))
        .route("/orders/search", post(search))
        .route("/things/{slug}", get(by_slug))
        .route("/signup", post(signup))
        .route("/items", post(items))
        .layer(ApiErrorLayer::new().with_field_case(case));
    serve_service(app).await
}

/// An order that breaks every rule once, two of its twelve items twice.
fn bad_order() -> serde_json::Value {
    let mut items: Vec<serde_json::Value> = (0..12)
        .map(|_| json!({"unitCount": 1, "productCode": "P-1"}))
        .collect();
    items[2] = json!({"unitCount": 0, "productCode": ""});
    items[10] = json!({"unitCount": 100, "productCode": "P-10"});
    json!({
        "contactEmail": "not an address",
        "orderName": "",
        "shippingAddress": {"cityName": "A", "country": "NL", "zip": "123"},
        "lineItems": items,
        "reference": "test-7",
        "startsOn": 20,
        "endsOn": 10,
    })
}

#[tokio::test]
async fn every_failing_rule_is_one_detail_sorted_by_its_camel_case_path() {
    let s = start(FieldCase::Camel).await;
    let res = s.send_json(Method::POST, "/orders", "", &bad_order()).await;
    assert_failed(
        &res,
        json!([
            {"field": "", "message": "Ends before it starts.", "code": "DATES_OUT_OF_ORDER"},
            {"field": "contactEmail", "message": "Must be a valid email address.", "code": "EMAIL"},
            {"field": "lineItems[2].productCode", "message": "Name the product.", "code": "LENGTH"},
            {"field": "lineItems[2].unitCount", "message": "Must be from 1 to 99.", "code": "RANGE"},
            {"field": "lineItems[10].unitCount", "message": "Must be from 1 to 99.", "code": "RANGE"},
            {"field": "orderName", "message": "Must have a length of 1 to 20.", "code": "LENGTH"},
            {"field": "reference", "message": "Is invalid.", "code": "TEST_ORDER"},
            {"field": "shippingAddress", "message": "The zip code is not one of the country's.", "code": "ZIP_MISMATCH"},
            {"field": "shippingAddress.cityName", "message": "Must have a length of at least 2.", "code": "LENGTH"},
        ]),
    );
}

#[tokio::test]
async fn without_a_field_case_the_paths_are_the_rust_names_and_so_through_question_mark() {
    let s = start(FieldCase::AsIs).await;
    let expected = json!([
        {"field": "", "message": "Ends before it starts.", "code": "DATES_OUT_OF_ORDER"},
        {"field": "contact_email", "message": "Must be a valid email address.", "code": "EMAIL"},
        {"field": "line_items[2].product_code", "message": "Name the product.", "code": "LENGTH"},
        {"field": "line_items[2].unit_count", "message": "Must be from 1 to 99.", "code": "RANGE"},
        {"field": "line_items[10].unit_count", "message": "Must be from 1 to 99.", "code": "RANGE"},
        {"field": "order_name", "message": "Must have a length of 1 to 20.", "code": "LENGTH"},
        {"field": "reference", "message": "Is invalid.", "code": "TEST_ORDER"},
        {"field": "shipping_address", "message": "The zip code is not one of the country's.", "code": "ZIP_MISMATCH"},
        {"field": "shipping_address.city_name", "message": "Must have a length of at least 2.", "code": "LENGTH"},
    ]);
    for path in ["/orders", "/orders/by-hand"] {
        let res = s.send_json(Method::POST, path, "", &bad_order()).await;
        assert_failed(&res, expected.clone());
    }
    // `?` knows no request: it names the fields in Rust even where the layer would
    // re-case them.
    let s = start(FieldCase::Kebab).await;
    let res = s
        .send_json(Method::POST, "/orders/by-hand", "", &bad_order())
        .await;
    assert_failed(&res, expected);
}

#[tokio::test]
async fn query_form_and_path_are_validated_after_their_own_rejections() {
    let s = start(FieldCase::ScreamingSnake).await;
    let per_page =
        json!({"field": "PER_PAGE", "message": "Must be from 1 to 100.", "code": "RANGE"});
    let res = s.get("/orders/list?page=0&per_page=500").await;
    assert_failed(
        &res,
        json!([
            {"field": "PAGE", "message": "Must be at least 1.", "code": "RANGE"},
            per_page,
        ]),
    );
    let res = send(
        s.req(Method::POST, "/orders/search")
            .header("content-type", "application/x-www-form-urlencoded")
            .body("page=1&per_page=0"),
    )
    .await;
    assert_failed(&res, json!([per_page]));
    let res = s.get("/things/longer-than-five").await;
    assert_failed(
        &res,
        json!([{"field": "SLUG", "message": "Must have a length of at most 5.", "code": "LENGTH"}]),
    );
    // What does not deserialise is the extractor's rejection, with its status.
    let res = s.get("/orders/list?page=first&per_page=5").await;
    res.expect_error(400);
    assert_eq!(
        res.json(),
        json!({
            "error": "Bad Request",
            "message": "The query string is invalid.",
            "code": "INVALID_QUERY",
            // The extractor's own rejection names the key as sent.
            "details": [{"field": "page", "message": "Invalid digit found in string.", "code": "INVALID_VALUE"}],
            "requestId": res.request_id(),
        })
    );
    let res = send(
        s.req(Method::POST, "/orders")
            .header("content-type", "application/json")
            .body("{"),
    )
    .await;
    res.expect_error(400);
    assert_eq!(
        res.json(),
        json!({
            "error": "Bad Request",
            "message": "The request body is not valid JSON: EOF while parsing an object at line 1, column 1.",
            "code": "INVALID_JSON",
            "requestId": res.request_id(),
        })
    );
    // And what passes is the handler's.
    let res = s.get("/orders/list?page=3&per_page=5").await;
    res.expect(200);
    assert_eq!(res.text(), "3");
}

#[tokio::test]
async fn no_message_quotes_a_value_and_a_list_validated_whole_starts_at_its_index() {
    let s = start(FieldCase::Camel).await;
    // validator gives `must_match` the other field's value: it is not sent.
    let res = s
        .send_json(
            Method::POST,
            "/signup",
            "",
            &json!({"password": "SECRET-hunter2", "password_again": "other"}),
        )
        .await;
    assert_failed(
        &res,
        json!([{"field": "passwordAgain", "message": "Must match the other field.", "code": "MUST_MATCH"}]),
    );
    assert!(!res.text().contains("SECRET"));
    let res = s
        .send_json(
            Method::POST,
            "/items",
            "",
            &json!([{"unitCount": 1, "productCode": "A"}, {"unitCount": 0, "productCode": "B"}]),
        )
        .await;
    assert_failed(
        &res,
        json!([{"field": "[1].unitCount", "message": "Must be from 1 to 99.", "code": "RANGE"}]),
    );
}
