//! The bodies written as JSON without serde's per-byte string scan: the bytes
//! `serde_json::to_vec` writes for the same value, checked against it by property
//! tests and a fuzz target (`testkit::fuzz::json_body`).
//!
//! A string with nothing to escape (the common case: codes, messages, ids, paths)
//! is checked in blocks of 16 bytes and copied once; one with something to escape
//! is handed to `serde_json` itself, so that every escape is serde_json's own.

use bytes::BufMut;

use crate::{ErrorBody, FieldError, ProblemDetails};

/// An object being written: members separated by commas, closed by [`Object::end`].
pub(crate) struct Object<'a, B: BufMut> {
    out: &'a mut B,
    first: bool,
}

impl<'a, B: BufMut> Object<'a, B> {
    pub(crate) fn begin(out: &'a mut B) -> Self {
        out.put_u8(b'{');
        Self { out, first: true }
    }

    /// `key` is one of the bodies' own member names, which need no escaping.
    fn key(&mut self, key: &'static str) {
        debug_assert!(needs_no_escape(key));
        if !self.first {
            self.out.put_u8(b',');
        }
        self.first = false;
        self.out.put_u8(b'"');
        self.out.put_slice(key.as_bytes());
        self.out.put_slice(b"\":");
    }

    pub(crate) fn str(&mut self, key: &'static str, value: &str) {
        self.key(key);
        string(self.out, value);
    }

    pub(crate) fn opt_str(&mut self, key: &'static str, value: Option<&str>) {
        if let Some(value) = value {
            self.str(key, value);
        }
    }

    pub(crate) fn u64(&mut self, key: &'static str, value: u64) {
        self.key(key);
        integer(self.out, value);
    }

    fn fields(&mut self, key: &'static str, fields: &[FieldError]) {
        if fields.is_empty() {
            return;
        }
        self.key(key);
        self.out.put_u8(b'[');
        for (i, field) in fields.iter().enumerate() {
            if i > 0 {
                self.out.put_u8(b',');
            }
            let mut object = Object::begin(&mut *self.out);
            object.str("field", &field.field);
            object.str("message", &field.message);
            object.str("code", &field.code);
            object.end();
        }
        self.out.put_u8(b']');
    }

    fn strings(&mut self, key: &'static str, values: Option<&[String]>) {
        let Some(values) = values else { return };
        self.key(key);
        self.out.put_u8(b'[');
        for (i, value) in values.iter().enumerate() {
            if i > 0 {
                self.out.put_u8(b',');
            }
            string(self.out, value);
        }
        self.out.put_u8(b']');
    }

    pub(crate) fn end(self) {
        self.out.put_u8(b'}');
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

/// Whether serde_json writes `value` as it is: no control character, `"` or `\`
/// (it escapes nothing else). Eight bytes at a time, the last word padded.
fn needs_no_escape(value: &str) -> bool {
    let mut words = value.as_bytes().chunks_exact(8);
    let whole = words
        .by_ref()
        .all(|word| <[u8; 8]>::try_from(word).is_ok_and(|word| plain(u64::from_le_bytes(word))));
    let rest = words.remainder();
    let mut last = [b' '; 8];
    last[..rest.len()].copy_from_slice(rest);
    whole && plain(u64::from_le_bytes(last))
}

/// Whether no byte of `word` is below 0x20, `"` or `\`. Each test is the classic
/// one for "a byte below n" (`(w - n·ONES) & !w & HIGH`), exact for the word as a
/// whole; bytes from 0x80 up (UTF-8) never set it.
const fn plain(word: u64) -> bool {
    const ONES: u64 = u64::MAX / 0xff;
    const HIGH: u64 = ONES * 0x80;
    const fn below(word: u64, n: u8) -> u64 {
        word.wrapping_sub(ONES * n as u64) & !word
    }
    let quote = word ^ (ONES * b'"' as u64);
    let backslash = word ^ (ONES * b'\\' as u64);
    (below(word, 0x20) | below(quote, 1) | below(backslash, 1)) & HIGH == 0
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
        let mut object = Object::begin(out);
        object.str("error", &self.error);
        object.str("message", &self.message);
        object.str("code", &self.code);
        object.fields("details", &self.details);
        object.opt_str("requestId", self.request_id.as_deref());
        object.opt_str("traceId", self.trace_id.as_deref());
        object.opt_str("docs", self.docs.as_deref());
        if let Some(secs) = self.retry_after {
            object.u64("retryAfter", secs);
        }
        object.strings("debug", self.debug.as_deref());
        object.end();
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
        let mut object = Object::begin(out);
        object.str("type", &self.type_);
        object.str("title", &self.title);
        object.u64("status", self.status.into());
        object.str("detail", &self.detail);
        object.opt_str("instance", self.instance.as_deref());
        object.str("code", &self.code);
        object.opt_str("requestId", self.request_id.as_deref());
        object.opt_str("traceId", self.trace_id.as_deref());
        object.fields("errors", &self.errors);
        if let Some(secs) = self.retry_after {
            object.u64("retryAfter", secs);
        }
        object.strings("debug", self.debug.as_deref());
        object.end();
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
