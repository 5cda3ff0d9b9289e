//! One table of the HTTP error statuses: each row is a status's [`ErrorKind`], its
//! reason phrase as RFC 9110 (and RFC 6585) names it, the code and message an error
//! of that status sends when it sets none, and whether the same request may succeed
//! later.
//!
//! ```
//! use api_error_wire::{ErrorKind, StatusInfo};
//! use http::StatusCode;
//!
//! let info = StatusInfo::of(StatusCode::UNPROCESSABLE_ENTITY);
//! assert_eq!(info.kind(), ErrorKind::Validation);
//! assert_eq!(info.reason(), "Unprocessable Content");
//! assert_eq!(info.code(), "VALIDATION_FAILED");
//! assert_eq!(info.message(), "The request contains invalid fields.");
//! assert!(!info.is_retryable());
//!
//! // A status of no named kind still has a row, or the generic one of its class.
//! assert_eq!(StatusInfo::of(StatusCode::IM_A_TEAPOT).code(), "IM_A_TEAPOT");
//! let unknown = StatusInfo::of(StatusCode::from_u16(599).unwrap());
//! assert_eq!((unknown.kind(), unknown.reason(), unknown.code()), (ErrorKind::Other, "Server Error", "SERVER_ERROR"));
//! ```

use std::fmt;

use http::StatusCode;

/// What kind of failure an error is: one per status that has a constructor, and
/// [`ErrorKind::Other`] for every other 4xx and 5xx. Match on it (with a wildcard
/// arm: kinds may be added) instead of on the status where the meaning matters.
///
/// `axum_api_error::ErrorKind` is this very type, re-exported: a server's
/// `err.kind()` and a client's `ErrorKind::of(status)` compare equal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// 400: the request is malformed.
    BadRequest,
    /// 401: no valid credentials.
    Unauthorized,
    /// 403: authenticated, but not allowed.
    Forbidden,
    /// 404: no such resource (a concealed 404 included).
    NotFound,
    /// 405: the resource does not support the method.
    MethodNotAllowed,
    /// 406: no representation matches the request's `Accept*` headers.
    NotAcceptable,
    /// 408: the client did not finish sending its request in time.
    RequestTimeout,
    /// 409: the request conflicts with the resource's current state.
    Conflict,
    /// 410: the resource existed and is gone for good.
    Gone,
    /// 412: a conditional header (`If-Match`, ...) did not hold.
    PreconditionFailed,
    /// 413: the request content is larger than the server accepts.
    PayloadTooLarge,
    /// 415: the request content's media type is not supported.
    UnsupportedMediaType,
    /// 422: the content is well-formed but its fields are invalid.
    Validation,
    /// 429: the client sent too many requests (RFC 6585 §4).
    RateLimited,
    /// 500: a fault of the server.
    Internal,
    /// 501: the server does not support this functionality.
    NotImplemented,
    /// 502: an upstream server sent an invalid response.
    BadGateway,
    /// 503: the server cannot handle the request now.
    ServiceUnavailable,
    /// 504: an upstream server did not answer in time.
    GatewayTimeout,
    /// Any other 4xx or 5xx status.
    Other,
}

impl ErrorKind {
    /// The kind of `status` (`Other` for a status of no named kind, and for a
    /// status below 400).
    #[must_use]
    pub fn of(status: StatusCode) -> Self {
        StatusInfo::of(status).kind
    }
}

/// One row of the status table: read it with [`StatusInfo::of`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StatusInfo {
    status: u16,
    kind: ErrorKind,
    reason: &'static str,
    code: &'static str,
    message: &'static str,
    summary: &'static str,
    retryable: bool,
}

