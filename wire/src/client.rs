//! The client's side: an error response read into a typed value, whatever sent it.
//!
//! [`ErrorResponse`] reads both of the crate's formats (`application/json` and
//! RFC 9457 `application/problem+json`), tolerates missing members, keeps unknown
//! ones in [`extensions`](ErrorResponse::extensions), and never fails: a body that
//! is not JSON at all (a proxy's HTML 502, an empty 503) still gives a value from
//! the status and the headers, with the status's default code and message.
//!
//! ```
//! use api_error_wire::client::ErrorResponse;
//! use std::time::Duration;
//!
//! let res = http::Response::builder()
//!     .status(429)
//!     .header("retry-after", "30")
//!     .header("x-request-id", "req-1")
//!     .body(r#"{"error":"Too Many Requests","message":"Slow down.","code":"RATE_LIMITED","requestId":"req-1","retryAfter":30,"plan":"free"}"#)
//!     .unwrap();
//! let err = ErrorResponse::from_response(&res);
//! assert_eq!(err.code(), "RATE_LIMITED");
//! assert_eq!(err.message(), "Slow down.");
//! assert_eq!(err.request_id(), Some("req-1"));
//! assert_eq!(err.retry_delay(), Some(Duration::from_secs(30)));
//! assert!(err.is_retryable());
//! assert_eq!(err.extensions()["plan"], "free");
//!
//! // A proxy's page: no body the crate knows, still a value.
//! let res = http::Response::builder().status(502).body("<html>Bad Gateway</html>").unwrap();
//! let err = ErrorResponse::from_response(&res);
//! assert_eq!(err.code(), "BAD_GATEWAY");
//! assert!(!err.has_error_body());
//! ```

use std::{
    fmt,
    time::{Duration, SystemTime},
};

use http::{header, HeaderMap, StatusCode};
use serde_json::{Map, Value};

use crate::{FieldError, RetryAfter, StatusInfo};

/// An error response, as a client reads it (see the [module docs](self)).
#[derive(Debug, Clone, PartialEq)]
pub struct ErrorResponse {
    status: StatusCode,
    code: Option<String>,
    message: Option<String>,
    details: Vec<FieldError>,
    request_id: Option<String>,
    trace_id: Option<String>,
    docs: Option<String>,
    retry_after: Option<RetryAfter>,
    date: Option<SystemTime>,
    extensions: Map<String, Value>,
    error_body: bool,
}

impl ErrorResponse {
    /// Reads an error response whose body was read whole.
    #[must_use]
    pub fn from_response<B: AsRef<[u8]>>(res: &http::Response<B>) -> Self {
        Self::from_parts(res.status(), res.headers(), res.body().as_ref())
    }

    /// Reads an error response from its status, headers and whole body.
    #[must_use]
    pub fn from_parts(status: StatusCode, headers: &HeaderMap, body: &[u8]) -> Self {
        let header_text = |name: &str| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        let object = match serde_json::from_slice::<Value>(body) {
            Ok(Value::Object(object)) => Some(object),
            _ => None,
        };
        let mut object = object.unwrap_or_default();
        // A member is taken, and left out of the extensions, only when it has the
        // type the formats give it.
        let mut take_str = |name: &str| match object.get(name) {
            Some(Value::String(_)) => object.remove(name).and_then(|v| match v {
                Value::String(s) => Some(s),
                _ => None,
            }),
            _ => None,
        };
        let code = take_str("code");
        let detail = take_str("detail");
        let title = take_str("title");
        let message = take_str("message").or(detail).or(title);
        let trace_id = take_str("traceId");
        let docs_member = take_str("docs");
        let type_ = take_str("type");
        let body_id = take_str("requestId");
        take_str("instance");
        let problem = type_.is_some() || object.get("status").is_some_and(Value::is_u64);
        let error_body = code.is_some() || problem;
        let docs = docs_member.or_else(|| type_.filter(|t| t != "about:blank" && !t.is_empty()));
        let request_id = body_id.or_else(|| header_text("x-request-id"));
        let mut details = Vec::new();
        for name in ["details", "errors"] {
            let Some(Value::Array(items)) = object.get(name) else {
                continue;
            };
            let parsed: Vec<FieldError> = items
                .iter()
                .filter_map(|item| serde_json::from_value::<FieldError>(item.clone()).ok())
                .collect();
            // A list of another shape (none of it field errors) is kept whole as an
            // extension; in one of field errors, an entry that is not one is skipped.
            if !parsed.is_empty() || items.is_empty() {
                details = parsed;
                object.remove(name);
                break;
            }
        }
        // The header first: it is what HTTP defines; the body's member second.
        let body_retry = object.get("retryAfter").and_then(Value::as_u64);
        if body_retry.is_some() {
            object.remove("retryAfter");
        }
        let retry_after = headers
            .get(header::RETRY_AFTER)
            .and_then(RetryAfter::from_header_value)
            .or_else(|| body_retry.map(RetryAfter::secs));
        let date = headers
            .get(header::DATE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| httpdate::parse_http_date(v).ok());
        if object.get("status").is_some_and(Value::is_u64) {
            object.remove("status");
        }
        if object.get("error").is_some_and(Value::is_string) {
            object.remove("error");
        }
        if object.get("debug").is_some_and(Value::is_array) {
            object.remove("debug");
        }
        Self {
            status,
            code,
            message,
            details,
            request_id,
            trace_id,
            docs,
            retry_after,
            date,
            extensions: object,
            error_body,
        }
    }

