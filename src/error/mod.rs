//! [`ApiError`], the failure a handler returns, and [`ErrorKind`], what to match on.
//!
//! ```
//! use axum_api_error::{ApiError, ErrorKind};
//! use http::StatusCode;
//!
//! let err = ApiError::conflict("A user with this email already exists.").add_field("email");
//! assert_eq!(err.status(), StatusCode::CONFLICT);
//! assert_eq!(err.kind(), ErrorKind::Conflict);
//! assert_eq!(err.code(), "CONFLICT");
//! assert_eq!(err.message(), "A user with this email already exists.");
//! assert_eq!(err.details()[0].field, "email");
//! assert!(!err.is_retryable());
//! ```

use std::{borrow::Cow, error::Error as StdError, fmt};

use http::{Method, StatusCode};

mod build;

pub(crate) use self::build::checked_field_error;
pub use api_error_wire::ErrorKind;

use crate::{
    headers::{Challenge, RateLimit, RetryAfter},
    wire::{FieldError, StatusInfo},
};

/// A boxed error that can cross threads: what [`ApiError`] keeps as its source.
pub type BoxError = Box<dyn StdError + Send + Sync + 'static>;

/// A failure of an HTTP API, as its client should see it.
///
/// Build one with a constructor named for the failure (`ApiError::not_found()`),
/// refine it with the setters (`.with_message(..)`, `.with_code(..)`,
/// `.add_field(..)`, `.with_source(..)`), and return it from a handler: its
/// [`IntoResponse`](axum_core::response::IntoResponse) gives the status, the headers
/// that status requires and the JSON body. Read it back with the accessors, and
/// match on [`ApiError::kind`].
///
/// | constructor | status | [`ErrorKind`] | default code | headers it adds |
/// |---|---|---|---|---|
/// | [`bad_request`](ApiError::bad_request) | 400 | `BadRequest` | `BAD_REQUEST` | `WWW-Authenticate` when given a challenge |
/// | [`unauthorized`](ApiError::unauthorized) | 401 | `Unauthorized` | `UNAUTHORIZED` | `WWW-Authenticate` |
/// | [`forbidden`](ApiError::forbidden) | 403 | `Forbidden` | `FORBIDDEN` | `WWW-Authenticate` when given a challenge |
/// | [`not_found`](ApiError::not_found), [`concealed_not_found`](ApiError::concealed_not_found) | 404 | `NotFound` | `NOT_FOUND` | |
/// | [`method_not_allowed`](ApiError::method_not_allowed) | 405 | `MethodNotAllowed` | `METHOD_NOT_ALLOWED` | `Allow` |
/// | [`not_acceptable`](ApiError::not_acceptable) | 406 | `NotAcceptable` | `NOT_ACCEPTABLE` | |
/// | [`request_timeout`](ApiError::request_timeout) | 408 | `RequestTimeout` | `REQUEST_TIMEOUT` | `Connection: close` |
/// | [`conflict`](ApiError::conflict) | 409 | `Conflict` | `CONFLICT` | |
/// | [`gone`](ApiError::gone) | 410 | `Gone` | `GONE` | |
/// | [`precondition_failed`](ApiError::precondition_failed) | 412 | `PreconditionFailed` | `PRECONDITION_FAILED` | |
/// | [`payload_too_large`](ApiError::payload_too_large) | 413 | `PayloadTooLarge` | `PAYLOAD_TOO_LARGE` | `Retry-After` when given |
/// | [`unsupported_media_type`](ApiError::unsupported_media_type) | 415 | `UnsupportedMediaType` | `UNSUPPORTED_MEDIA_TYPE` | `Accept`, and `Accept-Post` when asked |
/// | [`validation`](ApiError::validation) | 422 | `Validation` | `VALIDATION_FAILED` | |
/// | [`rate_limited`](ApiError::rate_limited) | 429 | `RateLimited` | `RATE_LIMITED` | `Retry-After`, the rate-limit fields when given |
/// | [`internal`](ApiError::internal) | 500 | `Internal` | `INTERNAL_ERROR` | |
/// | [`not_implemented`](ApiError::not_implemented) | 501 | `NotImplemented` | `NOT_IMPLEMENTED` | |
/// | [`bad_gateway`](ApiError::bad_gateway) | 502 | `BadGateway` | `BAD_GATEWAY` | |
/// | [`service_unavailable`](ApiError::service_unavailable) | 503 | `ServiceUnavailable` | `SERVICE_UNAVAILABLE` | `Retry-After` |
/// | [`gateway_timeout`](ApiError::gateway_timeout) | 504 | `GatewayTimeout` | `GATEWAY_TIMEOUT` | |
/// | [`from_status`](ApiError::from_status) | any other 4xx or 5xx | `Other` | its reason phrase (`IM_A_TEAPOT`) | |
///
/// Every error response also has `Content-Type: application/json` (or
/// `application/problem+json`), `Cache-Control: no-store` and `Vary: Accept`. The
/// defaults come from one table, [`wire::StatusInfo`](crate::wire::StatusInfo).
///
/// # Setters
///
/// One rule names them: `with_x` sets `x`, replacing what was set before; `add_x`
/// appends one more `x` to a list. Each consumes the error and returns it, so they
/// chain, and each has an accessor of the name without `with_` (`message()`,
/// `code()`, `docs()`, `challenge()`, `retry_after()`, `rate_limit()`,
/// `accept_post()`; `details()` for the `add_` ones, `std::error::Error::source`
/// for [`ApiError::with_source`]). A setter that has no meaning for the error's
/// status (a challenge on a 404) and a value that cannot be sent (a code with no
/// letter or digit) change nothing and log a `tracing` warning: they are bugs in the
/// app, which a test or the logs will show, and an error response is no place to
/// panic.
///
/// ```
/// use axum_api_error::{headers::Challenge, ApiError, ErrorKind};
///
/// let err = ApiError::not_found()
///     .with_message("No user has this id.")
///     .with_challenge(Challenge::bearer()); // a 404 sends none: ignored, with a warning
/// assert_eq!(err.kind(), ErrorKind::NotFound);
/// assert_eq!(err.message(), "No user has this id.");
/// assert_eq!(err.challenge(), None);
/// ```
///
/// The client sees `message`, never the source: a 5xx body says only its status's
/// default sentence (or the one you set with [`ApiError::with_message`]), and the
/// source chain reaches the logs.
///
/// # Domain errors
///
/// Map your own errors once with `From`, and handlers use `?`:
///
/// ```
/// use axum_api_error::{ApiError, ErrorKind};
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
///                     .add_field("email")
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
/// let err = handler(7).unwrap_err();
/// assert_eq!(err.kind(), ErrorKind::NotFound);
/// assert_eq!(err.message(), "No such user.");
/// ```
pub struct ApiError(Box<Inner>);

