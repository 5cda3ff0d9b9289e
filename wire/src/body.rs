//! The two error bodies and their field errors: rendered by the server, parsed by
//! the client, the same types on both ends.

use std::borrow::Cow;

use http::{HeaderValue, StatusCode};
use serde::{Deserialize, Serialize};

use crate::reason_phrase;

/// The JSON error body (`application/json`).
///
/// A server renders it borrowing the error's strings; a client parses it into an
/// owned `ErrorBody<'static>` (it is `DeserializeOwned`, so `reqwest`'s `.json()`
/// takes it).
///
/// ```
/// use api_error_wire::{ErrorBody, FieldError};
/// use http::StatusCode;
///
/// let details = [FieldError::new("email", "Must be a valid email address.", "INVALID_FORMAT")];
/// let mut body = ErrorBody::new(StatusCode::UNPROCESSABLE_ENTITY, "The request contains invalid fields.", "VALIDATION_FAILED");
/// body.details = details[..].into();
/// body.request_id = Some("req-1".into());
/// let json = serde_json::to_string(&body).unwrap();
/// assert_eq!(json, r#"{"error":"Unprocessable Content","message":"The request contains invalid fields.","code":"VALIDATION_FAILED","details":[{"field":"email","message":"Must be a valid email address.","code":"INVALID_FORMAT"}],"requestId":"req-1"}"#);
///
/// let parsed: ErrorBody<'static> = serde_json::from_str(&json).unwrap();
/// assert_eq!(parsed, body);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ErrorBody<'a> {
    /// The status's reason phrase as RFC 9110 names it (`"Unprocessable Content"`).
    pub error: Cow<'a, str>,
    /// A sentence for a person.
    pub message: Cow<'a, str>,
    /// A stable UPPER_SNAKE_CASE code for a program (`"VALIDATION_FAILED"`).
    pub code: Cow<'a, str>,
    /// The fields at fault, where there are any.
    #[serde(default, skip_serializing_if = "no_fields")]
    pub details: Cow<'a, [FieldError]>,
    /// The request id, equal to the response's `X-Request-Id`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<Cow<'a, str>>,
    /// The W3C trace id (32 lower-case hex digits) of the request's trace, when the
    /// server takes part in Trace Context: the id to search a tracing backend for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trace_id: Option<Cow<'a, str>>,
    /// A URL that documents the code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub docs: Option<Cow<'a, str>>,
    /// Seconds until a retry may succeed (429, 503, some 413).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after: Option<u64>,
    /// The messages of a 5xx's source chain, outermost first: sent only by a server
    /// whose development switch is on, never in production.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub debug: Option<Vec<String>>,
}

impl<'a> ErrorBody<'a> {
    /// The body of an error of `status` (its reason phrase as `error`) with `message`
    /// and `code`, and no other member.
    #[must_use]
    pub fn new(
        status: StatusCode,
        message: impl Into<Cow<'a, str>>,
        code: impl Into<Cow<'a, str>>,
    ) -> Self {
        Self {
            error: Cow::Borrowed(reason_phrase(status)),
            message: message.into(),
            code: code.into(),
            details: Cow::Borrowed(&[]),
            request_id: None,
            trace_id: None,
            docs: None,
            retry_after: None,
            debug: None,
        }
    }

    /// The same body, owning its strings.
    #[must_use]
    pub fn into_owned(self) -> ErrorBody<'static> {
        ErrorBody {
            error: owned(self.error),
            message: owned(self.message),
            code: owned(self.code),
            details: Cow::Owned(self.details.into_owned()),
            request_id: self.request_id.map(owned),
            trace_id: self.trace_id.map(owned),
            docs: self.docs.map(owned),
            retry_after: self.retry_after,
            debug: self.debug,
        }
    }
}

/// The RFC 9457 problem details body (`application/problem+json`): the same error
/// as [`ErrorBody`], with `type`, `title`, `status`, `detail` and `instance`, and the
/// crate's members as extension members (RFC 9457 §3.2).
///
/// ```
/// use api_error_wire::ProblemDetails;
/// use http::StatusCode;
///
/// let mut problem = ProblemDetails::new(StatusCode::GONE, "This user was deleted.", "GONE");
/// problem.instance = Some("/users/2".into());
/// assert_eq!(
///     serde_json::to_string(&problem).unwrap(),
///     r#"{"type":"about:blank","title":"Gone","status":410,"detail":"This user was deleted.","instance":"/users/2","code":"GONE"}"#,
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ProblemDetails<'a> {
    /// A URI reference for the problem type: the code's docs, else `"about:blank"`.
    #[serde(rename = "type", default = "about_blank")]
    pub type_: Cow<'a, str>,
    /// The reason phrase of the status (RFC 9457 §4.2.1: what `about:blank` means).
    pub title: Cow<'a, str>,
    /// The HTTP status code.
    pub status: u16,
    /// A sentence for a person about this occurrence.
    pub detail: Cow<'a, str>,
    /// A URI reference for this occurrence: the request's path.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instance: Option<Cow<'a, str>>,
    /// Extension member: the stable code.
    pub code: Cow<'a, str>,
    /// Extension member: the request id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<Cow<'a, str>>,
    /// Extension member: the W3C trace id (32 lower-case hex digits), when the
    /// server takes part in Trace Context.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trace_id: Option<Cow<'a, str>>,
    /// Extension member: the fields at fault.
    #[serde(default, skip_serializing_if = "no_fields")]
    pub errors: Cow<'a, [FieldError]>,
    /// Extension member: seconds until a retry may succeed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after: Option<u64>,
    /// Extension member: a 5xx's source chain, only from a server in development.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub debug: Option<Vec<String>>,
}