    /// The status.
    #[must_use]
    pub const fn status(&self) -> StatusCode {
        self.status
    }

    /// The body's `code`, else the status's default (`SERVICE_UNAVAILABLE` for a
    /// bare 503).
    #[must_use]
    pub fn code(&self) -> &str {
        self.code
            .as_deref()
            .unwrap_or_else(|| StatusInfo::of(self.status).code())
    }

    /// The body's `message` (or the problem's `detail`, else its `title`), else the
    /// status's default sentence.
    #[must_use]
    pub fn message(&self) -> &str {
        self.message
            .as_deref()
            .unwrap_or_else(|| StatusInfo::of(self.status).message())
    }

    /// The fields at fault (`details`, or the problem's `errors`); in a list of
    /// field errors, an entry that is not one is skipped, and a list of another
    /// shape stays in [`extensions`](Self::extensions).
    #[must_use]
    pub fn details(&self) -> &[FieldError] {
        &self.details
    }

    /// The body's `requestId`, else the `X-Request-Id` header.
    #[must_use]
    pub fn request_id(&self) -> Option<&str> {
        self.request_id.as_deref()
    }

    /// The body's `traceId` (W3C trace id), where the server sends one.
    #[must_use]
    pub fn trace_id(&self) -> Option<&str> {
        self.trace_id.as_deref()
    }

    /// The body's `docs` URL, or the problem's `type` when it is not `about:blank`.
    #[must_use]
    pub fn docs(&self) -> Option<&str> {
        self.docs.as_deref()
    }

    /// The `Retry-After` header (RFC 9110 §10.2.3: digits only, or an HTTP-date),
    /// else the body's `retryAfter`.
    #[must_use]
    pub const fn retry_after(&self) -> Option<RetryAfter> {
        self.retry_after
    }

    /// How long to wait before a retry: a delay as it is; a date measured against
    /// the response's `Date` (the server's clock, as RFC 9110 intends), else
    /// against this machine's clock; zero for a date already past.
    #[must_use]
    pub fn retry_delay(&self) -> Option<Duration> {
        match self.retry_after? {
            RetryAfter::Delay(delay) => Some(delay),
            RetryAfter::Date(at) => {
                let from = self.date.unwrap_or_else(SystemTime::now);
                Some(at.duration_since(from).unwrap_or(Duration::ZERO))
            }
        }
    }

    /// Whether the same request may succeed later: 408, 429, 502, 503 and 504 (the
    /// status table's rule), and a 413 that says `Retry-After` (RFC 9110 §15.5.14:
    /// the condition is temporary).
    #[must_use]
    pub fn is_retryable(&self) -> bool {
        StatusInfo::of(self.status).is_retryable()
            || (self.status == StatusCode::PAYLOAD_TOO_LARGE && self.retry_after.is_some())
    }

    /// The members neither format defines (RFC 9457 extension members, or the
    /// server's own), by name, and any defined one of another type than the formats
    /// give it (a numeric `code`, `errors` that are not field errors).
    #[must_use]
    pub const fn extensions(&self) -> &Map<String, Value> {
        &self.extensions
    }

    /// Whether the body was one of the two formats (a JSON object with a string
    /// `code`, or a problem: a `type` or a numeric `status`), rather than a
    /// proxy's page or nothing.
    #[must_use]
    pub const fn has_error_body(&self) -> bool {
        self.error_body
    }
}

