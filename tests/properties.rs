//! Property tests of the wire contract, over every `ApiError` constructor and setter fed
//! hostile strings (control characters, CR/LF, NUL, quotes, backslashes, non-ASCII, RTL
//! marks, up to 64 KiB long):
//!
//! 1. without the layer (`IntoResponse`): the status is of the right class, the headers
//!    the status requires are there, every header value is visible ASCII (nothing
//!    injected, no line break), and the body parses as JSON, deserialises into
//!    [`ErrorBody`] and round-trips (the RFC 9457 form of `to_bytes` into
//!    [`ProblemDetails`] likewise);
//! 2. through [`ApiErrorLayer`], with an arbitrary incoming `X-Request-Id` and `Accept`:
//!    the same, plus the request id (echoed when safe, else a fresh UUID v4, and always
//!    equal to the body's `requestId`) and the negotiated format;
//! 3. a 5xx never sends a secret put in a source, a source chain, a `Debug` output, a
//!    panic message or a replaced 5xx text, nor the source's type name;
//! 4. `Challenge`, `RateLimit` and `RetryAfter` header values built from arbitrary input
//!    are visible ASCII, and a challenge's quoted strings are correctly escaped.
//!
//! The last properties cover the extremes of time (durations of `u64::MAX`
//! seconds, dates outside 1970 to 9999): each found a panic, since fixed.

use std::{
    error::Error as StdError,
    fmt,
    future::Future,
    sync::Once,
    time::{Duration, SystemTime, UNIX_EPOCH},
};

use axum::{
    body::Body,
    http::{HeaderMap, HeaderValue, Method, Request, StatusCode},
    response::{IntoResponse, Response},
    routing::any as any_method,
    Router,
};
use axum_api_error::{
    reason_phrase, ApiError, ApiErrorLayer, BearerError, Challenge, ErrorBody, ErrorFormat,
    ProblemDetails, RateLimit, RetryAfter,
};
use proptest::prelude::*;
use serde_json::Value;
use tower::{Layer, ServiceExt};

// ---------------------------------------------------------------------------------
// Configuration
// ---------------------------------------------------------------------------------

