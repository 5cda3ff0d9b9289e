//! The [garde](https://docs.rs/garde) crate (feature `garde`, garde 0.23): its
//! `Report` becomes a 422 `VALIDATION_FAILED` with one `details` entry per failing
//! rule, and [`Valid<E>`] deserialises with `E` then validates, with garde's context
//! taken from the state through [`FromRef`].
//!
//! - **Paths**: garde's own (`address.city`, `items[2].qty`), field names in the
//!   layer's [`FieldCase`]. garde names a map's entries by their keys, as the client
//!   sent them: a key written like a Rust field name (`user_1`) is re-cased too.
//! - **Codes**: `INVALID_VALUE` for every rule (garde reports none).
//! - **Messages**: garde's, as a sentence (`Length is lower than 3.`).
//! - **Order**: by path, indices by number.
//!
//! ```
//! use axum::{body::Body, http::{Request, StatusCode}, routing::post, Router};
//! use axum_api_error::{garde::Valid, validate::FieldCase, ApiErrorLayer, Json};
//! use garde::Validate;
//! use serde::Deserialize;
//! use serde_json::{json, Value};
//! use tower::ServiceExt;
//!
//! #[derive(Deserialize, Validate)]
//! #[serde(rename_all = "camelCase")]
//! struct NewOrder {
//!     #[garde(length(min = 3))]
//!     customer_name: String,
//!     #[garde(dive)]
//!     items: Vec<Item>,
//! }
//!
//! #[derive(Deserialize, Validate)]
//! #[serde(rename_all = "camelCase")]
//! struct Item {
//!     #[garde(range(min = 1, max = 99))]
//!     unit_count: u32,
//! }
//!
//! async fn create(Valid(Json(order)): Valid<Json<NewOrder>>) -> String {
//!     order.customer_name
//! }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! let app = Router::new()
//!     .route("/orders", post(create))
//!     .layer(ApiErrorLayer::new().with_field_case(FieldCase::Camel));
//! let body = r#"{"customerName": "Al", "items": [{"unitCount": 1}, {"unitCount": 0}]}"#;
//! let res = app
//!     .oneshot(
//!         Request::post("/orders")
//!             .header("content-type", "application/json")
//!             .header("x-request-id", "req-1")
//!             .body(Body::from(body))
//!             .unwrap(),
//!     )
//!     .await
//!     .unwrap();
//! assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
//! let body = axum::body::to_bytes(res.into_body(), usize::MAX).await.unwrap();
//! let body: Value = serde_json::from_slice(&body).unwrap();
//! assert_eq!(body, json!({
//!     "error": "Unprocessable Content",
//!     "message": "The request contains invalid fields.",
//!     "code": "VALIDATION_FAILED",
//!     "details": [
//!         {"field": "customerName", "message": "Length is lower than 3.", "code": "INVALID_VALUE"},
//!         {"field": "items[1].unitCount", "message": "Lower than 1.", "code": "INVALID_VALUE"},
//!     ],
//!     "requestId": "req-1",
//! }));
//! # }
//! ```
//!
//! # Context
//!
//! A type whose `#[garde(context(C))]` is `C` takes its context from the router's
//! state: `C: FromRef<S>`. garde's default context is `()`, which is `FromRef<()>`;
//! with a state of your own, say where the context comes from, once:
//!
//! ```
//! # #[derive(Clone)] struct AppState;
//! impl axum::extract::FromRef<AppState> for () {
//!     fn from_ref(_: &AppState) {}
//! }
//! ```

use std::ops::Deref;

use ::garde::{Report, Validate};
use axum::extract::{FromRef, FromRequest, FromRequestParts, Request};
use http::request::Parts;

use crate::{
    error::ApiError,
    validate::{field_case, sort_by_path, FieldCase, FieldErrors},
    wire::FieldError,
};

