//! W3C Trace Context Level 1: the `traceparent` and `tracestate` fields, parsed as
//! the specification says a receiver must (anything invalid is `None`, to be
//! ignored, never an error), and written for the next hop.
//!
//! ```
//! use api_error_wire::trace_context::{SpanId, TraceParent};
//!
//! let incoming = TraceParent::parse(b"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01").unwrap();
//! assert_eq!(incoming.trace_id().to_string(), "4bf92f3577b34da6a3ce929d0e0e4736");
//! assert!(incoming.is_sampled());
//!
//! // The next hop: the same trace and flags, this service's span as the parent.
//! let mine = SpanId::from_bytes(*b"\x53\xce\x92\x9d\x0e\x0e\x47\x36").unwrap();
//! assert_eq!(
//!     incoming.with_parent(mine).to_string(),
//!     "00-4bf92f3577b34da6a3ce929d0e0e4736-53ce929d0e0e4736-01",
//! );
//!
//! // Uppercase hex, an all-zero id, version ff: invalid, so ignored.
//! assert!(TraceParent::parse(b"00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01").is_none());
//! assert!(TraceParent::parse(b"00-00000000000000000000000000000000-00f067aa0ba902b7-01").is_none());
//! assert!(TraceParent::parse(b"ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01").is_none());
//! ```

use std::fmt;

use http::HeaderValue;

/// `traceparent`.
pub const TRACEPARENT: http::HeaderName = http::HeaderName::from_static("traceparent");
/// `tracestate`.
pub const TRACESTATE: http::HeaderName = http::HeaderName::from_static("tracestate");

/// A trace's id: 16 bytes, never all zero; shown as 32 lower-case hex digits, as
/// tracing backends show and search it.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct TraceId([u8; 16]);

/// A span's id: 8 bytes, never all zero; shown as 16 lower-case hex digits.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct SpanId([u8; 8]);

impl TraceId {
    /// The id of these bytes; `None` when they are all zero (an invalid id).
    #[must_use]
    pub fn from_bytes(bytes: [u8; 16]) -> Option<Self> {
        (bytes != [0; 16]).then_some(Self(bytes))
    }

    /// Its bytes.
    #[must_use]
    pub const fn to_bytes(self) -> [u8; 16] {
        self.0
    }
}

impl SpanId {
    /// The id of these bytes; `None` when they are all zero (an invalid id).
    #[must_use]
    pub fn from_bytes(bytes: [u8; 8]) -> Option<Self> {
        (bytes != [0; 8]).then_some(Self(bytes))
    }

    /// Its bytes.
    #[must_use]
    pub const fn to_bytes(self) -> [u8; 8] {
        self.0
    }
}

/// Lower-case hex digits of `bytes` into `out`, which is twice as long.
fn encode_hex<'a>(bytes: &[u8], out: &'a mut [u8]) -> &'a str {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    for (pair, b) in out.chunks_exact_mut(2).zip(bytes) {
        pair[0] = DIGITS[usize::from(b >> 4)];
        pair[1] = DIGITS[usize::from(b & 0x0f)];
    }
    std::str::from_utf8(out).expect("hex digits are ASCII")
}

impl TraceId {
    /// The 32 hex digits, written into `buf`: the id as text without allocating.
    pub fn encode<'a>(&self, buf: &'a mut [u8; 32]) -> &'a str {
        encode_hex(&self.0, buf)
    }
}

impl SpanId {
    /// The 16 hex digits, written into `buf`.
    pub fn encode<'a>(&self, buf: &'a mut [u8; 16]) -> &'a str {
        encode_hex(&self.0, buf)
    }
}

impl fmt::Display for TraceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.encode(&mut [0; 32]))
    }
}

impl fmt::Debug for TraceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TraceId({self})")
    }
}

impl fmt::Display for SpanId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.encode(&mut [0; 16]))
    }
}

impl fmt::Debug for SpanId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SpanId({self})")
    }
}

