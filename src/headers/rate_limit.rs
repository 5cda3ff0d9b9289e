//! The rate-limit fields: `X-RateLimit-*` and the IETF `RateLimit` and
//! `RateLimit-Policy` (draft-ietf-httpapi-ratelimit-headers-11).

use std::{
    borrow::Cow,
    time::{Duration, SystemTime, UNIX_EPOCH},
};

use axum_core::response::{IntoResponse, IntoResponseParts, Response, ResponseParts};
use http::{HeaderMap, HeaderName, HeaderValue};

use super::{
    ascii_header, sanitise, write_quoted, RATELIMIT, RATELIMIT_POLICY, X_RATELIMIT_LIMIT,
    X_RATELIMIT_REMAINING, X_RATELIMIT_RESET,
};

/// The state of a client's rate limit: sent on every response of a limited route
/// (`200` and `429` alike) as `X-RateLimit-Limit`, `X-RateLimit-Remaining`,
/// `X-RateLimit-Reset` (Unix seconds) and the IETF `RateLimit-Policy` and `RateLimit`
/// fields of draft-ietf-httpapi-ratelimit-headers-11.
///
/// It is an [`IntoResponseParts`], so a handler returns it beside its body; on a 429,
/// give it to [`ApiError::with_rate_limit`](crate::ApiError::with_rate_limit).
///
/// ```
/// use std::time::Duration;
/// use axum::{response::IntoResponse, Json};
/// use axum_api_error::headers::RateLimit;
///
/// let limit = RateLimit::new(5, 4, Duration::from_secs(60), Duration::from_secs(60));
/// let response = (limit, Json("ok")).into_response();
/// assert_eq!(response.headers()["x-ratelimit-limit"], "5");
/// assert_eq!(response.headers()["x-ratelimit-remaining"], "4");
/// assert_eq!(response.headers()["ratelimit-policy"], r#""default";q=5;w=60"#);
/// assert_eq!(response.headers()["ratelimit"], r#""default";r=4;t=60"#);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RateLimit {
    policy: Cow<'static, str>,
    limit: u64,
    remaining: u64,
    /// `None` where the limiter does not say (tower_governor): no `RateLimit-Policy`.
    window: Option<Duration>,
    reset_after: Duration,
    reset_at: SystemTime,
}

impl RateLimit {
    /// `limit` requests per `window`, `remaining` of them left, the window ending
    /// `reset_after` from now. The policy is named `"default"`.
    #[must_use]
    pub fn new(limit: u64, remaining: u64, window: Duration, reset_after: Duration) -> Self {
        Self::of(limit, remaining, Some(window), reset_after)
    }

    /// `limit` requests, `remaining` of them left, the quota whole again `reset_after`
    /// from now, for a limiter that does not tell its window (a token bucket such as
    /// tower_governor's): everything but `RateLimit-Policy`, which needs the window.
    ///
    /// ```
    /// use std::time::Duration;
    /// use http::HeaderMap;
    /// use axum_api_error::headers::RateLimit;
    ///
    /// let mut headers = HeaderMap::new();
    /// RateLimit::without_window(5, 0, Duration::from_secs(3)).write_headers(&mut headers);
    /// assert_eq!(headers["x-ratelimit-limit"], "5");
    /// assert_eq!(headers["ratelimit"], r#""default";r=0;t=3"#);
    /// assert!(!headers.contains_key("ratelimit-policy"));
    /// ```
    #[must_use]
    pub fn without_window(limit: u64, remaining: u64, reset_after: Duration) -> Self {
        Self::of(limit, remaining, None, reset_after)
    }

    fn of(limit: u64, remaining: u64, window: Option<Duration>, reset_after: Duration) -> Self {
        Self {
            policy: Cow::Borrowed("default"),
            limit,
            remaining: remaining.min(limit),
            window,
            reset_after,
            reset_at: SystemTime::now()
                .checked_add(reset_after)
                .map_or_else(latest_http_date, |at| at.min(latest_http_date())),
        }
    }

    /// Names the policy in the IETF fields (`"default"` unless set). Characters
    /// outside visible ASCII are dropped; `"` and `\` are escaped.
    #[must_use]
    pub fn with_policy(mut self, name: impl AsRef<str>) -> Self {
        self.policy = Cow::Owned(sanitise(name.as_ref(), &[]));
        self
    }