/// garde's report as field errors, one per failing rule, sorted by path, with field
/// names in `case`.
///
/// ```
/// use axum_api_error::{garde::field_errors, validate::FieldCase};
/// use garde::Validate;
///
/// #[derive(Validate)]
/// struct Signup {
///     #[garde(length(min = 3))]
///     user_name: String,
/// }
///
/// let report = Signup { user_name: "al".into() }.validate().unwrap_err();
/// let fields = field_errors(&report, FieldCase::Camel);
/// assert_eq!(fields.as_slice()[0].field, "userName");
/// assert_eq!(fields.as_slice()[0].message, "Length is lower than 3.");
/// assert_eq!(fields.as_slice()[0].code, "INVALID_VALUE");
/// ```
pub fn field_errors(report: &Report, case: FieldCase) -> FieldErrors {
    let mut out: Vec<FieldError> = report
        .iter()
        .map(|(path, error)| {
            let path = recased(&path.to_string(), case);
            FieldError::new(path, sentence(error.message()), "INVALID_VALUE")
        })
        .collect();
    sort_by_path(&mut out);
    out.into_iter().collect()
}

/// A 422 `VALIDATION_FAILED`, the fields named as in Rust; where the layer sets a
/// [`FieldCase`], use [`Valid`] or [`field_errors`] instead.
impl From<Report> for ApiError {
    fn from(report: Report) -> Self {
        field_errors(&report, FieldCase::AsIs).into()
    }
}

/// garde's path with its field names in `case`: only the segments written like a
/// Rust field name (`unit_count`, `r#type`), so that a map's key the client chose
/// (`Alice`) is left as sent.
fn recased(path: &str, case: FieldCase) -> String {
    let mut out = String::with_capacity(path.len());
    let mut rest = path;
    while !rest.is_empty() {
        let end = rest.find(['.', '[']).unwrap_or(rest.len());
        let segment = &rest[..end];
        let name = segment.strip_prefix("r#").unwrap_or(segment);
        let rust_name = !name.is_empty()
            && name
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
        if rust_name {
            out.push_str(&case.name(name));
        } else {
            out.push_str(segment);
        }
        rest = &rest[end..];
        if let Some(after) = rest.strip_prefix('.') {
            out.push('.');
            rest = after;
        } else if rest.starts_with('[') {
            let close = rest.find(']').map_or(rest.len(), |i| i + 1);
            out.push_str(&rest[..close]);
            rest = &rest[close..];
        }
    }
    out
}

/// garde's message (`length is lower than 3`) as a sentence.
fn sentence(message: &str) -> String {
    let message = message.trim();
    let mut chars = message.chars();
    let mut out: String = chars.next().map_or_else(String::new, |first| {
        first.to_uppercase().collect::<String>() + chars.as_str()
    });
    if out.is_empty() {
        out.push_str("Is invalid");
    }
    if !out.ends_with(['.', '!', '?']) {
        out.push('.');
    }
    out
}

/// An extractor (`Json<T>`, `Query<T>`, `Form<T>`, `Path<T>`) whose value is then
/// validated with garde's [`Validate`], its context from the state: a 422
/// `VALIDATION_FAILED` with every failing rule, after the inner extractor's own
/// rejections (which keep their status). Field names are in the layer's
/// [`FieldCase`].
///
/// It is the `Valid` of this module, for `garde`; the crate's root
/// [`Valid`](crate::Valid) is for [`ValidateFields`](crate::ValidateFields).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Valid<E>(pub E);

impl<E> Deref for Valid<E> {
    type Target = E;

    fn deref(&self) -> &E {
        &self.0
    }
}

fn check<T: Validate + ?Sized>(
    value: &T,
    context: &T::Context,
    case: FieldCase,
) -> Result<(), ApiError> {
    value
        .validate_with(context)
        .map_err(|report| field_errors(&report, case).into())
}

impl<S, E> FromRequest<S> for Valid<E>
where
    S: Send + Sync,
    E: FromRequest<S> + Deref,
    E::Target: Validate,
    <E::Target as Validate>::Context: FromRef<S>,
    E::Rejection: Into<ApiError>,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let case = field_case(req.extensions());
        let inner = E::from_request(req, state).await.map_err(Into::into)?;
        check(&*inner, &FromRef::from_ref(state), case)?;
        Ok(Self(inner))
    }
}

impl<S, E> FromRequestParts<S> for Valid<E>
where
    S: Send + Sync,
    E: FromRequestParts<S> + Deref,
    E::Target: Validate,
    <E::Target as Validate>::Context: FromRef<S>,
    E::Rejection: Into<ApiError>,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let inner = E::from_request_parts(parts, state)
            .await
            .map_err(Into::into)?;
        check(
            &*inner,
            &FromRef::from_ref(state),
            field_case(&parts.extensions),
        )?;
        Ok(Self(inner))
    }
}
