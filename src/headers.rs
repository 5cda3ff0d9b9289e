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
//!     .realm("api")
//!     .error(BearerError::InvalidToken)
//!     .error_description("The access token expired");
//! assert_eq!(
//!     challenge.to_string(),
//!     r#"Bearer realm="api", error="invalid_token", error_description="The access token expired""#,
//! );
//!
//! assert_eq!(RetryAfter::delay(Duration::from_millis(1500)).to_string(), "2");
//!
//! let limit = RateLimit::new(100, 0, Duration::from_secs(60), Duration::from_secs(30));
//! assert_eq!(limit.policy_header(), r#""default";q=100;w=60"#);
//! assert_eq!(limit.remaining_header(), r#""default";r=0;t=30"#);
//! ```

use std::{
    borrow::Cow,
    fmt,
    time::{Duration, SystemTime, UNIX_EPOCH},
};

use axum_core::response::{IntoResponse, IntoResponseParts, Response, ResponseParts};
use http::{HeaderMap, HeaderName, HeaderValue, Method};

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

/// The `error` code of an RFC 6750 Bearer challenge (§3.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum BearerError {
    /// The request is missing a parameter or is otherwise malformed: goes with a 400.
    InvalidRequest,
    /// The token is expired, revoked, malformed or invalid: goes with a 401.
    InvalidToken,
    /// The token lacks the scope the resource needs: goes with a 403.
    InsufficientScope,
}

impl BearerError {
    /// The code as RFC 6750 spells it (`"invalid_token"`).
    #[must_use]
    pub const fn as_str(&self) -> &'static str {
        match self {
            Self::InvalidRequest => "invalid_request",
            Self::InvalidToken => "invalid_token",
            Self::InsufficientScope => "insufficient_scope",
        }
    }
}

impl fmt::Display for BearerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An authentication challenge for `WWW-Authenticate` (RFC 9110 §11.6.1).
///
/// Built for RFC 6750 Bearer tokens with [`Challenge::bearer`], for any other scheme
/// with [`Challenge::new`]. Parameter values are sanitised as they are set: control
/// characters and non-ASCII text are dropped, and in the Bearer parameters that
/// RFC 6750 restricts (`error`, `error_description`, `scope`) so are `"` and `\`.
/// Everything else is escaped inside its quoted string.
///
/// Per RFC 6750 §3.1, send no `error` when the request carried no credentials at all.
///
/// ```
/// use axum_api_error::headers::{BearerError, Challenge};
///
/// // A request without a token:
/// assert_eq!(Challenge::bearer().realm("api").to_string(), r#"Bearer realm="api""#);
///
/// // A token without the needed scope (goes with a 403):
/// let c = Challenge::bearer()
///     .realm("api")
///     .error(BearerError::InsufficientScope)
///     .scope(["users:write", "users:read"]);
/// assert_eq!(
///     c.to_string(),
///     r#"Bearer realm="api", error="insufficient_scope", scope="users:write users:read""#,
/// );
///
/// // Hostile input cannot break the header:
/// let c = Challenge::bearer().error_description("bad\r\nSet-Cookie: x=\"1\"");
/// assert_eq!(c.to_string(), r#"Bearer error_description="badSet-Cookie: x=1""#);
///
/// // Another scheme:
/// let c = Challenge::new("Basic").unwrap().realm("staff \"only\"");
/// assert_eq!(c.to_string(), r#"Basic realm="staff \"only\"""#);
/// assert!(Challenge::new("Not a token").is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Challenge {
    scheme: Cow<'static, str>,
    params: Vec<(Cow<'static, str>, String)>,
}

/// The error returned by [`Challenge::new`] for a scheme that is not an RFC 9110 token.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid authentication scheme: not an RFC 9110 token")]
pub struct InvalidScheme(());

impl Challenge {
    /// An RFC 6750 `Bearer` challenge with no parameters.
    #[must_use]
    pub const fn bearer() -> Self {
        Self {
            scheme: Cow::Borrowed("Bearer"),
            params: Vec::new(),
        }
    }

