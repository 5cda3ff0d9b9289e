//! Correct, consistent error responses for [axum](https://docs.rs/axum) and tower.
//!
//! Return [`ApiError`] from handlers and add [`ApiErrorLayer`]. Each variant is one
//! HTTP status (RFC 9110) and carries what that status needs, so the response always
//! has the right status, the headers the status requires (`WWW-Authenticate`,
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
//!     Err(ApiError::conflict("A user with this email already exists.").field("email"))
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
//! - Your own errors convert with `From`, so handlers use `?`: see [`ApiError`].
//! - [`Json`], [`Query`], [`Path`] and [`Form`] are axum's extractors with rejections
//!   that name the field at fault; [`Valid`] adds field-by-field validation.
//! - Without the layer an `ApiError` is still a complete response, without `requestId`.
//!
//! Features: `tower-http` (default) reads tower-http's `RequestId` and maps its body
//! timeout to a 408; `tower` converts tower's `Elapsed` and `Overloaded`.

mod body;
mod convert;
mod error;
mod extract;
mod headers;
mod layer;
mod negotiate;
mod request_id;
mod response;
mod validate;

pub use crate::{
    body::{reason_phrase, ErrorBody, ErrorFormat, FieldError, ProblemDetails},
    error::{ApiError, BoxError, ErrorInfo},
    extract::{Form, Json, Path, Query},
    headers::{
        BearerError, Challenge, InvalidScheme, RateLimit, RetryAfter, ACCEPT_POST, RATELIMIT,
        RATELIMIT_POLICY, X_RATELIMIT_LIMIT, X_RATELIMIT_REMAINING, X_RATELIMIT_RESET,
    },
    layer::{ApiErrorLayer, ApiErrorService, ErrorEvent, ResponseFuture, X_REQUEST_ID},
    request_id::{RequestId, MAX_REQUEST_ID_LEN},
    response::DEFAULT_RETRY_AFTER,
    validate::{Valid, Validate},
};

/// The README's examples, compiled as doc tests.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
