//! Building an [`ApiError`]: the constructors and the chainable setters (the naming
//! rule and the warning policy are on [`ApiError`]'s docs).

use std::borrow::Cow;

use http::{Method, StatusCode};

use super::{ApiError, BoxError, ErrorKind, Inner, Required};
use crate::{
    headers::{normalise_media_type, Challenge, RateLimit, RetryAfter},
    wire::{normalise_code, FieldError},
};

/// Constructors: one per kind, named for the failure.
impl ApiError {
    /// The error for `status`, as every constructor builds it.
    fn new(status: StatusCode) -> Self {
        Self(Box::new(Inner {
            status,
            concealed: false,
            message: None,
            code: None,
            docs: None,
            details: Vec::new(),
            source: None,
            headers: Required::for_kind(ErrorKind::of(status)),
        }))
    }

    /// 400 with a message saying what is wrong with the request.
    #[must_use]
    pub fn bad_request(message: impl Into<Cow<'static, str>>) -> Self {
        Self::new(StatusCode::BAD_REQUEST).with_message(message)
    }

    /// 401 with the default challenge (the layer's, else `Bearer`). Per RFC 6750
    /// §3.1, a request that carried no credentials gets a challenge without an
    /// `error`; set one with [`ApiError::with_challenge`] when a token was refused.
    #[must_use]
    pub fn unauthorized() -> Self {
        Self::new(StatusCode::UNAUTHORIZED)
    }

    /// 403.
    #[must_use]
    pub fn forbidden() -> Self {
        Self::new(StatusCode::FORBIDDEN)
    }

    /// 404.
    #[must_use]
    pub fn not_found() -> Self {
        Self::new(StatusCode::NOT_FOUND)
    }

