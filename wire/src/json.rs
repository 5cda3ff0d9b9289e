//! The bodies written as JSON without serde's per-byte string scan: the bytes
//! `serde_json::to_vec` writes for the same value, checked against it by property
//! tests and a fuzz target (`testkit::fuzz::json_body`).
//!
//! A string with nothing to escape (the common case: codes, messages, ids, paths)
//! is checked eight bytes at a time and copied once; one with something to escape
//! is handed to `serde_json` itself, so that every escape is serde_json's own. The
//! member names are written as literals, with their commas.

use bytes::BufMut;

use crate::{ErrorBody, FieldError, ProblemDetails};

/// The field errors as a JSON array, after `key` (`,"details":[`).
fn fields<B: BufMut>(out: &mut B, key: &'static [u8], fields: &[FieldError]) {
    if fields.is_empty() {
        return;
    }
    out.put_slice(key);
    for (i, field) in fields.iter().enumerate() {
        out.put_slice(if i == 0 {
            b"{\"field\":"
        } else {
            b",{\"field\":"
        });
        string(out, &field.field);
        out.put_slice(b",\"message\":");
        string(out, &field.message);
        out.put_slice(b",\"code\":");
        string(out, &field.code);
        out.put_u8(b'}');
    }
    out.put_u8(b']');
}

/// The strings as a JSON array, after `key` (`,"debug":[`).
fn strings<B: BufMut>(out: &mut B, key: &'static [u8], values: Option<&[String]>) {
    let Some(values) = values else { return };
    out.put_slice(key);
    for (i, value) in values.iter().enumerate() {
        if i > 0 {
            out.put_u8(b',');
        }
        string(out, value);
    }
    out.put_u8(b']');
}

/// `key` (`,"docs":`) and the string, if there is one.
fn opt_string<B: BufMut>(out: &mut B, key: &'static [u8], value: Option<&str>) {
    if let Some(value) = value {
        out.put_slice(key);
        string(out, value);
    }
}

/// `key` (`,"retryAfter":`) and the integer, if there is one.
fn opt_integer<B: BufMut>(out: &mut B, key: &'static [u8], value: Option<u64>) {
    if let Some(value) = value {
        out.put_slice(key);
        integer(out, value);
    }
}

/// `value` as a JSON string, quoted and escaped as serde_json escapes it.
fn string<B: BufMut>(out: &mut B, value: &str) {
    if needs_no_escape(value) {
        out.put_u8(b'"');
        out.put_slice(value.as_bytes());
        out.put_u8(b'"');
    } else {
        // Writing a string into memory cannot fail.
        let written = serde_json::to_writer(out.writer(), value);
        debug_assert!(written.is_ok());
    }
}

/// Whether serde_json writes `value` as it is: no control character, `"` or `\\`
/// (it escapes nothing else). Eight bytes at a time, without an early exit, the last
/// word overlapping the one before it; a string shorter than a word a byte at a time.
fn needs_no_escape(value: &str) -> bool {
    let bytes = value.as_bytes();
    let Some(last) = bytes.len().checked_sub(8) else {
        return bytes.iter().all(|&b| b >= 0x20 && b != b'"' && b != b'\\');
    };
    let word = |chunk: &[u8]| {
        let mut word = [0; 8];
        word.copy_from_slice(chunk);
        u64::from_le_bytes(word)
    };
    let flags = bytes
        .chunks_exact(8)
        .fold(escapes(word(&bytes[last..])), |flags, chunk| {
            flags | escapes(word(chunk))
        });
    flags & HIGH == 0
}

/// One byte of each lane of a word.
const ONES: u64 = u64::MAX / 0xff;
/// The high bit of each lane.
const HIGH: u64 = ONES * 0x80;

/// A word whose [`HIGH`] bits are not all clear when a byte of `word` is below 0x20,
/// `"` or `\\`: the classic test for "a byte below n" (`(w - n·ONES) & !w & HIGH`),
/// exact for the word as a whole (and so for words OR-ed together); bytes from 0x80
/// up (UTF-8) never set it.
const fn escapes(word: u64) -> u64 {
    const fn below(word: u64, n: u8) -> u64 {
        word.wrapping_sub(ONES * n as u64) & !word
    }
    let quote = word ^ (ONES * b'"' as u64);
    let backslash = word ^ (ONES * b'\\' as u64);
    below(word, 0x20) | below(quote, 1) | below(backslash, 1)
}

/// `value` in decimal, as serde_json writes an integer (with the same crate).
fn integer<B: BufMut>(out: &mut B, value: u64) {
    out.put_slice(itoa::Buffer::new().format(value).as_bytes());
}

impl ErrorBody<'_> {
    /// Appends the body as JSON to `out`: the same bytes as
    /// `serde_json::to_vec(&body)`, written faster (strings with nothing to escape,
    /// nearly all of them, are copied whole rather than scanned a byte at a time).
    ///
    /// ```
    /// use api_error_wire::ErrorBody;
    /// use http::StatusCode;
    ///
    /// let mut body = ErrorBody::new(StatusCode::NOT_FOUND, "No user 7.", "USER_NOT_FOUND");
    /// body.request_id = Some("req-\"1\"".into());
    /// let mut out = Vec::new();
    /// body.write_json(&mut out);
    /// assert_eq!(out, serde_json::to_vec(&body).unwrap());
    /// ```
    pub fn write_json<B: BufMut>(&self, out: &mut B) {
        self.write_json_fixed(out);
        self.write_json_rest(out);
    }

    /// [`write_json`](Self::write_json) in two parts: the members every occurrence
    /// of an error shares (`error`, `message`, `code`, `details`), which a server
    /// may write once and keep, then [`write_json_rest`](Self::write_json_rest).
    #[doc(hidden)]
    pub fn write_json_fixed<B: BufMut>(&self, out: &mut B) {
        out.put_slice(b"{\"error\":");
        string(out, &self.error);
        out.put_slice(b",\"message\":");
        string(out, &self.message);
        out.put_slice(b",\"code\":");
        string(out, &self.code);
        fields(out, b",\"details\":[", &self.details);
    }

    /// The members after those of [`write_json_fixed`](Self::write_json_fixed)
    /// (`requestId` and on) and the closing brace.
    #[doc(hidden)]
    pub fn write_json_rest<B: BufMut>(&self, out: &mut B) {
        opt_string(out, b",\"requestId\":", self.request_id.as_deref());
        opt_string(out, b",\"traceId\":", self.trace_id.as_deref());
        opt_string(out, b",\"docs\":", self.docs.as_deref());
        opt_integer(out, b",\"retryAfter\":", self.retry_after);
        strings(out, b",\"debug\":[", self.debug.as_deref());
        out.put_u8(b'}');
    }
}