impl StatusInfo {
    /// The row of `status`: its own where the table has one (every 4xx and 5xx
    /// status the `http` crate names), else the generic row of its class
    /// ("Client Error" / "Server Error"). A status below 400 gets the generic
    /// server error row: it is no error status.
    #[must_use]
    pub fn of(status: StatusCode) -> &'static Self {
        let code = status.as_u16();
        match code.checked_sub(400).map(|i| ROW.get(usize::from(i))) {
            Some(Some(&row)) if row != NONE => &TABLE[row as usize],
            _ if (400..500).contains(&code) => &CLIENT_ERROR,
            _ => &SERVER_ERROR,
        }
    }

    /// The kind of failure.
    #[must_use]
    pub const fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// The reason phrase as RFC 9110 §15 names it (`"Content Too Large"`, not the
    /// older `"Payload Too Large"`).
    #[must_use]
    pub const fn reason(&self) -> &'static str {
        self.reason
    }

    /// The default `code`: UPPER_SNAKE_CASE (`"VALIDATION_FAILED"`).
    #[must_use]
    pub const fn code(&self) -> &'static str {
        self.code
    }

    /// The default `message`: a sentence for a person that gives nothing away.
    #[must_use]
    pub const fn message(&self) -> &'static str {
        self.message
    }

    /// A short lower-case description for logs and `Display` (`"validation failed"`),
    /// or `None` for a status of kind `Other`.
    #[must_use]
    pub const fn summary(&self) -> Option<&'static str> {
        if self.summary.is_empty() {
            None
        } else {
            Some(self.summary)
        }
    }

    /// Whether the same request may succeed later: 408, 429, 502, 503 and 504.
    #[must_use]
    pub const fn is_retryable(&self) -> bool {
        self.retryable
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let row = TABLE.iter().find(|row| row.kind == *self);
        f.write_str(row.and_then(StatusInfo::summary).unwrap_or("http error"))
    }
}

/// The reason phrase of `status` as RFC 9110 §15 names it (and RFC 6585 for 428, 429,
/// 431, 511). Where `http`'s `canonical_reason()` keeps an older name, this has the
/// current one: 413 "Content Too Large", 422 "Unprocessable Content". An error
/// status the table lacks gets "Client Error" / "Server Error"; any other status its
/// `canonical_reason()`.
///
/// ```
/// use api_error_wire::reason_phrase;
/// use http::StatusCode;
///
/// assert_eq!(reason_phrase(StatusCode::UNPROCESSABLE_ENTITY), "Unprocessable Content");
/// assert_eq!(reason_phrase(StatusCode::PAYLOAD_TOO_LARGE), "Content Too Large");
/// assert_eq!(reason_phrase(StatusCode::from_u16(499).unwrap()), "Client Error");
/// ```
#[must_use]
pub fn reason_phrase(status: StatusCode) -> &'static str {
    match status.as_u16() {
        400..=599 => StatusInfo::of(status).reason,
        _ => status.canonical_reason().unwrap_or("Unknown"),
    }
}

const CLIENT_MESSAGE: &str = "The request could not be processed.";
const SERVER_MESSAGE: &str = "The server could not complete the request.";

/// The row of a 4xx status the table lacks.
const CLIENT_ERROR: StatusInfo = other(499, "Client Error", "CLIENT_ERROR");
/// The row of a 5xx status the table lacks (and of a status that is no error).
const SERVER_ERROR: StatusInfo = other(599, "Server Error", "SERVER_ERROR");

/// A row of a named kind; `retryable`: whether the same request may succeed later.
const fn named(
    status: u16,
    kind: ErrorKind,
    reason: &'static str,
    code: &'static str,
    message: &'static str,
    summary: &'static str,
    retryable: bool,
) -> StatusInfo {
    StatusInfo {
        status,
        kind,
        reason,
        code,
        message,
        summary,
        retryable,
    }
}

/// A row of kind `Other`: the code is the reason phrase in UPPER_SNAKE_CASE, the
/// message the generic one of its class.
const fn other(status: u16, reason: &'static str, code: &'static str) -> StatusInfo {
    StatusInfo {
        status,
        kind: ErrorKind::Other,
        reason,
        code,
        message: if status >= 500 {
            SERVER_MESSAGE
        } else {
            CLIENT_MESSAGE
        },
        summary: "",
        retryable: false,
    }
}

