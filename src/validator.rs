//! The [validator](https://docs.rs/validator) crate (feature `validator`, validator
//! 0.21): its `ValidationErrors` become a 422 `VALIDATION_FAILED` with one `details`
//! entry per failing rule, and [`Valid<E>`] deserialises with `E` then validates.
//!
//! - **Paths**: the full path of the field (`address.city`, `items[2].qty`), in the
//!   layer's [`FieldCase`]; an error of the struct itself (`#[validate(schema(...))]`,
//!   validator's `__all__`) has the struct's own path (`""` at the root, `address`
//!   for a nested one).
//! - **Codes**: validator's code upper-snaked (`length` is `LENGTH`, a custom
//!   function's `"terrible_username"` is `TERRIBLE_USERNAME`).
//! - **Messages**: the rule's `message` where it has one, else a sentence from the
//!   code and the rule's numeric bounds (`Must have a length of 1 to 100.`) or its
//!   needle. Neither the value sent nor another field's (`must_match`) is quoted.
//! - **Order**: by path, indices by number.
//!
//! ```
//! use axum::{body::Body, http::{Request, StatusCode}, routing::post, Router};
//! use axum_api_error::{validator::Valid, validate::FieldCase, ApiErrorLayer, Json};
//! use serde::Deserialize;
//! use serde_json::{json, Value};
//! use tower::ServiceExt;
//! use validator::Validate;
//!
//! #[derive(Deserialize, Validate)]
//! #[serde(rename_all = "camelCase")]
//! struct NewOrder {
//!     #[validate(email)]
//!     contact_email: String,
//!     #[validate(nested)]
//!     items: Vec<Item>,
//! }
//!
//! #[derive(Deserialize, Validate)]
//! #[serde(rename_all = "camelCase")]
//! struct Item {
//!     #[validate(range(min = 1, max = 99))]
//!     unit_count: u32,
//! }
//!
//! async fn create(Valid(Json(order)): Valid<Json<NewOrder>>) -> String {
//!     order.contact_email
//! }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! let app = Router::new()
//!     .route("/orders", post(create))
//!     .layer(ApiErrorLayer::new().with_field_case(FieldCase::Camel));
//! let body = r#"{"contactEmail": "nope", "items": [{"unitCount": 1}, {"unitCount": 0}]}"#;
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
//!         {"field": "contactEmail", "message": "Must be a valid email address.", "code": "EMAIL"},
//!         {"field": "items[1].unitCount", "message": "Must be from 1 to 99.", "code": "RANGE"},
//!     ],
//!     "requestId": "req-1",
//! }));
//! # }
//! ```

use std::{borrow::Cow, ops::Deref};

use ::validator::{Validate, ValidationError, ValidationErrors, ValidationErrorsKind};
use axum::extract::{FromRequest, FromRequestParts, Request};
use http::request::Parts;
use serde_json::Value;

use crate::{
    error::ApiError,
    validate::{field_case, sort_by_path, FieldCase, FieldErrors},
    wire::FieldError,
};

/// validator's errors as field errors, one per failing rule, sorted by path, with
/// field names in `case`.
///
/// ```
/// use axum_api_error::{validate::FieldCase, validator::field_errors};
/// use validator::Validate;
///
/// #[derive(Validate)]
/// struct Signup {
///     #[validate(length(min = 3, max = 20))]
///     user_name: String,
/// }
///
/// let errors = Signup { user_name: "al".into() }.validate().unwrap_err();
/// let fields = field_errors(&errors, FieldCase::Camel);
/// assert_eq!(fields.as_slice()[0].field, "userName");
/// assert_eq!(fields.as_slice()[0].message, "Must have a length of 3 to 20.");
/// assert_eq!(fields.as_slice()[0].code, "LENGTH");
/// ```
pub fn field_errors(errors: &ValidationErrors, case: FieldCase) -> FieldErrors {
    let mut out = Vec::new();
    collect(errors, "", case, &mut out);
    sort_by_path(&mut out);
    out.into_iter().collect()
}

/// A 422 `VALIDATION_FAILED`, the fields named as in Rust; where the layer sets a
/// [`FieldCase`], use [`Valid`] or [`field_errors`] instead.
impl From<ValidationErrors> for ApiError {
    fn from(errors: ValidationErrors) -> Self {
        field_errors(&errors, FieldCase::AsIs).into()
    }
}

