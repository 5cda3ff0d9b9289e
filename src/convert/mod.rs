//! `From` conversions into [`ApiError`]: axum's extractor rejections (with the path
//! of the field at fault) and the errors handlers commonly bubble up with `?`.
//!
//! Each maps to the status a careful engineer would choose, and a 5xx never carries
//! the error's text to the client: it stays the source, for the logs.
//!
//! | error | status | code |
//! |---|---|---|
//! | JSON that does not parse | 400 | `INVALID_JSON`, with the line and column |
//! | JSON of the wrong shape | 422 | `INVALID_BODY`, a `details` entry per field |
//! | a query string that does not deserialize | 400 | `INVALID_QUERY`, `details` naming the parameter |
//! | a path parameter that does not parse | 400 | `INVALID_PATH`, `details` naming the parameter |
//! | a form body of the wrong shape | 422 | `INVALID_BODY`, `details` naming the field |
//! | a missing or wrong `Content-Type` | 415 | `UNSUPPORTED_MEDIA_TYPE`, with `Accept` |
//! | a body over the limit | 413 | `PAYLOAD_TOO_LARGE` |
//! | a body that failed to arrive in time (tower-http's body timeout) | 408 | `REQUEST_TIMEOUT` |
//! | `serde_json::Error` (behind `?`: the handler's own (de)serialisation) | 500 | `INTERNAL_ERROR` |
//! | `io::Error` refused, reset, aborted, not connected | 503 + `Retry-After` | `DEPENDENCY_UNAVAILABLE` |
//! | `io::Error` timed out | 504 | `GATEWAY_TIMEOUT` |
//! | any other `io::Error` | 500 | `INTERNAL_ERROR` |
//! | tower's `Elapsed` (feature `tower`) | 504 | `GATEWAY_TIMEOUT` |
//! | tower's `Overloaded` (feature `tower`) | 503 + `Retry-After` | `OVERLOADED` |
//! | a `BoxError`: the first of the above found in its source chain | | else 500 |
//!
//! A `serde_json::Error` that reaches a handler's `?` is most often the server's own
//! bug (a value that does not serialise, JSON it stored or got from another
//! service), so it is a 500 and nothing of it is sent. JSON the client sent is read
//! with the [`Json`](crate::Json) extractor (or axum's, converted), whose rejection
//! is the 400 or 422 above; to refuse other client JSON by hand, return
//! [`ApiError::bad_request`].
//!
//! # What the client reads
//!
//! The messages never quote what the client sent, nor a Rust type: they say what
//! was expected. serde's own text, which does both (`invalid type: string "abc",
//! expected u32`), stays the error's source: the layer's one log line for the
//! error carries it (at `debug` for a 4xx), and so does the development-only
//! `debug` member.
//!
//! | serde's error | `details[].message` | `code` |
//! |---|---|---|
//! | a wrong type (`u32`, `i64`, `f64`, `String`, `bool`, a struct, a map, a `Vec`, a tuple) | `Expected a non-negative integer.`, `Expected an integer.`, `Expected a number.`, `Expected a string.`, ``Expected `true` or `false`.``, `Expected an object.`, `Expected an array.` | `INVALID_TYPE` |
//! | an integer out of its type's range | `Expected an integer from 0 to 255.` | `INVALID_VALUE` |
//! | an unknown enum variant | ``Expected one of `red`, `green`.`` | `INVALID_VALUE` |
//! | a sequence of the wrong length | `Invalid length: expected 2 elements.` | `INVALID_LENGTH` |
//! | a missing field | `This field is required.` | `REQUIRED` |
//! | an unknown field (`deny_unknown_fields`) | `This field is not allowed.` | `UNKNOWN_FIELD` |
//! | a field given twice | `This field is given more than once.` | `INVALID_VALUE` |
//! | a query or form number that does not parse | `Invalid digit found in string.`, `Number too large to fit in target type.` | `INVALID_VALUE` |
//! | a path parameter that does not parse | `Expected a non-negative integer.` (and so on, by its type) | `INVALID_VALUE` |
//! | anything else (a custom error, an untagged enum) | `Invalid value.` | `INVALID_VALUE` |
//!
//! A `details[].field` names the field by its path in the request; for an unknown
//! field that is the key the client sent, which is how the client finds it.
//!
//! # Best effort
//!
//! axum keeps its rejections' inner errors private and words their texts as it
//! likes, and serde words its errors freely too. What this module reads out of them
//! (the serde error inside a `JsonRejection`, `QueryRejection` or `FormRejection`,
//! reached by downcasting its source chain; the wording of serde's and serde_json's
//! errors; the texts of axum's rejections that [`ApiErrorLayer`](crate::ApiErrorLayer)
//! rewrites) is checked against the versions in this crate's `Cargo.lock` (axum
//! 0.8.9, serde_json 1.0.154), with a test per text that produces it with the real
//! crate, so that an upgrade which rewords one fails a test here. In an app that
//! resolves a later axum 0.8 release which words a rejection otherwise, that text
//! is no longer recognised: the `details` entry is missing, the code is the status's
//! default, and the layer takes axum's text for the app's own (its message).
//!
//! ```
//! use axum_api_error::ApiError;
//! use http::StatusCode;
//!
//! let refused = std::io::Error::from(std::io::ErrorKind::ConnectionRefused);
//! let err = ApiError::from(refused);
//! assert_eq!(err.status(), StatusCode::SERVICE_UNAVAILABLE);
//! assert_eq!(err.code(), "DEPENDENCY_UNAVAILABLE");
//!
//! let handlers_own = serde_json::from_str::<u32>("\"hunter2\"").unwrap_err();
//! let err = ApiError::from(handlers_own);
//! assert_eq!(err.status(), StatusCode::INTERNAL_SERVER_ERROR);
//! assert_eq!(err.message(), "An internal error occurred.");
//! ```

