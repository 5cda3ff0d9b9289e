//! [`ApiError`]: one variant per failure an HTTP API meets.
//!
//! ```
//! use axum_api_error::ApiError;
//! use http::StatusCode;
//!
//! let err = ApiError::conflict("A user with this email already exists.").field("email");
//! assert_eq!(err.status(), StatusCode::CONFLICT);
//! assert_eq!(err.code(), "CONFLICT");
//! assert_eq!(err.message(), "A user with this email already exists.");
//! assert!(!err.is_retryable());
//! ```

use std::{borrow::Cow, error::Error as StdError};

use http::{Method, StatusCode};

mod build;
mod defaults;

use self::defaults::{default_code, default_message, other_code};
use crate::{
    body::{ErrorView, FieldError},
    headers::{Challenge, RateLimit, RetryAfter},
};

/// A boxed error that can cross threads: what [`ApiError`] keeps as its source.
pub type BoxError = Box<dyn StdError + Send + Sync + 'static>;

/// A failure of an HTTP API, as its client should see it.
///
/// Each variant is one status and carries what that status needs on the wire (the
/// challenge of a 401, the methods of a 405, the retry time of a 429). Build one
/// with the constructors (`ApiError::not_found()`), refine it with the setters
/// (`.with_message(..)`, `.with_code(..)`, `.field(..)`, `.caused_by(..)`), and return it from a
/// handler: its [`IntoResponse`](axum_core::response::IntoResponse) gives the status,
/// the required headers and the JSON body.
///
/// | variant | status | default code | headers it adds |
/// |---|---|---|---|
/// | `BadRequest` | 400 | `BAD_REQUEST` | |
/// | `Unauthorized` | 401 | `UNAUTHORIZED` | `WWW-Authenticate` |
/// | `Forbidden` | 403 | `FORBIDDEN` | `WWW-Authenticate` when given a challenge |
/// | `NotFound` | 404 | `NOT_FOUND` | |
/// | `MethodNotAllowed` | 405 | `METHOD_NOT_ALLOWED` | `Allow` |
/// | `NotAcceptable` | 406 | `NOT_ACCEPTABLE` | |
/// | `RequestTimeout` | 408 | `REQUEST_TIMEOUT` | `Connection: close` |
/// | `Conflict` | 409 | `CONFLICT` | |
/// | `Gone` | 410 | `GONE` | |
/// | `PreconditionFailed` | 412 | `PRECONDITION_FAILED` | |
/// | `PayloadTooLarge` | 413 | `PAYLOAD_TOO_LARGE` | `Retry-After` when given |
/// | `UnsupportedMediaType` | 415 | `UNSUPPORTED_MEDIA_TYPE` | `Accept`, `Accept-Post` when asked |
/// | `Validation` | 422 | `VALIDATION_FAILED` | |
/// | `RateLimited` | 429 | `RATE_LIMITED` | `Retry-After`, rate-limit fields when given |
/// | `Internal` | 500 | `INTERNAL_ERROR` | |
/// | `NotImplemented` | 501 | `NOT_IMPLEMENTED` | |
/// | `BadGateway` | 502 | `BAD_GATEWAY` | |
/// | `ServiceUnavailable` | 503 | `SERVICE_UNAVAILABLE` | `Retry-After` |
/// | `GatewayTimeout` | 504 | `GATEWAY_TIMEOUT` | |
/// | `Other` | any other 4xx/5xx | its reason phrase (`IM_A_TEAPOT`) | |
///
/// Every error response also has `Content-Type: application/json`,
/// `Cache-Control: no-store` and `Vary: Accept`.
///
/// The client sees `message`, never the source: a 5xx body says only what its
/// variant's default (or your explicit `.with_message(..)`) says, and the source chain
/// reaches the logs through the response extensions.
///
/// # Domain errors
///
/// Map your own errors once with `From`, and handlers use `?`:
///
/// ```
/// use axum_api_error::ApiError;
///
/// #[derive(Debug, thiserror::Error)]
/// enum UserError {
///     #[error("user {0} not found")]
///     NotFound(u64),
///     #[error("email {0} is taken")]
///     EmailTaken(String),
///     #[error("database error")]
///     Database(#[from] std::io::Error),
/// }
///
/// impl From<UserError> for ApiError {
///     fn from(err: UserError) -> Self {
///         match err {
///             UserError::NotFound(_) => ApiError::not_found().with_message("No such user."),
///             UserError::EmailTaken(_) => {
///                 ApiError::conflict("A user with this email already exists.")
///                     .with_code("EMAIL_TAKEN")
///                     .field("email")
///             }
///             // The source is logged by the layer, never sent.
///             UserError::Database(_) => ApiError::internal(err),
///         }
///     }
/// }
///
/// fn find(id: u64) -> Result<String, UserError> {
///     Err(UserError::NotFound(id))
/// }
///
/// fn handler(id: u64) -> Result<String, ApiError> {
///     let user = find(id)?;
///     Ok(user)
/// }
///
/// assert_eq!(handler(7).unwrap_err().status(), http::StatusCode::NOT_FOUND);
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ApiError {
    /// 400: the request is malformed.
    #[error("bad request")]
    #[non_exhaustive]
    BadRequest {
        /// Message, code, details and docs.
        info: Box<ErrorInfo>,
        /// The underlying error, for the logs.
        source: Option<BoxError>,
        /// A challenge to send too (RFC 6750 §3.1 `invalid_request`: a malformed
        /// `Authorization` header).
        challenge: Option<Challenge>,
    },
    /// 401: no valid credentials. RFC 9110 §15.5.2: the response MUST carry
    /// `WWW-Authenticate`.
    #[error("unauthorized")]
    #[non_exhaustive]
    Unauthorized {
        /// Message, code, details and docs.
        info: Box<ErrorInfo>,
        /// The underlying error, for the logs.
        source: Option<BoxError>,
        /// The challenge; `None` sends the layer's default (`Bearer` without one).
        challenge: Option<Challenge>,
    },
    /// 403: authenticated, but not allowed.
    #[error("forbidden")]
    #[non_exhaustive]
    Forbidden {
        /// Message, code, details and docs.
        info: Box<ErrorInfo>,
        /// The underlying error, for the logs.
        source: Option<BoxError>,
        /// A challenge to send too (RFC 6750 §3.1 `insufficient_scope`).
        challenge: Option<Challenge>,
    },
    /// 404: no such resource.
    #[error("not found")]
    #[non_exhaustive]
    NotFound {
        /// Message, code, details and docs.
        info: Box<ErrorInfo>,
        /// The underlying error, for the logs.
        source: Option<BoxError>,
        /// Sent instead of a 403 so that the resource's existence stays hidden: the
        /// wire shows a plain 404 whatever message, code or details were set (they
        /// go to the logs).
        concealed: bool,
    },
    /// 405: the resource does not support the method.
    #[error("method not allowed")]
    #[non_exhaustive]
    MethodNotAllowed {
        /// Message, code, details and docs.
        info: Box<ErrorInfo>,
        /// The underlying error, for the logs.
        source: Option<BoxError>,
        /// The methods the resource supports: RFC 9110 §15.5.6, a 405 MUST carry `Allow`.
        allow: Vec<Method>,
    },
    /// 406: no representation matches the request's `Accept*` headers.
    #[error("not acceptable")]
    #[non_exhaustive]
    NotAcceptable {
        /// Message, code, details and docs.
        info: Box<ErrorInfo>,
        /// The underlying error, for the logs.
        source: Option<BoxError>,
    },
    /// 408: the client did not finish sending its request in time.
    #[error("request timeout")]
    #[non_exhaustive]
    RequestTimeout {
        /// Message, code, details and docs.
        info: Box<ErrorInfo>,
        /// The underlying error, for the logs.
        source: Option<BoxError>,
    },
    /// 409: the request conflicts with the resource's current state.
    #[error("conflict")]
    #[non_exhaustive]
    Conflict {
        /// Message, code, details and docs.
        info: Box<ErrorInfo>,
        /// The underlying error, for the logs.
        source: Option<BoxError>,
    },
    /// 410: the resource existed and is gone for good.
    #[error("gone")]
    #[non_exhaustive]
    Gone {
        /// Message, code, details and docs.
        info: Box<ErrorInfo>,
        /// The underlying error, for the logs.
        source: Option<BoxError>,
    },
    /// 412: a conditional header (`If-Match`, ...) did not hold.
    #[error("precondition failed")]
    #[non_exhaustive]
    PreconditionFailed {
        /// Message, code, details and docs.
        info: Box<ErrorInfo>,
        /// The underlying error, for the logs.
        source: Option<BoxError>,
    },
    /// 413: the request content is larger than the server accepts.
    #[error("content too large")]
    #[non_exhaustive]
    PayloadTooLarge {
        /// Message, code, details and docs.
        info: Box<ErrorInfo>,
        /// The underlying error, for the logs.
        source: Option<BoxError>,
        /// When the condition is temporary (RFC 9110 §15.5.14).
        retry_after: Option<RetryAfter>,
    },
    /// 415: the request content's media type is not supported.
    #[error("unsupported media type")]
    #[non_exhaustive]
    UnsupportedMediaType {
        /// Message, code, details and docs.
        info: Box<ErrorInfo>,
        /// The underlying error, for the logs.
        source: Option<BoxError>,
        /// The media types accepted, sent as `Accept` (RFC 9110 §15.5.16).
        accept: Vec<Cow<'static, str>>,
        /// Whether to send them as `Accept-Post` too (for a POST).
        accept_post: bool,
    },
    /// 422: the content is well-formed but its fields are invalid.
    #[error("validation failed")]
    #[non_exhaustive]
    Validation {
        /// Message, code, details and docs.
        info: Box<ErrorInfo>,
        /// The underlying error, for the logs.
        source: Option<BoxError>,
    },
    /// 429: the client sent too many requests (RFC 6585 §4).
    #[error("too many requests")]
    #[non_exhaustive]
    RateLimited {
        /// Message, code, details and docs.
        info: Box<ErrorInfo>,
        /// The underlying error, for the logs.
        source: Option<BoxError>,
        /// When to retry; `None` sends the layer's default.
        retry_after: Option<RetryAfter>,
        /// The rate-limit fields to send.
        limit: Option<Box<RateLimit>>,
    },
    /// 500: a fault of the server. The source is logged, never sent.
    #[error("internal error")]
    #[non_exhaustive]
    Internal {
        /// Message, code, details and docs.
        info: Box<ErrorInfo>,
        /// The underlying error, for the logs.
        source: Option<BoxError>,
    },
    /// 501: the server does not support this functionality.
    #[error("not implemented")]
    #[non_exhaustive]
    NotImplemented {
        /// Message, code, details and docs.
        info: Box<ErrorInfo>,
        /// The underlying error, for the logs.
        source: Option<BoxError>,
    },
    /// 502: an upstream server sent an invalid response.
    #[error("bad gateway")]
    #[non_exhaustive]
    BadGateway {
        /// Message, code, details and docs.
        info: Box<ErrorInfo>,
        /// The underlying error, for the logs.
        source: Option<BoxError>,
    },
    /// 503: the server cannot handle the request now.
    #[error("service unavailable")]
    #[non_exhaustive]
    ServiceUnavailable {
        /// Message, code, details and docs.
        info: Box<ErrorInfo>,
        /// The underlying error, for the logs.
        source: Option<BoxError>,
        /// When to retry; `None` sends the layer's default.
        retry_after: Option<RetryAfter>,
    },
    /// 504: an upstream server did not answer in time.
    #[error("gateway timeout")]
    #[non_exhaustive]
    GatewayTimeout {
        /// Message, code, details and docs.
        info: Box<ErrorInfo>,
        /// The underlying error, for the logs.
        source: Option<BoxError>,
    },
    /// Any other 4xx or 5xx status.
    #[error("http error {}", status.as_u16())]
    #[non_exhaustive]
    Other {
        /// Message, code, details and docs.
        info: Box<ErrorInfo>,
        /// The underlying error, for the logs.
        source: Option<BoxError>,
        /// The status, always a 4xx or 5xx.
        status: StatusCode,
    },
}

