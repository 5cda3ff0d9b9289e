//! Strategies for durations, retry times, rate limits and challenges, each with
//! the value the crate must send for it.

use super::*;

/// Durations from zero to huge, without those of `u64::MAX` whole seconds and a
/// fraction (see `retry_after_of_any_duration_is_a_header_value`).
pub(crate) fn duration() -> impl Strategy<Value = Duration> {
    prop_oneof![
        2 => Just(Duration::ZERO),
        6 => (0u64..100_000, 0u32..1_000_000_000).prop_map(|(s, n)| Duration::new(s, n)),
        2 => (0u64..u64::MAX, 0u32..1_000_000_000).prop_map(|(s, n)| Duration::new(s, n)),
        1 => Just(Duration::from_secs(u64::MAX)),
    ]
}

/// Durations that can be added to `SystemTime::now()` (see
/// `rate_limit_of_any_duration_is_a_header_value`).
pub(crate) fn reset_duration() -> impl Strategy<Value = Duration> {
    prop_oneof![
        2 => Just(Duration::ZERO),
        6 => (0u64..100_000, 0u32..1_000_000_000).prop_map(|(s, n)| Duration::new(s, n)),
        1 => (0u64..1 << 60, 0u32..1_000_000_000).prop_map(|(s, n)| Duration::new(s, n)),
    ]
}

/// Every date httpdate can format: 1970 to 9999.
pub(crate) const LAST_HTTP_DATE: u64 = 253_402_300_799;

#[derive(Debug, Clone)]
pub(crate) enum RetrySpec {
    Delay(Duration),
    Secs(u64),
    /// Seconds since the Unix epoch.
    Date(u64),
    /// Seconds from now.
    DateIn(u32),
}

impl RetrySpec {
    pub(crate) fn build(&self) -> RetryAfter {
        match *self {
            Self::Delay(d) => RetryAfter::delay(d),
            Self::Secs(s) => RetryAfter::secs(s),
            Self::Date(s) => RetryAfter::date(UNIX_EPOCH + Duration::from_secs(s)),
            Self::DateIn(s) => RetryAfter::date(SystemTime::now() + Duration::from_secs(s.into())),
        }
    }

    /// The seconds sent, where they do not depend on the clock.
    pub(crate) fn delay_secs(&self) -> Option<u64> {
        match *self {
            Self::Delay(d) => Some(ceil_secs(d).max(1)),
            Self::Secs(s) => Some(s.max(1)),
            Self::Date(_) | Self::DateIn(_) => None,
        }
    }
}

pub(crate) fn retry() -> impl Strategy<Value = RetrySpec> {
    prop_oneof![
        4 => duration().prop_map(RetrySpec::Delay),
        2 => prop_oneof![0u64..1000, any::<u64>()].prop_map(RetrySpec::Secs),
        1 => (0..=LAST_HTTP_DATE).prop_map(RetrySpec::Date),
        1 => any::<u32>().prop_map(RetrySpec::DateIn),
    ]
}

#[derive(Debug, Clone)]
pub(crate) struct RateLimitSpec {
    pub(crate) limit: u64,
    pub(crate) remaining: u64,
    pub(crate) window: Duration,
    pub(crate) reset_after: Duration,
    pub(crate) policy: Option<String>,
}

impl RateLimitSpec {
    pub(crate) fn build(&self) -> RateLimit {
        let limit = RateLimit::new(self.limit, self.remaining, self.window, self.reset_after);
        match &self.policy {
            Some(policy) => limit.with_policy(policy),
            None => limit,
        }
    }
}

pub(crate) fn count() -> impl Strategy<Value = u64> {
    prop_oneof![3 => 0u64..10, 1 => any::<u64>()]
}

pub(crate) fn rate_limit() -> impl Strategy<Value = RateLimitSpec> {
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
pub(crate) enum ChallengeSpec {
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

pub(crate) const BEARER_ERRORS: [BearerError; 3] = [
    BearerError::InvalidRequest,
    BearerError::InvalidToken,
    BearerError::InsufficientScope,
];

impl ChallengeSpec {
    pub(crate) fn build(&self) -> Challenge {
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
                    c = c.with_realm(realm);
                }
                if let Some(e) = error {
                    c = c.with_error(BEARER_ERRORS[usize::from(*e) % 3]);
                }
                if let Some(d) = description {
                    c = c.with_error_description(d);
                }
                if let Some(scope) = scope {
                    c = c.with_scope(scope);
                }
                params
                    .iter()
                    .fold(c, |c, (n, v)| c.with_param(n.clone(), v.as_str()))
            }
            Self::Custom { scheme, params } => {
                let c = Challenge::new(scheme.clone()).unwrap_or_else(|_| Challenge::bearer());
                params
                    .iter()
                    .fold(c, |c, (n, v)| c.with_param(n.clone(), v.as_str()))
            }
        }
    }

    /// The scheme sent: an independent oracle.
    pub(crate) fn expected_scheme(&self) -> String {
        match self {
            Self::Custom { scheme, .. } if is_token(scheme) => scheme.clone(),
            _ => "Bearer".to_owned(),
        }
    }

    /// The parameters sent, in order, sanitised: an independent oracle.
    pub(crate) fn expected_params(&self) -> Vec<(String, String)> {
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

pub(crate) fn param_name() -> impl Strategy<Value = String> {
    prop_oneof![
        2 => prop::sample::select(
            &["realm", "error", "error_description", "scope", "Scope", "ERROR", "charset"][..]
        )
        .prop_map(str::to_owned),
        2 => token(),
        1 => arb_string(),
    ]
}

pub(crate) fn params() -> impl Strategy<Value = Vec<(String, String)>> {
    prop::collection::vec((param_name(), arb_string()), 0..4)
}

pub(crate) fn challenge() -> impl Strategy<Value = ChallengeSpec> {
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
