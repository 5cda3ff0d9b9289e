//! The wire format: the JSON error body and its RFC 9457 form.
//!
//! Servers never build these types: an [`ApiError`](crate::ApiError) renders itself
//! straight into bytes. They are here for clients (and tests) that parse what a
//! server sent, so both derive `Serialize` and `Deserialize`.
//!
//! ```
//! use axum_api_error::{ErrorBody, FieldError};
//!
//! let body: ErrorBody = serde_json::from_str(r#"{
//!     "error": "Unprocessable Content",
//!     "message": "The request contains invalid fields.",
//!     "code": "VALIDATION_FAILED",
//!     "details": [{"field": "email", "message": "Must be a valid email address.", "code": "INVALID_FORMAT"}],
//!     "requestId": "req-1"
//! }"#).unwrap();
//! assert_eq!(body.code, "VALIDATION_FAILED");
//! assert_eq!(body.details[0].field, "email");
//! assert_eq!(body.request_id.as_deref(), Some("req-1"));
//! ```

use std::borrow::Cow;

use bytes::{BufMut, Bytes, BytesMut};
use http::{HeaderValue, StatusCode};
use serde::{ser::SerializeSeq, Deserialize, Serialize, Serializer};

use crate::RetryAfter;

/// The JSON error body (`application/json`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ErrorBody {
    /// The status's reason phrase as RFC 9110 names it (`"Unprocessable Content"`).
    pub error: String,
    /// A sentence for a person.
    pub message: String,
    /// A stable UPPER_SNAKE_CASE code for a program (`"VALIDATION_FAILED"`).
    pub code: String,
    /// The fields at fault, where there are any.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub details: Vec<FieldError>,
    /// The request id, equal to the response's `X-Request-Id`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    /// A URL that documents the code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub docs: Option<String>,
    /// Seconds until a retry may succeed (429, 503, some 413).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after: Option<u64>,
}

/// The RFC 9457 problem details body (`application/problem+json`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ProblemDetails {
    /// A URI reference for the problem type: the code's docs, else `"about:blank"`.
    #[serde(rename = "type", default = "about_blank")]
    pub type_: String,
    /// The reason phrase of the status (RFC 9457 §4.2.1: what `about:blank` means).
    pub title: String,
    /// The HTTP status code.
    pub status: u16,
    /// A sentence for a person about this occurrence.
    pub detail: String,
    /// A URI reference for this occurrence: the request's path.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instance: Option<String>,
    /// Extension member: the stable code.
    pub code: String,
    /// Extension member: the request id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    /// Extension member: the fields at fault.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
    /// Extension member: seconds until a retry may succeed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after: Option<u64>,
}

fn about_blank() -> String {
    "about:blank".to_owned()
}

/// One field at fault: `{"field": "email", "message": "...", "code": "INVALID_FORMAT"}`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub struct FieldError {
    /// The field's path (`"email"`, `"address.zip"`, `"items[2].qty"`).
    pub field: Cow<'static, str>,
    /// A sentence for a person.
    pub message: Cow<'static, str>,
    /// A stable UPPER_SNAKE_CASE code.
    pub code: Cow<'static, str>,
}

impl FieldError {
    /// A field error.
    #[must_use]
    pub fn new(
        field: impl Into<Cow<'static, str>>,
        message: impl Into<Cow<'static, str>>,
        code: impl Into<Cow<'static, str>>,
    ) -> Self {
        let code = normalise_code(code.into());
        Self {
            field: field.into(),
            message: message.into(),
            // A code with no letter or digit says nothing: the generic one instead.
            code: if code.is_empty() {
                Cow::Borrowed("INVALID_VALUE")
            } else {
                code
            },
        }
    }
}

/// Which of the two bodies an error is rendered as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum ErrorFormat {
    /// [`ErrorBody`] as `application/json` (the default).
    #[default]
    Json,
    /// [`ProblemDetails`] as `application/problem+json` (RFC 9457).
    Problem,
}

impl ErrorFormat {
    /// The `Content-Type` of the format.
    #[must_use]
    pub const fn content_type(self) -> HeaderValue {
        match self {
            Self::Json => HeaderValue::from_static("application/json"),
            Self::Problem => HeaderValue::from_static("application/problem+json"),
        }
    }
}

