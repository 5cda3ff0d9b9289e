//! Typed values for the headers that an error status requires, and their names.
//!
//! Every value here is checked or sanitised when it is built, so nothing a caller
//! passes in (a message from a user, a realm from configuration) can break out of
//! its header: control characters, CR/LF and non-ASCII text never reach the wire,
//! and quoted strings are escaped.
//!
//! ```
//! use std::time::Duration;
//! use axum_api_error::headers::{BearerError, Challenge, RateLimit, RetryAfter};
//!
//! let challenge = Challenge::bearer()
//!     .with_realm("api")
//!     .with_error(BearerError::InvalidToken)
//!     .with_error_description("The access token expired");
//! assert_eq!(
//!     challenge.to_string(),
//!     r#"Bearer realm="api", error="invalid_token", error_description="The access token expired""#,
//! );
//!
//! assert_eq!(RetryAfter::delay(Duration::from_millis(1500)).to_string(), "2");
//!
//! let limit = RateLimit::new(100, 0, Duration::from_secs(60), Duration::from_secs(30));
//! assert_eq!(limit.policy_header().unwrap(), r#""default";q=100;w=60"#);
//! assert_eq!(limit.remaining_header(), r#""default";r=0;t=30"#);
//! ```

mod challenge;
mod media_type;
mod rate_limit;

use std::fmt;

use http::{HeaderName, HeaderValue, Method};

pub(crate) use self::media_type::{media_types_header, normalise_media_type};
pub use self::{
    challenge::{BearerError, Challenge, InvalidScheme},
    rate_limit::RateLimit,
};
pub use crate::wire::RetryAfter;

/// `X-RateLimit-Limit`: the widely used (unstandardised) request quota.
pub const X_RATELIMIT_LIMIT: HeaderName = HeaderName::from_static("x-ratelimit-limit");
/// `X-RateLimit-Remaining`: requests left in the current window.
pub const X_RATELIMIT_REMAINING: HeaderName = HeaderName::from_static("x-ratelimit-remaining");
/// `X-RateLimit-Reset`: the Unix time, in seconds, at which the window ends.
pub const X_RATELIMIT_RESET: HeaderName = HeaderName::from_static("x-ratelimit-reset");
/// `RateLimit`: the IETF field (draft-ietf-httpapi-ratelimit-headers-11).
pub const RATELIMIT: HeaderName = HeaderName::from_static("ratelimit");
/// `RateLimit-Policy`: the IETF field (draft-ietf-httpapi-ratelimit-headers-11).
pub const RATELIMIT_POLICY: HeaderName = HeaderName::from_static("ratelimit-policy");
/// `Accept-Post` (W3C LDP, IANA registered): the media types a POST accepts.
pub const ACCEPT_POST: HeaderName = HeaderName::from_static("accept-post");

/// The `Allow` value for `methods` (RFC 9110 §10.2.1), each named once, in order.
pub(crate) fn allow_header(methods: &[Method]) -> HeaderValue {
    let mut out = String::new();
    for (i, m) in methods.iter().enumerate() {
        if methods[..i].contains(m) {
            continue;
        }
        if !out.is_empty() {
            out.push_str(", ");
        }
        out.push_str(m.as_str());
    }
    ascii_header(&out)
}

/// A header value from text already restricted to visible ASCII and spaces.
/// Anything else is dropped rather than panicking, so this never fails.
pub(crate) fn ascii_header(s: &str) -> HeaderValue {
    HeaderValue::from_str(s)
        .or_else(|_| HeaderValue::from_str(&sanitise(s, &[])))
        .unwrap_or(HeaderValue::from_static(""))
}

/// `s` without what no header value built from text may hold (control characters,
/// CR and LF, non-ASCII text), nor the characters of `also`: visible ASCII and
/// spaces. Every value a caller hands this module goes through here.
pub(crate) fn sanitise(s: &str, also: &[char]) -> String {
    s.chars()
        .filter(|&c| (c == ' ' || c.is_ascii_graphic()) && !also.contains(&c))
        .collect()
}

/// Writes `s` as a quoted string, `"` and `\` escaped: RFC 9110 §5.6.4's
/// quoted-pair and RFC 8941's sf-string alike, for text already sanitised.
fn write_quoted(out: &mut impl fmt::Write, s: &str) -> fmt::Result {
    out.write_char('"')?;
    for c in s.chars() {
        if c == '"' || c == '\\' {
            out.write_char('\\')?;
        }
        out.write_char(c)?;
    }
    out.write_char('"')
}

/// RFC 9110 §5.6.2 `tchar`.
pub(crate) const fn is_tchar(c: char) -> bool {
    matches!(
        c,
        '!' | '#' | '$' | '%' | '&' | '\'' | '*' | '+' | '-' | '.' | '^' | '_' | '`' | '|' | '~'
    ) || c.is_ascii_alphanumeric()
}

/// RFC 9110 §5.6.2 `token`: one or more `tchar`.
pub(crate) fn is_token(s: &str) -> bool {
    !s.is_empty() && s.chars().all(is_tchar)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, UNIX_EPOCH};

    #[test]
    fn retry_after_rounds_up() {
        assert_eq!(RetryAfter::delay(Duration::from_millis(1)).as_secs(), 1);
        assert_eq!(
            RetryAfter::delay(Duration::from_millis(60_001)).as_secs(),
            61
        );
        let past = RetryAfter::date(UNIX_EPOCH);
        assert_eq!(past.as_secs(), 0);
        assert_eq!(
            past.to_header_value(),
            HeaderValue::from_static("Thu, 01 Jan 1970 00:00:00 GMT")
        );
        assert_eq!(
            RetryAfter::secs(5).max(RetryAfter::secs(9)),
            RetryAfter::secs(9)
        );
    }

    #[test]
    fn allow_names_each_method_once() {
        let v = allow_header(&[Method::GET, Method::HEAD, Method::GET, Method::POST]);
        assert_eq!(v, "GET, HEAD, POST");
        assert_eq!(allow_header(&[]), "");
    }
}