/// The index in [`TABLE`] of each status from 400 to 599, or [`NONE`]: one lookup
/// rather than a search (the layer reads the table several times per error).
static ROW: [u8; 200] = {
    let mut rows = [NONE; 200];
    let mut i = 0;
    while i < TABLE.len() {
        rows[(TABLE[i].status - 400) as usize] = i as u8;
        i += 1;
    }
    rows
};

/// No row in [`ROW`].
const NONE: u8 = u8::MAX;

/// The table, sorted by status.
#[rustfmt::skip]
const TABLE: [StatusInfo; 40] = {
    use ErrorKind as K;
    [
        named(400, K::BadRequest, "Bad Request", "BAD_REQUEST", "The request is invalid.", "bad request", false),
        named(401, K::Unauthorized, "Unauthorized", "UNAUTHORIZED", "Authentication is required to access this resource.", "unauthorized", false),
        other(402, "Payment Required", "PAYMENT_REQUIRED"),
        named(403, K::Forbidden, "Forbidden", "FORBIDDEN", "You do not have permission to perform this action.", "forbidden", false),
        named(404, K::NotFound, "Not Found", "NOT_FOUND", "The requested resource was not found.", "not found", false),
        named(405, K::MethodNotAllowed, "Method Not Allowed", "METHOD_NOT_ALLOWED", "The method is not allowed for this resource.", "method not allowed", false),
        named(406, K::NotAcceptable, "Not Acceptable", "NOT_ACCEPTABLE", "No representation of this resource matches the Accept headers of the request.", "not acceptable", false),
        other(407, "Proxy Authentication Required", "PROXY_AUTHENTICATION_REQUIRED"),
        named(408, K::RequestTimeout, "Request Timeout", "REQUEST_TIMEOUT", "The request was not received in time.", "request timeout", true),
        named(409, K::Conflict, "Conflict", "CONFLICT", "The request conflicts with the current state of the resource.", "conflict", false),
        named(410, K::Gone, "Gone", "GONE", "The requested resource is no longer available.", "gone", false),
        other(411, "Length Required", "LENGTH_REQUIRED"),
        named(412, K::PreconditionFailed, "Precondition Failed", "PRECONDITION_FAILED", "A precondition of the request was not met.", "precondition failed", false),
        named(413, K::PayloadTooLarge, "Content Too Large", "PAYLOAD_TOO_LARGE", "The request content is too large.", "content too large", false),
        other(414, "URI Too Long", "URI_TOO_LONG"),
        named(415, K::UnsupportedMediaType, "Unsupported Media Type", "UNSUPPORTED_MEDIA_TYPE", "The content type of the request is not supported.", "unsupported media type", false),
        other(416, "Range Not Satisfiable", "RANGE_NOT_SATISFIABLE"),
        other(417, "Expectation Failed", "EXPECTATION_FAILED"),
        other(418, "I'm a teapot", "IM_A_TEAPOT"),
        other(421, "Misdirected Request", "MISDIRECTED_REQUEST"),
        named(422, K::Validation, "Unprocessable Content", "VALIDATION_FAILED", "The request contains invalid fields.", "validation failed", false),
        other(423, "Locked", "LOCKED"),
        other(424, "Failed Dependency", "FAILED_DEPENDENCY"),
        other(425, "Too Early", "TOO_EARLY"),
        other(426, "Upgrade Required", "UPGRADE_REQUIRED"),
        // RFC 6585
        other(428, "Precondition Required", "PRECONDITION_REQUIRED"),
        named(429, K::RateLimited, "Too Many Requests", "RATE_LIMITED", "Too many requests. Try again later.", "too many requests", true),
        other(431, "Request Header Fields Too Large", "REQUEST_HEADER_FIELDS_TOO_LARGE"),
        other(451, "Unavailable For Legal Reasons", "UNAVAILABLE_FOR_LEGAL_REASONS"),
        named(500, K::Internal, "Internal Server Error", "INTERNAL_ERROR", "An internal error occurred.", "internal error", false),
        named(501, K::NotImplemented, "Not Implemented", "NOT_IMPLEMENTED", "This operation is not implemented.", "not implemented", false),
        named(502, K::BadGateway, "Bad Gateway", "BAD_GATEWAY", "An upstream service returned an invalid response.", "bad gateway", true),
        named(503, K::ServiceUnavailable, "Service Unavailable", "SERVICE_UNAVAILABLE", "The service is temporarily unavailable. Try again later.", "service unavailable", true),
        named(504, K::GatewayTimeout, "Gateway Timeout", "GATEWAY_TIMEOUT", "An upstream service did not respond in time.", "gateway timeout", true),
        other(505, "HTTP Version Not Supported", "HTTP_VERSION_NOT_SUPPORTED"),
        other(506, "Variant Also Negotiates", "VARIANT_ALSO_NEGOTIATES"),
        other(507, "Insufficient Storage", "INSUFFICIENT_STORAGE"),
        other(508, "Loop Detected", "LOOP_DETECTED"),
        other(510, "Not Extended", "NOT_EXTENDED"),
        // RFC 6585
        other(511, "Network Authentication Required", "NETWORK_AUTHENTICATION_REQUIRED"),
    ]
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_is_sorted_and_every_row_is_an_error_status() {
        assert!(TABLE.windows(2).all(|w| w[0].status < w[1].status));
        for row in &TABLE {
            assert!((400..600).contains(&row.status), "{}", row.status);
            assert_eq!(
                crate::normalise_code(row.code.into()),
                row.code,
                "{}",
                row.status
            );
            let server = row.status >= 500;
            match row.kind {
                ErrorKind::Other => {
                    let generic = if server {
                        SERVER_MESSAGE
                    } else {
                        CLIENT_MESSAGE
                    };
                    assert_eq!(row.message, generic, "{}", row.status);
                    assert_eq!(row.summary(), None);
                }
                _ => assert!(row.summary().is_some()),
            }
        }
    }

    #[test]
    fn every_error_status_has_a_row_and_the_phrases_are_current() {
        for code in 400..600 {
            let status = StatusCode::from_u16(code).unwrap();
            let info = StatusInfo::of(status);
            assert!(!info.reason().is_empty());
            if let Some(canonical) = status.canonical_reason() {
                // The table has a row of its own for every status `http` names.
                assert_eq!(info.status, code, "{code}");
                if ![413, 422].contains(&code) {
                    assert_eq!(info.reason(), canonical, "{code}");
                }
            }
        }
        assert_eq!(reason_phrase(StatusCode::URI_TOO_LONG), "URI Too Long");
        assert_eq!(reason_phrase(StatusCode::OK), "OK");
        let unknown = StatusInfo::of(StatusCode::from_u16(499).unwrap());
        assert_eq!(
            (unknown.reason(), unknown.code(), unknown.message()),
            ("Client Error", "CLIENT_ERROR", CLIENT_MESSAGE)
        );
        let below = StatusInfo::of(StatusCode::OK);
        assert_eq!(below.code(), "SERVER_ERROR");
    }

    #[test]
    fn kinds() {
        assert_eq!(ErrorKind::of(StatusCode::GONE), ErrorKind::Gone);
        assert_eq!(ErrorKind::of(StatusCode::IM_A_TEAPOT), ErrorKind::Other);
        assert_eq!(ErrorKind::Validation.to_string(), "validation failed");
        assert_eq!(ErrorKind::Other.to_string(), "http error");
        let retryable: Vec<u16> = (400..600)
            .map(|c| StatusCode::from_u16(c).unwrap())
            .filter(|s| StatusInfo::of(*s).is_retryable())
            .map(|s| s.as_u16())
            .collect();
        assert_eq!(retryable, [408, 429, 502, 503, 504]);
    }
}