/// For properties that build one response without the layer.
fn cheap() -> ProptestConfig {
    ProptestConfig {
        cases: 512,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

/// For properties that send a request through a `Router` and the layer.
fn layered() -> ProptestConfig {
    ProptestConfig {
        cases: 128,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

/// Runs a future to completion on a fresh single-threaded runtime.
fn block_on<F: Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("a current-thread runtime")
        .block_on(future)
}

// ---------------------------------------------------------------------------------
// Strategies: strings
// ---------------------------------------------------------------------------------

/// Characters that break headers, JSON, logs or naive parsers.
const NASTY_CHARS: &[char] = &[
    '\r', '\n', '\0', '\t', '\x7f', '\x1b', '\x0b', '\x0c', '"', '\\', '\'', ' ', ',', ';', '=',
    '/', ':', '<', '&', 'a', 'Z', '0', '-', '_', '.', 'é', 'ß', '😀', '\u{85}', '\u{2028}',
    '\u{200f}', '\u{202e}', '\u{feff}', '\u{fffd}',
];

fn nasty_char() -> impl Strategy<Value = char> {
    prop_oneof![
        3 => prop::sample::select(NASTY_CHARS),
        1 => any::<char>(),
    ]
}

fn short_string() -> impl Strategy<Value = String> {
    prop::collection::vec(nasty_char(), 0..24).prop_map(String::from_iter)
}

/// `pattern` repeated to at most `len` bytes.
fn repeat_to(pattern: &[char], len: usize) -> String {
    let mut out = String::with_capacity(len);
    for &c in pattern.iter().cycle() {
        if out.len() + c.len_utf8() > len {
            break;
        }
        out.push(c);
    }
    out
}

/// Up to 64 KiB, often exactly.
fn long_string() -> impl Strategy<Value = String> {
    (
        prop::collection::vec(nasty_char(), 1..6),
        prop_oneof![Just(64 * 1024), 1usize..=64 * 1024],
    )
        .prop_map(|(pattern, len)| repeat_to(&pattern, len))
}

/// Any string a caller might pass: mostly short and hostile, sometimes printable,
/// rarely 64 KiB.
fn arb_string() -> impl Strategy<Value = String> {
    prop_oneof![
        14 => short_string(),
        4 => "[ -~]{0,40}",
        1 => long_string(),
    ]
}

/// An RFC 9110 token.
fn token() -> impl Strategy<Value = String> {
    "[!#$%&'*+.^_`|~0-9A-Za-z-]{1,12}"
}

/// Media types: valid ones, valid ones with parameters, and arbitrary strings.
fn media_type() -> impl Strategy<Value = String> {
    prop_oneof![
        2 => prop::sample::select(&[
            "application/json",
            "application/x-www-form-urlencoded",
            "multipart/form-data",
            "text/plain; charset=utf-8",
            "application/json, text/html",
            "application/json\r\nX-Injected: 1",
            "json",
            "",
        ][..])
        .prop_map(str::to_owned),
        2 => (token(), token()).prop_map(|(t, s)| format!("{t}/{s}")),
        1 => (token(), token(), arb_string()).prop_map(|(t, s, p)| format!("{t}/{s};{p}")),
        2 => arb_string(),
    ]
}

/// Standard and extension methods (any token `Method::from_bytes` takes).
fn method() -> impl Strategy<Value = Method> {
    prop_oneof![
        prop::sample::select(
            &[
                Method::GET,
                Method::HEAD,
                Method::POST,
                Method::PUT,
                Method::DELETE,
                Method::PATCH,
                Method::OPTIONS,
                Method::TRACE,
                Method::CONNECT,
            ][..]
        ),
        token().prop_filter_map("not a method", |t| Method::from_bytes(t.as_bytes()).ok()),
    ]
}

// ---------------------------------------------------------------------------------
// Strategies: durations, retry times, rate limits, challenges
// ---------------------------------------------------------------------------------

/// Durations from zero to huge, without those of `u64::MAX` whole seconds and a
/// fraction (see `retry_after_of_any_duration_is_a_header_value`).
fn duration() -> impl Strategy<Value = Duration> {
    prop_oneof![
        2 => Just(Duration::ZERO),
        6 => (0u64..100_000, 0u32..1_000_000_000).prop_map(|(s, n)| Duration::new(s, n)),
        2 => (0u64..u64::MAX, 0u32..1_000_000_000).prop_map(|(s, n)| Duration::new(s, n)),
        1 => Just(Duration::from_secs(u64::MAX)),
    ]
}

/// Durations that can be added to `SystemTime::now()` (see
/// `rate_limit_of_any_duration_is_a_header_value`).
fn reset_duration() -> impl Strategy<Value = Duration> {
    prop_oneof![
        2 => Just(Duration::ZERO),
        6 => (0u64..100_000, 0u32..1_000_000_000).prop_map(|(s, n)| Duration::new(s, n)),
        1 => (0u64..1 << 60, 0u32..1_000_000_000).prop_map(|(s, n)| Duration::new(s, n)),
    ]
}

/// Every date httpdate can format: 1970 to 9999.
const LAST_HTTP_DATE: u64 = 253_402_300_799;

#[derive(Debug, Clone)]
enum RetrySpec {
    Delay(Duration),
    Secs(u64),
    /// Seconds since the Unix epoch.
    Date(u64),
    /// Seconds from now.
    DateIn(u32),
}

impl RetrySpec {
    fn build(&self) -> RetryAfter {
        match *self {
            Self::Delay(d) => RetryAfter::delay(d),
            Self::Secs(s) => RetryAfter::secs(s),
            Self::Date(s) => RetryAfter::date(UNIX_EPOCH + Duration::from_secs(s)),
            Self::DateIn(s) => RetryAfter::date(SystemTime::now() + Duration::from_secs(s.into())),
        }
    }

    /// The seconds sent, where they do not depend on the clock.
    fn delay_secs(&self) -> Option<u64> {
        match *self {
            Self::Delay(d) => Some(ceil_secs(d).max(1)),
            Self::Secs(s) => Some(s.max(1)),
            Self::Date(_) | Self::DateIn(_) => None,
        }
    }
}

fn retry() -> impl Strategy<Value = RetrySpec> {
    prop_oneof![
        4 => duration().prop_map(RetrySpec::Delay),
        2 => prop_oneof![0u64..1000, any::<u64>()].prop_map(RetrySpec::Secs),
        1 => (0..=LAST_HTTP_DATE).prop_map(RetrySpec::Date),
        1 => any::<u32>().prop_map(RetrySpec::DateIn),
    ]
}

#[derive(Debug, Clone)]
struct RateLimitSpec {
    limit: u64,
    remaining: u64,
    window: Duration,
    reset_after: Duration,
    policy: Option<String>,
}

impl RateLimitSpec {
    fn build(&self) -> RateLimit {
        let limit = RateLimit::new(self.limit, self.remaining, self.window, self.reset_after);
        match &self.policy {
            Some(policy) => limit.policy(policy),
            None => limit,
        }
    }
}

fn count() -> impl Strategy<Value = u64> {
    prop_oneof![3 => 0u64..10, 1 => any::<u64>()]
}

fn rate_limit() -> impl Strategy<Value = RateLimitSpec> {
    (
        count(),
        count(),
        duration(),
        reset_duration(),
        prop::option::of(arb_string()),
    )
        .prop_map(
            |(limit, remaining, window, reset_after, policy)| RateLimitSpec {
                limit,
                remaining,
                window,
                reset_after,
                policy,
            },
        )
}

#[derive(Debug, Clone)]
enum ChallengeSpec {
    Bearer {
        realm: Option<String>,
        error: Option<u8>,
        description: Option<String>,
        scope: Option<Vec<String>>,
        params: Vec<(String, String)>,
    },
    /// `Challenge::new(scheme)` when it is accepted, else a bare Bearer.
    Custom {
        scheme: String,
        params: Vec<(String, String)>,
    },
}

const BEARER_ERRORS: [BearerError; 3] = [
    BearerError::InvalidRequest,
    BearerError::InvalidToken,
    BearerError::InsufficientScope,
];

impl ChallengeSpec {
    fn build(&self) -> Challenge {
        match self {
            Self::Bearer {
                realm,
                error,
                description,
                scope,
                params,
            } => {
                let mut c = Challenge::bearer();
                if let Some(realm) = realm {
                    c = c.realm(realm);
                }
                if let Some(e) = error {
                    c = c.error(BEARER_ERRORS[usize::from(*e) % 3]);
                }
                if let Some(d) = description {
                    c = c.error_description(d);
                }
                if let Some(scope) = scope {
                    c = c.scope(scope);
                }
                params
                    .iter()
                    .fold(c, |c, (n, v)| c.param(n.clone(), v.as_str()))
            }
            Self::Custom { scheme, params } => {
                let c = Challenge::new(scheme.clone()).unwrap_or_else(|_| Challenge::bearer());
                params
                    .iter()
                    .fold(c, |c, (n, v)| c.param(n.clone(), v.as_str()))
            }
        }
    }

    /// The scheme sent: an independent oracle.
    fn expected_scheme(&self) -> String {
        match self {
            Self::Custom { scheme, .. } if is_token(scheme) => scheme.clone(),
            _ => "Bearer".to_owned(),
        }
    }

    /// The parameters sent, in order, sanitised: an independent oracle.
    fn expected_params(&self) -> Vec<(String, String)> {
        let scheme = self.expected_scheme();
        let bearer = scheme.eq_ignore_ascii_case("bearer");
        let mut calls: Vec<(String, String)> = Vec::new();
        match self {
            Self::Bearer {
                realm,
                error,
                description,
                scope,
                params,
            } => {
                if let Some(realm) = realm {
                    calls.push(("realm".into(), realm.clone()));
                }
                if let Some(e) = error {
                    let code = BEARER_ERRORS[usize::from(*e) % 3].as_str();
                    calls.push(("error".into(), code.into()));
                }
                if let Some(d) = description {
                    calls.push(("error_description".into(), d.clone()));
                }
                if let Some(scope) = scope {
                    calls.push(("scope".into(), scope.join(" ")));
                }
                calls.extend(params.iter().cloned());
            }
            Self::Custom { params, .. } => calls.extend(params.iter().cloned()),
        }
        let mut out: Vec<(String, String)> = Vec::new();
        for (name, value) in calls {
            let name: String = name.chars().filter(|&c| is_tchar(c)).collect();
            if name.is_empty() {
                continue;
            }
            let restricted = bearer
                && ["error", "error_description", "scope"]
                    .iter()
                    .any(|p| p.eq_ignore_ascii_case(&name));
            let mut value: String = value
                .chars()
                .filter(|&c| {
                    (c == ' ' || c.is_ascii_graphic()) && !(restricted && matches!(c, '"' | '\\'))
                })
                .collect();
            if restricted && name.eq_ignore_ascii_case("scope") {
                value = value
                    .split(' ')
                    .filter(|s| !s.is_empty())
                    .collect::<Vec<_>>()
                    .join(" ");
            }
            match out.iter_mut().find(|(n, _)| n.eq_ignore_ascii_case(&name)) {
                Some(slot) => slot.1 = value,
                None => out.push((name, value)),
            }
        }
        out
    }
}

fn param_name() -> impl Strategy<Value = String> {
    prop_oneof![
        2 => prop::sample::select(
            &["realm", "error", "error_description", "scope", "Scope", "ERROR", "charset"][..]
        )
        .prop_map(str::to_owned),
        2 => token(),
        1 => arb_string(),
    ]
}

fn params() -> impl Strategy<Value = Vec<(String, String)>> {
    prop::collection::vec((param_name(), arb_string()), 0..4)
}

fn challenge() -> impl Strategy<Value = ChallengeSpec> {
    let bearer = (
        prop::option::of(arb_string()),
        prop::option::of(any::<u8>()),
        prop::option::of(arb_string()),
        prop::option::of(prop::collection::vec(arb_string(), 0..4)),
        params(),
    )
        .prop_map(
            |(realm, error, description, scope, params)| ChallengeSpec::Bearer {
                realm,
                error,
                description,
                scope,
                params,
            },
        );
    let scheme = prop_oneof![
        2 => token(),
        1 => prop::sample::select(&["Basic", "bearer", "DPoP", "Digest"][..]).prop_map(str::to_owned),
        1 => arb_string(),
    ];
    let custom =
        (scheme, params()).prop_map(|(scheme, params)| ChallengeSpec::Custom { scheme, params });
    prop_oneof![bearer, custom]
}

// ---------------------------------------------------------------------------------
// Strategies: ApiError
// ---------------------------------------------------------------------------------

/// How an error is constructed: one entry per constructor.
#[derive(Debug, Clone)]
enum Ctor {
    BadRequest(String),
    Unauthorized,
    Forbidden,
    NotFound,
    ConcealedNotFound,
    MethodNotAllowed(Vec<Method>),
    NotAcceptable,
    RequestTimeout,
    Conflict(String),
    Gone,
    PreconditionFailed,
    PayloadTooLarge,
    UnsupportedMediaType(Vec<String>),
    Validation,
    RateLimited(RetrySpec),
    Internal(String),
    NotImplemented,
    BadGateway,
    ServiceUnavailable,
    GatewayTimeout,
    FromStatus(u16),
}

/// A setter applied after construction: every one on every variant, including those a
/// variant ignores.
#[derive(Debug, Clone)]
enum Setter {
    Message(String),
    Code(String),
    Docs(String),
    Field(String),
    FieldError(String, String, String),
    CausedBy(String),
    Challenge(ChallengeSpec),
    RetryAfter(RetrySpec),
    RateLimit(RateLimitSpec),
    AcceptPost,
}

/// A recipe for an `ApiError`, which is not `Clone`: built again wherever needed.
#[derive(Debug, Clone)]
struct ErrorSpec {
    ctor: Ctor,
    setters: Vec<Setter>,
}

/// What an error is, as far as the headers go: the variant `from_status` picks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    BadRequest,
    Unauthorized,
    Forbidden,
    NotFound,
    MethodNotAllowed,
    RequestTimeout,
    PayloadTooLarge,
    UnsupportedMediaType,
    RateLimited,
    ServiceUnavailable,
    Plain,
}

impl ErrorSpec {
    fn build(&self) -> ApiError {
        let err = match &self.ctor {
            Ctor::BadRequest(m) => ApiError::bad_request(m.clone()),
            Ctor::Unauthorized => ApiError::unauthorized(),
            Ctor::Forbidden => ApiError::forbidden(),
            Ctor::NotFound => ApiError::not_found(),
            Ctor::ConcealedNotFound => ApiError::concealed_not_found(),
            Ctor::MethodNotAllowed(m) => ApiError::method_not_allowed(m.clone()),
            Ctor::NotAcceptable => ApiError::not_acceptable(),
            Ctor::RequestTimeout => ApiError::request_timeout(),
            Ctor::Conflict(m) => ApiError::conflict(m.clone()),
            Ctor::Gone => ApiError::gone(),
            Ctor::PreconditionFailed => ApiError::precondition_failed(),
            Ctor::PayloadTooLarge => ApiError::payload_too_large(),
            Ctor::UnsupportedMediaType(types) => ApiError::unsupported_media_type(types.clone()),
            Ctor::Validation => ApiError::validation(),
            Ctor::RateLimited(r) => ApiError::rate_limited(r.build()),
            Ctor::Internal(s) => ApiError::internal(s.clone()),
            Ctor::NotImplemented => ApiError::not_implemented(),
            Ctor::BadGateway => ApiError::bad_gateway(),
            Ctor::ServiceUnavailable => ApiError::service_unavailable(),
            Ctor::GatewayTimeout => ApiError::gateway_timeout(),
            Ctor::FromStatus(c) => {
                ApiError::from_status(StatusCode::from_u16(*c).expect("100..=999"))
            }
        };
        apply_setters(err, &self.setters)
    }

    /// The status the error must have: an independent oracle.
    fn expected_status(&self) -> u16 {
        match &self.ctor {
            Ctor::BadRequest(_) => 400,
            Ctor::Unauthorized => 401,
            Ctor::Forbidden => 403,
            Ctor::NotFound | Ctor::ConcealedNotFound => 404,
            Ctor::MethodNotAllowed(_) => 405,
            Ctor::NotAcceptable => 406,
            Ctor::RequestTimeout => 408,
            Ctor::Conflict(_) => 409,
            Ctor::Gone => 410,
            Ctor::PreconditionFailed => 412,
            Ctor::PayloadTooLarge => 413,
            Ctor::UnsupportedMediaType(_) => 415,
            Ctor::Validation => 422,
            Ctor::RateLimited(_) => 429,
            Ctor::Internal(_) => 500,
            Ctor::NotImplemented => 501,
            Ctor::BadGateway => 502,
            Ctor::ServiceUnavailable => 503,
            Ctor::GatewayTimeout => 504,
            // A status that is no error is a bug of the server's: 500.
            Ctor::FromStatus(c) if (400..=599).contains(c) => *c,
            Ctor::FromStatus(_) => 500,
        }
    }

    fn kind(&self) -> Kind {
        match self.expected_status() {
            400 => Kind::BadRequest,
            401 => Kind::Unauthorized,
            403 => Kind::Forbidden,
            404 => Kind::NotFound,
            405 => Kind::MethodNotAllowed,
            408 => Kind::RequestTimeout,
            413 => Kind::PayloadTooLarge,
            415 => Kind::UnsupportedMediaType,
            429 => Kind::RateLimited,
            503 => Kind::ServiceUnavailable,
            _ => Kind::Plain,
        }
    }

    fn is_concealed(&self) -> bool {
        matches!(self.ctor, Ctor::ConcealedNotFound)
    }

    /// The challenge sent, if the error sets one (a 401 without one gets the default).
    fn challenge(&self) -> Option<&ChallengeSpec> {
        if !matches!(
            self.kind(),
            Kind::BadRequest | Kind::Unauthorized | Kind::Forbidden
        ) {
            return None;
        }
        self.setters.iter().rev().find_map(|s| match s {
            Setter::Challenge(c) => Some(c),
            _ => None,
        })
    }

    /// The rate limit sent, if any.
    fn rate_limit(&self) -> Option<&RateLimitSpec> {
        if self.kind() != Kind::RateLimited {
            return None;
        }
        self.setters.iter().rev().find_map(|s| match s {
            Setter::RateLimit(l) => Some(l),
            _ => None,
        })
    }

    /// The valid media types of a 415 (an independent check of each).
    fn media_types(&self) -> Vec<&str> {
        match &self.ctor {
            Ctor::UnsupportedMediaType(types) => types
                .iter()
                .map(String::as_str)
                .filter(|t| is_media_type(t))
                .collect(),
            _ => Vec::new(),
        }
    }

    fn accept_post(&self) -> bool {
        self.kind() == Kind::UnsupportedMediaType
            && self.setters.iter().any(|s| matches!(s, Setter::AcceptPost))
    }

    /// `None` when no `Retry-After` may be sent; else `Some(secs)` with the seconds
    /// when they do not depend on the clock.
    fn expected_retry_after(&self, default: &RetrySpec) -> Option<Option<u64>> {
        let kind = self.kind();
        if !matches!(
            kind,
            Kind::RateLimited | Kind::ServiceUnavailable | Kind::PayloadTooLarge
        ) {
            return None;
        }
        let from_ctor = match &self.ctor {
            Ctor::RateLimited(r) => Some(r.clone()),
            _ => None,
        };
        let explicit = self
            .setters
            .iter()
            .rev()
            .find_map(|s| match s {
                Setter::RetryAfter(r) => Some(r.clone()),
                _ => None,
            })
            .or(from_ctor);
        let window = self
            .rate_limit()
            .filter(|l| l.remaining.min(l.limit) == 0)
            .map(|l| RetrySpec::Delay(l.reset_after));
        let chosen = match (explicit, window) {
            (Some(a), Some(b)) => match (a.delay_secs(), b.delay_secs()) {
                (Some(x), Some(y)) => return Some(Some(x.max(y))),
                _ => return Some(None),
            },
            (Some(a), None) | (None, Some(a)) => a,
            (None, None) if kind == Kind::PayloadTooLarge => return None,
            (None, None) => default.clone(),
        };
        Some(chosen.delay_secs())
    }
}

fn ctor() -> impl Strategy<Value = Ctor> {
    prop_oneof![
        arb_string().prop_map(Ctor::BadRequest),
        Just(Ctor::Unauthorized),
        Just(Ctor::Forbidden),
        Just(Ctor::NotFound),
        Just(Ctor::ConcealedNotFound),
        prop::collection::vec(method(), 0..6).prop_map(Ctor::MethodNotAllowed),
        Just(Ctor::NotAcceptable),
        Just(Ctor::RequestTimeout),
        arb_string().prop_map(Ctor::Conflict),
        Just(Ctor::Gone),
        Just(Ctor::PreconditionFailed),
        Just(Ctor::PayloadTooLarge),
        prop::collection::vec(media_type(), 0..4).prop_map(Ctor::UnsupportedMediaType),
        Just(Ctor::Validation),
        retry().prop_map(Ctor::RateLimited),
        arb_string().prop_map(Ctor::Internal),
        Just(Ctor::NotImplemented),
        Just(Ctor::BadGateway),
        Just(Ctor::ServiceUnavailable),
        Just(Ctor::GatewayTimeout),
        // Every error status, and statuses that are no error.
        (400u16..=599).prop_map(Ctor::FromStatus),
        prop_oneof![100u16..400, 600u16..=999].prop_map(Ctor::FromStatus),
    ]
}

fn setter() -> impl Strategy<Value = Setter> {
    prop_oneof![
        3 => arb_string().prop_map(Setter::Message),
        3 => prop_oneof![arb_string(), token()].prop_map(Setter::Code),
        2 => arb_string().prop_map(Setter::Docs),
        2 => arb_string().prop_map(Setter::Field),
        2 => (arb_string(), arb_string(), arb_string())
            .prop_map(|(f, m, c)| Setter::FieldError(f, m, c)),
        1 => arb_string().prop_map(Setter::CausedBy),
        2 => challenge().prop_map(Setter::Challenge),
        2 => retry().prop_map(Setter::RetryAfter),
        2 => rate_limit().prop_map(Setter::RateLimit),
        1 => Just(Setter::AcceptPost),
    ]
}

fn api_error() -> impl Strategy<Value = ErrorSpec> {
    (ctor(), prop::collection::vec(setter(), 0..6))
        .prop_map(|(ctor, setters)| ErrorSpec { ctor, setters })
}

fn apply_setters(err: ApiError, setters: &[Setter]) -> ApiError {
    setters.iter().fold(err, |err, s| match s {
        Setter::Message(m) => err.with_message(m.clone()),
        Setter::Code(c) => err.with_code(c.clone()),
        Setter::Docs(d) => err.with_docs(d.clone()),
        Setter::Field(f) => err.field(f.clone()),
        Setter::FieldError(f, m, c) => err.field_error(f.clone(), m.clone(), c.clone()),
        Setter::CausedBy(s) => err.caused_by(s.clone()),
        Setter::Challenge(c) => err.with_challenge(c.build()),
        Setter::RetryAfter(r) => err.with_retry_after(r.build()),
        Setter::RateLimit(l) => err.with_rate_limit(l.build()),
        Setter::AcceptPost => err.accept_post(),
    })
}

// ---------------------------------------------------------------------------------
// Independent definitions of the grammar
// ---------------------------------------------------------------------------------

fn is_tchar(c: char) -> bool {
    c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c)
}

fn is_token(s: &str) -> bool {
    !s.is_empty() && s.chars().all(is_tchar)
}

/// A media range: `type/subtype` tokens, then parameters of visible ASCII, no comma.
fn is_media_type(s: &str) -> bool {
    let essence = s.split(';').next().unwrap_or_default().trim();
    essence
        .split_once('/')
        .is_some_and(|(t, sub)| is_token(t) && is_token(sub))
        && !s.contains(',')
        && s.bytes().all(|b| b == b' ' || b.is_ascii_graphic())
}

fn ceil_secs(d: Duration) -> u64 {
    d.as_secs() + u64::from(d.subsec_nanos() > 0)
}

fn is_upper_snake(s: &str) -> bool {
    !s.is_empty()
        && s.split('_').all(|w| {
            !w.is_empty()
                && w.bytes()
                    .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
        })
}

/// Parses `scheme [SP name="value" *(", " name="value")]`, unescaping the quoted
/// strings. `None` when the value does not have that shape (an unescaped `"` in a
/// value ends it early and breaks the shape, or forges a parameter that the caller
/// then finds by comparing the lists).
fn parse_challenge(s: &str) -> Option<(String, Vec<(String, String)>)> {
    let (scheme, rest) = s.split_once(' ').unwrap_or((s, ""));
    if !is_token(scheme) {
        return None;
    }
    let mut params = Vec::new();
    let mut chars = rest.chars().peekable();
    while chars.peek().is_some() {
        let mut name = String::new();
        while let Some(c) = chars.next_if(|&c| c != '=') {
            name.push(c);
        }
        if !is_token(&name) || chars.next() != Some('=') || chars.next() != Some('"') {
            return None;
        }
        let mut value = String::new();
        loop {
            match chars.next()? {
                '\\' => value.push(chars.next()?),
                '"' => break,
                c => value.push(c),
            }
        }
        params.push((name, value));
        match chars.next() {
            None => break,
            Some(',') if chars.next() == Some(' ') => {}
            Some(_) => return None,
        }
    }
    Some((scheme.to_owned(), params))
}

/// Parses an RFC 8941 sf-string at the start of `s`: the string and the rest.
fn parse_sf_string(s: &str) -> Option<(String, &str)> {
    let rest = s.strip_prefix('"')?;
    let mut out = String::new();
    let mut chars = rest.char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '\\' => match chars.next()? {
                (_, e @ ('"' | '\\')) => out.push(e),
                _ => return None,
            },
            '"' => return Some((out, &rest[i + 1..])),
            ' ' | '!' | '#'..='[' | ']'..='~' => out.push(c),
            _ => return None,
        }
    }
    None
}

