//! Checks shared by the properties.

use super::*;

/// The headers an error response may carry; any other one was injected.
pub(crate) const KNOWN_HEADERS: &[&str] = &[
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
pub(crate) fn check_header_values(
    headers: &HeaderMap,
    extra: &[&str],
) -> Result<(), TestCaseError> {
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

pub(crate) fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// What a check needs to know beyond the error itself.
pub(crate) struct Context<'a> {
    /// `Retry-After` of a 429 or 503 that sets none.
    pub(crate) default_retry: &'a RetrySpec,
    /// Through the layer, for a POST: a 415's `Accept` is sent as `Accept-Post` too.
    pub(crate) post: bool,
}

/// The headers the error's status and setters require, and nothing they forbid.
pub(crate) fn check_required_headers(
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

    // Accept (and Accept-Post) on a 415 given at least one valid media type.
    let types = spec.media_types();
    if types.is_empty() {
        prop_assert!(!headers.contains_key("accept"));
        prop_assert!(!headers.contains_key("accept-post"));
    } else {
        let accept = header(headers, "accept");
        let expected = types.join(", ");
        prop_assert_eq!(accept, Some(expected.as_str()));
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

pub(crate) fn check_rate_limit_headers(
    l: &RateLimitSpec,
    headers: &HeaderMap,
) -> Result<(), TestCaseError> {
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
pub(crate) fn round_trip<T>(bytes: &[u8]) -> Result<(T, Value), TestCaseError>
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
pub(crate) fn check_retry_after_body(
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
pub(crate) struct Said<'a> {
    pub(crate) status: StatusCode,
    pub(crate) code: &'a str,
    pub(crate) message: &'a str,
    pub(crate) request_id: Option<&'a str>,
}

pub(crate) fn check_error_body(
    body: &ErrorBody<'static>,
    said: &Said<'_>,
) -> Result<(), TestCaseError> {
    prop_assert_eq!(&*body.error, reason_phrase(said.status));
    prop_assert_eq!(&*body.code, said.code);
    prop_assert!(is_upper_snake(&body.code), "code {:?}", body.code);
    prop_assert_eq!(&*body.message, said.message);
    prop_assert_eq!(body.request_id.as_deref(), said.request_id);
    Ok(())
}

pub(crate) fn check_problem(
    problem: &ProblemDetails<'static>,
    said: &Said<'_>,
) -> Result<(), TestCaseError> {
    prop_assert_eq!(problem.status, said.status.as_u16());
    prop_assert_eq!(&*problem.title, reason_phrase(said.status));
    prop_assert_eq!(&*problem.code, said.code);
    prop_assert!(is_upper_snake(&problem.code), "code {:?}", problem.code);
    prop_assert_eq!(&*problem.detail, said.message);
    prop_assert_eq!(problem.request_id.as_deref(), said.request_id);
    Ok(())
}

pub(crate) async fn read_body(res: Response) -> (StatusCode, HeaderMap, bytes::Bytes) {
    let (parts, body) = res.into_parts();
    let bytes = axum::body::to_bytes(body, usize::MAX)
        .await
        .expect("an error body never fails");
    (parts.status, parts.headers, bytes)
}