/// What every [`ApiError`] carries besides its status: the client-facing message,
/// code, field details and docs URL, each falling back to the variant's default.
/// Read them through [`ApiError`]'s accessors.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ErrorInfo {
    message: Option<Cow<'static, str>>,
    code: Option<Cow<'static, str>>,
    details: Vec<FieldError>,
    fields: Vec<Cow<'static, str>>,
    docs: Option<Cow<'static, str>>,
}

impl ErrorInfo {
    /// The message set explicitly, if any.
    pub(crate) fn message_set(&self) -> Option<&str> {
        self.message.as_deref()
    }
}

pub(crate) fn info() -> Box<ErrorInfo> {
    Box::default()
}

/// Accessors.
impl ApiError {
    /// The HTTP status.
    #[must_use]
    pub const fn status(&self) -> StatusCode {
        match self {
            Self::BadRequest { .. } => StatusCode::BAD_REQUEST,
            Self::Unauthorized { .. } => StatusCode::UNAUTHORIZED,
            Self::Forbidden { .. } => StatusCode::FORBIDDEN,
            Self::NotFound { .. } => StatusCode::NOT_FOUND,
            Self::MethodNotAllowed { .. } => StatusCode::METHOD_NOT_ALLOWED,
            Self::NotAcceptable { .. } => StatusCode::NOT_ACCEPTABLE,
            Self::RequestTimeout { .. } => StatusCode::REQUEST_TIMEOUT,
            Self::Conflict { .. } => StatusCode::CONFLICT,
            Self::Gone { .. } => StatusCode::GONE,
            Self::PreconditionFailed { .. } => StatusCode::PRECONDITION_FAILED,
            Self::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            Self::UnsupportedMediaType { .. } => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::Validation { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            Self::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::Internal { .. } => StatusCode::INTERNAL_SERVER_ERROR,
            Self::NotImplemented { .. } => StatusCode::NOT_IMPLEMENTED,
            Self::BadGateway { .. } => StatusCode::BAD_GATEWAY,
            Self::ServiceUnavailable { .. } => StatusCode::SERVICE_UNAVAILABLE,
            Self::GatewayTimeout { .. } => StatusCode::GATEWAY_TIMEOUT,
            Self::Other { status, .. } => *status,
        }
    }

    /// The code sent to the client: the one set, else the variant's default.
    #[must_use]
    pub fn code(&self) -> &str {
        if self.is_concealed() {
            return "NOT_FOUND";
        }
        match &self.info().code {
            Some(code) => code,
            None => self.default_code(),
        }
    }

    /// The message sent to the client: the one set, else the variant's default.
    #[must_use]
    pub fn message(&self) -> &str {
        if self.is_concealed() {
            return default_message(StatusCode::NOT_FOUND);
        }
        match &self.info().message {
            Some(message) => message,
            None => default_message(self.status()),
        }
    }

    /// The field errors added with [`ApiError::field_error`] and
    /// [`ApiError::with_details`] (not those named with [`ApiError::field`]).
    #[must_use]
    pub fn details(&self) -> &[FieldError] {
        &self.info().details
    }

    /// The docs URL set on this error.
    #[must_use]
    pub fn docs_url(&self) -> Option<&str> {
        self.info().docs.as_deref()
    }

    /// Whether the same request may succeed later: true for 408, 429, 502, 503, 504.
    #[must_use]
    pub const fn is_retryable(&self) -> bool {
        matches!(self.status().as_u16(), 408 | 429 | 502 | 503 | 504)
    }

    /// Whether this is a concealed 404 ([`ApiError::concealed_not_found`]).
    #[must_use]
    pub const fn is_concealed(&self) -> bool {
        matches!(
            self,
            Self::NotFound {
                concealed: true,
                ..
            }
        )
    }

    /// The `Retry-After` this error sends unless the layer fills in its default: the
    /// one set, and on a 429 no earlier than its rate-limit window's end.
    #[must_use]
    pub fn retry_after(&self) -> Option<RetryAfter> {
        match self {
            Self::RateLimited {
                retry_after, limit, ..
            } => {
                let window = limit
                    .as_deref()
                    .filter(|l| l.remaining() == 0)
                    .map(|l| RetryAfter::delay(l.reset_after()));
                match (*retry_after, window) {
                    (Some(a), Some(b)) => Some(a.max(b)),
                    (a, b) => a.or(b),
                }
            }
            Self::ServiceUnavailable { retry_after, .. }
            | Self::PayloadTooLarge { retry_after, .. } => *retry_after,
            _ => None,
        }
    }

    /// [`ApiError::retry_after`], or `default` for a 429 or 503 that sets none: what
    /// both the `Retry-After` header and the body's `retryAfter` state.
    pub(crate) fn retry_after_or(&self, default: RetryAfter) -> Option<RetryAfter> {
        self.retry_after().or_else(|| {
            matches!(
                self,
                Self::RateLimited { .. } | Self::ServiceUnavailable { .. }
            )
            .then_some(default)
        })
    }

    /// The message, code, details and docs, however this error was built.
    #[must_use]
    pub fn info(&self) -> &ErrorInfo {
        match self {
            Self::BadRequest { info, .. }
            | Self::Unauthorized { info, .. }
            | Self::Forbidden { info, .. }
            | Self::NotFound { info, .. }
            | Self::MethodNotAllowed { info, .. }
            | Self::NotAcceptable { info, .. }
            | Self::RequestTimeout { info, .. }
            | Self::Conflict { info, .. }
            | Self::Gone { info, .. }
            | Self::PreconditionFailed { info, .. }
            | Self::PayloadTooLarge { info, .. }
            | Self::UnsupportedMediaType { info, .. }
            | Self::Validation { info, .. }
            | Self::RateLimited { info, .. }
            | Self::Internal { info, .. }
            | Self::NotImplemented { info, .. }
            | Self::BadGateway { info, .. }
            | Self::ServiceUnavailable { info, .. }
            | Self::GatewayTimeout { info, .. }
            | Self::Other { info, .. } => info,
        }
    }

    fn info_mut(&mut self) -> &mut ErrorInfo {
        self.parts_mut().0
    }

    fn source_mut(&mut self) -> &mut Option<BoxError> {
        self.parts_mut().1
    }

    fn parts_mut(&mut self) -> (&mut ErrorInfo, &mut Option<BoxError>) {
        match self {
            Self::BadRequest { info, source, .. }
            | Self::Unauthorized { info, source, .. }
            | Self::Forbidden { info, source, .. }
            | Self::NotFound { info, source, .. }
            | Self::MethodNotAllowed { info, source, .. }
            | Self::NotAcceptable { info, source }
            | Self::RequestTimeout { info, source }
            | Self::Conflict { info, source }
            | Self::Gone { info, source }
            | Self::PreconditionFailed { info, source }
            | Self::PayloadTooLarge { info, source, .. }
            | Self::UnsupportedMediaType { info, source, .. }
            | Self::Validation { info, source }
            | Self::RateLimited { info, source, .. }
            | Self::Internal { info, source }
            | Self::NotImplemented { info, source }
            | Self::BadGateway { info, source }
            | Self::ServiceUnavailable { info, source, .. }
            | Self::GatewayTimeout { info, source }
            | Self::Other { info, source, .. } => (info, source),
        }
    }

    fn default_code(&self) -> &'static str {
        match self {
            Self::Other { status, .. } => other_code(*status),
            _ => default_code(self.status()),
        }
    }