// ---------------------------------------------------------------------------------
// Checks shared by the properties
// ---------------------------------------------------------------------------------

/// The headers an error response may carry; any other one was injected.
const KNOWN_HEADERS: &[&str] = &[
    "content-type",
    "cache-control",
    "vary",
    "www-authenticate",
    "allow",
    "retry-after",
    "accept",
    "accept-post",
    "connection",
    "x-ratelimit-limit",
    "x-ratelimit-remaining",
    "x-ratelimit-reset",
    "ratelimit",
    "ratelimit-policy",
];

/// Every value is visible ASCII or space: no CR, LF, NUL, other control character or
/// obs-text; and no header name outside `KNOWN_HEADERS` and `extra`.
fn check_header_values(headers: &HeaderMap, extra: &[&str]) -> Result<(), TestCaseError> {
    for (name, value) in headers {
        prop_assert!(
            KNOWN_HEADERS.contains(&name.as_str()) || extra.contains(&name.as_str()),
            "unexpected header {name}: {value:?}"
        );
        let text = value.to_str();
        prop_assert!(text.is_ok(), "{name} is not visible ASCII: {value:?}");
        prop_assert!(
            value
                .as_bytes()
                .iter()
                .all(|&b| b == b' ' || b.is_ascii_graphic()),
            "{name} has a control character: {value:?}"
        );
        prop_assert!(
            !value
                .as_bytes()
                .iter()
                .any(|b| matches!(b, b'\r' | b'\n' | b'\0')),
            "{name} has a line break or NUL: {value:?}"
        );
    }
    Ok(())
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// What a check needs to know beyond the error itself.
struct Context<'a> {
    /// `Retry-After` of a 429 or 503 that sets none.
    default_retry: &'a RetrySpec,
    /// Through the layer, for a POST: a 415's `Accept` is sent as `Accept-Post` too.
    post: bool,
}

