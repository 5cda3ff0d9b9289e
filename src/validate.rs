//! Field-by-field validation without a derive: implement [`ValidateFields`] and
//! extract [`Valid<Json<T>>`](Valid). Every failing field is collected into one
//! [`FieldErrors`], sent as a 422 `VALIDATION_FAILED` with a `details` entry each.
//!
//! The trait is `ValidateFields`, not `Validate`, so that it can be imported beside
//! the `validator` crate's `Validate` derive.
//!
//! ```
//! use axum::{body::Body, http::{Request, StatusCode}, routing::post, Router};
//! use axum_api_error::{FieldErrors, Json, Valid, ValidateFields};
//! use serde::Deserialize;
//! use serde_json::{json, Value};
//! use tower::ServiceExt;
//!
//! #[derive(Deserialize)]
//! struct NewUser { name: String, email: String }
//!
//! impl ValidateFields for NewUser {
//!     fn validate_fields(&self, errors: &mut FieldErrors) {
//!         errors
//!             .check(!self.name.trim().is_empty(), "name", "Must not be empty.", "REQUIRED")
//!             .check(self.email.contains('@'), "email", "Must be a valid email address.", "INVALID_FORMAT");
//!     }
//! }
//!
//! async fn create(Valid(Json(user)): Valid<Json<NewUser>>) -> String {
//!     user.name
//! }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! let app = Router::new().route("/users", post(create));
//! let res = app
//!     .oneshot(
//!         Request::post("/users")
//!             .header("content-type", "application/json")
//!             .body(Body::from(r#"{"name": " ", "email": "nope"}"#))
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
//!         {"field": "name", "message": "Must not be empty.", "code": "REQUIRED"},
//!         {"field": "email", "message": "Must be a valid email address.", "code": "INVALID_FORMAT"},
//!     ],
//! }));
//! # }
//! ```

use std::{borrow::Cow, ops::Deref};

use axum::extract::{FromRequest, FromRequestParts, Request};
use http::request::Parts;

use crate::{
    error::{checked_field_error, ApiError},
    wire::FieldError,
};

/// Field errors collected rule by rule, then made one [`ApiError`]: a 422 with
/// [`FieldErrors::into_result`], any other error (a 400 for a query string, say)
/// with [`FieldErrors::into_result_with`].
///
/// ```
/// use axum_api_error::{ApiError, ErrorKind, FieldErrors};
///
/// fn check_page(page: i64, limit: i64) -> Result<(), ApiError> {
///     let mut errors = FieldErrors::new();
///     errors
///         .check(page >= 1, "page", "Must be at least 1.", "OUT_OF_RANGE")
///         .check((1..=100).contains(&limit), "limit", "Must be from 1 to 100.", "OUT_OF_RANGE");
///     errors.into_result_with(|| {
///         ApiError::bad_request("The query string is invalid.").with_code("INVALID_QUERY")
///     })
/// }
///
/// assert!(check_page(1, 20).is_ok());
/// let err = check_page(0, 500).unwrap_err();
/// assert_eq!((err.kind(), err.code()), (ErrorKind::BadRequest, "INVALID_QUERY"));
/// assert_eq!(err.details().len(), 2);
///
/// let mut errors = FieldErrors::new();
/// errors.push("email", "Must be a valid email address.", "INVALID_FORMAT");
/// let err = errors.into_result().unwrap_err();
/// assert_eq!((err.kind(), err.code()), (ErrorKind::Validation, "VALIDATION_FAILED"));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[must_use]
pub struct FieldErrors(Vec<FieldError>);

impl FieldErrors {
    /// No field error yet.
    pub const fn new() -> Self {
        Self(Vec::new())
    }

    /// Every field error of `value`'s [`ValidateFields`].
    pub fn of<T: ValidateFields + ?Sized>(value: &T) -> Self {
        let mut errors = Self::new();
        value.validate_fields(&mut errors);
        errors
    }

    /// Appends a field error (its code made UPPER_SNAKE_CASE, as
    /// [`FieldError::new`] does).
    pub fn push(
        &mut self,
        field: impl Into<Cow<'static, str>>,
        message: impl Into<Cow<'static, str>>,
        code: impl Into<Cow<'static, str>>,
    ) -> &mut Self {
        self.0.push(checked_field_error(field, message, code));
        self
    }

    /// Appends a field error unless `ok`: one line per rule.
    pub fn check(
        &mut self,
        ok: bool,
        field: impl Into<Cow<'static, str>>,
        message: impl Into<Cow<'static, str>>,
        code: impl Into<Cow<'static, str>>,
    ) -> &mut Self {
        if !ok {
            self.push(field, message, code);
        }
        self
    }

