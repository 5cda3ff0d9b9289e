//! Strategies for `ApiError`: a constructor and setters, and what the response
//! must be for them.

use super::*;

/// How an error is constructed: one entry per constructor.
#[derive(Debug, Clone)]
pub(crate) enum Ctor {
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
pub(crate) enum Setter {
    Message(String),
    Code(String),
    Docs(String),
    Field(String),
    FieldError(String, String, String),
    Source(String),
    Challenge(ChallengeSpec),
    RetryAfter(RetrySpec),
    RateLimit(RateLimitSpec),
    AcceptPost,
}

/// A recipe for an `ApiError`, which is not `Clone`: built again wherever needed.
#[derive(Debug, Clone)]
pub(crate) struct ErrorSpec {
    pub(crate) ctor: Ctor,
    pub(crate) setters: Vec<Setter>,
}

/// What an error is, as far as the headers go: the variant `from_status` picks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
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
    pub(crate) fn build(&self) -> ApiError {
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
    pub(crate) fn expected_status(&self) -> u16 {
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

    pub(crate) fn kind(&self) -> Kind {
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

    pub(crate) fn is_concealed(&self) -> bool {
        matches!(self.ctor, Ctor::ConcealedNotFound)
    }

    /// The challenge sent, if the error sets one (a 401 without one gets the default).
    pub(crate) fn challenge(&self) -> Option<&ChallengeSpec> {
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
    pub(crate) fn rate_limit(&self) -> Option<&RateLimitSpec> {
        if self.kind() != Kind::RateLimited {
            return None;
        }
        self.setters.iter().rev().find_map(|s| match s {
            Setter::RateLimit(l) => Some(l),
            _ => None,
        })
    }

    /// The media types a 415 must list, in the form they must be sent: the
    /// oracle's reading of each given type, those it refuses left out.
    pub(crate) fn media_types(&self) -> Vec<String> {
        match &self.ctor {
            Ctor::UnsupportedMediaType(types) => types
                .iter()
                .filter_map(|t| normalised_media_type(t))
                .collect(),
            _ => Vec::new(),
        }
    }

    pub(crate) fn accept_post(&self) -> bool {
        self.kind() == Kind::UnsupportedMediaType
            && self.setters.iter().any(|s| matches!(s, Setter::AcceptPost))
    }

    /// `None` when no `Retry-After` may be sent; else `Some(secs)` with the seconds
    /// when they do not depend on the clock.
    pub(crate) fn expected_retry_after(&self, default: &RetrySpec) -> Option<Option<u64>> {
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

pub(crate) fn ctor() -> impl Strategy<Value = Ctor> {
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

pub(crate) fn setter() -> impl Strategy<Value = Setter> {
    prop_oneof![
        3 => arb_string().prop_map(Setter::Message),
        3 => prop_oneof![arb_string(), token()].prop_map(Setter::Code),
        2 => arb_string().prop_map(Setter::Docs),
        2 => arb_string().prop_map(Setter::Field),
        2 => (arb_string(), arb_string(), arb_string())
            .prop_map(|(f, m, c)| Setter::FieldError(f, m, c)),
        1 => arb_string().prop_map(Setter::Source),
        2 => challenge().prop_map(Setter::Challenge),
        2 => retry().prop_map(Setter::RetryAfter),
        2 => rate_limit().prop_map(Setter::RateLimit),
        1 => Just(Setter::AcceptPost),
    ]
}

pub(crate) fn api_error() -> impl Strategy<Value = ErrorSpec> {
    (ctor(), prop::collection::vec(setter(), 0..6))
        .prop_map(|(ctor, setters)| ErrorSpec { ctor, setters })
}

pub(crate) fn apply_setters(err: ApiError, setters: &[Setter]) -> ApiError {
    setters.iter().fold(err, |err, s| match s {
        Setter::Message(m) => err.with_message(m.clone()),
        Setter::Code(c) => err.with_code(c.clone()),
        Setter::Docs(d) => err.with_docs(d.clone()),
        Setter::Field(f) => err.add_field(f.clone()),
        Setter::FieldError(f, m, c) => err.add_field_error(f.clone(), m.clone(), c.clone()),
        Setter::Source(s) => err.with_source(s.clone()),
        Setter::Challenge(c) => err.with_challenge(c.build()),
        Setter::RetryAfter(r) => err.with_retry_after(r.build()),
        Setter::RateLimit(l) => err.with_rate_limit(l.build()),
        Setter::AcceptPost => err.with_accept_post(),
    })
}