impl fmt::Display for ErrorResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {}: {}",
            self.status.as_u16(),
            self.code(),
            self.message()
        )?;
        if let Some(id) = &self.request_id {
            write!(f, " (request {id})")?;
        }
        Ok(())
    }
}

impl std::error::Error for ErrorResponse {}

/// Reads a `reqwest::Response` (feature `reqwest`, reqwest 0.13).
#[cfg(feature = "reqwest")]
#[cfg_attr(docsrs, doc(cfg(feature = "reqwest")))]
impl ErrorResponse {
    /// Reads the whole body of `res` into an [`ErrorResponse`]. Fails only when the
    /// body cannot be read (the connection broke), never on its content.
    ///
    /// # Errors
    ///
    /// reqwest's, when reading the body fails.
    pub async fn from_reqwest(mut res: reqwest::Response) -> Result<Self, reqwest::Error> {
        let status = res.status();
        let headers = res.headers().clone();
        // At most MAX_BODY bytes are read: a hostile or broken server's endless body
        // gives a value from the status and headers (the JSON does not parse).
        let mut body = Vec::new();
        while let Some(chunk) = res.chunk().await? {
            body.extend_from_slice(&chunk);
            if body.len() > MAX_BODY {
                break;
            }
        }
        Ok(Self::from_parts(status, &headers, &body))
    }

    /// The response itself when its status is a success, else its error, read:
    /// `let res = ErrorResponse::check(client.get(url).send().await?).await?;`.
    ///
    /// # Errors
    ///
    /// The [`ErrorResponse`] of a status of 400 or more, or reqwest's error as
    /// [`ClientError::Transport`] when the body of such a response cannot be read.
    pub async fn check(res: reqwest::Response) -> Result<reqwest::Response, ClientError> {
        if res.status().as_u16() < 400 {
            return Ok(res);
        }
        match Self::from_reqwest(res).await {
            Ok(error) => Err(ClientError::Api(Box::new(error))),
            Err(e) => Err(ClientError::Transport(e)),
        }
    }
}

/// The most of an error body [`ErrorResponse::from_reqwest`] reads.
#[cfg(feature = "reqwest")]
const MAX_BODY: usize = 64 * 1024;

/// A failed call (feature `reqwest`): the server's error, or no answer at all.
#[cfg(feature = "reqwest")]
#[cfg_attr(docsrs, doc(cfg(feature = "reqwest")))]
#[derive(Debug)]
#[non_exhaustive]
pub enum ClientError {
    /// The server answered with an error.
    Api(Box<ErrorResponse>),
    /// The request or its answer did not get through.
    Transport(reqwest::Error),
}

#[cfg(feature = "reqwest")]
impl fmt::Display for ClientError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Api(e) => fmt::Display::fmt(e, f),
            Self::Transport(e) => write!(f, "transport error: {e}"),
        }
    }
}

#[cfg(feature = "reqwest")]
impl std::error::Error for ClientError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Api(_) => None,
            Self::Transport(e) => Some(e),
        }
    }
}

