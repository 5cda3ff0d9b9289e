//! Drop-in extractors whose rejections are [`ApiError`]s naming the field at fault.
//!
//! [`Json`], [`Query`], [`Path`] and [`Form`] are used exactly like axum's. Where
//! axum answers a line of plain text, these answer the crate's error body, with a
//! `details` entry whose `field` is the path of the value at fault (`address.zip`,
//! `items[2].qty`):
//!
//! ```
//! use axum::{body::Body, http::{Request, StatusCode}, routing::post, Router};
//! use axum_api_error::Json;
//! use serde::Deserialize;
//! use serde_json::{json, Value};
//! use tower::ServiceExt;
//!
//! #[derive(Deserialize)]
//! struct Order { items: Vec<Item> }
//! #[derive(Deserialize)]
//! struct Item { qty: u32 }
//!
//! async fn create(Json(order): Json<Order>) -> String {
//!     order.items.len().to_string()
//! }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! let app = Router::new().route("/orders", post(create));
//! let res = app
//!     .oneshot(
//!         Request::post("/orders")
//!             .header("content-type", "application/json")
//!             .body(Body::from(r#"{"items": [{"qty": 1}, {"qty": "two"}]}"#))
//!             .unwrap(),
//!     )
//!     .await
//!     .unwrap();
//! assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
//! let body = axum::body::to_bytes(res.into_body(), usize::MAX).await.unwrap();
//! let body: Value = serde_json::from_slice(&body).unwrap();
//! assert_eq!(body, json!({
//!     "error": "Unprocessable Content",
//!     "message": "The request body has invalid fields.",
//!     "code": "INVALID_BODY",
//!     "details": [{
//!         "field": "items[1].qty",
//!         "message": "Expected a non-negative integer.",
//!         "code": "INVALID_TYPE",
//!     }],
//! }));
//! # }
//! ```
//!
//! To keep axum's own extractors, convert their rejections: `ApiError` implements
//! `From` for each (see [`ApiError`]'s conversions), so `Result<axum::Json<T>,
//! JsonRejection>` turns into an `ApiError` with `?`, and
//! `axum_extra::extract::WithRejection<axum::Json<T>, ApiError>` works as it is.

use axum::extract::{
    rejection::PathRejection, FromRequest, FromRequestParts, OptionalFromRequest,
    OptionalFromRequestParts, RawPathParams, Request,
};
use axum_core::response::{IntoResponse, Response};
use http::{request::Parts, Method};
use serde::{de::DeserializeOwned, Serialize};

use crate::{
    convert::path_error,
    error::{ApiError, ErrorKind},
};

/// JSON request and response bodies, like [`axum::Json`], whose rejection is an
/// [`ApiError`]: 415 without a JSON `Content-Type` (with `Accept`, and `Accept-Post` on
/// a POST), 400 `INVALID_JSON` with the line and column of a syntax error, 413 over
/// the body limit, 422 `INVALID_BODY` naming the field of the wrong shape (a wrong
/// type, a missing field, an unknown field where the type denies them).
///
/// ```
/// use axum::{body::Body, http::{Request, StatusCode}, routing::post, Router};
/// use axum_api_error::{ApiError, Json};
/// use serde::{Deserialize, Serialize};
/// use serde_json::{json, Value};
/// use tower::ServiceExt;
///
/// #[derive(Deserialize, Serialize)]
/// #[serde(deny_unknown_fields)]
/// struct NewUser { name: String, email: String }
///
/// async fn create(Json(user): Json<NewUser>) -> Result<Json<NewUser>, ApiError> {
///     Ok(Json(user))
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let app: Router = Router::new().route("/users", post(create));
/// let post = |body: &'static str| {
///     Request::post("/users").header("content-type", "application/json").body(Body::from(body)).unwrap()
/// };
/// let res = app.clone().oneshot(post(r#"{"name":"Ada","email":"ada@example.com"}"#)).await.unwrap();
/// assert_eq!(res.status(), StatusCode::OK);
/// let res = app.oneshot(post(r#"{"name":"Ada","email":"ada@example.com","age":36}"#)).await.unwrap();
/// assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
/// let body = axum::body::to_bytes(res.into_body(), usize::MAX).await.unwrap();
/// assert_eq!(serde_json::from_slice::<Value>(&body).unwrap(), json!({
///     "error": "Unprocessable Content",
///     "message": "The request body has invalid fields.",
///     "code": "INVALID_BODY",
///     "details": [{"field": "age", "message": "This field is not allowed.", "code": "UNKNOWN_FIELD"}],
/// }));
/// # }
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[must_use]
pub struct Json<T>(pub T);

