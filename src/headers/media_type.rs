//! Media types for `Accept` and `Accept-Post` (RFC 9110 §8.3.1, §12.5.1).

use std::borrow::Cow;

use http::HeaderValue;

use super::{ascii_header, is_tchar, is_token};

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

#[cfg(test)]
mod tests {
    use super::*;

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
