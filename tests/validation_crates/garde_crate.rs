use axum::{
    extract::FromRef,
    routing::{get, post},
    Router,
};
use axum_api_error::{
    garde::Valid, validate::FieldCase, ApiError, ApiErrorLayer, Form, Json, Path, Query,
};
use garde::Validate;
use reqwest::Method;
use serde::Deserialize;
use serde_json::json;
use testkit::server::{send, serve_service, Server};

use super::assert_failed;

#[derive(Debug, Deserialize, Validate)]
#[serde(rename_all = "camelCase")]
#[garde(context(Limits))]
struct NewOrder {
    #[garde(email)]
    contact_email: String,
    #[garde(length(min = 1, max = 20))]
    order_name: String,
    #[garde(dive)]
    shipping_address: Address,
    #[garde(dive, custom(at_most_items))]
    line_items: Vec<LineItem>,
}

#[derive(Debug, Deserialize, Validate)]
#[serde(rename_all = "camelCase")]
#[garde(context(Limits))]
struct Address {
    #[garde(length(min = 2))]
    city_name: String,
}

#[derive(Debug, Deserialize, Validate)]
#[serde(rename_all = "camelCase")]
#[garde(context(Limits))]
struct LineItem {
    #[garde(range(min = 1, max = 99))]
    unit_count: u32,
}

/// The context: from the state.
#[derive(Debug, Clone)]
struct Limits {
    max_items: usize,
}

#[derive(Debug, Clone)]
struct AppState {
    limits: Limits,
}

impl FromRef<AppState> for Limits {
    fn from_ref(state: &AppState) -> Self {
        state.limits.clone()
    }
}

/// garde's default context, `()`, with a state of the app's own.
impl FromRef<AppState> for () {
    fn from_ref(_: &AppState) {}
}

fn at_most_items(items: &[LineItem], limits: &Limits) -> garde::Result {
    if items.len() > limits.max_items {
        return Err(garde::Error::new(format!(
            "at most {} items per order",
            limits.max_items
        )));
    }
    Ok(())
}

#[derive(Debug, Deserialize, Validate)]
struct Paging {
    #[garde(range(min = 1))]
    page: u32,
    #[garde(range(min = 1, max = 100))]
    per_page: u32,
}

#[derive(Debug, Deserialize, Validate)]
struct Slug {
    #[garde(length(max = 5))]
    slug: String,
}

async fn create(Valid(Json(order)): Valid<Json<NewOrder>>) -> String {
    order.order_name
}

async fn create_by_hand(Json(order): Json<NewOrder>) -> Result<String, ApiError> {
    order.validate_with(&Limits { max_items: 12 })?;
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

async fn start(case: FieldCase) -> Server {
    let app = Router::new()
        .route("/orders", post(create))
        .route("/orders/by-hand", post(create_by_hand))
        .route("/orders/list", get(list))
        .route("/orders/search", post(search))
        .route("/things/{slug}", get(by_slug))
        .with_state(AppState {
            limits: Limits { max_items: 12 },
        })
        .layer(ApiErrorLayer::new().with_field_case(case));
    serve_service(app).await
}

/// An order that breaks every rule once, two of its thirteen items twice.
fn bad_order() -> serde_json::Value {
    let mut items: Vec<serde_json::Value> = (0..13).map(|_| json!({"unitCount": 1})).collect();
    items[2] = json!({"unitCount": 0});
    items[10] = json!({"unitCount": 100});
    json!({
        "contactEmail": "not an address",
        "orderName": "",
        "shippingAddress": {"cityName": "A"},
        "lineItems": items,
    })
}

#[tokio::test]
async fn every_failing_rule_is_one_detail_sorted_by_path_the_context_from_the_state() {
    let s = start(FieldCase::Camel).await;
    let res = s.send_json(Method::POST, "/orders", "", &bad_order()).await;
    let invalid = |field: &str, message: &str| json!({"field": field, "message": message, "code": "INVALID_VALUE"});
    assert_failed(
        &res,
        json!([
            invalid("contactEmail", "Not a valid email: value is missing `@`."),
            invalid("lineItems", "At most 12 items per order."),
            invalid("lineItems[2].unitCount", "Lower than 1."),
            invalid("lineItems[10].unitCount", "Greater than 99."),
            invalid("orderName", "Length is lower than 1."),
            invalid("shippingAddress.cityName", "Length is lower than 2."),
        ]),
    );
    // By hand, through `?`: the Rust names.
    let res = s
        .send_json(Method::POST, "/orders/by-hand", "", &bad_order())
        .await;
    assert_failed(
        &res,
        json!([
            invalid("contact_email", "Not a valid email: value is missing `@`."),
            invalid("line_items", "At most 12 items per order."),
            invalid("line_items[2].unit_count", "Lower than 1."),
            invalid("line_items[10].unit_count", "Greater than 99."),
            invalid("order_name", "Length is lower than 1."),
            invalid("shipping_address.city_name", "Length is lower than 2."),
        ]),
    );
}

#[tokio::test]
async fn query_form_and_path_are_validated_after_their_own_rejections() {
    let s = start(FieldCase::Kebab).await;
    let per_page =
        json!({"field": "per-page", "message": "Greater than 100.", "code": "INVALID_VALUE"});
    let res = s.get("/orders/list?page=0&per_page=500").await;
    assert_failed(
        &res,
        json!([
            {"field": "page", "message": "Lower than 1.", "code": "INVALID_VALUE"},
            per_page,
        ]),
    );
    let res = send(
        s.req(Method::POST, "/orders/search")
            .header("content-type", "application/x-www-form-urlencoded")
            .body("page=1&per_page=500"),
    )
    .await;
    assert_failed(&res, json!([per_page]));
    let res = s.get("/things/longer-than-five").await;
    assert_failed(
        &res,
        json!([{"field": "slug", "message": "Length is greater than 5.", "code": "INVALID_VALUE"}]),
    );
    let res = s.get("/orders/list?page=first&per_page=5").await;
    res.expect_error(400);
    assert_eq!(
        res.json(),
        json!({
            "error": "Bad Request",
            "message": "The query string is invalid.",
            "code": "INVALID_QUERY",
            "details": [{"field": "page", "message": "Invalid digit found in string.", "code": "INVALID_VALUE"}],
            "requestId": res.request_id(),
        })
    );
    let res = s.get("/orders/list?page=3&per_page=5").await;
    res.expect(200);
    assert_eq!(res.text(), "3");
}