fn collect(errors: &ValidationErrors, prefix: &str, case: FieldCase, out: &mut Vec<FieldError>) {
    for (field, kind) in errors.errors() {
        // `__all__` holds the errors of the struct itself, and `_tmp_validator` those
        // of a list validated whole (`Json<Vec<T>>`): both at the path they are under.
        let path = if field == "__all__" || field == "_tmp_validator" {
            prefix.to_owned()
        } else {
            join(
                prefix,
                &case.name(field.strip_prefix("r#").unwrap_or(field)),
            )
        };
        match kind {
            ValidationErrorsKind::Field(rules) => {
                out.extend(rules.iter().map(|rule| field_error(&path, rule)));
            }
            ValidationErrorsKind::Struct(nested) => collect(nested, &path, case, out),
            ValidationErrorsKind::List(items) => {
                for (index, nested) in items {
                    collect(nested, &format!("{path}[{index}]"), case, out);
                }
            }
        }
    }
}

fn join(prefix: &str, name: &str) -> String {
    if prefix.is_empty() {
        name.to_owned()
    } else {
        format!("{prefix}.{name}")
    }
}

fn field_error(path: &str, rule: &ValidationError) -> FieldError {
    let message = match &rule.message {
        Some(message) => message.clone(),
        None => Cow::Owned(default_message(rule)),
    };
    FieldError::new(path.to_owned(), message, rule.code.clone())
}

/// A sentence for a rule without a message of its own, from its code and the bounds
/// it was given; never from the value, which validator puts in `params` too.
fn default_message(rule: &ValidationError) -> String {
    // Bounds are numbers from the attribute; a needle is the attribute's text. Any
    // other param (validator adds `value`, the value sent) is never used.
    let number = |name: &str| match rule.params.get(name) {
        Some(Value::Number(n)) => Some(n.to_string()),
        _ => None,
    };
    let (min, max, equal) = (number("min"), number("max"), number("equal"));
    match rule.code.as_ref() {
        "email" => "Must be a valid email address.".to_owned(),
        "url" => "Must be a valid URL.".to_owned(),
        "required" => "Is required.".to_owned(),
        "regex" => "Has an invalid format.".to_owned(),
        "credit_card" => "Must be a valid credit card number.".to_owned(),
        "non_control_character" => "Must not contain control characters.".to_owned(),
        "ip" | "ipv4" | "ipv6" => "Must be a valid IP address.".to_owned(),
        // validator puts the other field's value in `other`, not its name.
        "must_match" => "Must match the other field.".to_owned(),
        "contains" => match rule.params.get("needle").and_then(needle) {
            Some(needle) => format!("Must contain \"{needle}\"."),
            None => "Is missing a required part.".to_owned(),
        },
        "does_not_contain" => match rule.params.get("needle").and_then(needle) {
            Some(needle) => format!("Must not contain \"{needle}\"."),
            None => "Contains a part that is not allowed.".to_owned(),
        },
        // Of a string or of a list alike: "length", not "characters".
        "length" => match (equal, min, max) {
            (Some(n), _, _) => format!("Must have a length of exactly {n}."),
            (None, Some(min), Some(max)) => format!("Must have a length of {min} to {max}."),
            (None, Some(min), None) => format!("Must have a length of at least {min}."),
            (None, None, Some(max)) => format!("Must have a length of at most {max}."),
            (None, None, None) => "Has an invalid length.".to_owned(),
        },
        "range" => match (min, max) {
            (Some(min), Some(max)) => format!("Must be from {min} to {max}."),
            (Some(min), None) => format!("Must be at least {min}."),
            (None, Some(max)) => format!("Must be at most {max}."),
            (None, None) => "Is out of range.".to_owned(),
        },
        _ => "Is invalid.".to_owned(),
    }
}

/// A needle as written in a message: a short plain string; anything else is left
/// out.
fn needle(value: &Value) -> Option<String> {
    match value {
        Value::String(s) if s.len() <= 64 && !s.chars().any(|c| c.is_control() || c == '"') => {
            Some(s.clone())
        }
        _ => None,
    }
}

/// An extractor (`Json<T>`, `Query<T>`, `Form<T>`, `Path<T>`) whose value is then
/// validated with validator's [`Validate`]: a 422 `VALIDATION_FAILED` with every
/// failing rule, after the inner extractor's own rejections (which keep their
/// status). Field names are in the layer's [`FieldCase`].
///
/// It is the `Valid` of this module, for `validator`; the crate's root
/// [`Valid`](crate::Valid) is for [`ValidateFields`](crate::ValidateFields).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Valid<E>(pub E);

impl<E> Deref for Valid<E> {
    type Target = E;

    fn deref(&self) -> &E {
        &self.0
    }
}

fn check<T: Validate + ?Sized>(value: &T, case: FieldCase) -> Result<(), ApiError> {
    value
        .validate()
        .map_err(|errors| field_errors(&errors, case).into())
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
        let case = field_case(req.extensions());
        let inner = E::from_request(req, state).await.map_err(Into::into)?;
        check(&*inner, case)?;
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
        check(&*inner, field_case(&parts.extensions))?;
        Ok(Self(inner))
    }
}
