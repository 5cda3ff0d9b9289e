//! `From` conversions into [`ApiError`]: axum's extractor rejections (with the path
//! of the field at fault) and the errors handlers commonly bubble up with `?`.
//!
//! Each maps to the status a careful engineer would choose, and a 5xx never carries
//! the error's text to the client: it stays the source, for the logs.
//!
//! | error | status | code |
//! |---|---|---|
//! | JSON that does not parse | 400 | `INVALID_JSON` |
//! | JSON of the wrong shape | 422 | `INVALID_BODY`, a `details` entry per field |
//! | a query string that does not deserialize | 400 | `INVALID_QUERY`, `details` naming the parameter |
//! | a path parameter that does not parse | 400 | `INVALID_PATH`, `details` naming the parameter |
//! | a form body of the wrong shape | 422 | `INVALID_BODY` |
//! | a missing or wrong `Content-Type` | 415 | `UNSUPPORTED_MEDIA_TYPE`, with `Accept` |
//! | a body over the limit | 413 | `PAYLOAD_TOO_LARGE` |
//! | a body that failed to arrive in time (tower-http's body timeout) | 408 | `REQUEST_TIMEOUT` |
//! | `serde_json::Error` (syntax or data) | 400 | `INVALID_JSON` |
//! | `io::Error` refused, reset, aborted, not connected | 503 + `Retry-After` | `DEPENDENCY_UNAVAILABLE` |
//! | `io::Error` timed out | 504 | `GATEWAY_TIMEOUT` |
//! | any other `io::Error` | 500 | `INTERNAL_ERROR` |
//! | tower's `Elapsed` (feature `tower`) | 504 | `GATEWAY_TIMEOUT` |
//! | tower's `Overloaded` (feature `tower`) | 503 + `Retry-After` | `OVERLOADED` |
//! | a `BoxError`: the first of the above found in its source chain | | else 500 |
//!
//! ```
//! use axum_api_error::ApiError;
//! use http::StatusCode;
//!
//! let refused = std::io::Error::from(std::io::ErrorKind::ConnectionRefused);
//! let err = ApiError::from(refused);
//! assert_eq!(err.status(), StatusCode::SERVICE_UNAVAILABLE);
//! assert_eq!(err.code(), "DEPENDENCY_UNAVAILABLE");
//! ```

use std::{borrow::Cow, error::Error as StdError, io, time::Duration};

use axum::extract::{
    path::ErrorKind as PathErrorKind,
    rejection::{
        BytesRejection, FailedToBufferBody, FormRejection, JsonRejection, PathRejection,
        QueryRejection,
    },
};

use crate::{error::chain, wire::FieldError, ApiError, BoxError};

/// How long a client should wait before retrying a dependency that refused it.
const DEPENDENCY_RETRY_AFTER: Duration = Duration::from_secs(30);

impl From<JsonRejection> for ApiError {
    fn from(rejection: JsonRejection) -> Self {
        match rejection {
            JsonRejection::MissingJsonContentType(r) => Self::unsupported_media_type([
                "application/json",
            ])
            .with_message(
                "The request body must be JSON, sent with `Content-Type: application/json`.",
            )
            .with_source(r),
            JsonRejection::BytesRejection(r) => r.into(),
            other => match find::<serde_path_to_error::Error<serde_json::Error>>(&other) {
                Some(err) => json_error(Some(err.path()), err.inner()),
                None => match find::<serde_json::Error>(&other) {
                    Some(err) => json_error(None, err),
                    None => Self::bad_request("The request body is not valid JSON.")
                        .with_known_code("INVALID_JSON"),
                },
            }
            .with_source(other),
        }
    }
}

impl From<QueryRejection> for ApiError {
    fn from(rejection: QueryRejection) -> Self {
        query_error(&rejection).with_source(rejection)
    }
}

impl From<FormRejection> for ApiError {
    fn from(rejection: FormRejection) -> Self {
        match rejection {
            FormRejection::InvalidFormContentType(r) => {
                Self::unsupported_media_type(["application/x-www-form-urlencoded"])
                    .with_message("The request body must be a form, sent with `Content-Type: application/x-www-form-urlencoded`.")
                    .with_source(r)
            }
            // A GET or HEAD form is the query string.
            FormRejection::FailedToDeserializeForm(r) => query_error(&r).with_source(r),
            FormRejection::BytesRejection(r) => r.into(),
            other => match find::<serde_path_to_error::Error<serde_urlencoded::de::Error>>(&other) {
                Some(err) => Self::validation()
                    .with_known_code("INVALID_BODY")
                    .with_message("The form has invalid fields.")
                    .add_details([field_error(Some(err.path()), &err.inner().to_string(), "body")]),
                None => Self::validation().with_known_code("INVALID_BODY"),
            }
            .with_source(other),
        }
    }
}

impl From<PathRejection> for ApiError {
    fn from(rejection: PathRejection) -> Self {
        path_error(&rejection, &[]).with_source(rejection)
    }
}

impl From<BytesRejection> for ApiError {
    fn from(rejection: BytesRejection) -> Self {
        match rejection {
            BytesRejection::FailedToBufferBody(r) => r.into(),
            other => body_error(&other).with_source(other),
        }
    }
}