/// A valid `traceparent`: its trace id, its parent's span id and its flags.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TraceParent {
    trace_id: TraceId,
    parent_id: SpanId,
    flags: u8,
}

/// The `sampled` flag (W3C Trace Context Level 1, §3.2.2.5).
const SAMPLED: u8 = 0x01;

impl TraceParent {
    /// The `traceparent` of a span: `trace_id`, `parent_id` and whether it is
    /// sampled.
    #[must_use]
    pub const fn new(trace_id: TraceId, parent_id: SpanId, sampled: bool) -> Self {
        Self {
            trace_id,
            parent_id,
            flags: if sampled { SAMPLED } else { 0 },
        }
    }

    /// Parses one `traceparent` value (§3.2, and §4.3 for later versions): `None`
    /// when it is invalid, which a receiver ignores.
    ///
    /// Version `00` is exactly `00-<32 hex>-<16 hex>-<2 hex>`, lower-case hex,
    /// neither id all zero. Version `ff` is invalid. A later version is read by the
    /// version-00 prefix: 55 characters, then nothing or a `-` and more.
    #[must_use]
    pub fn parse(value: &[u8]) -> Option<Self> {
        let value = trim_ows(value);
        if value.len() < 55 {
            return None;
        }
        let version = hex_byte(&value[0..2])?;
        match version {
            0xff => return None,
            0x00 if value.len() != 55 => return None,
            0x00 => {}
            _ if value.len() > 55 && value[55] != b'-' => return None,
            _ => {}
        }
        if value[2] != b'-' || value[35] != b'-' || value[52] != b'-' {
            return None;
        }
        let trace_id: [u8; 16] = decode_hex(&value[3..35])?;
        let parent_id: [u8; 8] = decode_hex(&value[36..52])?;
        let flags = hex_byte(&value[53..55])?;
        Some(Self {
            trace_id: TraceId::from_bytes(trace_id)?,
            parent_id: SpanId::from_bytes(parent_id)?,
            flags,
        })
    }

    /// The `traceparent` of a request's field lines: `None` unless there is exactly
    /// one, and it is valid.
    #[must_use]
    pub fn from_lines<'a>(lines: impl IntoIterator<Item = &'a HeaderValue>) -> Option<Self> {
        let mut lines = lines.into_iter();
        let (Some(line), None) = (lines.next(), lines.next()) else {
            return None;
        };
        Self::parse(line.as_bytes())
    }

    /// The trace's id.
    #[must_use]
    pub const fn trace_id(&self) -> TraceId {
        self.trace_id
    }

    /// The parent span's id: the caller's span.
    #[must_use]
    pub const fn parent_id(&self) -> SpanId {
        self.parent_id
    }

    /// The flags as they arrived (only `sampled`, `0x01`, is defined in Level 1).
    #[must_use]
    pub const fn flags(&self) -> u8 {
        self.flags
    }

    /// Whether the caller may have recorded the trace (the `sampled` flag).
    #[must_use]
    pub const fn is_sampled(&self) -> bool {
        self.flags & SAMPLED != 0
    }

    /// The same trace and `sampled` flag with `parent` as the parent: what this
    /// service sends on a call it makes from its span `parent`.
    #[must_use]
    pub const fn with_parent(&self, parent: SpanId) -> Self {
        Self {
            trace_id: self.trace_id,
            parent_id: parent,
            flags: self.flags & SAMPLED,
        }
    }

    /// The field value, version `00`.
    #[must_use]
    pub fn to_header_value(&self) -> HeaderValue {
        HeaderValue::from_str(&self.to_string()).expect("hex digits and dashes")
    }
}

/// Version `00`, whose only flag is `sampled`: the other bits, which a later
/// version may define, are written as zero (§3.2.2.5).
impl fmt::Display for TraceParent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "00-{}-{}-{:02x}",
            self.trace_id,
            self.parent_id,
            self.flags & SAMPLED
        )
    }
}