    /// A challenge for another scheme (`Basic`, `DPoP`, ...).
    ///
    /// # Errors
    ///
    /// When `scheme` is empty or not an RFC 9110 token.
    pub fn new(scheme: impl Into<Cow<'static, str>>) -> Result<Self, InvalidScheme> {
        let scheme = scheme.into();
        if is_token(&scheme) {
            Ok(Self {
                scheme,
                params: Vec::new(),
            })
        } else {
            Err(InvalidScheme(()))
        }
    }

    /// The scheme (`"Bearer"`).
    #[must_use]
    pub fn scheme(&self) -> &str {
        &self.scheme
    }

    /// The value of a parameter, as it will be sent (after sanitising).
    #[must_use]
    pub fn get(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Sets `realm` (RFC 9110 §11.5).
    #[must_use]
    pub fn realm(self, realm: impl AsRef<str>) -> Self {
        self.param("realm", realm)
    }

    /// Sets the RFC 6750 `error` code.
    #[must_use]
    pub fn error(self, error: BearerError) -> Self {
        self.param("error", error.as_str())
    }

    /// Sets the RFC 6750 `error_description`, a sentence for the developer.
    #[must_use]
    pub fn error_description(self, description: impl AsRef<str>) -> Self {
        self.param("error_description", description)
    }

    /// Sets the RFC 6750 `scope`: the scope tokens the resource needs.
    #[must_use]
    pub fn scope<I, S>(self, scopes: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let joined = scopes
            .into_iter()
            .map(|s| s.as_ref().to_owned())
            .collect::<Vec<_>>()
            .join(" ");
        self.param("scope", joined)
    }

    /// Sets any parameter. A name that is not an RFC 9110 token has its other
    /// characters removed, and is ignored when nothing is left; setting a name twice
    /// keeps the last value.
    #[must_use]
    pub fn param(mut self, name: impl Into<Cow<'static, str>>, value: impl AsRef<str>) -> Self {
        let mut name = name.into();
        if !is_token(&name) {
            name = Cow::Owned(name.chars().filter(|&c| is_tchar(c)).collect());
            if name.is_empty() {
                return self;
            }
        }
        let value = self.sanitise_value(&name, value.as_ref());
        if let Some(slot) = self
            .params
            .iter_mut()
            .find(|(n, _)| n.eq_ignore_ascii_case(&name))
        {
            slot.1 = value;
        } else {
            self.params.push((name, value));
        }
        self
    }

    /// The header value.
    #[must_use]
    pub fn to_header_value(&self) -> HeaderValue {
        ascii_header(&self.to_string())
    }

    fn sanitise_value(&self, name: &str, value: &str) -> String {
        let restricted = self.scheme.eq_ignore_ascii_case("bearer")
            && ["error", "error_description", "scope"]
                .iter()
                .any(|p| p.eq_ignore_ascii_case(name));
        // RFC 6750 §3: these values exclude `"` and `\`.
        let value = sanitise(value, if restricted { &['"', '\\'] } else { &[] });
        if name.eq_ignore_ascii_case("scope") && restricted {
            // scope = scope-token *( SP scope-token ): no empty tokens.
            value
                .split(' ')
                .filter(|s| !s.is_empty())
                .collect::<Vec<_>>()
                .join(" ")
        } else {
            value
        }
    }
}

impl fmt::Display for Challenge {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.scheme)?;
        for (i, (name, value)) in self.params.iter().enumerate() {
            f.write_str(if i == 0 { " " } else { ", " })?;
            write!(f, "{name}=")?;
            write_quoted(f, value)?;
        }
        Ok(())
    }
}

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
    window: Duration,
    reset_after: Duration,
    reset_at: SystemTime,
}

