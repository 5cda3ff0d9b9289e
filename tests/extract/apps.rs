//! The types, handlers and routers that several modules use: one router per
//! extractor (`json_app`, `query_app`, `path_app`, `form_app`) and the `Valid<Json<_>>`
//! handler `signup`.

use axum::{
    extract::DefaultBodyLimit,
    routing::{get, post},
    Router,
};
use axum_api_error::{FieldErrors, Form, Json, Path, Query, Valid, ValidateFields};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct NewUser {
    name: String,
    email: String,
    address: Address,
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct Address {
    street: String,
    zip: u32,
}

#[derive(Debug, Deserialize, Serialize)]
pub(crate) struct Order {
    items: Vec<Item>,
}

#[derive(Debug, Deserialize, Serialize)]
pub(crate) struct Item {
    pub(crate) sku: String,
    pub(crate) qty: u32,
}

/// A field whose name ends with the name of one of its own fields.
#[derive(Debug, Deserialize, Serialize)]
struct Product {
    barcode: Barcode,
}

#[derive(Debug, Deserialize, Serialize)]
struct Barcode {
    code: String,
}

pub(crate) async fn create_user(Json(user): Json<NewUser>) -> Json<NewUser> {
    Json(user)
}

pub(crate) async fn create_order(Json(order): Json<Order>) -> Json<Order> {
    Json(order)
}

async fn create_product(Json(product): Json<Product>) -> Json<Product> {
    Json(product)
}

pub(crate) async fn echo(Json(value): Json<Value>) -> Json<Value> {
    Json(value)
}

pub(crate) fn json_app() -> Router {
    Router::new()
        .route("/users", post(create_user).put(create_user))
        .route("/orders", post(create_order))
        .route("/products", post(create_product))
        .route("/small", post(echo).layer(DefaultBodyLimit::max(32)))
}

#[derive(Debug, Deserialize, Serialize)]
pub(crate) struct Search {
    q: String,
    page: Option<u32>,
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct StrictSearch {
    q: String,
}

pub(crate) async fn search(Query(search): Query<Search>) -> Json<Search> {
    Json(search)
}

async fn strict_search(Query(search): Query<StrictSearch>) -> Json<StrictSearch> {
    Json(search)
}

pub(crate) fn query_app() -> Router {
    Router::new()
        .route("/search", get(search))
        .route("/strict", get(strict_search))
}

#[derive(Debug, Deserialize, Serialize)]
pub(crate) struct Point {
    x: u32,
    y: u32,
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
enum Color {
    Red,
    Green,
}

pub(crate) async fn show_user(Path(id): Path<u64>) -> Json<Value> {
    Json(json!({ "id": id }))
}

async fn tuple_path(Path((x, y)): Path<(u32, u32)>) -> Json<Value> {
    Json(json!({ "x": x, "y": y }))
}

pub(crate) async fn struct_path(Path(point): Path<Point>) -> Json<Point> {
    Json(point)
}

async fn enum_path(Path(color): Path<Color>) -> Json<Color> {
    Json(color)
}

pub(crate) fn path_app() -> Router {
    Router::new()
        .route("/users/{id}", get(show_user))
        .route("/a/{x}/{y}", get(tuple_path))
        .route("/b/{x}/{y}", get(struct_path))
        .route("/colors/{color}", get(enum_path))
        // A route whose parameters do not fit the extractor: a bug of the server.
        .route("/pair/{a}/{b}", get(show_user))
}

#[derive(Debug, Deserialize, Serialize)]
pub(crate) struct Login {
    pub(crate) user: String,
    pub(crate) remember: bool,
}

pub(crate) async fn login(Form(login): Form<Login>) -> Json<Login> {
    Json(login)
}

pub(crate) fn form_app() -> Router {
    Router::new()
        .route("/login", get(login).post(login))
        .route("/small-form", post(login).layer(DefaultBodyLimit::max(32)))
}

#[derive(Debug, Deserialize, Serialize)]
pub(crate) struct Signup {
    name: String,
    email: String,
    age: u32,
}

impl ValidateFields for Signup {
    fn validate_fields(&self, errors: &mut FieldErrors) {
        errors
            .check(
                !self.name.trim().is_empty(),
                "name",
                "Must not be empty.",
                "REQUIRED",
            )
            .check(
                self.email.contains('@'),
                "email",
                "Must be a valid email address.",
                "INVALID_FORMAT",
            )
            .check(self.age >= 18, "age", "Must be at least 18.", "TOO_YOUNG");
    }
}

pub(crate) async fn signup(Valid(Json(signup)): Valid<Json<Signup>>) -> Json<Signup> {
    Json(signup)
}

/// A valid body for `/users`.
pub(crate) const ADA: &str = r#"{"name": "Ada", "email": "ada@example.com", "address": {"street": "1 Analytical Row", "zip": 12345}}"#;
