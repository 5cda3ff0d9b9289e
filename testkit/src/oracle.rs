//! The grammar the crate promises, written a second time and independently of its
//! `src/`: the property tests and the fuzz targets compare what the crate sends with
//! what these functions say it must send. Nothing here calls the crate.
//!
//! Each function follows the text of its RFC rather than the crate's code, so that a
//! bug in one is not copied into the other.

use std::time::Duration;

use http::{header::VARY, HeaderMap, HeaderValue};

/// The longest request id the crate accepts (its documented rule).
pub const MAX_REQUEST_ID_LEN: usize = 128;

/// RFC 9110 §5.6.2 `tchar`.
#[must_use]
pub fn is_tchar(c: char) -> bool {
    c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c)
}

/// RFC 9110 §5.6.2 `token`: one or more `tchar`.
#[must_use]
pub fn is_token(s: &str) -> bool {
    !s.is_empty() && s.chars().all(is_tchar)
}

/// Whole seconds, rounded up.
#[must_use]
pub fn ceil_secs(d: Duration) -> u64 {
    d.as_secs() + u64::from(d.subsec_nanos() > 0)
}

/// `UPPER_SNAKE_CASE`: words of capitals and digits joined by single underscores.
#[must_use]
pub fn is_upper_snake(s: &str) -> bool {
    !s.is_empty()
        && s.split('_').all(|w| {
            !w.is_empty()
                && w.bytes()
                    .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
        })
}

/// The documented request id rule: 1 to 128 bytes of `[A-Za-z0-9._:-]`.
#[must_use]
pub fn is_safe_request_id(id: &[u8]) -> bool {
    (1..=MAX_REQUEST_ID_LEN).contains(&id.len())
        && id.iter().all(
            |&b| matches!(b, b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'.' | b'_' | b':' | b'-'),
        )
}

/// Whether `id` is a lower-case hyphenated UUID (any version).
#[must_use]
pub fn is_uuid(id: &str) -> bool {
    id.len() == 36
        && id.char_indices().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => c == '-',
            _ => c.is_ascii_digit() || ('a'..='f').contains(&c),
        })
}

/// Whether `id` is a lower-case hyphenated UUID v4 of the RFC 9562 variant, the
/// shape of an id the crate generates.
#[must_use]
pub fn is_uuid_v4(id: &[u8]) -> bool {
    std::str::from_utf8(id).is_ok_and(is_uuid) && id[14] == b'4' && b"89ab".contains(&id[19])
}

/// Whether `Vary` names `Accept` (or `*`).
#[must_use]
pub fn varies_on_accept(headers: &HeaderMap) -> bool {
    headers.get_all(VARY).iter().any(|v| {
        v.as_bytes().split(|&b| b == b',').any(|name| {
            let name = name.trim_ascii();
            name == b"*" || name.eq_ignore_ascii_case(b"accept")
        })
    })
}

// ---------------------------------------------------------------------------------
// Media types
// ---------------------------------------------------------------------------------

/// The form in which a media type given to `ApiError::unsupported_media_type` must be
/// sent in `Accept` / `Accept-Post`, or `None` when it must be left out.
///
/// RFC 9110 §8.3.1 and §5.6.6:
///
/// ```text
/// media-type = type "/" subtype parameters
/// parameters = *( OWS ";" OWS [ parameter ] )
/// parameter  = token "=" ( token / quoted-string )
/// ```
///
/// with OWS (spaces and tabs) around the whole, as around any list element (§5.6.1).
/// The form sent has no surrounding OWS, no empty parameters, and `"; "` before each
/// parameter; quoted strings stay as written. Anything outside that grammar
/// (control characters, non-ASCII text, a missing subtype, a parameter without a
/// value) is left out.
#[must_use]
pub fn normalised_media_type(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let is_ows = |b: u8| b == b' ' || b == b'\t';
    let is_tchar_byte = |b: u8| b.is_ascii() && is_tchar(char::from(b));
    // A run of tchar bytes from `i`: its end.
    let token_end = |mut i: usize| {
        while i < bytes.len() && is_tchar_byte(bytes[i]) {
            i += 1;
        }
        i
    };
    let skip_ows = |mut i: usize| {
        while i < bytes.len() && is_ows(bytes[i]) {
            i += 1;
        }
        i
    };

    let mut i = skip_ows(0);
    let type_end = token_end(i);
    if type_end == i || bytes.get(type_end) != Some(&b'/') {
        return None;
    }
    let sub_end = token_end(type_end + 1);
    if sub_end == type_end + 1 {
        return None;
    }
    let mut out = text[i..sub_end].to_owned();
    i = sub_end;
    loop {
        i = skip_ows(i);
        if i == bytes.len() {
            return Some(out);
        }
        if bytes[i] != b';' {
            return None;
        }
        i = skip_ows(i + 1);
        if i == bytes.len() || bytes[i] == b';' {
            // An empty parameter: allowed, and dropped.
            continue;
        }
        let name_end = token_end(i);
        if name_end == i || bytes.get(name_end) != Some(&b'=') {
            return None;
        }
        let value_start = name_end + 1;
        let value_end = if bytes.get(value_start) == Some(&b'"') {
            quoted_string_end(bytes, value_start)?
        } else {
            token_end(value_start)
        };
        if value_end == value_start {
            return None;
        }
        out.push_str("; ");
        out.push_str(&text[i..value_end]);
        i = value_end;
    }
}