    /// Whether no field failed.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// How many field errors there are.
    #[must_use]
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// The field errors, in the order they were added.
    #[must_use]
    pub fn as_slice(&self) -> &[FieldError] {
        &self.0
    }

    /// `Ok(())` when no field failed, else a 422 `VALIDATION_FAILED` with every
    /// field error in `details`.
    ///
    /// # Errors
    ///
    /// The 422, when any field failed.
    pub fn into_result(self) -> Result<(), ApiError> {
        self.into_result_with(ApiError::validation)
    }

    /// `Ok(())` when no field failed, else the error `make` builds with every field
    /// error appended to its `details`.
    ///
    /// # Errors
    ///
    /// That error, when any field failed.
    pub fn into_result_with(self, make: impl FnOnce() -> ApiError) -> Result<(), ApiError> {
        if self.is_empty() {
            Ok(())
        } else {
            Err(make().add_details(self))
        }
    }
}

impl IntoIterator for FieldErrors {
    type Item = FieldError;
    type IntoIter = std::vec::IntoIter<FieldError>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

impl Extend<FieldError> for FieldErrors {
    fn extend<I: IntoIterator<Item = FieldError>>(&mut self, iter: I) {
        self.0.extend(iter);
    }
}

impl FromIterator<FieldError> for FieldErrors {
    fn from_iter<I: IntoIterator<Item = FieldError>>(iter: I) -> Self {
        Self(iter.into_iter().collect())
    }
}

/// A 422 `VALIDATION_FAILED` with these field errors (even none: check
/// [`FieldErrors::is_empty`] first, or use [`FieldErrors::into_result`]).
impl From<FieldErrors> for ApiError {
    fn from(errors: FieldErrors) -> Self {
        Self::validation().add_details(errors)
    }
}

/// A value that checks its own fields: push a field error for each one that fails.
#[diagnostic::on_unimplemented(
    message = "`{Self}` does not implement `ValidateFields`, which the root `Valid` needs",
    note = "a `#[derive(validator::Validate)]` type is validated by `axum_api_error::validator::Valid` (feature `validator`), a garde one by `axum_api_error::garde::Valid` (feature `garde`)"
)]
pub trait ValidateFields {
    /// Pushes a field error to `errors` for each invalid field.
    fn validate_fields(&self, errors: &mut FieldErrors);
}

/// An extractor (`Json<T>`, `Form<T>`, `Query<T>`, ...) whose value is then
/// validated with its [`ValidateFields`] impl: a 422 `VALIDATION_FAILED` with every
/// failing field, after the inner extractor's own rejections (which keep their
/// status: a query string that does not deserialize is still a 400).
///
/// A failing rule is a 422 whatever the extractor. Where a 400 reads better (paging
/// parameters, say), validate in the handler instead:
/// `FieldErrors::of(&params).into_result_with(|| ApiError::bad_request(..))?`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Valid<E>(pub E);

impl<E> Deref for Valid<E> {
    type Target = E;

    fn deref(&self) -> &E {
        &self.0
    }
}

impl<S, E> FromRequest<S> for Valid<E>
where
    S: Send + Sync,
    E: FromRequest<S> + Deref,
    E::Target: ValidateFields,
    E::Rejection: Into<ApiError>,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let inner = E::from_request(req, state).await.map_err(Into::into)?;
        FieldErrors::of(&*inner).into_result()?;
        Ok(Self(inner))
    }
}

impl<S, E> FromRequestParts<S> for Valid<E>
where
    S: Send + Sync,
    E: FromRequestParts<S> + Deref,
    E::Target: ValidateFields,
    E::Rejection: Into<ApiError>,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let inner = E::from_request_parts(parts, state)
            .await
            .map_err(Into::into)?;
        FieldErrors::of(&*inner).into_result()?;
        Ok(Self(inner))
    }
}

