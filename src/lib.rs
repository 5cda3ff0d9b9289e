//! Correct, consistent error responses for [axum](https://docs.rs/axum) and tower.
//!
//! Return [`ApiError`] from handlers and add [`ApiErrorLayer`]. Each constructor is
//! one HTTP status (RFC 9110) and the error carries what that status needs, so the
//! response always has the right status, the headers the status requires (`WWW-Authenticate`,
//! `Allow`, `Retry-After`, ...) and one JSON body with a `requestId`, or its RFC 9457
//! problem-details form when the client's `Accept` prefers it. The layer gives every
//! failure of the framework (axum's rejections, 404, 405, 413, timeouts, panics) the
//! same shape. A 5xx never sends its source error, a panic message or anything else
//! the app did not write for the client: the source is logged once, with the request
//! id, and the message is a generic sentence unless the app sets its own with
//! [`ApiError::with_message`].
//!
//! ```
//! use axum::{body::Body, http::{Request, StatusCode}, routing::post, Router};
//! use axum_api_error::{ApiError, ApiErrorLayer};
//! use serde_json::json;
//! use tower::ServiceExt;
//!
//! async fn create_user() -> Result<StatusCode, ApiError> {
//!     Err(ApiError::conflict("A user with this email already exists.").add_field("email"))
//! }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! let app = Router::new()
//!     .route("/users", post(create_user))
//!     .layer(ApiErrorLayer::new());
//!
//! let res = app
//!     .oneshot(
//!         Request::post("/users")
//!             .header("x-request-id", "req-42")
//!             .body(Body::empty())
//!             .unwrap(),
//!     )
//!     .await
//!     .unwrap();
//!
//! assert_eq!(res.status(), StatusCode::CONFLICT);
//! assert_eq!(res.headers()["content-type"], "application/json");
//! assert_eq!(res.headers()["cache-control"], "no-store");
//! assert_eq!(res.headers()["vary"], "accept");
//! assert_eq!(res.headers()["x-request-id"], "req-42");
//! let body = axum::body::to_bytes(res.into_body(), usize::MAX).await.unwrap();
//! let body: serde_json::Value = serde_json::from_slice(&body).unwrap();
//! assert_eq!(body, json!({
//!     "error": "Conflict",
//!     "message": "A user with this email already exists.",
//!     "code": "CONFLICT",
//!     "details": [{
//!         "field": "email",
//!         "message": "A user with this email already exists.",
//!         "code": "CONFLICT",
//!     }],
//!     "requestId": "req-42",
//! }));
//! # }
//! ```
//!
//! What most users touch is at the root:
//!
//! - [`ApiError`], built by a constructor per failure and read back by accessors,
//!   and [`ErrorKind`], what to match on;
//! - [`ApiErrorLayer`], which renders the errors with the request id and gives the
//!   framework's own failures the same shape;
//! - [`RequestId`], the extractor of the request's id;
//! - [`Json`], [`Query`], [`Path`] and [`Form`]: axum's extractors with rejections
//!   that name the field at fault (import them instead of axum's; to keep both,
//!   `use axum::Json as AxumJson`);
//! - [`Valid`], [`ValidateFields`] and [`FieldErrors`]: field-by-field validation.
//!
//! The rest lives in modules:
//!
//! | module | holds |
//! |---|---|
//! | [`headers`] | the typed header values (`Challenge`, `RetryAfter`, `RateLimit`) and header names |
//! | [`wire`] | the wire format, the crate `api-error-wire`: `ErrorBody`, `ProblemDetails`, `FieldError`, the status table |
//! | [`layer`] | the layer's service, future and `ErrorEvent`, the request id header |
//! | [`extract`], [`validate`], [`request_id`] | the extractors, validation and request ids, documented |
//! | [`convert`] | the `From` conversions into `ApiError`, as a table |
//! | [`trace_context`] | W3C Trace Context: `traceparent` read, `traceId` in the errors, `TraceContext` for the calls a handler makes |
//! | `cors` (feature `cors`) | `Cors`: CORS whose error responses a browser's script can read, request id and `Retry-After` included |
//! | `testing` (feature `testing`) | `Conformance`: probes your whole app and reports every response that breaks the crate's invariants |
//! | `governor` (feature `tower-governor`) | tower_governor's rejections as `ApiError`s |
//! | `validator`, `garde` (features of the same names) | `Valid<E>` extractors and conversions for the two validation crates |
//! | `openapi` (feature `utoipa`) | `ApiErrorDocs`: every operation's error responses in a utoipa document, from the types that render them |
//!
//! Your own errors convert with `From`, so handlers use `?`: see [`ApiError`].
//! Without the layer an `ApiError` is still a complete response, without `requestId`.
//!
//! Features: `tower-http` (default) reads tower-http's `RequestId` and maps its body
//! timeout to a 408; `cors` gives the errors CORS headers a browser can read;
//! `opentelemetry` joins the layer's span to the incoming trace (with
//! [`ApiErrorLayer::with_trace_context`]); `metrics` counts responses by route,
//! status and code (`ApiErrorLayer::with_metrics`);
//! `tower` converts tower's `Elapsed` and `Overloaded`; `utoipa`
//! documents the errors in OpenAPI (utoipa 6); `validator` (0.21) and `garde` (0.23)
//! turn those crates' errors into 422s; `tower-governor` (0.8) gives tower_governor's
//! 429s the shape.

#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod convert;
#[cfg(feature = "cors")]
#[cfg_attr(docsrs, doc(cfg(feature = "cors")))]
pub mod cors;
mod error;
pub mod extract;
#[cfg(feature = "garde")]
#[cfg_attr(docsrs, doc(cfg(feature = "garde")))]
pub mod garde;
#[cfg(feature = "tower-governor")]
#[cfg_attr(docsrs, doc(cfg(feature = "tower-governor")))]
pub mod governor;
pub mod headers;
pub mod layer;
mod negotiate;
mod render;
pub mod request_id;
mod response;
mod shared_buf;
#[cfg(feature = "testing")]
#[cfg_attr(docsrs, doc(cfg(feature = "testing")))]
pub mod testing;
pub mod trace_context;
pub mod validate;
#[cfg(feature = "validator")]
#[cfg_attr(docsrs, doc(cfg(feature = "validator")))]
pub mod validator;

#[doc(inline)]
pub use api_error_wire as wire;

#[cfg(feature = "utoipa")]
#[cfg_attr(docsrs, doc(cfg(feature = "utoipa")))]
#[doc(inline)]
pub use api_error_wire::openapi;

pub use crate::{
    error::{ApiError, BoxError, ErrorKind},
    extract::{Form, Json, Path, Query},
    layer::ApiErrorLayer,
    request_id::RequestId,
    validate::{FieldErrors, Valid, ValidateFields},
};

/// The README's examples, compiled and run as doc tests with every integration on
/// (the README's `cargo test --all-features`).
#[doc = include_str!("../README.md")]
#[cfg(all(
    doctest,
    feature = "tower-http",
    feature = "cors",
    feature = "metrics",
    feature = "opentelemetry",
    feature = "testing",
    feature = "utoipa",
    feature = "validator",
    feature = "garde",
    feature = "tower-governor"
))]
pub struct ReadmeDoctests;
