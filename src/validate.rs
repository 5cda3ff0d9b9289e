//! Field-by-field validation without a derive: implement [`Validate`] and extract
//! [`Valid<Json<T>>`](Valid). Every failing field is collected into one 422
//! `VALIDATION_FAILED` with a `details` entry each.
//!
//! ```
//! use axum::{body::Body, http::{Request, StatusCode}, routing::post, Router};
//! use axum_api_error::{ApiError, Json, Valid, Validate};
//! use serde::Deserialize;
//! use serde_json::{json, Value};
//! use tower::ServiceExt;
//!
//! #[derive(Deserialize)]
//! struct NewUser { name: String, email: String }
//!
//! impl Validate for NewUser {
//!     fn validate(&self, errors: &mut ApiError) {
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

use crate::ApiError;

/// A value that checks its own fields: add a field error to `errors` (a
/// [`ApiError::validation`]) for each one that fails.
pub trait Validate {
    /// Adds a field error to `errors` for each invalid field.
    fn validate(&self, errors: &mut ApiError);
}

impl ApiError {
    /// Adds a field error unless `ok`: one line per rule of a [`Validate`] impl.
    pub fn check(
        &mut self,
        ok: bool,
        field: impl Into<Cow<'static, str>>,
        message: impl Into<Cow<'static, str>>,
        code: impl Into<Cow<'static, str>>,
    ) -> &mut Self {
        if !ok {
            self.push_field_error(field, message, code);
        }
        self
    }

    /// Runs `value`'s [`Validate`]: `Ok(())`, or the 422 with every failing field.
    ///
    /// # Errors
    ///
    /// A 422 `VALIDATION_FAILED` when any field fails.
    pub fn validate<T: Validate + ?Sized>(value: &T) -> Result<(), Self> {
        let mut errors = Self::validation();
        value.validate(&mut errors);
        errors.into_result()
    }
}

/// An extractor (`Json<T>`, `Form<T>`, `Query<T>`, ...) whose value is then
/// validated with its [`Validate`] impl: a 422 with every failing field, after the
/// inner extractor's own rejections.
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
    E::Target: Validate,
    E::Rejection: Into<ApiError>,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let inner = E::from_request(req, state).await.map_err(Into::into)?;
        ApiError::validate(&*inner)?;
        Ok(Self(inner))
    }
}

impl<S, E> FromRequestParts<S> for Valid<E>
where
    S: Send + Sync,
    E: FromRequestParts<S> + Deref,
    E::Target: Validate,
    E::Rejection: Into<ApiError>,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let inner = E::from_request_parts(parts, state)
            .await
            .map_err(Into::into)?;
        ApiError::validate(&*inner)?;
        Ok(Self(inner))
    }
}