/// A query string, like [`axum::extract::Query`], whose rejection is a 400
/// `INVALID_QUERY` with a `details` entry naming the parameter.
///
/// ```
/// use axum::{body::Body, http::{Request, StatusCode}, routing::get, Router};
/// use axum_api_error::Query;
/// use serde::Deserialize;
/// use serde_json::{json, Value};
/// use tower::ServiceExt;
///
/// #[derive(Deserialize)]
/// struct Page { page: Option<u32>, limit: Option<u32> }
///
/// async fn list(Query(p): Query<Page>) -> String {
///     format!("page {} of {}", p.page.unwrap_or(1), p.limit.unwrap_or(20))
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let app: Router = Router::new().route("/users", get(list));
/// let res = app.oneshot(Request::get("/users?page=abc").body(Body::empty()).unwrap()).await.unwrap();
/// assert_eq!(res.status(), StatusCode::BAD_REQUEST);
/// let body = axum::body::to_bytes(res.into_body(), usize::MAX).await.unwrap();
/// assert_eq!(serde_json::from_slice::<Value>(&body).unwrap(), json!({
///     "error": "Bad Request",
///     "message": "The query string is invalid.",
///     "code": "INVALID_QUERY",
///     "details": [{"field": "page", "message": "Invalid digit found in string.", "code": "INVALID_VALUE"}],
/// }));
/// # }
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Query<T>(pub T);

impl<T, S> FromRequestParts<S> for Query<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Query::<T>::from_request_parts(parts, state)
            .await
            .map(|axum::extract::Query(value)| Self(value))
            .map_err(ApiError::from)
    }
}

/// Path parameters, like [`axum::extract::Path`], whose rejection is a 400
/// `INVALID_PATH` with a `details` entry naming the parameter (`/users/abc` for
/// `Path<u64>` names `id`). A route whose parameters do not fit the type is a bug of
/// the server: 500.
///
/// ```
/// use axum::{body::Body, http::{Request, StatusCode}, routing::get, Router};
/// use axum_api_error::Path;
/// use serde_json::{json, Value};
/// use tower::ServiceExt;
///
/// async fn show(Path(id): Path<u64>) -> String {
///     id.to_string()
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let app: Router = Router::new().route("/users/{id}", get(show));
/// let res = app.oneshot(Request::get("/users/abc").body(Body::empty()).unwrap()).await.unwrap();
/// assert_eq!(res.status(), StatusCode::BAD_REQUEST);
/// let body = axum::body::to_bytes(res.into_body(), usize::MAX).await.unwrap();
/// assert_eq!(serde_json::from_slice::<Value>(&body).unwrap(), json!({
///     "error": "Bad Request",
///     "message": "The path parameter `id` is invalid.",
///     "code": "INVALID_PATH",
///     "details": [{"field": "id", "message": "Expected a non-negative integer.", "code": "INVALID_VALUE"}],
/// }));
/// # }
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Path<T>(pub T);

impl<T, S> FromRequestParts<S> for Path<T>
where
    T: DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match <axum::extract::Path<T> as FromRequestParts<S>>::from_request_parts(parts, state)
            .await
        {
            Ok(axum::extract::Path(value)) => Ok(Self(value)),
            Err(rejection) => Err(path_rejection(parts, state, rejection).await),
        }
    }
}

/// `Option<Path<T>>`, exactly as axum 0.8's: `None` on a route without parameters
/// (so one handler serves `/users` and `/users/{id}`), else the value or the
/// rejection of [`Path`].
///
/// ```
/// use axum::{body::Body, http::{Request, StatusCode}, routing::get, Router};
/// use axum_api_error::Path;
/// use tower::ServiceExt;
///
/// async fn users(id: Option<Path<u64>>) -> String {
///     id.map_or("all".to_owned(), |Path(id)| id.to_string())
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let app = Router::new().route("/users", get(users)).route("/users/{id}", get(users));
/// let get = |uri| Request::get(uri).body(Body::empty()).unwrap();
/// let body = |res: axum::response::Response| async {
///     axum::body::to_bytes(res.into_body(), usize::MAX).await.unwrap()
/// };
/// assert_eq!(body(app.clone().oneshot(get("/users")).await.unwrap()).await, "all");
/// assert_eq!(body(app.clone().oneshot(get("/users/7")).await.unwrap()).await, "7");
/// let bad = app.oneshot(get("/users/abc")).await.unwrap();
/// assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
/// # }
/// ```
impl<T, S> OptionalFromRequestParts<S> for Path<T>
where
    T: DeserializeOwned + Send + 'static,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &S,
    ) -> Result<Option<Self>, Self::Rejection> {
        let value = <axum::extract::Path<T> as OptionalFromRequestParts<S>>::from_request_parts(
            parts, state,
        )
        .await;
        match value {
            Ok(value) => Ok(value.map(|axum::extract::Path(value)| Self(value))),
            Err(rejection) => Err(path_rejection(parts, state, rejection).await),
        }
    }
}

/// The [`ApiError`] of a path that did not deserialize. axum names the parameter of
/// a tuple by its position, and not at all for a one-value `Path<T>`: the route's
/// names say which it was.
async fn path_rejection<S: Send + Sync>(
    parts: &mut Parts,
    state: &S,
    rejection: PathRejection,
) -> ApiError {
    let raw = RawPathParams::from_request_parts(parts, state).await.ok();
    let keys: Vec<&str> = raw
        .iter()
        .flat_map(|raw| raw.iter().map(|(k, _)| k))
        .collect();
    path_error(&rejection, &keys).with_source(rejection)
}