impl<'a> ProblemDetails<'a> {
    /// The problem of `status` (its reason phrase as `title`, `about:blank` as
    /// `type`) with `detail` and `code`, and no other member.
    #[must_use]
    pub fn new(
        status: StatusCode,
        detail: impl Into<Cow<'a, str>>,
        code: impl Into<Cow<'a, str>>,
    ) -> Self {
        Self {
            type_: Cow::Borrowed("about:blank"),
            title: Cow::Borrowed(reason_phrase(status)),
            status: status.as_u16(),
            detail: detail.into(),
            instance: None,
            code: code.into(),
            request_id: None,
            trace_id: None,
            errors: Cow::Borrowed(&[]),
            retry_after: None,
            debug: None,
        }
    }

    /// The same problem, owning its strings.
    #[must_use]
    pub fn into_owned(self) -> ProblemDetails<'static> {
        ProblemDetails {
            type_: owned(self.type_),
            title: owned(self.title),
            status: self.status,
            detail: owned(self.detail),
            instance: self.instance.map(owned),
            code: owned(self.code),
            request_id: self.request_id.map(owned),
            trace_id: self.trace_id.map(owned),
            errors: Cow::Owned(self.errors.into_owned()),
            retry_after: self.retry_after,
            debug: self.debug,
        }
    }
}

fn about_blank() -> Cow<'static, str> {
    Cow::Borrowed("about:blank")
}

fn owned(text: Cow<'_, str>) -> Cow<'static, str> {
    Cow::Owned(text.into_owned())
}

#[allow(clippy::ptr_arg)] // serde hands the field itself.
fn no_fields(fields: &Cow<'_, [FieldError]>) -> bool {
    fields.is_empty()
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
    /// A field error. The code is made UPPER_SNAKE_CASE by [`normalise_code`]; one
    /// with no letter or digit becomes `INVALID_VALUE`.
    ///
    /// ```
    /// use api_error_wire::FieldError;
    ///
    /// assert_eq!(FieldError::new("email", "Must be set.", "required").code, "REQUIRED");
    /// assert_eq!(FieldError::new("email", "Must be set.", "!!").code, "INVALID_VALUE");
    /// ```
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
    ///
    /// ```
    /// use api_error_wire::ErrorFormat;
    ///
    /// assert_eq!(ErrorFormat::Problem.content_type(), "application/problem+json");
    /// ```
    #[must_use]
    pub const fn content_type(self) -> HeaderValue {
        match self {
            Self::Json => HeaderValue::from_static("application/json"),
            Self::Problem => HeaderValue::from_static("application/problem+json"),
        }
    }
}

/// `code` made UPPER_SNAKE_CASE: ASCII letters upper-cased, digits kept, every run of
/// anything else one `_`, none leading or trailing. Codes go into URLs (`docs`) and
/// into programs' `match`es, so they are kept to that alphabet. A code already in
/// that form is returned as it is, without a copy; one with no letter or digit
/// becomes empty.
///
/// ```
/// use api_error_wire::normalise_code;
///
/// assert_eq!(normalise_code("email-taken".into()), "EMAIL_TAKEN");
/// assert_eq!(normalise_code("  email  taken!! ".into()), "EMAIL_TAKEN");
/// assert_eq!(normalise_code("!!!".into()), "");
/// ```
#[must_use]
pub fn normalise_code(code: Cow<'static, str>) -> Cow<'static, str> {
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
    fn bodies_parse_with_members_missing_and_round_trip() {
        let body: ErrorBody<'static> =
            serde_json::from_str(r#"{"error":"Gone","message":"m","code":"GONE"}"#).unwrap();
        assert_eq!(body, ErrorBody::new(StatusCode::GONE, "m", "GONE"));
        let problem: ProblemDetails<'static> = serde_json::from_str(
            r#"{"title":"Gone","status":410,"detail":"m","code":"GONE","debug":["a"]}"#,
        )
        .unwrap();
        let mut expected = ProblemDetails::new(StatusCode::GONE, "m", "GONE");
        expected.debug = Some(vec!["a".to_owned()]);
        assert_eq!(problem, expected);
        let text = serde_json::to_string(&problem).unwrap();
        assert_eq!(
            text,
            r#"{"type":"about:blank","title":"Gone","status":410,"detail":"m","code":"GONE","debug":["a"]}"#
        );
        assert_eq!(problem.clone().into_owned(), problem);
    }
}