/// The headers the error's status and setters require, and nothing they forbid.
fn check_required_headers(
    spec: &ErrorSpec,
    headers: &HeaderMap,
    cx: &Context<'_>,
) -> Result<(), TestCaseError> {
    prop_assert_eq!(header(headers, "cache-control"), Some("no-store"));
    let vary: Vec<&str> = headers
        .get_all("vary")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .collect();
    prop_assert!(
        vary.iter().any(|v| v.eq_ignore_ascii_case("accept")),
        "vary: {:?}",
        vary
    );

    // WWW-Authenticate: always on a 401; on a 400 or 403 when given a challenge.
    let kind = spec.kind();
    match (kind, spec.challenge()) {
        (_, Some(c)) => {
            let value = header(headers, "www-authenticate");
            prop_assert!(value.is_some(), "no www-authenticate");
            let parsed = parse_challenge(value.unwrap_or_default());
            prop_assert_eq!(
                parsed,
                Some((c.expected_scheme(), c.expected_params())),
                "www-authenticate: {:?}",
                value
            );
        }
        (Kind::Unauthorized, None) => {
            let value = header(headers, "www-authenticate").unwrap_or_default();
            prop_assert!(
                parse_challenge(value).is_some(),
                "www-authenticate: {value:?}"
            );
        }
        (_, None) => prop_assert!(!headers.contains_key("www-authenticate")),
    }

    // Allow: on every 405, each method once.
    if kind == Kind::MethodNotAllowed {
        let allow = header(headers, "allow");
        prop_assert!(allow.is_some(), "405 without allow");
        let expected: Vec<String> = match &spec.ctor {
            Ctor::MethodNotAllowed(methods) => {
                let mut names: Vec<String> = Vec::new();
                for m in methods {
                    if !names.iter().any(|n| n == m.as_str()) {
                        names.push(m.as_str().to_owned());
                    }
                }
                names
            }
            _ => Vec::new(),
        };
        let expected = expected.join(", ");
        prop_assert_eq!(allow, Some(expected.as_str()));
    } else {
        prop_assert!(!headers.contains_key("allow"));
    }

    // Connection: close on a 408.
    if kind == Kind::RequestTimeout {
        prop_assert_eq!(header(headers, "connection"), Some("close"));
    } else {
        prop_assert!(!headers.contains_key("connection"));
    }

    // Accept (and Accept-Post) on a 415 that names a valid media type.
    let types = spec.media_types();
    if types.is_empty() {
        prop_assert!(!headers.contains_key("accept"));
        prop_assert!(!headers.contains_key("accept-post"));
    } else {
        let accept = header(headers, "accept");
        let expected = types.join(", ");
        prop_assert_eq!(accept, Some(expected.as_str()));
        for range in accept.unwrap_or_default().split(',') {
            let essence = range.split(';').next().unwrap_or_default().trim();
            prop_assert!(
                essence
                    .split_once('/')
                    .is_some_and(|(t, s)| is_token(t) && is_token(s)),
                "not a media range in accept: {range:?}"
            );
        }
        if spec.accept_post() || cx.post {
            prop_assert_eq!(header(headers, "accept-post"), accept);
        } else {
            prop_assert!(!headers.contains_key("accept-post"));
        }
    }

    // Retry-After on every 429 and 503, and on a 413 that sets one.
    match spec.expected_retry_after(cx.default_retry) {
        None => prop_assert!(!headers.contains_key("retry-after")),
        Some(secs) => {
            let value = header(headers, "retry-after").unwrap_or_default();
            prop_assert!(
                (!value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()))
                    || httpdate::parse_http_date(value).is_ok(),
                "retry-after: {value:?}"
            );
            if let Some(secs) = secs {
                prop_assert_eq!(value, secs.to_string());
            }
        }
    }

    // The rate-limit fields of a 429 given a `RateLimit`.
    let names = [
        "x-ratelimit-limit",
        "x-ratelimit-remaining",
        "x-ratelimit-reset",
        "ratelimit",
        "ratelimit-policy",
    ];
    match spec.rate_limit() {
        None => {
            for name in names {
                prop_assert!(!headers.contains_key(name), "{name} without a rate limit");
            }
        }
        Some(l) => check_rate_limit_headers(l, headers)?,
    }
    Ok(())
}

