//! Strategies for strings, tokens, media types and methods.

use super::*;

/// Characters that break headers, JSON, logs or naive parsers.
pub(crate) const NASTY_CHARS: &[char] = &[
    '\r', '\n', '\0', '\t', '\x7f', '\x1b', '\x0b', '\x0c', '"', '\\', '\'', ' ', ',', ';', '=',
    '/', ':', '<', '&', 'a', 'Z', '0', '-', '_', '.', 'é', 'ß', '😀', '\u{85}', '\u{2028}',
    '\u{200f}', '\u{202e}', '\u{feff}', '\u{fffd}',
];

pub(crate) fn nasty_char() -> impl Strategy<Value = char> {
    prop_oneof![
        3 => prop::sample::select(NASTY_CHARS),
        1 => any::<char>(),
    ]
}

pub(crate) fn short_string() -> impl Strategy<Value = String> {
    prop::collection::vec(nasty_char(), 0..24).prop_map(String::from_iter)
}

/// `pattern` repeated to at most `len` bytes.
pub(crate) fn repeat_to(pattern: &[char], len: usize) -> String {
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
pub(crate) fn long_string() -> impl Strategy<Value = String> {
    (
        prop::collection::vec(nasty_char(), 1..6),
        prop_oneof![Just(64 * 1024), 1usize..=64 * 1024],
    )
        .prop_map(|(pattern, len)| repeat_to(&pattern, len))
}

/// Any string a caller might pass: mostly short and hostile, sometimes printable,
/// rarely 64 KiB.
pub(crate) fn arb_string() -> impl Strategy<Value = String> {
    prop_oneof![
        14 => short_string(),
        4 => "[ -~]{0,40}",
        1 => long_string(),
    ]
}

/// An RFC 9110 token.
pub(crate) fn token() -> impl Strategy<Value = String> {
    "[!#$%&'*+.^_`|~0-9A-Za-z-]{1,12}"
}

/// Media types: valid ones, valid ones with parameters, and arbitrary strings.
pub(crate) fn media_type() -> impl Strategy<Value = String> {
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
pub(crate) fn method() -> impl Strategy<Value = Method> {
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
