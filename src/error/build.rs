//! Building an [`ApiError`]: the constructors and the chainable setters.

use std::borrow::Cow;

use http::{Method, StatusCode};

use super::{info, ApiError, BoxError};
use crate::{
    body::{normalise_code, FieldError},
    headers::{normalise_media_type, Challenge, RateLimit, RetryAfter},
};

/// Constructors: one per variant, named for the failure.
impl ApiError {
    /// 400 with a message saying what is wrong with the request.
    #[must_use]
    pub fn bad_request(message: impl Into<Cow<'static, str>>) -> Self {
        Self::BadRequest {
            info: info(),
            source: None,
            challenge: None,
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
    /// let res = err.accept_post().into_response();
    /// assert_eq!(res.headers()["accept"], "application/json, text/plain; charset=utf-8");
    /// assert_eq!(res.headers()["accept-post"], "application/json, text/plain; charset=utf-8");
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
                .filter_map(|t| match normalise_media_type(t.into()) {
                    Ok(t) => Some(t),
                    Err(t) => {
                        tracing::warn!(media_type = ?t, "not a media type: left out of Accept");
                        None
                    }
                })
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
            400 => Self::BadRequest {
                info,
                source,
                challenge: None,
            },
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

    /// A code of the crate's own, already UPPER_SNAKE_CASE: set without the check.
    pub(crate) fn known_code(mut self, code: &'static str) -> Self {
        debug_assert_eq!(normalise_code(Cow::Borrowed(code)), code);
        self.info_mut().code = Some(Cow::Borrowed(code));
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

    /// The challenge of a 401, or one to send with a 403 (`insufficient_scope`) or a
    /// 400 (`invalid_request`), as RFC 6750 §3.1 pairs them. Ignored by other variants.
    ///
    /// ```
    /// use axum_api_error::{ApiError, BearerError, Challenge};
    ///
    /// let malformed = ApiError::bad_request("The Authorization header is malformed.")
    ///     .with_challenge(
    ///         Challenge::bearer()
    ///             .realm("api")
    ///             .error(BearerError::InvalidRequest)
    ///             .error_description("Bearer needs exactly one token"),
    ///     );
    /// # let _ = malformed;
    /// ```
    #[must_use]
    pub fn with_challenge(mut self, new: Challenge) -> Self {
        if let Self::Unauthorized { challenge, .. }
        | Self::Forbidden { challenge, .. }
        | Self::BadRequest { challenge, .. } = &mut self
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