    /// 404 sent instead of a 403, so that a caller cannot learn that a resource it
    /// may not see exists. On the wire it equals [`ApiError::not_found`] exactly; a
    /// message, code, docs or details set on it reach only the logs.
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
        let mut err = Self::new(StatusCode::NOT_FOUND);
        err.0.concealed = true;
        err
    }

    /// 405 with `Allow` naming `allow`, each method once.
    ///
    /// ```
    /// use axum::response::IntoResponse;
    /// use axum_api_error::ApiError;
    /// use http::Method;
    ///
    /// let res = ApiError::method_not_allowed([Method::GET, Method::HEAD, Method::GET]).into_response();
    /// assert_eq!(res.headers()["allow"], "GET, HEAD");
    /// ```
    #[must_use]
    pub fn method_not_allowed(allow: impl IntoIterator<Item = Method>) -> Self {
        let mut err = Self::new(StatusCode::METHOD_NOT_ALLOWED);
        err.0.headers = Required::Allow(allow.into_iter().collect());
        err
    }

    /// 406.
    #[must_use]
    pub fn not_acceptable() -> Self {
        Self::new(StatusCode::NOT_ACCEPTABLE)
    }

    /// 408: the client was too slow to send its request. (A handler that is too slow
    /// is the server's fault: [`ApiError::service_unavailable`] or
    /// [`ApiError::gateway_timeout`].)
    #[must_use]
    pub fn request_timeout() -> Self {
        Self::new(StatusCode::REQUEST_TIMEOUT)
    }

    /// 409 with a message saying what conflicts.
    #[must_use]
    pub fn conflict(message: impl Into<Cow<'static, str>>) -> Self {
        Self::new(StatusCode::CONFLICT).with_message(message)
    }

    /// 410.
    #[must_use]
    pub fn gone() -> Self {
        Self::new(StatusCode::GONE)
    }

    /// 412.
    #[must_use]
    pub fn precondition_failed() -> Self {
        Self::new(StatusCode::PRECONDITION_FAILED)
    }

    /// 413.
    #[must_use]
    pub fn payload_too_large() -> Self {
        Self::new(StatusCode::PAYLOAD_TOO_LARGE)
    }

    /// 415 with `Accept` naming the media types the resource accepts.
    ///
    /// Each entry is read by RFC 9110's grammar (`type/subtype`, then `;`-separated
    /// `name=value` parameters, a value a token or a quoted string) and sent in one
    /// form: without the spaces or tabs around it, without empty parameters, with
    /// `"; "` before each parameter. An entry outside that grammar (a control
    /// character, non-ASCII text, a comma outside a quoted string, no subtype, a
    /// parameter without a value) is left out of the header, with a `tracing`
    /// warning: it is a bug in the app, and a header that cannot be parsed helps no
    /// client. With no entry left, no `Accept` is sent.
    ///
    /// ```
    /// use axum::response::IntoResponse;
    /// use axum_api_error::ApiError;
    ///
    /// let err = ApiError::unsupported_media_type([
    ///     "application/json",
    ///     " text/plain;charset=utf-8 ",
    ///     "not a media type",
    /// ]);
    /// assert_eq!(err.accept(), ["application/json", "text/plain; charset=utf-8"]);
    /// let res = err.with_accept_post().into_response();
    /// assert_eq!(res.headers()["accept"], "application/json, text/plain; charset=utf-8");
    /// assert_eq!(res.headers()["accept-post"], "application/json, text/plain; charset=utf-8");
    /// ```
    #[must_use]
    pub fn unsupported_media_type<I, S>(accept: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<Cow<'static, str>>,
    {
        let types = accept
            .into_iter()
            .filter_map(|t| match normalise_media_type(t.into()) {
                Ok(t) => Some(t),
                Err(t) => {
                    tracing::warn!(media_type = ?t, "not a media type: left out of Accept");
                    None
                }
            })
            .collect();
        let mut err = Self::new(StatusCode::UNSUPPORTED_MEDIA_TYPE);
        err.0.headers = Required::Accept { types, post: false };
        err
    }

    /// 422, to which field errors are added. To collect them rule by rule, use
    /// [`FieldErrors`](crate::FieldErrors).
    ///
    /// ```
    /// use axum_api_error::{ApiError, ErrorKind};
    ///
    /// let err = ApiError::validation()
    ///     .add_field_error("name", "Must not be empty.", "REQUIRED")
    ///     .add_field_error("email", "Must be a valid email address.", "INVALID_FORMAT");
    /// assert_eq!(err.kind(), ErrorKind::Validation);
    /// assert_eq!(err.code(), "VALIDATION_FAILED");
    /// assert_eq!(err.details().len(), 2);
    /// ```
    #[must_use]
    pub fn validation() -> Self {
        Self::new(StatusCode::UNPROCESSABLE_ENTITY)
    }

    /// 429 with `Retry-After` of `retry_after`.
    #[must_use]
    pub fn rate_limited(retry_after: impl Into<RetryAfter>) -> Self {
        Self::new(StatusCode::TOO_MANY_REQUESTS).with_retry_after(retry_after)
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
        Self::new(StatusCode::INTERNAL_SERVER_ERROR).with_source(source)
    }

    /// 501.
    #[must_use]
    pub fn not_implemented() -> Self {
        Self::new(StatusCode::NOT_IMPLEMENTED)
    }

    /// 502.
    #[must_use]
    pub fn bad_gateway() -> Self {
        Self::new(StatusCode::BAD_GATEWAY)
    }

    /// 503 with the default `Retry-After` unless [`ApiError::with_retry_after`] sets one.
    #[must_use]
    pub fn service_unavailable() -> Self {
        Self::new(StatusCode::SERVICE_UNAVAILABLE)
    }

    /// 504.
    #[must_use]
    pub fn gateway_timeout() -> Self {
        Self::new(StatusCode::GATEWAY_TIMEOUT)
    }

    /// The error for `status`: of the kind the status has, `Other` where it has
    /// none. A status below 400 is no error; it gives a 500, since passing one is a
    /// bug on the server's side.
    ///
    /// ```
    /// use axum_api_error::{ApiError, ErrorKind};
    /// use http::StatusCode;
    ///
    /// assert_eq!(ApiError::from_status(StatusCode::GONE).kind(), ErrorKind::Gone);
    /// let teapot = ApiError::from_status(StatusCode::IM_A_TEAPOT);
    /// assert_eq!((teapot.status(), teapot.kind()), (StatusCode::IM_A_TEAPOT, ErrorKind::Other));
    /// assert_eq!(teapot.code(), "IM_A_TEAPOT");
    /// assert_eq!(ApiError::from_status(StatusCode::OK).status(), 500);
    /// ```
    #[must_use]
    pub fn from_status(status: StatusCode) -> Self {
        if status.is_client_error() || status.is_server_error() {
            Self::new(status)
        } else {
            Self::new(StatusCode::INTERNAL_SERVER_ERROR)
        }
    }
}

/// Setters: `with_x` replaces, `add_x` appends; each returns the error.
impl ApiError {
    /// The sentence the client reads. It is sent as written, on a 5xx too: write
    /// nothing there you would not show a stranger.
    ///
    /// ```
    /// use axum_api_error::ApiError;
    ///
    /// assert_eq!(ApiError::gone().message(), "The requested resource is no longer available.");
    /// let err = ApiError::gone().with_message("This user was deleted.");
    /// assert_eq!(err.message(), "This user was deleted.");
    /// ```
    #[must_use]
    pub fn with_message(mut self, message: impl Into<Cow<'static, str>>) -> Self {
        self.0.message = Some(message.into());
        self
    }

