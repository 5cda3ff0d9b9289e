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

use crate::{
    body::{normalise_code, ErrorView, FieldError},
    headers::{is_media_type, Challenge, RateLimit, RetryAfter},
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

fn info() -> Box<ErrorInfo> {
    Box::default()
}

/// Constructors: one per variant, named for the failure.
impl ApiError {
    /// 400 with a message saying what is wrong with the request.
    #[must_use]
    pub fn bad_request(message: impl Into<Cow<'static, str>>) -> Self {
        Self::BadRequest {
            info: info(),
            source: None,
        }
        .with_message(message)
    }

    /// 401 with the default challenge (the layer's, else `Bearer`). Per RFC 6750
    /// §3.1, a request that carried no credentials gets a challenge without an
    /// `error`; set one with [`ApiError::with_challenge`] when a token was refused.
    #[must_use]
    pub fn unauthorized() -> Self {
        Self::Unauthorized {
            info: info(),
            source: None,
            challenge: None,
        }
    }

    /// 403.
    #[must_use]
    pub fn forbidden() -> Self {
        Self::Forbidden {
            info: info(),
            source: None,
            challenge: None,
        }
    }

    /// 404.
    #[must_use]
    pub fn not_found() -> Self {
        Self::NotFound {
            info: info(),
            source: None,
            concealed: false,
        }
    }

    /// 404 sent instead of a 403, so that a caller cannot learn that a resource it
    /// may not see exists. On the wire it equals [`ApiError::not_found`] exactly; a
    /// message, code or details set on it reach only the logs.
    ///
    /// ```
    /// use axum_api_error::ApiError;
    ///
    /// let hidden = ApiError::concealed_not_found().with_message("user 2 may not read user 1");
    /// assert_eq!(hidden.status(), ApiError::not_found().status());
    /// assert_eq!(hidden.message(), ApiError::not_found().message());
    /// assert!(hidden.is_concealed());
    /// ```
    #[must_use]
    pub fn concealed_not_found() -> Self {
        Self::NotFound {
            info: info(),
            source: None,
            concealed: true,
        }
    }

    /// 405 with `Allow` naming `allow`.
    #[must_use]
    pub fn method_not_allowed(allow: impl IntoIterator<Item = Method>) -> Self {
        Self::MethodNotAllowed {
            info: info(),
            source: None,
            allow: allow.into_iter().collect(),
        }
    }

    /// 406.
    #[must_use]
    pub fn not_acceptable() -> Self {
        Self::NotAcceptable {
            info: info(),
            source: None,
        }
    }

    /// 408: the client was too slow to send its request. (A handler that is too slow
    /// is the server's fault: [`ApiError::service_unavailable`] or
    /// [`ApiError::gateway_timeout`].)
    #[must_use]
    pub fn request_timeout() -> Self {
        Self::RequestTimeout {
            info: info(),
            source: None,
        }
    }

    /// 409 with a message saying what conflicts.
    #[must_use]
    pub fn conflict(message: impl Into<Cow<'static, str>>) -> Self {
        Self::Conflict {
            info: info(),
            source: None,
        }
        .with_message(message)
    }

    /// 410.
    #[must_use]
    pub fn gone() -> Self {
        Self::Gone {
            info: info(),
            source: None,
        }
    }

    /// 412.
    #[must_use]
    pub fn precondition_failed() -> Self {
        Self::PreconditionFailed {
            info: info(),
            source: None,
        }
    }

    /// 413.
    #[must_use]
    pub fn payload_too_large() -> Self {
        Self::PayloadTooLarge {
            info: info(),
            source: None,
            retry_after: None,
        }
    }

    /// 415 with `Accept` naming the media types the resource accepts. Entries that
    /// are not media types (`type/subtype`, optional parameters, no comma) are dropped.
    ///
    /// ```
    /// use axum_api_error::ApiError;
    ///
    /// let err = ApiError::unsupported_media_type(["application/json"]).accept_post();
    /// # let _ = err;
    /// ```
    #[must_use]
    pub fn unsupported_media_type<I, S>(accept: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<Cow<'static, str>>,
    {
        Self::UnsupportedMediaType {
            info: info(),
            source: None,
            accept: accept
                .into_iter()
                .map(Into::into)
                .filter(|t| is_media_type(t))
                .collect(),
            accept_post: false,
        }
    }

    /// 422, to which field errors are added with [`ApiError::field_error`].
    ///
    /// ```
    /// use axum_api_error::ApiError;
    ///
    /// let mut errors = ApiError::validation();
    /// let (name, email) = ("", "not-an-email");
    /// if name.is_empty() {
    ///     errors.push_field_error("name", "Must not be empty.", "REQUIRED");
    /// }
    /// if !email.contains('@') {
    ///     errors.push_field_error("email", "Must be a valid email address.", "INVALID_FORMAT");
    /// }
    /// let err = errors.into_result().unwrap_err();
    /// assert_eq!(err.details().len(), 2);
    ///
    /// // No field error added: no error.
    /// assert!(ApiError::validation().into_result().is_ok());
    /// ```
    #[must_use]
    pub fn validation() -> Self {
        Self::Validation {
            info: info(),
            source: None,
        }
    }

    /// 429 with `Retry-After` of `retry_after`.
    #[must_use]
    pub fn rate_limited(retry_after: impl Into<RetryAfter>) -> Self {
        Self::RateLimited {
            info: info(),
            source: None,
            retry_after: Some(retry_after.into()),
            limit: None,
        }
    }

    /// 500 caused by `source`, which is logged and never sent.
    ///
    /// ```
    /// use axum_api_error::ApiError;
    ///
    /// let err = ApiError::internal("connection to db:5432 refused, password=hunter2");
    /// assert_eq!(err.message(), "An internal error occurred.");
    /// assert_eq!(
    ///     std::error::Error::source(&err).unwrap().to_string(),
    ///     "connection to db:5432 refused, password=hunter2",
    /// );
    /// ```
    #[must_use]
    pub fn internal(source: impl Into<BoxError>) -> Self {
        Self::Internal {
            info: info(),
            source: Some(source.into()),
        }
    }

    /// 501.
    #[must_use]
    pub fn not_implemented() -> Self {
        Self::NotImplemented {
            info: info(),
            source: None,
        }
    }

    /// 502.
    #[must_use]
    pub fn bad_gateway() -> Self {
        Self::BadGateway {
            info: info(),
            source: None,
        }
    }

    /// 503 with the default `Retry-After` unless [`ApiError::with_retry_after`] sets one.
    #[must_use]
    pub fn service_unavailable() -> Self {
        Self::ServiceUnavailable {
            info: info(),
            source: None,
            retry_after: None,
        }
    }

    /// 504.
    #[must_use]
    pub fn gateway_timeout() -> Self {
        Self::GatewayTimeout {
            info: info(),
            source: None,
        }
    }

    /// The error for `status`: the named variant where there is one, else `Other`.
    /// A status below 400 is no error; it gives a 500, since passing one is a bug on
    /// the server's side.
    ///
    /// ```
    /// use axum_api_error::ApiError;
    /// use http::StatusCode;
    ///
    /// assert!(matches!(ApiError::from_status(StatusCode::GONE), ApiError::Gone { .. }));
    /// let teapot = ApiError::from_status(StatusCode::IM_A_TEAPOT);
    /// assert_eq!(teapot.status(), StatusCode::IM_A_TEAPOT);
    /// assert_eq!(teapot.code(), "IM_A_TEAPOT");
    /// assert_eq!(ApiError::from_status(StatusCode::OK).status(), 500);
    /// ```
    #[must_use]
    pub fn from_status(status: StatusCode) -> Self {
        let (info, source) = (info(), None);
        match status.as_u16() {
            400 => Self::BadRequest { info, source },
            401 => Self::unauthorized(),
            403 => Self::forbidden(),
            404 => Self::not_found(),
            405 => Self::method_not_allowed([]),
            406 => Self::not_acceptable(),
            408 => Self::request_timeout(),
            409 => Self::Conflict { info, source },
            410 => Self::gone(),
            412 => Self::precondition_failed(),
            413 => Self::payload_too_large(),
            415 => Self::unsupported_media_type(Vec::<&'static str>::new()),
            422 => Self::validation(),
            429 => Self::RateLimited {
                info,
                source,
                retry_after: None,
                limit: None,
            },
            500 => Self::Internal { info, source },
            501 => Self::not_implemented(),
            502 => Self::bad_gateway(),
            503 => Self::service_unavailable(),
            504 => Self::gateway_timeout(),
            _ if status.is_client_error() || status.is_server_error() => Self::Other {
                info,
                source,
                status,
            },
            _ => Self::Internal { info, source },
        }
    }
}

/// Setters: each returns the error, so they chain.
impl ApiError {
    /// The sentence the client reads. It is sent as written, on a 5xx too: write
    /// nothing there you would not show a stranger.
    #[must_use]
    pub fn with_message(mut self, message: impl Into<Cow<'static, str>>) -> Self {
        self.info_mut().message = Some(message.into());
        self
    }

    /// The code a program matches on. It is made UPPER_SNAKE_CASE
    /// (`"email-taken"` becomes `"EMAIL_TAKEN"`); one with no letter or digit is ignored.
    #[must_use]
    pub fn with_code(mut self, code: impl Into<Cow<'static, str>>) -> Self {
        let code = normalise_code(code.into());
        if !code.is_empty() {
            self.info_mut().code = Some(code);
        }
        self
    }

    /// A URL documenting this error, sent as `docs` (and as the problem `type`).
    #[must_use]
    pub fn with_docs(mut self, url: impl Into<Cow<'static, str>>) -> Self {
        self.info_mut().docs = Some(url.into());
        self
    }

    /// Names a field at fault: a `details` entry with the error's own message and code.
    ///
    /// ```
    /// use axum::response::IntoResponse;
    /// use axum_api_error::ApiError;
    /// # tokio_test(async {
    /// let res = ApiError::conflict("A user with this email already exists.")
    ///     .field("email")
    ///     .into_response();
    /// let body = axum::body::to_bytes(res.into_body(), usize::MAX).await.unwrap();
    /// let body: serde_json::Value = serde_json::from_slice(&body).unwrap();
    /// assert_eq!(body["details"], serde_json::json!([{
    ///     "field": "email",
    ///     "message": "A user with this email already exists.",
    ///     "code": "CONFLICT",
    /// }]));
    /// # });
    /// # fn tokio_test(f: impl std::future::Future<Output = ()>) {
    /// #     tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(f)
    /// # }
    /// ```
    #[must_use]
    pub fn field(mut self, field: impl Into<Cow<'static, str>>) -> Self {
        self.info_mut().fields.push(field.into());
        self
    }

    /// Adds a field error: `{"field", "message", "code"}` in `details`.
    #[must_use]
    pub fn field_error(
        mut self,
        field: impl Into<Cow<'static, str>>,
        message: impl Into<Cow<'static, str>>,
        code: impl Into<Cow<'static, str>>,
    ) -> Self {
        self.push_field_error(field, message, code);
        self
    }

    /// Adds a field error in place, for collecting them in a loop or a chain of `if`s.
    pub fn push_field_error(
        &mut self,
        field: impl Into<Cow<'static, str>>,
        message: impl Into<Cow<'static, str>>,
        code: impl Into<Cow<'static, str>>,
    ) {
        self.info_mut()
            .details
            .push(FieldError::new(field, message, code));
    }

    /// Adds field errors already built.
    #[must_use]
    pub fn with_details(mut self, details: impl IntoIterator<Item = FieldError>) -> Self {
        self.info_mut().details.extend(details);
        self
    }

    /// Keeps `source` as the cause, for the logs (and [`std::error::Error::source`]).
    /// It is never sent to the client.
    #[must_use]
    pub fn caused_by(mut self, source: impl Into<BoxError>) -> Self {
        *self.source_mut() = Some(source.into());
        self
    }

    /// The challenge of a 401, or one to send with a 403 (`insufficient_scope`).
    /// Ignored by other variants.
    #[must_use]
    pub fn with_challenge(mut self, new: Challenge) -> Self {
        if let Self::Unauthorized { challenge, .. } | Self::Forbidden { challenge, .. } = &mut self
        {
            *challenge = Some(new);
        }
        self
    }

    /// When to retry, for a 429, 503 or 413. Ignored by other variants. On a 429 with
    /// a [`RateLimit`], the window's end is used when it is later.
    #[must_use]
    pub fn with_retry_after(mut self, when: impl Into<RetryAfter>) -> Self {
        if let Self::RateLimited { retry_after, .. }
        | Self::ServiceUnavailable { retry_after, .. }
        | Self::PayloadTooLarge { retry_after, .. } = &mut self
        {
            *retry_after = Some(when.into());
        }
        self
    }

    /// The rate-limit fields of a 429 (`X-RateLimit-*`, `RateLimit`, `RateLimit-Policy`).
    /// Ignored by other variants.
    ///
    /// ```
    /// use std::time::Duration;
    /// use axum_api_error::{ApiError, RateLimit, RetryAfter};
    ///
    /// let window = RateLimit::new(5, 0, Duration::from_secs(60), Duration::from_secs(42));
    /// let err = ApiError::rate_limited(Duration::from_secs(1)).with_rate_limit(window);
    /// // Retrying before the window ends would fail again.
    /// assert_eq!(err.retry_after(), Some(RetryAfter::secs(42)));
    /// ```
    #[must_use]
    pub fn with_rate_limit(mut self, new: RateLimit) -> Self {
        if let Self::RateLimited { limit, .. } = &mut self {
            *limit = Some(Box::new(new));
        }
        self
    }

    /// For a 415: sends the accepted media types as `Accept-Post` too, as a POST
    /// target should. Ignored by other variants.
    #[must_use]
    pub fn accept_post(mut self) -> Self {
        if let Self::UnsupportedMediaType { accept_post, .. } = &mut self {
            *accept_post = true;
        }
        self
    }

    /// `Ok(())` for a 422 to which no field error was added; else `Err(self)`.
    /// The end of a validation that collects every failing field.
    ///
    /// # Errors
    ///
    /// `self`, unless it is an empty validation error.
    pub fn into_result(self) -> Result<(), Self> {
        match &self {
            Self::Validation { info, .. } if info.details.is_empty() && info.fields.is_empty() => {
                Ok(())
            }
            _ => Err(self),
        }
    }
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
        matches!(
            self.status().as_u16(),
            408 | 429 | 502 | 503 | 504
        )
    }

    /// Whether this is a concealed 404 ([`ApiError::concealed_not_found`]).
    #[must_use]
    pub const fn is_concealed(&self) -> bool {
        matches!(self, Self::NotFound { concealed: true, .. })
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
            Self::BadRequest { info, source }
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
    pub(crate) fn view(&self, expose: bool) -> ErrorView<'_> {
        let info = self.info();
        let concealed = self.is_concealed();
        let debug = (expose && self.status().is_server_error()).then(|| source_chain(self));
        ErrorView {
            status: self.status(),
            message: self.message(),
            code: self.code(),
            details: if concealed { &[] } else { &info.details },
            fields: if concealed { &[] } else { &info.fields },
            docs: if concealed { None } else { info.docs.as_deref() },
            retry_after: self.retry_after().map(|r| r.as_secs()),
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

/// The default code of a named status.
const fn default_code(status: StatusCode) -> &'static str {
    match status.as_u16() {
        400 => "BAD_REQUEST",
        401 => "UNAUTHORIZED",
        403 => "FORBIDDEN",
        404 => "NOT_FOUND",
        405 => "METHOD_NOT_ALLOWED",
        406 => "NOT_ACCEPTABLE",
        408 => "REQUEST_TIMEOUT",
        409 => "CONFLICT",
        410 => "GONE",
        412 => "PRECONDITION_FAILED",
        413 => "PAYLOAD_TOO_LARGE",
        415 => "UNSUPPORTED_MEDIA_TYPE",
        422 => "VALIDATION_FAILED",
        429 => "RATE_LIMITED",
        500 => "INTERNAL_ERROR",
        501 => "NOT_IMPLEMENTED",
        502 => "BAD_GATEWAY",
        503 => "SERVICE_UNAVAILABLE",
        504 => "GATEWAY_TIMEOUT",
        _ => "ERROR",
    }
}

/// The code of an `Other` status: its reason phrase in UPPER_SNAKE_CASE.
fn other_code(status: StatusCode) -> &'static str {
    match status.as_u16() {
        402 => "PAYMENT_REQUIRED",
        407 => "PROXY_AUTHENTICATION_REQUIRED",
        411 => "LENGTH_REQUIRED",
        414 => "URI_TOO_LONG",
        416 => "RANGE_NOT_SATISFIABLE",
        417 => "EXPECTATION_FAILED",
        418 => "IM_A_TEAPOT",
        421 => "MISDIRECTED_REQUEST",
        423 => "LOCKED",
        424 => "FAILED_DEPENDENCY",
        425 => "TOO_EARLY",
        426 => "UPGRADE_REQUIRED",
        428 => "PRECONDITION_REQUIRED",
        431 => "REQUEST_HEADER_FIELDS_TOO_LARGE",
        451 => "UNAVAILABLE_FOR_LEGAL_REASONS",
        505 => "HTTP_VERSION_NOT_SUPPORTED",
        506 => "VARIANT_ALSO_NEGOTIATES",
        507 => "INSUFFICIENT_STORAGE",
        508 => "LOOP_DETECTED",
        510 => "NOT_EXTENDED",
        511 => "NETWORK_AUTHENTICATION_REQUIRED",
        _ if status.is_client_error() => "CLIENT_ERROR",
        _ => "SERVER_ERROR",
    }
}

/// The default message of a status: a sentence for a person that gives nothing away.
pub(crate) const fn default_message(status: StatusCode) -> &'static str {
    match status.as_u16() {
        400 => "The request is invalid.",
        401 => "Authentication is required to access this resource.",
        403 => "You do not have permission to perform this action.",
        404 => "The requested resource was not found.",
        405 => "The method is not allowed for this resource.",
        406 => "No representation of this resource matches the Accept headers of the request.",
        408 => "The request was not received in time.",
        409 => "The request conflicts with the current state of the resource.",
        410 => "The requested resource is no longer available.",
        412 => "A precondition of the request was not met.",
        413 => "The request content is too large.",
        415 => "The content type of the request is not supported.",
        422 => "The request contains invalid fields.",
        429 => "Too many requests. Try again later.",
        500 => "An internal error occurred.",
        501 => "This operation is not implemented.",
        502 => "An upstream service returned an invalid response.",
        503 => "The service is temporarily unavailable. Try again later.",
        504 => "An upstream service did not respond in time.",
        c if c < 500 => "The request could not be processed.",
        _ => "The server could not complete the request.",
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
        assert!(std::mem::size_of::<ApiError>() <= 128, "{}", std::mem::size_of::<ApiError>());
    }
}