impl RateLimit {
    /// `limit` requests per `window`, `remaining` of them left, the window ending
    /// `reset_after` from now. The policy is named `"default"`.
    #[must_use]
    pub fn new(limit: u64, remaining: u64, window: Duration, reset_after: Duration) -> Self {
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
    pub fn policy(mut self, name: impl AsRef<str>) -> Self {
        self.policy = Cow::Owned(sanitise(name.as_ref(), &[]));
        self
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

    /// The `RateLimit-Policy` value: `"default";q=100;w=60`.
    #[must_use]
    pub fn policy_header(&self) -> String {
        format!(
            "{};q={};w={}",
            sf_string(&self.policy),
            self.limit,
            ceil_secs(self.window)
        )
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

    /// Writes the five fields into `headers`.
    pub fn write_headers(&self, headers: &mut HeaderMap) {
        self.each_header(&mut |name, value| {
            headers.insert(name, value);
        });
    }

    pub(crate) fn each_header(&self, put: &mut dyn FnMut(HeaderName, HeaderValue)) {
        put(X_RATELIMIT_LIMIT, HeaderValue::from(self.limit));
        put(X_RATELIMIT_REMAINING, HeaderValue::from(self.remaining));
        put(X_RATELIMIT_RESET, HeaderValue::from(self.reset_unix_secs()));
        put(RATELIMIT_POLICY, ascii_header(&self.policy_header()));
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

/// A media type for `Accept` / `Accept-Post` in the form it is sent, or `None` when
/// it is not one (RFC 9110 §8.3.1, §5.6.6):
///
/// ```text
/// media-type = type "/" subtype *( OWS ";" OWS [ token "=" ( token / quoted-string ) ] )
/// ```
///
/// The form sent has no spaces or tabs around it (the OWS of a list element,
/// §5.6.1), no empty parameters, and `"; "` before each parameter; quoted strings
/// are kept as written. Anything else (control characters, non-ASCII text, a
/// missing subtype, a parameter without a value, a comma outside a quoted string)
/// makes it no media type: then it is given back as the error. A bare
/// `type/subtype` is kept without a copy.
pub(crate) fn normalise_media_type(
    media_type: Cow<'static, str>,
) -> Result<Cow<'static, str>, Cow<'static, str>> {
    if let Some((t, s)) = media_type.split_once('/') {
        if is_token(t) && is_token(s) {
            return Ok(media_type);
        }
    }
    match canonical_media_type(&media_type) {
        Some(canonical) => Ok(Cow::Owned(canonical)),
        None => Err(media_type),
    }
}

/// The parser of [`normalise_media_type`].
fn canonical_media_type(text: &str) -> Option<String> {
    let text = text.trim_matches(is_ows);
    let essence_len = text.find([';', ' ', '\t']).unwrap_or(text.len());
    let (essence, mut rest) = text.split_at(essence_len);
    let (t, s) = essence.split_once('/')?;
    if !is_token(t) || !is_token(s) {
        return None;
    }
    let mut out = String::with_capacity(text.len() + 4);
    out.push_str(essence);
    loop {
        rest = rest.trim_start_matches(is_ows);
        let Some(after) = rest.strip_prefix(';') else {
            // Either the end, or something that is no parameter.
            return rest.is_empty().then_some(out);
        };
        rest = after.trim_start_matches(is_ows);
        if rest.is_empty() || rest.starts_with(';') {
            // An empty parameter: the grammar allows it; nothing to send.
            continue;
        }
        let name_len = rest.find(|c| !is_tchar(c)).unwrap_or(rest.len());
        let value = rest[name_len..].strip_prefix('=')?;
        let value_len = if value.starts_with('"') {
            quoted_string_len(value)?
        } else {
            value.find(|c| !is_tchar(c)).unwrap_or(value.len())
        };
        if name_len == 0 || value_len == 0 {
            return None;
        }
        let param_len = name_len + 1 + value_len;
        out.push_str("; ");
        out.push_str(&rest[..param_len]);
        rest = &rest[param_len..];
    }
}

/// RFC 9110 §5.6.3 `OWS`.
const fn is_ows(c: char) -> bool {
    c == ' ' || c == '\t'
}

/// The length of the RFC 9110 §5.6.4 quoted-string `text` opens with (ASCII only).
fn quoted_string_len(text: &str) -> Option<usize> {
    let mut chars = text.char_indices().skip(1);
    while let Some((i, c)) = chars.next() {
        match c {
            '"' => return Some(i + 1),
            // quoted-pair = "\" ( HTAB / SP / VCHAR )
            '\\' => match chars.next()?.1 {
                '\t' | ' '..='~' => {}
                _ => return None,
            },
            // qdtext: HTAB, SP and VCHAR but `"` and `\`.
            '\t' | ' '..='~' => {}
            _ => return None,
        }
    }
    None
}

/// Joins the media types into one list value.
pub(crate) fn media_types_header(types: &[Cow<'static, str>]) -> HeaderValue {
    ascii_header(&types.join(", "))
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
    fn challenge_drops_control_characters_and_escapes_quotes() {
        let c = Challenge::new("Custom")
            .unwrap()
            .param("realm", "a\"b\\c\u{0}\r\n\tdé")
            .param("bad name\r\n", "v");
        assert_eq!(c.to_string(), r#"Custom realm="a\"b\\cd", badname="v""#);
        assert_eq!(c.get("BADNAME"), Some("v"));
        assert!(Challenge::new("").is_err());
        assert!(Challenge::new("Bearer\r\nX: y").is_err());
        assert_eq!(Challenge::bearer().param("\r\n", "x").to_string(), "Bearer");
    }

    #[test]
    fn bearer_scope_is_space_separated_tokens() {
        let c = Challenge::bearer().scope(["a b", "", "c\"d"]);
        assert_eq!(c.to_string(), r#"Bearer scope="a b cd""#);
    }

    #[test]
    fn setting_a_param_twice_keeps_the_last() {
        let c = Challenge::bearer().realm("a").realm("b");
        assert_eq!(c.to_string(), r#"Bearer realm="b""#);
    }

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
    fn rate_limit_headers() {
        let limit = RateLimit::new(5, 9, Duration::from_secs(60), Duration::from_millis(41_500))
            .policy("per \"token\"\r\n");
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

    #[test]
    fn allow_names_each_method_once() {
        let v = allow_header(&[Method::GET, Method::HEAD, Method::GET, Method::POST]);
        assert_eq!(v, "GET, HEAD, POST");
        assert_eq!(allow_header(&[]), "");
    }

    #[test]
    fn media_types() {
        let norm = |s: &'static str| normalise_media_type(Cow::Borrowed(s)).ok();
        assert!(matches!(
            norm("application/json"),
            Some(Cow::Borrowed("application/json"))
        ));
        assert_eq!(
            normalise_media_type(Cow::Borrowed("json")),
            Err(Cow::Borrowed("json"))
        );
        assert_eq!(
            norm("text/plain; charset=utf-8").as_deref(),
            Some("text/plain; charset=utf-8")
        );
        assert_eq!(
            norm(" text/plain;charset=utf-8\t").as_deref(),
            Some("text/plain; charset=utf-8")
        );
        assert_eq!(norm("#/#; ").as_deref(), Some("#/#"));
        assert_eq!(
            norm("a/b ;; c=\"x, \\\"y\\\"\" ;").as_deref(),
            Some("a/b; c=\"x, \\\"y\\\"\"")
        );
        assert_eq!(norm("|/0;\r"), None);
        assert_eq!(norm("a/b\u{2028}"), None);
        assert_eq!(norm("application/json, text/html"), None);
        assert_eq!(norm("json"), None);
        assert_eq!(norm("application/json\r\nX: y"), None);
        assert_eq!(norm("a pplication/json"), None);
        assert_eq!(norm("a/b; c"), None);
        assert_eq!(norm("a/b; =d"), None);
        assert_eq!(norm("a/b; c=\"open"), None);
    }
}