/// RFC 9110 §5.6.4: the end of the quoted string that opens at `start`, ASCII only.
fn quoted_string_end(bytes: &[u8], start: usize) -> Option<usize> {
    let mut i = start + 1;
    loop {
        match *bytes.get(i)? {
            b'"' => return Some(i + 1),
            // quoted-pair = "\" ( HTAB / SP / VCHAR )
            b'\\' => match *bytes.get(i + 1)? {
                b'\t' | b' '..=b'~' => i += 2,
                _ => return None,
            },
            // qdtext = HTAB / SP / %x21 / %x23-5B / %x5D-7E
            b'\t' | b' ' | b'!' | b'#'..=b'[' | b']'..=b'~' => i += 1,
            _ => return None,
        }
    }
}

// ---------------------------------------------------------------------------------
// Challenges and structured fields
// ---------------------------------------------------------------------------------

/// Parses `scheme [SP name="value" *(", " name="value")]`, unescaping the quoted
/// strings. `None` when the value does not have that shape (an unescaped `"` in a
/// value ends it early and breaks the shape, or forges a parameter that the caller
/// then finds by comparing the lists).
#[must_use]
pub fn parse_challenge(s: &str) -> Option<(String, Vec<(String, String)>)> {
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
#[must_use]
pub fn parse_sf_string(s: &str) -> Option<(String, &str)> {
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
// Accept negotiation
// ---------------------------------------------------------------------------------

/// The two formats of an error body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// `application/json`.
    Json,
    /// `application/problem+json` (RFC 9457).
    Problem,
}

/// The format `Accept` selects, as the crate documents it (RFC 9110 §12.5.1): each
/// format gets the quality of the most specific media range that matches it (the
/// first among equals); the higher quality wins; on a tie the one refused outright
/// (`q=0`) loses to one not named, else the default wins. Malformed ranges are
/// skipped; a header that is not UTF-8 is ignored.
#[must_use]
pub fn expected_format(accept: Option<&HeaderValue>, default: Format) -> Format {
    let Some(accept) = accept.and_then(|v| std::str::from_utf8(v.as_bytes()).ok()) else {
        return default;
    };
    // (specificity, quality in thousandths) for json, problem+json.
    let mut best: [Option<(u8, u16)>; 2] = [None, None];
    for element in accept.split(',') {
        let mut pieces = element.split(';');
        let range = pieces.next().unwrap_or_default().trim();
        let Some((ty, sub)) = range.split_once('/') else {
            continue;
        };
        let q_param = pieces
            .filter_map(|p| p.trim().split_once('='))
            .find(|(name, _)| name.trim().eq_ignore_ascii_case("q"));
        let quality = match q_param {
            None => 1000,
            Some((_, value)) => match qvalue(value.trim()) {
                Some(q) => q,
                None => continue,
            },
        };
        for (slot, wanted) in best.iter_mut().zip(["json", "problem+json"]) {
            let application = ty.eq_ignore_ascii_case("application");
            let specificity = if ty == "*" && sub == "*" {
                0
            } else if application && sub == "*" {
                1
            } else if application && sub.eq_ignore_ascii_case(wanted) {
                2
            } else {
                continue;
            };
            if slot.is_none_or(|(s, _)| specificity > s) {
                *slot = Some((specificity, quality));
            }
        }
    }
    let quality = |slot: Option<(u8, u16)>| slot.map_or(0, |(_, q)| q);
    let refused = |slot: Option<(u8, u16)>| slot.is_some_and(|(_, q)| q == 0);
    let [json, problem] = best;
    let (json_q, problem_q) = (quality(json), quality(problem));
    if problem_q > json_q || (problem_q == json_q && refused(json) && !refused(problem)) {
        Format::Problem
    } else if json_q > problem_q || (refused(problem) && !refused(json)) {
        Format::Json
    } else {
        default
    }
}

/// RFC 9110 §12.4.2: `qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] )`.
fn qvalue(text: &str) -> Option<u16> {
    let bytes = text.as_bytes();
    let (&first, rest) = bytes.split_first()?;
    let decimals = match rest {
        [] => &[][..],
        [b'.', decimals @ ..] if decimals.len() <= 3 => decimals,
        _ => return None,
    };
    match first {
        b'0' if decimals.iter().all(u8::is_ascii_digit) => {
            let mut value = 0;
            for i in 0..3 {
                value = value * 10 + decimals.get(i).map_or(0, |d| u16::from(d - b'0'));
            }
            Some(value)
        }
        b'1' if decimals.iter().all(|&d| d == b'0') => Some(1000),
        _ => None,
    }
}

/// The trace id (32 hex digits) and the flags of a `traceparent` value, if W3C Trace
/// Context Level 1 calls it valid, read field by field from the dashes (an
/// implementation of its own, not the crate's): version two lower-case hex digits
/// but `ff`; version `00` exactly four fields; a later version at least four, the
/// fourth exactly two digits; trace id 32 and parent id 16 lower-case hex digits,
/// neither all zero.
#[must_use]
pub fn traceparent(value: &[u8]) -> Option<(String, String, u8)> {
    // Only HTTP's optional whitespace (SP, HTAB) around the value is not part of it.
    let start = value.iter().position(|b| !matches!(b, b' ' | b'\t'))?;
    let end = value.iter().rposition(|b| !matches!(b, b' ' | b'\t'))? + 1;
    let fields: Vec<&[u8]> = value[start..end].split(|&b| b == b'-').collect();
    let lower_hex = |s: &[u8], len: usize| {
        s.len() == len
            && s.iter()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(b))
    };
    let version = *fields.first()?;
    if !lower_hex(version, 2) || version == b"ff" {
        return None;
    }
    if version == b"00" && fields.len() != 4 {
        return None;
    }
    if fields.len() < 4 {
        return None;
    }
    let (trace, parent, flags) = (fields[1], fields[2], fields[3]);
    if !lower_hex(trace, 32) || !lower_hex(parent, 16) || !lower_hex(flags, 2) {
        return None;
    }
    if trace.iter().all(|&b| b == b'0') || parent.iter().all(|&b| b == b'0') {
        return None;
    }
    let text = |s: &[u8]| String::from_utf8_lossy(s).into_owned();
    let flags = u8::from_str_radix(&text(flags), 16).ok()?;
    Some((text(trace), text(parent), flags))
}