    /// The policy's name, as it is sent (`"default"` unless set).
    #[must_use]
    pub fn policy(&self) -> &str {
        &self.policy
    }

    /// The quota of requests per window.
    #[must_use]
    pub const fn limit(&self) -> u64 {
        self.limit
    }

    /// The requests left in the current window.
    #[must_use]
    pub const fn remaining(&self) -> u64 {
        self.remaining
    }

    /// How long until the window ends, as it was when this value was built.
    #[must_use]
    pub const fn reset_after(&self) -> Duration {
        self.reset_after
    }

    /// The Unix time, in whole seconds (rounded up), at which the window ends.
    #[must_use]
    pub fn reset_unix_secs(&self) -> u64 {
        self.reset_at
            .duration_since(UNIX_EPOCH)
            .map_or(0, ceil_secs)
    }

    /// The `RateLimit-Policy` value, `"default";q=100;w=60`, where the window is
    /// known.
    #[must_use]
    pub fn policy_header(&self) -> Option<String> {
        let window = self.window?;
        Some(format!(
            "{};q={};w={}",
            sf_string(&self.policy),
            self.limit,
            ceil_secs(window)
        ))
    }

    /// The `RateLimit` value: `"default";r=0;t=30`.
    #[must_use]
    pub fn remaining_header(&self) -> String {
        format!(
            "{};r={};t={}",
            sf_string(&self.policy),
            self.remaining,
            ceil_secs(self.reset_after)
        )
    }

    /// Writes the five fields into `headers` (four without a window).
    pub fn write_headers(&self, headers: &mut HeaderMap) {
        self.each_header(&mut |name, value| {
            headers.insert(name, value);
        });
    }

    pub(crate) fn each_header(&self, put: &mut dyn FnMut(HeaderName, HeaderValue)) {
        put(X_RATELIMIT_LIMIT, HeaderValue::from(self.limit));
        put(X_RATELIMIT_REMAINING, HeaderValue::from(self.remaining));
        put(X_RATELIMIT_RESET, HeaderValue::from(self.reset_unix_secs()));
        if let Some(policy) = self.policy_header() {
            put(RATELIMIT_POLICY, ascii_header(&policy));
        }
        put(RATELIMIT, ascii_header(&self.remaining_header()));
    }
}

impl IntoResponseParts for RateLimit {
    type Error = std::convert::Infallible;

    fn into_response_parts(self, mut res: ResponseParts) -> Result<ResponseParts, Self::Error> {
        self.write_headers(res.headers_mut());
        Ok(res)
    }
}

impl IntoResponse for RateLimit {
    fn into_response(self) -> Response {
        (self, ()).into_response()
    }
}

/// An RFC 8941 sf-string: `"` and `\` escaped.
fn sf_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    // Writing into a String cannot fail.
    let _ = write_quoted(&mut out, s);
    out
}

/// Whole seconds, rounded up, saturating at `u64::MAX`.
fn ceil_secs(d: Duration) -> u64 {
    d.as_secs().saturating_add(u64::from(d.subsec_nanos() > 0))
}

/// The latest time an HTTP-date can state: 9999-12-31 23:59:59 UTC.
fn latest_http_date() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(253_402_300_799)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rate_limit_headers() {
        let limit = RateLimit::new(5, 9, Duration::from_secs(60), Duration::from_millis(41_500))
            .with_policy("per \"token\"\r\n");
        let mut headers = HeaderMap::new();
        limit.write_headers(&mut headers);
        assert_eq!(headers["x-ratelimit-limit"], "5");
        assert_eq!(
            headers["x-ratelimit-remaining"], "5",
            "remaining is capped at the limit"
        );
        assert_eq!(headers["ratelimit-policy"], r#""per \"token\"";q=5;w=60"#);
        assert_eq!(headers["ratelimit"], r#""per \"token\"";r=5;t=42"#);
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs();
        let reset: u64 = headers["x-ratelimit-reset"]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!((now + 41..=now + 43).contains(&reset), "{reset} vs {now}");
    }
}