/// How field names are written in `details[].field`, as serde's `rename_all` writes
/// them: set it once with
/// [`ApiErrorLayer::with_field_case`](crate::ApiErrorLayer::with_field_case), so that
/// a `#[serde(rename_all = "camelCase")]` body gets camelCase paths
/// (`items[2].unitPrice`). It applies to the paths that the `validator` and `garde`
/// integrations build from Rust field names; paths written by hand in a
/// [`FieldErrors`] are sent as written.
///
/// A field renamed on its own (`#[serde(rename = "...")]`) cannot be followed:
/// neither library reports it.
///
/// ```
/// use axum_api_error::validate::FieldCase;
///
/// assert_eq!(FieldCase::Camel.path("items[2].unit_price"), "items[2].unitPrice");
/// assert_eq!(FieldCase::Kebab.path("billing_address.zip_code"), "billing-address.zip-code");
/// assert_eq!(FieldCase::AsIs.path("unit_price"), "unit_price");
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum FieldCase {
    /// The Rust field names (the default).
    #[default]
    AsIs,
    /// `lowercase`.
    Lower,
    /// `UPPERCASE`.
    Upper,
    /// `PascalCase`.
    Pascal,
    /// `camelCase`.
    Camel,
    /// `snake_case`.
    Snake,
    /// `SCREAMING_SNAKE_CASE`.
    ScreamingSnake,
    /// `kebab-case`.
    Kebab,
    /// `SCREAMING-KEBAB-CASE`.
    ScreamingKebab,
}

impl FieldCase {
    /// One Rust field name (`snake_case`) written in this case, as serde's
    /// `rename_all` writes it.
    #[must_use]
    pub fn name<'a>(self, field: &'a str) -> Cow<'a, str> {
        match self {
            Self::AsIs | Self::Lower | Self::Snake => Cow::Borrowed(field),
            Self::Upper | Self::ScreamingSnake => Cow::Owned(field.to_ascii_uppercase()),
            Self::Pascal => Cow::Owned(pascal(field)),
            Self::Camel => {
                let pascal = pascal(field);
                let mut chars = pascal.chars();
                Cow::Owned(chars.next().map_or_else(String::new, |first| {
                    first.to_ascii_lowercase().to_string() + chars.as_str()
                }))
            }
            Self::Kebab => Cow::Owned(field.replace('_', "-")),
            Self::ScreamingKebab => Cow::Owned(field.replace('_', "-").to_ascii_uppercase()),
        }
    }

    /// A path (`items[2].unit_price`) with each field name written in this case;
    /// indices are kept.
    #[must_use]
    pub fn path<'a>(self, path: &'a str) -> Cow<'a, str> {
        if self == Self::AsIs {
            return Cow::Borrowed(path);
        }
        let mut out = String::with_capacity(path.len());
        let mut rest = path;
        while !rest.is_empty() {
            let end = rest.find(['.', '[']).unwrap_or(rest.len());
            out.push_str(&self.name(&rest[..end]));
            rest = &rest[end..];
            // The separator, and an index whole.
            if let Some(after) = rest.strip_prefix('.') {
                out.push('.');
                rest = after;
            } else if rest.starts_with('[') {
                let close = rest.find(']').map_or(rest.len(), |i| i + 1);
                out.push_str(&rest[..close]);
                rest = &rest[close..];
            }
        }
        Cow::Owned(out)
    }
}

/// serde's `PascalCase` of a field name: each `_` dropped, the letter after it
/// upper-cased.
fn pascal(field: &str) -> String {
    let mut out = String::with_capacity(field.len());
    let mut capitalize = true;
    for c in field.chars() {
        if c == '_' {
            capitalize = true;
        } else if capitalize {
            out.push(c.to_ascii_uppercase());
            capitalize = false;
        } else {
            out.push(c);
        }
    }
    out
}

/// The field case the layer set for this request, if any.
#[cfg(any(feature = "validator", feature = "garde"))]
pub(crate) fn field_case(extensions: &http::Extensions) -> FieldCase {
    extensions.get::<FieldCase>().copied().unwrap_or_default()
}

/// Field errors in the order of their paths: field names by their text, indices by
/// their number (`items[2]` before `items[10]`), then by code and message, so that the
/// order does not depend on a hash map's.
#[cfg(any(feature = "validator", feature = "garde"))]
pub(crate) fn sort_by_path(errors: &mut [FieldError]) {
    fn key(path: &str) -> Vec<(bool, u64, &str)> {
        path.split(['.', '['])
            .map(
                |segment| match segment.strip_suffix(']').map(str::parse::<u64>) {
                    Some(Ok(index)) => (true, index, ""),
                    _ => (false, 0, segment),
                },
            )
            .collect()
    }
    errors.sort_by_cached_key(|e| {
        let path: Vec<(bool, u64, String)> = key(&e.field)
            .into_iter()
            .map(|(index, n, name)| (index, n, name.to_owned()))
            .collect();
        (path, e.code.clone(), e.message.clone())
    });
}