use std::{borrow::Cow, error::Error as StdError, io, time::Duration};

use axum::extract::{
    path::ErrorKind as PathErrorKind,
    rejection::{
        BytesRejection, FailedToBufferBody, FormRejection, JsonRejection, PathRejection,
        QueryRejection,
    },
};

use http::HeaderMap;

use self::messages::Refusal;
use crate::{
    error::{chain, ApiError, BoxError},
    headers::RateLimit,
    wire::FieldError,
};

pub(crate) mod guess;
mod messages;

/// The 429 of a tower_governor wait of `wait_secs`, floored to whole seconds: a
/// `Retry-After` of one second more, the same number in the message, and the
/// rate-limit fields where `headers` (governor's, from `use_headers`) has its burst
/// size. Its window governor does not tell: no `RateLimit-Policy`.
pub(crate) fn governor_rate_limited(wait_secs: u64, headers: Option<&HeaderMap>) -> ApiError {
    let retry = wait_secs.saturating_add(1);
    let unit = if retry == 1 { "second" } else { "seconds" };
    let error = ApiError::rate_limited(Duration::from_secs(retry))
        .with_message(format!("Too many requests. Try again in {retry} {unit}."));
    let limit = headers
        .and_then(|h| h.get("x-ratelimit-limit"))
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    match limit {
        Some(limit) => error.with_rate_limit(RateLimit::without_window(
            limit,
            0,
            Duration::from_secs(retry),
        )),
        None => error,
    }
}

/// How long a client should wait before retrying a dependency that refused it.
const DEPENDENCY_RETRY_AFTER: Duration = Duration::from_secs(30);

/// axum's `Json` rejection: 415, 400 `INVALID_JSON`, 422 `INVALID_BODY` naming the
/// field, or 413 (the [`convert`](self) table).
impl From<JsonRejection> for ApiError {
    fn from(rejection: JsonRejection) -> Self {
        match rejection {
            JsonRejection::MissingJsonContentType(r) => {
                Self::unsupported_media_type(["application/json"])
                    .with_message(messages::JSON_MEDIA_TYPE)
                    .with_source(r)
            }
            JsonRejection::BytesRejection(r) => r.into(),
            other => match guess::json_error(&other) {
                Some((path, err)) => json_error(path, err),
                None => Self::bad_request(messages::JSON_SYNTAX).with_known_code("INVALID_JSON"),
            }
            .with_source(other),
        }
    }
}

/// axum's `Query` rejection: 400 `INVALID_QUERY` naming the parameter.
impl From<QueryRejection> for ApiError {
    fn from(rejection: QueryRejection) -> Self {
        query_error(&rejection).with_source(rejection)
    }
}

