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
//!         "message": "Invalid type: string \"two\", expected u32.",
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

use axum::extract::{FromRequest, FromRequestParts, RawPathParams, Request};
use axum_core::response::{IntoResponse, Response};
use http::{request::Parts, Method};
use serde::{de::DeserializeOwned, Serialize};

use crate::{convert::path_error, ApiError};

/// JSON request and response bodies, like [`axum::Json`], whose rejection is an
/// [`ApiError`]: 415 without a JSON `Content-Type` (with `Accept`, and `Accept-Post` on
/// a POST), 400 `INVALID_JSON` with the line and column of a syntax error, 413 over
/// the body limit, 422 `INVALID_BODY` naming the field of the wrong shape (a wrong
/// type, a missing field, an unknown field where the type denies them).
///
/// ```
/// use axum::{routing::post, Router};
/// use axum_api_error::{ApiError, Json};
/// use serde::{Deserialize, Serialize};
///
/// #[derive(Deserialize, Serialize)]
/// #[serde(deny_unknown_fields)]
/// struct NewUser { name: String, email: String }
///
/// async fn create(Json(user): Json<NewUser>) -> Result<Json<NewUser>, ApiError> {
///     Ok(Json(user))
/// }
///
/// let app: Router = Router::new().route("/users", post(create));
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[must_use]
pub struct Json<T>(pub T);

/// A query string, like [`axum::extract::Query`], whose rejection is a 400
/// `INVALID_QUERY` with a `details` entry naming the parameter.
///
/// ```
/// use axum::{routing::get, Router};
/// use axum_api_error::Query;
/// use serde::Deserialize;
///
/// #[derive(Deserialize)]
/// struct Page { page: Option<u32>, limit: Option<u32> }
///
/// async fn list(Query(p): Query<Page>) -> String {
///     format!("page {} of {}", p.page.unwrap_or(1), p.limit.unwrap_or(20))
/// }
///
/// let app: Router = Router::new().route("/users", get(list));
/// // GET /users?page=abc answers 400:
/// // {"error":"Bad Request","message":"The query string is invalid.","code":"INVALID_QUERY",
/// //  "details":[{"field":"page","message":"Invalid digit found in string.","code":"INVALID_VALUE"}]}
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
/// use axum::{routing::get, Router};
/// use axum_api_error::Path;
///
/// async fn show(Path(id): Path<u64>) -> String {
///     id.to_string()
/// }
///
/// let app: Router = Router::new().route("/users/{id}", get(show));
/// // GET /users/abc answers 400:
/// // {"error":"Bad Request","message":"The path parameter `id` is invalid.","code":"INVALID_PATH",
/// //  "details":[{"field":"id","message":"Must be a non-negative integer; got `abc`.","code":"INVALID_VALUE"}]}
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
        match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(value)) => Ok(Self(value)),
            Err(rejection) => {
                // axum names the parameter of a tuple by its position, and not at all
                // for a one-value `Path<T>`: the route's names say which it was.
                let raw = RawPathParams::from_request_parts(parts, state).await.ok();
                let keys: Vec<&str> = raw
                    .iter()
                    .flat_map(|raw| raw.iter().map(|(k, _)| k))
                    .collect();
                Err(path_error(&rejection, &keys).with_source(rejection))
            }
        }
    }
}

/// A URL-encoded form, like [`axum::Form`], whose rejection is an [`ApiError`]: 415
/// without the form `Content-Type`, 413 over the body limit, 422 `INVALID_BODY` naming
/// the field (400 `INVALID_QUERY` for a GET, whose form is the query string).
///
/// ```
/// use axum::{routing::post, Router};
/// use axum_api_error::Form;
/// use serde::Deserialize;
///
/// #[derive(Deserialize)]
/// struct Login { user: String, remember: bool }
///
/// async fn login(Form(f): Form<Login>) -> String {
///     format!("{} {}", f.user, f.remember)
/// }
///
/// let app: Router = Router::new().route("/login", post(login));
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
                match $($axum)::+::<T>::from_request(req, state).await {
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

/// A 415 answered to a POST names its media types in `Accept-Post` too.
fn for_post(error: ApiError, post: bool) -> ApiError {
    if post {
        error.with_accept_post()
    } else {
        error
    }
}