/// A URL-encoded form, like [`axum::Form`], whose rejection is an [`ApiError`]: 415
/// without the form `Content-Type`, 413 over the body limit, 422 `INVALID_BODY` naming
/// the field (400 `INVALID_QUERY` for a GET, whose form is the query string).
///
/// ```
/// use axum::{body::Body, http::{Request, StatusCode}, routing::post, Router};
/// use axum_api_error::Form;
/// use serde::Deserialize;
/// use serde_json::{json, Value};
/// use tower::ServiceExt;
///
/// #[derive(Deserialize)]
/// struct Login { user: String, remember: bool }
///
/// async fn login(Form(f): Form<Login>) -> String {
///     format!("{} {}", f.user, f.remember)
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let app: Router = Router::new().route("/login", post(login));
/// let req = Request::post("/login")
///     .header("content-type", "application/x-www-form-urlencoded")
///     .body(Body::from("user=ada&remember=maybe"))
///     .unwrap();
/// let res = app.oneshot(req).await.unwrap();
/// assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
/// let body = axum::body::to_bytes(res.into_body(), usize::MAX).await.unwrap();
/// assert_eq!(serde_json::from_slice::<Value>(&body).unwrap(), json!({
///     "error": "Unprocessable Content",
///     "message": "The form has invalid fields.",
///     "code": "INVALID_BODY",
///     "details": [{"field": "remember", "message": "Expected `true` or `false`.", "code": "INVALID_VALUE"}],
/// }));
/// # }
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[must_use]
pub struct Form<T>(pub T);

macro_rules! wrapper_impls {
    ($($name:ident),*) => {$(
        impl<T> std::ops::Deref for $name<T> {
            type Target = T;

            fn deref(&self) -> &T {
                &self.0
            }
        }

        impl<T> std::ops::DerefMut for $name<T> {
            fn deref_mut(&mut self) -> &mut T {
                &mut self.0
            }
        }

        impl<T> From<T> for $name<T> {
            fn from(value: T) -> Self {
                Self(value)
            }
        }
    )*};
}

wrapper_impls!(Json, Query, Path, Form);

/// A body extractor and response: axum's, with the rejection made an `ApiError`.
macro_rules! body_impls {
    ($($name:ident => $($axum:ident)::+),*) => {$(
        impl<T, S> FromRequest<S> for $name<T>
        where
            T: DeserializeOwned,
            S: Send + Sync,
        {
            type Rejection = ApiError;

            async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
                let post = req.method() == Method::POST;
                match <$($axum)::+<T> as FromRequest<S>>::from_request(req, state).await {
                    Ok(axum_value) => Ok(Self(axum_value.0)),
                    Err(rejection) => Err(for_post(ApiError::from(rejection), post)),
                }
            }
        }

        impl<T: Serialize> IntoResponse for $name<T> {
            fn into_response(self) -> Response {
                $($axum)::+(self.0).into_response()
            }
        }
    )*};
}

body_impls!(Json => axum::Json, Form => axum::Form);

/// `Option<Json<T>>`, exactly as axum 0.8's: `None` when the request has no
/// `Content-Type` at all, else the value or the rejection of [`Json`] (a
/// `Content-Type` that is not JSON is still a 415). `Form` and `Query` have no
/// optional form, as in axum.
///
/// ```
/// use axum::{body::Body, http::{Request, StatusCode}, routing::post, Router};
/// use axum_api_error::Json;
/// use serde_json::Value;
/// use tower::ServiceExt;
///
/// async fn patch(body: Option<Json<Value>>) -> String {
///     body.map_or("nothing".to_owned(), |Json(v)| v.to_string())
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let app = Router::new().route("/", post(patch));
/// let empty = app.clone().oneshot(Request::post("/").body(Body::empty()).unwrap()).await.unwrap();
/// assert_eq!(axum::body::to_bytes(empty.into_body(), usize::MAX).await.unwrap(), "nothing");
/// let text = Request::post("/").header("content-type", "text/plain").body(Body::from("x")).unwrap();
/// assert_eq!(app.oneshot(text).await.unwrap().status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
/// # }
/// ```
impl<T, S> OptionalFromRequest<S> for Json<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Option<Self>, Self::Rejection> {
        let post = req.method() == Method::POST;
        match <axum::Json<T> as OptionalFromRequest<S>>::from_request(req, state).await {
            Ok(value) => Ok(value.map(|axum::Json(value)| Self(value))),
            Err(rejection) => Err(for_post(ApiError::from(rejection), post)),
        }
    }
}

/// A 415 answered to a POST names its media types in `Accept-Post` too.
fn for_post(error: ApiError, post: bool) -> ApiError {
    if post && error.kind() == ErrorKind::UnsupportedMediaType {
        error.with_accept_post()
    } else {
        error
    }
}
