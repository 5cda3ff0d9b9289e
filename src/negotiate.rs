//! Picks the error body's format from the request's `Accept` (RFC 9110 §12.5.1).
//!
//! Each of `application/json` and `application/problem+json` gets the quality of the
//! most specific media range that matches it (`application/problem+json` beats
//! `application/*` beats `*/*`); the higher quality wins. A tie (or an `Accept` that
//! names neither) goes to the configured default, unless one of the two was refused
//! outright (`;q=0`) and the other was not: the other wins then. Malformed ranges are skipped,
//! never an error, and the work is one pass over the header with no allocation, so
//! a hostile 8 KB `Accept` of 1,000 ranges costs microseconds.

use http::HeaderValue;

use crate::wire::ErrorFormat;

/// The format for a request whose `Accept` is `accept`.
pub(crate) fn negotiate(accept: Option<&HeaderValue>, default: ErrorFormat) -> ErrorFormat {
    // The usual values, without parsing.
    match accept.map(HeaderValue::as_bytes) {
        None | Some(b"*/*" | b"") => return default,
        Some(b"application/json") => return ErrorFormat::Json,
        Some(b"application/problem+json") => return ErrorFormat::Problem,
        Some(_) => {}
    }
    let Some(accept) = accept.and_then(|v| std::str::from_utf8(v.as_bytes()).ok()) else {
        return default;
    };
    // (specificity, quality) of the best match so far for each format.
    let mut json: Option<(u8, u16)> = None;
    let mut problem: Option<(u8, u16)> = None;
    for range in accept.split(',') {
        let mut parts = range.split(';');
        let media = parts.next().unwrap_or_default().trim();
        let Some((ty, sub)) = media.split_once('/') else {
            continue;
        };
        let quality = parts
            .filter_map(|p| p.trim().split_once('='))
            .find(|(k, _)| k.trim().eq_ignore_ascii_case("q"))
            .map_or(Some(1000), |(_, q)| parse_quality(q.trim()));
        let Some(quality) = quality else { continue };
        let specificity_for = |sub_wanted: &str| -> Option<u8> {
            match (ty, sub) {
                ("*", "*") => Some(0),
                (t, "*") if t.eq_ignore_ascii_case("application") => Some(1),
                (t, s)
                    if t.eq_ignore_ascii_case("application")
                        && s.eq_ignore_ascii_case(sub_wanted) =>
                {
                    Some(2)
                }
                _ => None,
            }
        };
        for (slot, sub_wanted) in [(&mut json, "json"), (&mut problem, "problem+json")] {
            if let Some(spec) = specificity_for(sub_wanted) {
                // The most specific range decides; among equals, the first one.
                if slot.is_none_or(|(s, _)| spec > s) {
                    *slot = Some((spec, quality));
                }
            }
        }
    }
    let q = |slot: Option<(u8, u16)>| slot.map_or(0, |(_, q)| q);
    let refused = |slot: Option<(u8, u16)>| slot.is_some_and(|(_, q)| q == 0);
    match q(problem).cmp(&q(json)) {
        std::cmp::Ordering::Greater => ErrorFormat::Problem,
        std::cmp::Ordering::Less => ErrorFormat::Json,
        // Neither acceptable: avoid the one refused outright (`;q=0`).
        std::cmp::Ordering::Equal if refused(problem) && !refused(json) => ErrorFormat::Json,
        std::cmp::Ordering::Equal if refused(json) && !refused(problem) => ErrorFormat::Problem,
        std::cmp::Ordering::Equal => default,
    }
}

/// RFC 9110 §12.4.2 `qvalue` in thousandths: `0`, `0.5`, `1.000`. Anything else is
/// malformed (`None`), and its range is skipped.
fn parse_quality(q: &str) -> Option<u16> {
    let (int, frac) = q.split_once('.').unwrap_or((q, ""));
    if frac.len() > 3 || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let thousandths = frac
        .bytes()
        .chain(std::iter::repeat(b'0'))
        .take(3)
        .fold(0u16, |acc, b| acc * 10 + u16::from(b - b'0'));
    match int {
        "0" => Some(thousandths),
        "1" if thousandths == 0 => Some(1000),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ErrorFormat::{Json, Problem};

    fn pick(accept: &str, default: ErrorFormat) -> ErrorFormat {
        negotiate(Some(&HeaderValue::from_str(accept).unwrap()), default)
    }

    #[test]
    fn explicit_types() {
        assert_eq!(pick("application/problem+json", Json), Problem);
        assert_eq!(pick("application/json", Problem), Json);
        assert_eq!(pick("APPLICATION/PROBLEM+JSON", Json), Problem);
    }

    #[test]
    fn q_values_rank() {
        assert_eq!(
            pick("application/json;q=0.5, application/problem+json", Json),
            Problem
        );
        assert_eq!(
            pick("application/json, application/problem+json;q=0.9", Problem),
            Json
        );
        assert_eq!(
            pick("application/problem+json;q=0.001, */*;q=0", Json),
            Problem
        );
        assert_eq!(pick("application/problem+json; q=0", Problem), Json);
    }

    #[test]
    fn ties_and_wildcards_go_to_the_default() {
        assert_eq!(pick("*/*", Json), Json);
        assert_eq!(pick("*/*", Problem), Problem);
        assert_eq!(pick("application/*", Problem), Problem);
        assert_eq!(
            pick("application/json, application/problem+json", Problem),
            Problem
        );
        assert_eq!(pick("text/html", Json), Json);
        assert_eq!(negotiate(None, Problem), Problem);
    }

    #[test]
    fn the_most_specific_range_decides() {
        // problem+json is excluded explicitly although application/* allows it.
        assert_eq!(
            pick("application/*, application/problem+json;q=0", Problem),
            Json
        );
        assert_eq!(pick("*/*;q=0.1, application/json;q=0.2", Problem), Json);
        assert_eq!(pick("application/json;q=0.2, */*;q=0.9", Json), Problem);
    }

    #[test]
    fn malformed_input_is_skipped_not_fatal() {
        assert_eq!(pick("application/problem+json;q=2", Json), Json);
        assert_eq!(pick("application/problem+json;q=abc", Json), Json);
        assert_eq!(pick("application/problem+json;q=0.0001", Json), Json);
        assert_eq!(pick(";;;,,,/,", Json), Json);
        assert_eq!(pick("", Problem), Problem);
        let huge = "text/html;q=0.1, ".repeat(1_000) + "application/problem+json";
        assert_eq!(pick(&huge, Json), Problem);
        let non_utf8 = HeaderValue::from_bytes(b"application/\xffproblem+json").unwrap();
        assert_eq!(negotiate(Some(&non_utf8), Json), Json);
    }

    #[test]
    fn quality_values() {
        assert_eq!(parse_quality("1"), Some(1000));
        assert_eq!(parse_quality("1.000"), Some(1000));
        assert_eq!(parse_quality("0.5"), Some(500));
        assert_eq!(parse_quality("0.05"), Some(50));
        assert_eq!(parse_quality("0"), Some(0));
        assert_eq!(parse_quality("1.5"), None);
        assert_eq!(parse_quality(""), None);
        assert_eq!(parse_quality("-0"), None);
    }
}