/// The reason phrase of `status` as RFC 9110 §15 names it (and RFC 6585 for 428, 429,
/// 431, 511). Where `http`'s `canonical_reason()` keeps an older name, this has the
/// current one: 413 "Content Too Large", 422 "Unprocessable Content", 416 "Range Not
/// Satisfiable", 414 "URI Too Long". Unknown codes get "Client Error" / "Server Error".
///
/// ```
/// use axum_api_error::reason_phrase;
/// use http::StatusCode;
///
/// assert_eq!(reason_phrase(StatusCode::UNPROCESSABLE_ENTITY), "Unprocessable Content");
/// assert_eq!(reason_phrase(StatusCode::PAYLOAD_TOO_LARGE), "Content Too Large");
/// assert_eq!(reason_phrase(StatusCode::from_u16(499).unwrap()), "Client Error");
/// ```
#[must_use]
pub fn reason_phrase(status: StatusCode) -> &'static str {
    match status.as_u16() {
        400 => "Bad Request",
        401 => "Unauthorized",
        402 => "Payment Required",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        406 => "Not Acceptable",
        407 => "Proxy Authentication Required",
        408 => "Request Timeout",
        409 => "Conflict",
        410 => "Gone",
        411 => "Length Required",
        412 => "Precondition Failed",
        413 => "Content Too Large",
        414 => "URI Too Long",
        415 => "Unsupported Media Type",
        416 => "Range Not Satisfiable",
        417 => "Expectation Failed",
        421 => "Misdirected Request",
        422 => "Unprocessable Content",
        426 => "Upgrade Required",
        // RFC 6585
        428 => "Precondition Required",
        429 => "Too Many Requests",
        431 => "Request Header Fields Too Large",
        511 => "Network Authentication Required",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        505 => "HTTP Version Not Supported",
        // Registered elsewhere, with the names `http` already uses.
        _ => status
            .canonical_reason()
            .unwrap_or(if status.is_server_error() {
                "Server Error"
            } else {
                "Client Error"
            }),
    }
}

/// A code made UPPER_SNAKE_CASE: ASCII letters upper-cased, digits kept, every run of
/// anything else one `_`, none leading or trailing. Codes go into URLs (`docs`) and
/// into programs' `match`es, so they are kept to that alphabet.
pub(crate) fn normalise_code(code: Cow<'static, str>) -> Cow<'static, str> {
    // One pass: upper-case letters and digits in runs joined by single underscores.
    let mut previous = b'_';
    let clean = code.bytes().all(|b| {
        let ok = b.is_ascii_uppercase() || b.is_ascii_digit() || (b == b'_' && previous != b'_');
        previous = b;
        ok
    }) && previous != b'_';
    if clean {
        return code;
    }
    let mut out = String::with_capacity(code.len());
    let mut gap = false;
    for c in code.chars() {
        if c.is_ascii_alphanumeric() {
            if gap && !out.is_empty() {
                out.push('_');
            }
            gap = false;
            out.push(c.to_ascii_uppercase());
        } else {
            gap = true;
        }
    }
    Cow::Owned(out)
}

/// What the renderer knows of the request: filled in by the layer, empty without it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RenderContext<'a> {
    pub(crate) request_id: Option<&'a str>,
    pub(crate) instance: Option<&'a str>,
    pub(crate) docs_base: Option<&'a str>,
    pub(crate) format: ErrorFormat,
    /// The `retryAfter` of a 429 or 503 that sets none.
    pub(crate) retry_after: RetryAfter,
}

impl Default for RenderContext<'_> {
    fn default() -> Self {
        Self {
            request_id: None,
            instance: None,
            docs_base: None,
            format: ErrorFormat::Json,
            retry_after: crate::DEFAULT_RETRY_AFTER,
        }
    }
}