fn check_rate_limit_headers(l: &RateLimitSpec, headers: &HeaderMap) -> Result<(), TestCaseError> {
    let remaining = l.remaining.min(l.limit);
    let (limit_text, remaining_text) = (l.limit.to_string(), remaining.to_string());
    prop_assert_eq!(
        header(headers, "x-ratelimit-limit"),
        Some(limit_text.as_str())
    );
    prop_assert_eq!(
        header(headers, "x-ratelimit-remaining"),
        Some(remaining_text.as_str())
    );
    let reset = header(headers, "x-ratelimit-reset").unwrap_or_default();
    prop_assert!(
        !reset.is_empty() && reset.bytes().all(|b| b.is_ascii_digit()),
        "x-ratelimit-reset: {reset:?}"
    );
    let policy_name: String = l
        .policy
        .as_deref()
        .unwrap_or("default")
        .chars()
        .filter(|&c| c == ' ' || c.is_ascii_graphic())
        .collect();
    for (name, expected_rest) in [
        (
            "ratelimit-policy",
            format!(";q={};w={}", l.limit, ceil_secs(l.window)),
        ),
        (
            "ratelimit",
            format!(";r={remaining};t={}", ceil_secs(l.reset_after)),
        ),
    ] {
        let value = header(headers, name).unwrap_or_default();
        let parsed = parse_sf_string(value);
        prop_assert_eq!(
            parsed,
            Some((policy_name.clone(), expected_rest.as_str())),
            "{}: {:?}",
            name,
            value
        );
    }
    Ok(())
}

/// Parses the body as JSON, then as `T`, and checks that `T` serialises back to the
/// same JSON value.
fn round_trip<T>(bytes: &[u8]) -> Result<(T, Value), TestCaseError>
where
    T: serde::de::DeserializeOwned + serde::Serialize,
{
    let value: Value = serde_json::from_slice(bytes)
        .map_err(|e| TestCaseError::fail(format!("body is not JSON ({e}): {bytes:?}")))?;
    let typed: T = serde_json::from_value(value.clone()).map_err(|e| {
        TestCaseError::fail(format!(
            "body does not deserialise into {} ({e}): {value}",
            std::any::type_name::<T>()
        ))
    })?;
    let again = serde_json::to_value(&typed).expect("serialises");
    prop_assert_eq!(&again, &value, "round trip changed the body");
    Ok((typed, value))
}

/// The `retryAfter` of the body agrees with the `Retry-After` header.
fn check_retry_after_body(
    headers: &HeaderMap,
    retry_after: Option<u64>,
) -> Result<(), TestCaseError> {
    match header(headers, "retry-after") {
        None => prop_assert_eq!(retry_after, None),
        Some(value) => {
            prop_assert!(
                retry_after.is_some(),
                "retry-after {value:?} but no retryAfter"
            );
            let body = retry_after.unwrap_or_default();
            if let Ok(secs) = value.parse::<u64>() {
                prop_assert_eq!(body, secs);
            } else {
                let at = httpdate::parse_http_date(value).map_err(|e| {
                    TestCaseError::fail(format!("retry-after {value:?} is no date: {e}"))
                })?;
                let now = SystemTime::now();
                let expected = at.duration_since(now).map_or(0, |d| d.as_secs());
                prop_assert!(
                    body.abs_diff(expected) <= 2,
                    "retryAfter {body} for {value:?} ({expected} s from now)"
                );
            }
        }
    }
    Ok(())
}

/// What the body must say of the error, in either format.
struct Said<'a> {
    status: StatusCode,
    code: &'a str,
    message: &'a str,
    request_id: Option<&'a str>,
}

fn check_error_body(body: &ErrorBody, said: &Said<'_>) -> Result<(), TestCaseError> {
    prop_assert_eq!(body.error.as_str(), reason_phrase(said.status));
    prop_assert_eq!(body.code.as_str(), said.code);
    prop_assert!(is_upper_snake(&body.code), "code {:?}", body.code);
    prop_assert_eq!(body.message.as_str(), said.message);
    prop_assert_eq!(body.request_id.as_deref(), said.request_id);
    Ok(())
}

fn check_problem(problem: &ProblemDetails, said: &Said<'_>) -> Result<(), TestCaseError> {
    prop_assert_eq!(problem.status, said.status.as_u16());
    prop_assert_eq!(problem.title.as_str(), reason_phrase(said.status));
    prop_assert_eq!(problem.code.as_str(), said.code);
    prop_assert!(is_upper_snake(&problem.code), "code {:?}", problem.code);
    prop_assert_eq!(problem.detail.as_str(), said.message);
    prop_assert_eq!(problem.request_id.as_deref(), said.request_id);
    Ok(())
}

async fn read_body(res: Response) -> (StatusCode, HeaderMap, bytes::Bytes) {
    let (parts, body) = res.into_parts();
    let bytes = axum::body::to_bytes(body, usize::MAX)
        .await
        .expect("an error body never fails");
    (parts.status, parts.headers, bytes)
}

// ---------------------------------------------------------------------------------
// 1. Without the layer
// ---------------------------------------------------------------------------------

const DEFAULT_RETRY: RetrySpec = RetrySpec::Secs(60);

fn check_without_layer(spec: &ErrorSpec) -> Result<(), TestCaseError> {
    let err = spec.build();
    let code = err.code().to_owned();
    let message = err.message().to_owned();
    let problem_bytes = err.to_bytes(ErrorFormat::Problem, Some("req-1"));
    let (status, headers, bytes) = block_on(read_body(err.into_response()));

    prop_assert_eq!(status.as_u16(), spec.expected_status());
    if spec.expected_status() < 500 {
        prop_assert!(status.is_client_error());
    } else {
        prop_assert!(status.is_server_error());
    }
    check_header_values(&headers, &[])?;
    prop_assert_eq!(header(&headers, "content-type"), Some("application/json"));
    let cx = Context {
        default_retry: &DEFAULT_RETRY,
        post: false,
    };
    check_required_headers(spec, &headers, &cx)?;

    let said = Said {
        status,
        code: &code,
        message: &message,
        request_id: None,
    };
    let (body, _) = round_trip::<ErrorBody>(&bytes)?;
    check_error_body(&body, &said)?;
    check_retry_after_body(&headers, body.retry_after)?;

    // A concealed 404 is a plain 404 on the wire.
    if spec.is_concealed() {
        let plain = block_on(read_body(ApiError::not_found().into_response())).2;
        prop_assert_eq!(&bytes, &plain);
    }

    let (problem, _) = round_trip::<ProblemDetails>(&problem_bytes)?;
    check_problem(
        &problem,
        &Said {
            request_id: Some("req-1"),
            ..said
        },
    )?;
    prop_assert_eq!(problem.retry_after, body.retry_after);
    prop_assert_eq!(problem.errors, body.details);
    Ok(())
}

proptest! {
    #![proptest_config(cheap())]

    /// Property 1: every error, built any way, is a well-formed response.
    #[test]
    fn into_response_is_well_formed(spec in api_error()) {
        check_without_layer(&spec)?;
    }

    /// Property 1, for `from_status` of every status code.
    #[test]
    fn from_status_gives_an_error_status(code in 100u16..=999) {
        let err = ApiError::from_status(StatusCode::from_u16(code).unwrap());
        let expected = if (400..=599).contains(&code) { code } else { 500 };
        prop_assert_eq!(err.status().as_u16(), expected);
        check_without_layer(&ErrorSpec { ctor: Ctor::FromStatus(code), setters: Vec::new() })?;
    }
}

// ---------------------------------------------------------------------------------
// 2. Through the layer
// ---------------------------------------------------------------------------------

/// How the layer is configured and placed.
#[derive(Debug, Clone)]
struct LayerSpec {
    /// Around the whole `Router` (else `Router::layer`).
    wrap_router: bool,
    problem_by_default: bool,
    challenge: Option<ChallengeSpec>,
    retry_after: Option<Duration>,
}

impl LayerSpec {
    fn build(&self) -> ApiErrorLayer {
        let mut layer = ApiErrorLayer::new();
        if self.problem_by_default {
            layer = layer.with_format(ErrorFormat::Problem);
        }
        if let Some(c) = &self.challenge {
            layer = layer.with_challenge(c.build());
        }
        if let Some(r) = self.retry_after {
            layer = layer.with_retry_after(r);
        }
        layer
    }

    fn default_retry(&self) -> RetrySpec {
        self.retry_after.map_or(DEFAULT_RETRY, RetrySpec::Delay)
    }

    fn default_format(&self) -> ErrorFormat {
        if self.problem_by_default {
            ErrorFormat::Problem
        } else {
            ErrorFormat::Json
        }
    }

    /// Sends `req` to `router`, with the layer placed as specified.
    async fn send(&self, router: Router, req: Request<Body>) -> Response {
        let layer = self.build();
        let res = if self.wrap_router {
            layer.layer(router).oneshot(req).await
        } else {
            router.layer(layer).oneshot(req).await
        };
        match res {
            Ok(res) => res,
            Err(never) => match never {},
        }
    }
}

fn layer_spec() -> impl Strategy<Value = LayerSpec> {
    (
        any::<bool>(),
        any::<bool>(),
        prop::option::of(challenge()),
        prop::option::of(duration()),
    )
        .prop_map(
            |(wrap_router, problem_by_default, challenge, retry_after)| LayerSpec {
                wrap_router,
                problem_by_default,
                challenge,
                retry_after,
            },
        )
}