/// axum's `Form` rejection: 415, 422 `INVALID_BODY` naming the field (400
/// `INVALID_QUERY` for a `GET` form), or 413.
impl From<FormRejection> for ApiError {
    fn from(rejection: FormRejection) -> Self {
        match rejection {
            FormRejection::InvalidFormContentType(r) => {
                Self::unsupported_media_type(["application/x-www-form-urlencoded"])
                    .with_message(messages::FORM_MEDIA_TYPE)
                    .with_source(r)
            }
            // A GET or HEAD form is the query string.
            FormRejection::FailedToDeserializeForm(r) => query_error(&r).with_source(r),
            FormRejection::BytesRejection(r) => r.into(),
            other => match guess::urlencoded_error(&other) {
                Some((path, err)) => Self::validation()
                    .with_known_code("INVALID_BODY")
                    .with_message(messages::FORM_FIELDS)
                    .add_details([field_error(Some(path), &err.to_string(), "body")]),
                None => Self::validation().with_known_code("INVALID_BODY"),
            }
            .with_source(other),
        }
    }
}

/// axum's `Path` rejection: 400 `INVALID_PATH` naming the parameter (by its
/// position in a tuple: use the crate's [`Path`](crate::Path) for its name).
impl From<PathRejection> for ApiError {
    fn from(rejection: PathRejection) -> Self {
        path_error(&rejection, &[]).with_source(rejection)
    }
}

/// axum's `Bytes` rejection: 413 over the limit, 408 when the body was too slow,
/// else 400 `INVALID_BODY`.
impl From<BytesRejection> for ApiError {
    fn from(rejection: BytesRejection) -> Self {
        match rejection {
            BytesRejection::FailedToBufferBody(r) => r.into(),
            other => body_error(&other).with_source(other),
        }
    }
}

/// A body axum could not buffer: 413 over the limit, else as [`BytesRejection`].
impl From<FailedToBufferBody> for ApiError {
    fn from(rejection: FailedToBufferBody) -> Self {
        match rejection {
            FailedToBufferBody::LengthLimitError(r) => Self::payload_too_large().with_source(r),
            other => body_error(&other).with_source(other),
        }
    }
}

/// `serde_json::Error`: a 500 (see the method's docs).
impl From<serde_json::Error> for ApiError {
    /// A 500, with the error as its source and nothing of it sent: behind `?` in a
    /// handler, a serde_json error is most often the server's own (a value that does
    /// not serialise, JSON it stored or got from another service). JSON the client
    /// sent is read with the [`Json`](crate::Json) extractor, whose rejection names
    /// the field at fault; to refuse other client JSON, return
    /// [`ApiError::bad_request`].
    fn from(err: serde_json::Error) -> Self {
        Self::internal(err)
    }
}

/// `std::io::Error` of a call the handler made: 503 `DEPENDENCY_UNAVAILABLE` with
/// `Retry-After: 30` when the connection was refused, reset or aborted, 504 when it
/// timed out, else a 500; the error is the source, never sent.
impl From<io::Error> for ApiError {
    fn from(err: io::Error) -> Self {
        io_error(&err)
            .unwrap_or_else(Self::internal_error)
            .with_source(err)
    }
}

/// A boxed error: classified by the first error of a known kind in its chain.
impl From<BoxError> for ApiError {
    /// The first error of a known kind in the source chain decides (a tower
    /// `Elapsed` inside a `hyper` error is still a 504); anything else is a 500.
    fn from(err: BoxError) -> Self {
        classify_chain(&*err)
            .unwrap_or_else(Self::internal_error)
            .with_source(err)
    }
}

/// tower's timeout: 504 `GATEWAY_TIMEOUT`.
#[cfg(feature = "tower")]
impl From<tower::timeout::error::Elapsed> for ApiError {
    fn from(err: tower::timeout::error::Elapsed) -> Self {
        Self::gateway_timeout().with_source(err)
    }
}

/// tower's load shedding: 503 `OVERLOADED` with `Retry-After: 1`.
#[cfg(feature = "tower")]
impl From<tower::load_shed::error::Overloaded> for ApiError {
    fn from(err: tower::load_shed::error::Overloaded) -> Self {
        Self::service_unavailable()
            .with_known_code("OVERLOADED")
            .with_retry_after(Duration::from_secs(1))
            .with_source(err)
    }
}