/// `value` without the optional whitespace (SP, HTAB) around it (RFC 9110 §5.6.3).
fn trim_ows(value: &[u8]) -> &[u8] {
    let start = value
        .iter()
        .position(|b| !matches!(b, b' ' | b'\t'))
        .unwrap_or(value.len());
    let end = value
        .iter()
        .rposition(|b| !matches!(b, b' ' | b'\t'))
        .map_or(start, |i| i + 1);
    &value[start..end]
}

/// The value of a lower-case hex digit.
const fn hex_digit(d: u8) -> Option<u8> {
    match d {
        b'0'..=b'9' => Some(d - b'0'),
        b'a'..=b'f' => Some(d - b'a' + 10),
        _ => None,
    }
}

/// One byte from two lower-case hex digits.
fn hex_byte(digits: &[u8]) -> Option<u8> {
    Some(hex_digit(digits[0])? << 4 | hex_digit(digits[1])?)
}

/// `N` bytes from `2 * N` lower-case hex digits.
fn decode_hex<const N: usize>(digits: &[u8]) -> Option<[u8; N]> {
    let mut out = [0; N];
    for (byte, pair) in out.iter_mut().zip(digits.chunks_exact(2)) {
        *byte = hex_digit(pair[0])? << 4 | hex_digit(pair[1])?;
    }
    Some(out)
}

/// The `tracestate` of a request's field lines (§3.3), joined into one list, when it
/// is valid: at most 32 members, each `key=value` with a key and a value of the
/// grammar's characters and lengths, each key once. `None` when there is none or
/// it is invalid (the specification lets a receiver drop it then). It travels only
/// with a valid `traceparent`.
#[must_use]
pub fn tracestate_from_lines<'a>(
    lines: impl IntoIterator<Item = &'a HeaderValue>,
) -> Option<HeaderValue> {
    let mut members: Vec<&[u8]> = Vec::new();
    let mut total = 0;
    for line in lines {
        // Far past what a list of 32 valid members can be: refused before any work
        // that grows with it.
        total += line.len();
        if total > MAX_TRACESTATE_LEN {
            return None;
        }
        for member in line.as_bytes().split(|&b| b == b',') {
            let member = member.trim_ascii();
            if member.is_empty() {
                continue;
            }
            if members.len() == 32 {
                return None;
            }
            let eq = member.iter().position(|&b| b == b'=')?;
            let (key, value) = (&member[..eq], &member[eq + 1..]);
            if !valid_key(key) || !valid_value(value) {
                return None;
            }
            if members
                .iter()
                .any(|m| m.starts_with(key) && m.get(key.len()) == Some(&b'='))
            {
                return None;
            }
            members.push(member);
        }
    }
    if members.is_empty() {
        return None;
    }
    HeaderValue::from_bytes(&members.join(&b","[..])).ok()
}

/// The longest `tracestate` read, all its lines together: 32 members of the longest
/// key and value, with separators and whitespace, fit in well under this.
const MAX_TRACESTATE_LEN: usize = 32 * (256 + 1 + 256 + 3);

/// `key`: `simple-key` or `tenant-id@system-id` (§3.3.1.3.1): a simple key and a
/// system id start with a lower-case letter, a tenant id may start with a digit.
fn valid_key(key: &[u8]) -> bool {
    let part = |s: &[u8], max: usize, digit_first: bool| {
        !s.is_empty()
            && s.len() <= max
            && (s[0].is_ascii_lowercase() || (digit_first && s[0].is_ascii_digit()))
            && s.iter()
                .all(|&b| matches!(b, b'a'..=b'z' | b'0'..=b'9' | b'_' | b'-' | b'*' | b'/'))
    };
    match key.iter().position(|&b| b == b'@') {
        Some(at) => part(&key[..at], 241, true) && part(&key[at + 1..], 14, false),
        None => part(key, 256, false),
    }
}

/// `value`: 1 to 256 printable ASCII characters but `,` and `=`, not ending in a
/// space (§3.3.1.3.2).
fn valid_value(value: &[u8]) -> bool {
    !value.is_empty()
        && value.len() <= 256
        && value.last() != Some(&b' ')
        && value
            .iter()
            .all(|&b| (0x20..=0x7e).contains(&b) && b != b',' && b != b'=')
}