/// A byte `HeaderValue::from_bytes` takes: visible ASCII, space, tab, obs-text.
fn header_byte() -> impl Strategy<Value = u8> {
    prop_oneof![
        4 => 0x20u8..0x7f,
        1 => 0x80u8..=0xff,
        1 => Just(b'\t'),
    ]
}

/// Incoming request ids: absent, safe, one too long, empty, or arbitrary bytes.
fn request_id() -> impl Strategy<Value = Option<Vec<u8>>> {
    prop_oneof![
        1 => Just(None),
        3 => "[A-Za-z0-9._:-]{1,128}".prop_map(|s| Some(s.into_bytes())),
        1 => Just(Some(vec![b'x'; 128])),
        1 => "[A-Za-z0-9._:-]{129,200}".prop_map(|s| Some(s.into_bytes())),
        1 => Just(Some(Vec::new())),
        3 => prop::collection::vec(header_byte(), 0..40).prop_map(Some),
        1 => arb_string().prop_map(|s| Some(s.into_bytes())),
    ]
}

/// Incoming `Accept`: absent, the usual values, or arbitrary bytes.
fn accept() -> impl Strategy<Value = Option<Vec<u8>>> {
    prop_oneof![
        1 => Just(None),
        3 => prop::sample::select(&[
            "application/json",
            "application/problem+json",
            "*/*",
            "",
            "text/html",
            "application/json;q=0.5, application/problem+json",
            "application/problem+json;q=0, */*",
            "application/*",
        ][..])
        .prop_map(|s| Some(s.as_bytes().to_vec())),
        2 => prop::collection::vec(header_byte(), 0..60).prop_map(Some),
        1 => arb_string().prop_map(|s| Some(s.into_bytes())),
    ]
}

/// The format an `Accept` value must get, where the answer is unambiguous.
fn expected_format(accept: Option<&[u8]>, default: ErrorFormat) -> Option<ErrorFormat> {
    match accept {
        None | Some(b"" | b"*/*" | b"text/html" | b"application/*") => Some(default),
        Some(b"application/json") => Some(ErrorFormat::Json),
        Some(b"application/problem+json" | b"application/json;q=0.5, application/problem+json") => {
            Some(ErrorFormat::Problem)
        }
        Some(b"application/problem+json;q=0, */*") => Some(ErrorFormat::Json),
        _ => None,
    }
}

fn is_safe_request_id(id: &[u8]) -> bool {
    (1..=128).contains(&id.len())
        && id
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b':' | b'-'))
}

fn request(
    method: Method,
    request_id: Option<&[u8]>,
    accept: Option<&[u8]>,
) -> (Request<Body>, Option<HeaderValue>, Option<HeaderValue>) {
    let mut req = Request::builder()
        .method(method)
        .uri("/e")
        .body(Body::empty())
        .expect("a request");
    let id = request_id.and_then(|b| HeaderValue::from_bytes(b).ok());
    let accept = accept.and_then(|b| HeaderValue::from_bytes(b).ok());
    if let Some(id) = &id {
        req.headers_mut().insert("x-request-id", id.clone());
    }
    if let Some(accept) = &accept {
        req.headers_mut().insert("accept", accept.clone());
    }
    (req, id, accept)
}

/// The response's request id: the incoming one when safe, else a fresh UUID v4.
fn check_request_id(
    headers: &HeaderMap,
    incoming: Option<&HeaderValue>,
) -> Result<String, TestCaseError> {
    let sent = header(headers, "x-request-id");
    prop_assert!(sent.is_some(), "no x-request-id");
    let sent = sent.unwrap_or_default().to_owned();
    match incoming {
        Some(id) if is_safe_request_id(id.as_bytes()) => {
            prop_assert_eq!(sent.as_bytes(), id.as_bytes());
        }
        _ => {
            let uuid = uuid::Uuid::try_parse(&sent);
            prop_assert!(uuid.is_ok(), "x-request-id {sent:?} is not a UUID");
            let uuid = uuid.expect("checked");
            prop_assert_eq!(uuid.get_version_num(), 4);
            prop_assert_eq!(uuid.hyphenated().to_string(), sent.clone());
            prop_assert!(incoming.is_none_or(|id| id.as_bytes() != sent.as_bytes()));
        }
    }
    Ok(sent)
}

/// Checks the body in the format its `Content-Type` names, and returns the parsed
/// JSON value.
fn check_negotiated_body(
    headers: &HeaderMap,
    bytes: &[u8],
    said: &Said<'_>,
    accept: Option<&HeaderValue>,
    default: ErrorFormat,
) -> Result<Value, TestCaseError> {
    let content_type = header(headers, "content-type");
    let format = match content_type {
        Some("application/json") => ErrorFormat::Json,
        Some("application/problem+json") => ErrorFormat::Problem,
        other => return Err(TestCaseError::fail(format!("content-type {other:?}"))),
    };
    if let Some(expected) = expected_format(accept.map(HeaderValue::as_bytes), default) {
        prop_assert_eq!(format, expected, "accept {:?}", accept);
    }
    let length = bytes.len().to_string();
    prop_assert_eq!(header(headers, "content-length"), Some(length.as_str()));
    let value = match format {
        ErrorFormat::Json => {
            let (body, value) = round_trip::<ErrorBody>(bytes)?;
            check_error_body(&body, said)?;
            check_retry_after_body(headers, body.retry_after)?;
            value
        }
        _ => {
            let (problem, value) = round_trip::<ProblemDetails>(bytes)?;
            check_problem(&problem, said)?;
            prop_assert_eq!(problem.instance.as_deref(), Some("/e"));
            check_retry_after_body(headers, problem.retry_after)?;
            value
        }
    };
    Ok(value)
}

fn methods_for_layer() -> impl Strategy<Value = Method> {
    prop::sample::select(
        &[
            Method::GET,
            Method::POST,
            Method::PUT,
            Method::DELETE,
            Method::PATCH,
        ][..],
    )
}

proptest! {
    #![proptest_config(layered())]

    /// Property 2: through the layer, with any request id and `Accept`.
    #[test]
    fn layer_response_is_well_formed(
        spec in api_error(),
        layer in layer_spec(),
        method in methods_for_layer(),
        id in request_id(),
        accept in accept(),
    ) {
        let (code, message) = {
            let err = spec.build();
            (err.code().to_owned(), err.message().to_owned())
        };
        let handler_spec = spec.clone();
        let router = Router::new().route("/e", any_method(move || {
            let spec = handler_spec.clone();
            async move { spec.build() }
        }));
        let post = method == Method::POST;
        let (req, id, accept) = request(method, id.as_deref(), accept.as_deref());
        let (status, headers, bytes) = block_on(async {
            read_body(layer.send(router, req).await).await
        });

        prop_assert_eq!(status.as_u16(), spec.expected_status());
        check_header_values(&headers, &["x-request-id", "content-length"])?;
        let default_retry = layer.default_retry();
        let cx = Context { default_retry: &default_retry, post };
        let mut spec_for_headers = spec.clone();
        if spec.kind() == Kind::Unauthorized && spec.challenge().is_none() {
            // The layer's default challenge, if configured, is what a bare 401 sends.
            if let Some(c) = &layer.challenge {
                spec_for_headers.setters.push(Setter::Challenge(c.clone()));
            }
        }
        check_required_headers(&spec_for_headers, &headers, &cx)?;
        let sent_id = check_request_id(&headers, id.as_ref())?;
        let said = Said { status, code: &code, message: &message, request_id: Some(&sent_id) };
        check_negotiated_body(&headers, &bytes, &said, accept.as_ref(), layer.default_format())?;
    }
}

// ---------------------------------------------------------------------------------
// 3. Secrets never reach a 5xx body
// ---------------------------------------------------------------------------------

/// Every secret starts with this, and nothing else the client sees does.
const SECRET_MARK: &str = "PROPSECRET";

/// Type names that must not reach the client either.
const SECRET_TYPES: &[&str] = &[
    "LeakyDebugError",
    "SecretChainLink",
    "WithSource",
    "properties::",
];

/// Silences the panics this file causes on purpose (their message holds
/// `SECRET_MARK`); every other panic is reported as usual.
fn quiet_secret_panics() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let payload = info.payload();
            let text = payload
                .downcast_ref::<String>()
                .map(String::as_str)
                .or_else(|| payload.downcast_ref::<&str>().copied())
                .unwrap_or_default();
            if !text.contains(SECRET_MARK) {
                default(info);
            }
        }));
    });
}

/// An error whose `Display` and `Debug` both print its secret.
struct LeakyDebugError {
    secret: String,
}