    /// The code a program matches on. It is made UPPER_SNAKE_CASE (`"email-taken"`
    /// becomes `"EMAIL_TAKEN"`); one with no letter or digit is ignored, with a
    /// `tracing` warning, and the default stays.
    ///
    /// ```
    /// use axum_api_error::ApiError;
    ///
    /// assert_eq!(ApiError::conflict("Taken.").code(), "CONFLICT");
    /// assert_eq!(ApiError::conflict("Taken.").with_code("email-taken").code(), "EMAIL_TAKEN");
    /// assert_eq!(ApiError::conflict("Taken.").with_code("!!!").code(), "CONFLICT");
    /// ```
    #[must_use]
    pub fn with_code(mut self, code: impl Into<Cow<'static, str>>) -> Self {
        let code = normalise_code(code.into());
        if code.is_empty() {
            tracing::warn!(
                status = self.0.status.as_u16(),
                "an error code needs a letter or a digit: ignored"
            );
        } else {
            self.0.code = Some(code);
        }
        self
    }

    /// A code of the crate's own, already UPPER_SNAKE_CASE: set without the check.
    pub(crate) fn with_known_code(mut self, code: &'static str) -> Self {
        debug_assert_eq!(normalise_code(Cow::Borrowed(code)), code);
        self.0.code = Some(Cow::Borrowed(code));
        self
    }

    /// A URL documenting this error, sent as `docs` (and as the problem `type`).
    ///
    /// ```
    /// use axum_api_error::ApiError;
    ///
    /// let err = ApiError::gone().with_docs("https://docs.example.com/errors/GONE");
    /// assert_eq!(err.docs(), Some("https://docs.example.com/errors/GONE"));
    /// ```
    #[must_use]
    pub fn with_docs(mut self, url: impl Into<Cow<'static, str>>) -> Self {
        self.0.docs = Some(url.into());
        self
    }

    /// Appends a `details` entry for `field` with the error's message and code as
    /// they are now (set them first).
    ///
    /// ```
    /// use axum_api_error::ApiError;
    ///
    /// let err = ApiError::conflict("A user with this email already exists.")
    ///     .with_code("EMAIL_TAKEN")
    ///     .add_field("email");
    /// let detail = &err.details()[0];
    /// assert_eq!(
    ///     (&*detail.field, &*detail.message, &*detail.code),
    ///     ("email", "A user with this email already exists.", "EMAIL_TAKEN"),
    /// );
    /// ```
    #[must_use]
    pub fn add_field(mut self, field: impl Into<Cow<'static, str>>) -> Self {
        let message = match &self.0.message {
            Some(message) => message.clone(),
            None => Cow::Borrowed(self.row().message()),
        };
        let code = match &self.0.code {
            Some(code) => code.clone(),
            None => Cow::Borrowed(self.row().code()),
        };
        self.0.details.push(FieldError::new(field, message, code));
        self
    }

    /// Appends a field error: `{"field", "message", "code"}` in `details` (the code
    /// made UPPER_SNAKE_CASE, as [`FieldError::new`] does).
    ///
    /// ```
    /// use axum_api_error::ApiError;
    ///
    /// let err = ApiError::validation().add_field_error("name", "Must not be empty.", "required");
    /// assert_eq!(&*err.details()[0].code, "REQUIRED");
    /// ```
    #[must_use]
    pub fn add_field_error(
        mut self,
        field: impl Into<Cow<'static, str>>,
        message: impl Into<Cow<'static, str>>,
        code: impl Into<Cow<'static, str>>,
    ) -> Self {
        self.0
            .details
            .push(checked_field_error(field, message, code));
        self
    }

    /// Appends field errors already built (a [`FieldErrors`](crate::FieldErrors)
    /// collection, or any iterator of [`FieldError`]).
    #[must_use]
    pub fn add_details(mut self, details: impl IntoIterator<Item = FieldError>) -> Self {
        self.0.details.extend(details);
        self
    }

    /// Keeps `source` as the cause, for the logs (and [`std::error::Error::source`]).
    /// It is never sent to the client.
    ///
    /// ```
    /// use axum_api_error::ApiError;
    ///
    /// let err = ApiError::bad_gateway().with_source("the payment service answered 500");
    /// assert_eq!(err.message(), "An upstream service returned an invalid response.");
    /// assert!(std::error::Error::source(&err).is_some());
    /// ```
    #[must_use]
    pub fn with_source(mut self, source: impl Into<BoxError>) -> Self {
        self.0.source = Some(source.into());
        self
    }

