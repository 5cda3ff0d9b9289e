//! `Retry-After` (RFC 9110 §10.2.3): delay-seconds or an HTTP-date.

use std::{
    fmt,
    time::{Duration, SystemTime, UNIX_EPOCH},
};

use http::HeaderValue;

/// The value of a `Retry-After` header (RFC 9110 §10.2.3).
///
/// A delay is sent in whole seconds, rounded up and never below one second (a zero
/// delay would invite the client to hammer the server at once); a date is sent as an
/// IMF-fixdate.
///
/// ```
/// use std::time::{Duration, UNIX_EPOCH};
/// use api_error_wire::RetryAfter;
///
/// assert_eq!(RetryAfter::delay(Duration::from_secs(30)).to_string(), "30");
/// assert_eq!(RetryAfter::delay(Duration::ZERO).to_string(), "1");
/// let date = RetryAfter::date(UNIX_EPOCH + Duration::from_secs(784_111_777));
/// assert_eq!(date.to_string(), "Sun, 06 Nov 1994 08:49:37 GMT");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum RetryAfter {
    /// Retry after this long (`Retry-After: 120`).
    Delay(Duration),
    /// Retry at this time (`Retry-After: Fri, 31 Dec 1999 23:59:59 GMT`).
    Date(SystemTime),
}

impl RetryAfter {
    /// Retry after `delay`.
    #[must_use]
    pub const fn delay(delay: Duration) -> Self {
        Self::Delay(delay)
    }

    /// Retry after `secs` seconds.
    #[must_use]
    pub const fn secs(secs: u64) -> Self {
        Self::Delay(Duration::from_secs(secs))
    }

    /// Retry at `at`.
    #[must_use]
    pub const fn date(at: SystemTime) -> Self {
        Self::Date(at)
    }

    /// Parses a `Retry-After` value as RFC 9110 §10.2.3 defines it: `delay-seconds`
    /// (`1*DIGIT`: no sign, no fraction, no exponent) or an HTTP-date, with the
    /// optional whitespace around a field value (§5.5). Anything else is `None`.
    ///
    /// ```
    /// use api_error_wire::RetryAfter;
    ///
    /// assert_eq!(RetryAfter::parse(" 120 "), Some(RetryAfter::secs(120)));
    /// assert!(matches!(RetryAfter::parse("Sun, 06 Nov 1994 08:49:37 GMT"), Some(RetryAfter::Date(_))));
    /// assert_eq!(RetryAfter::parse("+5"), None);
    /// assert_eq!(RetryAfter::parse("5.0"), None);
    /// assert_eq!(RetryAfter::parse(""), None);
    /// ```
    #[must_use]
    pub fn parse(value: &str) -> Option<Self> {
        let text = value.trim_matches([' ', '\t']);
        if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) {
            // More digits than a u64 holds (some 585 billion years) is no delay a
            // client could wait for: `None`, as for any value that cannot be used.
            return text.parse().ok().map(Self::secs);
        }
        httpdate::parse_http_date(text).ok().map(Self::Date)
    }

    /// [`RetryAfter::parse`] of a header value (`None` when it is not ASCII).
    #[must_use]
    pub fn from_header_value(value: &HeaderValue) -> Option<Self> {
        Self::parse(value.to_str().ok()?)
    }

    /// Whole seconds from now until the client may retry, as the body's `retryAfter`
    /// states it. At least one for a delay; zero for a date already past.
    #[must_use]
    pub fn as_secs(&self) -> u64 {
        match self {
            Self::Delay(delay) => ceil_secs(*delay).max(1),
            Self::Date(at) => at.duration_since(SystemTime::now()).map_or(0, ceil_secs),
        }
    }

    /// The later of `self` and `other`, measured from now.
    #[must_use]
    pub fn max(self, other: Self) -> Self {
        if other.as_secs() > self.as_secs() {
            other
        } else {
            self
        }
    }

    /// The header value.
    #[must_use]
    pub fn to_header_value(&self) -> HeaderValue {
        match self {
            Self::Delay(_) => HeaderValue::from(self.as_secs()),
            // An IMF-fixdate is visible ASCII.
            Self::Date(at) => HeaderValue::from_str(&http_date(*at))
                .unwrap_or(HeaderValue::from_static("Thu, 01 Jan 1970 00:00:00 GMT")),
        }
    }
}

impl fmt::Display for RetryAfter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Delay(_) => write!(f, "{}", self.as_secs()),
            Self::Date(at) => f.write_str(&http_date(*at)),
        }
    }
}

impl From<Duration> for RetryAfter {
    fn from(delay: Duration) -> Self {
        Self::Delay(delay)
    }
}

impl From<SystemTime> for RetryAfter {
    fn from(at: SystemTime) -> Self {
        Self::Date(at)
    }
}

/// Whole seconds, rounded up, saturating at `u64::MAX`.
fn ceil_secs(d: Duration) -> u64 {
    d.as_secs().saturating_add(u64::from(d.subsec_nanos() > 0))
}

/// The latest time an HTTP-date can state: 9999-12-31 23:59:59 UTC.
fn latest_http_date() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(253_402_300_799)
}

/// `at` within the range of an HTTP-date (1970 to 9999), so formatting never fails.
fn http_date(at: SystemTime) -> String {
    httpdate::fmt_http_date(at.clamp(UNIX_EPOCH, latest_http_date()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_follows_rfc_9110() {
        assert_eq!(RetryAfter::parse("0"), Some(RetryAfter::secs(0)));
        assert_eq!(RetryAfter::parse("\t7"), Some(RetryAfter::secs(7)));
        assert_eq!(
            RetryAfter::parse("18446744073709551615"),
            Some(RetryAfter::secs(u64::MAX))
        );
        assert_eq!(RetryAfter::parse("99999999999999999999999"), None);
        for bad in ["-1", "+5", "5.0", "1e3", "5 s", "soon", "0x10", "\u{661}"] {
            assert_eq!(RetryAfter::parse(bad), None, "{bad:?}");
        }
        let at = UNIX_EPOCH + Duration::from_secs(784_111_777);
        assert_eq!(
            RetryAfter::parse("Sun, 06 Nov 1994 08:49:37 GMT"),
            Some(RetryAfter::Date(at))
        );
        assert_eq!(
            RetryAfter::date(at).to_string(),
            "Sun, 06 Nov 1994 08:49:37 GMT"
        );
    }

    #[test]
    fn extremes_of_time_never_panic() {
        assert_eq!(RetryAfter::delay(Duration::MAX).as_secs(), u64::MAX);
        let before = UNIX_EPOCH - Duration::from_secs(1);
        assert_eq!(
            RetryAfter::date(before).to_header_value(),
            "Thu, 01 Jan 1970 00:00:00 GMT"
        );
        let after = UNIX_EPOCH + Duration::from_secs(300_000_000_000);
        assert_eq!(
            RetryAfter::date(after).to_header_value(),
            "Fri, 31 Dec 9999 23:59:59 GMT"
        );
    }
}