impl fmt::Debug for LeakyDebugError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "LeakyDebugError {{ secret: {:?} }}", self.secret)
    }
}

impl fmt::Display for LeakyDebugError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "connection failed, password={}", self.secret)
    }
}

impl StdError for LeakyDebugError {}

/// A link of a source chain, each with its own secret.
#[derive(Debug, thiserror::Error)]
#[error("link failed: {secret}")]
struct SecretChainLink {
    secret: String,
    #[source]
    next: Option<Box<Self>>,
}

fn chain(secrets: &[String]) -> Option<Box<SecretChainLink>> {
    let (first, rest) = secrets.split_first()?;
    Some(Box::new(SecretChainLink {
        secret: first.clone(),
        next: chain(rest),
    }))
}

/// Where the secret goes.
#[derive(Debug, Clone)]
enum SecretSpec {
    /// `ApiError::internal(secret)`.
    InternalStr(String),
    /// `ApiError::internal(io::Error::other(secret))`.
    InternalIo(String),
    /// `ApiError::internal(LeakyDebugError)`.
    InternalLeaky(String),
    /// `.caused_by(..)` a chain of `SecretChainLink`s, ending in a `LeakyDebugError`
    /// or not, on any 5xx.
    CausedBy {
        ctor: Ctor,
        secrets: Vec<String>,
        leaky_tail: bool,
    },
}

impl SecretSpec {
    fn build(&self, setters: &[Setter]) -> ApiError {
        let err = match self {
            Self::InternalStr(s) => ApiError::internal(s.clone()),
            Self::InternalIo(s) => ApiError::internal(std::io::Error::other(s.clone())),
            Self::InternalLeaky(s) => ApiError::internal(LeakyDebugError { secret: s.clone() }),
            Self::CausedBy { ctor, .. } => ErrorSpec {
                ctor: ctor.clone(),
                setters: Vec::new(),
            }
            .build(),
        };
        let err = apply_setters(err, setters);
        match self {
            Self::CausedBy {
                secrets,
                leaky_tail,
                ..
            } => {
                let (last, links) = secrets.split_last().expect("at least one secret");
                if *leaky_tail {
                    let leaky = LeakyDebugError {
                        secret: last.clone(),
                    };
                    match chain(links) {
                        // A chain whose last link's source is the leaky error: wrap
                        // it in an io::Error to link it.
                        Some(head) => {
                            err.caused_by(std::io::Error::other(WithSource { head, tail: leaky }))
                        }
                        None => err.caused_by(leaky),
                    }
                } else {
                    err.caused_by(*chain(secrets).expect("at least one secret"))
                }
            }
            _ => err,
        }
    }
}

/// A chain head with a leaky error as its source.
#[derive(Debug)]
struct WithSource {
    head: Box<SecretChainLink>,
    tail: LeakyDebugError,
}

impl fmt::Display for WithSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.head)
    }
}

impl StdError for WithSource {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        Some(&self.tail)
    }
}

/// A secret: the mark, a unique number, and hostile text.
fn secret() -> impl Strategy<Value = String> {
    (any::<u64>(), arb_string()).prop_map(|(n, tail)| format!("{SECRET_MARK}{n:016x}{tail}"))
}

fn server_error_ctor() -> impl Strategy<Value = Ctor> {
    prop_oneof![
        arb_string().prop_map(Ctor::Internal),
        Just(Ctor::NotImplemented),
        Just(Ctor::BadGateway),
        Just(Ctor::ServiceUnavailable),
        Just(Ctor::GatewayTimeout),
        (500u16..=599).prop_map(Ctor::FromStatus),
        prop_oneof![100u16..400, 600u16..=999].prop_map(Ctor::FromStatus),
    ]
}

fn secret_spec() -> impl Strategy<Value = SecretSpec> {
    prop_oneof![
        secret().prop_map(SecretSpec::InternalStr),
        secret().prop_map(SecretSpec::InternalIo),
        secret().prop_map(SecretSpec::InternalLeaky),
        (
            server_error_ctor(),
            prop::collection::vec(secret(), 1..4),
            any::<bool>()
        )
            .prop_map(|(ctor, secrets, leaky_tail)| SecretSpec::CausedBy {
                ctor,
                secrets,
                leaky_tail
            }),
    ]
}

/// Setters that carry no secret (and keep the source: no `caused_by`).
fn harmless_setters() -> impl Strategy<Value = Vec<Setter>> {
    prop::collection::vec(
        setter().prop_filter("keeps the secret source", |s| {
            !matches!(s, Setter::CausedBy(_))
        }),
        0..4,
    )
}

/// Neither the body nor a header holds a secret or a secret type's name.
fn check_no_secret(headers: &HeaderMap, body: &[u8]) -> Result<(), TestCaseError> {
    let body = String::from_utf8_lossy(body);
    prop_assert!(!body.contains(SECRET_MARK), "a secret in the body: {body}");
    for name in SECRET_TYPES {
        prop_assert!(!body.contains(name), "a type name in the body: {body}");
    }
    for (name, value) in headers {
        let value = String::from_utf8_lossy(value.as_bytes());
        prop_assert!(!value.contains(SECRET_MARK), "a secret in {name}: {value}");
        for ty in SECRET_TYPES {
            prop_assert!(!value.contains(ty), "a type name in {name}: {value}");
        }
    }
    Ok(())
}

/// The secret is really in the error's source chain or `Debug`, so that its absence
/// from the response means something.
fn check_secret_is_held(err: &ApiError) -> Result<(), TestCaseError> {
    let mut chain = String::new();
    let mut next = StdError::source(err);
    while let Some(e) = next {
        chain.push_str(&format!("{e} / {e:?} / "));
        next = e.source();
    }
    prop_assert!(chain.contains(SECRET_MARK), "no secret in the source chain");
    Ok(())
}

/// How the secret reaches the layer.
#[derive(Debug, Clone)]
enum Failure {
    /// The handler returns the error.
    Error(SecretSpec, Vec<Setter>),
    /// The handler's future panics with the secret.
    PanicInFuture(String),
    /// The service panics in `call` (wrapped directly, no `Router`).
    PanicInCall(String),
    /// The handler returns a 5xx `text/plain` body holding the secret.
    Text(u16, String),
}

fn failure() -> impl Strategy<Value = Failure> {
    prop_oneof![
        3 => (secret_spec(), harmless_setters()).prop_map(|(s, set)| Failure::Error(s, set)),
        1 => secret().prop_map(Failure::PanicInFuture),
        1 => secret().prop_map(Failure::PanicInCall),
        1 => (500u16..=599, secret()).prop_map(|(c, s)| Failure::Text(c, s)),
    ]
}

async fn send_failure(failure: &Failure, layer: &LayerSpec, req: Request<Body>) -> Response {
    match failure.clone() {
        Failure::Error(spec, setters) => {
            let router = Router::new().route(
                "/e",
                any_method(move || {
                    let err = spec.build(&setters);
                    async move { err }
                }),
            );
            layer.send(router, req).await
        }
        Failure::PanicInFuture(secret) => {
            let router = Router::new().route(
                "/e",
                any_method(move || {
                    let secret = secret.clone();
                    async move {
                        if !secret.is_empty() {
                            std::panic::panic_any(secret);
                        }
                        StatusCode::OK
                    }
                }),
            );
            layer.send(router, req).await
        }
        Failure::PanicInCall(secret) => {
            let service = tower::service_fn(move |_req: Request<Body>| {
                if !secret.is_empty() {
                    panic!("{secret}");
                }
                std::future::ready(Ok::<_, std::convert::Infallible>(Response::new(
                    Body::empty(),
                )))
            });
            match layer.build().layer(service).oneshot(req).await {
                Ok(res) => res,
                Err(never) => match never {},
            }
        }
        Failure::Text(code, secret) => {
            let router = Router::new().route(
                "/e",
                any_method(move || {
                    let secret = secret.clone();
                    async move { (StatusCode::from_u16(code).expect("5xx"), secret) }
                }),
            );
            layer.send(router, req).await
        }
    }
}

proptest! {
    #![proptest_config(cheap())]

    /// Property 3, without the layer: both formats of every 5xx with a secret source.
    #[test]
    fn server_error_bodies_hold_no_secret(spec in secret_spec(), setters in harmless_setters()) {
        let err = spec.build(&setters);
        prop_assert!(err.status().is_server_error());
        check_secret_is_held(&err)?;
        let problem = err.to_bytes(ErrorFormat::Problem, Some("req-1"));
        let json = err.to_bytes(ErrorFormat::Json, None);
        check_no_secret(&HeaderMap::new(), &problem)?;
        check_no_secret(&HeaderMap::new(), &json)?;
        let (status, headers, bytes) = block_on(read_body(err.into_response()));
        prop_assert!(status.is_server_error());
        check_no_secret(&headers, &bytes)?;
        round_trip::<ErrorBody>(&bytes)?;
    }
}