/// One error, borrowed, ready to be written: built by `ApiError::view`.
#[derive(Debug)]
pub(crate) struct ErrorView<'a> {
    pub(crate) status: StatusCode,
    pub(crate) message: &'a str,
    pub(crate) code: &'a str,
    pub(crate) details: &'a [FieldError],
    /// Fields named with `.field(..)`: each takes the error's message and code.
    pub(crate) fields: &'a [Cow<'static, str>],
    pub(crate) docs: Option<&'a str>,
    pub(crate) retry_after: Option<u64>,
    /// The source chain, only when the development switch is on.
    pub(crate) debug: Option<Vec<String>>,
}

/// Serialises the view in the chosen format into one buffer: no intermediate
/// `serde_json::Value`, and one allocation for the output in the common case.
pub(crate) fn render(view: &ErrorView<'_>, cx: &RenderContext<'_>) -> Bytes {
    let docs_from_base = match (view.docs, cx.docs_base) {
        (None, Some(base)) => Some(format!("{base}{}", view.code)),
        _ => None,
    };
    let docs = view.docs.or(docs_from_base.as_deref());
    let details = Details { view };
    let details = (!view.details.is_empty() || !view.fields.is_empty()).then_some(&details);
    let phrase = reason_phrase(view.status);
    let mut buf = BytesMut::with_capacity(256).writer();
    let written = match cx.format {
        ErrorFormat::Json => serde_json::to_writer(
            &mut buf,
            &JsonView {
                error: phrase,
                message: view.message,
                code: view.code,
                details,
                request_id: cx.request_id,
                docs,
                retry_after: view.retry_after,
                debug: view.debug.as_deref(),
            },
        ),
        ErrorFormat::Problem => serde_json::to_writer(
            &mut buf,
            &ProblemView {
                type_: docs.unwrap_or("about:blank"),
                title: phrase,
                status: view.status.as_u16(),
                detail: view.message,
                instance: cx.instance,
                code: view.code,
                request_id: cx.request_id,
                errors: details,
                retry_after: view.retry_after,
                debug: view.debug.as_deref(),
            },
        ),
    };
    // Serialising strings and integers into memory cannot fail.
    debug_assert!(written.is_ok());
    buf.into_inner().freeze()
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct JsonView<'a> {
    error: &'a str,
    message: &'a str,
    code: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    details: Option<&'a Details<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    request_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    docs: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    retry_after: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    debug: Option<&'a [String]>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ProblemView<'a> {
    #[serde(rename = "type")]
    type_: &'a str,
    title: &'a str,
    status: u16,
    detail: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    instance: Option<&'a str>,
    code: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    request_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    errors: Option<&'a Details<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    retry_after: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    debug: Option<&'a [String]>,
}

/// The `details` array: the `.field(..)` names, then the explicit field errors.
struct Details<'a> {
    view: &'a ErrorView<'a>,
}

impl Serialize for Details<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Entry<'a> {
            field: &'a str,
            message: &'a str,
            code: &'a str,
        }
        let view = self.view;
        let mut seq = serializer.serialize_seq(Some(view.fields.len() + view.details.len()))?;
        for field in view.fields {
            seq.serialize_element(&Entry {
                field,
                message: view.message,
                code: view.code,
            })?;
        }
        for d in view.details {
            seq.serialize_element(d)?;
        }
        seq.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_upper_snake_case() {
        let n = |s: &'static str| normalise_code(Cow::Borrowed(s)).into_owned();
        assert_eq!(n("EMAIL_TAKEN"), "EMAIL_TAKEN");
        assert_eq!(n("email-taken"), "EMAIL_TAKEN");
        assert_eq!(n("  email  taken!! "), "EMAIL_TAKEN");
        assert_eq!(n("__A__B__"), "A_B");
        assert_eq!(n("é\r\n\"x\""), "X");
        assert_eq!(n(""), "");
    }

    #[test]
    fn every_error_status_has_a_phrase() {
        for code in 400..600 {
            let status = StatusCode::from_u16(code).unwrap();
            assert!(!reason_phrase(status).is_empty());
        }
        assert_eq!(reason_phrase(StatusCode::URI_TOO_LONG), "URI Too Long");
        assert_eq!(
            reason_phrase(StatusCode::RANGE_NOT_SATISFIABLE),
            "Range Not Satisfiable"
        );
        assert_eq!(
            reason_phrase(StatusCode::from_u16(599).unwrap()),
            "Server Error"
        );
    }
}
