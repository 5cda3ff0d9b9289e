//! The wire format of [axum-api-error](https://docs.rs/axum-api-error), for the
//! servers that send it and the clients that read it: no axum, hyper or tower.
//!
//! - [`ErrorBody`] (`application/json`) and [`ProblemDetails`] (RFC 9457,
//!   `application/problem+json`), with their [`FieldError`]s: the same types render
//!   on the server and parse on the client, borrowing where that saves copies;
//! - [`status`]: one row per HTTP error status ([`StatusInfo`]: its [`ErrorKind`],
//!   reason phrase, default code and message, whether a retry may succeed);
//! - [`RetryAfter`] and its RFC 9110 parser;
//! - [`client`]: [`client::ErrorResponse`], any error response read into a typed
//!   value (both formats, a proxy's HTML, an empty body), and with the feature
//!   `reqwest`, from a `reqwest::Response`; [`retry`]: retries that honour
//!   `Retry-After`;
//! - [`trace_context`]: W3C Trace Context's `traceparent` and `tracestate`, parsed
//!   as a receiver must and written for the next hop;
//! - with the feature `utoipa`, [`openapi`]: the bodies' schemas and every
//!   operation's error responses in an OpenAPI document.
//!
//! ```
//! use api_error_wire::{ErrorBody, ErrorKind, RetryAfter};
//!
//! // What a client received:
//! let bytes = br#"{"error":"Too Many Requests","message":"Slow down.","code":"RATE_LIMITED","requestId":"req-1","retryAfter":30}"#;
//! let body: ErrorBody<'static> = serde_json::from_slice(bytes).unwrap();
//! assert_eq!(body.code, "RATE_LIMITED");
//! assert_eq!(body.request_id.as_deref(), Some("req-1"));
//! assert_eq!(body.retry_after, Some(30));
//!
//! let status = http::StatusCode::TOO_MANY_REQUESTS;
//! assert_eq!(ErrorKind::of(status), ErrorKind::RateLimited);
//! assert!(api_error_wire::StatusInfo::of(status).is_retryable());
//! assert_eq!(RetryAfter::parse("30"), Some(RetryAfter::secs(30)));
//! ```

#![cfg_attr(docsrs, feature(doc_cfg))]

mod body;
pub mod client;
mod json;
#[cfg(feature = "utoipa")]
#[cfg_attr(docsrs, doc(cfg(feature = "utoipa")))]
pub mod openapi;
pub mod retry;
mod retry_after;
pub mod status;
pub mod trace_context;

pub use crate::{
    body::{normalise_code, ErrorBody, ErrorFormat, FieldError, ProblemDetails},
    retry_after::RetryAfter,
    status::{reason_phrase, ErrorKind, StatusInfo},
};