impl From<FailedToBufferBody> for ApiError {
    fn from(rejection: FailedToBufferBody) -> Self {
        match rejection {
            FailedToBufferBody::LengthLimitError(r) => Self::payload_too_large().with_source(r),
            other => body_error(&other).with_source(other),
        }
    }
}

impl From<serde_json::Error> for ApiError {
    /// JSON the server was given that does not parse or fit: 400 `INVALID_JSON`.
    fn from(err: serde_json::Error) -> Self {
        if err.is_io() {
            return Self::internal(err);
        }
        let message = format!("The JSON is invalid: {}.", strip_position(&err));
        Self::bad_request(message)
            .with_known_code("INVALID_JSON")
            .with_source(err)
    }
}

impl From<io::Error> for ApiError {
    fn from(err: io::Error) -> Self {
        io_error(&err)
            .unwrap_or_else(Self::internal_error)
            .with_source(err)
    }
}

impl From<BoxError> for ApiError {
    /// The first error of a known kind in the source chain decides (a tower
    /// `Elapsed` inside a `hyper` error is still a 504); anything else is a 500.
    fn from(err: BoxError) -> Self {
        classify_chain(&*err)
            .unwrap_or_else(Self::internal_error)
            .with_source(err)
    }
}

#[cfg(feature = "tower")]
impl From<tower::timeout::error::Elapsed> for ApiError {
    fn from(err: tower::timeout::error::Elapsed) -> Self {
        Self::gateway_timeout().with_source(err)
    }
}

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
    ApiError::bad_request("The request body could not be read.").with_known_code("INVALID_BODY")
}

/// tower-http's `RequestBodyTimeoutLayer` gave up on the body: the client was slow.
#[cfg(feature = "tower-http")]
fn body_timeout() -> ApiError {
    ApiError::request_timeout().with_message("The request body was not received in time.")
}

/// 400 for a JSON syntax error (with line and column), 422 for the wrong shape.
fn json_error(path: Option<&serde_path_to_error::Path>, err: &serde_json::Error) -> ApiError {
    if err.is_data() {
        ApiError::validation()
            .with_known_code("INVALID_BODY")
            .with_message("The request body has invalid fields.")
            .add_details([field_error(path, &strip_position(err), "body")])
    } else {
        let what = strip_position(err);
        ApiError::bad_request(format!(
            "The request body is not valid JSON: {what} at line {}, column {}.",
            err.line(),
            err.column()
        ))
        .with_known_code("INVALID_JSON")
    }
}

fn query_error(err: &(dyn StdError + 'static)) -> ApiError {
    let error =
        ApiError::bad_request("The query string is invalid.").with_known_code("INVALID_QUERY");
    match find::<serde_path_to_error::Error<serde_urlencoded::de::Error>>(err) {
        Some(e) => {
            error.add_details([field_error(Some(e.path()), &e.inner().to_string(), "query")])
        }
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
    let invalid = |key: &str, value: &str, expected: &str| {
        let message = format!("Must be {}; got `{value}`.", describe_type(expected));
        ApiError::bad_request(format!("The path parameter `{key}` is invalid."))
            .with_known_code("INVALID_PATH")
            .add_field_error(key.to_owned(), message, "INVALID_VALUE")
    };
    match failed.kind() {
        PathErrorKind::ParseErrorAtKey {
            key,
            value,
            expected_type,
        } => invalid(key, value, expected_type),
        PathErrorKind::ParseError {
            value,
            expected_type,
        } => invalid(only_key.unwrap_or("path"), value, expected_type),
        PathErrorKind::ParseErrorAtIndex {
            index,
            value,
            expected_type,
        } => match keys.get(*index) {
            Some(key) => invalid(key, value, expected_type),
            None => invalid(&index.to_string(), value, expected_type),
        },
        PathErrorKind::InvalidUtf8InPathParam { key } => {
            ApiError::bad_request(format!("The path parameter `{key}` is not valid UTF-8."))
                .with_known_code("INVALID_PATH")
                .add_field_error(key.clone(), "Must be valid UTF-8.", "INVALID_VALUE")
        }
        PathErrorKind::DeserializeError {
            key,
            value,
            message,
        } => ApiError::bad_request(format!("The path parameter `{key}` is invalid."))
            .with_known_code("INVALID_PATH")
            .add_field_error(
                key.clone(),
                format!("{}; got `{value}`.", sentence(message)),
                "INVALID_VALUE",
            ),
        // The route and the extractor's type disagree: a bug of the server.
        PathErrorKind::WrongNumberOfParameters { .. } | PathErrorKind::UnsupportedType { .. } => {
            ApiError::internal_error()
        }
        // A value serde refused (an unknown enum variant) in a one-value `Path<T>`.
        PathErrorKind::Message(message) if only_key.is_some() => {
            let key = only_key.unwrap_or_default();
            ApiError::bad_request(format!("The path parameter `{key}` is invalid."))
                .with_known_code("INVALID_PATH")
                .add_field_error(
                    key.to_owned(),
                    sentence(&hide_type_names(message)),
                    "INVALID_VALUE",
                )
        }
        _ => ApiError::bad_request("The path is invalid.").with_known_code("INVALID_PATH"),
    }
}

/// "an integer" for `u64`: what a person understands of a Rust type name. Other
/// types are named "a valid value", so no type name reaches the client.
fn describe_type(type_name: &str) -> &'static str {
    match type_name.rsplit("::").next().unwrap_or(type_name) {
        "u8" | "u16" | "u32" | "u64" | "u128" | "usize" => "a non-negative integer",
        "i8" | "i16" | "i32" | "i64" | "i128" | "isize" => "an integer",
        "f32" | "f64" => "a number",
        "bool" => "`true` or `false`",
        "char" => "a single character",
        "Uuid" => "a UUID",
        _ => "a valid value",
    }
}

/// A `details` entry from a serde error at `path`. serde reports a missing or
/// unknown field on its parent, naming it in the message, so the name is added back.
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
    let quoted = |prefix: &str| {
        raw.strip_prefix(prefix)
            .and_then(|rest| rest.split('`').next())
            .map(str::to_owned)
    };
    if let Some(name) = quoted("missing field `") {
        return FieldError::new(join(&name), "This field is required.", "REQUIRED");
    }
    if let Some(name) = quoted("unknown field `") {
        // The path may already end at the unknown key.
        let at_key = parent == name || parent.ends_with(&format!(".{name}"));
        let field = if at_key {
            parent.to_owned()
        } else {
            join(&name)
        };
        return FieldError::new(field, "This field is not allowed.", "UNKNOWN_FIELD");
    }
    let code = if raw.starts_with("invalid type") {
        "INVALID_TYPE"
    } else if raw.starts_with("invalid length") {
        "INVALID_LENGTH"
    } else {
        "INVALID_VALUE"
    };
    let field = if parent.is_empty() { root } else { parent };
    FieldError::new(field.to_owned(), sentence(&hide_type_names(raw)), code)
}