    /// The error as the renderer sees it. `expose` is the development switch: with it,
    /// the source chain is sent in `debug`.
    pub(crate) fn view(&self, expose: bool, default_retry_after: RetryAfter) -> ErrorView<'_> {
        let info = self.info();
        let concealed = self.is_concealed();
        let debug = (expose && self.status().is_server_error()).then(|| source_chain(self));
        ErrorView {
            status: self.status(),
            message: self.message(),
            code: self.code(),
            details: if concealed { &[] } else { &info.details },
            fields: if concealed { &[] } else { &info.fields },
            docs: if concealed {
                None
            } else {
                info.docs.as_deref()
            },
            retry_after: self
                .retry_after_or(default_retry_after)
                .map(|r| r.as_secs()),
            debug,
        }
    }
}

/// The messages of `err`'s sources, outermost first.
pub(crate) fn source_chain(err: &dyn StdError) -> Vec<String> {
    let mut chain = Vec::new();
    let mut next = err.source();
    while let Some(e) = next {
        chain.push(e.to_string());
        next = e.source();
    }
    chain
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn sources_chain_through_std_error() {
        #[derive(Debug, thiserror::Error)]
        #[error("outer")]
        struct Outer(#[source] std::io::Error);
        let err = ApiError::internal(Outer(std::io::Error::other("inner")));
        assert_eq!(source_chain(&err), ["outer", "inner"]);
        let err = ApiError::conflict("x").caused_by("unique violation");
        assert_eq!(source_chain(&err), ["unique violation"]);
        assert!(StdError::source(&ApiError::not_found()).is_none());
    }

    #[test]
    fn display_is_lower_case_without_a_period() {
        assert_eq!(ApiError::validation().to_string(), "validation failed");
        assert_eq!(
            ApiError::from_status(StatusCode::IM_A_TEAPOT).to_string(),
            "http error 418"
        );
    }

    #[test]
    fn retryable_statuses() {
        let retryable: Vec<u16> = (400..600)
            .map(|c| ApiError::from_status(StatusCode::from_u16(c).unwrap()))
            .filter(ApiError::is_retryable)
            .map(|e| e.status().as_u16())
            .collect();
        assert_eq!(retryable, [408, 429, 502, 503, 504]);
    }

    #[test]
    fn from_status_keeps_every_error_status() {
        for c in 400..600 {
            let status = StatusCode::from_u16(c).unwrap();
            assert_eq!(ApiError::from_status(status).status(), status);
        }
        for c in [100, 200, 204, 301, 304] {
            let err = ApiError::from_status(StatusCode::from_u16(c).unwrap());
            assert_eq!(err.status(), StatusCode::INTERNAL_SERVER_ERROR);
        }
    }

    #[test]
    fn setters_apply_only_where_they_mean_something() {
        let err = ApiError::not_found()
            .with_retry_after(Duration::from_secs(5))
            .with_challenge(Challenge::bearer())
            .accept_post();
        assert_eq!(err.retry_after(), None);
        assert!(matches!(err, ApiError::NotFound { .. }));
        let err = ApiError::conflict("x").with_code("!!!");
        assert_eq!(err.code(), "CONFLICT");
    }

    #[test]
    fn rate_limit_window_only_raises_retry_after_when_exhausted() {
        let open = RateLimit::new(5, 3, Duration::from_secs(60), Duration::from_secs(50));
        let err = ApiError::rate_limited(Duration::from_secs(2)).with_rate_limit(open);
        assert_eq!(err.retry_after(), Some(RetryAfter::secs(2)));
    }

    #[test]
    fn error_is_small_and_thread_safe() {
        fn assert_send_sync<T: Send + Sync + 'static>() {}
        assert_send_sync::<ApiError>();
        // Under clippy's `result_large_err` threshold, so `Result<T, ApiError>` stays cheap.
        assert!(
            std::mem::size_of::<ApiError>() <= 128,
            "{}",
            std::mem::size_of::<ApiError>()
        );
    }
}