/// What an error is made of. Boxed, so that `Result<T, ApiError>` is one word wider
/// than `T` and a release can change what is inside.
#[derive(Debug)]
struct Inner {
    status: StatusCode,
    /// A 404 sent instead of a 403: the wire shows a plain 404.
    concealed: bool,
    message: Option<Cow<'static, str>>,
    code: Option<Cow<'static, str>>,
    docs: Option<Cow<'static, str>>,
    /// Every field error, in the order they were added: what `details` sends.
    details: Vec<FieldError>,
    source: Option<BoxError>,
    headers: Required,
}

/// What the headers a status requires say.
#[derive(Debug)]
enum Required {
    None,
    /// 400, 401 and 403 (RFC 6750 §3.1). `None` on a 401: the layer's default.
    Challenge(Option<Challenge>),
    /// 405: RFC 9110 §15.5.6, `Allow` MUST be sent.
    Allow(Vec<Method>),
    /// 415: RFC 9110 §15.5.16, the media types accepted.
    Accept {
        types: Vec<Cow<'static, str>>,
        post: bool,
    },
    /// 413, 429 and 503. `after: None` on a 429 or 503: the layer's default.
    Retry {
        after: Option<RetryAfter>,
        limit: Option<RateLimit>,
    },
}

impl Required {
    fn for_kind(kind: ErrorKind) -> Self {
        match kind {
            ErrorKind::BadRequest | ErrorKind::Unauthorized | ErrorKind::Forbidden => {
                Self::Challenge(None)
            }
            ErrorKind::MethodNotAllowed => Self::Allow(Vec::new()),
            ErrorKind::UnsupportedMediaType => Self::Accept {
                types: Vec::new(),
                post: false,
            },
            ErrorKind::PayloadTooLarge | ErrorKind::RateLimited | ErrorKind::ServiceUnavailable => {
                Self::Retry {
                    after: None,
                    limit: None,
                }
            }
            _ => Self::None,
        }
    }
}

/// Accessors: what is sent, read back.
impl ApiError {
    /// The HTTP status.
    #[must_use]
    pub fn status(&self) -> StatusCode {
        self.0.status
    }

    /// The kind of failure, to match on.
    ///
    /// ```
    /// use axum_api_error::{ApiError, ErrorKind};
    /// use http::StatusCode;
    ///
    /// let err = ApiError::from_status(StatusCode::IM_A_TEAPOT);
    /// assert_eq!(err.kind(), ErrorKind::Other);
    /// assert_eq!(ApiError::concealed_not_found().kind(), ErrorKind::NotFound);
    /// ```
    #[must_use]
    pub fn kind(&self) -> ErrorKind {
        self.row().kind()
    }