/// serde's "expected struct NewUser" names a Rust type: the client reads "expected
/// an object" instead.
fn hide_type_names(raw: &str) -> Cow<'_, str> {
    for (marker, plain) in [
        ("expected tuple struct ", "expected an array"),
        ("expected struct variant ", "expected an object"),
        ("expected struct ", "expected an object"),
        ("expected enum ", "expected one of the allowed values"),
    ] {
        if let Some(at) = raw.find(marker) {
            return Cow::Owned(format!("{}{plain}", &raw[..at]));
        }
    }
    Cow::Borrowed(raw)
}

/// serde_json's message without its " at line L column C".
fn strip_position(err: &serde_json::Error) -> String {
    let text = err.to_string();
    let suffix = format!(" at line {} column {}", err.line(), err.column());
    text.strip_suffix(&suffix).unwrap_or(&text).to_owned()
}

/// `raw` as a sentence: a capital first letter and a full stop.
fn sentence(raw: &str) -> String {
    let raw = raw.trim().trim_end_matches('.');
    let mut chars = raw.chars();
    match chars.next() {
        Some(first) => format!("{}{}.", first.to_uppercase(), chars.as_str()),
        None => String::new(),
    }
}

/// The first error of type `T` in `err`'s chain, `err` itself included.
fn find<'a, T: StdError + 'static>(err: &'a (dyn StdError + 'static)) -> Option<&'a T> {
    chain(err).find_map(|e| e.downcast_ref::<T>())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sentences() {
        assert_eq!(
            sentence("invalid type: integer `1`, expected a string"),
            "Invalid type: integer `1`, expected a string."
        );
        assert_eq!(sentence(""), "");
    }

    #[test]
    fn type_names_are_described_not_leaked() {
        assert_eq!(describe_type("u64"), "a non-negative integer");
        assert_eq!(describe_type("uuid::Uuid"), "a UUID");
        assert_eq!(describe_type("my_app::secret::UserId"), "a valid value");
    }

    #[test]
    fn io_errors() {
        use io::ErrorKind::*;
        let status = |k| ApiError::from(io::Error::from(k)).status().as_u16();
        assert_eq!(status(ConnectionRefused), 503);
        assert_eq!(status(ConnectionReset), 503);
        assert_eq!(status(TimedOut), 504);
        assert_eq!(status(PermissionDenied), 500);
        let err = ApiError::from(io::Error::other("SECRET path /etc/x"));
        assert_eq!(err.message(), "An internal error occurred.");
    }

    #[test]
    fn box_errors_are_classified_through_their_chain() {
        #[derive(Debug, thiserror::Error)]
        #[error("calling the user service")]
        struct Call(#[source] io::Error);
        let err: BoxError = Box::new(Call(io::Error::from(io::ErrorKind::ConnectionRefused)));
        let err = ApiError::from(err);
        assert_eq!(err.status().as_u16(), 503);
        assert_eq!(err.code(), "DEPENDENCY_UNAVAILABLE");
        let err = ApiError::from(BoxError::from("anything else"));
        assert_eq!(err.status().as_u16(), 500);
    }
}