proptest! {
    #![proptest_config(layered())]

    /// Property 3, through the layer: errors, panics and replaced 5xx texts.
    #[test]
    fn layer_sends_no_secret(
        failure in failure(),
        layer in layer_spec(),
        method in methods_for_layer(),
        id in request_id(),
        accept in accept(),
    ) {
        quiet_secret_panics();
        if let Failure::Error(spec, setters) = &failure {
            check_secret_is_held(&spec.build(setters))?;
        }
        let (req, id, _) = request(method, id.as_deref(), accept.as_deref());
        let (status, headers, bytes) = block_on(async {
            read_body(send_failure(&failure, &layer, req).await).await
        });
        prop_assert!(status.is_server_error(), "status {}", status);
        if matches!(failure, Failure::PanicInFuture(_) | Failure::PanicInCall(_)) {
            prop_assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
        }
        if let Failure::Text(code, _) = failure {
            prop_assert_eq!(status.as_u16(), code);
        }
        check_no_secret(&headers, &bytes)?;
        check_header_values(&headers, &["x-request-id", "content-length"])?;
        let sent_id = check_request_id(&headers, id.as_ref())?;
        let value: Value = serde_json::from_slice(&bytes)
            .map_err(|e| TestCaseError::fail(format!("not JSON ({e})")))?;
        prop_assert_eq!(value["requestId"].as_str(), Some(sent_id.as_str()));
        match header(&headers, "content-type") {
            Some("application/json") => { round_trip::<ErrorBody>(&bytes)?; }
            Some("application/problem+json") => { round_trip::<ProblemDetails>(&bytes)?; }
            other => prop_assert!(false, "content-type {:?}", other),
        }
    }
}

// ---------------------------------------------------------------------------------
// 4. Header values built from arbitrary input
// ---------------------------------------------------------------------------------

fn check_visible_ascii(value: &HeaderValue) -> Result<(), TestCaseError> {
    prop_assert!(value.to_str().is_ok(), "not visible ASCII: {value:?}");
    prop_assert!(
        value
            .as_bytes()
            .iter()
            .all(|&b| b == b' ' || b.is_ascii_graphic()),
        "a control character: {value:?}"
    );
    Ok(())
}

proptest! {
    #![proptest_config(cheap())]

    /// Property 4: a challenge is visible ASCII and parses back into exactly the
    /// sanitised parameters, so no `"` ended a quoted string early.
    #[test]
    fn challenge_header_is_safe(spec in challenge()) {
        let c = spec.build();
        let value = c.to_header_value();
        check_visible_ascii(&value)?;
        let displayed = c.to_string();
        prop_assert_eq!(value.as_bytes(), displayed.as_bytes());
        let parsed = parse_challenge(value.to_str().unwrap_or_default());
        let expected = (spec.expected_scheme(), spec.expected_params());
        prop_assert_eq!(parsed.as_ref(), Some(&expected), "{:?}", value);
        for (name, v) in &expected.1 {
            prop_assert_eq!(c.get(name), Some(v.as_str()));
            // RFC 6750 §3: these Bearer values exclude `"` and `\` altogether.
            if c.scheme().eq_ignore_ascii_case("bearer")
                && ["error", "error_description", "scope"]
                    .iter()
                    .any(|p| p.eq_ignore_ascii_case(name))
            {
                prop_assert!(!v.contains(['"', '\\']), "{name}={v:?}");
            }
        }
    }

    /// Property 4: the five rate-limit fields are visible ASCII and parse back.
    #[test]
    fn rate_limit_headers_are_safe(spec in rate_limit()) {
        let mut headers = HeaderMap::new();
        spec.build().write_headers(&mut headers);
        prop_assert_eq!(headers.len(), 5);
        for value in headers.values() {
            check_visible_ascii(value)?;
        }
        check_rate_limit_headers(&spec, &headers)?;
    }

    /// Property 4: `Retry-After` is a positive number of seconds or an IMF-fixdate.
    #[test]
    fn retry_after_header_is_safe(spec in retry()) {
        let retry = spec.build();
        let value = retry.to_header_value();
        check_visible_ascii(&value)?;
        let text = value.to_str().unwrap_or_default();
        prop_assert_eq!(text, retry.to_string());
        match spec {
            RetrySpec::Delay(_) | RetrySpec::Secs(_) => {
                prop_assert_eq!(Some(text.to_owned()), spec.delay_secs().map(|s| s.to_string()));
            }
            RetrySpec::Date(secs) => {
                let at = httpdate::parse_http_date(text);
                prop_assert_eq!(at.ok(), Some(UNIX_EPOCH + Duration::from_secs(secs)));
            }
            RetrySpec::DateIn(_) => prop_assert!(httpdate::parse_http_date(text).is_ok()),
        }
    }
}

// ---------------------------------------------------------------------------------
// Bugs found: the same properties over inputs the strategies above leave out
// ---------------------------------------------------------------------------------

/// Runs `f`, turning a panic into a test failure with its message.
fn no_panic<T>(f: impl FnOnce() -> T) -> Result<T, TestCaseError> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).map_err(|panic| {
        let message = panic
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_owned()))
            .unwrap_or_default();
        TestCaseError::fail(format!("panicked: {message}"))
    })
}

proptest! {
    #![proptest_config(cheap())]

    /// `RetryAfter::delay` of any `Duration`, including `u64::MAX` seconds and a
    /// fraction (`Duration::MAX`), is a number of seconds no smaller than the delay, and
    /// `ApiError::rate_limited` of it a response.
    #[test]
    fn retry_after_of_any_duration_is_a_header_value(
        secs in prop_oneof![Just(u64::MAX), any::<u64>()],
        nanos in 0u32..1_000_000_000,
    ) {
        let d = Duration::new(secs, nanos);
        let value = no_panic(|| RetryAfter::delay(d).to_header_value())?;
        check_visible_ascii(&value)?;
        let sent: u64 = value.to_str().unwrap_or_default().parse().unwrap_or(0);
        prop_assert!(sent >= d.as_secs().max(1), "{:?} sent as {}", d, sent);
        let res = no_panic(|| ApiError::rate_limited(d).into_response())?;
        prop_assert!(res.headers().contains_key("retry-after"));
    }

    /// `RateLimit::new` takes any `reset_after`.
    #[test]
    fn rate_limit_of_any_reset_after_is_a_header_value(reset_secs in any::<u64>()) {
        let reset_after = Duration::from_secs(reset_secs);
        let mut headers = HeaderMap::new();
        no_panic(|| {
            RateLimit::new(5, 0, Duration::from_secs(60), reset_after).write_headers(&mut headers);
        })?;
        for value in headers.values() {
            check_visible_ascii(value)?;
        }
    }

    /// `RateLimit::new` takes any `window`.
    #[test]
    fn rate_limit_of_any_window_is_a_header_value(
        window_secs in prop_oneof![Just(u64::MAX), any::<u64>()],
        nanos in 0u32..1_000_000_000,
    ) {
        let window = Duration::new(window_secs, nanos);
        let mut headers = HeaderMap::new();
        no_panic(|| {
            RateLimit::new(5, 0, window, Duration::from_secs(1)).write_headers(&mut headers);
        })?;
        for value in headers.values() {
            check_visible_ascii(value)?;
        }
        let policy = header(&headers, "ratelimit-policy").unwrap_or_default();
        let w: u64 = policy.rsplit("w=").next().unwrap_or_default().parse().unwrap_or(0);
        prop_assert!(w >= window.as_secs(), "window {:?} sent as {:?}", window, policy);
    }

    /// `RetryAfter::date` of a time before the Unix epoch is a header value.
    #[test]
    fn retry_after_of_a_date_before_1970_is_a_header_value(secs in 1u64..1_000_000_000) {
        let at = UNIX_EPOCH - Duration::from_secs(secs);
        let value = no_panic(|| RetryAfter::date(at).to_header_value())?;
        check_visible_ascii(&value)?;
        let res = no_panic(|| ApiError::service_unavailable().with_retry_after(at).into_response())?;
        prop_assert!(res.headers().contains_key("retry-after"));
    }

    /// `RetryAfter::date` of a time from year 10000 on is a header value.
    #[test]
    fn retry_after_of_a_date_after_9999_is_a_header_value(
        secs in LAST_HTTP_DATE + 1..1 << 40,
    ) {
        let at = UNIX_EPOCH + Duration::from_secs(secs);
        let value = no_panic(|| RetryAfter::date(at).to_header_value())?;
        check_visible_ascii(&value)?;
        let res = no_panic(|| ApiError::rate_limited(at).into_response())?;
        prop_assert!(res.headers().contains_key("retry-after"));
    }
}