impl ProblemDetails<'_> {
    /// Appends the problem as JSON to `out`: the same bytes as
    /// `serde_json::to_vec(&problem)`, written as [`ErrorBody::write_json`] writes.
    ///
    /// ```
    /// use api_error_wire::ProblemDetails;
    /// use http::StatusCode;
    ///
    /// let problem = ProblemDetails::new(StatusCode::GONE, "Deleted.\n", "GONE");
    /// let mut out = Vec::new();
    /// problem.write_json(&mut out);
    /// assert_eq!(out, serde_json::to_vec(&problem).unwrap());
    /// ```
    pub fn write_json<B: BufMut>(&self, out: &mut B) {
        out.put_slice(b"{\"type\":");
        string(out, &self.type_);
        out.put_slice(b",\"title\":");
        string(out, &self.title);
        out.put_slice(b",\"status\":");
        integer(out, self.status.into());
        out.put_slice(b",\"detail\":");
        string(out, &self.detail);
        opt_string(out, b",\"instance\":", self.instance.as_deref());
        out.put_slice(b",\"code\":");
        string(out, &self.code);
        opt_string(out, b",\"requestId\":", self.request_id.as_deref());
        opt_string(out, b",\"traceId\":", self.trace_id.as_deref());
        fields(out, b",\"errors\":[", &self.errors);
        opt_integer(out, b",\"retryAfter\":", self.retry_after);
        strings(out, b",\"debug\":[", self.debug.as_deref());
        out.put_u8(b'}');
    }
}

#[cfg(test)]
mod tests {
    use std::borrow::Cow;

    use http::StatusCode;

    use super::*;

    fn same_as_serde(body: &ErrorBody<'_>, problem: &ProblemDetails<'_>) {
        let mut out = Vec::new();
        body.write_json(&mut out);
        assert_eq!(
            String::from_utf8(out).unwrap(),
            serde_json::to_string(body).unwrap()
        );
        let mut out = Vec::new();
        problem.write_json(&mut out);
        assert_eq!(
            String::from_utf8(out).unwrap(),
            serde_json::to_string(problem).unwrap()
        );
    }

    #[test]
    fn every_member_and_every_escape_as_serde_json_writes_them() {
        let nasty = "a\"b\\c\u{0}\u{1f}\u{7f}\n\r\t\u{8}\u{c}é😀</script>\u{2028}";
        for text in [
            "",
            "plain",
            nasty,
            "0123456789abcdef",
            "0123456789abcdef\"",
            "\"0123456789abcdef",
        ] {
            let fields = [FieldError {
                field: Cow::Owned(text.to_owned()),
                message: Cow::Owned(text.to_owned()),
                code: Cow::Borrowed("X"),
            }];
            let mut body = ErrorBody::new(StatusCode::UNPROCESSABLE_ENTITY, text, text);
            body.details = fields[..].into();
            body.request_id = Some(text.into());
            body.trace_id = Some(text.into());
            body.docs = Some(text.into());
            body.retry_after = Some(u64::MAX);
            body.debug = Some(vec![text.to_owned(), String::new()]);
            let mut problem = ProblemDetails::new(StatusCode::UNPROCESSABLE_ENTITY, text, text);
            problem.type_ = text.into();
            problem.instance = Some(text.into());
            problem.request_id = Some(text.into());
            problem.trace_id = Some(text.into());
            problem.errors = fields[..].into();
            problem.retry_after = Some(0);
            problem.debug = Some(Vec::new());
            same_as_serde(&body, &problem);
            same_as_serde(
                &ErrorBody::new(StatusCode::NOT_FOUND, text, "C"),
                &ProblemDetails::new(StatusCode::NOT_FOUND, text, "C"),
            );
        }
    }

    #[test]
    fn the_scan_agrees_with_serde_json_on_every_byte_in_every_place() {
        for len in 0..=17 {
            for at in 0..len {
                for byte in 0..=0x7f_u8 {
                    let mut text = vec![b'a'; len];
                    text[at] = byte;
                    let text = std::str::from_utf8(&text).unwrap();
                    let serde = serde_json::to_string(text).unwrap();
                    assert_eq!(
                        needs_no_escape(text),
                        serde.len() == text.len() + 2,
                        "{text:?}"
                    );
                }
            }
        }
        assert!(needs_no_escape("é😀\u{2028}\u{7f}"));
    }

    #[test]
    fn integers_in_decimal() {
        for n in [
            0,
            1,
            9,
            10,
            99,
            100,
            65_535,
            1 << 32,
            u64::MAX - 1,
            u64::MAX,
        ] {
            let mut out = Vec::new();
            integer(&mut out, n);
            assert_eq!(out, n.to_string().into_bytes());
        }
    }
}