#[cfg(test)]
mod tests {
    use super::*;

    const VALID: &[u8] = b"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

    #[test]
    fn a_valid_traceparent_is_read_whole() {
        let tp = TraceParent::parse(VALID).unwrap();
        assert_eq!(
            tp.trace_id().to_string(),
            "4bf92f3577b34da6a3ce929d0e0e4736"
        );
        assert_eq!(tp.parent_id().to_string(), "00f067aa0ba902b7");
        assert_eq!(tp.flags(), 1);
        assert!(tp.is_sampled());
        assert_eq!(tp.to_string().as_bytes(), VALID);
        let unsampled = TraceParent::parse(&VALID.replace_last(b"00")).unwrap();
        assert!(!unsampled.is_sampled());
    }

    trait ReplaceLast {
        fn replace_last(&self, with: &[u8]) -> Vec<u8>;
    }

    impl ReplaceLast for [u8] {
        fn replace_last(&self, with: &[u8]) -> Vec<u8> {
            let mut v = self[..self.len() - with.len()].to_vec();
            v.extend_from_slice(with);
            v
        }
    }

    #[test]
    fn invalid_traceparents_are_none() {
        for bad in [
            &b"ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"[..],
            b"00-00000000000000000000000000000000-00f067aa0ba902b7-01",
            b"00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",
            b"00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",
            b"00-4bf92f3577b34da6a3ce929d0e0e4736-00F067AA0BA902B7-01",
            b"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0A",
            b"0A-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            b"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-",
            b"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-010",
            b"00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01",
            b"00_4bf92f3577b34da6a3ce929d0e0e4736_00f067aa0ba902b7_01",
            b"00-4bf92f3577b34da6a3ce929d0e0e4736.00f067aa0ba902b7-01",
            b"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7.01",
            b"01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01x",
            b"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-g1",
            b"",
            b"00",
        ] {
            assert_eq!(
                TraceParent::parse(bad),
                None,
                "{}",
                String::from_utf8_lossy(bad)
            );
        }
    }

    #[test]
    fn a_later_version_is_read_by_its_version_00_prefix() {
        let later = b"cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-what-the-future-adds";
        let tp = TraceParent::parse(later).unwrap();
        assert_eq!(
            tp.trace_id().to_string(),
            "4bf92f3577b34da6a3ce929d0e0e4736"
        );
        assert_eq!(tp.to_string().as_bytes(), VALID);
        assert!(TraceParent::parse(&later[..55]).is_some());
    }

    #[test]
    fn only_one_field_line_is_valid() {
        let v = HeaderValue::from_static("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
        assert!(TraceParent::from_lines([&v]).is_some());
        assert!(TraceParent::from_lines([&v, &v]).is_none());
        assert!(TraceParent::from_lines([]).is_none());
    }

    #[test]
    fn tracestate_is_joined_when_valid_and_dropped_when_not() {
        let hv = HeaderValue::from_static;
        assert_eq!(
            tracestate_from_lines([&hv("rojo=00f067aa0ba902b7"), &hv("congo=t61rcWkgMzE, ")])
                .unwrap(),
            "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE"
        );
        assert_eq!(
            tracestate_from_lines([&hv("tenant@vendor=x")]).unwrap(),
            "tenant@vendor=x"
        );
        for bad in [
            "Rojo=1",
            "rojo",
            "rojo=",
            "rojo=a,rojo=b",
            "rojo=a=b",
            "=x",
            "a@=x",
        ] {
            assert_eq!(tracestate_from_lines([&hv(bad)]), None, "{bad}");
        }
        let many = (0..33)
            .map(|i| format!("k{i}=v"))
            .collect::<Vec<_>>()
            .join(",");
        assert_eq!(
            tracestate_from_lines([&HeaderValue::from_str(&many).unwrap()]),
            None
        );
        assert_eq!(tracestate_from_lines([]), None);
    }
}