#[cfg(feature = "reqwest")]
impl From<reqwest::Error> for ClientError {
    fn from(e: reqwest::Error) -> Self {
        Self::Transport(e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(status: u16, headers: &[(&str, &str)], body: &str) -> ErrorResponse {
        let mut res = http::Response::builder().status(status);
        for (k, v) in headers {
            res = res.header(*k, *v);
        }
        ErrorResponse::from_response(&res.body(body.to_owned()).unwrap())
    }

    #[test]
    fn the_json_format_is_read_whole() {
        let err = read(
            422,
            &[("x-request-id", "req-9")],
            r#"{"error":"Unprocessable Content","message":"The request contains invalid fields.","code":"VALIDATION_FAILED","details":[{"field":"email","message":"Must be a valid email address.","code":"INVALID_FORMAT"},{"oops":1}],"requestId":"req-9","traceId":"4bf92f3577b34da6a3ce929d0e0e4736","docs":"https://docs.example/VALIDATION_FAILED"}"#,
        );
        assert_eq!(err.status(), 422);
        assert_eq!(err.code(), "VALIDATION_FAILED");
        assert_eq!(err.message(), "The request contains invalid fields.");
        assert_eq!(
            err.details(),
            [FieldError::new(
                "email",
                "Must be a valid email address.",
                "INVALID_FORMAT"
            )]
        );
        assert_eq!(err.request_id(), Some("req-9"));
        assert_eq!(err.trace_id(), Some("4bf92f3577b34da6a3ce929d0e0e4736"));
        assert_eq!(err.docs(), Some("https://docs.example/VALIDATION_FAILED"));
        assert!(!err.is_retryable());
        assert!(err.extensions().is_empty());
        assert!(err.has_error_body());
        assert_eq!(
            err.to_string(),
            "422 VALIDATION_FAILED: The request contains invalid fields. (request req-9)"
        );
    }

    #[test]
    fn the_problem_format_is_read_with_its_extensions() {
        let err = read(
            503,
            &[
                ("retry-after", "120"),
                ("content-type", "application/problem+json"),
            ],
            r#"{"type":"https://docs.example/MAINTENANCE","title":"Service Unavailable","status":503,"detail":"Down for maintenance.","instance":"/x","code":"MAINTENANCE","requestId":"r","retryAfter":60,"errors":[],"region":"eu"}"#,
        );
        assert_eq!(err.code(), "MAINTENANCE");
        assert_eq!(err.message(), "Down for maintenance.");
        assert_eq!(err.docs(), Some("https://docs.example/MAINTENANCE"));
        // The header wins over the body.
        assert_eq!(err.retry_delay(), Some(Duration::from_secs(120)));
        assert!(err.is_retryable());
        assert_eq!(err.extensions().len(), 1);
        assert_eq!(err.extensions()["region"], "eu");
    }

    #[test]
    fn a_body_that_is_not_the_crates_still_gives_a_value() {
        for body in [
            "",
            "<html>Bad Gateway</html>",
            "[1,2]",
            "{\"code\":7}",
            "null",
        ] {
            let err = read(502, &[("x-request-id", "edge-1")], body);
            assert_eq!(err.code(), "BAD_GATEWAY", "{body}");
            assert_eq!(
                err.message(),
                StatusInfo::of(StatusCode::BAD_GATEWAY).message()
            );
            assert_eq!(err.request_id(), Some("edge-1"));
            assert!(err.is_retryable());
            assert!(err.details().is_empty());
        }
        let err = read(503, &[], "");
        assert_eq!(err.code(), "SERVICE_UNAVAILABLE");
        assert_eq!(err.retry_after(), None);
        // Members of another type are kept as they came, not dropped.
        let err = read(
            502,
            &[],
            r#"{"code":7,"errors":[{"detail":"x","pointer":"/a"}]}"#,
        );
        assert_eq!(err.code(), "BAD_GATEWAY");
        assert!(!err.has_error_body());
        assert_eq!(err.extensions()["code"], 7);
        assert_eq!(err.extensions()["errors"][0]["pointer"], "/a");
        // A problem without `type` or `detail`: its `title` is the message.
        let err = read(409, &[], r#"{"title":"Conflict here","status":409}"#);
        assert!(err.has_error_body());
        assert_eq!(err.message(), "Conflict here");
        assert!(err.extensions().is_empty());
        // Retry-After makes no 404 retryable; it makes a 413 retryable.
        assert!(!read(404, &[("retry-after", "5")], "").is_retryable());
        assert!(read(413, &[("retry-after", "5")], "").is_retryable());
        assert!(!read(413, &[], "").is_retryable());
    }

    #[test]
    fn retry_after_is_read_as_rfc_9110_defines_it() {
        for bad in ["+5", "5.0", "-1", "1e3", "soon", ""] {
            let err = read(503, &[("retry-after", bad)], "");
            assert_eq!(err.retry_after(), None, "{bad}");
        }
        // The body's member, when the header is missing or invalid.
        let err = read(
            429,
            &[("retry-after", "5.0")],
            r#"{"code":"RATE_LIMITED","retryAfter":7}"#,
        );
        assert_eq!(err.retry_delay(), Some(Duration::from_secs(7)));
        // A date, against the response's own Date.
        let err = read(
            503,
            &[
                ("retry-after", "Sun, 06 Nov 1994 08:50:07 GMT"),
                ("date", "Sun, 06 Nov 1994 08:49:37 GMT"),
            ],
            "",
        );
        assert_eq!(err.retry_delay(), Some(Duration::from_secs(30)));
        // A date already past: no wait.
        let err = read(503, &[("retry-after", "Sun, 06 Nov 1994 08:49:37 GMT")], "");
        assert_eq!(err.retry_delay(), Some(Duration::ZERO));
    }
}