    /// The code sent to the client: the one set, else the status's default.
    #[must_use]
    pub fn code(&self) -> &str {
        match &self.0.code {
            Some(code) if !self.0.concealed => code,
            _ => self.row().code(),
        }
    }

    /// The message sent to the client: the one set, else the status's default.
    #[must_use]
    pub fn message(&self) -> &str {
        match &self.0.message {
            Some(message) if !self.0.concealed => message,
            _ => self.row().message(),
        }
    }

    /// The field errors sent in `details`, in the order they were added (with
    /// [`ApiError::add_field`], [`ApiError::add_field_error`] and
    /// [`ApiError::add_details`]). None on a concealed 404.
    #[must_use]
    pub fn details(&self) -> &[FieldError] {
        if self.0.concealed {
            &[]
        } else {
            &self.0.details
        }
    }

    /// The docs URL sent as `docs` (and as the problem `type`), if one was set.
    /// None on a concealed 404.
    #[must_use]
    pub fn docs(&self) -> Option<&str> {
        self.0.docs.as_deref().filter(|_| !self.0.concealed)
    }

    /// Whether the same request may succeed later: true for 408, 429, 502, 503, 504.
    #[must_use]
    pub fn is_retryable(&self) -> bool {
        self.row().is_retryable()
    }

    /// Whether this is a concealed 404 ([`ApiError::concealed_not_found`]).
    #[must_use]
    pub fn is_concealed(&self) -> bool {
        self.0.concealed
    }

    /// The `Retry-After` this error sends unless the layer fills in its default: the
    /// one set, and on a 429 no earlier than its rate-limit window's end.
    #[must_use]
    pub fn retry_after(&self) -> Option<RetryAfter> {
        let Required::Retry { after, limit } = &self.0.headers else {
            return None;
        };
        let window = limit
            .as_ref()
            .filter(|l| l.remaining() == 0)
            .map(|l| RetryAfter::delay(l.reset_after()));
        match (*after, window) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        }
    }

    /// The challenge set with [`ApiError::with_challenge`] (a 401 without one sends
    /// the layer's default).
    #[must_use]
    pub fn challenge(&self) -> Option<&Challenge> {
        match &self.0.headers {
            Required::Challenge(challenge) => challenge.as_ref(),
            _ => None,
        }
    }

    /// The rate-limit fields set with [`ApiError::with_rate_limit`].
    #[must_use]
    pub fn rate_limit(&self) -> Option<&RateLimit> {
        match &self.0.headers {
            Required::Retry { limit, .. } => limit.as_ref(),
            _ => None,
        }
    }

    /// The methods a 405 sends in `Allow`.
    #[must_use]
    pub fn allow(&self) -> &[Method] {
        match &self.0.headers {
            Required::Allow(methods) => methods,
            _ => &[],
        }
    }

    /// The media types a 415 sends in `Accept`, in the form they are sent.
    #[must_use]
    pub fn accept(&self) -> &[Cow<'static, str>] {
        match &self.0.headers {
            Required::Accept { types, .. } => types,
            _ => &[],
        }
    }

    /// Whether a 415 sends its media types as `Accept-Post` too
    /// ([`ApiError::with_accept_post`]).
    #[must_use]
    pub fn accept_post(&self) -> bool {
        matches!(self.0.headers, Required::Accept { post: true, .. })
    }

    /// The row of the status table for this error's status.
    fn row(&self) -> &'static StatusInfo {
        StatusInfo::of(self.0.status)
    }

    /// The message set explicitly, concealed or not: for the logs.
    pub(crate) fn message_set(&self) -> Option<&str> {
        self.0.message.as_deref()
    }

    /// [`ApiError::retry_after`], or `default` for a 429 or 503 that sets none: what
    /// both the `Retry-After` header and the body's `retryAfter` state.
    pub(crate) fn retry_after_or(&self, default: RetryAfter) -> Option<RetryAfter> {
        self.retry_after().or_else(|| {
            matches!(
                self.kind(),
                ErrorKind::RateLimited | ErrorKind::ServiceUnavailable
            )
            .then_some(default)
        })
    }

    /// The headers the status requires, as set: for the response.
    pub(crate) fn required(&self) -> RequiredView<'_> {
        match &self.0.headers {
            Required::None | Required::Retry { .. } => RequiredView::None,
            Required::Challenge(challenge) => RequiredView::Challenge {
                challenge: challenge.as_ref(),
                required: self.kind() == ErrorKind::Unauthorized,
            },
            Required::Allow(methods) => RequiredView::Allow(methods),
            Required::Accept { types, post } => RequiredView::Accept { types, post: *post },
        }
        .with_limit(self.rate_limit())
    }
}