    /// The challenge of a 401, or one to send with a 403 (`insufficient_scope`) or a
    /// 400 (`invalid_request`), as RFC 6750 §3.1 pairs them. Ignored, with a
    /// `tracing` warning, by any other status.
    ///
    /// ```
    /// use axum::response::IntoResponse;
    /// use axum_api_error::{ApiError, headers::{BearerError, Challenge}};
    ///
    /// let malformed = ApiError::bad_request("The Authorization header is malformed.")
    ///     .with_challenge(
    ///         Challenge::bearer()
    ///             .with_realm("api")
    ///             .with_error(BearerError::InvalidRequest)
    ///             .with_error_description("Bearer needs exactly one token"),
    ///     );
    /// assert_eq!(
    ///     malformed.into_response().headers()["www-authenticate"],
    ///     r#"Bearer realm="api", error="invalid_request", error_description="Bearer needs exactly one token""#,
    /// );
    /// ```
    #[must_use]
    pub fn with_challenge(mut self, new: Challenge) -> Self {
        match &mut self.0.headers {
            Required::Challenge(challenge) => *challenge = Some(new),
            _ => self.warn_ignored("with_challenge"),
        }
        self
    }

    /// When to retry, for a 429, 503 or 413. Ignored, with a `tracing` warning, by
    /// any other status. On a 429 with a [`RateLimit`], the window's end is used
    /// when it is later.
    ///
    /// ```
    /// use std::time::Duration;
    /// use axum_api_error::{ApiError, headers::RetryAfter};
    ///
    /// let err = ApiError::service_unavailable().with_retry_after(Duration::from_secs(300));
    /// assert_eq!(err.retry_after(), Some(RetryAfter::secs(300)));
    /// ```
    #[must_use]
    pub fn with_retry_after(mut self, when: impl Into<RetryAfter>) -> Self {
        match &mut self.0.headers {
            Required::Retry { after, .. } => *after = Some(when.into()),
            _ => self.warn_ignored("with_retry_after"),
        }
        self
    }

    /// The rate-limit fields of a 429 (`X-RateLimit-*`, `RateLimit`, `RateLimit-Policy`).
    /// Ignored, with a `tracing` warning, by any other status.
    ///
    /// ```
    /// use std::time::Duration;
    /// use axum_api_error::{ApiError, headers::{RateLimit, RetryAfter}};
    ///
    /// let window = RateLimit::new(5, 0, Duration::from_secs(60), Duration::from_secs(42));
    /// let err = ApiError::rate_limited(Duration::from_secs(1)).with_rate_limit(window);
    /// // Retrying before the window ends would fail again.
    /// assert_eq!(err.retry_after(), Some(RetryAfter::secs(42)));
    /// ```
    #[must_use]
    pub fn with_rate_limit(mut self, new: RateLimit) -> Self {
        match &mut self.0.headers {
            Required::Retry { limit, .. } if self.0.status == StatusCode::TOO_MANY_REQUESTS => {
                *limit = Some(new);
            }
            _ => self.warn_ignored("with_rate_limit"),
        }
        self
    }

    /// For a 415: sends the accepted media types as `Accept-Post` too, as a POST
    /// target should. Ignored, with a `tracing` warning, by any other status.
    #[must_use]
    pub fn with_accept_post(mut self) -> Self {
        match &mut self.0.headers {
            Required::Accept { post, .. } => *post = true,
            _ => self.warn_ignored("with_accept_post"),
        }
        self
    }

    fn warn_ignored(&self, setter: &'static str) {
        tracing::warn!(
            status = self.0.status.as_u16(),
            setter,
            "this setter has no meaning for the error's status: ignored"
        );
    }
}

/// [`FieldError::new`], with a `tracing` warning when `code` has no letter or digit
/// (it is then sent as `INVALID_VALUE`).
pub(crate) fn checked_field_error(
    field: impl Into<Cow<'static, str>>,
    message: impl Into<Cow<'static, str>>,
    code: impl Into<Cow<'static, str>>,
) -> FieldError {
    let code = code.into();
    if !code.bytes().any(|b| b.is_ascii_alphanumeric()) {
        tracing::warn!("a field error code needs a letter or a digit: sent as INVALID_VALUE");
    }
    FieldError::new(field, message, code)
}
