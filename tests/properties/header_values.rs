//! Property 4: header values built from arbitrary input, and the bugs found at
//! the extremes of time.

use super::*;

pub(crate) fn check_visible_ascii(value: &HeaderValue) -> Result<(), TestCaseError> {
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
            prop_assert_eq!(c.param(name), Some(v.as_str()));
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
pub(crate) fn no_panic<T>(f: impl FnOnce() -> T) -> Result<T, TestCaseError> {
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