/// What [`ApiError::required`] hands the response: the required headers but
/// `Retry-After` (which [`ApiError::retry_after_or`] gives).
pub(crate) enum RequiredView<'a> {
    None,
    Challenge {
        challenge: Option<&'a Challenge>,
        /// A 401 must send one (the default when none was set).
        required: bool,
    },
    Allow(&'a [Method]),
    Accept {
        types: &'a [Cow<'static, str>],
        post: bool,
    },
    RateLimit(&'a RateLimit),
}

impl<'a> RequiredView<'a> {
    fn with_limit(self, limit: Option<&'a RateLimit>) -> Self {
        match limit {
            Some(limit) => Self::RateLimit(limit),
            None => self,
        }
    }
}

impl fmt::Debug for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, f)
    }
}

/// Lower case, no period (`"validation failed"`, `"http error 418"`): for logs. The
/// client reads [`ApiError::message`].
impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.row().summary() {
            Some(summary) => f.write_str(summary),
            None => write!(f, "http error {}", self.0.status.as_u16()),
        }
    }
}

impl StdError for ApiError {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        self.0
            .source
            .as_deref()
            .map(|e| e as &(dyn StdError + 'static))
    }
}

/// `err`, then each of its sources in turn: the one walk of a source chain.
pub(crate) fn chain<'a>(
    err: &'a (dyn StdError + 'static),
) -> impl Iterator<Item = &'a (dyn StdError + 'static)> {
    std::iter::successors(Some(err), |e: &&'a (dyn StdError + 'static)| (*e).source())
}

/// The error and its source chain on one line: `outer: inner: innermost`. A source
/// whose text the error before it already quotes (many errors' `Display` includes
/// their source's) is not written again.
pub(crate) struct Chain<'a>(pub(crate) &'a (dyn StdError + 'static));

impl Chain<'_> {
    /// The messages of the sources, outermost first (the error itself not included).
    pub(crate) fn sources(&self) -> impl Iterator<Item = &(dyn StdError + 'static)> {
        chain(self.0).skip(1)
    }
}

impl fmt::Display for Chain<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut previous = self.0.to_string();
        f.write_str(&previous)?;
        for e in self.sources() {
            let text = e.to_string();
            if !previous.contains(&text) {
                write!(f, ": {text}")?;
            }
            previous = text;
        }
        Ok(())
    }
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
        let chain: Vec<String> = Chain(&err).sources().map(|e| e.to_string()).collect();
        assert_eq!(chain, ["outer", "inner"]);
        assert_eq!(Chain(&err).to_string(), "internal error: outer: inner");
        let err = ApiError::conflict("x").with_source("unique violation");
        assert_eq!(Chain(&err).to_string(), "conflict: unique violation");
        // A source quoted by the error before it is written once.
        #[derive(Debug, thiserror::Error)]
        #[error("parsing failed: {0}")]
        struct Quoting(#[source] std::io::Error);
        let err =
            ApiError::bad_request("x").with_source(Quoting(std::io::Error::other("bad digit")));
        assert_eq!(
            Chain(&err).to_string(),
            "bad request: parsing failed: bad digit"
        );
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
    fn from_status_keeps_every_error_status() {
        for c in 400..600 {
            let status = StatusCode::from_u16(c).unwrap();
            let err = ApiError::from_status(status);
            assert_eq!(err.status(), status);
            assert_eq!(err.kind(), ErrorKind::of(status));
        }
        for c in [100, 200, 204, 301, 304] {
            let err = ApiError::from_status(StatusCode::from_u16(c).unwrap());
            assert_eq!(err.status(), StatusCode::INTERNAL_SERVER_ERROR);
        }
    }

    #[test]
    fn setters_without_meaning_for_the_status_are_ignored() {
        let err = ApiError::not_found()
            .with_retry_after(Duration::from_secs(5))
            .with_challenge(Challenge::bearer())
            .with_accept_post();
        assert_eq!(err.retry_after(), None);
        assert_eq!(err.challenge(), None);
        assert!(!err.accept_post());
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
    fn error_is_one_word_and_thread_safe() {
        fn assert_send_sync<T: Send + Sync + 'static>() {}
        assert_send_sync::<ApiError>();
        assert_eq!(
            std::mem::size_of::<ApiError>(),
            std::mem::size_of::<usize>()
        );
    }
}