impl ApiError {
    /// A 500 with no source yet: the fallback of the conversions.
    fn internal_error() -> Self {
        Self::from_status(http::StatusCode::INTERNAL_SERVER_ERROR)
    }
}

/// The error for the first error of a known kind in `err`'s chain.
fn classify_chain(err: &(dyn StdError + 'static)) -> Option<ApiError> {
    for err in chain(err) {
        if let Some(e) = err.downcast_ref::<io::Error>() {
            if let Some(mapped) = io_error(e) {
                return Some(mapped);
            }
        }
        #[cfg(feature = "tower")]
        if err.is::<tower::timeout::error::Elapsed>() {
            return Some(ApiError::gateway_timeout());
        }
        #[cfg(feature = "tower")]
        if err.is::<tower::load_shed::error::Overloaded>() {
            return Some(
                ApiError::service_unavailable()
                    .with_known_code("OVERLOADED")
                    .with_retry_after(Duration::from_secs(1)),
            );
        }
        #[cfg(feature = "tower-http")]
        if err.is::<tower_http::timeout::TimeoutError>() {
            return Some(body_timeout());
        }
    }
    None
}

/// The status for an I/O failure of the server's own calls; `None` for a 500.
fn io_error(err: &io::Error) -> Option<ApiError> {
    use io::ErrorKind::{
        ConnectionAborted, ConnectionRefused, ConnectionReset, NotConnected, TimedOut,
    };
    match err.kind() {
        ConnectionRefused | ConnectionReset | ConnectionAborted | NotConnected => Some(
            ApiError::service_unavailable()
                .with_known_code("DEPENDENCY_UNAVAILABLE")
                .with_message("A service this request depends on is unavailable. Try again later.")
                .with_retry_after(DEPENDENCY_RETRY_AFTER),
        ),
        TimedOut => Some(ApiError::gateway_timeout()),
        _ => None,
    }
}

/// A request body that failed while being read (other than over its limit): too
/// slow (408), or broken (400).
fn body_error(err: &(dyn StdError + 'static)) -> ApiError {
    if let Some(mapped) = classify_chain(err) {
        if mapped.status() == http::StatusCode::REQUEST_TIMEOUT {
            return mapped;
        }
    }
    ApiError::bad_request(messages::UNREADABLE_BODY).with_known_code("INVALID_BODY")
}

/// The 408 of a request body that did not arrive in time (tower-http's
/// `RequestBodyTimeoutLayer` gave up on it): the client was slow.
pub(crate) fn body_timeout() -> ApiError {
    ApiError::request_timeout().with_message("The request body was not received in time.")
}

/// 400 for a JSON syntax error (with line and column), 422 for the wrong shape.
fn json_error(path: Option<&serde_path_to_error::Path>, err: &serde_json::Error) -> ApiError {
    let what = strip_position(err);
    if err.is_data() {
        ApiError::validation()
            .with_known_code("INVALID_BODY")
            .with_message(messages::JSON_FIELDS)
            .add_details([field_error(path, &what, "body")])
    } else {
        ApiError::bad_request(messages::json_syntax(&what, err.line(), err.column()))
            .with_known_code("INVALID_JSON")
    }
}

fn query_error(err: &(dyn StdError + 'static)) -> ApiError {
    let error = ApiError::bad_request(messages::QUERY).with_known_code("INVALID_QUERY");
    match guess::urlencoded_error(err) {
        Some((path, e)) => error.add_details([field_error(Some(path), &e.to_string(), "query")]),
        None => error,
    }
}

/// The error for a path that did not deserialize. `keys` are the route's parameter
/// names, in order, where known: axum's error names a parameter by its position in
/// a tuple, and not at all for a one-value `Path<T>`.
pub(crate) fn path_error(rejection: &PathRejection, keys: &[&str]) -> ApiError {
    let only_key = match keys {
        [key] => Some(*key),
        _ => None,
    };
    let PathRejection::FailedToDeserializePathParams(failed) = rejection else {
        // The route has no parameters for a `Path` extractor: a bug of the server.
        return ApiError::internal_error();
    };
    let invalid = |key: &str, message: Cow<'static, str>| {
        ApiError::bad_request(format!("The path parameter `{key}` is invalid."))
            .with_known_code("INVALID_PATH")
            .add_field_error(key.to_owned(), message, "INVALID_VALUE")
    };
    // axum names the type it parsed the value into as Rust does (`u64`).
    let parsed = |expected_type: &str| {
        let name = expected_type.rsplit("::").next().unwrap_or(expected_type);
        messages::primitive(name).map_or(Cow::Borrowed(messages::INVALID), |what| {
            Cow::Owned(format!("Expected {what}."))
        })
    };
    match failed.kind() {
        PathErrorKind::ParseErrorAtKey {
            key, expected_type, ..
        } => invalid(key, parsed(expected_type)),
        PathErrorKind::ParseError { expected_type, .. } => {
            invalid(only_key.unwrap_or("path"), parsed(expected_type))
        }
        PathErrorKind::ParseErrorAtIndex {
            index,
            expected_type,
            ..
        } => match keys.get(*index) {
            Some(key) => invalid(key, parsed(expected_type)),
            None => invalid(&index.to_string(), parsed(expected_type)),
        },
        PathErrorKind::InvalidUtf8InPathParam { key } => {
            ApiError::bad_request(format!("The path parameter `{key}` is not valid UTF-8."))
                .with_known_code("INVALID_PATH")
                .add_field_error(key.clone(), "Must be valid UTF-8.", "INVALID_VALUE")
        }
        PathErrorKind::DeserializeError { key, message, .. } => {
            invalid(key, serde_message(message))
        }
        // The route and the extractor's type disagree: a bug of the server.
        PathErrorKind::WrongNumberOfParameters { .. } | PathErrorKind::UnsupportedType { .. } => {
            ApiError::internal_error()
        }
        // A value serde refused (an unknown enum variant) in a one-value `Path<T>`.
        PathErrorKind::Message(message) if only_key.is_some() => {
            invalid(only_key.unwrap_or_default(), serde_message(message))
        }
        _ => ApiError::bad_request(messages::PATH).with_known_code("INVALID_PATH"),
    }
}

/// The message for serde's text of a value refused, where no field is named.
fn serde_message(raw: &str) -> Cow<'static, str> {
    Cow::Borrowed(match messages::refusal(raw) {
        Refusal::Invalid { message, .. } => return message,
        Refusal::Missing(_) => messages::REQUIRED,
        Refusal::Unknown(_) => messages::NOT_ALLOWED,
        Refusal::Duplicate(_) => messages::DUPLICATE,
    })
}

/// A `details` entry from serde's text of an error at `path`. serde reports a
/// missing, unknown or repeated field on its parent, naming it in the text, so the
/// name is added back. The text itself is logged, never sent.
fn field_error(path: Option<&serde_path_to_error::Path>, raw: &str, root: &str) -> FieldError {
    let parent = path.map(ToString::to_string).unwrap_or_default();
    let parent = if parent == "." { "" } else { parent.as_str() };
    let join = |name: &str| {
        if parent.is_empty() {
            name.to_owned()
        } else {
            format!("{parent}.{name}")
        }
    };
    match messages::refusal(raw) {
        Refusal::Missing(name) => FieldError::new(join(name), messages::REQUIRED, "REQUIRED"),
        Refusal::Duplicate(name) => {
            FieldError::new(join(name), messages::DUPLICATE, "INVALID_VALUE")
        }
        Refusal::Unknown(name) => {
            // The path may already end at the unknown key.
            let at_key = parent == name || parent.ends_with(&format!(".{name}"));
            let field = if at_key {
                parent.to_owned()
            } else {
                join(name)
            };
            FieldError::new(field, messages::NOT_ALLOWED, "UNKNOWN_FIELD")
        }
        Refusal::Invalid { message, code } => {
            let field = if parent.is_empty() { root } else { parent };
            FieldError::new(field.to_owned(), message, code)
        }
    }
}

/// serde_json's message without its " at line L column C".
fn strip_position(err: &serde_json::Error) -> String {
    let text = err.to_string();
    let suffix = format!(" at line {} column {}", err.line(), err.column());
    text.strip_suffix(&suffix).unwrap_or(&text).to_owned()
}

#[cfg(test)]
mod tests;