/// Whether `id` is a valid W3C trace id as text: 32 lower-case hex digits, not all
/// zero.
#[must_use]
pub fn is_trace_id(id: &str) -> bool {
    id.len() == 32
        && id
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        && id.bytes().any(|b| b != b'0')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn media_types_by_the_grammar() {
        let cases: &[(&str, Option<&str>)] = &[
            ("application/json", Some("application/json")),
            ("  application/json\t", Some("application/json")),
            (
                "text/plain; charset=utf-8",
                Some("text/plain; charset=utf-8"),
            ),
            (
                "text/plain;charset=utf-8",
                Some("text/plain; charset=utf-8"),
            ),
            (
                "text/plain ;  charset=utf-8 ",
                Some("text/plain; charset=utf-8"),
            ),
            ("#/#; ", Some("#/#")),
            ("a/b;;c=d;", Some("a/b; c=d")),
            (r#"a/b; c="x, \"y\"""#, Some(r#"a/b; c="x, \"y\"""#)),
            ("*/*", Some("*/*")),
            ("|/0;\r", None),
            ("a/b\u{85}", None),
            ("a/b c", None),
            ("a/b; c", None),
            ("a/b; c=", None),
            ("a/b; c=\"open", None),
            ("a/b; c=é", None),
            ("json", None),
            ("/json", None),
            ("a/", None),
            ("application/json, text/html", None),
            ("", None),
        ];
        for (input, expected) in cases {
            assert_eq!(
                normalised_media_type(input).as_deref(),
                *expected,
                "{input:?}"
            );
        }
    }

    #[test]
    fn request_ids_and_uuids() {
        assert!(is_safe_request_id(b"req-1.a_b:c"));
        assert!(!is_safe_request_id(b""));
        assert!(!is_safe_request_id(b"a b"));
        assert!(!is_safe_request_id(&[b'a'; 129]));
        assert!(is_uuid_v4(b"17e67e61-1199-43e0-aa89-33a4f0773990"));
        assert!(!is_uuid_v4(b"17e67e61-1199-13e0-aa89-33a4f0773990"));
        assert!(!is_uuid_v4(b"17E67E61-1199-43E0-AA89-33A4F0773990"));
    }

    #[test]
    fn negotiation() {
        let v = |s: &'static str| HeaderValue::from_static(s);
        let json = Format::Json;
        assert_eq!(expected_format(None, json), json);
        assert_eq!(
            expected_format(Some(&v("application/problem+json")), json),
            Format::Problem
        );
        assert_eq!(
            expected_format(
                Some(&v("application/problem+json;q=0, */*")),
                Format::Problem
            ),
            json
        );
    }
}
